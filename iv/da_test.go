package iv

import (
	"math"
	"os"
	"strconv"
	"testing"

	"github.com/causalkit/causalkit/estimators"
)

// experiment runs the paper's linear simulation (specs/iv.md §2) for sems
// SEM draws with n rows each, κ = γ = 1, and returns the mean nCER of each
// estimator (keys "ERM", "DA+ERM", "DA+IVL-CV", "DA+IVL α=…").
func experiment(t *testing.T, sems, n int, alphas []float64) (mean, se map[string]float64) {
	t.Helper()
	vals := map[string][]float64{}
	for s := range sems {
		rng := estimators.Stream(42, uint64(s))
		sem := NewLinearSEM(32, 32, rng)
		x, y := sem.Sample(n, 1, rng)
		aug := NullSpaceTranslation(sem.F, 1)
		erm, err := olsCoef(x, y)
		if err != nil {
			t.Fatal(err)
		}
		vals["ERM"] = append(vals["ERM"], NormalizedCausalError(erm, sem.F))
		seed := uint64(1000 + s)
		for name, opt := range map[string]DAOptions{
			"DA+ERM":    {Method: DAERM, Seed: seed},
			"DA+IV":     {Method: DAIV, Seed: seed},
			"DA+IVL-CV": {Method: DAIVL, Seed: seed, Select: SelectOptions{Selector: HoldOutCV}},
		} {
			fit, err := FitDA(x, y, aug, opt)
			if err != nil {
				t.Fatal(name, err)
			}
			vals[name] = append(vals[name], NormalizedCausalError(fit.Coef, sem.F))
		}
		for _, a := range alphas {
			fit, err := FitDA(x, y, aug, DAOptions{Method: DAIVL, Alpha: a, Seed: seed})
			if err != nil {
				t.Fatal(err)
			}
			name := "α=" + formatAlpha(a)
			vals[name] = append(vals[name], NormalizedCausalError(fit.Coef, sem.F))
		}
	}
	mean, se = map[string]float64{}, map[string]float64{}
	for k, v := range vals {
		var m, ss float64
		for _, e := range v {
			m += e
		}
		m /= float64(len(v))
		for _, e := range v {
			ss += (e - m) * (e - m)
		}
		mean[k], se[k] = m, math.Sqrt(ss/float64(len(v)-1)/float64(len(v)))
	}
	return mean, se
}

func formatAlpha(a float64) string { return strconv.FormatFloat(a, 'g', -1, 64) }

// TestDASimulationSmoke runs 6 SEM draws of the paper's experiment and
// checks the ordering the paper reports, ERM > DA+ERM > DA+IVL-CV, with
// values near the reference re-run (specs/iv.md §2.3: 0.384, 0.076, 0.040
// with s.e. 0.032, 0.0064, 0.0037 over 32 draws).
func TestDASimulationSmoke(t *testing.T) {
	mean, se := experiment(t, 6, 2048, nil)
	t.Logf("nCER mean %v se %v", mean, se)
	if !(mean["ERM"] > mean["DA+ERM"] && mean["DA+ERM"] > mean["DA+IVL-CV"]) {
		t.Errorf("ordering ERM > DA+ERM > DA+IVL-CV fails: %v", mean)
	}
	// DA+IV with discretised instruments does worse than DA+ERM (reference
	// re-run: 0.276 ± 0.027).
	if !(mean["DA+IV"] > mean["DA+ERM"]) {
		t.Errorf("DA+IV %.4f not worse than DA+ERM %.4f", mean["DA+IV"], mean["DA+ERM"])
	}
	for k, ref := range map[string]float64{"ERM": 0.384, "DA+ERM": 0.0762, "DA+IVL-CV": 0.0404} {
		if math.Abs(mean[k]-ref) > 0.5*ref {
			t.Errorf("%s nCER %.4f, reference %.4f", k, mean[k], ref)
		}
	}
}

// TestDASimulationLong is the full experiment (32 SEMs, n = 2048) with the
// α sweep; run with CAUSALKIT_LONG=1.
func TestDASimulationLong(t *testing.T) {
	if os.Getenv("CAUSALKIT_LONG") == "" {
		t.Skip("set CAUSALKIT_LONG=1 for the full DA simulation")
	}
	alphas := []float64{1e-5, 2.7e-4, 7.2e-3, 0.19, 5.2, 139, 3.7e3, 1e5}
	mean, se := experiment(t, 32, 2048, alphas)
	for k := range mean {
		t.Logf("%-14s nCER %.4f ± %.4f", k, mean[k], se[k])
	}
	for k, ref := range map[string]float64{"ERM": 0.384, "DA+ERM": 0.0762, "DA+IVL-CV": 0.0404} {
		if math.Abs(mean[k]-ref) > 3*math.Hypot(se[k], ref*se[k]/mean[k]) {
			t.Errorf("%s nCER %.4f ± %.4f, reference %.4f", k, mean[k], se[k], ref)
		}
	}
	// U shape: the minimum over the sweep is at an interior α near 1e-2,
	// and large α approaches DA+ERM.
	best := 0
	for i, a := range alphas {
		if mean["α="+formatAlpha(a)] < mean["α="+formatAlpha(alphas[best])] {
			best = i
		}
	}
	if alphas[best] < 1e-4 || alphas[best] > 1 {
		t.Errorf("DA+IVL_α minimum at α = %g, want near 1e-2", alphas[best])
	}
	if e := math.Abs(mean["α=100000"] - mean["DA+ERM"]); e > 0.01 {
		t.Errorf("α = 1e5 nCER %.4f, DA+ERM %.4f", mean["α=100000"], mean["DA+ERM"])
	}
}
