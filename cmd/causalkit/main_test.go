package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/causalkit/causalkit/internal/exampledata"
)

// runCLI runs the command line in-process and returns the exit status,
// stdout and stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// writeFile writes content to dir/name and returns the path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// cardFile writes the bundled Card data to a temporary CSV file.
func cardFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "card.csv")
	if err := os.WriteFile(path, exampledata.CardCSV, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const cardX = "educ,exper,expersq,black,smsa,south,smsa66,reg662,reg663,reg664,reg665,reg666,reg667,reg668,reg669"

type jsonResult struct {
	Command   string `json:"command"`
	N         int    `json:"n"`
	Estimates []struct {
		Term     string   `json:"term"`
		Estimate float64  `json:"estimate"`
		StdError *float64 `json:"std_error"`
		ConfLow  float64  `json:"conf_low"`
	} `json:"estimates"`
	Diagnostics map[string]json.RawMessage `json:"diagnostics"`
	Provenance  struct {
		Seed  uint64 `json:"seed"`
		Input struct {
			SHA256 string `json:"sha256"`
			Rows   int    `json:"rows"`
		} `json:"input"`
	} `json:"provenance"`
}

func decode(t *testing.T, s string) jsonResult {
	t.Helper()
	var r jsonResult
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		t.Fatalf("%v in %s", err, s)
	}
	return r
}

// TestLmCard checks the reference numbers end to end: CSV in, JSON out.
func TestLmCard(t *testing.T) {
	data := cardFile(t)
	for _, c := range []struct {
		args []string
		se   float64 // educ standard error (issue 2: statsmodels / R sandwich)
	}{
		{[]string{"--vce", "hc1"}, 0.00364624779725322},
		{[]string{"--small"}, 0.00349834563410109},
	} {
		args := append([]string{"lm", "--data", data, "--y", "lwage", "--x", cardX, "--format", "json"}, c.args...)
		code, out, stderr := runCLI(t, args...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		r := decode(t, out)
		if r.N != 3010 || r.Estimates[0].Term != "(Intercept)" || r.Estimates[1].Term != "educ" {
			t.Fatalf("n %d, terms %v", r.N, r.Estimates)
		}
		if e := math.Abs(r.Estimates[1].Estimate-0.0746932507735888) / 0.0746932507735888; e > 1e-9 {
			t.Errorf("educ %.17g", r.Estimates[1].Estimate)
		}
		if e := math.Abs(*r.Estimates[1].StdError-c.se) / c.se; e > 1e-9 {
			t.Errorf("%v: educ se %.17g, want %.17g", c.args, *r.Estimates[1].StdError, c.se)
		}
		if r.Provenance.Input.Rows != 3010 || len(r.Provenance.Input.SHA256) != 64 {
			t.Errorf("provenance %+v", r.Provenance)
		}
	}
}

// TestLmBootstrapWorkers checks that bootstrap output is identical for any
// number of workers.
func TestLmBootstrapWorkers(t *testing.T) {
	data := cardFile(t)
	var first string
	for _, w := range []string{"1", "2", "8"} {
		code, out, stderr := runCLI(t, "lm", "--data", data, "--y", "lwage", "--x", "educ,exper,black",
			"--bootstrap", "200", "--seed", "3", "--workers", w, "--format", "csv")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if first == "" {
			first = out
		} else if out != first {
			t.Fatalf("workers=%s output differs:\n%s\nvs\n%s", w, out, first)
		}
	}
}

// TestBadInput runs one case per error class: each must exit with status 2,
// name the problem on stderr, and leave no output file.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string { return writeFile(t, dir, name, content) }
	good := write("good.csv", "y,x,s,c\n1,2,a,1\n2,3,b,1\n3,5,c,1\n4,4,d,1\n")
	nan := write("nan.csv", "y,x\n1,2\n2,NaN\n3,5\n")
	empty := write("empty.csv", "")
	collinear := write("col.csv", "y,x,z\n1,1,2\n2,2,4\n3,4,8\n5,3,6\n")
	parquet := filepath.Join(dir, "good.parquet")
	if code, _, stderr := runCLI(t, "convert", "--data", good, "--out", parquet); code != 0 {
		t.Fatalf("convert: %s", stderr)
	}
	raw, err := os.ReadFile(parquet)
	if err != nil {
		t.Fatal(err)
	}
	truncated := write("truncated.parquet", string(raw[:len(raw)/2]))
	cases := []struct {
		name string
		args []string
		want string // substring of the error message
	}{
		{"missing column", []string{"--data", good, "--y", "y", "--x", "nope"}, "nope"},
		{"wrong type", []string{"--data", good, "--y", "y", "--x", "s"}, "string"},
		{"NaN", []string{"--data", nan, "--y", "y", "--x", "x"}, "row"},
		{"empty file", []string{"--data", empty, "--y", "y", "--x", "x"}, "empty"},
		{"truncated parquet", []string{"--data", truncated, "--y", "y", "--x", "x"}, "Parquet"},
		{"one cluster", []string{"--data", good, "--y", "y", "--x", "x", "--cluster", "c"}, "1 cluster"},
		{"collinear", []string{"--data", collinear, "--y", "y", "--x", "x,z"}, `"z"`},
		{"missing file", []string{"--data", filepath.Join(dir, "absent.csv"), "--y", "y", "--x", "x"}, "absent.csv"},
		{"bad flag value", []string{"--data", good, "--y", "y", "--x", "x", "--vce", "hc9"}, "--vce"},
		{"unknown flag", []string{"--data", good, "--y", "y", "--x", "x", "--bogus"}, "bogus"},
		{"missing required flag", []string{"--data", good, "--x", "x"}, "y"},
	}
	for _, c := range cases {
		out := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".json")
		args := append(append([]string{"lm"}, c.args...), "--out", out, "--format", "json")
		code, _, stderr := runCLI(t, args...)
		if code != 2 {
			t.Errorf("%s: exit %d, want 2 (stderr %q)", c.name, code, stderr)
		}
		if !strings.Contains(stderr, c.want) {
			t.Errorf("%s: stderr %q does not mention %q", c.name, stderr, c.want)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("%s: output file left behind", c.name)
		}
	}
	if code, _, _ := runCLI(t, "nosuchcommand"); code != 2 {
		t.Errorf("unknown command: exit %d", code)
	}
}

// TestSimulateFitsTruth simulates the linear model, converts nothing, and
// checks that lm recovers the documented coefficients within a few
// standard errors, reading the Parquet file that simulate wrote.
func TestSimulateFitsTruth(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lm.parquet")
	if code, _, stderr := runCLI(t, "simulate", "lm", "--n", "20000", "--p", "3", "--seed", "5", "--out", path, "--quiet"); code != 0 {
		t.Fatal(stderr)
	}
	code, out, stderr := runCLI(t, "lm", "--data", path, "--y", "y", "--x", "x1,x2,x3", "--cluster", "g", "--format", "json")
	if code != 0 {
		t.Fatal(stderr)
	}
	r := decode(t, out)
	truth := []float64{1, 0.5, -1, 1.5}
	for j, e := range r.Estimates {
		if z := (e.Estimate - truth[j]) / *e.StdError; math.Abs(z) > 4 {
			t.Errorf("%s: estimate %g, truth %g, z %g", e.Term, e.Estimate, truth[j], z)
		}
	}
	var groups int
	if err := json.Unmarshal(r.Diagnostics["clusters"], &groups); err != nil || groups != 50 {
		t.Errorf("clusters %d (%v)", groups, err)
	}
}

func TestDescribeAndVersion(t *testing.T) {
	code, out, stderr := runCLI(t, "describe", "--data", cardFile(t), "--format", "json")
	if code != 0 {
		t.Fatal(stderr)
	}
	var d struct {
		Rows    int `json:"rows"`
		Columns []struct {
			Name string `json:"name"`
		} `json:"columns"`
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil || d.Rows != 3010 || d.Columns[0].Name != "lwage" {
		t.Errorf("describe: %v %s", err, out)
	}
	if code, out, _ := runCLI(t, "version"); code != 0 || !strings.HasPrefix(out, "causalkit ") {
		t.Errorf("version: %d %q", code, out)
	}
}

func TestDemo(t *testing.T) {
	code, out, stderr := runCLI(t, "demo")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "educ") || !strings.Contains(out, "0.0747") {
		t.Errorf("demo output lacks the Card estimate:\n%s", out)
	}
}

// TestInterrupt runs a bootstrap with an already cancelled context: the
// command stops with status 130 and writes no output file.
func TestInterrupt(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out := filepath.Join(t.TempDir(), "out.json")
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"lm", "--data", cardFile(t), "--y", "lwage", "--x", "educ", "--bootstrap", "1000", "--out", out}, &stdout, &stderr)
	if code != 130 {
		t.Errorf("exit %d, want 130 (%s)", code, stderr.String())
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Error("output file written after interruption")
	}
}

// TestIVCard runs the Card 2SLS through the command line (JSON) and
// checks the estimate, the HC1 standard error and the first-stage F.
func TestIVCard(t *testing.T) {
	code, out, stderr := runCLI(t, "iv", "--data", cardFile(t), "--y", "lwage", "--endog", "educ", "--instruments", "nearc4",
		"--exog", "exper,expersq,black,smsa,south,smsa66,reg662..reg669", "--vce", "hc1", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	r := decode(t, out)
	educ := r.Estimates[len(r.Estimates)-1]
	if educ.Term != "educ" || math.Abs(educ.Estimate-0.131503775091925)/0.131503775091925 > 1e-6 ||
		math.Abs(*educ.StdError-0.0541436164480758)/0.0541436164480758 > 1e-6 {
		t.Errorf("educ row %+v (se %v)", educ, *educ.StdError)
	}
	var fs []struct {
		Term  string  `json:"term"`
		FStat float64 `json:"f_stat"`
		DF1   float64 `json:"df1"`
		DF2   float64 `json:"df2"`
	}
	if err := json.Unmarshal(r.Diagnostics["first_stage"], &fs); err != nil {
		t.Fatal(err)
	}
	// HC1 Wald/q of the first stage: the HC0 value 14.2142 (specs/iv.md) times n−k over n.
	if len(fs) != 1 || fs[0].DF1 != 1 || fs[0].DF2 != 2994 || math.Abs(fs[0].FStat-14.2142*2994/3010) > 0.01 {
		t.Errorf("first stage %+v", fs)
	}
	var ar struct {
		ConfSet [][]float64 `json:"conf_set"`
		Kind    string      `json:"conf_set_kind"`
	}
	if err := json.Unmarshal(r.Diagnostics["anderson_rubin"], &ar); err != nil || ar.Kind != "bounded" || len(ar.ConfSet) != 1 {
		t.Errorf("AR %+v %v", ar, err)
	}
}

// TestIVErrors checks that IV misuse exits with status 2 and a message.
func TestIVErrors(t *testing.T) {
	data := cardFile(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--endog", "educ,exper", "--instruments", "nearc4"}, "at least as many"},
		{[]string{"--endog", "educ", "--instruments", "nearc4", "--exog", "educ"}, "listed twice"},
		{[]string{"--endog", "educ", "--instruments", "nearc4", "--method", "anchor"}, "--gamma"},
		{[]string{"--endog", "educ", "--instruments", "nearc4", "--method", "bogus"}, "bogus"},
		{[]string{"--endog", "educ", "--instruments", "nearc4", "--alpha-select", "cv"}, "--method ivl"},
	} {
		args := append([]string{"iv", "--data", data, "--y", "lwage"}, c.args...)
		code, _, stderr := runCLI(t, args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q (want %q)", c.args, code, stderr, c.want)
		}
	}
	// Anchor regression runs and says that it has no analytic errors.
	code, out, stderr := runCLI(t, "iv", "--data", data, "--y", "lwage", "--endog", "educ", "--instruments", "nearc4",
		"--method", "anchor", "--gamma", "2", "--format", "json")
	if code != 0 || !strings.Contains(stderr, "--bootstrap") {
		t.Fatalf("anchor: exit %d, %s", code, stderr)
	}
	if r := decode(t, out); r.Estimates[1].StdError != nil {
		t.Errorf("anchor has a standard error %v", *r.Estimates[1].StdError)
	}
}

// TestRDDSenate runs the rdrobust default call through the command line and
// checks the published numbers (rdrobust 4.0.0: 7.414131, robust CI
// [4.093699, 10.919306], h 17.754397, b 28.028087).
func TestRDDSenate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "senate.csv")
	if err := os.WriteFile(path, exampledata.SenateCSV, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runCLI(t, "rdd", "--data", path, "--y", "vote", "--x", "margin", "--format", "json", "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var r struct {
		Estimates []struct {
			Term     string  `json:"term"`
			Estimate float64 `json:"estimate"`
			ConfLow  float64 `json:"conf_low"`
			ConfHigh float64 `json:"conf_high"`
		} `json:"estimates"`
		Bandwidth map[string]float64 `json:"bandwidth"`
		N         map[string]int     `json:"n"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	near := func(what string, got, want float64) {
		if math.Abs(got-want) > 5e-7*math.Abs(want) {
			t.Errorf("%s = %.9g, rdrobust %g", what, got, want)
		}
	}
	if len(r.Estimates) != 3 || r.Estimates[0].Term != "conventional" || r.Estimates[2].Term != "robust" {
		t.Fatalf("rows %+v", r.Estimates)
	}
	near("conventional", r.Estimates[0].Estimate, 7.414131)
	near("robust low", r.Estimates[2].ConfLow, 4.093699)
	near("robust high", r.Estimates[2].ConfHigh, 10.919306)
	near("h", r.Bandwidth["h_left"], 17.754397)
	near("b", r.Bandwidth["b_right"], 28.028087)
	if r.N["left"] != 595 || r.N["right"] != 702 || r.N["h_left"] != 360 || r.N["h_right"] != 323 {
		t.Errorf("n %v", r.N)
	}
}

// TestRDDErrors checks the input errors users hit.
func TestRDDErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string { return writeFile(t, dir, name, content) }
	var b strings.Builder
	b.WriteString("y,x,t\n")
	for i := range 60 {
		fmt.Fprintf(&b, "%d,%d,%d\n", i%7, i-30, 1)
	}
	data := write("d.csv", b.String())
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--cutoff", "100"}, "outside the range"},
		{[]string{"--fuzzy", "t"}, "no variation"},
		{[]string{"--kernel", "gauss"}, "gauss"},
		{[]string{"--bwselect", "ik"}, "ik"},
		{[]string{"--p", "2", "--q", "1"}, "q"},
	} {
		args := append([]string{"rdd", "--data", data, "--y", "y", "--x", "x"}, c.args...)
		code, _, stderr := runCLI(t, args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, %q (want %q)", c.args, code, stderr, c.want)
		}
	}
}

// TestRunVerify runs an analysis file, verifies its manifest, then changes
// one byte of the input and checks that verify names the input and every
// affected output and exits with status 2.
func TestRunVerify(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "card.csv")
	if err := os.WriteFile(data, exampledata.CardCSV, 0o644); err != nil {
		t.Fatal(err)
	}
	analysis := filepath.Join(dir, "a.toml")
	if err := os.WriteFile(analysis, []byte(`name = "t"
seed = 3
[[step]]
name = "ols"
command = "lm"
data = "card.csv"
args = ["--y", "lwage", "--x", "educ,exper", "--bootstrap", "50"]
[[step]]
name = "sim"
command = "simulate rdd"
out = "rdd.csv"
args = ["--n", "500"]
seed = 9
[[step]]
name = "rd"
command = "rdd"
data = "out/rdd.csv"
args = ["--y", "y", "--x", "x"]
`), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	if code, _, stderr := runCLI(t, "run", analysis, "--out", out, "--quiet"); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	for _, f := range []string{"manifest.json", "ols.json", "ols.csv", "ols.txt", "rdd.csv", "rd.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("missing output %s", f)
		}
	}
	manifest := filepath.Join(out, "manifest.json")
	var m struct {
		Steps []struct {
			Command []string `json:"command"`
		} `json:"steps"`
	}
	if raw, err := os.ReadFile(manifest); err != nil || json.Unmarshal(raw, &m) != nil || len(m.Steps) != 3 {
		t.Fatalf("manifest: %v", err)
	}
	// The step's own seed replaces the analysis seed.
	for k, want := range []string{"3", "9", "3"} {
		c := m.Steps[k].Command
		if i := slices.Index(c, "--seed"); i < 0 || c[i+1] != want {
			t.Errorf("step %d: %v, want --seed %s", k, c, want)
		}
	}
	if code, stdout, stderr := runCLI(t, "verify", manifest); code != 0 || !strings.Contains(stdout, "verified") {
		t.Fatalf("verify: exit %d: %s %s", code, stdout, stderr)
	}
	// Change one byte of the data: the age of the first respondent.
	b := bytes.Replace(exampledata.CardCSV, []byte("\n6.306275,7,"), []byte("\n6.306275,8,"), 1)
	if bytes.Equal(b, exampledata.CardCSV) {
		t.Fatal("test data changed; adjust the replacement")
	}
	if err := os.WriteFile(data, b, 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, "verify", manifest)
	if code != 2 || !strings.Contains(stderr, "input card.csv changed") || !strings.Contains(stderr, "ols.json") {
		t.Errorf("verify after a change: exit %d, %s", code, stderr)
	}
	if strings.Contains(stderr, "step rd:") {
		t.Errorf("an unaffected step is reported: %s", stderr)
	}
}

// TestRDDDensity runs the manipulation test on the Senate margin (rddensity
// 3.0: robust T = −0.8753, p = 0.3814, h = (19.841, 27.119)).
func TestRDDDensity(t *testing.T) {
	path := filepath.Join(t.TempDir(), "senate.csv")
	if err := os.WriteFile(path, exampledata.SenateCSV, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runCLI(t, "rdd", "density", "--data", path, "--x", "margin", "--format", "json", "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var r struct {
		Diagnostics struct {
			Robust struct {
				Statistic float64 `json:"statistic"`
				PValue    float64 `json:"p_value"`
			} `json:"robust"`
		} `json:"diagnostics"`
		Bandwidth map[string]float64 `json:"bandwidth"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if math.Abs(r.Diagnostics.Robust.Statistic+0.8753) > 5e-5 || math.Abs(r.Diagnostics.Robust.PValue-0.3814) > 5e-5 ||
		math.Abs(r.Bandwidth["h_left"]-19.841) > 5e-4 || math.Abs(r.Bandwidth["h_right"]-27.119) > 5e-4 {
		t.Errorf("density test %+v", r)
	}
}

// TestRDDPlot draws the RD plot to PNG and SVG files.
func TestRDDPlot(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "senate.csv")
	if err := os.WriteFile(path, exampledata.SenateCSV, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"rd.png", "rd.svg"} {
		fig := filepath.Join(dir, name)
		code, _, stderr := runCLI(t, "rdd", "--data", path, "--y", "vote", "--x", "margin", "--plot", fig, "--plot-ci", "--quiet")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		b, err := os.ReadFile(fig)
		if err != nil || len(b) < 5000 {
			t.Fatalf("%s: %v (%d bytes)", name, err, len(b))
		}
		if strings.HasSuffix(name, ".png") != strings.HasPrefix(string(b), "\x89PNG") {
			t.Errorf("%s has the wrong format", name)
		}
	}
	if code, _, stderr := runCLI(t, "rdd", "--data", path, "--y", "vote", "--x", "margin", "--plot", filepath.Join(dir, "rd.pdf")); code != 2 || !strings.Contains(stderr, ".png or .svg") {
		t.Errorf("pdf plot: exit %d %s", code, stderr)
	}
}

// TestR3DCommand simulates the distributional design (true effect 2.27 at
// every quantile), runs r3d from the long Parquet file and checks the JSON
// contract of CLI.md, the band's coverage of the truth, the compat mode,
// injected multipliers, and the figure.
func TestR3DCommand(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "r3d.parquet")
	if code, _, stderr := runCLI(t, "simulate", "r3d", "--n", "400", "--draws", "40", "--seed", "3", "--out", data, "--quiet"); code != 0 {
		t.Fatal(stderr)
	}
	fig := filepath.Join(dir, "r3d.svg")
	code, out, stderr := runCLI(t, "r3d", "--data", data, "--unit", "unit", "--x", "x", "--y", "y",
		"--quantiles", "0.1:0.9:0.1", "--bootstrap", "300", "--format", "json", "--quiet", "--plot", fig)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var r struct {
		Command string `json:"command"`
		N       int    `json:"n"`
		Curves  []struct {
			Quantile float64 `json:"quantile"`
			Estimate float64 `json:"estimate"`
			ConfLow  float64 `json:"conf_low"`
			ConfHigh float64 `json:"conf_high"`
			H        float64 `json:"h"`
			MPlus    float64 `json:"m_plus"`
			MMinus   float64 `json:"m_minus"`
		} `json:"curves"`
		Bandwidth struct {
			Num []float64 `json:"num"`
			Den *float64  `json:"den"`
		} `json:"bandwidth"`
		CriticalValue *float64 `json:"critical_value"`
		Tests         []struct {
			Name  string     `json:"name"`
			Range [2]float64 `json:"range"`
		} `json:"tests"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Command != "r3d" || r.N != 400 || len(r.Curves) != 9 || len(r.Bandwidth.Num) != 9 || r.Bandwidth.Den != nil ||
		r.CriticalValue == nil || len(r.Tests) != 3 || r.Tests[0].Range != [2]float64{0.1, 0.9} {
		t.Fatalf("JSON %+v", r)
	}
	for _, c := range r.Curves {
		if !(c.ConfLow <= 2.27 && 2.27 <= c.ConfHigh) || math.Abs(c.MPlus-c.MMinus-c.Estimate) > 1e-12 {
			t.Errorf("q = %g: band [%g, %g] misses 2.27 or m+ − m− ≠ τ", c.Quantile, c.ConfLow, c.ConfHigh)
		}
	}
	if b, err := os.ReadFile(fig); err != nil || !bytes.Contains(b, []byte("<svg")) {
		t.Errorf("figure: %v", err)
	}
	// Injected multipliers (400 units × 40 replicates, with a header) and
	// compat mode run; the multipliers fix the band whatever the seed.
	var mb strings.Builder
	for b := range 40 {
		if b > 0 {
			mb.WriteString(",")
		}
		fmt.Fprintf(&mb, "b%d", b+1)
	}
	mb.WriteString("\n")
	for i := range 400 {
		for b := range 40 {
			if b > 0 {
				mb.WriteString(",")
			}
			fmt.Fprintf(&mb, "%d", (i*7+b*13)%3-1)
		}
		mb.WriteString("\n")
	}
	mult := filepath.Join(dir, "xi.csv")
	if err := os.WriteFile(mult, []byte(mb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	var first string
	for range 2 {
		code, out, stderr := runCLI(t, "r3d", "--data", data, "--unit", "unit", "--x", "x", "--y", "y", "--quantiles", "0.25,0.5,0.75",
			"--multipliers", mult, "--compat", "--format", "csv", "--quiet", "--seed", fmt.Sprint(len(first)))
		if code != 0 {
			t.Fatalf("multipliers: exit %d: %s", code, stderr)
		}
		if first != "" && out != first {
			t.Error("injected multipliers: the band depends on the seed")
		}
		first = out
	}
}

// TestR3DErrors checks the input errors of the distributional command.
func TestR3DErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string { return writeFile(t, dir, name, content) }
	var b strings.Builder
	b.WriteString("unit,x,y\n")
	for u := range 30 {
		for k := range 5 {
			y := fmt.Sprint(u + k)
			if u == 7 {
				y = "NA" // every draw of unit 7 is missing
			}
			fmt.Fprintf(&b, "%d,%g,%s\n", u, float64(u)/15-1, y)
		}
	}
	data := write("d.csv", b.String())
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--unit", "unit", "--x", "x", "--y", "y"}, `unit "7"`},
		{[]string{"--unit", "unit", "--x", "x", "--y", "y", "--quantiles", "0.5:0.1:0.1"}, "--quantiles"},
		{[]string{"--unit", "unit", "--x", "x", "--y", "y", "--method", "median"}, "median"},
	} {
		args := append([]string{"r3d", "--data", data}, c.args...)
		code, _, stderr := runCLI(t, args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, %q (want %q)", c.args, code, stderr, c.want)
		}
	}
	// The running variable must be constant within a unit.
	varying := write("v.csv", "unit,x,y\n1,0.1,1\n1,0.2,2\n2,-0.1,3\n2,-0.1,4\n")
	code, _, stderr := runCLI(t, "r3d", "--data", varying, "--unit", "unit", "--x", "x", "--y", "y")
	if code != 2 || !strings.Contains(stderr, "varies within unit") {
		t.Errorf("varying x: exit %d, %q", code, stderr)
	}
}
