package io

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		file  string
		list  bool
		types map[string]string // Describe types after the round trip
	}{
		{"t.parquet", true, map[string]string{"x": "float64", "n": "int64", "b": "bool", "s": "string", "d": "dictionary<string>", "q": "list<float64>"}},
		{"t.arrow", true, map[string]string{"x": "float64", "n": "int64", "b": "bool", "s": "string", "d": "dictionary<string>", "q": "list<float64>"}},
		{"t.csv", false, map[string]string{"x": "float64", "n": "int64", "b": "bool", "s": "string", "d": "string"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			path := filepath.Join(t.TempDir(), tc.file)
			src := sampleTable(mem, tc.list)
			in := NewTable(src)
			src.Release()
			err := WriteTable(context.Background(), path, in, WriteOptions{Allocator: mem, RowGroupSize: 2})
			in.Release()
			if err != nil {
				t.Fatal(err)
			}

			tbl := mustRead(t, path, mem, ReadOptions{})
			defer tbl.Release()
			if tbl.NumRows() != 5 {
				t.Fatalf("NumRows = %d, want 5", tbl.NumRows())
			}
			for _, ci := range tbl.Describe() {
				if ci.Type != tc.types[ci.Name] {
					t.Errorf("column %s has type %s, want %s", ci.Name, ci.Type, tc.types[ci.Name])
				}
			}
			x, err := tbl.Float64("x")
			if err != nil {
				t.Fatal(err)
			}
			if want := (Float64Column{[]float64{1.5, -2, 0, 1e-300, 3.25}, []bool{true, true, false, true, true}}); !reflect.DeepEqual(x, want) {
				t.Errorf("x = %v, want %v", x, want)
			}
			n, err := tbl.Float64("n")
			if err != nil {
				t.Fatal(err)
			}
			if want := []float64{10, 9, -1, 1 << 62, 0}; !slices.Equal(n.Values, want) || n.Valid != nil {
				t.Errorf("n = %v, want %v without nulls", n, want)
			}
			b, err := tbl.Float64("b")
			if err != nil {
				t.Fatal(err)
			}
			if want := []float64{1, 0, 1, 1, 0}; !slices.Equal(b.Values, want) {
				t.Errorf("b = %v, want %v", b.Values, want)
			}
			for col, want := range map[string]CategoricalColumn{
				"s": {Codes: []int{0, 1, 2, 3, 0}, Levels: []string{"a", "b,c", `q"uote`, "é"}},
				"d": {Codes: []int{0, 1, 0, 2, 1}, Levels: []string{"lo", "hi", "mid"}},
				"n": {Codes: []int{0, 1, 2, 3, 4}, Levels: []string{"10", "9", "-1", "4611686018427387904", "0"}},
			} {
				got, err := tbl.Categorical(col, FirstAppearance)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("Categorical(%s) = %v, want %v", col, got, want)
				}
			}
			if !tc.list {
				return
			}
			q, err := tbl.List("q")
			if err != nil {
				t.Fatal(err)
			}
			want := ListColumn{Offsets: []int{0, 3, 3, 4, 4, 6}, Values: []float64{1, 2, 3, 4, 5, 6}, Valid: []bool{true, true, true, false, true}}
			if !reflect.DeepEqual(q, want) {
				t.Errorf("q = %+v, want %+v", q, want)
			}
		})
	}
}

func TestWriteColumnsRoundTrip(t *testing.T) {
	cols := []Column{
		{Name: "term", String: []string{"(Intercept)", "x"}},
		{Name: "estimate", Float64: []float64{0.1, 1.0 / 3}},
		{Name: "se", Float64: []float64{0.5, 0.25}, Valid: []bool{true, false}},
		{Name: "df", Int64: []int64{3, 4}},
		{Name: "ok", Bool: []bool{true, false}},
	}
	for _, file := range []string{"r.parquet", "r.csv", "r.feather"} {
		t.Run(file, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			path := filepath.Join(t.TempDir(), file)
			if err := WriteColumns(path, cols, WriteOptions{Allocator: mem}); err != nil {
				t.Fatal(err)
			}
			tbl := mustRead(t, path, mem, ReadOptions{})
			defer tbl.Release()
			if got, want := tbl.ColumnNames(), []string{"term", "estimate", "se", "df", "ok"}; !slices.Equal(got, want) {
				t.Fatalf("columns %v, want %v", got, want)
			}
			est, _ := tbl.Float64("estimate")
			if est.Values[1] != 1.0/3 {
				t.Errorf("estimate[1] = %v, want 1/3 exactly", est.Values[1])
			}
			se, _ := tbl.Float64("se")
			if !reflect.DeepEqual(se.Valid, []bool{true, false}) {
				t.Errorf("se validity %v, want [true false]", se.Valid)
			}
			want := []ColumnInfo{{"term", "string", 0}, {"estimate", "float64", 0}, {"se", "float64", 1}, {"df", "int64", 0}, {"ok", "bool", 0}}
			if got := tbl.Describe(); !reflect.DeepEqual(got, want) {
				t.Errorf("Describe = %v, want %v", got, want)
			}
		})
	}
}

func TestProjection(t *testing.T) {
	for _, file := range []string{"p.parquet", "p.csv", "p.arrow"} {
		t.Run(file, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			path := filepath.Join(t.TempDir(), file)
			src := sampleTable(mem, file != "p.csv")
			in := NewTable(src)
			src.Release()
			err := WriteTable(context.Background(), path, in, WriteOptions{Allocator: mem})
			in.Release()
			if err != nil {
				t.Fatal(err)
			}

			tbl := mustRead(t, path, mem, ReadOptions{Columns: []string{"s", "x", "s"}})
			defer tbl.Release()
			if got := tbl.ColumnNames(); !slices.Equal(got, []string{"s", "x"}) {
				t.Errorf("columns %v, want [s x]", got)
			}
			if tbl.NumRows() != 5 {
				t.Errorf("NumRows = %d, want 5", tbl.NumRows())
			}
			_, err = tbl.Float64("n")
			wantInputError(t, err, `column "n" not found`, "available columns: s, x")

			_, err = Read(context.Background(), path, ReadOptions{Allocator: mem, Columns: []string{"x", "nope"}})
			wantInputError(t, err, path, `column "nope" not found`, "x, n, b, s, d")
		})
	}
}

func TestProjectionListParquet(t *testing.T) {
	// The list column is one field but its values are a nested Parquet leaf:
	// selecting fields after it must map names to leaf indices.
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	path := filepath.Join(t.TempDir(), "l.parquet")
	fields := []arrow.Field{
		{Name: "q", Type: arrow.ListOf(arrow.PrimitiveTypes.Float64), Nullable: true},
		{Name: "y", Type: arrow.PrimitiveTypes.Float64},
	}
	b := array.NewRecordBuilder(mem, arrow.NewSchema(fields, nil))
	lb := b.Field(0).(*array.ListBuilder)
	lb.Append(true)
	lb.ValueBuilder().(*array.Float64Builder).AppendValues([]float64{7, 8}, nil)
	b.Field(1).(*array.Float64Builder).Append(42)
	rec := b.NewRecordBatch()
	b.Release()
	src := array.NewTableFromRecords(rec.Schema(), []arrow.RecordBatch{rec})
	rec.Release()
	in := NewTable(src)
	src.Release()
	if err := WriteTable(context.Background(), path, in, WriteOptions{Allocator: mem}); err != nil {
		t.Fatal(err)
	}
	in.Release()

	tbl := mustRead(t, path, mem, ReadOptions{Columns: []string{"y", "q"}})
	defer tbl.Release()
	y, err := tbl.Float64("y")
	if err != nil || y.Values[0] != 42 {
		t.Errorf("y = %v, %v; want [42]", y, err)
	}
	q, err := tbl.List("q")
	if err != nil || !slices.Equal(q.Row(0), []float64{7, 8}) {
		t.Errorf("q = %+v, %v; want [[7 8]]", q, err)
	}
}

func TestParquetWorkers(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	const n = 10000
	x := make([]float64, n)
	g := make([]string, n)
	for i := range x {
		x[i] = float64(i) * 0.5
		g[i] = string(rune('a' + i%7))
	}
	path := filepath.Join(t.TempDir(), "w.parquet")
	if err := WriteColumns(path, []Column{{Name: "x", Float64: x}, {Name: "g", String: g}}, WriteOptions{RowGroupSize: 1000, Allocator: mem}); err != nil {
		t.Fatal(err)
	}
	var first *Table
	for _, workers := range []int{1, 4} {
		tbl := mustRead(t, path, mem, ReadOptions{Workers: workers, BatchSize: 300})
		defer tbl.Release()
		got, err := tbl.Float64("x")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.Values, x) {
			t.Fatalf("Workers=%d: x differs from what was written", workers)
		}
		if first == nil {
			first = tbl
			continue
		}
		c1, c4 := first.Arrow().Column(0).Data().Chunks(), tbl.Arrow().Column(0).Data().Chunks()
		if len(c1) != len(c4) || len(c1) < 10 {
			t.Fatalf("chunk counts %d and %d, want equal and at least one per row group", len(c1), len(c4))
		}
		for i := range c1 {
			if !array.Equal(c1[i], c4[i]) {
				t.Fatalf("chunk %d differs between 1 and 4 workers", i)
			}
		}
		if first.Source() != tbl.Source() {
			t.Errorf("sources differ: %+v and %+v", first.Source(), tbl.Source())
		}
		g1, _ := first.Categorical("g", FirstAppearance)
		g4, _ := tbl.Categorical("g", FirstAppearance)
		if !reflect.DeepEqual(g1, g4) {
			t.Error("categorical g differs between 1 and 4 workers")
		}
	}
}

func TestIPCStream(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	path := filepath.Join(t.TempDir(), "s.arrows.arrow")
	rec, err := columnsToRecord([]Column{{Name: "y", Float64: []float64{1, 2, 3}}}, mem)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := ipc.NewWriter(f, ipc.WithSchema(rec.Schema()), ipc.WithAllocator(mem))
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	rec.Release()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	tbl := mustRead(t, path, mem, ReadOptions{})
	defer tbl.Release()
	y, _ := tbl.Float64("y")
	if !slices.Equal(y.Values, []float64{1, 2, 3}) {
		t.Errorf("y = %v, want [1 2 3]", y.Values)
	}
}

func TestSource(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	path := writeText(t, t.TempDir(), "h.csv", "a\n1\n2\n")
	tbl := mustRead(t, path, mem, ReadOptions{})
	defer tbl.Release()
	// sha256 of "a\n1\n2\n", computed with: printf 'a\n1\n2\n' | sha256sum
	want := Source{Path: path, SHA256: "d4fa155a0784a2543c083ff5c36ec7a7d4810f08946220e5acf4c1f11006216e", Rows: 2}
	if got := tbl.Source(); got != want {
		t.Errorf("Source = %+v, want %+v", got, want)
	}
}

func TestReadErrors(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()

	// A valid Parquet file cut in half, and one with its middle overwritten.
	pq := filepath.Join(dir, "ok.parquet")
	x := make([]float64, 5000)
	for i := range x {
		x[i] = float64(i)
	}
	if err := WriteColumns(pq, []Column{{Name: "x", Float64: x}, {Name: "y", Float64: x}}, WriteOptions{Allocator: mem, Compression: "none", RowGroupSize: 1000}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(pq)
	if err != nil {
		t.Fatal(err)
	}
	half := writeText(t, dir, "half.parquet", string(data[:len(data)/2]))
	garbled := slices.Clone(data)
	for i := 8; i < len(garbled)-200; i += 7 {
		garbled[i] ^= 0x5a
	}
	garbledPath := writeText(t, dir, "garbled.parquet", string(garbled))
	pages := slices.Clone(data) // footer intact, column chunks damaged
	for i := 4; i < len(pages)/2; i += 3 {
		pages[i] = byte(i)
	}
	pagesPath := writeText(t, dir, "pages.parquet", string(pages))

	ipcPath := filepath.Join(dir, "ok.arrow")
	if err := WriteColumns(ipcPath, []Column{{Name: "x", Float64: x}}, WriteOptions{Allocator: mem}); err != nil {
		t.Fatal(err)
	}
	ipcData, _ := os.ReadFile(ipcPath)
	halfIPC := writeText(t, dir, "half.arrow", string(ipcData[:len(ipcData)/2]))

	for _, tc := range []struct {
		name string
		path string
		opt  ReadOptions
		want []string
	}{
		{"empty csv", writeText(t, dir, "e.csv", ""), ReadOptions{}, []string{"e.csv", "empty"}},
		{"empty parquet", writeText(t, dir, "e.parquet", ""), ReadOptions{}, []string{"e.parquet", "empty"}},
		{"empty arrow", writeText(t, dir, "e.arrow", ""), ReadOptions{}, []string{"e.arrow", "empty"}},
		{"missing file", filepath.Join(dir, "nope.csv"), ReadOptions{}, []string{"nope.csv"}},
		{"unknown extension", writeText(t, dir, "x.txt", "a\n1\n"), ReadOptions{}, []string{"x.txt", "extension"}},
		{"truncated parquet", half, ReadOptions{}, []string{"half.parquet", "not a valid Parquet file (truncated?)"}},
		{"garbled parquet", garbledPath, ReadOptions{}, []string{"garbled.parquet"}},
		{"garbled pages", pagesPath, ReadOptions{}, []string{"pages.parquet", "not a valid Parquet file"}},
		{"truncated arrow", halfIPC, ReadOptions{}, []string{"half.arrow", "not a valid Arrow IPC file"}},
		{"csv as parquet", writeText(t, dir, "c.parquet", "a,b\n1,2\n"), ReadOptions{}, []string{"c.parquet", "not a valid Parquet file"}},
		{"negative workers", pq, ReadOptions{Workers: -1}, []string{"Workers"}},
		{"bad schema type", writeText(t, dir, "s.csv", "a\n1\n"), ReadOptions{Schema: map[string]string{"a": "double"}}, []string{`"double"`, "float64, int64, bool or string"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opt.Allocator = mem
			tbl, err := Read(context.Background(), tc.path, tc.opt)
			if err == nil {
				tbl.Release()
			}
			wantInputError(t, err, tc.want...)
			t.Log(err)
		})
	}
}

func TestCardData(t *testing.T) {
	const path = "/work/shared/data/iv/card.csv"
	if _, err := os.Stat(path); err != nil {
		t.Skip("card.csv not available:", err)
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tbl := mustRead(t, path, mem, ReadOptions{})
	defer tbl.Release()
	if tbl.NumRows() != 3010 {
		t.Errorf("NumRows = %d, want 3010", tbl.NumRows())
	}
	info := map[string]ColumnInfo{}
	for _, ci := range tbl.Describe() {
		info[ci.Name] = ci
	}
	if typ := info["exper"].Type; typ != "int64" && typ != "float64" {
		t.Errorf("exper has type %s, want a number", typ)
	}
	if info["IQ"].Nulls == 0 {
		t.Error("IQ has no nulls; card.csv has missing IQ scores")
	}
	exper, err := tbl.Float64("exper")
	if err != nil {
		t.Fatal(err)
	}
	if exper.Values[0] != 16 || exper.Valid != nil {
		t.Errorf("exper[0] = %v (valid %v), want 16 and no nulls", exper.Values[0], exper.Valid)
	}
	f, err := tbl.Frame(FrameSpec{Numeric: []string{"lwage", "educ", "exper", "IQ"}})
	if err != nil {
		t.Fatal(err)
	}
	if f.N+f.Dropped != 3010 || f.Dropped != info["IQ"].Nulls {
		t.Errorf("frame kept %d and dropped %d rows; IQ has %d nulls", f.N, f.Dropped, info["IQ"].Nulls)
	}
}

// TestPlanDescribe: describing a Parquet file (and a directory of two
// copies) from its footers gives the columns, types and null counts of
// reading it, the list column's nulls counted by reading that column.
func TestPlanDescribe(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "t.parquet")
	src := sampleTable(memory.DefaultAllocator, true)
	in := NewTable(src)
	src.Release()
	err := WriteTable(context.Background(), path, in, WriteOptions{RowGroupSize: 2})
	in.Release()
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := Read(context.Background(), path, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := tbl.Describe()
	tbl.Release()
	plan, err := NewPlan(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := plan.Describe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) || len(plan.Units) != 3 {
		t.Errorf("plan describes %v (%d row groups), reading %v", got, len(plan.Units), want)
	}
	// A directory of two copies: twice the nulls; read as one table.
	sub := filepath.Join(dir, "two")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	for _, n := range []string{"a.parquet", "b.parquet"} {
		if err := os.WriteFile(filepath.Join(sub, n), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	two, _ := NewPlan(sub)
	got2, err := two.Describe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for j := range want {
		if got2[j].Nulls != 2*want[j].Nulls {
			t.Errorf("directory: %s has %d nulls, want %d", got2[j].Name, got2[j].Nulls, 2*want[j].Nulls)
		}
	}
	both, err := Read(context.Background(), sub, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer both.Release()
	if both.NumRows() != 10 || !strings.HasPrefix(both.Source().SHA256, "plan:") {
		t.Errorf("directory read: %d rows, sha256 %q", both.NumRows(), both.Source().SHA256)
	}
}
