package io

import (
	"context"
	stdio "io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"golang.org/x/sync/errgroup"

	"github.com/causalkit/causalkit/estimators"
)

// readParquet reads the projected columns row group by row group, up to
// opt.Workers at a time, each into its own slot, and assembles the batches
// in row-group order.
func readParquet(ctx context.Context, src *stdio.SectionReader, name string, opt ReadOptions) (arrow.Table, error) {
	props := parquet.NewReaderProperties(opt.Allocator)
	props.BufferedStreamEnabled = true
	pf, err := file.NewParquetReader(src, file.WithReadProps(props))
	if err != nil {
		return nil, corrupt(name, FormatParquet, err)
	}
	defer pf.Close()
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: int64(opt.BatchSize)}, opt.Allocator)
	if err != nil {
		return nil, corrupt(name, FormatParquet, err)
	}
	schema, err := fr.Schema()
	if err != nil {
		return nil, corrupt(name, FormatParquet, err)
	}
	idx, err := project(name, fieldNames(schema), opt.Columns)
	if err != nil {
		return nil, err
	}
	if len(idx) == 0 {
		return nil, estimators.InputErrorf("%s has no columns", name)
	}
	// GetRecordReader takes Parquet leaf indices, not Arrow field indices:
	// a list column is one field but its values live in a nested leaf.
	var leaves []int
	for _, i := range idx {
		leaves = appendLeaves(leaves, fr.Manifest.Fields[i])
	}

	parts := make([][]arrow.RecordBatch, pf.NumRowGroups())
	defer func() {
		for _, p := range parts {
			releaseAll(p)
		}
	}()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(opt.Workers)
	for rg := range parts {
		g.Go(func() (err error) {
			defer recoverCorrupt(name, FormatParquet, &err)
			rr, err := fr.GetRecordReader(gctx, leaves, []int{rg})
			if err != nil {
				return corrupt(name, FormatParquet, err)
			}
			defer rr.Release()
			for rr.Next() {
				b := rr.RecordBatch()
				b.Retain()
				parts[rg] = append(parts[rg], b)
				if err := gctx.Err(); err != nil {
					return err
				}
			}
			if err := rr.Err(); err != nil {
				return corrupt(name, FormatParquet, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}

	var batches []arrow.RecordBatch
	for _, p := range parts {
		batches = append(batches, p...)
	}
	if len(batches) > 0 {
		return newTable(batches[0].Schema(), batches, nil), nil
	}
	return newTable(schema, nil, idx), nil
}

// appendLeaves appends the Parquet leaf column indices under f.
func appendLeaves(dst []int, f pqarrow.SchemaField) []int {
	if f.IsLeaf() {
		return append(dst, f.ColIndex)
	}
	for _, c := range f.Children {
		dst = appendLeaves(dst, c)
	}
	return dst
}
