package conjoint

import (
	"math"
	"testing"
	"time"
)

// TestLogitModelsTaxes: the profile-level and the pairwise (first =
// profile 1) logit models of chose_plan on taxrate1..6 equal R's glm with
// sandwich::vcovCL(type = "HC1") clustered by ID (reference.json;
// coefficients to 1e-7 and SEs to 1e-8, the accuracy of glm's default
// convergence criterion).
func TestLogitModelsTaxes(t *testing.T) {
	d, x := loadTaxes(t, taxAttrs[:6])
	for _, c := range []struct {
		key      string
		pairwise bool
	}{{"taxes_profile_logit", false}, {"taxes_pairwise_logit", true}} {
		m, err := FitModel(d, x, ModelOptions{Link: Logit, Pairwise: c.pairwise})
		if err != nil {
			t.Fatal(err)
		}
		var want []refRow
		reference(t, c.key, &want)
		if len(want) != len(m.Coef) {
			t.Fatalf("%s: %d coefficients, want %d", c.key, len(m.Coef), len(want))
		}
		for j, w := range want {
			if se := sqrtAt(m, j); !near(m.Coef[j], w.Estimate, 1e-7) || !near(se, *w.StdError, 1e-8) {
				t.Errorf("%s %s: %.10g (%.10g), want %.10g (%.10g)", c.key, w.Term, m.Coef[j], se, w.Estimate, *w.StdError)
			}
		}
		if c.pairwise && m.N != 16000 {
			t.Errorf("pairwise rows %d, want 16000", m.N)
		}
	}
}

func sqrtAt(m *Model, j int) float64 {
	v := m.Cov.At(j, j)
	if v < 0 {
		return -1
	}
	return math.Sqrt(v)
}

// TestPolicyTaxes runs the spec's §5.6 cases: the profile-level LPM with L2
// (λ = 0.5, 0.25, 1) and KL (λ = 0.1, 0.05, 0.02), where the closed form and
// the block-coordinate ascent agree to 1e-13, and the pairwise logit with an
// opponent from the design, evaluated by enumerating 7680 profiles.
func TestPolicyTaxes(t *testing.T) {
	d, x := loadTaxes(t, taxAttrs[:6])
	lpm, err := FitModel(d, x, ModelOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p := d.Probs()
	obj, _ := newObjective(lpm, lpm.Coef, p)
	for _, c := range []struct {
		pen    Penalty
		lambda float64
	}{{L2, 0.5}, {L2, 0.25}, {L2, 1}, {KL, 0.1}, {KL, 0.05}, {KL, 0.02}} {
		res, err := Optimize(lpm, PolicyOptions{Lambda: c.lambda, Penalty: c.pen})
		if err != nil {
			t.Fatal(err)
		}
		bca, _, _ := solveBCA(obj, p, c.pen, c.lambda, p, 1e-15, 1000)
		if res.Method != "closed form" || maxDiff(res.Pi, bca) > 1e-13 || res.Residual > 1e-13 {
			t.Errorf("%s %g: method %s, closed form vs solver %g", c.pen, c.lambda, res.Method, maxDiff(res.Pi, bca))
		}
		if !near(res.DesignValue.Estimate, 0.5, 1e-3) || !(res.Value.Estimate > 0.5) || !(res.Value.StdError > 0) {
			t.Errorf("%s %g: value %+v, design %+v", c.pen, c.lambda, res.Value, res.DesignValue)
		}
	}
	start := time.Now()
	pl, err := FitModel(d, x, ModelOptions{Link: Logit, Pairwise: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		pen    Penalty
		lambda float64
	}{{L2, 0.5}, {KL, 0.1}} {
		res, err := Optimize(pl, PolicyOptions{Lambda: c.lambda, Penalty: c.pen, Restarts: 2})
		if err != nil {
			t.Fatal(err)
		}
		if res.Optima != 1 || res.Residual > 1e-12 || !(res.Value.Estimate > res.DesignValue.Estimate) {
			t.Errorf("pairwise logit %s %g: %+v", c.pen, c.lambda, res)
		}
		t.Logf("pairwise logit %s λ=%g: Q(p) = %.10f (%.10f), Q* = %.10f (%.10f), %d sweeps", c.pen, c.lambda,
			res.DesignValue.Estimate, res.DesignValue.StdError, res.Value.Estimate, res.Value.StdError, res.Sweeps)
	}
	t.Logf("pairwise logit fit and two policies: %v", time.Since(start))
}
