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

func TestIsotonic(t *testing.T) {
	tests := []struct {
		name    string
		y, w    []float64
		want    []float64
		tol     float64
		comment string
	}{
		{
			name: "brief example", y: []float64{1, 3, 2, 4, 3.5, 5},
			want: []float64{1, 2.5, 2.5, 3.75, 3.75, 5}, // by hand; R isoreg gives the same
		},
		{name: "empty", y: []float64{}, want: []float64{}},
		{name: "single", y: []float64{-2}, want: []float64{-2}},
		{name: "decreasing", y: []float64{3, 2, 1}, want: []float64{2, 2, 2}},
		{name: "ties kept", y: []float64{1, 1, 0, 2, 2}, want: []float64{2.0 / 3, 2.0 / 3, 2.0 / 3, 2, 2}},
		// Weighted cases, by hand:
		// (3·1 + 1·3)/4 = 1.5.
		{name: "weighted pair", y: []float64{3, 1}, w: []float64{1, 3}, want: []float64{1.5, 1.5}},
		// 3 and 2 pool with weights 1 and 3: (3 + 6)/4 = 2.25.
		{name: "weighted tail", y: []float64{1, 3, 2}, w: []float64{1, 1, 3}, want: []float64{1, 2.25, 2.25}},
		// 4,2 → 8/3 (w 3); 3 stays; 1 (w 4) pools with 3 → 7/5 (w 5), then
		// with 8/3 → 15/8 (w 8): the overall weighted mean.
		{name: "weighted cascade", y: []float64{4, 2, 3, 1}, w: []float64{1, 2, 1, 4}, want: []float64{1.875, 1.875, 1.875, 1.875}},
		// 5,1 → 3 (w 2); 2 (w 2) → (6+4)/4 = 2.5; 6 then 4 (w 3) → (6+12)/4 = 4.5.
		{name: "weighted two blocks", y: []float64{5, 1, 2, 6, 4}, w: []float64{1, 1, 2, 1, 3}, want: []float64{2.5, 2.5, 2.5, 4.5, 4.5}},
		{
			// R 4.2.2: y <- round(sin(1:25) + (1:25)/8, 3); isoreg(y)$yf
			// (R pools through differences of cumulative sums, hence the
			// tolerance).
			name: "R isoreg",
			y: []float64{0.96599999999999997, 1.159, 0.51600000000000001, -0.25700000000000001, -0.33400000000000002,
				0.47099999999999997, 1.532, 1.9890000000000001, 1.5369999999999999, 0.70599999999999996, 0.375,
				0.96299999999999997, 2.0449999999999999, 2.7410000000000001, 2.5249999999999999, 1.712,
				1.1639999999999999, 1.4990000000000001, 2.5249999999999999, 3.4129999999999998, 3.4620000000000002,
				2.7410000000000001, 2.0289999999999999, 2.0939999999999999, 2.9929999999999999},
			want: []float64{0.40999999999999998, 0.40999999999999998, 0.40999999999999998, 0.40999999999999998,
				0.40999999999999998, 0.47100000000000009, 1.1836666666666666, 1.1836666666666666, 1.1836666666666666,
				1.1836666666666666, 1.1836666666666666, 1.1836666666666666, 1.9476666666666664, 1.9476666666666664,
				1.9476666666666664, 1.9476666666666664, 1.9476666666666664, 1.9476666666666664, 2.5249999999999986,
				2.7478000000000007, 2.7478000000000007, 2.7478000000000007, 2.7478000000000007, 2.7478000000000007,
				2.9930000000000021},
			tol: 1e-12,
		},
	}
	for _, tc := range tests {
		got := estimators.Isotonic(nil, tc.y, tc.w)
		if !floats.EqualApprox(got, tc.want, tc.tol) {
			t.Errorf("%s: Isotonic = %v, want %v", tc.name, got, tc.want)
		}
		// In place.
		y := slices.Clone(tc.y)
		estimators.Isotonic(y, y, tc.w)
		if !floats.Equal(y, got) {
			t.Errorf("%s: in place = %v, want %v", tc.name, y, got)
		}
		// Idempotent.
		if again := estimators.Isotonic(nil, got, tc.w); !floats.Equal(again, got) {
			t.Errorf("%s: not idempotent: %v → %v", tc.name, got, again)
		}
	}
}

// TestIsotonicOptimality checks the characterisation of the weighted
// isotonic fit on random input: f is non-decreasing, on every block of equal
// fitted values the weighted residuals sum to zero, and every proper prefix
// of a block has Σ w (y − f) ≥ 0 (otherwise the block could be split and the
// fit lowered on the prefix, reducing the loss).
func TestIsotonicOptimality(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 200 {
		n := 1 + rng.IntN(60)
		y, w := make([]float64, n), make([]float64, n)
		for i := range y {
			y[i] = float64(i)/10 + rng.NormFloat64()
			w[i] = 0.1 + 3*rng.Float64()
		}
		var wts []float64
		if trial%2 == 0 {
			wts = w
		}
		f := estimators.Isotonic(nil, y, wts)
		weight := func(i int) float64 {
			if wts == nil {
				return 1
			}
			return wts[i]
		}
		for i := 1; i < n; i++ {
			if f[i] < f[i-1] {
				t.Fatalf("trial %d: not monotone at %d: %v", trial, i, f)
			}
		}
		for start := 0; start < n; {
			end := start
			for end+1 < n && f[end+1] == f[start] {
				end++
			}
			var total, scale, head float64
			for i := start; i <= end; i++ {
				total += weight(i) * (y[i] - f[i])
				scale += weight(i) * math.Abs(y[i])
			}
			if math.Abs(total) > 1e-12*(1+scale) {
				t.Fatalf("trial %d: block [%d, %d] residual sum %v", trial, start, end, total)
			}
			for i := start; i < end; i++ {
				head += weight(i) * (y[i] - f[i])
				if head < -1e-12*(1+scale) {
					t.Fatalf("trial %d: block [%d, %d] head ending at %d has residual sum %v < 0", trial, start, end, i, head)
				}
			}
			start = end + 1
		}
	}
}

func TestIsotonicPanics(t *testing.T) {
	estimators.MustPanic(t, map[string]func(){
		"len(w)":      func() { estimators.Isotonic(nil, []float64{1, 2}, []float64{1}) },
		"len(dst)":    func() { estimators.Isotonic(make([]float64, 1), []float64{1, 2}, nil) },
		"zero weight": func() { estimators.Isotonic(nil, []float64{1, 2}, []float64{1, 0}) },
		"NaN weight":  func() { estimators.Isotonic(nil, []float64{1, 2}, []float64{math.NaN(), 1}) },
		"Inf weight":  func() { estimators.Isotonic(nil, []float64{1, 2}, []float64{math.Inf(1), 1}) },
	})
}

func ExampleIsotonic() {
	// Local-polynomial intercepts on a quantile grid that cross: the L²
	// projection onto non-decreasing curves pools the violators.
	a := []float64{1, 3, 2, 4, 3.5, 5}
	fmt.Println(estimators.Isotonic(nil, a, nil))

	// With weights, a pooled block takes the weighted mean.
	fmt.Println(estimators.Isotonic(nil, []float64{3, 1}, []float64{1, 3}))
	// Output:
	// [1 2.5 2.5 3.75 3.75 5]
	// [1.5 1.5]
}
