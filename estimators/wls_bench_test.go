package estimators

import (
	"context"
	"testing"
)

// BenchmarkWLSHC1 fits a 1,000,000 × 12 weighted regression and its HC1
// covariance (the target: ≤ 300 ms on one core).
func BenchmarkWLSHC1(b *testing.B) {
	x, y, names, _ := simulatedDesign(1_000_000, 12, 1)
	w := make([]float64, len(y))
	for i := range w {
		w[i] = 1 + float64(i%7)
	}
	b.ReportAllocs()
	for b.Loop() {
		ls, err := WLS(x, y, names, LSOptions{Weights: w})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := ls.Cov(CovOptions{Type: HC1}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkClusterCR1 is the one-way cluster covariance on 1,000,000 × 12
// with 50 clusters, given the fit.
func BenchmarkClusterCR1(b *testing.B) {
	x, y, names, cluster := simulatedDesign(1_000_000, 12, 1)
	ls, err := WLS(x, y, names, LSOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ls.Cov(CovOptions{Type: CR1, Cluster: cluster}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPairsBootstrap runs 1,000 pairs replicates of OLS on 10,000 × 5
// (run with -cpu 1,2 to see the scaling).
func BenchmarkPairsBootstrap(b *testing.B) {
	x, y, names, _ := simulatedDesign(10_000, 5, 1)
	ls, err := WLS(x, y, names, LSOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		opt := LSBootOptions{BootOptions: BootOptions{Reps: 1000, Seed: 1}, Scheme: Pairs}
		if _, _, err := ls.Bootstrap(context.Background(), opt); err != nil {
			b.Fatal(err)
		}
	}
}
