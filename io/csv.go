package io

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"errors"
	stdio "io"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	arrowcsv "github.com/apache/arrow-go/v18/arrow/csv"

	"github.com/causalkit/causalkit/estimators"
)

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// readCSV infers column types from a sample of rows with encoding/csv, then
// reads the selected columns with Arrow's CSV reader under those explicit
// types. When Arrow reports an error, the file is scanned again to name the
// row and column at fault.
func readCSV(ctx context.Context, src *stdio.SectionReader, name string, opt ReadOptions) (arrow.Table, error) {
	body := csvBody(src, name)
	header, types, sampled, err := inferCSV(body(), name, opt)
	if err != nil {
		return nil, err
	}
	idx, err := project(name, header, opt.Columns)
	if err != nil {
		return nil, err
	}
	fields := make([]arrow.Field, len(idx))
	selected := make([]string, len(idx))
	for k, j := range idx {
		selected[k] = header[j]
		fields[k] = arrow.Field{Name: header[j], Type: types[header[j]], Nullable: true}
	}
	schema := arrow.NewSchema(fields, nil)
	if sampled == 0 { // a header and no data; Arrow's reader cannot build an empty batch
		return newTable(schema, nil, nil), nil
	}

	// The "inferring" reader infers nothing here: every column has its type
	// in WithColumnTypes. Unlike csv.NewReader it skips unselected columns
	// instead of parsing them.
	r := arrowcsv.NewInferringReader(body(),
		arrowcsv.WithHeader(true),
		arrowcsv.WithChunk(opt.BatchSize),
		arrowcsv.WithAllocator(opt.Allocator),
		arrowcsv.WithNullReader(true, opt.NullValues...),
		arrowcsv.WithColumnTypes(types),
		arrowcsv.WithIncludeColumns(selected),
	)
	defer r.Release()
	var batches []arrow.RecordBatch
	defer func() { releaseAll(batches) }()
	for r.Next() {
		b := r.RecordBatch()
		b.Retain()
		batches = append(batches, b)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	if err := r.Err(); err != nil {
		return nil, diagnoseCSV(body(), name, header, idx, types, err, opt)
	}
	return newTable(schema, batches, nil), nil
}

// csvBody returns a function that gives a fresh reader of the file after
// any UTF-8 byte order mark, decompressing a gzip file (told by its magic
// bytes, whatever its name).
func csvBody(src *stdio.SectionReader, name string) func() stdio.Reader {
	head := make([]byte, len(utf8BOM))
	n, _ := src.ReadAt(head, 0)
	if n >= 2 && head[0] == 0x1f && head[1] == 0x8b {
		return func() stdio.Reader {
			gz, err := gzip.NewReader(stdio.NewSectionReader(src, 0, src.Size()))
			if err != nil {
				return errReader{estimators.InputErrorf("%s: not a valid gzip file: %v", name, err)}
			}
			br := bufio.NewReader(gz)
			if b, err := br.Peek(len(utf8BOM)); err == nil && bytes.Equal(b, utf8BOM) {
				_, _ = br.Discard(len(utf8BOM))
			}
			return br
		}
	}
	var off int64
	if n == len(head) && bytes.Equal(head, utf8BOM) {
		off = int64(len(utf8BOM))
	}
	return func() stdio.Reader { return stdio.NewSectionReader(src, off, src.Size()-off) }
}

// errReader fails every Read with err.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// scanCSV reads the header and then up to limit data rows (all when limit
// is negative), with the settings Arrow's reader uses, calling fn for each
// row. Malformed rows become input errors that name the row.
func scanCSV(r stdio.Reader, name string, limit int, fn func(row int, rec []string) error) ([]string, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == stdio.EOF {
		return nil, estimators.InputErrorf("%s has no header row", name)
	}
	if err != nil {
		return nil, estimators.InputErrorf("%s: the header row is not valid CSV: %v", name, err)
	}
	header = slices.Clone(header)
	for j, h := range header {
		if k := slices.Index(header[:j], h); k >= 0 {
			return nil, estimators.InputErrorf("%s: the header names column %q twice (columns %d and %d); rename one", name, h, k+1, j+1)
		}
	}
	for row := 0; limit < 0 || row < limit; row++ {
		rec, err := cr.Read()
		if err == stdio.EOF {
			break
		}
		if errors.Is(err, csv.ErrFieldCount) {
			return nil, estimators.InputErrorf("%s: %s has %d field(s) but the header has %d; every row needs one field per column (quote fields that contain commas)",
				name, rowName(row), len(rec), len(header))
		}
		if err != nil {
			return nil, estimators.InputErrorf("%s: %s is not valid CSV: %v", name, rowName(row), err)
		}
		if err := fn(row, rec); err != nil {
			return nil, err
		}
	}
	return header, nil
}

// cellKind classifies CSV cells for type inference. Kinds widen: int and
// float give float; bool or string mixed with anything else gives string.
type cellKind uint8

const (
	cellNull cellKind = iota
	cellInt
	cellFloat
	cellBool
	cellString
)

// widen returns the kind of a column of kind k after one more non-null
// cell s. Parsers are those of Arrow's CSV reader, so inferred types read.
func widen(k cellKind, s string) cellKind {
	var c cellKind
	switch {
	case k == cellString:
		return k
	case (k == cellNull || k == cellInt) && parses(arrow.PrimitiveTypes.Int64, s):
		c = cellInt
	case s == "true" || s == "false" || s == "TRUE" || s == "FALSE" || s == "True" || s == "False":
		c = cellBool
	case k != cellBool && parses(arrow.PrimitiveTypes.Float64, s):
		c = cellFloat
	default:
		return cellString
	}
	switch {
	case k == cellNull || k == c:
		return c
	case k == cellInt && c == cellFloat || k == cellFloat && c == cellInt:
		return cellFloat
	}
	return cellString
}

var kindTypes = map[cellKind]arrow.DataType{
	cellNull:   arrow.PrimitiveTypes.Float64, // an all-missing column
	cellInt:    arrow.PrimitiveTypes.Int64,
	cellFloat:  arrow.PrimitiveTypes.Float64,
	cellBool:   arrow.FixedWidthTypes.Boolean,
	cellString: arrow.BinaryTypes.String,
}

// parses reports whether Arrow's CSV reader reads s as a value of type dt.
func parses(dt arrow.DataType, s string) bool {
	var err error
	switch dt.ID() {
	case arrow.INT64:
		_, err = strconv.ParseInt(s, 10, 64)
	case arrow.FLOAT64:
		_, err = strconv.ParseFloat(s, 64)
	case arrow.BOOL:
		_, err = strconv.ParseBool(s)
	}
	return err == nil
}

// inferCSV returns the header, a type for every column (from opt.Schema
// when given, else inferred from the first opt.InferRows rows) and the
// number of rows sampled.
func inferCSV(r stdio.Reader, name string, opt ReadOptions) ([]string, map[string]arrow.DataType, int, error) {
	var (
		kinds   []cellKind
		sampled int
	)
	header, err := scanCSV(r, name, opt.InferRows, func(_ int, rec []string) error {
		sampled++
		if kinds == nil {
			kinds = make([]cellKind, len(rec))
		}
		for j, s := range rec {
			if !slices.Contains(opt.NullValues, s) {
				kinds[j] = widen(kinds[j], s)
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, 0, err
	}
	for _, col := range sortedKeys(opt.Schema) {
		if !slices.Contains(header, col) {
			return nil, nil, 0, estimators.InputErrorf("%s: the schema names column %q, which is not in the header; available columns: %s",
				name, col, strings.Join(header, ", "))
		}
	}
	types := make(map[string]arrow.DataType, len(header))
	for j, h := range header {
		if t, ok := opt.Schema[h]; ok {
			types[h] = schemaTypes[t]
		} else if sampled > 0 {
			types[h] = kindTypes[kinds[j]]
		} else {
			types[h] = kindTypes[cellNull]
		}
	}
	return header, types, sampled, nil
}

// diagnoseCSV rescans the file to find the first cell of a selected column
// that does not parse as its type, and explains how to fix it. readErr is
// Arrow's error, returned when the scan finds nothing more precise.
func diagnoseCSV(r stdio.Reader, name string, header []string, idx []int, types map[string]arrow.DataType,
	readErr error, opt ReadOptions) error {
	_, err := scanCSV(r, name, -1, func(row int, rec []string) error {
		for _, j := range idx {
			s, col := rec[j], header[j]
			if slices.Contains(opt.NullValues, s) || parses(types[col], s) {
				continue
			}
			typ := typeName(types[col])
			if _, ok := opt.Schema[col]; ok {
				return estimators.InputErrorf("%s: column %q, %s: cannot read %q as %s, the type the schema sets; fix the value or change the schema",
					name, col, rowName(row), s, typ)
			}
			return estimators.InputErrorf("%s: column %q, %s: cannot read %q as %s, the type inferred from the first %d rows; "+
				`set the column's type with --schema (e.g. {%q: "string"}) or sample more rows for inference`,
				name, col, rowName(row), s, typ, opt.InferRows, col)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return estimators.InputErrorf("%s: %v", name, readErr)
}
