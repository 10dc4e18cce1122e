package conjoint

import (
	"math"
	"testing"
)

// TestSelectLambda: cross-validation on taxes (profile LPM, L2) is
// reproducible for a seed, evaluates every λ on every fold, and picks the
// λ with the largest mean held-out value; a huge λ keeps the policy at the
// design, whose held-out value is then the held-out model's Q(p).
func TestSelectLambda(t *testing.T) {
	d, x := loadTaxes(t, taxAttrs[:6])
	cv := CVOptions{Lambdas: []float64{0.05, 0.5, 1e9}, Folds: 2, Seed: 7}
	a, err := SelectLambda(d, x, ModelOptions{}, PolicyOptions{Penalty: L2}, cv)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := SelectLambda(d, x, ModelOptions{}, PolicyOptions{Penalty: L2}, cv)
	if a.Lambda != b.Lambda || a.Points[0].Value != b.Points[0].Value {
		t.Errorf("not reproducible: %+v vs %+v", a, b)
	}
	best := math.Inf(-1)
	for _, pt := range a.Points {
		if len(pt.Folds) != 2 || math.IsNaN(pt.Value) {
			t.Errorf("point %+v", pt)
		}
		best = math.Max(best, pt.Value)
	}
	for _, pt := range a.Points {
		if pt.Lambda == a.Lambda && pt.Value != best {
			t.Errorf("chose λ = %v with value %v, best %v", a.Lambda, pt.Value, best)
		}
	}
	if !near(a.Points[2].Value, 0.5, 2e-3) || a.Lambda == 1e9 {
		t.Errorf("huge λ: %+v (chosen %v)", a.Points[2], a.Lambda)
	}
	// Default grid: 10^{-4..0}·sd(Y).
	c, err := SelectLambda(d, x, ModelOptions{}, PolicyOptions{Penalty: KL}, CVOptions{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Points) != 5 || !near(c.Points[4].Lambda, 0.5000078126, 1e-9) {
		t.Errorf("default grid %+v", c.Points)
	}
}

// TestCrossfit: with λ huge the learned policy is the design, so the
// importance weights are 1, the policy and design values coincide and the
// gain is 0, and the effective sample size is N. At a moderate λ the learned policy beats the design out of fold (taxes, the
// pairwise logit: spec §1.8's dr_hajek).
func TestCrossfit(t *testing.T) {
	d, x := loadTaxes(t, taxAttrs[:6])
	r, err := Crossfit(d, x, ModelOptions{}, PolicyOptions{Lambda: 1e9, Penalty: L2}, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !near(r.Policy.Estimate, r.Design.Estimate, 1e-9) || !near(r.Gain.Estimate, 0, 1e-9) || !near(r.ESS, float64(r.N), 1e-3) {
		t.Errorf("λ = ∞: %+v", r)
	}
	p, err := Crossfit(d, x, ModelOptions{Link: Logit, Pairwise: true}, PolicyOptions{Lambda: 0.1, Penalty: KL}, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !(p.Gain.Estimate > 2*p.Gain.StdError) || p.N != 16000 || !(p.ESS < float64(p.N)) {
		t.Errorf("pairwise logit: %+v", p)
	}
	t.Logf("pairwise logit KL 0.1: policy %+v design %+v gain %+v ESS %.0f", p.Policy, p.Design, p.Gain, p.ESS)
}
