package iv

import (
	"math/rand/v2"
	"testing"

	"github.com/causalkit/causalkit/estimators"
)

// benchData draws n rows with 10 exogenous regressors (plus intercept), one
// endogenous regressor and 3 instruments.
func benchData(n int) *Data {
	rng := rand.New(rand.NewPCG(1, 2))
	col := func() []float64 { return make([]float64, n) }
	d := &Data{Y: col(), Endog: [][]float64{col()}, EndogNames: []string{"d"}, Exog: [][]float64{ones(n)}, ExogNames: []string{"(Intercept)"}}
	for j := range 10 {
		d.Exog, d.ExogNames = append(d.Exog, col()), append(d.ExogNames, "w"+string(rune('0'+j)))
	}
	for j := range 3 {
		d.Instruments, d.InstrumentNames = append(d.Instruments, col()), append(d.InstrumentNames, "z"+string(rune('1'+j)))
	}
	for i := range n {
		var s float64
		for j := 1; j <= 10; j++ {
			d.Exog[j][i] = rng.NormFloat64()
			s += d.Exog[j][i]
		}
		v := rng.NormFloat64()
		dd := 0.1*s + v
		for j := range 3 {
			d.Instruments[j][i] = rng.NormFloat64()
			dd += 0.3 * d.Instruments[j][i]
		}
		d.Endog[0][i] = dd
		d.Y[i] = 1 + 2*dd + 0.1*s + 0.6*v + 0.8*rng.NormFloat64()
	}
	return d
}

// BenchmarkTSLSHC1 is 2SLS with HC1 errors and every diagnostic (robust
// first-stage F, Hansen J, Wu–Hausman, AR) on 1,000,000 rows, 10 exogenous
// regressors, 1 endogenous, 3 instruments, from memory.
func BenchmarkTSLSHC1(b *testing.B) {
	d := benchData(1_000_000)
	opt := estimators.CovOptions{Type: estimators.HC1}
	b.ReportAllocs()
	for b.Loop() {
		f, err := Estimate(d, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.Cov(opt); err != nil {
			b.Fatal(err)
		}
		if _, err := f.Diagnose(opt, 0.95); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSelectAlpha50 selects α by hold-out CV over a 50-point grid on the
// paper's simulation size (n = 2048, d = 32).
func BenchmarkSelectAlpha50(b *testing.B) {
	rng := estimators.Stream(42, 0)
	sem := NewLinearSEM(32, 32, rng)
	x, y := sem.Sample(2048, 1, rng)
	gx, g := NullSpaceTranslation(sem.F, 1)(x, estimators.Stream(42, 1))
	grid := make([]float64, 50)
	for i := range grid {
		grid[i] = 1e-5 * float64(int(1)<<uint(i/5))
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := SelectAlpha(x, gx, g, y, SelectOptions{Selector: HoldOutCV, Grid: grid}); err != nil {
			b.Fatal(err)
		}
	}
}
