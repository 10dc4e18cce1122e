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

// Expected values of the 1001-point rearrangement come from an independent
// implementation in R 4.2.2 of the steps of spec §2.5 (the R package
// Rearrangement is not packaged for Debian):
//
//	rearr <- function(q, a) {
//	  z <- (q - q[1]) / (q[length(q)] - q[1])
//	  f <- approx(z, a, xout = (0:1000) / 1000, method = "linear")$y
//	  as.numeric(quantile(sort(f), probs = z, type = 7, names = FALSE))
//	}
//
// printed with sprintf("%.17g").

func TestRearrangeSpecExamples(t *testing.T) {
	// Spec §2.5: "max change 0.0014 for exp(3q) on q = (1:20)/21, 0.031 for
	// qnorm(q)³ + q on q = (1:99)/100" — compared at the digits given.
	q20 := make([]float64, 20)
	a20 := make([]float64, 20)
	for j := range q20 {
		q20[j] = float64(j+1) / 21
		a20[j] = math.Exp(3 * q20[j])
	}
	q99 := make([]float64, 99)
	a99 := make([]float64, 99)
	for j := range q99 {
		q99[j] = float64(j+1) / 100
		z := qnorm(q99[j])
		a99[j] = z*z*z + q99[j]
	}
	tests := []struct {
		name    string
		q, a    []float64
		digits  float64 // round the max change to this many decimals
		want    float64 // spec
		wantR   float64 // R, to 1e-12
		indices []int
		values  []float64 // R values at indices, to 1e-12
	}{
		{
			name: "exp(3q)", q: q20, a: a20, digits: 4, want: 0.0014, wantR: 0.001364166510322562,
			indices: []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19},
			values: []float64{1.1535649948951077, 1.3308324660356379, 1.5351786239497385, 1.7708597316950567,
				2.0429248772601309, 2.3565401401031334, 2.7184573112454729, 3.1360116620759459, 3.6173208403552382,
				4.1730840738725625, 4.813923708373661, 5.552815414637295, 6.4060159147928522, 7.3895331106002047,
				8.5241966722139217, 9.8336592263402487, 11.343081628462434, 13.08548871474607, 15.0951890835111,
				17.411708063327644},
		},
		{
			name: "qnorm(q)³+q", q: q99, a: a99, digits: 3, want: 0.031, wantR: 0.030532824414660098,
			indices: []int{0, 1, 49, 97, 98},
			values:  []float64{-12.579949104216729, -8.6730087020289854, 0.5, 9.6730087020289623, 13.579949104216729},
		},
	}
	for _, tc := range tests {
		got := estimators.Rearrange(nil, tc.q, tc.a)
		if !slices.IsSorted(got) {
			t.Errorf("%s: not non-decreasing: %v", tc.name, got)
		}
		var maxChange float64
		for j := range got {
			maxChange = math.Max(maxChange, math.Abs(got[j]-tc.a[j]))
		}
		pow := math.Pow(10, tc.digits)
		if r := math.Round(maxChange*pow) / pow; r != tc.want {
			t.Errorf("%s: max change %v rounds to %v, spec says %v", tc.name, maxChange, r, tc.want)
		}
		if math.Abs(maxChange-tc.wantR) > 1e-12 {
			t.Errorf("%s: max change %v, R %v", tc.name, maxChange, tc.wantR)
		}
		for k, j := range tc.indices {
			if math.Abs(got[j]-tc.values[k]) > 1e-12 {
				t.Errorf("%s: [%d] = %.17g, R %.17g", tc.name, j, got[j], tc.values[k])
			}
		}
	}
}

func TestRearrangeNonMonotone(t *testing.T) {
	// A crossing curve on an unequal grid; expected values from rearr() above.
	q := []float64{0.05, 0.1, 0.2, 0.35, 0.5, 0.6, 0.8, 0.9, 0.95}
	a := []float64{1.0, 0.7, 1.5, 1.2, 2.0, 1.8, 2.5, 3.0, 2.2}
	want := []float64{0.70300000000000007, 0.87340000000000007, 1.2461333333333333, 1.4305999999999999,
		1.8380000000000003, 1.9415111111111112, 2.4450000000000003, 2.8066666666666675, 2.9979999999999993}
	got := estimators.Rearrange(nil, q, a)
	if !floats.EqualApprox(got, want, 1e-12) {
		t.Errorf("Rearrange = %v\nwant        %v", got, want)
	}
	// In place, on a and on q.
	a2 := slices.Clone(a)
	if estimators.Rearrange(a2, q, a2); !floats.Equal(a2, got) {
		t.Errorf("in place on a: %v", a2)
	}
	q2 := slices.Clone(q)
	if estimators.Rearrange(q2, q2, a); !floats.Equal(q2, got) {
		t.Errorf("in place on q: %v", q2)
	}
}

func TestRearrangeProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := range 200 {
		m := 2 + rng.IntN(50)
		q := make([]float64, m)
		a := make([]float64, m)
		acc := 0.0
		for j := range q {
			acc += 0.01 + rng.Float64()
			q[j] = acc
			a[j] = rng.NormFloat64()
		}
		got := estimators.Rearrange(nil, q, a)
		if !slices.IsSorted(got) {
			t.Fatalf("trial %d: not non-decreasing: %v", trial, got)
		}
		// The rearranged curve stays within the range of a, and it is
		// invariant to affine maps of the grid.
		lo, hi := floats.Min(a), floats.Max(a)
		for _, v := range got {
			if v < lo-1e-12 || v > hi+1e-12 {
				t.Fatalf("trial %d: %v outside [%v, %v]", trial, v, lo, hi)
			}
		}
		// Same z up to rounding: an affine map of the grid gives the same curve.
		q2 := make([]float64, m)
		for j := range q {
			q2[j] = 4*q[j] - 8
		}
		if got2 := estimators.Rearrange(nil, q2, a); !floats.EqualApprox(got2, got, 1e-12) {
			t.Fatalf("trial %d: not invariant to an affine grid map:\n%v\n%v", trial, got, got2)
		}
	}
	// Short curves.
	if got := estimators.Rearrange(nil, []float64{0.3}, []float64{7}); !floats.Equal(got, []float64{7}) {
		t.Errorf("one point: %v", got)
	}
	if got := estimators.Rearrange(nil, nil, nil); len(got) != 0 {
		t.Errorf("no point: %v", got)
	}
	// Two points: f is linear, its sorted lattice values interpolate exactly.
	if got := estimators.Rearrange(nil, []float64{0.1, 0.9}, []float64{3, 1}); !floats.EqualApprox(got, []float64{1, 3}, 1e-15) {
		t.Errorf("two decreasing points: %v", got)
	}
}

func TestRearrangeSorted(t *testing.T) {
	a := []float64{3, 1, 2, 2, -1}
	if got := estimators.RearrangeSorted(nil, a); !floats.Equal(got, []float64{-1, 1, 2, 2, 3}) {
		t.Errorf("RearrangeSorted = %v", got)
	}
	if !floats.Equal(a, []float64{3, 1, 2, 2, -1}) {
		t.Error("RearrangeSorted modified its input")
	}
	mono := []float64{-2, 0, 0, 1.5, 9}
	if got := estimators.RearrangeSorted(mono, mono); !floats.Equal(got, []float64{-2, 0, 0, 1.5, 9}) {
		t.Errorf("not the identity on monotone input: %v", got)
	}
}

func TestRearrangePanics(t *testing.T) {
	estimators.MustPanic(t, map[string]func(){
		"len(q)":         func() { estimators.Rearrange(nil, []float64{1}, []float64{1, 2}) },
		"len(dst)":       func() { estimators.Rearrange(make([]float64, 3), []float64{1, 2}, []float64{1, 2}) },
		"tied grid":      func() { estimators.Rearrange(nil, []float64{0.1, 0.1}, []float64{1, 2}) },
		"decreasing":     func() { estimators.Rearrange(nil, []float64{0.2, 0.1}, []float64{1, 2}) },
		"NaN grid":       func() { estimators.Rearrange(nil, []float64{0.1, math.NaN()}, []float64{1, 2}) },
		"infinite grid":  func() { estimators.Rearrange(nil, []float64{0.1, math.Inf(1)}, []float64{1, 2}) },
		"sorted len dst": func() { estimators.RearrangeSorted(make([]float64, 1), []float64{1, 2}) },
	})
}

func ExampleRearrange() {
	// A crossing intercept curve on a quantile grid becomes non-decreasing.
	q := []float64{0.1, 0.3, 0.5, 0.7, 0.9}
	a := []float64{1, 2, 1.5, 3, 4}
	fmt.Printf("%.4f\n", estimators.Rearrange(nil, q, a))

	// The exact discrete rearrangement sorts the values.
	fmt.Println(estimators.RearrangeSorted(nil, a))
	// Output:
	// [1.0000 1.6360 1.9080 3.0000 4.0000]
	// [1 1.5 2 3 4]
}

// qnorm is the standard normal quantile function.
func qnorm(p float64) float64 { return -math.Sqrt2 * math.Erfcinv(2*p) }
