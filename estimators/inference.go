package estimators

import (
	"encoding/json"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/stat/distuv"
)

// Dist is the reference distribution of a t-type statistic: the standard
// normal when DF is 0 (large-sample inference), Student's t with DF degrees
// of freedom otherwise.
type Dist struct {
	DF float64
}

// Normal is the standard normal reference distribution.
var Normal = Dist{}

// PValue returns the two-sided p-value P(|T| ≥ |stat|).
func (d Dist) PValue(stat float64) float64 {
	if math.IsNaN(stat) {
		return math.NaN()
	}
	a := -math.Abs(stat)
	if d.DF == 0 {
		return 2 * distuv.UnitNormal.CDF(a)
	}
	return 2 * distuv.StudentsT{Mu: 0, Sigma: 1, Nu: d.DF}.CDF(a)
}

// Quantile returns the p-quantile.
func (d Dist) Quantile(p float64) float64 {
	if d.DF == 0 {
		return distuv.UnitNormal.Quantile(p)
	}
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: d.DF}.Quantile(p)
}

// String names the distribution as it appears in output: "normal" or "t(df)".
func (d Dist) String() string {
	if d.DF == 0 {
		return "normal"
	}
	return fmt.Sprintf("t(%g)", d.DF)
}

// Row is the tidy view of one estimate, shared by every method so that the
// command line renders them the same way. Undefined numbers are NaN and
// encode as JSON null.
type Row struct {
	Term      string  `json:"term"`
	Estimate  float64 `json:"estimate"`
	StdError  float64 `json:"std_error"`
	Statistic float64 `json:"statistic"`
	PValue    float64 `json:"p_value"`
	ConfLow   float64 `json:"conf_low"`
	ConfHigh  float64 `json:"conf_high"`
}

// MarshalJSON encodes r with NaN as null.
func (r Row) MarshalJSON() ([]byte, error) {
	type plain Row
	return MarshalJSON(plain(r))
}

// Tidy returns rows with estimate/se statistics, two-sided p-values and
// Wald confidence intervals at the given level (0.95 for 95 %) under dist.
func Tidy(names []string, est, se []float64, dist Dist, level float64) []Row {
	z := dist.Quantile(0.5 + level/2)
	rows := make([]Row, len(names))
	for j, name := range names {
		stat := est[j] / se[j]
		if se[j] == 0 {
			stat = math.NaN()
		}
		rows[j] = Row{
			Term:      name,
			Estimate:  est[j],
			StdError:  se[j],
			Statistic: stat,
			PValue:    dist.PValue(stat),
			ConfLow:   est[j] - z*se[j],
			ConfHigh:  est[j] + z*se[j],
		}
	}
	return rows
}

// Test is a hypothesis test result. DF2 is 0 for a χ²(DF1) test and the
// denominator degrees of freedom of an F(DF1, DF2) test. In JSON, df is a
// number for χ² tests and [df1, df2] for F tests; a test that could not be
// computed has a NaN (null) statistic.
type Test struct {
	Statistic float64
	DF1, DF2  float64
	PValue    float64
}

// MarshalJSON encodes t as {"statistic", "df", "p_value"}.
func (t Test) MarshalJSON() ([]byte, error) {
	var df any = t.DF1
	if t.DF2 != 0 {
		df = []float64{t.DF1, t.DF2}
	}
	return MarshalJSON(struct {
		Statistic float64 `json:"statistic"`
		DF        any     `json:"df"`
		PValue    float64 `json:"p_value"`
	}{t.Statistic, df, t.PValue})
}

// UnmarshalJSON is the inverse of MarshalJSON (null statistic → NaN).
func (t *Test) UnmarshalJSON(b []byte) error {
	var v struct {
		Statistic *float64        `json:"statistic"`
		DF        json.RawMessage `json:"df"`
		PValue    *float64        `json:"p_value"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*t = Test{Statistic: math.NaN(), PValue: math.NaN()}
	if v.Statistic != nil {
		t.Statistic = *v.Statistic
	}
	if v.PValue != nil {
		t.PValue = *v.PValue
	}
	var pair []float64
	if err := json.Unmarshal(v.DF, &pair); err == nil && len(pair) == 2 {
		t.DF1, t.DF2 = pair[0], pair[1]
		return nil
	}
	return json.Unmarshal(v.DF, &t.DF1)
}

// ChiSquareTest returns the χ²(df) test of stat.
func ChiSquareTest(stat, df float64) Test {
	p := math.NaN()
	if !math.IsNaN(stat) {
		p = distuv.ChiSquared{K: df}.Survival(stat)
	}
	return Test{Statistic: stat, DF1: df, PValue: p}
}

// FTest returns the F(df1, df2) test of stat. The p-value is computed as
// I_{d2/(d2+d1·F)}(d2/2, d1/2) rather than 1 − CDF, which keeps its
// relative accuracy far into the tail (gonum's F.Survival subtracts from 1).
func FTest(stat, df1, df2 float64) Test {
	p := math.NaN()
	if !math.IsNaN(stat) {
		p = 1.0
		if stat > 0 {
			p = mathext.RegIncBeta(df2/2, df1/2, df2/(df2+df1*stat))
		}
	}
	return Test{Statistic: stat, DF1: df1, DF2: df2, PValue: p}
}

// Wald tests the linear restrictions R b = r (r nil means 0) for an estimate
// b with covariance V: W = (Rb − r)ᵀ (R V Rᵀ)⁻¹ (Rb − r), returned as a χ²(q)
// test; Test.AsF gives the F(q, df2) version. A singular R V Rᵀ (redundant
// restrictions) is an input error.
func Wald(b []float64, v mat.Symmetric, rmat mat.Matrix, r []float64) (chi2 Test, err error) {
	q, p := rmat.Dims()
	if p != len(b) || v.SymmetricDim() != p || (r != nil && len(r) != q) {
		panic("estimators: Wald: dimension mismatch")
	}
	d := mat.NewVecDense(q, nil)
	d.MulVec(rmat, mat.NewVecDense(p, b))
	if r != nil {
		d.SubVec(d, mat.NewVecDense(q, r))
	}
	var rv, rvr mat.Dense
	rv.Mul(rmat, v)
	rvr.Mul(&rv, rmat.T())
	var chol mat.Cholesky
	sym := mat.NewSymDense(q, nil)
	for i := range q {
		for j := i; j < q; j++ {
			sym.SetSym(i, j, 0.5*(rvr.At(i, j)+rvr.At(j, i)))
		}
	}
	if !chol.Factorize(sym) {
		return Test{}, InputErrorf("wald test: the restrictions are linearly dependent or involve undetermined coefficients")
	}
	var x mat.VecDense
	if err := chol.SolveVecTo(&x, d); err != nil {
		return Test{}, InputErrorf("wald test: %v", err)
	}
	return ChiSquareTest(mat.Dot(d, &x), float64(q)), nil
}

// AsF converts a χ²(q) Wald test into the F(q, df2) test of W/q.
func (t Test) AsF(df2 float64) Test {
	return FTest(t.Statistic/t.DF1, t.DF1, df2)
}
