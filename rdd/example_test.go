package rdd_test

import (
	"fmt"
	"math/rand/v2"
	"os"

	"github.com/causalkit/causalkit/rdd"
)

// Example estimates the jump of a sharp design with rdrobust's defaults:
// mserd bandwidth, local linear fit with a quadratic bias correction, and
// the robust bias-corrected confidence interval. (rdrobust 4.0.0 in R on the
// same data prints the same numbers.)
func Example() {
	rng := rand.New(rand.NewPCG(1, 2))
	n := 2000
	d := &rdd.Data{Y: make([]float64, n), X: make([]float64, n)}
	for i := range n {
		x := 2*rng.Float64() - 1
		y := 1 + 0.8*x + 0.2*rng.NormFloat64()
		if x >= 0 {
			y += 0.5 // the true jump
		}
		d.X[i], d.Y[i] = x, y
	}
	res, err := rdd.Estimate(d, rdd.DefaultOptions())
	if err != nil {
		panic(err)
	}
	r := res.Robust
	fmt.Printf("jump %.2f, robust 95%% CI [%.2f, %.2f], h = %.2f\n", res.Conventional.Coef, r.Low, r.High, res.H[0])
	// Output:
	// jump 0.48, robust 95% CI [0.40, 0.56], h = 0.32
}

// ExampleSortedSample estimates from rows that arrive sorted by the running
// variable, as from an external sort of data larger than memory: with a
// spill directory the columns live in memory-mapped temporary files. The
// result is Estimate's on the same rows.
func ExampleSortedSample() {
	rng := rand.New(rand.NewPCG(1, 2))
	n := 2000
	x := make([]float64, n)
	for i := range x {
		x[i] = 2*float64(i)/float64(n-1) - 1 // already sorted
	}
	dir, err := os.MkdirTemp("", "rdd-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	ss, err := rdd.NewSortedSample(rdd.DefaultOptions(), n, rdd.SampleColumns{}, dir)
	if err != nil {
		panic(err)
	}
	defer ss.Close()
	y := make([]float64, n)
	for i, xi := range x {
		y[i] = 1 + 0.8*xi + 0.2*rng.NormFloat64()
		if xi >= 0 {
			y[i] += 0.5 // the true jump
		}
		if err := ss.Add(i, xi, y[i], 0, 0, 0, nil); err != nil {
			panic(err)
		}
	}
	res, err := ss.Estimate()
	if err != nil {
		panic(err)
	}
	mem, err := rdd.Estimate(&rdd.Data{Y: y, X: x}, rdd.DefaultOptions())
	if err != nil {
		panic(err)
	}
	fmt.Printf("jump %.2f (true 0.5), n = %d | %d, same as in memory: %v\n", res.Conventional.Coef, res.N[0], res.N[1],
		res.Conventional == mem.Conventional && res.Robust == mem.Robust && res.H == mem.H)
	// Output:
	// jump 0.49 (true 0.5), n = 1000 | 1000, same as in memory: true
}
