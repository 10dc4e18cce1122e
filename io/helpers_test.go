package io

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/causalkit/causalkit/estimators"
)

// writeText writes content to dir/name and returns the path.
func writeText(t testing.TB, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// mustRead reads path with mem and fails the test on error.
func mustRead(t testing.TB, path string, mem memory.Allocator, opt ReadOptions) *Table {
	t.Helper()
	opt.Allocator = mem
	tbl, err := Read(context.Background(), path, opt)
	if err != nil {
		t.Fatalf("Read(%s): %v", path, err)
	}
	return tbl
}

// wantInputError checks that err matches ErrInput and mentions every part.
func wantInputError(t testing.TB, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want an input error mentioning %q", parts)
	}
	if !errors.Is(err, estimators.ErrInput) {
		t.Fatalf("error %q does not match estimators.ErrInput", err)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not mention %q", err, p)
		}
	}
}

// sampleTable builds a 5-row table with every column type the readers
// support: float64 (null in row 2), int64, bool, string, dictionary of
// strings and list<float64> (null in row 3).
func sampleTable(mem memory.Allocator, withList bool) arrow.Table {
	fields := []arrow.Field{
		{Name: "x", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "d", Type: &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, Nullable: true},
	}
	if withList {
		fields = append(fields, arrow.Field{Name: "q", Type: arrow.ListOf(arrow.PrimitiveTypes.Float64), Nullable: true})
	}
	b := array.NewRecordBuilder(mem, arrow.NewSchema(fields, nil))
	defer b.Release()
	b.Field(0).(*array.Float64Builder).AppendValues([]float64{1.5, -2, 0, 1e-300, 3.25}, []bool{true, true, false, true, true})
	b.Field(1).(*array.Int64Builder).AppendValues([]int64{10, 9, -1, 1 << 62, 0}, nil)
	b.Field(2).(*array.BooleanBuilder).AppendValues([]bool{true, false, true, true, false}, nil)
	b.Field(3).(*array.StringBuilder).AppendValues([]string{"a", "b,c", `q"uote`, "é", "a"}, nil)
	db := b.Field(4).(*array.BinaryDictionaryBuilder)
	for _, s := range []string{"lo", "hi", "lo", "mid", "hi"} {
		if err := db.AppendString(s); err != nil {
			panic(err)
		}
	}
	if withList {
		lb := b.Field(5).(*array.ListBuilder)
		vb := lb.ValueBuilder().(*array.Float64Builder)
		for i, row := range [][]float64{{1, 2, 3}, {}, {4}, nil, {5, 6}} {
			if i == 3 {
				lb.AppendNull()
				continue
			}
			lb.Append(true)
			vb.AppendValues(row, nil)
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	return array.NewTableFromRecords(rec.Schema(), []arrow.RecordBatch{rec})
}
