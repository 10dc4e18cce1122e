package main

import (
	"fmt"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/causalkit/causalkit/estimators"
	ckio "github.com/causalkit/causalkit/io"
	"github.com/causalkit/causalkit/iv"
)

// linearModel names the columns of a linear (IV) model: lm is one without
// endogenous regressors and instruments.
type linearModel struct {
	y                        string
	intercept                bool
	exog, endog, instruments []string
	weights                  string
}

// numeric returns the numeric columns the model reads.
func (m *linearModel) numeric() []string {
	cols := slices.Concat([]string{m.y}, m.endog, m.exog, m.instruments)
	if m.weights != "" {
		cols = append(cols, m.weights)
	}
	return cols
}

// data builds the model's columns from a frame (nil: only the names).
func (m *linearModel) data(fr *ckio.Frame) *iv.Data {
	col := func(name string) []float64 {
		if fr == nil {
			return nil
		}
		return fr.Float64(name)
	}
	d := &iv.Data{Y: col(m.y), YName: m.y}
	if m.intercept {
		n := 0
		if fr != nil {
			n = fr.N
		}
		d.Exog, d.ExogNames = append(d.Exog, ones(n)), append(d.ExogNames, "(Intercept)")
	}
	for _, c := range m.exog {
		d.Exog, d.ExogNames = append(d.Exog, col(c)), append(d.ExogNames, c)
	}
	for _, c := range m.endog {
		d.Endog, d.EndogNames = append(d.Endog, col(c)), append(d.EndogNames, c)
	}
	for _, c := range m.instruments {
		d.Instruments, d.InstrumentNames = append(d.Instruments, col(c)), append(d.InstrumentNames, c)
	}
	if m.weights != "" {
		d.Weights = col(m.weights)
	}
	return d
}

// wildBoot asks a streamed fit for a wild bootstrap: multipliers per row,
// or per cluster when the fit is clustered, drawn by Multiplier.At.
type wildBoot struct {
	reps int
	seed uint64
	mult estimators.Multiplier
}

// streamFit is a streamed fit: the coefficients, their covariance (nil
// without analytic errors) and the wild bootstrap replicates (nil unless
// asked for).
type streamFit struct {
	fit   *iv.Fit
	cov   *estimators.Covariance
	reps  *mat.Dense
	input estimators.Input
}

// stream fits the model over the streamer's row groups: pass 1 reduces
// each row group to its QR factor and merges them in row-group order; a
// robust or cluster covariance, or a wild bootstrap, takes pass 2, which
// does the same with the sandwich meat and the replicates' score sums.
// cluster is the cluster column ("" for none).
func (m *linearModel) stream(s *streamer, data string, opt iv.Options, covType estimators.CovType, cluster string, boot *wildBoot) (*streamFit, error) {
	out := &streamFit{}
	names := m.data(nil)
	spec := ckio.FrameSpec{Numeric: m.numeric(), NA: s.c.naPolicy()}
	if cluster != "" {
		spec.Categorical = []string{cluster}
	}
	states, err := s.pass(1, spec, func(_ int, _ *ckio.Table, fr *ckio.Frame) (unitResult, error) {
		a, err := iv.NewAccumulator(names)
		if err != nil {
			return unitResult{}, err
		}
		if fr.N > 0 {
			if err := a.Add(m.data(fr)); err != nil {
				return unitResult{}, err
			}
		}
		return unitResult{vals: a.Encode()}, nil
	})
	if err != nil {
		return nil, err
	}
	out.input = s.input(data, states)
	acc, err := iv.NewAccumulator(names)
	if err != nil {
		return nil, err
	}
	for _, st := range states {
		part, _ := iv.NewAccumulator(names)
		if err := part.Decode(st.Vals); err != nil {
			return nil, fmt.Errorf("%s: %w", s.plan.Name(st.Unit), err)
		}
		acc.Merge(part)
	}
	if out.input.Dropped > 0 {
		s.notef("dropped %d of %d rows with missing values (use --na error to stop instead)", out.input.Dropped, out.input.Rows)
	}
	fit, err := acc.Fit(opt)
	if err != nil {
		return nil, err
	}
	out.fit = fit
	if !fit.HasAnalyticSE() {
		if boot != nil {
			return nil, usagef("--method %s has no scores for a wild bootstrap of streamed data; raise --memory-limit to bootstrap in memory", opt.Method)
		}
		return out, nil
	}
	// The meat of pass 2: the covariance's, or for a wild cluster
	// bootstrap of an unadjusted fit the clusters' score sums.
	meatType := covType
	if meatType == estimators.Classical && boot != nil && cluster != "" {
		meatType = estimators.CR0
	}
	rowWild := boot != nil && cluster == ""
	if meatType == estimators.Classical && !rowWild {
		out.cov, err = fit.Cov(estimators.CovOptions{Type: covType})
		return out, err
	}
	k := len(fit.Coef)
	newWild := func() *estimators.WildAccumulator {
		return estimators.NewWildAccumulator(boot.reps, k, boot.seed, boot.mult)
	}
	states, err = s.pass(2, spec, func(u int, _ *ckio.Table, fr *ckio.Frame) (unitResult, error) {
		var res unitResult
		if fr.N == 0 {
			return res, nil
		}
		d := m.data(fr)
		if meatType != estimators.Classical {
			meat := estimators.NewMeat(meatType, k)
			var codes []int
			var levels []string
			if cluster != "" {
				codes, levels = fr.Codes(cluster)
			}
			if err := fit.AddMeat(meat, d, int(s.plan.Units[u].Offset), codes, levels); err != nil {
				return res, err
			}
			res.vals, res.keys = meat.Encode()
		}
		if rowWild {
			unit := s.plan.Units[u]
			keys := make([]uint64, fr.N)
			for i, r := range fr.Rows {
				keys[i] = uint64(unit.File)<<40 | uint64(unit.Offset+int64(r))
			}
			w := newWild()
			if err := fit.AddWild(w, d, keys); err != nil {
				return res, err
			}
			res.vals = append(res.vals, w.T...)
		}
		return res, nil
	})
	if err != nil {
		return nil, err
	}
	meat := estimators.NewMeat(meatType, k)
	var wild *estimators.WildAccumulator
	if boot != nil {
		wild = newWild()
	}
	for _, st := range states {
		vals := st.Vals
		if len(vals) == 0 {
			continue // a row group without complete rows
		}
		if rowWild {
			tail := len(vals) - boot.reps*k
			part := newWild()
			if tail < 0 || part.Decode(vals[tail:]) != nil {
				return nil, fmt.Errorf("%s: malformed bootstrap state", s.plan.Name(st.Unit))
			}
			wild.Merge(part)
			vals = vals[:tail]
		}
		if meatType != estimators.Classical {
			part, err := estimators.DecodeMeat(meatType, k, vals, st.Keys)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", s.plan.Name(st.Unit), err)
			}
			meat.Merge(part)
		}
	}
	if covType == estimators.Classical {
		out.cov, err = fit.Cov(estimators.CovOptions{Type: covType})
	} else {
		out.cov, err = fit.MeatCov(meat)
	}
	if err != nil {
		return nil, err
	}
	if boot != nil {
		if cluster != "" {
			if meat.Clusters() < 2 {
				return nil, estimators.InputErrorf("the wild cluster bootstrap needs at least 2 clusters; %q has %d", cluster, meat.Clusters())
			}
			wild.AddSums(meat.ClusterSums())
		}
		if out.reps, err = fit.WildReplicates(wild); err != nil {
			return nil, err
		}
	}
	return out, nil
}
