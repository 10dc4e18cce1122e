package main

import (
	"bytes"
	"math"
	"testing"
)

// The references are rdrobust 4.0.0 in R on the same data
// (rdd/testdata/rdrobust_reference.json, case "default"); rdrobust prints
// them rounded as 7.414131 (SE 1.458716), robust CI [4.093699, 10.919306],
// h 17.754397.
func TestSenate(t *testing.T) {
	r, err := estimate()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"conventional", r.Conventional.Coef, 7.41413080197242},
		{"conventional se", r.Conventional.SE, 1.45871602382562},
		{"robust se", r.Robust.SE, 1.74125841460759},
		{"robust low", r.Robust.Low, 4.09369869017763},
		{"robust high", r.Robust.High, 10.919306250994},
		{"h", r.H[0], 17.7543972211699},
		{"b", r.B[0], 28.0280871511562},
	} {
		if math.Abs(c.got-c.want) > 1e-8*math.Abs(c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	// The rounded numbers rdrobust prints.
	for _, c := range [][2]float64{{r.Conventional.Coef, 7.414131}, {r.Conventional.SE, 1.458716}, {r.H[0], 17.754397}} {
		if math.Abs(c[0]-c[1]) > 5e-7 {
			t.Errorf("%v, want %v", c[0], c[1])
		}
	}
	if r.N != [2]int{595, 702} {
		t.Errorf("N = %v, want [595 702]", r.N)
	}
	var buf bytes.Buffer
	if err := run(&buf); err != nil || !bytes.Contains(buf.Bytes(), []byte("7.4141    1.4587")) {
		t.Errorf("run: %v\n%s", err, buf.String())
	}
}
