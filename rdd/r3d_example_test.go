package rdd_test

import (
	"fmt"
	"math"

	"github.com/causalkit/causalkit/estimators"
	"github.com/causalkit/causalkit/rdd"
)

// ExampleR3D estimates the effect of crossing a cutoff on the whole
// distribution of an outcome inside each unit: 400 units, 40 draws each,
// outcomes shifted by 2 above the cutoff (τ(q) = 2 at every quantile).
func ExampleR3D() {
	rng := estimators.Stream(42, 0)
	d := &rdd.DistData{}
	for range 400 {
		x := 2*rng.Float64() - 1
		y := make([]float64, 40)
		for k := range y {
			y[k] = 5 + 5*x + math.Max(math.Abs(1+x), 0.1)*rng.NormFloat64()
			if x >= 0 {
				y[k] += 2
			}
		}
		d.X, d.Y = append(d.X, x), append(d.Y, y)
	}
	res, err := rdd.R3D(d, rdd.R3DOptions{Grid: []float64{0.25, 0.5, 0.75}, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	for j, q := range res.Grid {
		fmt.Printf("τ(%.2f) = %.2f, band [%.2f, %.2f]\n", q, res.Tau[j], res.Low[j], res.High[j])
	}
	for _, t := range res.Tests[:2] {
		fmt.Printf("%s test: p = %.2f\n", t.Name, t.PValue)
	}
	// Output:
	// τ(0.25) = 2.00, band [1.83, 2.17]
	// τ(0.50) = 2.04, band [1.87, 2.21]
	// τ(0.75) = 2.05, band [1.88, 2.22]
	// nullity test: p = 0.00
	// homogeneity test: p = 0.78
}
