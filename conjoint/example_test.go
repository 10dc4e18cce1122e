package conjoint_test

import (
	"fmt"

	"github.com/causalkit/causalkit/conjoint"
)

// A policy for a hand-written linear model: two attributes, L2 penalty.
// The closed form is π*_d = Proj_Δ(p_d + β_d/(2λ)); in the interior
// π*_dl = p_dl + (β_dl − β̄_d)/(2λ): gender 0.5 ± 0.01/0.2, age 1/3 +
// (0.0167, 0.0467, −0.0633)/0.2.
func ExampleOptimize() {
	d := conjoint.NewDesign([]string{"gender", "age"}, [][]string{{"female", "male"}, {"40", "55", "70"}})
	// θ = (intercept, gender:male, age:55, age:70).
	m, err := conjoint.NewModel(d, conjoint.Identity, false, false, []float64{0.5, -0.02, 0.03, -0.08}, nil)
	if err != nil {
		panic(err)
	}
	res, err := conjoint.Optimize(m, conjoint.PolicyOptions{Lambda: 0.1, Penalty: conjoint.L2})
	if err != nil {
		panic(err)
	}
	for _, r := range res.Rows {
		fmt.Printf("%s=%s %.4f\n", r.Attribute, r.Level, r.Probability)
	}
	fmt.Printf("value %.4f (design %.4f), %s\n", res.Value.Estimate, res.DesignValue.Estimate, res.Method)
	// Output:
	// gender=female 0.5500
	// gender=male 0.4500
	// age=40 0.4167
	// age=55 0.5667
	// age=70 0.0167
	// value 0.5067 (design 0.4733), closed form
}
