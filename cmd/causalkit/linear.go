package main

import (
	"fmt"
	"slices"

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

// stream fits the model over the streamer's row groups: pass 1 reduces
// each row group to its QR factor and merges them in row-group order; a
// robust or cluster covariance takes pass 2, which does the same with the
// sandwich meat. cluster is the cluster column ("" for none).
func (m *linearModel) stream(s *streamer, data string, opt iv.Options, covType estimators.CovType, cluster string) (*iv.Fit, *estimators.Covariance, estimators.Input, error) {
	var input estimators.Input
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
		return nil, nil, input, err
	}
	input = s.input(data, states)
	acc, err := iv.NewAccumulator(names)
	if err != nil {
		return nil, nil, input, err
	}
	for _, st := range states {
		part, _ := iv.NewAccumulator(names)
		if err := part.Decode(st.Vals); err != nil {
			return nil, nil, input, fmt.Errorf("%s: %w", s.plan.Name(st.Unit), err)
		}
		acc.Merge(part)
	}
	if input.Dropped > 0 {
		s.notef("dropped %d of %d rows with missing values (use --na error to stop instead)", input.Dropped, input.Rows)
	}
	fit, err := acc.Fit(opt)
	if err != nil {
		return nil, nil, input, err
	}
	if !fit.HasAnalyticSE() {
		return fit, nil, input, nil
	}
	if covType == estimators.Classical {
		cov, err := fit.Cov(estimators.CovOptions{Type: covType})
		return fit, cov, input, err
	}
	k := len(fit.Coef)
	states, err = s.pass(2, spec, func(u int, _ *ckio.Table, fr *ckio.Frame) (unitResult, error) {
		meat := estimators.NewMeat(covType, k)
		if fr.N > 0 {
			var codes []int
			var levels []string
			if cluster != "" {
				codes, levels = fr.Codes(cluster)
			}
			if err := fit.AddMeat(meat, m.data(fr), int(s.plan.Units[u].Offset), codes, levels); err != nil {
				return unitResult{}, err
			}
		}
		vals, keys := meat.Encode()
		return unitResult{vals: vals, keys: keys}, nil
	})
	if err != nil {
		return nil, nil, input, err
	}
	meat := estimators.NewMeat(covType, k)
	for _, st := range states {
		part, err := estimators.DecodeMeat(covType, k, st.Vals, st.Keys)
		if err != nil {
			return nil, nil, input, fmt.Errorf("%s: %w", s.plan.Name(st.Unit), err)
		}
		meat.Merge(part)
	}
	cov, err := fit.MeatCov(meat)
	return fit, cov, input, err
}
