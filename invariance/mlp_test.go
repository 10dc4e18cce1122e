package invariance

import (
	"math"
	"testing"
)

// TestSigmoidTable checks the interpolated logistic function against the
// formula (absolute error below 1e-9, exact outside the table).
func TestSigmoidTable(t *testing.T) {
	for a := -45.0; a <= 45; a += 0.000731 {
		want := 1 / (1 + math.Exp(-a))
		if d := math.Abs(sigmoid(a) - want); d > 1e-9 {
			t.Fatalf("sigmoid(%v) = %v, want %v", a, sigmoid(a), want)
		}
	}
	if sigmoid(math.Inf(1)) != 1 || sigmoid(math.Inf(-1)) != 0 || !math.IsNaN(sigmoid(math.NaN())) {
		t.Error("limits")
	}
}

// TestMLPGradient checks the hand-written gradients of the network
// against central finite differences.
func TestMLPGradient(t *testing.T) {
	x := [][]float64{{0.3, -1.2, 2.0}, {1.5, 0.1, -0.7}}
	g := []float64{0.7, -0.2, 1.1} // ∂L/∂out
	m := NewMLP(2, 3, InitConstant, nil)
	copy(m.theta, []float64{0.5, -0.3, 1.2, 0.8, -1.1, 0.4, 0.1, -0.2, 0.3, 0.9, -0.6, 1.3, 0.05})
	loss := func() float64 {
		out := make([]float64, 3)
		m.Eval(x, out)
		var l float64
		for i := range out {
			l += g[i] * out[i]
		}
		return l
	}
	s := newActs(3, 3)
	m.forward(x, make([]float64, 3), s)
	dth := make([]float64, len(m.theta))
	dx := [][]float64{make([]float64, 3), make([]float64, 3)}
	m.backward(x, s, g, dth, dx, make([]float64, 3))
	const h = 1e-6
	for k := range m.theta {
		old := m.theta[k]
		m.theta[k] = old + h
		up := loss()
		m.theta[k] = old - h
		down := loss()
		m.theta[k] = old
		if num := (up - down) / (2 * h); math.Abs(num-dth[k]) > 1e-6 {
			t.Errorf("∂/∂θ%d: %v, numerical %v", k, dth[k], num)
		}
	}
	for j := range x {
		for i := range x[j] {
			old := x[j][i]
			x[j][i] = old + h
			up := loss()
			x[j][i] = old - h
			down := loss()
			x[j][i] = old
			if num := (up - down) / (2 * h); math.Abs(num-dx[j][i]) > 1e-6 {
				t.Errorf("∂/∂x[%d][%d]: %v, numerical %v", j, i, dx[j][i], num)
			}
		}
	}
}
