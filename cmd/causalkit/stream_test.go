package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// streamData simulates the IV design and converts it to Parquet with small
// row groups; some outcomes are missing, so that rows are dropped.
func streamData(t *testing.T) (dir, parquet string) {
	t.Helper()
	dir = t.TempDir()
	lines := simulatedLines(t, dir, "iv", "--n", "5000", "--seed", "3")
	lines[0] += ",wt"
	for i := 1; i < len(lines); i++ {
		lines[i] += fmt.Sprintf(",%d", 1+i%5)
		if i%211 == 7 {
			lines[i] = "," + lines[i][strings.Index(lines[i], ",")+1:] // y missing
		}
	}
	return dir, toParquet(t, dir, "iv", lines)
}

// simulatedLines runs `causalkit simulate KIND ARGS…` into DIR/KIND.csv and
// returns the file's lines.
func simulatedLines(t *testing.T, dir, kind string, args ...string) []string {
	t.Helper()
	csv := filepath.Join(dir, kind+".csv")
	if code, _, stderr := runCLI(t, append(append([]string{"simulate", kind}, args...), "--out", csv, "--quiet")...); code != 0 {
		t.Fatal(stderr)
	}
	raw, err := os.ReadFile(csv)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(raw)), "\n")
}

// toParquet writes lines to DIR/NAME.csv and converts them to
// DIR/NAME.parquet in row groups of 700 rows.
func toParquet(t *testing.T, dir, name string, lines []string) string {
	t.Helper()
	csv := writeFile(t, dir, name+".csv", strings.Join(lines, "\n")+"\n")
	parquet := filepath.Join(dir, name+".parquet")
	if code, _, stderr := runCLI(t, "convert", "--data", csv, "--out", parquet, "--row-group-size", "700"); code != 0 {
		t.Fatal(stderr)
	}
	return parquet
}

type fullResult struct {
	N         int `json:"n"`
	Estimates []struct {
		Term     string  `json:"term"`
		Estimate float64 `json:"estimate"`
		StdError float64 `json:"std_error"`
	} `json:"estimates"`
	Diagnostics map[string]any `json:"diagnostics"`
}

// TestStreamMatchesInMemory runs lm and iv in memory and streamed (a
// memory limit far below the data) and compares estimates and standard
// errors to 1e-12 relative.
func TestStreamMatchesInMemory(t *testing.T) {
	_, data := streamData(t)
	iv := []string{"iv", "--data", data, "--y", "y", "--endog", "d", "--instruments", "z1,z2,z3", "--exog", "w1..w10"}
	lm := []string{"lm", "--data", data, "--y", "y", "--x", "d,w1..w10"}
	cases := [][]string{
		append(iv, "--vce", "unadjusted"),
		append(iv, "--vce", "hc1"),
		append(iv, "--vce", "hc3", "--method", "liml"),
		append(iv, "--vce", "cluster", "--cluster", "w3", "--small"),
		append(lm, "--vce", "hc1"),
		append(lm, "--vce", "cluster", "--cluster", "w3", "--cluster-type", "cr2"),
		append(lm, "--weights", "wt", "--vce", "hc0"),
		append(iv, "--weights", "wt", "--vce", "hc2"),
	}
	for _, args := range cases {
		name := strings.Join(args[4:], " ")
		var res [2]fullResult
		for i, extra := range [][]string{nil, {"--memory-limit", "1KiB"}} {
			code, out, stderr := runCLI(t, append(append(args, extra...), "--format", "json")...)
			if code != 0 {
				t.Fatalf("%s %v: exit %d: %s", name, extra, code, stderr)
			}
			if err := json.Unmarshal([]byte(out), &res[i]); err != nil {
				t.Fatal(err)
			}
			if i == 1 && !strings.Contains(stderr, "streaming") {
				t.Errorf("%s: not streamed: %s", name, stderr)
			}
		}
		mem, str := res[0], res[1]
		if mem.N != str.N || mem.N == 0 || mem.N == 5000 {
			t.Errorf("%s: n %d in memory, %d streamed", name, mem.N, str.N)
		}
		// The IV diagnostics, robust ones included (their meats ride the
		// second pass).
		if args[0] == "iv" {
			if _, ok := str.Diagnostics["diagnostics_vce"]; ok {
				t.Errorf("%s: streamed diagnostics fell back to the classical covariance", name)
			}
			num := func(r fullResult, path ...string) float64 {
				var v any = r.Diagnostics
				for _, p := range path {
					switch x := v.(type) {
					case map[string]any:
						v = x[p]
					case []any:
						v = x[0]
					}
				}
				f, ok := v.(float64)
				if !ok {
					return math.NaN()
				}
				return f
			}
			// Hansen's J comes with robust errors, Sargan without: one of
			// the two is present (3 instruments, 1 endogenous).
			over := []string{"sargan", "statistic"}
			if !slices.Contains(args, "unadjusted") {
				over = []string{"hansen_j", "statistic"}
			}
			for _, path := range [][]string{{"first_stage", "0", "f_stat"}, over, {"cragg_donald", "statistic"}} {
				a, b := num(mem, path...), num(str, path...)
				if !(a > 0) || math.Abs(a-b) > 1e-10*a {
					t.Errorf("%s: diagnostics %v: %.17g in memory, %.17g streamed", name, path, a, b)
				}
			}
		}
		for j, e := range mem.Estimates {
			s := str.Estimates[j]
			for _, p := range [][2]float64{{e.Estimate, s.Estimate}, {e.StdError, s.StdError}} {
				if math.Abs(p[0]-p[1]) > 1e-12*math.Abs(p[0]) {
					t.Errorf("%s: %s: %.17g in memory, %.17g streamed", name, e.Term, p[0], p[1])
				}
			}
		}
	}
}

// TestShardCombine splits lm and iv runs into shards, combines the
// partials (with a stage round for robust errors), and checks that the
// result is byte-identical to the single streamed run.
func TestShardCombine(t *testing.T) {
	dir, data := streamData(t)
	for c, args := range [][]string{
		{"lm", "--data", data, "--y", "y", "--x", "d,w1..w10", "--vce", "unadjusted"},
		{"iv", "--data", data, "--y", "y", "--endog", "d", "--instruments", "z1,z2,z3", "--exog", "w1..w10", "--vce", "hc1"},
		{"iv", "--data", data, "--y", "y", "--endog", "d", "--instruments", "z1,z2,z3", "--vce", "cluster", "--cluster", "w3"},
		{"lm", "--data", data, "--y", "y", "--x", "d,w1", "--bootstrap", "199", "--bootstrap-type", "wild"},
		{"iv", "--data", data, "--y", "y", "--endog", "d", "--instruments", "z1,z2,z3", "--cluster", "wt", "--bootstrap", "99", "--bootstrap-type", "wild", "--multiplier", "mammen"},
		{"iv", "--data", data, "--y", "y", "--endog", "d", "--instruments", "z1,z2,z3", "--method", "ivl", "--alpha", "0.3", "--bootstrap", "49", "--vce", "unadjusted"},
	} {
		code, want, stderr := runCLI(t, append(args, "--memory-limit", "1KiB", "--format", "json", "--quiet")...)
		if code != 0 {
			t.Fatal(stderr)
		}
		// Row groups read by one goroutine or many: the same bits.
		if _, one, _ := runCLI(t, append(args, "--memory-limit", "1KiB", "--format", "json", "--quiet", "--workers", "1")...); one != want {
			t.Errorf("%v: --workers 1 differs from the default", args)
		}
		const shards = 3
		part := func(round, i int) string { return filepath.Join(dir, fmt.Sprintf("c%d_r%d_%d.arrow", c, round, i)) }
		var parts []string
		for i := 1; i <= shards; i++ {
			if code, _, stderr := runCLI(t, append(args, "--shard", fmt.Sprintf("%d/%d", i, shards), "--out", part(1, i))...); code != 0 {
				t.Fatalf("%v shard %d: %s", args, i, stderr)
			}
			parts = append(parts, part(1, i))
		}
		stage := filepath.Join(dir, fmt.Sprintf("c%d_stage.arrow", c))
		robust := !strings.Contains(strings.Join(args, " "), "unadjusted") // a second pass: meat or bootstrap
		if robust {
			if code, _, stderr := runCLI(t, append([]string{"combine", "--out", stage}, parts...)...); code != 0 || !strings.Contains(stderr, "--stage") {
				t.Fatalf("%v: combine round 1: exit %d: %s", args, code, stderr)
			}
			parts = nil
			for i := 1; i <= shards; i++ {
				if code, _, stderr := runCLI(t, append(args, "--shard", fmt.Sprintf("%d/%d", i, shards), "--stage", stage, "--out", part(2, i))...); code != 0 {
					t.Fatalf("%v shard %d round 2: %s", args, i, stderr)
				}
				parts = append(parts, part(2, i))
			}
		}
		code, got, stderr := runCLI(t, append([]string{"combine", "--format", "json", "--quiet"}, parts...)...)
		if code != 0 {
			t.Fatalf("%v: combine: %s", args, stderr)
		}
		if got != want {
			t.Errorf("%v: combined result differs from the single run:\n%s\nwant\n%s", args, got, want)
		}
		// A missing shard is named.
		code, _, stderr = runCLI(t, append([]string{"combine"}, parts[1:]...)...)
		if code != 2 || !strings.Contains(stderr, "row group 1") {
			t.Errorf("%v: combine without shard 1: exit %d, %s", args, code, stderr)
		}
	}
}

func TestStreamErrors(t *testing.T) {
	dir, data := streamData(t)
	csv := filepath.Join(dir, "iv.csv")
	lm := []string{"lm", "--data", data, "--y", "y", "--x", "d"}
	p1 := filepath.Join(dir, "p1.arrow")
	if code, _, stderr := runCLI(t, append(lm, "--shard", "1/2", "--out", p1)...); code != 0 {
		t.Fatal(stderr)
	}
	other := filepath.Join(dir, "other.arrow")
	if code, _, stderr := runCLI(t, "lm", "--data", data, "--y", "y", "--x", "z1", "--shard", "2/2", "--out", other); code != 0 {
		t.Fatal(stderr)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{append(lm, "--shard", "3/2", "--out", p1), "--shard"},
		{append(lm, "--shard", "1/2"), "--out"},
		{[]string{"lm", "--data", csv, "--y", "y", "--x", "d", "--shard", "1/2", "--out", p1}, "convert"},
		{append(lm, "--memory-limit", "lots"), "--memory-limit"},
		{append(lm, "--memory-limit", "1KiB", "--cluster", "w1,w2"), "two-way"},
		{append(lm, "--stage", p1), "--stage"},
		{[]string{"combine", p1, other}, "another run"},
		{[]string{"combine", data}, "partial"},
		{[]string{"lm", "--data", filepath.Join(dir, "*.nothing"), "--y", "y", "--x", "d"}, "matches no Parquet"},
	} {
		code, _, stderr := runCLI(t, c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, stderr, c.want)
		}
	}
}

// TestStreamDirectory reads a directory of Parquet files as one data set:
// the same estimate as the single file.
func TestStreamDirectory(t *testing.T) {
	dir, data := streamData(t)
	sub := filepath.Join(dir, "parts")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "iv.csv"))
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	half := len(lines) / 2
	for i, body := range [][]string{lines[1:half], lines[half:]} {
		csv := writeFile(t, dir, fmt.Sprintf("half%d.csv", i), lines[0]+"\n"+strings.Join(body, "\n")+"\n")
		if code, _, stderr := runCLI(t, "convert", "--data", csv, "--out", filepath.Join(sub, fmt.Sprintf("part%d.parquet", i+1)), "--row-group-size", "700"); code != 0 {
			t.Fatal(stderr)
		}
	}
	args := []string{"lm", "--y", "y", "--x", "d,w1", "--format", "json", "--quiet"}
	var res [2]fullResult
	for i, d := range []string{data, sub} {
		code, out, stderr := runCLI(t, append(args, "--data", d)...)
		if code != 0 {
			t.Fatal(stderr)
		}
		_ = json.Unmarshal([]byte(out), &res[i])
	}
	for j, e := range res[0].Estimates {
		if g := res[1].Estimates[j].Estimate; math.Abs(g-e.Estimate) > 1e-12*math.Abs(e.Estimate) || res[0].N != res[1].N {
			t.Errorf("%s: %.17g from the file, %.17g from the directory", e.Term, e.Estimate, g)
		}
	}
}

// r3dData simulates R3D units (long format, 40 draws each), adds a
// weight, a cluster and some missing draws, and writes Parquet row groups
// of 777 rows, so that units span row groups.
func r3dData(t *testing.T) (dir, parquet string) {
	t.Helper()
	dir = t.TempDir()
	csv := filepath.Join(dir, "r3d.csv")
	if code, _, stderr := runCLI(t, "simulate", "r3d", "--n", "300", "--draws", "40", "--seed", "5", "--out", csv, "--quiet"); code != 0 {
		t.Fatal(stderr)
	}
	raw, _ := os.ReadFile(csv)
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	lines[0] += ",w,state"
	for i := 1; i < len(lines); i++ {
		unit, _ := strconv.Atoi(lines[i][:strings.Index(lines[i], ",")])
		lines[i] += fmt.Sprintf(",%d,s%d", 1+i%3, unit%23)
		if i%97 == 0 {
			f := strings.Split(lines[i], ",")
			f[2] = "" // a missing draw
			lines[i] = strings.Join(f, ",")
		}
	}
	writeFile(t, dir, "r3d.csv", strings.Join(lines, "\n")+"\n")
	parquet = filepath.Join(dir, "r3d.parquet")
	if code, _, stderr := runCLI(t, "convert", "--data", csv, "--out", parquet, "--row-group-size", "777"); code != 0 {
		t.Fatal(stderr)
	}
	return dir, parquet
}

// TestR3DStream checks that streamed r3d (units joined across row groups)
// gives exactly the in-memory result, and that shards combine to it.
func TestR3DStream(t *testing.T) {
	dir, data := r3dData(t)
	base := []string{"r3d", "--data", data, "--unit", "unit", "--x", "x", "--y", "y", "--bootstrap", "60",
		"--quantiles", "0.1:0.9:0.1", "--format", "json", "--quiet"}
	for c, extra := range [][]string{
		nil,
		{"--weights", "w", "--cluster", "state"},
		{"--weights", "w", "--compat", "--method", "frechet"},
	} {
		args := append(slices.Clone(base), extra...)
		_, mem, stderr := runCLI(t, args...)
		code, str, stderr2 := runCLI(t, append(args, "--memory-limit", "1KiB")...)
		if code != 0 || mem == "" {
			t.Fatalf("%v: %s %s", extra, stderr, stderr2)
		}
		// Only the input hash differs: the file's sha256 in memory, the
		// plan's when streamed.
		strip := func(s string) string {
			i := strings.Index(s, `"sha256"`)
			j := strings.Index(s[i:], "\n")
			return s[:i] + s[i+j:]
		}
		if strip(mem) != strip(str) {
			t.Errorf("%v: streamed result differs from in memory:\n%s\nwant\n%s", extra, str, mem)
		}
		var parts []string
		for i := 1; i <= 4; i++ {
			p := filepath.Join(dir, fmt.Sprintf("r%d_%d.arrow", c, i))
			if code, _, stderr := runCLI(t, append(args, "--shard", fmt.Sprintf("%d/4", i), "--out", p)...); code != 0 {
				t.Fatal(stderr)
			}
			parts = append(parts, p)
		}
		if _, got, stderr := runCLI(t, append([]string{"combine", "--format", "json", "--quiet"}, parts...)...); got != str {
			t.Errorf("%v: combined result differs from the streamed run (%s)", extra, stderr)
		}
		if c == 0 {
			fig := filepath.Join(dir, "r3d.svg")
			if code, _, stderr := runCLI(t, append([]string{"combine", "--quiet", "--plot", fig}, parts...)...); code != 0 {
				t.Errorf("combine --plot: %s", stderr)
			} else if _, err := os.Stat(fig); err != nil {
				t.Errorf("combine --plot wrote no figure: %v", err)
			}
			if code, _, stderr := runCLI(t, append(args, "--shard", "1/4", "--out", parts[0], "--plot", fig)...); code != 2 || !strings.Contains(stderr, "combine") {
				t.Errorf("--shard --plot: exit %d, %s", code, stderr)
			}
		}
	}
}

// TestR3DStreamUnsorted: a unit whose rows are not together is an error
// naming the unit, in one row group and across row groups.
func TestR3DStreamUnsorted(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("unit,x,y\n")
	for i := range 400 {
		u := i % 20 // units interleaved
		fmt.Fprintf(&b, "%d,%g,%d\n", u, float64(u)-9.5, i)
	}
	csv := writeFile(t, dir, "u.csv", b.String())
	for _, rg := range []string{"1000", "10"} {
		data := filepath.Join(dir, "u"+rg+".parquet")
		if code, _, stderr := runCLI(t, "convert", "--data", csv, "--out", data, "--row-group-size", rg); code != 0 {
			t.Fatal(stderr)
		}
		code, _, stderr := runCLI(t, "r3d", "--data", data, "--unit", "unit", "--x", "x", "--y", "y", "--memory-limit", "1KiB")
		if code != 2 || !strings.Contains(stderr, "sort the data by --unit unit") || !strings.Contains(stderr, `unit "0"`) {
			t.Errorf("row groups of %s: exit %d, %s", rg, code, stderr)
		}
	}
}

// TestStreamBootstrap: the streamed wild and Poisson-pairs bootstraps'
// standard errors approach the HC0 (rows) and CR0 (clusters) standard
// errors, and do not depend on the row groups' sizes beyond rounding,
// since each multiplier or weight is a hash of (seed, replicate, row or
// cluster).
func TestStreamBootstrap(t *testing.T) {
	dir, data := streamData(t)
	coarse := filepath.Join(dir, "coarse.parquet")
	if code, _, stderr := runCLI(t, "convert", "--data", filepath.Join(dir, "iv.csv"), "--out", coarse, "--row-group-size", "2100"); code != 0 {
		t.Fatal(stderr)
	}
	for _, c := range []struct {
		extra []string
		vce   []string
	}{
		{[]string{"--bootstrap-type", "wild"}, []string{"--vce", "hc0"}},
		{[]string{"--cluster", "wt", "--bootstrap-type", "wild"}, []string{"--cluster", "wt", "--cluster-type", "cr0g"}},
		{[]string{"--bootstrap-type", "pairs"}, []string{"--vce", "hc0"}},
		{[]string{"--cluster", "wt", "--bootstrap-type", "cluster"}, []string{"--cluster", "wt", "--cluster-type", "cr0g"}},
	} {
		base := []string{"lm", "--y", "y", "--x", "d,w1", "--format", "json", "--quiet"}
		boot := append(append(slices.Clone(base), c.extra...), "--bootstrap", "2000", "--memory-limit", "1KiB")
		var res [3]fullResult
		for i, args := range [][]string{
			append(slices.Clone(boot), "--data", data),
			append(slices.Clone(boot), "--data", coarse),
			append(append(slices.Clone(base), c.vce...), "--data", data),
		} {
			code, out, stderr := runCLI(t, args...)
			if code != 0 {
				t.Fatalf("%v: %s", args, stderr)
			}
			_ = json.Unmarshal([]byte(out), &res[i])
		}
		for j, e := range res[2].Estimates {
			fine, coarse := res[0].Estimates[j].StdError, res[1].Estimates[j].StdError
			if math.Abs(fine-coarse) > 1e-12*fine { // the same multipliers, summed in other groups
				t.Errorf("%v %s: bootstrap SE %g with row groups of 700, %g with 2100", c.extra, e.Term, fine, coarse)
			}
			// Only 5 clusters of wt: the bootstrap SE is far noisier there.
			tol := 0.1
			if slices.Contains(c.extra, "--cluster") {
				tol = 0.5
			}
			if math.Abs(fine/e.StdError-1) > tol {
				t.Errorf("%v %s: bootstrap SE %g, analytic %g", c.extra, e.Term, fine, e.StdError)
			}
		}
	}
}

// TestDescribeParquet describes Parquet from the footers (and a list
// column by reading it): the same columns and missing counts as the CSV it
// came from, and for a directory the sum over its files.
func TestDescribeParquet(t *testing.T) {
	dir, data := streamData(t)
	type desc struct {
		Rows      int `json:"rows"`
		RowGroups int `json:"row_groups"`
		Files     int `json:"files"`
		Columns   []struct {
			Name  string `json:"name"`
			Nulls int    `json:"nulls"`
		} `json:"columns"`
	}
	get := func(path string) desc {
		code, out, stderr := runCLI(t, "describe", "--data", path, "--format", "json")
		if code != 0 {
			t.Fatal(stderr)
		}
		var d desc
		if err := json.Unmarshal([]byte(out), &d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	csv, pq := get(filepath.Join(dir, "iv.csv")), get(data)
	if pq.Rows != csv.Rows || pq.RowGroups != 8 || len(pq.Columns) != len(csv.Columns) {
		t.Fatalf("parquet %+v, csv %+v", pq, csv)
	}
	for j, c := range csv.Columns {
		if pq.Columns[j] != c {
			t.Errorf("column %d: parquet %+v, csv %+v", j, pq.Columns[j], c)
		}
	}
	if csv.Columns[0].Nulls == 0 {
		t.Error("the test data should have missing outcomes")
	}
	sub := filepath.Join(dir, "two")
	os.Mkdir(sub, 0o755)
	raw, _ := os.ReadFile(data)
	for _, n := range []string{"a.parquet", "b.parquet"} {
		writeFile(t, sub, n, string(raw))
	}
	if two := get(sub); two.Rows != 2*pq.Rows || two.Files != 2 || two.Columns[0].Nulls != 2*pq.Columns[0].Nulls {
		t.Errorf("directory of two copies: %+v", two)
	}
}

// TestReadDirectory: commands that read their data into memory take a
// directory of Parquet files as one table too (rdd here): the same result
// as the single file with the same rows.
func TestReadDirectory(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "rdd.csv")
	if code, _, stderr := runCLI(t, "simulate", "rdd", "--n", "3000", "--seed", "2", "--out", csv, "--quiet"); code != 0 {
		t.Fatal(stderr)
	}
	one := filepath.Join(dir, "rdd.parquet")
	if code, _, stderr := runCLI(t, "convert", "--data", csv, "--out", one); code != 0 {
		t.Fatal(stderr)
	}
	raw, _ := os.ReadFile(csv)
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	sub := filepath.Join(dir, "parts")
	os.Mkdir(sub, 0o755)
	for i, body := range [][]string{lines[1:1000], lines[1000:2200], lines[2200:]} {
		part := writeFile(t, dir, fmt.Sprintf("p%d.csv", i), lines[0]+"\n"+strings.Join(body, "\n")+"\n")
		if code, _, stderr := runCLI(t, "convert", "--data", part, "--out", filepath.Join(sub, fmt.Sprintf("part%d.parquet", i+1))); code != 0 {
			t.Fatal(stderr)
		}
	}
	var est [2][]float64
	for i, data := range []string{one, sub} {
		code, out, stderr := runCLI(t, "rdd", "--data", data, "--y", "y", "--x", "x", "--format", "json", "--quiet")
		if code != 0 {
			t.Fatal(stderr)
		}
		var r fullResult
		_ = json.Unmarshal([]byte(out), &r)
		for _, e := range r.Estimates {
			est[i] = append(est[i], e.Estimate, e.StdError)
		}
	}
	if !slices.Equal(est[0], est[1]) || len(est[0]) == 0 {
		t.Errorf("file %v, directory %v", est[0], est[1])
	}
}

// TestRunDirectory: an analysis step reading a directory of Parquet files
// (streamed) records one hash for the directory, and verify names the
// directory when one of its files changes.
func TestRunDirectory(t *testing.T) {
	dir, data := streamData(t)
	sub := filepath.Join(dir, "years")
	os.Mkdir(sub, 0o755)
	raw, _ := os.ReadFile(data)
	for _, n := range []string{"2001.parquet", "2002.parquet"} {
		writeFile(t, sub, n, string(raw))
	}
	analysis := writeFile(t, dir, "a.toml", `name = "dir"
seed = 1
[[step]]
name = "iv"
command = "iv"
data = "years"
args = ["--y", "y", "--endog", "d", "--instruments", "z1,z2,z3", "--vce", "hc1"]
`)
	out := filepath.Join(dir, "out")
	if code, _, stderr := runCLI(t, "run", analysis, "--out", out, "--quiet"); code != 0 {
		t.Fatalf("run: %s", stderr)
	}
	manifest := filepath.Join(out, "manifest.json")
	if code, _, stderr := runCLI(t, "verify", manifest); code != 0 {
		t.Fatalf("verify: %s", stderr)
	}
	// Change one file of the directory: verify names the directory input.
	writeFile(t, sub, "2002.parquet", string(raw[:len(raw)-1])+"x")
	code, stdout, stderr := runCLI(t, "verify", manifest)
	if code != 2 || !strings.Contains(stdout+stderr, "years") {
		t.Errorf("verify after a change: exit %d, %s %s", code, stdout, stderr)
	}
}
