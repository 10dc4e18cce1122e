package main

import (
	"bytes"
	"math"
	"testing"
)

// The references are the output of `causalkit invariance icp --data
// internal/exampledata/impc.csv --target Y --env E --features X_1..X_5
// --format json` (the same ICP code behind the command line, so a
// regression check rather than an independent one; invariance/icp_test.go
// compares ICP itself with R's InvariantCausalPrediction).
func TestInvariance(t *testing.T) {
	r, err := estimate()
	if err != nil {
		t.Fatal(err)
	}
	if r.ModelRejected || len(r.AcceptedSets) != 21 || r.Environments != 14 {
		t.Errorf("rejected %t, %d accepted sets, %d environments; want false, 21, 14", r.ModelRejected, len(r.AcceptedSets), r.Environments)
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"X_1 conf_high", r.ConfHigh[0], 0.08182768233604165},
		{"X_4 conf_high", r.ConfHigh[3], 1.7053562648340583},
		{"X_5 conf_low", r.ConfLow[4], -0.4469531153961011},
		{"X_5 conf_high", r.ConfHigh[4], 0.08097162998838733},
		{"X_3 p-value", r.PValues[2], 0.07355681408859563},
		{"best model", r.BestModel, 0.31988302207938124},
	} {
		if math.Abs(c.got-c.want) > 1e-8*math.Abs(c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	var buf bytes.Buffer
	if err := run(&buf); err != nil || !bytes.Contains(buf.Bytes(), []byte("21 of 32 sets accepted")) {
		t.Errorf("run: %v\n%s", err, buf.String())
	}
}
