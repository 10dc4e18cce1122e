package rdd

import (
	"sync"
	"testing"

	"github.com/causalkit/causalkit/estimators"
)

// r3dBenchData is the benchmark design: DGP 2 of spec §7 with Δ = 1,
// 10,000 units × 200 draws (2M draws).
var r3dBenchData = sync.OnceValue(func() *DistData {
	return r3dSimulate(estimators.Stream(1, 0), 2, 10_000, 200, 1, false)
})

// BenchmarkR3D is the whole estimator on 10,000 units × 200 draws with the
// default 99-point grid, automatic bandwidths and B = 1,000 Gaussian
// multipliers (quantile matrix, bandwidth selection, fits, bootstrap and
// the three tests), in the default mode.
func BenchmarkR3D(b *testing.B) {
	d := r3dBenchData()
	for _, method := range []R3DMethod{R3DSimple, R3DFrechet} {
		b.Run(method.String(), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := R3D(d, R3DOptions{Method: method, Reps: 1000, Seed: 1}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkQuantileMatrix is the quantile step alone: 10,000 units × 200
// draws on 99 quantiles (each unit sorted once).
func BenchmarkQuantileMatrix(b *testing.B) {
	d := r3dBenchData()
	grid := DefaultR3DGrid()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := QuantileMatrix(d.Y, nil, grid); err != nil {
			b.Fatal(err)
		}
	}
}
