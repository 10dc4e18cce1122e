package main

import (
	"context"
	"io"
	"path/filepath"
	"testing"
)

// benchCommand runs a command line against a simulated Parquet file of n
// rows (written once, outside the timing).
func benchCommand(b *testing.B, simulate []string, args ...string) {
	path := filepath.Join(b.TempDir(), "data.parquet")
	if code := run(context.Background(), append(simulate, "--out", path, "--quiet"), io.Discard, io.Discard); code != 0 {
		b.Fatal("simulate failed")
	}
	args = append(args, "--data", path, "--quiet", "--format", "json")
	b.ReportAllocs()
	for b.Loop() {
		if code := run(context.Background(), args, io.Discard, io.Discard); code != 0 {
			b.Fatal("command failed")
		}
	}
}

// BenchmarkIVCommand is the workload: 2SLS + HC1 + first-stage
// diagnostics on 1,000,000 rows, 10 exogenous, 1 endogenous, 3 instruments,
// from Parquet, whole command (read, hash, estimate, diagnose, JSON).
func BenchmarkIVCommand(b *testing.B) {
	benchCommand(b, []string{"simulate", "iv", "--n", "1000000"},
		"iv", "--y", "y", "--endog", "d", "--instruments", "z1..z3", "--exog", "w1..w10", "--vce", "hc1")
}

// BenchmarkLmCommand is OLS with HC1 on 1,000,000 × 10 (+ intercept) from
// Parquet, whole command.
func BenchmarkLmCommand(b *testing.B) {
	benchCommand(b, []string{"simulate", "lm", "--n", "1000000", "--p", "10"},
		"lm", "--y", "y", "--x", "x1..x10", "--vce", "hc1")
}

// BenchmarkRDDCommand is rdrobust's defaults (mserd, nn variance) on
// 1,000,000 observations from Parquet, whole command.
func BenchmarkRDDCommand(b *testing.B) {
	benchCommand(b, []string{"simulate", "rdd", "--n", "1000000"}, "rdd", "--y", "y", "--x", "x")
}

// BenchmarkRDDCommand100k is the same on 100,000 observations.
func BenchmarkRDDCommand100k(b *testing.B) {
	benchCommand(b, []string{"simulate", "rdd", "--n", "100000"}, "rdd", "--y", "y", "--x", "x")
}

// BenchmarkIVCommandStreamed is BenchmarkIVCommand's workload streamed
// (a memory limit below the data): two passes over the row groups.
func BenchmarkIVCommandStreamed(b *testing.B) {
	benchCommand(b, []string{"simulate", "iv", "--n", "1000000"},
		"iv", "--y", "y", "--endog", "d", "--instruments", "z1..z3", "--exog", "w1..w10", "--vce", "hc1", "--memory-limit", "64MiB")
}

// BenchmarkLmWildStreamed is OLS on 1,000,000 × 10 streamed, with a wild
// bootstrap of 199 replicates accumulated in the second pass.
func BenchmarkLmWildStreamed(b *testing.B) {
	benchCommand(b, []string{"simulate", "lm", "--n", "1000000", "--p", "10"},
		"lm", "--y", "y", "--x", "x1..x10", "--bootstrap", "199", "--bootstrap-type", "wild", "--memory-limit", "64MiB")
}

// BenchmarkRDDCommandStreamed is BenchmarkRDDCommand's workload streamed:
// the external sort into memory-mapped columns.
func BenchmarkRDDCommandStreamed(b *testing.B) {
	benchCommand(b, []string{"simulate", "rdd", "--n", "1000000"}, "rdd", "--y", "y", "--x", "x", "--memory-limit", "64MiB")
}
