package io

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"testing"
)

// writeBenchParquet writes rows × cols standard-normal float64 columns
// x0, x1, ... in row groups of 100,000 and returns the path.
func writeBenchParquet(b *testing.B, rows, ncols int, compression string) (string, []string) {
	b.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	cols := make([]Column, ncols)
	names := make([]string, ncols)
	for j := range cols {
		v := make([]float64, rows)
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		names[j] = "x" + strconv.Itoa(j)
		cols[j] = Column{Name: names[j], Float64: v}
	}
	path := filepath.Join(b.TempDir(), "bench.parquet")
	if err := WriteColumns(path, cols, WriteOptions{RowGroupSize: 100_000, Compression: compression}); err != nil {
		b.Fatal(err)
	}
	return path, names
}

// BenchmarkReadParquetFloat64 reads a 1,000,000 × 10 float64 Parquet file
// (10 row groups) and copies every column out with Table.Float64.
// Run with -cpu 1 for the single-core figure.
func BenchmarkReadParquetFloat64(b *testing.B) {
	for _, c := range []string{"zstd", "none"} {
		b.Run(c, func(b *testing.B) {
			const rows, ncols = 1_000_000, 10
			path, names := writeBenchParquet(b, rows, ncols, c)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				tbl, err := Read(context.Background(), path, ReadOptions{})
				if err != nil {
					b.Fatal(err)
				}
				for _, name := range names {
					if _, err := tbl.Float64(name); err != nil {
						b.Fatal(err)
					}
				}
				tbl.Release()
			}
			b.ReportMetric(float64(rows*ncols)*float64(b.N)/b.Elapsed().Seconds(), "values/s")
		})
	}
}

// BenchmarkFrame builds a frame of 4 numeric and 1 categorical column over
// 1,000,000 rows with 1% missing values in one column.
func BenchmarkFrame(b *testing.B) {
	const rows = 1_000_000
	rng := rand.New(rand.NewPCG(3, 4))
	cols := make([]Column, 0, 5)
	for j := range 4 {
		v := make([]float64, rows)
		valid := make([]bool, rows)
		for i := range v {
			v[i], valid[i] = rng.NormFloat64(), j != 0 || rng.IntN(100) != 0
		}
		cols = append(cols, Column{Name: "x" + strconv.Itoa(j), Float64: v, Valid: valid})
	}
	g := make([]string, rows)
	for i := range g {
		g[i] = "state" + strconv.Itoa(rng.IntN(50))
	}
	cols = append(cols, Column{Name: "g", String: g})
	path := filepath.Join(b.TempDir(), "frame.parquet")
	if err := WriteColumns(path, cols, WriteOptions{}); err != nil {
		b.Fatal(err)
	}
	tbl, err := Read(context.Background(), path, ReadOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer tbl.Release()
	spec := FrameSpec{Numeric: []string{"x0", "x1", "x2", "x3"}, Categorical: []string{"g"}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		f, err := tbl.Frame(spec)
		if err != nil {
			b.Fatal(err)
		}
		if f.Dropped == 0 {
			b.Fatal("expected dropped rows")
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkReadCSV reads a 200,000-row CSV with 4 float columns and one
// string column (inference over the default 100,000-row sample, then the
// Arrow read).
func BenchmarkReadCSV(b *testing.B) {
	const rows = 200_000
	rng := rand.New(rand.NewPCG(5, 6))
	cols := make([]Column, 0, 5)
	for j := range 4 {
		v := make([]float64, rows)
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		cols = append(cols, Column{Name: "x" + strconv.Itoa(j), Float64: v})
	}
	g := make([]string, rows)
	for i := range g {
		g[i] = "state" + strconv.Itoa(rng.IntN(50))
	}
	cols = append(cols, Column{Name: "g", String: g})
	path := filepath.Join(b.TempDir(), "bench.csv")
	if err := WriteColumns(path, cols, WriteOptions{}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		tbl, err := Read(context.Background(), path, ReadOptions{})
		if err != nil {
			b.Fatal(err)
		}
		tbl.Release()
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
