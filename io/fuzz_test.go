package io

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/causalkit/causalkit/estimators"
)

// goodParquet returns a small Parquet file with a float, a string and a
// list column in two row groups.
func goodParquet(f *testing.F) []byte {
	dir := f.TempDir()
	path := filepath.Join(dir, "seed.parquet")
	err := WriteColumns(path, []Column{
		{Name: "x", Float64: []float64{1, 2, 3, 4}},
		{Name: "s", String: []string{"a", "b", "a", "c"}},
	}, WriteOptions{RowGroupSize: 2})
	if err != nil {
		f.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	return b
}

// fuzzRead feeds arbitrary bytes to the reader of one format and to the
// column views, and to a plan over the file (Parquet): errors must be
// clean input errors; panics and leaks are not allowed.
func fuzzRead(f *testing.F, ext string, seeds ...[]byte) {
	for _, s := range seeds {
		f.Add(s)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		path := filepath.Join(dir, "fuzz"+ext)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		clean := func(err error) {
			if !errors.Is(err, estimators.ErrInput) || strings.Contains(err.Error(), "panic") {
				t.Fatalf("not a clean input error: %v", err)
			}
		}
		if ext == ".parquet" {
			if p, err := NewPlan(path); err != nil {
				clean(err)
			} else {
				for u := range p.Units {
					tb, err := p.ReadUnit(context.Background(), u, nil)
					if err != nil {
						clean(err)
						continue
					}
					tb.Release()
				}
			}
		}
		tbl, err := Read(context.Background(), path, ReadOptions{Allocator: mem})
		if err != nil {
			// arrow-go may leave buffers unreleased when it panics on a
			// corrupt file (we recover); the Go allocator's memory is
			// collected all the same, so only successful reads must balance.
			clean(err)
			return
		}
		defer mem.AssertSize(t, 0)
		defer tbl.Release()
		for _, name := range tbl.ColumnNames() {
			tbl.Float64(name)
			tbl.Categorical(name, Sorted)
			tbl.List(name)
		}
	})
}

func FuzzReadParquet(f *testing.F) {
	good := goodParquet(f)
	fuzzRead(f, ".parquet", good, good[:len(good)/2], append(bytes.Clone(good[:8]), good[len(good)-8:]...), []byte("PAR1PAR1"))
}

func FuzzReadIPC(f *testing.F) {
	dir := f.TempDir()
	path := filepath.Join(dir, "seed.arrow")
	if err := WriteColumns(path, []Column{{Name: "x", Float64: []float64{1, 2}}, {Name: "s", String: []string{"a", "b"}}}, WriteOptions{}); err != nil {
		f.Fatal(err)
	}
	good, _ := os.ReadFile(path)
	fuzzRead(f, ".arrow", good, good[:len(good)/2], []byte("ARROW1\x00\x00"))
}

// FuzzReadPartial feeds arbitrary bytes to the reader of --shard partials.
func FuzzReadPartial(f *testing.F) {
	dir := f.TempDir()
	path := filepath.Join(dir, "seed.arrow")
	if err := WritePartial(path, []byte(`{"format":1}`), []PartialState{{Round: 1, Unit: 0, Rows: 3, Vals: []float64{1, 2}, Keys: []string{"a"}}}); err != nil {
		f.Fatal(err)
	}
	good, _ := os.ReadFile(path)
	f.Add(good)
	f.Add(good[:len(good)-20])
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "p.arrow")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, _, err := ReadPartial(p); err != nil && !errors.Is(err, estimators.ErrInput) {
			t.Fatalf("not a clean input error: %v", err)
		}
	})
}
