package estimators

import (
	"cmp"
	"math"
	"slices"
	"testing"
)

func TestArgsort(t *testing.T) {
	rng := Stream(9, 0)
	cases := map[string][]float64{
		"empty":   {},
		"one":     {3},
		"zeros":   {0, math.Copysign(0, -1), 0, -1e-300, 1e-300, math.Copysign(0, -1)},
		"special": {math.Inf(1), -math.MaxFloat64, math.Inf(-1), 5e-324, -5e-324, 1, -1, math.MaxFloat64},
	}
	ties := make([]float64, 5000)
	wide := make([]float64, 100_000)
	for i := range ties {
		ties[i] = float64(rng.IntN(7)) - 3
	}
	for i := range wide {
		wide[i] = rng.NormFloat64() * math.Pow(10, float64(rng.IntN(40)-20))
	}
	cases["ties"], cases["wide"] = ties, wide
	for name, x := range cases {
		want := make([]int, len(x))
		for i := range want {
			want[i] = i
		}
		slices.SortStableFunc(want, func(a, b int) int { return cmp.Compare(x[a], x[b]) })
		if got := Argsort(x); !slices.Equal(got, want) {
			t.Errorf("%s: Argsort differs from the stable comparison sort", name)
		}
	}
}

func BenchmarkArgsort1M(b *testing.B) {
	rng := Stream(1, 0)
	x := make([]float64, 1_000_000)
	for i := range x {
		x[i] = rng.Float64()*2 - 1
	}
	b.ReportAllocs()
	for b.Loop() {
		Argsort(x)
	}
}
