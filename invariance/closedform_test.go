package invariance

import (
	"math"
	"testing"

	"github.com/causalkit/causalkit/estimators"
)

// hStarClosedForm is h*({X_S}) of spec §5.3,
// E[1{Y²<½}/(4(1−Y²)) + 1{Y²≥½}·Y²] for Y ~ N(0, 1) = 1.078642753950978
// (spec §5.3; the same for every σ). Recomputed here by quadrature as a
// check of the constant.
const hStarClosedForm = 1.078642753950978

// closedFormCase builds the toy of spec §5.3 with σ = 0.5: Y ~ N(0, 1), the
// mutable child M (set by the adversary as J(Y)) and the stable child
// S := Y·M + σε, regenerated with its true equation y·m plus the residual
// σε of each row. f_S is the true stable predictor
// f(x_s, x_m) = x_m x_s/(x_m² + σ²).
func closedFormCase(n int, seed uint64, noisy bool) (map[string][]float64, Function, Adversary) {
	const sigma = 0.5
	rng := estimators.Stream(seed, 0)
	y, eps := make([]float64, n), make([]float64, n)
	for i := range n {
		y[i] = rng.NormFloat64()
		eps[i] = sigma * rng.NormFloat64()
	}
	data := map[string][]float64{"Y": y, "M": make([]float64, n), "S": make([]float64, n)}
	// Equation of S, inputs (M, Y) in natural order.
	eq := FuncOf(2, func(in [][]float64, out []float64) {
		for i := range out {
			out[i] = in[0][i] * in[1][i]
		}
	}, func(in [][]float64, g []float64, din [][]float64) {
		for i, gi := range g {
			if din[0] != nil {
				din[0][i] += gi * in[1][i]
			}
			if din[1] != nil {
				din[1][i] += gi * in[0][i]
			}
		}
	})
	// f(x_s, x_m), inputs (S, M).
	f := FuncOf(2, func(in [][]float64, out []float64) {
		for i := range out {
			s, m := in[0][i], in[1][i]
			out[i] = m * s / (m*m + sigma*sigma)
		}
	}, func(in [][]float64, g []float64, din [][]float64) {
		for i, gi := range g {
			s, m := in[0][i], in[1][i]
			d := m*m + sigma*sigma
			if din[0] != nil {
				din[0][i] += gi * m / d
			}
			if din[1] != nil {
				din[1][i] += gi * s * (sigma*sigma - m*m) / (d * d)
			}
		}
	})
	adv := Adversary{
		Order:          []string{"M", "S"},
		MutableParents: map[string][]string{"M": {"Y"}},
		Regen:          map[string][]string{"S": {"M", "Y"}},
		Equations:      map[string]Function{"S": eq},
		Init:           InitRandom,
	}
	if noisy {
		adv.Noise = map[string][]float64{"S": eps}
	} else {
		adv.Init = InitConstant
	}
	return data, f, adv
}

func TestClosedFormConstant(t *testing.T) {
	// ∫ φ(y) [1{y²<½}/(4(1−y²)) + 1{y²≥½} y²] dy by the midpoint rule.
	var s float64
	const h = 1e-5
	for y := -12 + h/2; y < 12; y += h {
		v := y * y
		if v < 0.5 {
			v = 1 / (4 * (1 - y*y))
		}
		s += v * math.Exp(-y*y/2) / math.Sqrt(2*math.Pi) * h
	}
	if math.Abs(s-hStarClosedForm) > 1e-9 {
		t.Fatalf("quadrature %.12f, spec %.12f", s, hStarClosedForm)
	}
}

// TestClosedFormWorstCase runs the worst-case ascent on the toy of spec
// §5.3 (n = 4000): with noisy regeneration it must come within Monte Carlo
// error (2 standard errors of the mean loss) of h*({X_S}) = 1.0786 (and above h*(∅) = E[Y²] = 1, the empty
// set's risk); noise-free regeneration (the reference's) instead gives the
// sample E[Y²], hiding the effect.
func TestClosedFormWorstCase(t *testing.T) {
	const n = 4000
	data, f, adv := closedFormCase(n, 20230601, true)
	var ey2 float64
	for _, v := range data["Y"] {
		ey2 += v * v / n
	}
	// Monte Carlo standard error of a mean of n losses (variance ≈ 2).
	se := math.Sqrt(2.0 / n)
	h, trace := WorstCaseRisk(f, []string{"S", "M"}, "Y", data, adv, AscentOptions{}, estimators.Stream(1, 1))
	t.Logf("noisy: h = %.4f after %d records (E[Y²] = %.4f, closed form %.4f)", h, len(trace), ey2, hStarClosedForm)
	if math.Abs(h-hStarClosedForm) > 2*se || h < ey2+0.05 {
		t.Errorf("noisy regeneration: h = %.4f, want %.4f ± %.4f and above E[Y²] = %.4f", h, hStarClosedForm, 3*se, ey2)
	}
	// h*(∅): f_∅ = E[Y] = 0 whatever the adversary does.
	zero := FuncOf(2, func(_ [][]float64, out []float64) { clear(out) }, nil)
	h0, _ := WorstCaseRisk(zero, []string{"S", "M"}, "Y", data, adv, AscentOptions{}, estimators.Stream(1, 2))
	if math.Abs(h0-ey2) > 1e-12 {
		t.Errorf("h*(∅) = %.6f, want E[Y²] = %.6f", h0, ey2)
	}
	// The reference's choices: noise-free regeneration, constant init.
	data, f, adv = closedFormCase(n, 20230601, false)
	hp, _ := WorstCaseRisk(f, []string{"S", "M"}, "Y", data, adv, AscentOptions{Reference: true}, estimators.Stream(1, 3))
	t.Logf("noise-free (parity): h = %.4f", hp)
	if math.Abs(hp-ey2) > 0.01 {
		t.Errorf("noise-free regeneration: h = %.4f, want ≈ E[Y²] = %.4f", hp, ey2)
	}
}
