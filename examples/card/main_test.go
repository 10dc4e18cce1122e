package main

import (
	"bytes"
	"math"
	"testing"
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

func near(got, want float64) bool { return math.Abs(got-want) <= 1e-8*math.Abs(want) }
