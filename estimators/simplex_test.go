package estimators_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/floats"

	"github.com/causalkit/causalkit/estimators"
)

func TestProjectSimplex(t *testing.T) {
	// Closed forms: x_i = max(v_i − θ, 0) with θ solved by hand.
	tests := []struct {
		v, want []float64
	}{
		{[]float64{7}, []float64{1}},
		{[]float64{-3}, []float64{1}},
		{[]float64{0.2, 0.3, 0.5}, []float64{0.2, 0.3, 0.5}},                  // already feasible, θ = 0
		{[]float64{1, 1}, []float64{0.5, 0.5}},                                // θ = 0.5
		{[]float64{0, 0, 0, 0}, []float64{0.25, 0.25, 0.25, 0.25}},            // θ = −1/4
		{[]float64{2, 0}, []float64{1, 0}},                                    // θ = 1
		{[]float64{0.5, 0.5, 3}, []float64{0, 0, 1}},                          // θ = 2
		{[]float64{1, 0.5, -1}, []float64{0.75, 0.25, 0}},                     // θ = 1/4
		{[]float64{-1, 0.5, 1, 0.5}, []float64{0, 1.0 / 6, 2.0 / 3, 1.0 / 6}}, // θ = 1/3
	}
	for _, tc := range tests {
		got := estimators.ProjectSimplex(nil, tc.v)
		if !floats.EqualApprox(got, tc.want, 1e-15) {
			t.Errorf("ProjectSimplex(%v) = %v, want %v", tc.v, got, tc.want)
		}
		v := slices.Clone(tc.v)
		if estimators.ProjectSimplex(v, v); !floats.Equal(v, got) {
			t.Errorf("ProjectSimplex(%v) in place = %v, want %v", tc.v, v, got)
		}
	}
}

// TestProjectSimplexKKT checks the optimality conditions of the projection on
// random input: x ≥ 0, Σx = 1, v_i − x_i = θ on the support of x and
// v_i ≤ θ off it; equivalently (v − x)ᵀ(e_k − x) ≤ 0 for every vertex e_k.
func TestProjectSimplexKKT(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := range 500 {
		n := 1 + rng.IntN(40)
		v := make([]float64, n)
		scale := math.Pow(10, float64(rng.IntN(5)-2))
		for i := range v {
			v[i] = scale * rng.NormFloat64()
		}
		x := estimators.ProjectSimplex(make([]float64, n), v)
		if s := floats.Sum(x); math.Abs(s-1) > 1e-13 {
			t.Fatalf("trial %d: Σx = %v", trial, s)
		}
		theta := math.NaN()
		for i := range x {
			if x[i] < 0 {
				t.Fatalf("trial %d: x[%d] = %v < 0", trial, i, x[i])
			}
			if x[i] > 0 {
				if math.IsNaN(theta) {
					theta = v[i] - x[i]
				} else if math.Abs(v[i]-x[i]-theta) > 1e-13*(1+scale) {
					t.Fatalf("trial %d: v−x not constant on the support", trial)
				}
			}
		}
		var vx float64 // (v − x)ᵀx
		for i := range x {
			vx += (v[i] - x[i]) * x[i]
		}
		for k := range x {
			if g := (v[k] - x[k]) - vx; g > 1e-12*(1+scale) {
				t.Fatalf("trial %d: (v − x)ᵀ(e_%d − x) = %v > 0", trial, k, g)
			}
		}
	}
}

func TestProjectSimplexPanics(t *testing.T) {
	estimators.MustPanic(t, map[string]func(){
		"empty":    func() { estimators.ProjectSimplex(nil, nil) },
		"len(dst)": func() { estimators.ProjectSimplex(make([]float64, 1), []float64{1, 2}) },
		"NaN":      func() { estimators.ProjectSimplex(nil, []float64{1, math.NaN()}) },
		"Inf":      func() { estimators.ProjectSimplex(nil, []float64{math.Inf(-1), 1}) },
	})
}

func ExampleProjectSimplex() {
	// The closest probability vector to scores (1, 0.5, −1).
	fmt.Println(estimators.ProjectSimplex(nil, []float64{1, 0.5, -1}))
	// Output:
	// [0.75 0.25 0]
}
