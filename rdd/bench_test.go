package rdd

import (
	"testing"

	"github.com/causalkit/causalkit/estimators"
)

func benchRD(b *testing.B, n int) {
	rng := estimators.Stream(1, 0)
	d := &Data{Y: make([]float64, n), X: make([]float64, n)}
	for i := range n {
		x := 2*rng.Float64() - 1
		d.X[i], d.Y[i] = x, 1+0.8*x-0.5*x*x+0.3*rng.NormFloat64()
		if x >= 0 {
			d.Y[i] += 0.5
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Estimate(d, DefaultOptions()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEstimate100k and BenchmarkEstimate1M run rdrobust's defaults
// (mserd selection, nearest-neighbour variance) in memory.
func BenchmarkEstimate100k(b *testing.B) { benchRD(b, 100_000) }
func BenchmarkEstimate1M(b *testing.B)   { benchRD(b, 1_000_000) }
