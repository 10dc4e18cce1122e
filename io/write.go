package io

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	stdio "io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/causalkit/causalkit/estimators"
)

// WriteFileAtomic writes path through write, all or nothing: the data go
// to a temporary file in the same directory, which is synced, closed and
// renamed over path only if write and every step after it succeed. On
// failure the temporary file is removed and path is left as it was.
// Writes are buffered; w is not an io.Closer, so writers that close their
// destination (Parquet's FileWriter) leave it to WriteFileAtomic.
func WriteFileAtomic(path string, write func(w stdio.Writer) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return estimators.InputErrorf("cannot write %s: %v", path, pathErr(err))
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 1<<20)
	if err := write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("io: writing %s: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("io: writing %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("io: writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("io: writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("io: writing %s: %w", path, err)
	}
	return nil
}

// WriteJSON writes v as JSON indented by two spaces, with a trailing
// newline. NaN and ±Inf become null (see estimators.MarshalJSON).
func WriteJSON(w stdio.Writer, v any) error {
	b, err := estimators.MarshalJSON(v)
	if err != nil {
		return fmt.Errorf("io: WriteJSON: %w", err)
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, b, "", "  "); err != nil {
		return fmt.Errorf("io: WriteJSON: %w", err)
	}
	buf.WriteByte('\n')
	_, err = w.Write(buf.Bytes())
	return err
}

// Column is one named column of results to write. Exactly one of the value
// slices must be non-nil (use an empty slice for zero rows).
type Column struct {
	Name    string
	Float64 []float64
	Int64   []int64
	String  []string
	Bool    []bool
	Valid   []bool // optional; false marks a missing value
}

// shape returns the length and Arrow type of c, checking its invariants.
func (c Column) shape() (int, arrow.DataType, error) {
	var (
		n   int
		dt  arrow.DataType
		set int
	)
	if c.Float64 != nil {
		n, dt, set = len(c.Float64), arrow.PrimitiveTypes.Float64, set+1
	}
	if c.Int64 != nil {
		n, dt, set = len(c.Int64), arrow.PrimitiveTypes.Int64, set+1
	}
	if c.String != nil {
		n, dt, set = len(c.String), arrow.BinaryTypes.String, set+1
	}
	if c.Bool != nil {
		n, dt, set = len(c.Bool), arrow.FixedWidthTypes.Boolean, set+1
	}
	if set != 1 {
		return 0, nil, fmt.Errorf("io: column %q has %d value slices set; exactly one is needed", c.Name, set)
	}
	if c.Valid != nil && len(c.Valid) != n {
		return 0, nil, fmt.Errorf("io: column %q has %d values but %d validity flags", c.Name, n, len(c.Valid))
	}
	return n, dt, nil
}

// checkColumns returns the common length of cols.
func checkColumns(cols []Column) (int, error) {
	n := 0
	for i, c := range cols {
		m, _, err := c.shape()
		if err != nil {
			return 0, err
		}
		if i > 0 && m != n {
			return 0, fmt.Errorf("io: column %q has %d rows but column %q has %d", c.Name, m, cols[0].Name, n)
		}
		n = m
	}
	return n, nil
}

// cell formats row i of c for CSV; missing values, NaN and ±Inf are empty.
func (c Column) cell(i int) string {
	if c.Valid != nil && !c.Valid[i] {
		return ""
	}
	switch {
	case c.Float64 != nil:
		if v := c.Float64[i]; !math.IsNaN(v) && !math.IsInf(v, 0) {
			return strconv.FormatFloat(v, 'g', -1, 64)
		}
		return ""
	case c.Int64 != nil:
		return strconv.FormatInt(c.Int64[i], 10)
	case c.Bool != nil:
		return strconv.FormatBool(c.Bool[i])
	}
	return c.String[i]
}

// WriteCSV writes cols as CSV with a header row. Floats are written in the
// shortest form that reads back exactly; NaN, ±Inf and missing values are
// empty fields.
func WriteCSV(w stdio.Writer, cols []Column) error {
	cw := csv.NewWriter(w)
	if err := writeCSVRows(cw, cols, true); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// writeCSVRows writes the rows of cols, after a header row if header.
func writeCSVRows(cw *csv.Writer, cols []Column, header bool) error {
	n, err := checkColumns(cols)
	if err != nil {
		return err
	}
	rec := make([]string, len(cols))
	if header {
		for j, c := range cols {
			rec[j] = c.Name
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	for i := range n {
		for j, c := range cols {
			rec[j] = c.cell(i)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	return nil
}

// WriteOptions configures WriteColumns and WriteTable.
type WriteOptions struct {
	// Format overrides the format implied by the file extension.
	Format Format
	// RowGroupSize is the maximum rows per Parquet row group; default 1Mi.
	RowGroupSize int
	// Compression for Parquet and Arrow IPC: "zstd" (default), "snappy"
	// (Parquet only) or "none". CSV is not compressed.
	Compression string
	// Allocator for the Arrow memory; default memory.DefaultAllocator.
	Allocator memory.Allocator
}

// Validate reports the first invalid field of o.
func (o WriteOptions) Validate() error {
	if err := o.Format.check(); err != nil {
		return err
	}
	if o.RowGroupSize < 0 {
		return estimators.InputErrorf("write options: RowGroupSize is %d; it must be positive (or 0 for the default)", o.RowGroupSize)
	}
	switch strings.ToLower(o.Compression) {
	case "", "zstd", "snappy", "none", "uncompressed":
		return nil
	}
	return estimators.InputErrorf("write options: unknown compression %q; use zstd, snappy or none", o.Compression)
}

func (o WriteOptions) withDefaults() WriteOptions {
	if o.RowGroupSize == 0 {
		o.RowGroupSize = 1 << 20
	}
	o.Compression = strings.ToLower(o.Compression)
	switch o.Compression {
	case "":
		o.Compression = "zstd"
	case "uncompressed":
		o.Compression = "none"
	}
	if o.Allocator == nil {
		o.Allocator = memory.DefaultAllocator
	}
	return o
}

// WriteColumns writes cols to path as Parquet, CSV or Arrow IPC, chosen by
// opt.Format or the extension. The write is atomic (see WriteFileAtomic).
func WriteColumns(path string, cols []Column, opt WriteOptions) error {
	done := false
	return WriteColumnChunks(path, func() ([]Column, error) {
		if done {
			return nil, nil
		}
		done = true
		return cols, nil
	}, opt)
}

// WriteColumnChunks writes the chunks of rows that next returns (nil at the
// end), each with the same columns, to path as WriteColumns does: a table
// larger than memory can be written piece by piece.
func WriteColumnChunks(path string, next func() ([]Column, error), opt WriteOptions) error {
	format, opt, err := writeFormat(path, opt)
	if err != nil {
		return err
	}
	first, err := next()
	if err != nil {
		return err
	}
	if len(first) == 0 {
		return estimators.InputErrorf("cannot write %s: no columns", path)
	}
	if format == FormatCSV {
		return WriteFileAtomic(path, func(w stdio.Writer) error {
			cw := csv.NewWriter(w)
			for cols, header := first, true; cols != nil; header = false {
				if err := writeCSVRows(cw, cols, header); err != nil {
					return err
				}
				if cols, err = next(); err != nil {
					return err
				}
			}
			cw.Flush()
			return cw.Error()
		})
	}
	rec, err := columnsToRecord(first, opt.Allocator)
	if err != nil {
		return err
	}
	schema := rec.Schema()
	src := func() (arrow.RecordBatch, error) {
		if rec == nil {
			cols, err := next()
			if err != nil || cols == nil {
				return nil, err
			}
			if rec, err = columnsToRecord(cols, opt.Allocator); err != nil {
				return nil, err
			}
			if !rec.Schema().Equal(schema) {
				rec.Release()
				return nil, fmt.Errorf("io: WriteColumnChunks: a chunk's columns differ from the first chunk's")
			}
		}
		b := rec
		rec = nil
		return b, nil
	}
	defer func() {
		if rec != nil {
			rec.Release()
		}
	}()
	return WriteFileAtomic(path, func(w stdio.Writer) error {
		return writeArrow(context.Background(), w, format, schema, src, opt)
	})
}

// WriteTable writes t to path as Parquet, CSV or Arrow IPC, chosen by
// opt.Format or the extension; Parquet files store the Arrow schema so
// that types round-trip. List columns cannot be written as CSV. The write
// is atomic (see WriteFileAtomic).
func WriteTable(ctx context.Context, path string, t *Table, opt WriteOptions) error {
	format, opt, err := writeFormat(path, opt)
	if err != nil {
		return err
	}
	if format == FormatCSV {
		cols, err := t.columns()
		if err != nil {
			return err
		}
		return WriteFileAtomic(path, func(w stdio.Writer) error { return WriteCSV(w, cols) })
	}
	rr := array.NewTableReader(t.tbl, 64<<10)
	defer rr.Release()
	src := func() (arrow.RecordBatch, error) {
		if !rr.Next() {
			return nil, rr.Err()
		}
		b := rr.RecordBatch()
		b.Retain()
		return b, nil
	}
	return WriteFileAtomic(path, func(w stdio.Writer) error { return writeArrow(ctx, w, format, rr.Schema(), src, opt) })
}

func writeFormat(path string, opt WriteOptions) (Format, WriteOptions, error) {
	if err := opt.Validate(); err != nil {
		return 0, opt, err
	}
	opt = opt.withDefaults()
	format, err := opt.Format.resolve(path)
	if err == nil && format == FormatIPC && opt.Compression == "snappy" {
		err = estimators.InputErrorf("cannot write %s: Arrow IPC supports zstd or no compression, not snappy", path)
	}
	return format, opt, err
}

// writeArrow writes the batches that next returns (nil at the end; each
// released once written) as Parquet or Arrow IPC to w.
func writeArrow(ctx context.Context, w stdio.Writer, format Format, schema *arrow.Schema, next func() (arrow.RecordBatch, error), opt WriteOptions) error {
	if format == FormatParquet {
		codec := map[string]compress.Compression{
			"zstd": compress.Codecs.Zstd, "snappy": compress.Codecs.Snappy, "none": compress.Codecs.Uncompressed,
		}[opt.Compression]
		// Dictionary encoding only for strings: on measured data (float
		// columns) it fell back to plain pages anyway and made reads of
		// float columns about 1.7x slower.
		popts := []parquet.WriterProperty{
			parquet.WithAllocator(opt.Allocator),
			parquet.WithCompression(codec),
			parquet.WithMaxRowGroupLength(int64(opt.RowGroupSize)),
			parquet.WithDictionaryDefault(false),
		}
		for _, f := range schema.Fields() {
			if kindOf(f.Type) == kindString {
				popts = append(popts, parquet.WithDictionaryFor(f.Name, true))
			}
		}
		props := parquet.NewWriterProperties(popts...)
		aprops := pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema(), pqarrow.WithAllocator(opt.Allocator))
		fw, err := pqarrow.NewFileWriter(schema, w, props, aprops)
		if err != nil {
			return fmt.Errorf("io: writing Parquet: %w", err)
		}
		return writeBatches(ctx, next, fw.WriteBuffered, fw.Close)
	}
	opts := []ipc.Option{ipc.WithSchema(schema), ipc.WithAllocator(opt.Allocator)}
	if opt.Compression == "zstd" {
		opts = append(opts, ipc.WithZstd())
	}
	fw, err := ipc.NewFileWriter(w, opts...)
	if err != nil {
		return fmt.Errorf("io: writing Arrow IPC: %w", err)
	}
	return writeBatches(ctx, next, fw.Write, fw.Close)
}

func writeBatches(ctx context.Context, next func() (arrow.RecordBatch, error), write func(arrow.RecordBatch) error, close func() error) error {
	for {
		b, err := next()
		if err == nil && b == nil {
			break
		}
		if err == nil {
			err = ctx.Err()
		}
		if err == nil {
			if err = write(b); err != nil {
				err = fmt.Errorf("io: writing: %w", err)
			}
		}
		if b != nil {
			b.Release()
		}
		if err != nil {
			close()
			return err
		}
	}
	if err := close(); err != nil {
		return fmt.Errorf("io: writing: %w", err)
	}
	return nil
}

// columnsToRecord copies cols into one Arrow record batch.
func columnsToRecord(cols []Column, mem memory.Allocator) (arrow.RecordBatch, error) {
	n, err := checkColumns(cols)
	if err != nil {
		return nil, err
	}
	fields := make([]arrow.Field, len(cols))
	arrs := make([]arrow.Array, len(cols))
	defer func() {
		for _, a := range arrs {
			a.Release()
		}
	}()
	for j, c := range cols {
		_, dt, _ := c.shape()
		fields[j] = arrow.Field{Name: c.Name, Type: dt, Nullable: true}
		switch {
		case c.Float64 != nil:
			arrs[j] = build(array.NewFloat64Builder(mem), c.Float64, c.Valid)
		case c.Int64 != nil:
			arrs[j] = build(array.NewInt64Builder(mem), c.Int64, c.Valid)
		case c.String != nil:
			arrs[j] = build(array.NewStringBuilder(mem), c.String, c.Valid)
		default:
			arrs[j] = build(array.NewBooleanBuilder(mem), c.Bool, c.Valid)
		}
	}
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), arrs, int64(n)), nil
}

func build[T any, B interface {
	array.Builder
	AppendValues([]T, []bool)
}](b B, vals []T, valid []bool) arrow.Array {
	defer b.Release()
	b.AppendValues(vals, valid)
	return b.NewArray()
}

// columns converts t to result columns for CSV: numbers, bools and
// strings (also dictionary-encoded) with their validity.
func (t *Table) columns() ([]Column, error) {
	cols := make([]Column, t.tbl.NumCols())
	for j := range cols {
		col := t.tbl.Column(j)
		chunks := col.Data().Chunks()
		c := Column{Name: col.Name()}
		var err error
		switch kindOf(col.DataType()) {
		case kindFloat:
			c.Float64, c.Valid, err = decode(chunks, appendNumbers[float64])
		case kindSigned, kindUnsigned:
			c.Int64, c.Valid, err = decode(chunks, appendNumbers[int64])
		case kindString:
			c.String, c.Valid, err = decode(chunks, appendStrings)
		case kindBool:
			var v []int64
			v, c.Valid, err = decode(chunks, appendNumbers[int64])
			c.Bool = make([]bool, len(v))
			for i, x := range v {
				c.Bool[i] = x != 0
			}
		default:
			err = errType
		}
		if errors.Is(err, errType) {
			return nil, estimators.InputErrorf("cannot write column %q (%s) as CSV; write Parquet or Arrow IPC instead",
				col.Name(), typeName(col.DataType()))
		}
		if err != nil {
			return nil, t.typeError(col.Name(), col, "", err)
		}
		cols[j] = c
	}
	return cols, nil
}
