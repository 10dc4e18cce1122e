package main

import (
	"fmt"
	"maps"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/causalkit/causalkit/estimators"
	ckio "github.com/causalkit/causalkit/io"
	"github.com/causalkit/causalkit/rdd"
)

// A streamed r3d reduces each row group to the quantile rows of the units
// it holds whole. The first and last unit of a long table's row group may
// continue in the neighbouring row groups, so their draws travel in the
// state and are joined, in row-group order, when the states are merged.
// This needs every unit's rows to be contiguous (the table sorted or
// grouped by unit), which the merge checks.

// r3dStream holds what the row-group states need from the flags.
type r3dStream struct {
	f        *r3dFlags
	grid     []float64
	unweight bool // also keep unweighted quantiles (compat mode with weights)
}

const (
	r3dWhole    = 0 // a unit's quantile rows
	r3dFragment = 1 // a unit's draws (and weights), perhaps only some
)

// rowGroup encodes the units of one row group's frame.
func (s *r3dStream) rowGroup(t *ckio.Table, fr *ckio.Frame) (unitResult, error) {
	f := s.f
	var res unitResult
	if fr.N == 0 && f.unit == "" {
		return unitResult{vals: []float64{0, 0}}, nil
	}
	x := fr.Float64(f.x)
	var tr []float64
	if f.fuzzy != "" {
		tr = fr.Float64(f.fuzzy)
	}
	var cl []int
	var clLevels []string
	if f.cluster != "" {
		cl, clLevels = fr.Codes(f.cluster)
	}
	m := len(s.grid)
	q := make([]float64, m)
	var buf []float64
	vals := []float64{0, 0}
	var keys []string
	head := func(id string, i int, kind float64) {
		vals = append(vals, kind, x[i])
		if tr != nil {
			vals = append(vals, tr[i])
		}
		keys = append(keys, id)
		if cl != nil {
			keys = append(keys, clLevels[cl[i]])
		}
		vals[0]++
	}
	if f.unit == "" {
		ys := fr.List(f.y)
		for i := range fr.N {
			if len(ys.Row(i)) == 0 {
				return res, estimators.InputErrorf("r3d: the list in %s has no draws; every unit needs at least one", t.RowName(fr.Rows[i]))
			}
			head("", i, r3dWhole)
			buf = rdd.UnitQuantiles(q, ys.Row(i), nil, s.grid, buf)
			vals = append(vals, q...)
		}
		return unitResult{vals: vals, keys: keys}, nil
	}
	y := fr.Float64(f.y)
	var w []float64
	if f.weights != "" {
		w = fr.Float64(f.weights)
	}
	codes, levels := fr.Codes(f.unit)
	// The runs of equal unit codes.
	var runs [][2]int
	for i := range fr.N {
		if i == 0 || codes[i] != codes[i-1] {
			runs = append(runs, [2]int{i, i + 1})
		} else {
			runs[len(runs)-1][1] = i + 1
		}
	}
	if len(runs) > len(levels) {
		seen := make([]int, len(levels))
		for r, run := range runs {
			c := codes[run[0]]
			if seen[c] > 0 {
				return res, f.unsorted(levels[c], t.RowName(fr.Rows[runs[seen[c]-1][0]]), t.RowName(fr.Rows[run[0]]))
			}
			seen[c] = r + 1
		}
	}
	for r, run := range runs {
		lo, hi := run[0], run[1]
		for i := lo + 1; i < hi; i++ {
			if x[i] != x[lo] || tr != nil && tr[i] != tr[lo] || cl != nil && cl[i] != cl[lo] {
				return res, varies(levels[codes[lo]], t.RowName(fr.Rows[i]))
			}
		}
		var wi []float64
		if w != nil {
			wi = w[lo:hi]
		}
		if r == 0 || r == len(runs)-1 {
			head(levels[codes[lo]], lo, r3dFragment)
			vals = append(vals, float64(hi-lo))
			vals = append(vals, y[lo:hi]...)
			vals = append(vals, wi...)
			continue
		}
		if err := r3dCheckDraws(levels[codes[lo]], wi); err != nil {
			return res, err
		}
		head(levels[codes[lo]], lo, r3dWhole)
		buf = rdd.UnitQuantiles(q, y[lo:hi], wi, s.grid, buf)
		vals = append(vals, q...)
		if s.unweight {
			buf = rdd.UnitQuantiles(q, y[lo:hi], nil, s.grid, buf)
			vals = append(vals, q...)
		}
	}
	// Units whose every row here has a missing value.
	if fr.Dropped > 0 {
		all, err := t.Categorical(f.unit, ckio.FirstAppearance)
		if err != nil {
			return res, err
		}
		for _, l := range all.Levels {
			if !slices.Contains(levels, l) {
				keys = append(keys, l)
				vals[1]++
			}
		}
	}
	return unitResult{vals: vals, keys: keys}, nil
}

// unsorted says that unit's rows are not together (seen at a, then at b).
func (f *r3dFlags) unsorted(unit, a, b string) error {
	return estimators.InputErrorf("r3d: unit %q appears at %s and again at %s with other units between; streaming needs each unit's rows together: sort the data by --unit %s",
		unit, a, b, f.unit)
}

// varies says that a unit-level column changes within unit (at where).
func varies(unit, where string) error {
	return estimators.InputErrorf("r3d: --x, --fuzzy or --cluster varies within unit %q (%s); they must be constant within a unit", unit, where)
}

// r3dCheckDraws rejects a unit whose weights are all zero.
func r3dCheckDraws(unit string, w []float64) error {
	if w != nil && !slices.ContainsFunc(w, func(v float64) bool { return v > 0 }) {
		return estimators.InputErrorf("r3d: unit %q has only zero weights", unit)
	}
	return nil
}

// merge joins the row groups' states, in order, into the quantile data.
func (s *r3dStream) merge(st *streamer, states []ckio.PartialState) (*rdd.QuantileData, error) {
	f := s.f
	m := len(s.grid)
	d := &rdd.QuantileData{Weighted: f.weights != ""}
	var q, qs []float64
	var clusters []string
	seen := map[string]string{} // unit → the row group it ended in
	lost := map[string]bool{}
	type fragment struct {
		id, cluster string
		x, t        float64
		y, w        []float64
		where       string
	}
	var pending *fragment
	add := func(id, cluster string, x, t float64, where string) error {
		if id != "" {
			if prev, ok := seen[id]; ok {
				return f.unsorted(id, prev, where)
			}
			seen[id] = where
		}
		d.X = append(d.X, x)
		if f.fuzzy != "" {
			d.T = append(d.T, t)
		}
		if f.cluster != "" {
			clusters = append(clusters, cluster)
		}
		return nil
	}
	flush := func() error {
		if pending == nil {
			return nil
		}
		p := pending
		pending = nil
		if err := r3dCheckDraws(p.id, p.w); err != nil {
			return err
		}
		if err := add(p.id, p.cluster, p.x, p.t, p.where); err != nil {
			return err
		}
		row := make([]float64, m)
		rdd.UnitQuantiles(row, p.y, p.w, s.grid, nil)
		q = append(q, row...)
		if s.unweight {
			rdd.UnitQuantiles(row, p.y, nil, s.grid, nil)
			qs = append(qs, row...)
		}
		return nil
	}
	for _, state := range states {
		where := st.plan.Name(state.Unit)
		vals, keys := state.Vals, state.Keys
		bad := fmt.Errorf("r3d: %s: malformed state", where)
		if len(vals) < 2 {
			return nil, bad
		}
		units, nLost := int(vals[0]), int(vals[1])
		vals = vals[2:]
		for range units {
			if len(vals) < 2 || len(keys) == 0 {
				return nil, bad
			}
			kind, x := vals[0], vals[1]
			vals = vals[2:]
			var t float64
			if f.fuzzy != "" {
				t, vals = vals[0], vals[1:]
			}
			id := keys[0]
			keys = keys[1:]
			var cluster string
			if f.cluster != "" {
				cluster, keys = keys[0], keys[1:]
			}
			if kind == r3dWhole {
				if err := flush(); err != nil {
					return nil, err
				}
				if err := add(id, cluster, x, t, where); err != nil {
					return nil, err
				}
				q, vals = append(q, vals[:m]...), vals[m:]
				if s.unweight {
					qs, vals = append(qs, vals[:m]...), vals[m:]
				}
				continue
			}
			k := int(vals[0])
			ys := vals[1 : 1+k]
			vals = vals[1+k:]
			var ws []float64
			if f.weights != "" {
				ws, vals = vals[:k], vals[k:]
			}
			if pending != nil && pending.id == id {
				if pending.x != x || pending.t != t || pending.cluster != cluster {
					return nil, varies(id, where)
				}
				pending.y = append(pending.y, ys...)
				pending.w = append(pending.w, ws...)
				pending.where = where
				continue
			}
			if err := flush(); err != nil {
				return nil, err
			}
			pending = &fragment{id: id, cluster: cluster, x: x, t: t, y: slices.Clone(ys), w: slices.Clone(ws), where: where}
		}
		if len(keys) != nLost {
			return nil, bad
		}
		for _, id := range keys {
			lost[id] = true
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	for _, id := range slices.Sorted(maps.Keys(lost)) {
		if _, ok := seen[id]; !ok {
			return nil, estimators.InputErrorf("r3d: unit %q has no draws with complete values; remove the unit or fill its values", id)
		}
	}
	n := len(d.X)
	if n == 0 {
		return nil, estimators.InputErrorf("r3d: %s has no complete rows", f.data)
	}
	d.Q = mat.NewDense(n, m, q)
	if s.unweight {
		d.QSelect = mat.NewDense(n, m, qs)
	}
	if f.cluster != "" {
		idx := map[string]int{}
		for _, c := range clusters {
			if _, ok := idx[c]; !ok {
				idx[c] = len(idx)
			}
			d.Cluster = append(d.Cluster, idx[c])
		}
	}
	return d, nil
}

// streamUnits reads the units row group by row group (see r3dStream).
func (f *r3dFlags) streamUnits(st *streamer, opt rdd.R3DOptions) (*rdd.QuantileData, estimators.Input, error) {
	grid := opt.Grid
	if grid == nil {
		grid = rdd.DefaultR3DGrid()
	}
	s := &r3dStream{f: f, grid: grid,
		unweight: opt.Compat && f.weights != "" && (opt.H == nil || f.fuzzy != "" && opt.HDen == 0)}
	spec, err := f.spec()
	if err != nil {
		return nil, estimators.Input{}, err
	}
	spec.NA = f.naPolicy()
	states, err := st.pass(1, spec, func(_ int, t *ckio.Table, fr *ckio.Frame) (unitResult, error) {
		return s.rowGroup(t, fr)
	})
	if err != nil {
		return nil, estimators.Input{}, err
	}
	input := st.input(f.data, states)
	if input.Dropped > 0 {
		st.notef("dropped %d of %d rows with missing values (use --na error to stop instead)", input.Dropped, input.Rows)
	}
	d, err := s.merge(st, states)
	return d, input, err
}
