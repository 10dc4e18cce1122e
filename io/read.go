package io

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	stdio "io"
	"io/fs"
	"os"
	"runtime"
	"slices"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"golang.org/x/sync/errgroup"

	"github.com/causalkit/causalkit/estimators"
)

// ReadOptions configures Read. The zero value reads every column of a file
// whose format is given by its extension.
type ReadOptions struct {
	// Format overrides the format implied by the file extension.
	Format Format
	// Columns selects columns by name, in this order; nil reads all.
	Columns []string
	// Allocator holds the Arrow memory; default memory.DefaultAllocator.
	Allocator memory.Allocator
	// Workers bounds the Parquet row groups read in parallel; default
	// runtime.GOMAXPROCS(0). The result does not depend on it.
	Workers int
	// BatchSize is the number of rows per Arrow batch; default 64Ki.
	BatchSize int
	// Schema sets the types of some CSV columns ("float64", "int64",
	// "bool" or "string"); the other columns are inferred. See ParseSchema.
	Schema map[string]string
	// InferRows is the number of CSV data rows sampled to infer column
	// types; default 100000; negative means every row.
	InferRows int
	// NullValues are the CSV cells read as missing; default "" and "NA".
	NullValues []string
}

// Validate reports the first invalid field of o.
func (o ReadOptions) Validate() error {
	if err := o.Format.check(); err != nil {
		return err
	}
	if o.Workers < 0 {
		return estimators.InputErrorf("read options: Workers is %d; it must be positive (or 0 for the default)", o.Workers)
	}
	if o.BatchSize < 0 {
		return estimators.InputErrorf("read options: BatchSize is %d; it must be positive (or 0 for the default)", o.BatchSize)
	}
	for _, name := range sortedKeys(o.Schema) {
		if _, ok := schemaTypes[o.Schema[name]]; !ok {
			return badSchemaType(name, o.Schema[name])
		}
	}
	return nil
}

func (o ReadOptions) withDefaults() ReadOptions {
	if o.Allocator == nil {
		o.Allocator = memory.DefaultAllocator
	}
	if o.Workers == 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.BatchSize == 0 {
		o.BatchSize = 64 << 10
	}
	if o.InferRows == 0 {
		o.InferRows = 100000
	}
	if o.NullValues == nil {
		o.NullValues = []string{"", "NA"}
	}
	return o
}

// schemaTypes are the type names ParseSchema and ReadOptions.Schema accept.
var schemaTypes = map[string]arrow.DataType{
	"float64": arrow.PrimitiveTypes.Float64,
	"int64":   arrow.PrimitiveTypes.Int64,
	"bool":    arrow.FixedWidthTypes.Boolean,
	"string":  arrow.BinaryTypes.String,
}

func badSchemaType(col, typ string) error {
	return estimators.InputErrorf("schema: column %q has unknown type %q; use float64, int64, bool or string", col, typ)
}

// ParseSchema reads a JSON object that maps column names to type names,
// such as {"id": "string", "score": "float64"}, for ReadOptions.Schema.
func ParseSchema(r stdio.Reader) (map[string]string, error) {
	var m map[string]string
	dec := json.NewDecoder(r)
	if err := dec.Decode(&m); err != nil {
		return nil, estimators.InputErrorf(
			`schema: %v; expected a JSON object such as {"id": "string", "score": "float64"}`, err)
	}
	if dec.More() {
		return nil, estimators.InputErrorf("schema: unexpected data after the JSON object")
	}
	if m == nil {
		return nil, estimators.InputErrorf(`schema: expected a JSON object such as {"id": "string"}, got null`)
	}
	for _, name := range sortedKeys(m) {
		if _, ok := schemaTypes[m[name]]; !ok {
			return nil, badSchemaType(name, m[name])
		}
	}
	return m, nil
}

// reader reads one format from src; name is the path used in messages.
type reader func(ctx context.Context, src *stdio.SectionReader, name string, opt ReadOptions) (arrow.Table, error)

// Read reads the table in path. The caller must Release the result.
//
// The file is hashed (SHA-256) while it is read, for Table.Source. A
// directory or a glob pattern reads the Parquet files of its Plan as one
// table, in plan order (the files must share their columns); its Source
// has the plan's fingerprint, "plan:<hex>", for the hash. Errors caused by
// the file or the options match estimators.ErrInput.
func Read(ctx context.Context, path string, opt ReadOptions) (*Table, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	opt = opt.withDefaults()
	if IsPlan(path) {
		return readPlan(ctx, path, opt)
	}
	format, err := opt.Format.resolve(path)
	if err != nil {
		return nil, err
	}
	read := map[Format]reader{FormatParquet: readParquet, FormatCSV: readCSV, FormatIPC: readIPC}[format]

	f, err := os.Open(path)
	if err != nil {
		return nil, estimators.InputErrorf("cannot open %s: %v", path, pathErr(err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, estimators.InputErrorf("cannot open %s: %v", path, pathErr(err))
	}
	if st.IsDir() {
		return nil, estimators.InputErrorf("%s is a directory; expected %s data", path, formatTitle[format])
	}
	if st.Size() == 0 {
		return nil, estimators.InputErrorf("%s is empty (0 bytes); expected %s data", path, formatTitle[format])
	}

	var (
		sum string
		tbl arrow.Table
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		sum, err = hashReader(gctx, path, stdio.NewSectionReader(f, 0, st.Size()))
		return err
	})
	g.Go(func() (err error) {
		defer recoverCorrupt(path, format, &err)
		tbl, err = read(gctx, stdio.NewSectionReader(f, 0, st.Size()), path, opt)
		return err
	})
	if err := g.Wait(); err != nil {
		if tbl != nil {
			tbl.Release()
		}
		return nil, err
	}
	return &Table{tbl: tbl, src: Source{Path: path, SHA256: sum, Rows: int(tbl.NumRows())}}, nil
}

// IsPlan reports whether path names several files, a directory or a glob
// pattern, which Read and NewPlan take as one Parquet data set.
func IsPlan(path string) bool {
	if strings.ContainsAny(path, "*?[") {
		return true
	}
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

// readPlan reads every row group of the Parquet files that path names,
// up to opt.Workers at a time, into one table in plan order.
func readPlan(ctx context.Context, path string, opt ReadOptions) (*Table, error) {
	if opt.Format != FormatAuto && opt.Format != FormatParquet {
		return nil, estimators.InputErrorf("%s names several files; only Parquet files are read together", path)
	}
	plan, err := NewPlan(path)
	if err != nil {
		return nil, err
	}
	parts := make([][]arrow.RecordBatch, len(plan.Units))
	defer func() {
		for _, b := range parts {
			releaseAll(b)
		}
	}()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(opt.Workers)
	for u := range plan.Units {
		g.Go(func() error {
			t, err := plan.readUnit(gctx, u, opt)
			parts[u] = t
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var batches []arrow.RecordBatch
	var schema *arrow.Schema
	for u, b := range parts {
		for _, rec := range b {
			if schema == nil {
				schema = rec.Schema()
			} else if !schema.Equal(rec.Schema()) {
				return nil, estimators.InputErrorf("%s: its columns differ from %s's; the files of one data set must share their columns",
					plan.Files[plan.Units[u].File].Path, plan.Files[0].Path)
			}
			batches = append(batches, rec)
		}
	}
	if schema == nil {
		return nil, estimators.InputErrorf("%s has no rows", path)
	}
	return &Table{tbl: newTable(schema, batches, nil), src: Source{Path: path, SHA256: "plan:" + plan.Fingerprint, Rows: int(plan.Rows())}}, nil
}

// hashReader returns the hex SHA-256 of what r holds; path names it in
// errors.
func hashReader(ctx context.Context, path string, r stdio.Reader) (string, error) {
	h := sha256.New()
	if _, err := stdio.CopyBuffer(h, ctxReader{ctx, r}, make([]byte, 1<<20)); err != nil {
		return "", fmt.Errorf("io: hashing %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// FileSHA256 returns the hex SHA-256 of the file's bytes, reading it in
// pieces.
func FileSHA256(ctx context.Context, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", estimators.InputErrorf("cannot open %s: %v", path, pathErr(err))
	}
	defer f.Close()
	return hashReader(ctx, path, f)
}

// ctxReader stops reading once ctx is done, so that hashing a large file
// ends early when the read fails.
type ctxReader struct {
	ctx context.Context
	r   stdio.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// recoverCorrupt turns a panic inside an Arrow or Parquet reader, which
// garbage input can provoke, into an input error naming the file.
func recoverCorrupt(name string, format Format, err *error) {
	if r := recover(); r != nil {
		*err = corrupt(name, format, fmt.Errorf("%v", r))
	}
}

func corrupt(name string, format Format, err error) error {
	return estimators.InputErrorf("%s: not a valid %s file (truncated?): %v", name, formatTitle[format], err)
}

var formatTitle = map[Format]string{FormatParquet: "Parquet", FormatCSV: "CSV", FormatIPC: "Arrow IPC"}

func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// project returns the positions in names of the wanted columns, in the
// order asked for and without repeats; nil or empty want selects all.
func project(file string, names, want []string) ([]int, error) {
	if len(want) == 0 {
		return seq(len(names)), nil
	}
	idx := make([]int, 0, len(want))
	for _, w := range want {
		j := slices.Index(names, w)
		if j < 0 {
			return nil, missingColumn(file, w, names)
		}
		if !slices.Contains(idx, j) {
			idx = append(idx, j)
		}
	}
	return idx, nil
}

func missingColumn(file, name string, names []string) error {
	return estimators.InputErrorf("%s: column %q not found; available columns: %s", file, name, strings.Join(names, ", "))
}

// newTable assembles batches that share schema into a table with the
// columns at idx (all when idx is nil). It retains what it keeps; the
// caller still releases the batches.
func newTable(schema *arrow.Schema, batches []arrow.RecordBatch, idx []int) arrow.Table {
	if idx == nil {
		idx = seq(schema.NumFields())
	}
	var rows int64
	for _, b := range batches {
		rows += b.NumRows()
	}
	fields := make([]arrow.Field, len(idx))
	cols := make([]arrow.Column, len(idx))
	chunks := make([]arrow.Array, len(batches))
	for k, j := range idx {
		fields[k] = schema.Field(j)
		for i, b := range batches {
			chunks[i] = b.Column(j)
		}
		ch := arrow.NewChunked(fields[k].Type, chunks)
		cols[k] = *arrow.NewColumn(fields[k], ch)
		ch.Release()
	}
	md := schema.Metadata()
	tbl := array.NewTable(arrow.NewSchema(fields, &md), cols, rows)
	for i := range cols {
		cols[i].Release()
	}
	return tbl
}

func fieldNames(schema *arrow.Schema) []string {
	names := make([]string, schema.NumFields())
	for i, f := range schema.Fields() {
		names[i] = f.Name
	}
	return names
}

// seq returns 0, 1, ..., n-1.
func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

func releaseAll(batches []arrow.RecordBatch) {
	for _, b := range batches {
		b.Release()
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// RowName names row i (0-based) of the table for messages, counting from
// the start of its file: "row 12 (1-based, header excluded)".
func (t *Table) RowName(i int) string { return rowName(t.offset + i) }

// rowName names data row i (0-based) for messages.
func rowName(i int) string {
	return fmt.Sprintf("row %d (1-based, header excluded)", i+1)
}
