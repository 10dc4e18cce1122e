package estimators

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// TestQRAccumulator checks the triangle against gonum's QR of the whole
// weighted matrix (equal up to the signs of R's rows), and that adding rows
// in two accumulators and merging gives the same triangle.
func TestQRAccumulator(t *testing.T) {
	x, y, _, _ := simulatedDesign(2500, 4, 2) // 2500 rows: three blocks
	cols := append(append([][]float64{}, x...), y)
	w := make([]float64, len(y))
	for i := range w {
		w[i] = 0.5 + float64(i%3)
	}
	q := len(cols)
	acc := NewQRAccumulator(q)
	acc.Add(cols, w)
	if acc.Rows() != 2500 {
		t.Fatalf("rows %d", acc.Rows())
	}
	a := mat.NewDense(len(y), q, nil)
	for j, c := range cols {
		for i, v := range c {
			a.Set(i, j, math.Sqrt(w[i])*v)
		}
	}
	var qr mat.QR
	qr.Factorize(a)
	var want mat.Dense
	qr.RTo(&want)
	got := acc.R()
	for i := range q {
		sign := math.Copysign(1, got.At(i, i)) * math.Copysign(1, want.At(i, i))
		for j := i; j < q; j++ {
			if e := math.Abs(got.At(i, j) - sign*want.At(i, j)); e > 1e-10*math.Abs(want.At(i, i)) {
				t.Errorf("R[%d,%d] = %g, gonum %g", i, j, got.At(i, j), sign*want.At(i, j))
			}
		}
	}
	// Split the rows 0:1000 and 1000:2500 over two accumulators.
	part := func(lo, hi int) *QRAccumulator {
		sub := make([][]float64, q)
		for j, c := range cols {
			sub[j] = c[lo:hi]
		}
		p := NewQRAccumulator(q)
		p.Add(sub, w[lo:hi])
		return p
	}
	merged := part(0, 1000)
	merged.Merge(part(1000, 2500))
	if merged.Rows() != 2500 {
		t.Fatalf("merged rows %d", merged.Rows())
	}
	// RᵀR is invariant to the row signs; compare it.
	var g1, g2 mat.Dense
	g1.Mul(got.T(), got)
	m := merged.R()
	g2.Mul(m.T(), m)
	for i := range q {
		for j := range q {
			if e := math.Abs(g1.At(i, j) - g2.At(i, j)); e > 1e-9*math.Abs(g1.At(i, i)) {
				t.Errorf("RᵀR[%d,%d]: %g vs merged %g", i, j, g1.At(i, j), g2.At(i, j))
			}
		}
	}
}
