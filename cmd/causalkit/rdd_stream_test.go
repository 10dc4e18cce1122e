package main

import (
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// rddStreamData simulates the sharp RD design and adds a fuzzy treatment,
// weights with zeros, string clusters, a running variable with mass points
// and some missing outcomes; Parquet row groups of 700 rows.
func rddStreamData(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	lines := simulatedLines(t, dir, "rdd", "--n", "6000", "--seed", "5")
	lines[0] += ",t,wt,g,xr"
	for i := 1; i < len(lines); i++ {
		var y, x float64
		if _, err := fmt.Sscanf(strings.Replace(lines[i], ",", " ", 1), "%g %g", &y, &x); err != nil {
			t.Fatal(err)
		}
		tr := 0
		if (x >= 0) != (i%9 == 0) {
			tr = 1
		}
		lines[i] += fmt.Sprintf(",%d,%d,g%d,%g", tr, i%5, i%37, math.Round(x*40)/40)
		if i%311 == 5 {
			lines[i] = "," + lines[i][strings.Index(lines[i], ",")+1:] // y missing
		}
	}
	return toParquet(t, dir, "rdd", lines)
}

// TestRDDStream runs rdd in memory and streamed (an external sort in runs
// of about a thousand rows, merged into memory-mapped columns) and
// requires the same result: estimates, errors, bandwidths and counts.
func TestRDDStream(t *testing.T) {
	data := rddStreamData(t)
	base := []string{"rdd", "--data", data, "--y", "y", "--format", "json"}
	cases := [][]string{
		{"--x", "x"},
		{"--x", "x", "--vce", "hc1", "--kernel", "uniform", "--bwselect", "msetwo"},
		{"--x", "x", "--weights", "wt", "--vce", "hc3"},
		{"--x", "x", "--fuzzy", "t"},
		{"--x", "x", "--cluster", "g", "--vce", "hc2"},
		{"--x", "x", "--cluster", "g"},
		{"--x", "xr", "--p", "2"},
		{"--x", "x", "--h", "0.3", "--b", "0.5", "--cutoff", "0.1"},
		{"--x", "x", "--covs", "t,wt,xr", "--vce", "hc1"},
	}
	for _, extra := range cases {
		name := strings.Join(extra, " ")
		var res [2]map[string]any
		for i, mem := range [][]string{nil, {"--memory-limit", "1KiB"}} {
			code, out, stderr := runCLI(t, append(append(base, extra...), mem...)...)
			if code != 0 {
				t.Fatalf("%s %v: exit %d: %s", name, mem, code, stderr)
			}
			if err := json.Unmarshal([]byte(out), &res[i]); err != nil {
				t.Fatal(err)
			}
			if i == 1 && !strings.Contains(stderr, "streaming") {
				t.Errorf("%s: not streamed: %s", name, stderr)
			}
			if !strings.Contains(stderr, "dropped 20 of 6000 rows") {
				t.Errorf("%s %v: no note of the dropped rows: %s", name, mem, stderr)
			}
			delete(res[i], "provenance")
		}
		if !reflect.DeepEqual(res[0], res[1]) {
			t.Errorf("%s: in memory\n%v\nstreamed\n%v", name, res[0], res[1])
		}
	}
	// The RD plot needs every row in memory and says so.
	code, _, stderr := runCLI(t, append(base, "--x", "x", "--memory-limit", "1KiB", "--plot", filepath.Join(t.TempDir(), "rd.png"))...)
	if code != 2 || !strings.Contains(stderr, "does not fit --memory-limit") {
		t.Errorf("--plot streamed: exit %d: %s", code, stderr)
	}
}
