package io

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/causalkit/causalkit/estimators"
)

func TestCSVInference(t *testing.T) {
	for _, tc := range []struct {
		name string
		csv  string
		opt  ReadOptions
		want map[string]string // column -> Describe type
	}{
		{"first row NA", "a,b\nNA,x\n2,y\n3,\n", ReadOptions{}, map[string]string{"a": "int64", "b": "string"}},
		{"int then float", "a\n1\n1.5\n", ReadOptions{}, map[string]string{"a": "float64"}},
		{"float then int", "a\n1.5\n1\n", ReadOptions{}, map[string]string{"a": "float64"}},
		{"bools", "a,b,c\ntrue,TRUE,True\nfalse,FALSE,False\n", ReadOptions{}, map[string]string{"a": "bool", "b": "bool", "c": "bool"}},
		{"bool and int is string", "a\ntrue\n1\n", ReadOptions{}, map[string]string{"a": "string"}},
		{"t and f are strings", "a\nt\nf\n", ReadOptions{}, map[string]string{"a": "string"}},
		{"all null is float64", "a,b\n,1\nNA,2\n", ReadOptions{}, map[string]string{"a": "float64", "b": "int64"}},
		{"NaN and Inf are floats", "a\n1\nNaN\n-Inf\nInf\n", ReadOptions{}, map[string]string{"a": "float64"}},
		{"huge integer is float", "a\n99999999999999999999\n", ReadOptions{}, map[string]string{"a": "float64"}},
		{"schema overrides", "zip,a\n02134,1\n10001,2\n", ReadOptions{Schema: map[string]string{"zip": "string", "a": "float64"}},
			map[string]string{"zip": "string", "a": "float64"}},
		{"custom null token", "a\n.\n2\n", ReadOptions{NullValues: []string{"."}}, map[string]string{"a": "int64"}},
		{"header only", "a,b\n", ReadOptions{}, map[string]string{"a": "float64", "b": "float64"}},
		{"byte order mark", "\uFEFFa\n1\n", ReadOptions{}, map[string]string{"a": "int64"}},
		{"quoted newline", "a,b\n\"x\ny\",1\n", ReadOptions{}, map[string]string{"a": "string", "b": "int64"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			tbl := mustRead(t, writeText(t, t.TempDir(), "i.csv", tc.csv), mem, tc.opt)
			defer tbl.Release()
			got := map[string]string{}
			for _, ci := range tbl.Describe() {
				got[ci.Name] = ci.Type
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("types %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCSVValues(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tbl := mustRead(t, writeText(t, t.TempDir(), "v.csv", "a,b,s\nNA,1.5,x\n2,NaN,\n3,-Inf,NA\n"), mem, ReadOptions{})
	defer tbl.Release()
	a, err := tbl.Float64("a")
	if err != nil {
		t.Fatal(err)
	}
	if want := (Float64Column{[]float64{0, 2, 3}, []bool{false, true, true}}); !reflect.DeepEqual(a, want) {
		t.Errorf("a = %v, want %v", a, want)
	}
	b, _ := tbl.Float64("b")
	if b.Values[0] != 1.5 || !math.IsNaN(b.Values[1]) || !math.IsInf(b.Values[2], -1) {
		t.Errorf("b = %v, want [1.5 NaN -Inf]", b.Values)
	}
	s, _ := tbl.Categorical("s", FirstAppearance)
	if want := (CategoricalColumn{Codes: []int{0, -1, -1}, Levels: []string{"x"}}); !reflect.DeepEqual(s, want) {
		t.Errorf("s = %v, want %v", s, want)
	}
	_, err = tbl.Float64("s")
	wantInputError(t, err, `column "s" is string; numeric needed`)
}

func TestCSVErrors(t *testing.T) {
	long := "a,b\n" + strings.Repeat("1,x\n", 20) + "1.5x,y\n"
	for _, tc := range []struct {
		name string
		csv  string
		opt  ReadOptions
		want []string
	}{
		{"ragged row", "a,b\n1,2\n3\n", ReadOptions{}, []string{"row 2 (1-based, header excluded)", "1 field(s)", "header has 2"}},
		{"ragged row after sample", "a,b\n1,2\n3,4\n5,6,7\n", ReadOptions{InferRows: 1}, []string{"row 3 (1-based, header excluded)", "3 field(s)"}},
		{"value beyond the sample", long, ReadOptions{InferRows: 10},
			[]string{`column "a"`, "row 21 (1-based, header excluded)", `"1.5x"`, "int64", "first 10 rows", "--schema"}},
		{"float beyond the sample", "a\n1\n2\nfoo\n", ReadOptions{InferRows: 2}, []string{`column "a"`, "row 3 (1-based", `"foo"`}},
		{"schema type wrong", "a\n1\nx\n", ReadOptions{Schema: map[string]string{"a": "int64"}}, []string{`column "a"`, "row 2 (1-based", "the schema sets"}},
		{"schema names unknown column", "a\n1\n", ReadOptions{Schema: map[string]string{"z": "int64"}}, []string{`column "z"`, "available columns: a"}},
		{"duplicate header", "a,b,a\n1,2,3\n", ReadOptions{}, []string{`column "a" twice`}},
		{"bare quote", "a\nx\"y\n", ReadOptions{}, []string{"row 1 (1-based", "not valid CSV"}},
		{"blank lines only", "\n\n", ReadOptions{}, []string{"no header row"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			tc.opt.Allocator = mem
			path := writeText(t, t.TempDir(), "e.csv", tc.csv)
			tbl, err := Read(context.Background(), path, tc.opt)
			if err == nil {
				tbl.Release()
			}
			wantInputError(t, err, append(tc.want, "e.csv")...)
			t.Log(err)
		})
	}
}

func TestParseSchema(t *testing.T) {
	got, err := ParseSchema(strings.NewReader(`{"id": "string", "y": "float64", "n": "int64", "d": "bool"}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"id": "string", "y": "float64", "n": "int64", "d": "bool"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for _, bad := range []string{`{"y": "double"}`, `["y"]`, `null`, `{"y": "float64"} {}`, `{"y": 1}`, ``} {
		_, err := ParseSchema(strings.NewReader(bad))
		wantInputError(t, err, "schema")
	}
}

func TestFormats(t *testing.T) {
	for s, want := range map[string]Format{"": FormatAuto, "parquet": FormatParquet, "CSV": FormatCSV, "arrow": FormatIPC, "ipc": FormatIPC, "feather": FormatIPC} {
		if got, err := ParseFormat(s); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	_, err := ParseFormat("xlsx")
	wantInputError(t, err, `"xlsx"`)
	for path, want := range map[string]Format{"a.parquet": FormatParquet, "b.PQ": FormatParquet, "dir.v1/c.csv": FormatCSV, "d.arrow": FormatIPC, "e.feather": FormatIPC, "f.ipc": FormatIPC, "g.CSV.GZ": FormatCSV} {
		if got, err := FormatFromPath(path); err != nil || got != want {
			t.Errorf("FormatFromPath(%q) = %v, %v; want %v", path, got, err, want)
		}
	}
	_, err = FormatFromPath("data.xlsx")
	wantInputError(t, err, "data.xlsx")
}

// FuzzReadCSV feeds arbitrary bytes to the CSV reader and the column
// views: errors are fine, panics and leaks are not.
func FuzzReadCSV(f *testing.F) {
	for _, seed := range []string{
		"a,b\n1,2\n", "a,b\nNA,x\n2,y\n", "a\n1\n1.5\nNaN\n", "a,b\n1\n", "a\n\"x\ny\"\n", "\uFEFFa\ntrue\n",
		"a,a\n1,2\n", "x\n" + strings.Repeat("1\n", 40) + "z\n", "a,b,c\n,,\n", "a\nx\"y\n",
	} {
		f.Add([]byte(seed))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		path := filepath.Join(dir, "fuzz.csv")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		tbl, err := Read(context.Background(), path, ReadOptions{Allocator: mem, InferRows: 32, BatchSize: 16})
		if err != nil {
			if !errors.Is(err, estimators.ErrInput) || strings.Contains(err.Error(), "not a valid CSV file") {
				t.Fatalf("not a clean input error (a recovered panic?): %v", err)
			}
			return
		}
		defer tbl.Release()
		names := tbl.ColumnNames()
		for _, name := range names {
			tbl.Float64(name)
			tbl.Categorical(name, Sorted)
		}
		tbl.Frame(FrameSpec{Numeric: names[:len(names)/2], Categorical: names[len(names)/2:]})
	})
}

// TestCSVGzip reads gzip-compressed CSV (with a byte order mark inside), and
// checks that a truncated file is an input error, not a short table.
func TestCSVGzip(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write([]byte("\uFEFFa,s\n" + strings.Repeat("1,x\n2,y\n", 5000)))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "z.csv.gz")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tbl := mustRead(t, path, mem, ReadOptions{})
	a, err := tbl.Float64("a")
	if err != nil || len(a.Values) != 10000 || a.Values[9999] != 2 {
		t.Errorf("a: %d values, %v", len(a.Values), err)
	}
	tbl.Release()

	trunc := filepath.Join(dir, "t.csv.gz")
	if err := os.WriteFile(trunc, buf.Bytes()[:buf.Len()/2], 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Read(context.Background(), trunc, ReadOptions{Allocator: mem})
	wantInputError(t, err, "t.csv.gz")
	_, err = FormatFromPath("x.parquet.gz")
	wantInputError(t, err, ".csv.gz")
}
