package iv

import (
	"context"
	"math"
	"testing"

	"github.com/causalkit/causalkit/estimators"
)

// TestFrequencyWeights checks that integer weights give the estimates of
// the data with each row repeated that many times, for every method.
func TestFrequencyWeights(t *testing.T) {
	d := cardData(t, "CARD2")
	n := len(d.Y)
	w := make([]float64, n)
	for i := range w {
		w[i] = float64(1 + i%3)
	}
	rep := func(c []float64) []float64 {
		var out []float64
		for i, v := range c {
			for range int(w[i]) {
				out = append(out, v)
			}
		}
		return out
	}
	e := &Data{Y: rep(d.Y), EndogNames: d.EndogNames, ExogNames: d.ExogNames, InstrumentNames: d.InstrumentNames}
	for _, c := range d.Endog {
		e.Endog = append(e.Endog, rep(c))
	}
	for _, c := range d.Exog {
		e.Exog = append(e.Exog, rep(c))
	}
	for _, c := range d.Instruments {
		e.Instruments = append(e.Instruments, rep(c))
	}
	d.Weights = w
	for _, opt := range []Options{{}, {Method: LIML}, {Method: OLS}, {Method: IVL, Alpha: 0.1}, {Method: Anchor, Gamma: 0}} {
		a, err := Estimate(d, opt)
		if err != nil {
			t.Fatal(err)
		}
		b, err := Estimate(e, opt)
		if err != nil {
			t.Fatal(err)
		}
		for j := range a.Coef {
			if relErr(a.Coef[j], b.Coef[j]) > 1e-9 {
				t.Errorf("%s coef %d: weighted %.15g, repeated %.15g", opt.Method, j, a.Coef[j], b.Coef[j])
			}
		}
		if relErr(a.RSS, b.RSS) > 1e-9 {
			t.Errorf("%s RSS %g vs %g", opt.Method, a.RSS, b.RSS)
		}
	}
}

// TestIVBootstrap checks that replicates are bit-identical for any number
// of workers and that the pairs-bootstrap standard error of 2SLS is close
// to the HC0 one.
func TestIVBootstrap(t *testing.T) {
	d := cardData(t, "CARD1")
	f, err := Estimate(d, Options{})
	if err != nil {
		t.Fatal(err)
	}
	run := func(workers int, scheme estimators.Resampling) []float64 {
		reps, failed, err := f.Bootstrap(context.Background(), Options{}, BootOptions{
			BootOptions: estimators.BootOptions{Reps: 200, Seed: 3, Workers: workers}, Scheme: scheme})
		if err != nil || failed != 0 {
			t.Fatal(err, failed)
		}
		return reps.RawMatrix().Data
	}
	for _, scheme := range []estimators.Resampling{estimators.Pairs, estimators.Wild} {
		a, b := run(1, scheme), run(3, scheme)
		for i := range a {
			if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
				t.Fatalf("%s: replicate value %d differs between 1 and 3 workers", scheme, i)
			}
		}
	}
	reps, _, _ := f.Bootstrap(context.Background(), Options{}, BootOptions{
		BootOptions: estimators.BootOptions{Reps: 400, Seed: 5}, Scheme: estimators.Pairs})
	s := estimators.Summarize(f.Coef, reps, 0.95, estimators.Percentile)
	hc0, _ := f.Cov(estimators.CovOptions{Type: estimators.HC0})
	educ := len(d.Exog)
	if e := relErr(s.SE[educ], SE(hc0)[educ]); e > 0.2 {
		t.Errorf("bootstrap se %g, HC0 %g", s.SE[educ], SE(hc0)[educ])
	}
}
