package main

import (
	"bytes"
	"math"
	"testing"
)

// The reference is cregg 0.3.7 in R with sandwich::vcovCL(type = "HC1")
// on the same data (conjoint/testdata, taxes_amce_cr1).
func TestTaxes(t *testing.T) {
	r, err := estimate()
	if err != nil {
		t.Fatal(err)
	}
	if r.N != 32000 || r.Clusters != 2000 {
		t.Errorf("N %d, clusters %d, want 32000, 2000", r.N, r.Clusters)
	}
	i := r.Find("taxrate1", "<10k: 5%")
	if i < 0 {
		t.Fatal("no row for taxrate1 <10k: 5%")
	}
	e := r.Estimates[i]
	if math.Abs(e.Estimate+0.0139987267386844) > 1e-8*0.0139987267386844 || math.Abs(e.StdError-0.00837098896359114) > 1e-8*0.00837098896359114 {
		t.Errorf("AMCE %v (%v), want -0.0139987267386844 (0.00837098896359114)", e.Estimate, e.StdError)
	}
	var buf bytes.Buffer
	if err := run(&buf); err != nil || !bytes.Contains(buf.Bytes(), []byte("<10k: 5%       -0.0140    0.0084")) {
		t.Errorf("run: %v\n%s", err, buf.String())
	}
}
