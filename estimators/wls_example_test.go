package estimators_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"

	"github.com/causalkit/causalkit/estimators"
	"github.com/causalkit/causalkit/internal/exampledata"
)

// ExampleWLS regresses log wages on schooling and experience in Card's data
// and prints the schooling coefficient with its classical (R's lm) and HC1
// (Stata's robust) standard errors — the numbers statsmodels and R give.
func ExampleWLS() {
	recs, _ := csv.NewReader(bytes.NewReader(exampledata.CardCSV)).ReadAll()
	col := func(name string) []float64 {
		j := 0
		for j < len(recs[0]) && recs[0][j] != name {
			j++
		}
		v := make([]float64, len(recs)-1)
		for i, r := range recs[1:] {
			v[i], _ = strconv.ParseFloat(r[j], 64)
		}
		return v
	}
	names := []string{"educ", "exper", "expersq", "black", "smsa", "south", "smsa66",
		"reg662", "reg663", "reg664", "reg665", "reg666", "reg667", "reg668", "reg669"}
	y := col("lwage")
	ones := make([]float64, len(y))
	for i := range ones {
		ones[i] = 1
	}
	x := [][]float64{ones}
	for _, n := range names {
		x = append(x, col(n))
	}
	ls, err := estimators.WLS(x, y, append([]string{"(Intercept)"}, names...), estimators.LSOptions{})
	if err != nil {
		panic(err)
	}
	classical, _ := ls.Cov(estimators.CovOptions{Type: estimators.Classical, Small: true})
	hc1, _ := ls.Cov(estimators.CovOptions{Type: estimators.HC1})
	fmt.Printf("educ %.6f  se %.6f  HC1 se %.6f\n", ls.Coef[1], classical.SE(ls)[1], hc1.SE(ls)[1])
	// Output:
	// educ 0.074693  se 0.003498  HC1 se 0.003646
}
