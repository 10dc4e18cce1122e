package rdd

import (
	"math"
	"os"
	"testing"

	"github.com/causalkit/causalkit/estimators"
)

// TestRobustCoverage is a Monte Carlo check that rdrobust's robust 95 %
// intervals cover the true jump at 0.93–0.97 on a smooth sharp design
// (x ~ U(−1, 1), y = 1 + 0.8x − 0.5x² + 0.5·1{x ≥ 0} + 0.3ε, n = 1000,
// 1000 replications). Run with CAUSALKIT_LONG=1; a 40-replication smoke
// version runs always and checks that the estimates centre on the truth.
func TestRobustCoverage(t *testing.T) {
	reps, n := 40, 1000
	long := os.Getenv("CAUSALKIT_LONG") != ""
	if long {
		reps = 1000
	}
	covered := 0
	var sum float64
	for r := range reps {
		rng := estimators.Stream(77, uint64(r))
		d := &Data{Y: make([]float64, n), X: make([]float64, n)}
		for i := range n {
			x := 2*rng.Float64() - 1
			y := 1 + 0.8*x - 0.5*x*x + 0.3*rng.NormFloat64()
			if x >= 0 {
				y += 0.5
			}
			d.X[i], d.Y[i] = x, y
		}
		res, err := Estimate(d, DefaultOptions())
		if err != nil {
			t.Fatal(err)
		}
		if res.Robust.Low <= 0.5 && 0.5 <= res.Robust.High {
			covered++
		}
		sum += res.Robust.Coef
	}
	cov := float64(covered) / float64(reps)
	mean := sum / float64(reps)
	t.Logf("robust coverage %.3f over %d replications, mean estimate %.4f", cov, reps, mean)
	if math.Abs(mean-0.5) > 0.03 {
		t.Errorf("mean robust estimate %.4f, truth 0.5", mean)
	}
	if long && (cov < 0.93 || cov > 0.97) {
		t.Errorf("coverage %.3f outside [0.93, 0.97]", cov)
	}
}
