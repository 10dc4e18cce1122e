// Package linstream is the per-row-group arithmetic of streamed linear
// models (lm and iv): what one unit of a Parquet plan contributes to each
// pass, and how the contributions merge into a fit, its covariance and a
// wild bootstrap. The command line and the Beam transforms (x/beam) run
// the same passes; they differ only in who reads which unit and where the
// states travel, and both merge the states in unit order, so their results
// have the same bits.
package linstream

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/causalkit/causalkit/estimators"
	ckio "github.com/causalkit/causalkit/io"
	"github.com/causalkit/causalkit/iv"
)

// Model names the columns of a linear (IV) model; lm is one without
// endogenous regressors and instruments.
type Model struct {
	Y                        string
	Intercept                bool
	Exog, Endog, Instruments []string
	Weights                  string
	Cluster                  string // "" for none
}

// Numeric returns the numeric columns the model reads.
func (m *Model) Numeric() []string {
	cols := slices.Concat([]string{m.Y}, m.Endog, m.Exog, m.Instruments)
	if m.Weights != "" {
		cols = append(cols, m.Weights)
	}
	return cols
}

// Spec returns the frame of a unit.
func (m *Model) Spec(na ckio.NAPolicy) ckio.FrameSpec {
	spec := ckio.FrameSpec{Numeric: m.Numeric(), NA: na}
	if m.Cluster != "" {
		spec.Categorical = []string{m.Cluster}
	}
	return spec
}

// Data builds the model's columns from a frame (nil: only the names).
func (m *Model) Data(fr *ckio.Frame) *iv.Data {
	n := 0
	col := func(name string) []float64 { return nil }
	if fr != nil {
		n, col = fr.N, fr.Float64
	}
	d := &iv.Data{Y: col(m.Y), YName: m.Y}
	if m.Intercept {
		one := make([]float64, n)
		for i := range one {
			one[i] = 1
		}
		d.Exog, d.ExogNames = append(d.Exog, one), append(d.ExogNames, "(Intercept)")
	}
	for _, c := range m.Exog {
		d.Exog, d.ExogNames = append(d.Exog, col(c)), append(d.ExogNames, c)
	}
	for _, c := range m.Endog {
		d.Endog, d.EndogNames = append(d.Endog, col(c)), append(d.EndogNames, c)
	}
	for _, c := range m.Instruments {
		d.Instruments, d.InstrumentNames = append(d.Instruments, col(c)), append(d.InstrumentNames, c)
	}
	if m.Weights != "" {
		d.Weights = col(m.Weights)
	}
	return d
}

// Resample asks for a pairs bootstrap with Poisson(1) weights drawn by
// estimators.PoissonWeight per row, or per cluster (a cluster bootstrap)
// when ByCluster is set and the model has a cluster column. Each replicate
// is a weighted refit, so it serves every method, anchor and IVL included.
type Resample struct {
	Reps      int
	Seed      uint64
	ByCluster bool
}

// First returns a unit's contribution to the first pass: the QR factor of
// its rows, followed by one per bootstrap replicate when rs is not nil.
// unit locates the rows in the plan (the rows' bootstrap keys).
func (m *Model) First(fr *ckio.Frame, unit ckio.Unit, rs *Resample) ([]float64, error) {
	names := m.Data(nil)
	a, err := iv.NewAccumulator(names)
	if err != nil {
		return nil, err
	}
	if fr.N == 0 {
		vals := a.Encode()
		if rs != nil {
			vals = slices.Repeat(vals, 1+rs.Reps)
		}
		return vals, nil
	}
	d := m.Data(fr)
	if err := a.Add(d); err != nil {
		return nil, err
	}
	vals := a.Encode()
	if rs == nil {
		return vals, nil
	}
	keys := m.rowKeys(fr, unit, rs.ByCluster)
	rd := *d
	rd.Weights = make([]float64, fr.N)
	for b := range rs.Reps {
		for i, k := range keys {
			rd.Weights[i] = estimators.PoissonWeight(rs.Seed, b, k)
			if d.Weights != nil {
				rd.Weights[i] *= d.Weights[i]
			}
		}
		r, _ := iv.NewAccumulator(names)
		if err := r.Add(&rd); err != nil {
			return nil, err
		}
		vals = append(vals, r.Encode()...)
	}
	return vals, nil
}

// rowKeys returns the bootstrap keys of a unit's rows: their place in the
// plan (file, row), or with byCluster their cluster's name.
func (m *Model) rowKeys(fr *ckio.Frame, unit ckio.Unit, byCluster bool) []uint64 {
	keys := make([]uint64, fr.N)
	if byCluster && m.Cluster != "" {
		codes, levels := fr.Codes(m.Cluster)
		lk := make([]uint64, len(levels))
		for c, l := range levels {
			lk[c] = estimators.Key(l)
		}
		for i, c := range codes {
			keys[i] = lk[c]
		}
		return keys
	}
	for i, r := range fr.Rows {
		keys[i] = uint64(unit.File)<<40 | uint64(unit.Offset+int64(r))
	}
	return keys
}

// split returns the part of a first-pass state for replicate b (−1: the
// fit itself).
func split(vals []float64, b, reps int) ([]float64, error) {
	per := len(vals) / (1 + reps)
	if per*(1+reps) != len(vals) {
		return nil, estimators.InputErrorf("malformed bootstrap state in a partial result")
	}
	return vals[(b+1)*per : (b+2)*per], nil
}

// Fit merges the first pass's states (in the order given: unit order) and
// fits the model; rs is the Resample the states were made with (or nil).
func (m *Model) Fit(states []ckio.PartialState, opt iv.Options, rs *Resample) (*iv.Fit, error) {
	names := m.Data(nil)
	acc, err := iv.NewAccumulator(names)
	if err != nil {
		return nil, err
	}
	for _, st := range states {
		v := st.Vals
		if rs != nil {
			var err error
			if v, err = split(v, -1, rs.Reps); err != nil {
				return nil, fmt.Errorf("unit %d: %w", st.Unit, err)
			}
		}
		part, _ := iv.NewAccumulator(names)
		if err := part.Decode(v); err != nil {
			return nil, fmt.Errorf("unit %d: %w", st.Unit, err)
		}
		acc.Merge(part)
	}
	return acc.Fit(opt)
}

// Resampled merges the replicates of the first pass's states (made with
// rs) and refits each: the Reps × k bootstrap coefficients, with a row of
// NaN for each replicate whose refit fails (returned as failed).
func (m *Model) Resampled(states []ckio.PartialState, opt iv.Options, rs *Resample) (reps *mat.Dense, failed int, err error) {
	names := m.Data(nil)
	var out *mat.Dense
	for b := range rs.Reps {
		acc, err := iv.NewAccumulator(names)
		if err != nil {
			return nil, 0, err
		}
		for _, st := range states {
			v, err := split(st.Vals, b, rs.Reps)
			if err != nil {
				return nil, 0, fmt.Errorf("unit %d: %w", st.Unit, err)
			}
			part, _ := iv.NewAccumulator(names)
			if err := part.Decode(v); err != nil {
				return nil, 0, fmt.Errorf("unit %d: %w", st.Unit, err)
			}
			acc.Merge(part)
		}
		fit, err := acc.Fit(opt)
		if out == nil {
			k := len(names.Exog) + len(names.Endog)
			out = mat.NewDense(rs.Reps, k, nil)
		}
		row := out.RawRowView(b)
		if err != nil {
			failed++
			for j := range row {
				row[j] = math.NaN()
			}
			continue
		}
		copy(row, fit.Coef)
	}
	return out, failed, nil
}

// Wild asks for a wild bootstrap: multipliers per row, or per cluster when
// the model has one, drawn by Multiplier.At.
type Wild struct {
	Reps int
	Seed uint64
	Mult estimators.Multiplier
}

// Second is the second pass of a fit: the meat of a robust or cluster
// covariance and the score sums of a wild bootstrap.
type Second struct {
	fit     *iv.Fit
	model   *Model
	cov     estimators.CovType
	meat    estimators.CovType // Classical: none
	diag    bool               // also the robust diagnostics' meats
	rowWild bool
	wild    *Wild
	k       int
}

// Second returns the second pass for covariance type cov, an optional
// wild bootstrap, and with diagnostics the meats of the robust IV
// diagnostics (iv.Fit.DiagnosticMeats). A fit without analytic scores (anchor, IVL) has none,
// and a bootstrap of it is an error.
func (m *Model) Second(fit *iv.Fit, cov estimators.CovType, wild *Wild, diagnostics bool) (*Second, error) {
	p := &Second{fit: fit, model: m, cov: cov, meat: cov, wild: wild, k: len(fit.Coef)}
	p.diag = diagnostics && cov != estimators.Classical && fit.HasAnalyticSE() && len(fit.DiagnosticMeats(cov)) > 0
	if !fit.HasAnalyticSE() {
		if wild != nil {
			return nil, estimators.InputErrorf("%s has no scores for a wild bootstrap of streamed data; bootstrap it in memory", fit.Method)
		}
		p.meat = estimators.Classical
		return p, nil
	}
	if p.meat == estimators.Classical && wild != nil && m.Cluster != "" {
		p.meat = estimators.CR0 // the clusters' score sums
	}
	p.rowWild = wild != nil && m.Cluster == ""
	return p, nil
}

// Fit returns the fit the pass belongs to.
func (p *Second) Fit() *iv.Fit { return p.fit }

// Needed reports whether the pass reads the data.
func (p *Second) Needed() bool { return p.meat != estimators.Classical || p.rowWild || p.diag }

// meats returns empty meats of the pass: the covariance's, then the
// diagnostics'.
func (p *Second) meats() []*estimators.Meat {
	var out []*estimators.Meat
	if p.meat != estimators.Classical {
		out = append(out, estimators.NewMeat(p.meat, p.k))
	}
	if p.diag {
		out = append(out, p.fit.DiagnosticMeats(p.cov)...)
	}
	return out
}

func (p *Second) newWild() *estimators.WildAccumulator {
	return estimators.NewWildAccumulator(p.wild.Reps, p.k, p.wild.Seed, p.wild.Mult)
}

// Unit returns a unit's contribution to the second pass; unit locates its
// rows in the plan (for messages and the rows' bootstrap keys).
func (p *Second) Unit(fr *ckio.Frame, unit ckio.Unit) (vals []float64, keys []string, err error) {
	if fr.N == 0 {
		return nil, nil, nil
	}
	d := p.model.Data(fr)
	meats := p.meats()
	if len(meats) > 0 {
		var codes []int
		var levels []string
		if p.model.Cluster != "" {
			codes, levels = fr.Codes(p.model.Cluster)
		}
		rest := meats
		if p.meat != estimators.Classical {
			if err := p.fit.AddMeat(meats[0], d, int(unit.Offset), codes, levels); err != nil {
				return nil, nil, err
			}
			rest = meats[1:]
		}
		if p.diag {
			if err := p.fit.AddDiagnosticMeats(rest, d, int(unit.Offset), codes, levels); err != nil {
				return nil, nil, err
			}
		}
		vals, keys = encodeMeats(meats)
	}
	if p.rowWild {
		w := p.newWild()
		if err := p.fit.AddWild(w, d, p.model.rowKeys(fr, unit, false)); err != nil {
			return nil, nil, err
		}
		vals = append(vals, w.T...)
	}
	return vals, keys, nil
}

// Finish merges the second pass's states in the order given (unit order)
// and returns the covariance, the bootstrap replicates (nil without a
// bootstrap) and the diagnostics' meats (nil unless asked for). Without a
// second pass (Needed false), states are ignored.
func (p *Second) Finish(states []ckio.PartialState) (*estimators.Covariance, *mat.Dense, []*estimators.Meat, error) {
	if !p.fit.HasAnalyticSE() {
		return nil, nil, nil, nil
	}
	merged := p.meats()
	var wild *estimators.WildAccumulator
	if p.wild != nil {
		wild = p.newWild()
	}
	for _, st := range states {
		vals := st.Vals
		if len(vals) == 0 {
			continue // a unit without complete rows
		}
		if len(merged) > 0 {
			parts, rest, err := decodeMeats(merged, vals, st.Keys)
			if err != nil {
				return nil, nil, nil, fmt.Errorf("unit %d: %w", st.Unit, err)
			}
			for k, m := range parts {
				merged[k].Merge(m)
			}
			vals = rest
		}
		if p.rowWild {
			part := p.newWild()
			if part.Decode(vals) != nil {
				return nil, nil, nil, estimators.InputErrorf("unit %d: malformed bootstrap state in a partial result", st.Unit)
			}
			wild.Merge(part)
		}
	}
	var meat *estimators.Meat
	diag := merged
	if p.meat != estimators.Classical {
		meat, diag = merged[0], merged[1:]
	}
	if !p.diag {
		diag = nil
	}
	var cov *estimators.Covariance
	var err error
	if p.cov == estimators.Classical {
		cov, err = p.fit.Cov(estimators.CovOptions{Type: p.cov})
	} else {
		cov, err = p.fit.MeatCov(meat)
	}
	if err != nil || wild == nil {
		return cov, nil, diag, err
	}
	if p.model.Cluster != "" {
		if meat.Clusters() < 2 {
			return nil, nil, nil, estimators.InputErrorf("the wild cluster bootstrap needs at least 2 clusters; %q has %d", p.model.Cluster, meat.Clusters())
		}
		wild.AddSums(meat.ClusterSums())
	}
	reps, err := p.fit.WildReplicates(wild)
	return cov, reps, diag, err
}

// encodeMeats encodes several meats of the same rows: their numbers, each
// preceded by its length, after their count; the cluster names are the
// same for all, so they are kept once.
func encodeMeats(meats []*estimators.Meat) (vals []float64, keys []string) {
	vals = append(vals, float64(len(meats)))
	var body []float64
	for k, m := range meats {
		v, names := m.Encode()
		vals = append(vals, float64(len(v)))
		body = append(body, v...)
		if k == 0 {
			keys = names
		}
	}
	return append(vals, body...), keys
}

// decodeMeats decodes meats like the templates from encodeMeats' output
// and returns the numbers after them.
func decodeMeats(templates []*estimators.Meat, vals []float64, keys []string) ([]*estimators.Meat, []float64, error) {
	bad := estimators.InputErrorf("malformed covariance state in a partial result")
	if len(vals) < 1+len(templates) || int(vals[0]) != len(templates) {
		return nil, nil, bad
	}
	lens := vals[1 : 1+len(templates)]
	vals = vals[1+len(templates):]
	out := make([]*estimators.Meat, len(templates))
	for k, t := range templates {
		n := int(lens[k])
		if n < 0 || n > len(vals) {
			return nil, nil, bad
		}
		m, err := estimators.DecodeMeat(t.Type, t.Dim, vals[:n], keys)
		if err != nil {
			return nil, nil, err
		}
		out[k], vals = m, vals[n:]
	}
	return out, vals, nil
}
