package io

import (
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/causalkit/causalkit/estimators"
)

// Table is a table held in Arrow memory, with the provenance of its file.
// Release it when done. Its methods copy columns out into caller-owned Go
// slices; they are safe for concurrent use.
type Table struct {
	tbl    arrow.Table
	src    Source
	offset int // row number of the first row in its file, for messages
}

// Source describes where a table came from.
type Source struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"` // hex SHA-256 of the file bytes
	Rows   int    `json:"rows"`
}

// ColumnInfo summarizes one column for Table.Describe.
type ColumnInfo struct {
	Name  string `json:"name"`
	Type  string `json:"type"` // float64, int64, bool, string, dictionary<string>, list<float64>, ...
	Nulls int    `json:"nulls"`
}

// NewTable wraps an Arrow table, which it retains; the Source has only the
// row count. Release the result (and tbl, which the caller still owns).
func NewTable(tbl arrow.Table) *Table {
	tbl.Retain()
	return &Table{tbl: tbl, src: Source{Rows: int(tbl.NumRows())}}
}

// Release frees the Arrow memory. It is safe to call more than once.
func (t *Table) Release() {
	if t.tbl != nil {
		t.tbl.Release()
		t.tbl = nil
	}
}

// NumRows returns the number of rows.
func (t *Table) NumRows() int { return int(t.tbl.NumRows()) }

// ColumnNames returns the column names in table order.
func (t *Table) ColumnNames() []string { return fieldNames(t.tbl.Schema()) }

// Arrow returns the underlying Arrow table. It is borrowed: do not release it.
func (t *Table) Arrow() arrow.Table { return t.tbl }

// Source returns the path, content hash and row count of the table's file.
func (t *Table) Source() Source { return t.src }

// Describe returns the name, type and null count of every column.
func (t *Table) Describe() []ColumnInfo {
	info := make([]ColumnInfo, t.tbl.NumCols())
	for i := range info {
		c := t.tbl.Column(i)
		info[i] = ColumnInfo{Name: c.Name(), Type: typeName(c.DataType()), Nulls: c.NullN()}
	}
	return info
}

// column returns the named column, or an input error listing the
// available columns.
func (t *Table) column(name string) (*arrow.Column, error) {
	idx := t.tbl.Schema().FieldIndices(name)
	if len(idx) == 0 {
		return nil, missingColumn(t.name(), name, t.ColumnNames())
	}
	return t.tbl.Column(idx[0]), nil
}

// name is how messages refer to the table.
func (t *Table) name() string {
	if t.src.Path == "" {
		return "table"
	}
	return t.src.Path
}

// typeError explains that column name cannot serve as want.
func (t *Table) typeError(name string, col *arrow.Column, want string, err error) error {
	if errors.Is(err, errType) {
		return estimators.InputErrorf("%s: column %q is %s; %s needed", t.name(), name, typeName(col.DataType()), want)
	}
	return estimators.InputErrorf("%s: column %q: %v", t.name(), name, err)
}

// Float64Column is a numeric column copied out of Arrow.
type Float64Column struct {
	Values []float64 // null slots are 0
	Valid  []bool    // nil when no value is null
}

// Float64 copies the named column as float64. Integer, unsigned, float32,
// bool (0/1) and dictionary-of-numeric columns convert; other types give an
// input error.
func (t *Table) Float64(name string) (Float64Column, error) {
	col, err := t.column(name)
	if err != nil {
		return Float64Column{}, err
	}
	vals, valid, err := decode(col.Data().Chunks(), appendNumbers[float64])
	if err != nil {
		return Float64Column{}, t.typeError(name, col, "numeric", err)
	}
	return Float64Column{Values: vals, Valid: valid}, nil
}

// LevelOrder orders the levels of a categorical column.
type LevelOrder int

const (
	// FirstAppearance numbers levels in the order they first occur.
	FirstAppearance LevelOrder = iota
	// Sorted numbers levels in increasing order: numerically for numeric
	// columns, lexically (by bytes) for strings, false before true.
	Sorted
)

// CategoricalColumn is a column coded as integers 0..len(Levels)-1.
type CategoricalColumn struct {
	Codes  []int    // -1 for null
	Levels []string // level names: strings as is, numbers formatted by strconv ('g', -1 for floats)
}

// Categorical codes the named column by level. String, dictionary, integer,
// bool and float columns are accepted; NaN is an input error.
func (t *Table) Categorical(name string, order LevelOrder) (CategoricalColumn, error) {
	col, err := t.column(name)
	if err != nil {
		return CategoricalColumn{}, err
	}
	chunks := col.Data().Chunks()
	var (
		c      CategoricalColumn
		nanRow = -1
	)
	switch dt := col.DataType(); kindOf(dt) {
	case kindString:
		c, nanRow, err = categorical(chunks, appendStrings, strings.Clone, order)
	case kindBool:
		c, nanRow, err = categorical(chunks, appendNumbers[int64], func(v int64) string { return strconv.FormatBool(v != 0) }, order)
	case kindSigned:
		c, nanRow, err = categorical(chunks, appendNumbers[int64], func(v int64) string { return strconv.FormatInt(v, 10) }, order)
	case kindUnsigned:
		c, nanRow, err = categorical(chunks, appendNumbers[uint64], func(v uint64) string { return strconv.FormatUint(v, 10) }, order)
	case kindFloat:
		bits := 64
		if d, ok := dt.(*arrow.DictionaryType); ok && d.ValueType.ID() == arrow.FLOAT32 || dt.ID() == arrow.FLOAT32 {
			bits = 32 // print float32 values as written, not as widened
		}
		c, nanRow, err = categorical(chunks, appendNumbers[float64], func(v float64) string { return strconv.FormatFloat(v, 'g', -1, bits) }, order)
	default:
		err = errType
	}
	if err != nil {
		return CategoricalColumn{}, t.typeError(name, col, "a string, integer, bool or float column", err)
	}
	if nanRow >= 0 {
		return CategoricalColumn{}, estimators.InputErrorf("%s: column %q is NaN at %s; NaN cannot be a category — recode it as missing",
			t.name(), name, t.RowName(nanRow))
	}
	return c, nil
}

func categorical[T interface{ number | string }](chunks []arrow.Array, conv func([]T, arrow.Array) ([]T, error),
	format func(T) string, order LevelOrder) (CategoricalColumn, int, error) {
	vals, valid, err := decode(chunks, conv)
	if err != nil {
		return CategoricalColumn{}, -1, err
	}
	c, nanRow := categorize(vals, valid, format, order)
	return c, nanRow, nil
}

// ListColumn is a column of numeric lists, such as per-unit quantile
// functions: row i holds Values[Offsets[i]:Offsets[i+1]].
type ListColumn struct {
	Offsets []int // len rows+1
	Values  []float64
	Valid   []bool // nil when no row is null; a null row is empty
}

// Len returns the number of rows.
func (l ListColumn) Len() int { return len(l.Offsets) - 1 }

// Row returns the values of row i (shared, not copied).
func (l ListColumn) Row(i int) []float64 { return l.Values[l.Offsets[i]:l.Offsets[i+1]] }

// List copies the named list column (list, large_list, fixed_size_list of
// any numeric type) as float64. A null element inside a list is an input
// error naming the row.
func (t *Table) List(name string) (ListColumn, error) {
	col, err := t.column(name)
	if err != nil {
		return ListColumn{}, err
	}
	n := col.Len()
	out := ListColumn{Offsets: make([]int, 1, n+1)}
	for _, chunk := range col.Data().Chunks() {
		l, ok := chunk.(array.ListLike)
		if !ok {
			return ListColumn{}, t.typeError(name, col, "a list of numbers", errType)
		}
		vals, valid, err := decode([]arrow.Array{l.ListValues()}, appendNumbers[float64])
		if err != nil {
			return ListColumn{}, t.typeError(name, col, "a list of numbers", err)
		}
		row0 := out.Len()
		out.Valid = appendValidity(out.Valid, row0, n, l)
		for i := range l.Len() {
			if l.IsValid(i) {
				s, e := l.ValueOffsets(i)
				if valid != nil && slices.Contains(valid[s:e], false) {
					return ListColumn{}, estimators.InputErrorf("%s: column %q, %s: the list has a missing element; lists must be complete",
						t.name(), name, t.RowName(row0+i))
				}
				out.Values = append(out.Values, vals[s:e]...)
			}
			out.Offsets = append(out.Offsets, len(out.Values))
		}
	}
	return out, nil
}
