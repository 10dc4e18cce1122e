package conjoint

import (
	"fmt"
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/causalkit/causalkit/estimators"
)

// smallDesign is the spec's synthetic design (§5.7): L = (2, 3, 2), uniform,
// the last level of each attribute the reference.
func smallDesign() *Design {
	d := NewDesign([]string{"F1", "F2", "F3"}, [][]string{{"1", "2"}, {"1", "2", "3"}, {"1", "2"}})
	for a := range d.Attributes {
		d.Attributes[a].Baseline = len(d.Attributes[a].Levels) - 1
	}
	return d
}

// specTheta is §5.7's model: θ₀ = 0.1, β = (0.30, −0.20, 0.15, 0.25) for
// (F1:1, F2:1, F2:2, F3:1), γ(F1:1,F2:1) = 0.40, γ(F1:1,F2:2) = −0.30,
// γ(F1:1,F3:1) = 0.20, γ(F2:1,F3:1) = −0.25, γ(F2:2,F3:1) = 0.35, in the
// coding order (intercept, mains, then pairs (F1,F2), (F1,F3), (F2,F3)).
var specTheta = []float64{0.1, 0.30, -0.20, 0.15, 0.25, 0.40, -0.30, 0.20, -0.25, 0.35}

func mustModel(t *testing.T, d *Design, link Link, pairwise, inter bool, coef []float64) *Model {
	t.Helper()
	k := len(coef)
	cov := mat.NewSymDense(k, nil)
	for i := range k {
		cov.SetSym(i, i, 0.01)
	}
	m, err := NewModel(d, link, pairwise, inter, coef, cov)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// bruteForce maximises F by projected gradient ascent with Q evaluated by
// enumerating every profile (tableObj of an identity-link model behaves as
// the enumeration), independent of the block structure.
func bruteForce(obj objective, p [][]float64, pen Penalty, lambda float64) [][]float64 {
	pi := make([][]float64, len(p))
	for d := range p {
		pi[d] = append([]float64(nil), p[d]...)
	}
	g := make([]float64, 8)
	for range 200000 {
		var change float64
		for d := range p {
			obj.blockGrad(pi, d, g[:len(p[d])])
			v := make([]float64, len(p[d]))
			for l := range v {
				grad := g[l]
				if pen == L2 {
					grad -= 2 * lambda * (pi[d][l] - p[d][l])
				} else {
					grad += lambda * p[d][l] / pi[d][l]
				}
				v[l] = pi[d][l] + 0.05*grad
			}
			if pen == KL {
				for l := range v {
					v[l] = math.Max(v[l], 1e-12)
				}
			}
			estimators.ProjectSimplex(v, v)
			for l := range v {
				change = max(change, math.Abs(v[l]-pi[d][l]))
			}
			pi[d] = v
		}
		if change < 1e-15 {
			break
		}
	}
	return pi
}

// TestClosedFormsSolverBruteForce: on §5.7's design and model, the
// interactions closed form (λ = 1, 0.5), the exact block-coordinate ascent
// with closed-form (linearObj) and enumerated (tableObj) values, and a
// projected-gradient brute force over the enumerated value agree to 1e-10;
// at λ = 0.2 the linear system's solution is infeasible, there is no closed
// form, and the solver agrees with the brute force on the boundary
// optimum. The same for main-effect models with both penalties.
func TestClosedFormsSolverBruteForce(t *testing.T) {
	d := smallDesign()
	p := d.Probs()
	mains := specTheta[:5]
	for _, c := range []struct {
		inter  bool
		pen    Penalty
		lambda float64
		closed bool
	}{
		{true, L2, 1, true}, {true, L2, 0.5, true}, {true, L2, 0.2, false},
		{false, L2, 0.5, true}, {false, L2, 0.1, true}, {false, KL, 0.1, true}, {false, KL, 0.02, true},
		{true, KL, 0.1, false},
	} {
		name := fmt.Sprintf("inter=%v/%s/λ=%g", c.inter, c.pen, c.lambda)
		theta := mains
		if c.inter {
			theta = specTheta
		}
		m := mustModel(t, d, Identity, false, c.inter, theta)
		cf, ok := closedForm(m, p, c.pen, c.lambda)
		if ok != c.closed {
			t.Errorf("%s: closed form available = %v, want %v", name, ok, c.closed)
		}
		lin := newLinearObj(m, m.Coef, p)
		bca, _, resid := solveBCA(lin, p, c.pen, c.lambda, p, 1e-15, 100000)
		if resid > 1e-13 {
			t.Errorf("%s: residual %g", name, resid)
		}
		tab := tableOf(t, m, p)
		bcaT, _, _ := solveBCA(tab, p, c.pen, c.lambda, p, 1e-15, 100000)
		bf := bruteForce(tab, p, c.pen, c.lambda)
		if ok {
			if dd := maxDiff(cf, bca); dd > 1e-12 {
				t.Errorf("%s: closed form vs solver %g", name, dd)
			}
		}
		if dd := maxDiff(bca, bcaT); dd > 1e-12 {
			t.Errorf("%s: solver closed-form Q vs enumerated Q %g", name, dd)
		}
		if dd := maxDiff(bca, bf); dd > 1e-9 {
			t.Errorf("%s: solver vs brute force %g\n%v\n%v", name, dd, bca, bf)
		}
		if c.lambda == 0.2 && minProb(bca) != 0 {
			t.Errorf("%s: expected a boundary optimum, got %v", name, bca)
		}
		// Main effects, L2, interior: Q* = Q(p) + (1/(2λ)) Σ (β − β̄)².
		if !c.inter && c.pen == L2 && minProb(bca) > 0 {
			beta, _ := m.blocks(m.Coef)
			want := lin.value(p)
			for _, b := range beta {
				var mean float64
				for _, v := range b {
					mean += v / float64(len(b))
				}
				for _, v := range b {
					want += (v - mean) * (v - mean) / (2 * c.lambda)
				}
			}
			if got := lin.value(bca); !near(got, want, 1e-14) {
				t.Errorf("%s: Q* %v, closed form %v", name, got, want)
			}
		}
	}
}

func minProb(pi [][]float64) float64 {
	m := 1.0
	for _, b := range pi {
		for _, v := range b {
			m = math.Min(m, v)
		}
	}
	return m
}

// tableOf returns the enumerated objective of any model (identity links
// included), for cross-checks.
func tableOf(t *testing.T, m *Model, p [][]float64) *tableObj {
	t.Helper()
	o, err := newTableObj(m, m.Coef, p, true)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// TestTableMatchesLinear: the enumerated value of identity-link models
// (profile and pairwise) equals the closed form, with every derivative, at
// a random policy.
func TestTableMatchesLinear(t *testing.T) {
	d := smallDesign()
	p := d.Probs()
	pi := dirichletStart(p, 3, 1)
	for _, pairwise := range []bool{false, true} {
		m := mustModel(t, d, Identity, pairwise, true, specTheta)
		lin := newLinearObj(m, m.Coef, p)
		tab := tableOf(t, m, p)
		if a, b := lin.value(pi), tab.value(pi); !near(a, b, 1e-14) {
			t.Errorf("pairwise=%v: value %v vs %v", pairwise, a, b)
		}
		for dd := range p {
			g1, g2 := make([]float64, len(p[dd])), make([]float64, len(p[dd]))
			// The two are different extensions of Q off the simplex: block
			// gradients agree up to a constant (which no block maximiser
			// and no multiplier sees), so compare them centred.
			lin.blockGrad(pi, dd, g1)
			tab.blockGrad(pi, dd, g2)
			c1, c2 := centred(mat.NewDense(len(g1), 1, g1)), centred(mat.NewDense(len(g2), 1, g2))
			if !mat.EqualApprox(c1, c2, 1e-14) {
				t.Errorf("grad %d: %v vs %v", dd, g1, g2)
			}
			if !mat.EqualApprox(centred(lin.dBlockGrad(pi, dd)), centred(tab.dBlockGrad(pi, dd)), 1e-14) {
				t.Errorf("dBlockGrad %d differs", dd)
			}
			for e := range p {
				if e != dd && !mat.EqualApprox(centred(centred(lin.cross(pi, dd, e)).T()), centred(centred(tab.cross(pi, dd, e)).T()), 1e-14) {
					t.Errorf("cross %d %d differs", dd, e)
				}
			}
		}
		a, b := lin.dValue(pi), tab.dValue(pi) // on the simplex: equal
		for k := range a {
			if !near(a[k], b[k], 1e-14) {
				t.Errorf("dValue %d: %v vs %v", k, a[k], b[k])
			}
		}
	}
}

// TestJacobianFiniteDifferences: the implicit-function Jacobian of
// (Q*, π*) equals central finite differences of the re-solved optimum
// (h = 1e-6) to 1e-7, for linear and logit, profile and pairwise, L2 and
// KL, with and without interactions.
func TestJacobianFiniteDifferences(t *testing.T) {
	d := smallDesign()
	p := d.Probs()
	for _, c := range []struct {
		link     Link
		pairwise bool
		inter    bool
		pen      Penalty
		lambda   float64
	}{
		{Identity, false, true, L2, 1}, {Identity, false, true, L2, 0.2}, {Identity, false, false, KL, 0.05},
		{Identity, true, true, KL, 0.1}, {Logit, false, true, KL, 0.1}, {Logit, true, false, L2, 0.3},
		{Logit, true, true, KL, 0.05}, {Logit, false, false, L2, 0.1},
	} {
		name := fmt.Sprintf("%s/pairwise=%v/inter=%v/%s/%g", c.link, c.pairwise, c.inter, c.pen, c.lambda)
		theta := specTheta
		if !c.inter {
			theta = specTheta[:5]
		}
		m := mustModel(t, d, c.link, c.pairwise, c.inter, append([]float64(nil), theta...))
		opt := PolicyOptions{Lambda: c.lambda, Penalty: c.pen, Tol: 1e-15}
		res, err := Optimize(m, opt)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		const h = 1e-6
		for k := range m.Coef {
			solve := func(delta float64) []float64 {
				th := append([]float64(nil), m.Coef...)
				th[k] += delta
				obj, err := newObjective(m, th, p)
				if err != nil {
					t.Fatal(err)
				}
				pi, _, _ := solveBCA(obj, p, c.pen, c.lambda, res.Pi, 1e-15, 100000)
				out := []float64{obj.value(pi)}
				for _, b := range pi {
					out = append(out, b...)
				}
				return out
			}
			up, dn := solve(h), solve(-h)
			for r := range up {
				fd := (up[r] - dn[r]) / (2 * h)
				if !near(res.Jacobian[r][k], fd, 1e-7) {
					t.Errorf("%s: J[%d][%d] = %.10g, finite difference %.10g", name, r, k, res.Jacobian[r][k], fd)
				}
			}
		}
	}
}

// centred subtracts each column's mean from its entries.
func centred(m mat.Matrix) *mat.Dense {
	r, c := m.Dims()
	out := mat.DenseCopyOf(m)
	for j := range c {
		var s float64
		for i := range r {
			s += out.At(i, j)
		}
		for i := range r {
			out.Set(i, j, out.At(i, j)-s/float64(r))
		}
	}
	return out
}
