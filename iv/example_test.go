package iv_test

import (
	"fmt"

	"github.com/causalkit/causalkit/estimators"
	"github.com/causalkit/causalkit/iv"
)

// Example fits 2SLS on a small just-identified design and reports the
// estimate with its HC1 standard error (the closed form (ZᵀX)⁻¹Zᵀy and
// n/(n−k)·(ZᵀX)⁻¹Zᵀdiag(e²)Z(XᵀZ)⁻¹ give the same numbers).
func Example() {
	z := []float64{0, 1, 0, 1, 1, 0, 1, 0, 1, 1}
	u := []float64{0.3, -0.2, 0.1, 0.4, -0.5, 0.2, -0.1, 0.0, 0.3, -0.3}
	d, y := make([]float64, len(z)), make([]float64, len(z))
	ones := make([]float64, len(z))
	for i := range z {
		d[i] = 1 + 2*z[i] + u[i]     // the endogenous regressor moves with u
		y[i] = 0.5 + 3*d[i] + 2*u[i] // true effect 3
		ones[i] = 1
	}
	fit, err := iv.Estimate(&iv.Data{
		Y: y, Endog: [][]float64{d}, EndogNames: []string{"d"},
		Exog: [][]float64{ones}, ExogNames: []string{"(Intercept)"},
		Instruments: [][]float64{z}, InstrumentNames: []string{"z"},
	}, iv.Options{Method: iv.TSLS})
	if err != nil {
		panic(err)
	}
	cov, _ := fit.Cov(estimators.CovOptions{Type: estimators.HC1})
	se := iv.SE(cov)
	fmt.Printf("%s: %.3f (%.3f)\n", fit.Names[1], fit.Coef[1], se[1])
	// Output:
	// d: 2.757 (0.200)
}

// ExampleAccumulator fits the same model chunk by chunk, as a streamed
// fit over Parquet row groups does: each chunk is reduced to its own
// accumulator, the accumulators merge in order, and the robust covariance
// takes a second pass with one meat per chunk. The numbers equal
// Example's up to rounding.
func ExampleAccumulator() {
	z := []float64{0, 1, 0, 1, 1, 0, 1, 0, 1, 1}
	u := []float64{0.3, -0.2, 0.1, 0.4, -0.5, 0.2, -0.1, 0.0, 0.3, -0.3}
	chunk := func(lo, hi int) *iv.Data {
		d, y, ones := make([]float64, hi-lo), make([]float64, hi-lo), make([]float64, hi-lo)
		for i := lo; i < hi; i++ {
			d[i-lo] = 1 + 2*z[i] + u[i]
			y[i-lo] = 0.5 + 3*d[i-lo] + 2*u[i]
			ones[i-lo] = 1
		}
		return &iv.Data{
			Y: y, Endog: [][]float64{d}, EndogNames: []string{"d"},
			Exog: [][]float64{ones}, ExogNames: []string{"(Intercept)"},
			Instruments: [][]float64{z[lo:hi]}, InstrumentNames: []string{"z"},
		}
	}
	cuts := []int{0, 4, 7, 10}
	acc, err := iv.NewAccumulator(chunk(0, 0))
	if err != nil {
		panic(err)
	}
	for c := range len(cuts) - 1 {
		part, _ := iv.NewAccumulator(chunk(0, 0))
		if err := part.Add(chunk(cuts[c], cuts[c+1])); err != nil {
			panic(err)
		}
		acc.Merge(part) // in chunk order: the result depends on it in the last bits only
	}
	fit, err := acc.Fit(iv.Options{Method: iv.TSLS})
	if err != nil {
		panic(err)
	}
	meat := estimators.NewMeat(estimators.HC1, len(fit.Coef))
	for c := range len(cuts) - 1 {
		part := estimators.NewMeat(estimators.HC1, len(fit.Coef))
		if err := fit.AddMeat(part, chunk(cuts[c], cuts[c+1]), cuts[c], nil, nil); err != nil {
			panic(err)
		}
		meat.Merge(part)
	}
	cov, err := fit.MeatCov(meat)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s: %.3f (%.3f), n = %d\n", fit.Names[1], fit.Coef[1], iv.SE(cov)[1], fit.N)
	// Output:
	// d: 2.757 (0.200), n = 10
}
