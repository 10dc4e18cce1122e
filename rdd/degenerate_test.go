package rdd

import (
	"errors"
	"math"
	"testing"

	"github.com/causalkit/causalkit/estimators"
)

// TestDegenerateInputs feeds data sets that break the selectors or the fits
// and requires either a result with finite numbers or an input error —
// never a panic or a NaN presented as an estimate.
func TestDegenerateInputs(t *testing.T) {
	n := 200
	base := func(f func(i int, x float64) (y, xo float64)) *Data {
		d := &Data{Y: make([]float64, n), X: make([]float64, n)}
		for i := range n {
			x := -1 + 2*float64(i)/float64(n-1)
			d.Y[i], d.X[i] = f(i, x)
		}
		return d
	}
	cases := map[string]*Data{
		"constant y":     base(func(i int, x float64) (float64, float64) { return 3, x }),
		"three x values": base(func(i int, x float64) (float64, float64) { return float64(i % 5), math.Round(x) }),
		"two values per side": base(func(i int, x float64) (float64, float64) {
			return float64(i % 3), math.Copysign(0.5+0.5*float64(i%2), x)
		}),
		"exact line":  base(func(i int, x float64) (float64, float64) { return 1 + 2*x, x }),
		"tiny sample": {Y: []float64{1, 2, 3, 4, 5, 6}, X: []float64{-3, -2, -1, 1, 2, 3}},
	}
	for name, d := range cases {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s: panic %v", name, r)
				}
			}()
			res, err := Estimate(d, DefaultOptions())
			if err != nil {
				if !errors.Is(err, estimators.ErrInput) {
					t.Errorf("%s: error %v is not an input error", name, err)
				}
				return
			}
			for _, l := range []Line{res.Conventional, res.BiasCorrected, res.Robust} {
				if math.IsNaN(l.Coef) || math.IsInf(l.Coef, 0) {
					t.Errorf("%s: non-finite estimate %v", name, l.Coef)
				}
			}
		}()
	}
}
