package invariance

import (
	"context"
	"testing"

	"github.com/causalkit/causalkit/estimators"
)

// BenchmarkMinimaxSim is the whole search on the simulation split
// (1,000 training rows, 45 classes) with the default options.
func BenchmarkMinimaxSim(b *testing.B) {
	g := simGraph(b)
	train, _ := simData(b)
	for b.Loop() {
		if _, err := Minimax(context.Background(), g, "Y", "E", train, nil, MinimaxOptions{Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkICP12 is ICP with 12 features (4,096 candidate sets), 10,000
// rows in four environments, test "normal".
func BenchmarkICP12(b *testing.B) {
	const n, p = 10000, 12
	rng := estimators.Stream(5, 0)
	x := make([][]float64, p)
	names := make([]string, p)
	for j := range x {
		x[j] = make([]float64, n)
		names[j] = "X" + string(rune('A'+j))
	}
	y := make([]float64, n)
	env := make([]int, n)
	for i := range n {
		env[i] = i % 4
		for j := range p {
			x[j][i] = rng.NormFloat64() * (1 + float64(env[i]*(j%3)))
		}
		y[i] = x[0][i] - 0.5*x[1][i] + rng.NormFloat64()
	}
	for b.Loop() {
		if _, err := ICP(context.Background(), x, names, y, env, ICPOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
