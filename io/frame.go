package io

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/causalkit/causalkit/estimators"
)

// NAPolicy says what Frame does with missing values.
type NAPolicy int

const (
	// NADrop drops every row with a missing value in any frame column
	// (listwise deletion).
	NADrop NAPolicy = iota
	// NAError makes a missing value an input error.
	NAError
)

// FrameSpec lists the columns of one analysis. A name may appear in more
// than one list (a cluster variable used as a regressor, say).
type FrameSpec struct {
	Numeric     []string   // read with Table.Float64
	Categorical []string   // read with Table.Categorical
	Lists       []string   // read with Table.List
	NA          NAPolicy   // missing values: drop the row (default) or fail
	Order       LevelOrder // level order of the categorical columns
	// AllowEmpty makes a frame without complete rows valid (one unit of a
	// stream may have none).
	AllowEmpty bool
}

// Frame holds the complete rows of the columns of a FrameSpec.
type Frame struct {
	N       int   // rows kept
	Dropped int   // rows dropped for a missing value
	Rows    []int // kept rows as 0-based indices into the table

	num   map[string][]float64
	cat   map[string]CategoricalColumn
	lists map[string]ListColumn
}

// Frame reads the columns of spec and keeps the rows where all of them are
// present. NaN or ±Inf in a numeric or list column is always an input
// error: recode such values as missing in the data. So is a frame with no
// rows.
func (t *Table) Frame(spec FrameSpec) (*Frame, error) {
	names := dedupe(slices.Concat(spec.Numeric, spec.Categorical, spec.Lists))
	for _, name := range names {
		if _, err := t.column(name); err != nil {
			return nil, err
		}
	}
	n := t.NumRows()
	f := &Frame{
		num:   make(map[string][]float64),
		cat:   make(map[string]CategoricalColumn),
		lists: make(map[string]ListColumn),
	}
	keep := make([]bool, n)
	for i := range keep {
		keep[i] = true
	}
	firstRow, firstCol := n, ""
	markNulls := func(name string, valid func(i int) bool) {
		for i := range n {
			if !valid(i) {
				keep[i] = false
				if i < firstRow {
					firstRow, firstCol = i, name
				}
			}
		}
	}

	for _, name := range dedupe(spec.Numeric) {
		c, err := t.Float64(name)
		if err != nil {
			return nil, err
		}
		if err := t.checkFinite(name, c.Values, func(i int) int { return i }, c.Valid); err != nil {
			return nil, err
		}
		if c.Valid != nil {
			markNulls(name, func(i int) bool { return c.Valid[i] })
		}
		f.num[name] = c.Values
	}
	for _, name := range dedupe(spec.Categorical) {
		c, err := t.Categorical(name, spec.Order)
		if err != nil {
			return nil, err
		}
		markNulls(name, func(i int) bool { return c.Codes[i] >= 0 })
		f.cat[name] = c
	}
	for _, name := range dedupe(spec.Lists) {
		c, err := t.List(name)
		if err != nil {
			return nil, err
		}
		row := func(j int) int { r, _ := slices.BinarySearch(c.Offsets[1:], j+1); return r }
		if err := t.checkFinite(name, c.Values, row, nil); err != nil {
			return nil, err
		}
		if c.Valid != nil {
			markNulls(name, func(i int) bool { return c.Valid[i] })
		}
		f.lists[name] = c
	}

	if spec.NA == NAError && firstCol != "" {
		return nil, estimators.InputErrorf("%s: column %q is missing at %s; drop incomplete rows (listwise deletion) or fill in the value",
			t.name(), firstCol, t.RowName(firstRow))
	}
	for i, ok := range keep {
		if ok {
			f.Rows = append(f.Rows, i)
		}
	}
	f.N, f.Dropped = len(f.Rows), n-len(f.Rows)
	if f.N == 0 && !spec.AllowEmpty {
		why := "the table has no rows"
		if n > 0 {
			why = fmt.Sprintf("each of the %d rows has a missing value", n)
		}
		return nil, estimators.InputErrorf("%s: no complete rows in columns %s (%s)", t.name(), strings.Join(names, ", "), why)
	}
	if f.Dropped > 0 {
		f.subset()
	}
	return f, nil
}

// subset keeps f.Rows of every column and renumbers categorical codes so
// that only the levels still present remain, in their original order.
func (f *Frame) subset() {
	for name, v := range f.num {
		f.num[name] = gather(v, f.Rows)
	}
	for name, c := range f.cat {
		codes := gather(c.Codes, f.Rows)
		present := make([]bool, len(c.Levels))
		for _, code := range codes {
			present[code] = true
		}
		recode := make([]int, len(c.Levels))
		var levels []string
		for old, ok := range present {
			if ok {
				recode[old] = len(levels)
				levels = append(levels, c.Levels[old])
			}
		}
		for i, code := range codes {
			codes[i] = recode[code]
		}
		f.cat[name] = CategoricalColumn{Codes: codes, Levels: levels}
	}
	for name, l := range f.lists {
		out := ListColumn{Offsets: make([]int, 1, len(f.Rows)+1)}
		for _, r := range f.Rows {
			out.Values = append(out.Values, l.Row(r)...)
			out.Offsets = append(out.Offsets, len(out.Values))
		}
		f.lists[name] = out
	}
}

// checkFinite rejects NaN, ±Inf and values beyond ±estimators.MaxAbs
// among the valid values; row maps a value index to its table row.
func (t *Table) checkFinite(name string, vals []float64, row func(int) int, valid []bool) error {
	for i, v := range vals {
		if estimators.Unusable(v) && (valid == nil || valid[i]) {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return estimators.InputErrorf("%s: column %q is %v at %s; NaN and ±Inf are not data — recode them as missing (empty or NA) or fix them",
					t.name(), name, v, t.RowName(row(i)))
			}
			return estimators.InputErrorf("%s: column %q is %v at %s; values beyond ±1e100 overflow the squares and products estimators form — rescale the column",
				t.name(), name, v, t.RowName(row(i)))
		}
	}
	return nil
}

// Float64 returns the kept rows of a numeric column of the spec. The slice
// is shared: do not modify it. It panics if name was not in spec.Numeric.
func (f *Frame) Float64(name string) []float64 {
	v, ok := f.num[name]
	if !ok {
		panic(fmt.Sprintf("io: Frame.Float64(%q): not a numeric column of the frame", name))
	}
	return v
}

// Codes returns the kept rows of a categorical column of the spec as codes
// into the returned levels; levels absent from the kept rows are removed.
// The slices are shared. It panics if name was not in spec.Categorical.
func (f *Frame) Codes(name string) ([]int, []string) {
	c := f.categorical(name, "Codes")
	return c.Codes, c.Levels
}

// List returns the kept rows of a list column of the spec (no row is null).
// It panics if name was not in spec.Lists.
func (f *Frame) List(name string) ListColumn {
	l, ok := f.lists[name]
	if !ok {
		panic(fmt.Sprintf("io: Frame.List(%q): not a list column of the frame", name))
	}
	return l
}

// Groups returns, for each level of a categorical column, the frame rows
// (0-based indices into the kept rows) holding it; groups are ordered by
// first appearance among the kept rows, whatever the level order.
func (f *Frame) Groups(name string) [][]int {
	c := f.categorical(name, "Groups")
	group := make([]int, len(c.Levels))
	for i := range group {
		group[i] = -1
	}
	var groups [][]int
	for r, code := range c.Codes {
		if group[code] < 0 {
			group[code] = len(groups)
			groups = append(groups, nil)
		}
		groups[group[code]] = append(groups[group[code]], r)
	}
	return groups
}

func (f *Frame) categorical(name, method string) CategoricalColumn {
	c, ok := f.cat[name]
	if !ok {
		panic(fmt.Sprintf("io: Frame.%s(%q): not a categorical column of the frame", method, name))
	}
	return c
}

func gather[T any](v []T, rows []int) []T {
	out := make([]T, len(rows))
	for i, r := range rows {
		out[i] = v[r]
	}
	return out
}

func dedupe(names []string) []string {
	var out []string
	for _, s := range names {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
