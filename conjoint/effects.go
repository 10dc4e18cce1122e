package conjoint

import (
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/causalkit/causalkit/estimators"
)

// Estimate is one row of a conjoint result: an effect or mean of one level
// of one attribute (Level is "l1:l2" and Attribute "A:B" for an interaction
// effect). Baseline rows of AMCE tables have estimate 0 and undefined (NaN)
// inference. Undefined numbers encode as JSON null.
type Estimate struct {
	Term      string  `json:"term"` // "attribute:level"
	Attribute string  `json:"attribute"`
	Level     string  `json:"level"`
	Group     string  `json:"group,omitempty"` // subgroup (conditional effects and differences)
	Estimate  float64 `json:"estimate"`
	StdError  float64 `json:"std_error"`
	Statistic float64 `json:"statistic"`
	PValue    float64 `json:"p_value"`
	ConfLow   float64 `json:"conf_low"`
	ConfHigh  float64 `json:"conf_high"`
}

// MarshalJSON encodes e with NaN as null.
func (e Estimate) MarshalJSON() ([]byte, error) {
	type plain Estimate
	return estimators.MarshalJSON(plain(e))
}

// Row returns the shared tidy view of e.
func (e Estimate) Row() estimators.Row {
	return estimators.Row{Term: e.Term, Estimate: e.Estimate, StdError: e.StdError, Statistic: e.Statistic,
		PValue: e.PValue, ConfLow: e.ConfLow, ConfHigh: e.ConfHigh}
}

// fill sets the inference of e from its estimate and standard error: the
// statistic (est − h0)/se, its two-sided normal p-value and the Wald
// interval at level.
func (e *Estimate) fill(se, h0, level float64) {
	e.StdError = se
	e.Statistic, e.PValue, e.ConfLow, e.ConfHigh = math.NaN(), math.NaN(), math.NaN(), math.NaN()
	if math.IsNaN(e.Estimate) || !(se > 0) {
		if !math.IsNaN(e.Estimate) && se == 0 {
			e.ConfLow, e.ConfHigh = e.Estimate, e.Estimate
		}
		return
	}
	z := estimators.Normal.Quantile(0.5 + level/2)
	e.Statistic = (e.Estimate - h0) / se
	e.PValue = estimators.Normal.PValue(e.Statistic)
	e.ConfLow, e.ConfHigh = e.Estimate-z*se, e.Estimate+z*se
}

// linear is a set of estimates that are linear combinations c_jᵀb of one
// coefficient vector b with covariance V, so that any contrast between them
// has a standard error and a Wald test.
type linear struct {
	b      []float64
	v      *mat.SymDense
	combos [][]float64 // per estimate; nil for a baseline (identically 0) or undefined row
}

// value returns cᵀb and √(cᵀVc).
func (l *linear) value(c []float64) (est, se float64) {
	if c == nil {
		return math.NaN(), math.NaN()
	}
	for k, ck := range c {
		est += ck * l.b[k]
	}
	cv := mat.NewVecDense(len(c), c)
	return est, math.Sqrt(mat.Inner(cv, l.v, cv))
}

// contrast returns the combination of estimate i minus estimate j; a
// baseline row (nil combination, value 0) contributes nothing.
func (l *linear) contrast(i, j int, est []Estimate) ([]float64, bool) {
	c := make([]float64, len(l.b))
	for _, t := range []struct {
		k    int
		sign float64
	}{{i, 1}, {j, -1}} {
		if l.combos[t.k] == nil {
			if est[t.k].Estimate != 0 {
				return nil, false // undefined
			}
			continue
		}
		for q, v := range l.combos[t.k] {
			c[q] += t.sign * v
		}
	}
	return c, true
}
