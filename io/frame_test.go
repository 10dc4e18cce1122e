package io

import (
	"reflect"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// frameCSV has missing values in y (rows 2, 5), g (row 4) and x (row 5).
const frameCSV = `y,x,g,w
1,10,b,1
NA,20,a,2
3,30,c,3
4,40,,4
,,a,5
6,60,b,6
`

func TestFrame(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	tbl := mustRead(t, writeText(t, t.TempDir(), "f.csv", frameCSV), mem, ReadOptions{})
	defer tbl.Release()

	f, err := tbl.Frame(FrameSpec{Numeric: []string{"y", "x", "y"}, Categorical: []string{"g", "x"}})
	if err != nil {
		t.Fatal(err)
	}
	if f.N != 3 || f.Dropped != 3 || !slices.Equal(f.Rows, []int{0, 2, 5}) {
		t.Errorf("N=%d Dropped=%d Rows=%v; want 3, 3, [0 2 5]", f.N, f.Dropped, f.Rows)
	}
	if got := f.Float64("y"); !slices.Equal(got, []float64{1, 3, 6}) {
		t.Errorf("y = %v, want [1 3 6]", got)
	}
	// Level "a" occurs only in dropped rows, so it goes; b and c keep their
	// first-appearance order.
	codes, levels := f.Codes("g")
	if !slices.Equal(codes, []int{0, 1, 0}) || !slices.Equal(levels, []string{"b", "c"}) {
		t.Errorf("g = %v %v, want [0 1 0] [b c]", codes, levels)
	}
	codes, levels = f.Codes("x")
	if !slices.Equal(codes, []int{0, 1, 2}) || !slices.Equal(levels, []string{"10", "30", "60"}) {
		t.Errorf("x as categorical = %v %v", codes, levels)
	}
	if got := f.Groups("g"); !reflect.DeepEqual(got, [][]int{{0, 2}, {1}}) {
		t.Errorf("Groups(g) = %v, want [[0 2] [1]]", got)
	}

	// Without g, row 3 (0-based) is complete.
	f, err = tbl.Frame(FrameSpec{Numeric: []string{"y", "w"}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.Rows, []int{0, 2, 3, 5}) || f.Dropped != 2 {
		t.Errorf("Rows=%v Dropped=%d; want [0 2 3 5], 2", f.Rows, f.Dropped)
	}

	// Complete columns keep every row and share nothing with deletion.
	f, err = tbl.Frame(FrameSpec{Numeric: []string{"w"}})
	if err != nil {
		t.Fatal(err)
	}
	if f.N != 6 || f.Dropped != 0 || !slices.Equal(f.Float64("w"), []float64{1, 2, 3, 4, 5, 6}) {
		t.Errorf("w frame: N=%d Dropped=%d w=%v", f.N, f.Dropped, f.Float64("w"))
	}
}

func TestFrameErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		csv  string
		spec FrameSpec
		want []string
	}{
		{"NAError names the first missing value", frameCSV, FrameSpec{Numeric: []string{"w", "x", "y"}, NA: NAError},
			[]string{`column "y"`, "row 2 (1-based, header excluded)"}},
		{"NAError on a categorical", frameCSV, FrameSpec{Numeric: []string{"w"}, Categorical: []string{"g"}, NA: NAError},
			[]string{`column "g"`, "row 4 (1-based, header excluded)"}},
		{"NaN in CSV", "a,b\n1,2\n3,NaN\n", FrameSpec{Numeric: []string{"a", "b"}}, []string{`column "b"`, "NaN", "row 2 (1-based, header excluded)"}},
		{"Inf even when the row is dropped", "a,b\n1,2\nNA,-Inf\n", FrameSpec{Numeric: []string{"a", "b"}}, []string{`column "b"`, "-Inf", "row 2 (1-based"}},
		{"missing column", frameCSV, FrameSpec{Numeric: []string{"y", "z"}}, []string{`column "z" not found`, "y, x, g, w"}},
		{"string as numeric", frameCSV, FrameSpec{Numeric: []string{"g"}}, []string{`column "g" is string; numeric needed`}},
		{"no complete rows", "a,b\n1,\n,2\n", FrameSpec{Numeric: []string{"a", "b"}}, []string{"no complete rows in columns a, b"}},
		{"empty table", "a,b\n", FrameSpec{Numeric: []string{"a"}, Categorical: []string{"b"}}, []string{"no complete rows in columns a, b", "no rows"}},
		{"list needed", frameCSV, FrameSpec{Lists: []string{"y"}}, []string{`column "y" is int64; a list of numbers needed`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			tbl := mustRead(t, writeText(t, t.TempDir(), "f.csv", tc.csv), mem, ReadOptions{})
			defer tbl.Release()
			_, err := tbl.Frame(tc.spec)
			wantInputError(t, err, append(tc.want, "f.csv")...)
			t.Log(err)
		})
	}
}

func TestFrameLists(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	src := sampleTable(mem, true)
	tbl := NewTable(src)
	src.Release()
	defer tbl.Release()
	// x is null in row 2 and q in row 3.
	f, err := tbl.Frame(FrameSpec{Numeric: []string{"x"}, Lists: []string{"q"}, Categorical: []string{"d"}, Order: Sorted})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(f.Rows, []int{0, 1, 4}) {
		t.Fatalf("Rows = %v, want [0 1 4]", f.Rows)
	}
	want := ListColumn{Offsets: []int{0, 3, 3, 5}, Values: []float64{1, 2, 3, 5, 6}}
	if got := f.List("q"); !reflect.DeepEqual(got, want) {
		t.Errorf("q = %+v, want %+v", got, want)
	}
	codes, levels := f.Codes("d") // lo, hi, hi; "mid" only in a dropped row
	if !slices.Equal(codes, []int{1, 0, 0}) || !slices.Equal(levels, []string{"hi", "lo"}) {
		t.Errorf("d = %v %v, want [1 0 0] [hi lo]", codes, levels)
	}
	if got := f.Groups("d"); !reflect.DeepEqual(got, [][]int{{0}, {1, 2}}) {
		t.Errorf("Groups(d) = %v, want [[0] [1 2]] (first appearance, not level order)", got)
	}
}

func TestListErrors(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := array.NewListBuilder(mem, arrow.PrimitiveTypes.Float64)
	defer b.Release()
	vb := b.ValueBuilder().(*array.Float64Builder)
	b.Append(true)
	vb.AppendValues([]float64{1, 2}, nil)
	b.Append(true)
	vb.AppendNull() // a null element inside row 2
	b.Append(true)
	vb.Append(3)
	arr := b.NewArray()
	defer arr.Release()
	schema := arrow.NewSchema([]arrow.Field{{Name: "q", Type: arr.DataType(), Nullable: true}}, nil)
	src := array.NewTableFromSlice(schema, [][]arrow.Array{{arr}})
	tbl := NewTable(src)
	src.Release()
	defer tbl.Release()
	_, err := tbl.List("q")
	wantInputError(t, err, `column "q"`, "row 2 (1-based, header excluded)", "missing element")
	_, err = tbl.Float64("q")
	wantInputError(t, err, `column "q" is list<float64>; numeric needed`)
}

func TestCategoricalOrders(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	csv := "s,i,f,b\nb,10,2.5,true\nB,9,0.1,false\na,10,-1,true\nb,-3,2.5,\n,9,,false\n"
	tbl := mustRead(t, writeText(t, t.TempDir(), "c.csv", csv), mem, ReadOptions{})
	defer tbl.Release()
	for _, tc := range []struct {
		col   string
		order LevelOrder
		want  CategoricalColumn
	}{
		{"s", FirstAppearance, CategoricalColumn{[]int{0, 1, 2, 0, -1}, []string{"b", "B", "a"}}},
		{"s", Sorted, CategoricalColumn{[]int{2, 0, 1, 2, -1}, []string{"B", "a", "b"}}},
		{"i", FirstAppearance, CategoricalColumn{[]int{0, 1, 0, 2, 1}, []string{"10", "9", "-3"}}},
		{"i", Sorted, CategoricalColumn{[]int{2, 1, 2, 0, 1}, []string{"-3", "9", "10"}}}, // numerically, not "10" < "9"
		{"f", Sorted, CategoricalColumn{[]int{2, 1, 0, 2, -1}, []string{"-1", "0.1", "2.5"}}},
		{"b", FirstAppearance, CategoricalColumn{[]int{0, 1, 0, -1, 1}, []string{"true", "false"}}},
		{"b", Sorted, CategoricalColumn{[]int{1, 0, 1, -1, 0}, []string{"false", "true"}}},
	} {
		got, err := tbl.Categorical(tc.col, tc.order)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Categorical(%s, %v) = %v, want %v", tc.col, tc.order, got, tc.want)
		}
	}

	nan := mustRead(t, writeText(t, t.TempDir(), "n.csv", "f\n1\nNaN\n"), mem, ReadOptions{})
	defer nan.Release()
	_, err := nan.Categorical("f", FirstAppearance)
	wantInputError(t, err, `column "f"`, "NaN", "row 2 (1-based")
}

func TestCategoricalFloat32(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b := array.NewFloat32Builder(mem)
	defer b.Release()
	b.AppendValues([]float32{0.1, 2, 0.1}, nil)
	arr := b.NewArray()
	defer arr.Release()
	src := array.NewTableFromSlice(arrow.NewSchema([]arrow.Field{{Name: "f", Type: arr.DataType()}}, nil), [][]arrow.Array{{arr}})
	tbl := NewTable(src)
	src.Release()
	defer tbl.Release()
	got, err := tbl.Categorical("f", FirstAppearance)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"0.1", "2"}; !slices.Equal(got.Levels, want) {
		t.Errorf("levels %q, want %q (float32 printed as float32)", got.Levels, want)
	}
}
