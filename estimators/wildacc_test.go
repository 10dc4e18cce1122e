package estimators

import (
	"math"
	"testing"
)

// TestMultiplierAt: the counter-based multipliers have mean 0 and variance
// 1, their support, and do not depend on anything but (seed, b, key).
func TestMultiplierAt(t *testing.T) {
	const n = 200000
	for _, m := range []Multiplier{Rademacher, Mammen, Gaussian} {
		var s, s2, s3 float64
		for k := range n {
			v := m.At(7, k%13, uint64(k))
			s += v
			s2 += v * v
			s3 += v * v * v
			if v != m.At(7, k%13, uint64(k)) {
				t.Fatal("not a function of (seed, b, key)")
			}
		}
		mean, vr := s/n, s2/n-(s/n)*(s/n)
		if math.Abs(mean) > 5/math.Sqrt(n) || math.Abs(vr-1) > 0.02 {
			t.Errorf("%s: mean %g, variance %g", m, mean, vr)
		}
		if m == Mammen && math.Abs(s3/n-1) > 0.05 { // Mammen's third moment is 1
			t.Errorf("mammen: third moment %g", s3/n)
		}
	}
}

// TestWildAccumulator: chunks merge to the one-pass sums, and the
// replicates' covariance tends to the HC0 sandwich Σ z_u z_uᵀ.
func TestWildAccumulator(t *testing.T) {
	const n, reps = 300, 4000
	u := [][]float64{make([]float64, n), make([]float64, n)}
	e := make([]float64, n)
	keys := make([]uint64, n)
	rng := Stream(1, 0)
	for i := range n {
		u[0][i], u[1][i], e[i] = rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()
		keys[i] = uint64(1000 + i)
	}
	one := NewWildAccumulator(reps, 2, 5, Rademacher)
	one.AddRows(u, e, keys)
	parts := NewWildAccumulator(reps, 2, 5, Rademacher)
	for _, c := range [][2]int{{0, 100}, {100, 101}, {101, n}} {
		p := NewWildAccumulator(reps, 2, 5, Rademacher)
		p.AddRows([][]float64{u[0][c[0]:c[1]], u[1][c[0]:c[1]]}, e[c[0]:c[1]], keys[c[0]:c[1]])
		parts.Merge(p)
	}
	var want [3]float64 // Σ z zᵀ: (0,0), (0,1), (1,1)
	for i := range n {
		z0, z1 := u[0][i]*e[i], u[1][i]*e[i]
		want[0] += z0 * z0
		want[1] += z0 * z1
		want[2] += z1 * z1
	}
	var got [3]float64
	for b := range reps {
		if d := math.Abs(one.T[2*b] - parts.T[2*b]); d > 1e-12 {
			t.Fatalf("replicate %d: merged chunks differ by %g", b, d)
		}
		t0, t1 := one.T[2*b], one.T[2*b+1]
		got[0] += t0 * t0 / reps
		got[1] += t0 * t1 / reps
		got[2] += t1 * t1 / reps
	}
	for j := range got {
		if math.Abs(got[j]-want[j]) > 0.1*math.Sqrt(want[0]*want[2]) {
			t.Errorf("Σ T Tᵀ/B [%d] = %g, HC0 meat %g", j, got[j], want[j])
		}
	}
}

// BenchmarkWildAccumulator: 999 replicates of 100,000 rows with 12-term
// scores, the per-row cost of a streamed wild bootstrap.
func BenchmarkWildAccumulator(b *testing.B) {
	const n, dim, reps = 100_000, 12, 999
	u := make([][]float64, dim)
	rng := Stream(1, 0)
	for a := range u {
		u[a] = make([]float64, n)
		for i := range u[a] {
			u[a][i] = rng.NormFloat64()
		}
	}
	e := make([]float64, n)
	keys := make([]uint64, n)
	for i := range e {
		e[i], keys[i] = rng.NormFloat64(), uint64(i)
	}
	w := NewWildAccumulator(reps, dim, 1, Rademacher)
	b.ReportAllocs()
	for b.Loop() {
		w.AddRows(u, e, keys)
	}
}

// TestPoissonWeight: the weights are Poisson(1): mean 1, variance 1, and
// P(0) = e⁻¹.
func TestPoissonWeight(t *testing.T) {
	const n = 200000
	var s, s2, zeros float64
	for k := range n {
		v := PoissonWeight(3, k%7, uint64(k))
		s += v
		s2 += v * v
		if v == 0 {
			zeros++
		}
	}
	mean, vr := s/n, s2/n-(s/n)*(s/n)
	if math.Abs(mean-1) > 0.01 || math.Abs(vr-1) > 0.02 || math.Abs(zeros/n-math.Exp(-1)) > 0.005 {
		t.Errorf("mean %g, variance %g, P(0) %g", mean, vr, zeros/n)
	}
}
