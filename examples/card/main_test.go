package main

import (
	"bytes"
	"math"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// The references are statsmodels/linearmodels on the same data
// (iv/testdata/iv_reference.json, specification CARD2: educ instrumented
// by nearc2 and nearc4, HC1 errors).
func TestCard(t *testing.T) {
	rows, err := estimate()
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]float64{
		{0.0746932507735888, 0.00364624779725322},   // OLS
		{0.15705932727651048, 0.052552549941020085}, // 2SLS
		{0.16402772189847917, 0.0577619037235796},   // LIML
	}
	for i, w := range want {
		if r := rows[i]; r.Term != "educ" || !near(r.Estimate, w[0]) || !near(r.StdError, w[1]) {
			t.Errorf("row %d: %s %v (%v), want educ %v (%v)", i, r.Term, r.Estimate, r.StdError, w[0], w[1])
		}
	}
	var buf bytes.Buffer
	if err := run(&buf); err != nil || !bytes.Contains(buf.Bytes(), []byte("0.16403   0.05776")) {
		t.Errorf("run: %v\n%s", err, buf.String())
	}
}

// TestCardIVL checks IVL against its closed form: b minimises
// ‖P_Z(y − Xb)‖² + α‖y − Xb‖², so Xᵀ(P_Z + αI)X b = Xᵀ(P_Z + αI)y, solved
// here directly with gonum (P_Z applied by a least-squares solve on Z).
func TestCardIVL(t *testing.T) {
	d, err := cardData()
	if err != nil {
		t.Fatal(err)
	}
	rows, err := fits(d)
	if err != nil {
		t.Fatal(err)
	}
	n := len(d.Y)
	cols := func(c [][]float64) *mat.Dense {
		m := mat.NewDense(n, len(c), nil)
		for j, v := range c {
			m.SetCol(j, v)
		}
		return m
	}
	x := cols(append(slices.Clone(d.Exog), d.Endog...))
	z := cols(append(slices.Clone(d.Exog), d.Instruments...))
	y := mat.NewVecDense(n, slices.Clone(d.Y))
	project := func(a mat.Matrix) *mat.Dense { // P_Z a
		var coef, out mat.Dense
		if err := coef.Solve(z, a); err != nil {
			t.Fatal(err)
		}
		out.Mul(z, &coef)
		return &out
	}
	const alpha = 0.1
	px, py := project(x), project(y)
	var ax, ay mat.Dense // (P_Z + αI)X and (P_Z + αI)y
	ax.Scale(alpha, x)
	ax.Add(&ax, px)
	ay.Scale(alpha, y)
	ay.Add(&ay, py)
	var lhs, rhs, b mat.Dense
	lhs.Mul(x.T(), &ax)
	rhs.Mul(x.T(), &ay)
	if err := b.Solve(&lhs, &rhs); err != nil {
		t.Fatal(err)
	}
	_, k := x.Dims()
	if got, want := rows[3].Estimate, b.At(k-1, 0); math.Abs(got-want) > 1e-9*math.Abs(want) {
		t.Errorf("IVL educ %.15g, closed form %.15g", got, want)
	}
}

func near(got, want float64) bool { return math.Abs(got-want) <= 1e-8*math.Abs(want) }
