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

// Expected values in this file were computed with R 4.2.2 and Hmisc 4.8-0
// (Debian bookworm packages r-base-core, r-cran-hmisc):
//
//	probs <- c(0, 0.01, 0.1, 0.25, 0.333, 0.5, 0.75, 0.9, 0.99, 1)
//	quantile(y, probs, type = 7, names = FALSE)
//	wtd.quantile(y, w, probs, normwt = TRUE)   # type = "quantile"
//
// printed with sprintf("%.17g").

var qProbs = []float64{0, 0.01, 0.1, 0.25, 0.333, 0.5, 0.75, 0.9, 0.99, 1}

var (
	qY1 = []float64{3.2, -1.5, 0.7, 8.9, 2.2, 2.2, 5.1, -0.3, 4.4, 1.1, 7.7}
	qY3 = []float64{1, 2, 2, 2, 3, 5, 5, 8}
	// set.seed(7); y5 <- round(rnorm(40), 2); w5 <- round(runif(40, 0, 3), 3); w5[c(3, 17)] <- 0
	qY5 = []float64{2.29, -1.2, -0.69, -0.41, -0.97, -0.95, 0.75, -0.12, 0.15, 2.19, 0.36, 2.72, 2.28, 0.32, 1.9,
		0.47, -0.89, -0.31, 0, 0.99, 0.84, 0.71, 1.31, -1.39, 1.27, 0.18, 0.75, 0.59, -0.98, -0.28, -0.87, 0.72,
		0.11, -0.08, -0.42, -0.56, 1, -1.11, -0.14, 0.31}
	qW5 = []float64{2.665, 2.636, 0, 2.224, 1.163, 0.237, 0.285, 2.286, 1.044, 1.25, 1.032, 0.025, 2.735, 0.547,
		2.168, 1.716, 0, 1.065, 2.472, 0.558, 1.189, 1.459, 1.491, 1.161, 1.93, 1.031, 2.868, 0.128, 2.296, 0.611,
		2.054, 1.189, 0.175, 2.209, 1.875, 1.888, 1.698, 2.368, 0.552, 2.498}
)

func TestQuantile7(t *testing.T) {
	tests := []struct {
		name string
		y    []float64
		want []float64
	}{
		{"y1", qY1, []float64{-1.5, -1.3799999999999999, -0.29999999999999999, 0.90000000000000002,
			1.4630000000000001, 2.2000000000000002, 4.75, 7.7000000000000002, 8.7800000000000011, 8.9000000000000004}},
		{"two points", []float64{10, 20}, []float64{10, 10.100000000000001, 11.000000000000002, 12.5,
			13.329999999999998, 15, 17.5, 19, 19.900000000000002, 20}},
		{"one point", []float64{4.5}, []float64{4.5, 4.5, 4.5, 4.5, 4.5, 4.5, 4.5, 4.5, 4.5, 4.5}},
		{"y5", qY5, []float64{-1.3899999999999999, -1.3158999999999998, -0.97099999999999997, -0.45500000000000002,
			-0.28039000000000003, 0.16499999999999998, 0.77249999999999996, 1.9290000000000005, 2.5522999999999998,
			2.7200000000000002}},
	}
	for _, tc := range tests {
		sorted := slices.Sorted(slices.Values(tc.y))
		for j, p := range qProbs {
			// Quantile7 repeats R's arithmetic, so the results are bit-identical.
			if got := estimators.Quantile7(sorted, p); got != tc.want[j] {
				t.Errorf("%s: Quantile7(%v) = %.17g, R %.17g", tc.name, p, got, tc.want[j])
			}
		}
		// nil weights: the same through WeightedQuantiles, on unsorted data.
		if got := estimators.WeightedQuantiles(nil, tc.y, nil, qProbs); !floats.Equal(got, tc.want) {
			t.Errorf("%s: WeightedQuantiles(nil weights) = %v, want %v", tc.name, got, tc.want)
		}
	}
	// Probabilities within 100 ε of [0, 1] are clamped, as in R.
	if got := estimators.Quantile7([]float64{1, 2}, 1+1e-15); got != 2 {
		t.Errorf("Quantile7(1+1e-15) = %v", got)
	}
	if got := estimators.Quantile7([]float64{1, 2}, -1e-15); got != 1 {
		t.Errorf("Quantile7(-1e-15) = %v", got)
	}
	// Equal neighbours are returned exactly, even if infinite.
	inf := math.Inf(1)
	if got := estimators.Quantile7([]float64{0, inf, inf}, 0.75); got != inf {
		t.Errorf("Quantile7 between two +Inf = %v", got)
	}
}

func TestWeightedQuantiles(t *testing.T) {
	tests := []struct {
		name string
		y, w []float64
		want []float64
	}{
		{
			name: "y1, w1 (a zero weight, a tie)", y: qY1,
			w: []float64{0.5, 2, 1, 0, 3, 1.5, 0.25, 1, 2, 0.75, 1},
			want: []float64{-1.5, -1.3919999999999999, -0.4200000000000001, 1.075, 2.1955000000000009,
				2.2000000000000002, 3.8500000000000005, 4.7299999999999986, 7.4030000000000005, 7.7000000000000002},
		},
		{
			name: "y1, equal weights 0.1", y: qY1, w: slices.Repeat([]float64{0.1}, 11),
			want: []float64{-1.5, -1.3799999999999999, -0.29999999999999999, 0.90000000000000002,
				1.4630000000000001, 2.2000000000000002, 4.75, 7.7000000000000002, 8.7800000000000011,
				8.9000000000000004},
		},
		{
			name: "y3, w3 (ties)", y: qY3, w: []float64{0.2, 0.1, 0.4, 0.3, 1.7, 0.05, 0.6, 0.9},
			want: []float64{2, 2.0700000000000003, 2.7000000000000002, 3, 3, 3, 5.75, 8, 8, 8},
		},
		{
			name: "y3, w4 (integer weights, a zero)", y: qY3, w: []float64{3, 1, 1, 1, 0, 2, 2, 5},
			want: []float64{1, 1.0600000000000001, 1.6000000000000001, 3.5, 4.9940000000000007, 5, 8, 8, 8, 8},
		},
		{
			name: "y5, w5", y: qY5, w: qW5,
			want: []float64{-1.2, -1.2, -1.0190000000000001, -0.41749999999999998, -0.22863999999999979, 0.245,
				0.95999999999999996, 2.2170000000000005, 2.5609000000000011, 2.7200000000000002},
		},
		{
			name: "y5, equal weights 2.5", y: qY5, w: slices.Repeat([]float64{2.5}, 40),
			want: []float64{-1.3899999999999999, -1.3158999999999998, -0.97099999999999997, -0.45500000000000002,
				-0.28039000000000003, 0.16499999999999998, 0.77249999999999996, 1.9290000000000005,
				2.5522999999999998, 2.7200000000000002},
		},
	}
	for _, tc := range tests {
		y, w := slices.Clone(tc.y), slices.Clone(tc.w)
		got := estimators.WeightedQuantiles(nil, tc.y, tc.w, qProbs)
		if !floats.EqualApprox(got, tc.want, 1e-12) {
			t.Errorf("%s:\n got %v\nwant %v", tc.name, got, tc.want)
		}
		if !floats.Equal(y, tc.y) || !floats.Equal(w, tc.w) {
			t.Errorf("%s: input modified", tc.name)
		}
	}
}

// TestWeightedQuantilesEqualWeights: with equal weights of any size the
// weighted quantiles are the type-7 quantiles (spec §2.2). They pick the same
// order statistics; only when two neighbours are equal can Hmisc's
// (1−f)·y + f·y differ from y in the last bit (type 7 returns y itself), so
// the comparison allows 2 ulp (R's Hmisc shows the same last-bit differences,
// e.g. −0.90000000000000013 at n = 48, p = 0.43).
func TestWeightedQuantilesEqualWeights(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	probs := make([]float64, 99)
	for j := range probs {
		probs[j] = float64(j+1) / 100
	}
	for trial := range 300 {
		n := 1 + rng.IntN(80)
		y := make([]float64, n)
		for i := range y {
			y[i] = math.Round(rng.NormFloat64()*100) / 10 // ties likely
		}
		c := []float64{1, 0.1, 0.3, 2.5, 1e-3, 7.77}[trial%6]
		w := slices.Repeat([]float64{c}, n)
		sorted := slices.Sorted(slices.Values(y))
		got := estimators.WeightedQuantiles(nil, y, w, probs)
		for j, p := range probs {
			if want := estimators.Quantile7(sorted, p); math.Abs(got[j]-want) > 4.5e-16*math.Abs(want) {
				t.Fatalf("trial %d (n = %d, w = %v): p = %v: %.17g, type 7 %.17g", trial, n, c, p, got[j], want)
			}
		}
	}
}

func TestWeightedQuantilesDropped(t *testing.T) {
	nan := math.NaN()
	probs := []float64{0, 0.5, 1}
	// NaN y and zero or NaN weights are dropped before normalising.
	got := estimators.WeightedQuantiles(nil, []float64{nan, 1, 2, 3, 100, 200}, []float64{5, 1, 1, 1, 0, nan}, probs)
	if want := []float64{1, 2, 3}; !floats.Equal(got, want) {
		t.Errorf("dropped observations: %v, want %v", got, want)
	}
	got = estimators.WeightedQuantiles(nil, []float64{nan, 1, 3}, nil, probs)
	if want := []float64{1, 2, 3}; !floats.Equal(got, want) {
		t.Errorf("NaN y with nil weights: %v, want %v", got, want)
	}
	// Nothing left: NaN.
	for _, tc := range []struct{ y, w []float64 }{
		{nil, nil}, {[]float64{1, 2}, []float64{0, 0}}, {[]float64{nan}, nil},
	} {
		got := estimators.WeightedQuantiles(make([]float64, 3), tc.y, tc.w, probs)
		for _, v := range got {
			if !math.IsNaN(v) {
				t.Errorf("WeightedQuantiles(%v, %v) = %v, want NaN", tc.y, tc.w, got)
				break
			}
		}
	}
}

func TestQuantilePanics(t *testing.T) {
	estimators.MustPanic(t, map[string]func(){
		"empty":             func() { estimators.Quantile7(nil, 0.5) },
		"p > 1":             func() { estimators.Quantile7([]float64{1}, 1.01) },
		"p < 0":             func() { estimators.Quantile7([]float64{1}, -1e-10) },
		"NaN p":             func() { estimators.Quantile7([]float64{1}, math.NaN()) },
		"weighted len(w)":   func() { estimators.WeightedQuantiles(nil, []float64{1, 2}, []float64{1}, []float64{0.5}) },
		"weighted len(dst)": func() { estimators.WeightedQuantiles(make([]float64, 2), []float64{1}, nil, []float64{0.5}) },
		"negative weight":   func() { estimators.WeightedQuantiles(nil, []float64{1, 2}, []float64{1, -1}, []float64{0.5}) },
		"infinite weight":   func() { estimators.WeightedQuantiles(nil, []float64{1, 2}, []float64{1, math.Inf(1)}, []float64{0.5}) },
		"weighted bad p":    func() { estimators.WeightedQuantiles(nil, []float64{1, 2}, []float64{1, 1}, []float64{2}) },
	})
}

func ExampleWeightedQuantiles() {
	// Hmisc::wtd.quantile(y, w, probs, normwt = TRUE) and quantile(y, probs)
	// in R print the same numbers.
	// Within-unit draws with survey weights; the second draw counts three times.
	y := []float64{4, 1, 3, 2}
	w := []float64{1, 3, 1, 1}
	fmt.Println(estimators.WeightedQuantiles(nil, y, w, []float64{0.25, 0.5, 0.75}))
	// Equal weights give R's default (type 7) quantiles.
	fmt.Println(estimators.WeightedQuantiles(nil, y, nil, []float64{0.25, 0.5, 0.75}))
	// Output:
	// [1 2 3.25]
	// [1.75 2.5 3.25]
}
