package estimators

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// Benchmarks at the sizes of the R3D and scalar RD estimators: n = 100,000
// units for a scalar local polynomial, an n×m = 5,000×99 quantile matrix for
// the distributional fits, m = 99 grid points for the monotone corrections.

var benchSink float64

func BenchmarkLocPoly(b *testing.B) {
	x, y, _ := lpTestData(100_000, 1)
	for _, p := range []int{1, 2} {
		b.Run(fmt.Sprintf("n=100000/p=%d", p), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				fit, err := LocPoly(x, y, nil, 0.5, p, Above, Triangular)
				if err != nil {
					b.Fatal(err)
				}
				benchSink += fit.Coef[0]
			}
		})
	}
	b.Run("weights/n=100000/p=2", func(b *testing.B) {
		dst := make([]float64, len(x))
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := LocPolyWeights(dst, x, nil, 0.5, 2, Above, Triangular); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkLocPolyMatrix fits both sides of a 5,000×99 quantile matrix with
// p = 2: with one bandwidth (weights computed once, one product per side) and
// with one bandwidth per column.
func BenchmarkLocPolyMatrix(b *testing.B) {
	const n, m = 5000, 99
	x, _, _ := lpTestData(n, 2)
	rng := rand.New(rand.NewPCG(3, 3))
	q := mat.NewDense(n, m, nil)
	for i := range n {
		base := 5 + 0.5*x[i] + 0.3*rng.NormFloat64()
		for j := range m {
			q.Set(i, j, base+float64(j)/50)
		}
	}
	wts := make([]float64, n)
	icpt := make([]float64, m)
	b.Run("intercepts/one-bandwidth", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, s := range []Side{Above, Below} {
				if _, _, err := LocPolyWeights(wts, x, nil, 0.4, 2, s, Epanechnikov); err != nil {
					b.Fatal(err)
				}
				ApplyWeights(icpt, wts, q)
			}
		}
	})
	var ek, coef mat.Dense
	coef.ReuseAs(3, m)
	b.Run("coefficients/one-bandwidth", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, s := range []Side{Above, Below} {
				if _, err := LocPolyEquivalentKernel(&ek, x, nil, 0.4, 2, s, Epanechnikov); err != nil {
					b.Fatal(err)
				}
				coef.Mul(&ek, q)
			}
		}
	})
	h := make([]float64, m)
	for j := range h {
		h[j] = 0.3 + 0.2*float64(j)/m
	}
	col := make([]float64, n)
	b.Run("intercepts/bandwidth-per-column", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, s := range []Side{Above, Below} {
				for j := range m {
					if _, _, err := LocPolyWeights(wts, x, nil, h[j], 2, s, Epanechnikov); err != nil {
						b.Fatal(err)
					}
					mat.Col(col, j, q)
					var v float64
					for i, w := range wts {
						v += w * col[i]
					}
					icpt[j] = v
				}
			}
		}
	})
}

func benchCurve(m int) (q, a []float64) {
	q, a = make([]float64, m), make([]float64, m)
	for j := range q {
		q[j] = float64(j+1) / float64(m+1)
		a[j] = math.Exp(3*q[j]) + 0.3*math.Sin(40*q[j])
	}
	return q, a
}

func BenchmarkRearrange(b *testing.B) {
	for _, m := range []int{20, 99} {
		q, a := benchCurve(m)
		dst := make([]float64, m)
		b.Run(fmt.Sprintf("m=%d", m), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Rearrange(dst, q, a)
			}
		})
		b.Run(fmt.Sprintf("sorted/m=%d", m), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				RearrangeSorted(dst, a)
			}
		})
	}
}

func BenchmarkIsotonic(b *testing.B) {
	for _, n := range []int{99, 100_000} {
		rng := rand.New(rand.NewPCG(4, 4))
		y, w := make([]float64, n), make([]float64, n)
		for i := range y {
			y[i] = float64(i)/float64(n) + 0.3*rng.NormFloat64()
			w[i] = 0.5 + rng.Float64()
		}
		dst := make([]float64, n)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Isotonic(dst, y, nil)
			}
		})
		b.Run(fmt.Sprintf("weighted/n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Isotonic(dst, y, w)
			}
		})
	}
}

func BenchmarkProjectSimplex(b *testing.B) {
	for _, n := range []int{10, 1000} {
		rng := rand.New(rand.NewPCG(5, 5))
		v := make([]float64, n)
		for i := range v {
			v[i] = rng.NormFloat64()
		}
		dst := make([]float64, n)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ProjectSimplex(dst, v)
			}
		})
	}
}

// BenchmarkWeightedQuantiles computes one unit's 99-point quantile grid.
func BenchmarkWeightedQuantiles(b *testing.B) {
	probs := make([]float64, 99)
	for j := range probs {
		probs[j] = float64(j+1) / 100
	}
	dst := make([]float64, len(probs))
	for _, n := range []int{50, 10_000} {
		rng := rand.New(rand.NewPCG(6, 6))
		y, w := make([]float64, n), make([]float64, n)
		for i := range y {
			y[i] = rng.NormFloat64()
			w[i] = 0.5 + rng.Float64()
		}
		b.Run(fmt.Sprintf("weighted/n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				WeightedQuantiles(dst, y, w, probs)
			}
		})
		b.Run(fmt.Sprintf("type7/n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				WeightedQuantiles(dst, y, nil, probs)
			}
		})
	}
}
