package io

import (
	"bytes"
	"context"
	"errors"
	stdio "io"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.json")
	if err := WriteFileAtomic(path, func(w stdio.Writer) error { _, err := w.Write([]byte("old\n")); return err }); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := WriteFileAtomic(path, func(w stdio.Writer) error {
		w.Write(bytes.Repeat([]byte("x"), 3<<20)) // more than the buffer: reaches the temp file
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	if got, _ := os.ReadFile(path); string(got) != "old\n" {
		t.Errorf("failed write changed the file to %q", got[:min(len(got), 10)])
	}
	fresh := filepath.Join(dir, "fresh.csv")
	if err := WriteFileAtomic(fresh, func(stdio.Writer) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	if _, err := os.Stat(fresh); !os.IsNotExist(err) {
		t.Errorf("failed write left %s behind", fresh)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "out.json" {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want only out.json (no temp files)", names)
	}
	err = WriteFileAtomic(filepath.Join(dir, "no", "such", "dir.csv"), func(stdio.Writer) error { return nil })
	wantInputError(t, err, "dir.csv")
}

func TestWriteColumnsFailureLeavesNothing(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	for _, tc := range []struct {
		file string
		cols []Column
		opt  WriteOptions
	}{
		{"ragged.parquet", []Column{{Name: "a", Float64: []float64{1}}, {Name: "b", Float64: []float64{1, 2}}}, WriteOptions{}},
		{"two slices.csv", []Column{{Name: "a", Float64: []float64{1}, Int64: []int64{1}}}, WriteOptions{}},
		{"snappy.arrow", []Column{{Name: "a", Float64: []float64{1}}}, WriteOptions{Compression: "snappy"}},
		{"bad codec.parquet", []Column{{Name: "a", Float64: []float64{1}}}, WriteOptions{Compression: "gzip9"}},
	} {
		tc.opt.Allocator = mem
		if err := WriteColumns(filepath.Join(dir, tc.file), tc.cols, tc.opt); err == nil {
			t.Errorf("%s: no error", tc.file)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("failed writes left %d files", len(entries))
	}
}

func TestWriteTableListToCSV(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	src := sampleTable(mem, true)
	tbl := NewTable(src)
	src.Release()
	defer tbl.Release()
	dir := t.TempDir()
	err := WriteTable(context.Background(), filepath.Join(dir, "t.csv"), tbl, WriteOptions{Allocator: mem})
	wantInputError(t, err, `column "q"`, "list<float64>", "Parquet or Arrow IPC")
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("failed write left %d files", len(entries))
	}
	for _, c := range []string{"none", "snappy", "zstd"} {
		path := filepath.Join(dir, c+".parquet")
		if err := WriteTable(context.Background(), path, tbl, WriteOptions{Allocator: mem, Compression: c}); err != nil {
			t.Fatalf("compression %s: %v", c, err)
		}
		back := mustRead(t, path, mem, ReadOptions{})
		if back.NumRows() != 5 {
			t.Errorf("compression %s: %d rows", c, back.NumRows())
		}
		back.Release()
	}
}

func TestWriteJSON(t *testing.T) {
	var buf bytes.Buffer
	v := struct {
		Estimate float64   `json:"estimate"`
		SE       float64   `json:"std_error"`
		CI       []float64 `json:"ci"`
	}{1.5, math.NaN(), []float64{math.Inf(-1), 2}}
	if err := WriteJSON(&buf, v); err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"estimate\": 1.5,\n  \"std_error\": null,\n  \"ci\": [\n    null,\n    2\n  ]\n}\n"
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
}

func TestWriteCSV(t *testing.T) {
	var buf bytes.Buffer
	err := WriteCSV(&buf, []Column{
		{Name: "term", String: []string{"x,1", `say "hi"`, "z"}},
		{Name: "est", Float64: []float64{0.1, 1.0 / 3, math.NaN()}},
		{Name: "big", Float64: []float64{1e21, math.Inf(1), math.Copysign(0, -1)}},
		{Name: "n", Int64: []int64{1, -2, 3}, Valid: []bool{true, true, false}},
		{Name: "ok", Bool: []bool{true, false, true}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := "term,est,big,n,ok\n\"x,1\",0.1,1e+21,1,true\n\"say \"\"hi\"\"\",0.3333333333333333,,-2,false\nz,,-0,,true\n"
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
	if err := WriteCSV(&buf, []Column{{Name: "a"}}); err == nil {
		t.Error("a column without values: no error")
	}
}
