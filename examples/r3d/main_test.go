package main

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

// TestR3D checks the example against its design's truth: the uniform band
// covers the true effect 2.27 at every decile, nullity is rejected and
// homogeneity is not, and the printed output is the same on every run (the
// band comes from the seed).
func TestR3D(t *testing.T) {
	r, err := estimate()
	if err != nil {
		t.Fatal(err)
	}
	for j, q := range r.Grid {
		if !(r.Low[j] <= 2.27 && 2.27 <= r.High[j]) || math.Abs(r.Tau[j]-2.27) > 0.5 {
			t.Errorf("q = %g: tau %.4f, band [%.4f, %.4f]; the truth is 2.27", q, r.Tau[j], r.Low[j], r.High[j])
		}
	}
	for _, test := range r.Tests {
		switch test.Name {
		case "nullity":
			if !(test.PValue < 0.01) {
				t.Errorf("nullity p = %g; the effect is 2.27", test.PValue)
			}
		case "homogeneity":
			if !(test.PValue > 0.01) {
				t.Errorf("homogeneity p = %g; the effect is the same at every quantile", test.PValue)
			}
		}
	}
	var a, b bytes.Buffer
	if err := run(&a); err != nil {
		t.Fatal(err)
	}
	if err := run(&b); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() || !strings.Contains(a.String(), "uniform band") {
		t.Errorf("output differs between runs or lacks the band:\n%s", a.String())
	}
}
