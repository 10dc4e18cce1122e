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
