package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// corpusCommands are the estimation commands of the bad-input harness; Y
// and X stand for the outcome and running/regressor columns.
var corpusCommands = [][]string{
	{"lm", "--y", "Y", "--x", "X,d"},
	{"lm", "--y", "Y", "--x", "X", "--cluster", "g"},
	{"lm", "--y", "Y", "--x", "X,d", "--memory-limit", "1KiB"},
	{"iv", "--y", "Y", "--endog", "d", "--instruments", "z", "--exog", "X"},
	{"iv", "--y", "Y", "--endog", "d", "--instruments", "z", "--exog", "X", "--vce", "hc1", "--memory-limit", "1KiB"},
	{"rdd", "--y", "Y", "--x", "X"},
	{"rdd", "--y", "Y", "--x", "X", "--cluster", "g"},
	{"rdd", "--y", "Y", "--x", "X", "--cluster", "g", "--memory-limit", "1KiB"},
	{"rdd", "density", "--x", "X"},
	{"r3d", "--unit", "u", "--x", "X", "--y", "Y", "--bootstrap", "20", "--quantiles", "0.2:0.8:0.2"},
	{"r3d", "--unit", "u", "--x", "X", "--y", "Y", "--bootstrap", "20", "--quantiles", "0.2:0.8:0.2", "--memory-limit", "1KiB"},
	{"conjoint", "amce", "--outcome", "Y", "--attributes", "attr", "--respondent", "resp"},
	{"conjoint", "mm", "--outcome", "Y", "--attributes", "attr", "--respondent", "resp"},
	{"invariance", "icp", "--target", "Y", "--env", "g", "--features", "X,d"},
}

// TestBadInputCorpus runs every command of corpusCommands on every file of
// testdata/bad (as CSV and, where it converts, as Parquet) and on broken
// binary files: the good files succeed; every bad one exits 2 with a
// message that names the problem, no panic, and no output file.
func TestBadInputCorpus(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join("testdata", "bad")
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	// want: the file → a substring every message must contain ("" for
	// files that must succeed).
	want := map[string]string{
		"good.csv": "", "unicode.csv": "",
		"nan.csv": "NaN", "inf.csv": "Inf", "text.csv": "", "huge.csv": "1e100",
		"onerow.csv": "", "header.csv": "", "empty.csv": "empty", "dupcols.csv": `"x"`, "ragged.csv": "row",
		"onecluster.csv": "",
	}
	files := map[string]string{}
	for _, e := range entries {
		if filepath.Ext(e.Name()) != ".csv" {
			continue
		}
		if _, ok := want[e.Name()]; !ok {
			t.Fatalf("testdata/bad/%s has no expectation in the test", e.Name())
		}
		files[e.Name()] = filepath.Join(src, e.Name())
		// The same data as Parquet, where it converts (the streaming paths
		// read only Parquet).
		pq := filepath.Join(dir, strings.TrimSuffix(e.Name(), ".csv")+".parquet")
		if code, _, _ := runCLI(t, "convert", "--data", files[e.Name()], "--out", pq); code == 0 {
			files[filepath.Base(pq)] = pq
			want[filepath.Base(pq)] = want[e.Name()]
		}
	}
	good, err := os.ReadFile(filepath.Join(dir, "good.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string][]byte{
		"truncated.parquet": good[:len(good)/2],
		"nofooter.parquet":  good[:len(good)-9],
		"text.parquet":      []byte("y,x\n1,2\n"),
		"empty.arrow":       nil,
		"garbage.arrow":     good[:100],
	} {
		files[name] = writeFile(t, dir, name, string(content))
		want[name] = ""
	}
	// Messages that name a problem without naming a file, flag or column
	// fall back to these words.
	naming := []string{".csv", ".parquet", ".arrow", `"`, "--", "row", "cluster", "environment", "rows", "cutoff"}
	for name, path := range files {
		base := strings.TrimSuffix(strings.TrimSuffix(name, ".csv"), ".parquet")
		ok := base == "good" || base == "unicode"
		for _, cmd := range corpusCommands {
			args := slices.Clone(cmd)
			streamed := slices.Contains(args, "--memory-limit")
			if streamed && filepath.Ext(name) == ".csv" {
				continue // streaming reads Parquet; CSV says so (TestStreamErrors)
			}
			y, x := "y", "x"
			if base == "unicode" {
				y, x = "ÿ", "x̄"
			}
			for i, a := range args {
				args[i] = strings.NewReplacer("Y", y, "X", x).Replace(a)
			}
			out := filepath.Join(dir, "out.json")
			args = append(args, "--data", path, "--out", out, "--format", "json", "--quiet")
			code, _, stderr := runCLI(t, args...)
			label := name + ": " + strings.Join(cmd, " ")
			_, statErr := os.Stat(out)
			os.Remove(out)
			// One cluster fails only where the command clusters on g.
			expectOK := ok || base == "onecluster" && !slices.Contains(cmd, "--cluster") && !slices.Contains(cmd, "icp")
			if expectOK {
				if code != 0 || statErr != nil {
					t.Errorf("%s: exit %d, want 0 (%s)", label, code, stderr)
				}
				continue
			}
			if code != 2 {
				t.Errorf("%s: exit %d, want 2 (%s)", label, code, stderr)
			}
			if statErr == nil {
				t.Errorf("%s: output file written", label)
			}
			if strings.Contains(stderr, "panic") || strings.Contains(stderr, "goroutine") {
				t.Errorf("%s: panicked: %s", label, stderr)
			}
			if w := want[name]; w != "" && !strings.Contains(stderr, w) {
				t.Errorf("%s: message %q does not mention %q", label, stderr, w)
			}
			if !slices.ContainsFunc(naming, func(s string) bool { return strings.Contains(stderr, s) }) {
				t.Errorf("%s: message %q names no file, column, flag or row", label, stderr)
			}
		}
	}
}
