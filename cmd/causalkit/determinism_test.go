package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// TestDeterminismAcrossGOMAXPROCS runs every command that draws random
// numbers (bootstraps, cross-validation splits, network initialisation,
// subsampling, simulation) with GOMAXPROCS 1, 2 and 8 and requires
// byte-identical output: each draw comes from a stream of (seed, item),
// never from a worker.
func TestDeterminismAcrossGOMAXPROCS(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every random command three times")
	}
	dir := t.TempDir()
	card := cardFile(t)
	r3d := filepath.Join(dir, "r3d.parquet")
	inv, graph := filepath.Join(dir, "inv.csv"), filepath.Join(dir, "inv.dot")
	for _, args := range [][]string{
		{"simulate", "r3d", "--n", "300", "--draws", "30", "--seed", "4", "--out", r3d, "--quiet"},
		{"simulate", "invariance", "--n", "600", "--envs", "3", "--seed", "4", "--out", inv, "--graph-out", graph, "--quiet"},
	} {
		if code, _, stderr := runCLI(t, args...); code != 0 {
			t.Fatal(stderr)
		}
	}
	commands := [][]string{
		{"lm", "--data", card, "--y", "lwage", "--x", "educ,exper", "--bootstrap", "199", "--seed", "3"},
		{"lm", "--data", card, "--y", "lwage", "--x", "educ,exper", "--cluster", "age", "--bootstrap", "99", "--bootstrap-type", "wild"},
		{"iv", "--data", card, "--y", "lwage", "--endog", "educ", "--instruments", "nearc4", "--exog", "exper", "--method", "ivl", "--alpha", "0.1", "--bootstrap", "99"},
		{"r3d", "--data", r3d, "--unit", "unit", "--x", "x", "--y", "y", "--bootstrap", "200", "--quantiles", "0.1:0.9:0.1"},
		{"r3d", "--data", r3d, "--unit", "unit", "--x", "x", "--y", "y", "--bootstrap", "100", "--method", "frechet", "--memory-limit", "1KiB"},
		{"conjoint", "optimize", "--data", taxesFile(t), "--outcome", "chose_plan", "--respondent", "ID", "--attributes", "taxrev",
			"--model", "linear", "--penalty", "kl", "--lambda-select", "cv"},
		{"invariance", "icp", "--data", inv, "--target", "Y", "--env", "E", "--features", "X1..X4", "--test", "exact", "--max-obs", "50"},
		{"invariance", "minimax", "--data", inv, "--target", "Y", "--env", "E", "--graph", graph, "--iters", "150", "--ascent-iters", "60"},
		{"simulate", "iv", "--n", "3000", "--out", "OUT.csv"},
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, cmd := range commands {
		var first string
		for _, procs := range []int{1, 2, 8} {
			runtime.GOMAXPROCS(procs)
			args := append([]string{}, cmd...)
			out := ""
			for i, a := range args {
				if a == "OUT.csv" {
					out = filepath.Join(dir, fmt.Sprintf("sim%d.csv", procs))
					args[i] = out
				}
			}
			if out == "" {
				args = append(args, "--format", "json")
			}
			code, stdout, stderr := runCLI(t, append(args, "--quiet")...)
			if code != 0 {
				t.Fatalf("%v: exit %d: %s", cmd, code, stderr)
			}
			if out != "" {
				b, err := os.ReadFile(out)
				if err != nil {
					t.Fatal(err)
				}
				stdout = string(b)
			}
			if procs == 1 {
				first = stdout
			} else if stdout != first {
				t.Errorf("%v: GOMAXPROCS %d differs from GOMAXPROCS 1", cmd[:2], procs)
			}
		}
	}
}
