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

// parquetFile is an open Parquet file with the leaves of the projected
// columns.
type parquetFile struct {
	pf     *file.Reader
	fr     *pqarrow.FileReader
	schema *arrow.Schema
	idx    []int // projected Arrow field indices
	leaves []int // their Parquet leaf indices
	name   string
}

func openParquet(src parquet.ReaderAtSeeker, name string, opt ReadOptions) (*parquetFile, error) {
	props := parquet.NewReaderProperties(opt.Allocator)
	props.BufferedStreamEnabled = true
	pf, err := file.NewParquetReader(src, file.WithReadProps(props))
	if err != nil {
		return nil, corrupt(name, FormatParquet, err)
	}
	p := &parquetFile{pf: pf, name: name}
	if err := p.project(opt); err != nil {
		pf.Close()
		return nil, err
	}
	return p, nil
}

func (p *parquetFile) project(opt ReadOptions) (err error) {
	if p.fr, err = pqarrow.NewFileReader(p.pf, pqarrow.ArrowReadProperties{BatchSize: int64(opt.BatchSize)}, opt.Allocator); err != nil {
		return corrupt(p.name, FormatParquet, err)
	}
	if p.schema, err = p.fr.Schema(); err != nil {
		return corrupt(p.name, FormatParquet, err)
	}
	if p.idx, err = project(p.name, fieldNames(p.schema), opt.Columns); err != nil {
		return err
	}
	if len(p.idx) == 0 {
		return estimators.InputErrorf("%s has no columns", p.name)
	}
	// GetRecordReader takes Parquet leaf indices, not Arrow field indices:
	// a list column is one field but its values live in a nested leaf.
	for _, i := range p.idx {
		p.leaves = appendLeaves(p.leaves, p.fr.Manifest.Fields[i])
	}
	return nil
}

func (p *parquetFile) Close() error { return p.pf.Close() }

// rowGroup reads the projected columns of row group rg.
func (p *parquetFile) rowGroup(ctx context.Context, rg int) (batches []arrow.RecordBatch, err error) {
	defer recoverCorrupt(p.name, FormatParquet, &err)
	rr, err := p.fr.GetRecordReader(ctx, p.leaves, []int{rg})
	if err != nil {
		return nil, corrupt(p.name, FormatParquet, err)
	}
	defer rr.Release()
	for rr.Next() {
		b := rr.RecordBatch()
		b.Retain()
		batches = append(batches, b)
		if err := ctx.Err(); err != nil {
			releaseAll(batches)
			return nil, err
		}
	}
	if err := rr.Err(); err != nil {
		releaseAll(batches)
		return nil, corrupt(p.name, FormatParquet, err)
	}
	return batches, nil
}

// table assembles batches read from p (nil: no rows).
func (p *parquetFile) table(batches []arrow.RecordBatch) arrow.Table {
	if len(batches) > 0 {
		return newTable(batches[0].Schema(), batches, nil)
	}
	return newTable(p.schema, nil, p.idx)
}

// readParquet reads the projected columns row group by row group, up to
// opt.Workers at a time, each into its own slot, and assembles the batches
// in row-group order.
func readParquet(ctx context.Context, src *stdio.SectionReader, name string, opt ReadOptions) (arrow.Table, error) {
	p, err := openParquet(src, name, opt)
	if err != nil {
		return nil, err
	}
	defer p.Close()
	parts := make([][]arrow.RecordBatch, p.pf.NumRowGroups())
	defer func() {
		for _, b := range parts {
			releaseAll(b)
		}
	}()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(opt.Workers)
	for rg := range parts {
		g.Go(func() (err error) {
			parts[rg], err = p.rowGroup(gctx, rg)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var batches []arrow.RecordBatch
	for _, b := range parts {
		batches = append(batches, b...)
	}
	return p.table(batches), nil
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
