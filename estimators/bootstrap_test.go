package estimators

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// simulatedDesign returns n rows of y = 1 + Σ_j x_j + heteroskedastic noise
// with p−1 standard normal regressors and an intercept, plus 50 clusters.
func simulatedDesign(n, p int, seed uint64) (x [][]float64, y []float64, names []string, cluster []int) {
	rng := rand.New(rand.NewPCG(seed, 7))
	x = make([][]float64, p)
	names = make([]string, p)
	for j := range x {
		x[j] = make([]float64, n)
		names[j] = "x" + string(rune('0'+j%10))
	}
	names[0] = "(Intercept)"
	y = make([]float64, n)
	cluster = make([]int, n)
	for i := range n {
		x[0][i] = 1
		y[i] = 1
		for j := 1; j < p; j++ {
			x[j][i] = rng.NormFloat64()
			y[i] += x[j][i]
		}
		y[i] += (1 + math.Abs(x[min(1, p-1)][i])) * rng.NormFloat64()
		cluster[i] = rng.IntN(50)
	}
	return x, y, names, cluster
}

// TestBootstrapDeterministic checks that replicate bits do not depend on the
// number of workers or on GOMAXPROCS.
func TestBootstrapDeterministic(t *testing.T) {
	x, y, names, cluster := simulatedDesign(500, 4, 1)
	ls, err := WLS(x, y, names, LSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, scheme := range []Resampling{Pairs, ClusterPairs, Wild} {
		var ref *mat.Dense
		for _, procs := range []int{1, 2, 8} {
			old := runtime.GOMAXPROCS(procs)
			for _, workers := range []int{0, 1, 3} {
				opt := LSBootOptions{BootOptions: BootOptions{Reps: 64, Seed: 42, Workers: workers}, Scheme: scheme, Multiplier: Mammen}
				if scheme != Pairs {
					opt.Cluster = cluster
				}
				reps, failed, err := ls.Bootstrap(context.Background(), opt)
				if err != nil || failed != 0 {
					t.Fatal(err, failed)
				}
				if ref == nil {
					ref = reps
					continue
				}
				r, c := reps.Dims()
				for i := range r {
					for j := range c {
						if math.Float64bits(reps.At(i, j)) != math.Float64bits(ref.At(i, j)) {
							t.Fatalf("%s: GOMAXPROCS=%d workers=%d: replicate %d coef %d differs", scheme, procs, workers, i, j)
						}
					}
				}
			}
			runtime.GOMAXPROCS(old)
		}
	}
}

// TestBootstrapSE checks that bootstrap standard errors approach the
// matching analytic ones: pairs ≈ HC, cluster pairs ≈ CR, and the wild
// bootstrap with Rademacher weights, whose variance given the data is
// exactly HC0 (Σ_i z_i z_iᵀ), converges to HC0.
func TestBootstrapSE(t *testing.T) {
	x, y, names, cluster := simulatedDesign(2000, 3, 3)
	ls, err := WLS(x, y, names, LSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		scheme Resampling
		cov    CovOptions
		tol    float64
	}{
		{Pairs, CovOptions{Type: HC0}, 0.1},
		{ClusterPairs, CovOptions{Type: CR0G, Cluster: cluster}, 0.15},
		{Wild, CovOptions{Type: HC0}, 0.05},
	} {
		opt := LSBootOptions{BootOptions: BootOptions{Reps: 1000, Seed: 9}, Scheme: c.scheme}
		if c.scheme == ClusterPairs {
			opt.Cluster = cluster
		}
		reps, _, err := ls.Bootstrap(context.Background(), opt)
		if err != nil {
			t.Fatal(err)
		}
		s := Summarize(ls.Coef, reps, 0.95, Percentile)
		cov, err := ls.Cov(c.cov)
		if err != nil {
			t.Fatal(err)
		}
		se := cov.SE(ls)
		for j := range se {
			if e := relErr(s.SE[j], se[j]); e > c.tol {
				t.Errorf("%s coef %d: bootstrap se %g, analytic %g (rel %.2g)", c.scheme, j, s.SE[j], se[j], e)
			}
			if !(s.Low[j] < ls.Coef[j] && ls.Coef[j] < s.High[j]) {
				t.Errorf("%s coef %d: estimate %g outside [%g, %g]", c.scheme, j, ls.Coef[j], s.Low[j], s.High[j])
			}
		}
	}
}

func TestReplicatesCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err := Replicates(ctx, BootOptions{Reps: 10}, 1, func() ReplicateFunc {
		return func(rng *rand.Rand, dst []float64) error { return nil }
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

func TestReplicatesFailed(t *testing.T) {
	reps, failed, err := Replicates(context.Background(), BootOptions{Reps: 20, Seed: 1}, 2, func() ReplicateFunc {
		return func(rng *rand.Rand, dst []float64) error {
			if rng.Float64() < 0.5 {
				return errors.New("undefined")
			}
			dst[0], dst[1] = 1, 2
			return nil
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	nan := 0
	for i := range 20 {
		if math.IsNaN(reps.At(i, 0)) {
			nan++
		}
	}
	if nan != failed || failed == 0 || failed == 20 {
		t.Errorf("failed %d, NaN rows %d", failed, nan)
	}
}

func TestMultiplierMoments(t *testing.T) {
	for _, m := range []Multiplier{Rademacher, Mammen, Gaussian} {
		v := make([]float64, 200000)
		m.Fill(Stream(5, 0), v)
		var s1, s2, s3 float64
		for _, x := range v {
			s1 += x
			s2 += x * x
			s3 += x * x * x
		}
		n := float64(len(v))
		want3 := map[Multiplier]float64{Rademacher: 0, Mammen: 1, Gaussian: 0}[m]
		if math.Abs(s1/n) > 0.01 || math.Abs(s2/n-1) > 0.01 || math.Abs(s3/n-want3) > 0.03 {
			t.Errorf("%s: moments %g %g %g", m, s1/n, s2/n, s3/n)
		}
	}
}

func TestSummarizeIntervals(t *testing.T) {
	// Replicates 1..101 of one statistic with estimate 50: type-7 2.5 % and
	// 97.5 % quantiles are 3.5 and 98.5.
	reps := mat.NewDense(101, 1, nil)
	for i := range 101 {
		reps.Set(i, 0, float64(101-i))
	}
	est := []float64{50}
	p := Summarize(est, reps, 0.95, Percentile)
	if relErr(p.Low[0], 3.5) > 1e-14 || relErr(p.High[0], 98.5) > 1e-14 {
		t.Errorf("percentile [%g, %g]", p.Low[0], p.High[0])
	}
	b := Summarize(est, reps, 0.95, Basic)
	if relErr(b.Low[0], 100-98.5) > 1e-13 || relErr(b.High[0], 100-3.5) > 1e-13 {
		t.Errorf("basic [%g, %g]", b.Low[0], b.High[0])
	}
	// sd of 1..101 = sqrt(101·102/12) = 29.3001706…
	if e := relErr(p.SE[0], math.Sqrt(101*102/12.0)); e > 1e-14 {
		t.Errorf("se %g", p.SE[0])
	}
}

// TestSupT checks the sup-t critical value against its closed form for k
// independent standard normal statistics: P(max_j |Z_j| ≤ c) = (2Φ(c) − 1)^k,
// so c = Φ⁻¹((1 + 0.95^(1/k))/2): 1.959964 for k = 1 and 2.236477 for k = 2.
func TestSupT(t *testing.T) {
	const B = 100000
	for _, k := range []int{1, 2} {
		reps := mat.NewDense(B, k, nil)
		rng := Stream(11, uint64(k))
		for b := range B {
			for j := range k {
				reps.Set(b, j, rng.NormFloat64())
			}
		}
		est, se := make([]float64, k), make([]float64, k)
		for j := range se {
			se[j] = 1
		}
		got := SupT(est, se, reps, 0.95)
		want := Normal.Quantile((1 + math.Pow(0.95, 1/float64(k))) / 2)
		if math.Abs(got-want) > 0.02 {
			t.Errorf("k=%d: crit %g, want %g", k, got, want)
		}
	}
}

func TestReplicateCov(t *testing.T) {
	// Rows (1,2), (3,2), (NaN,·), (5,8): the NaN row is left out; the
	// covariance of x = (1,3,5), y = (2,2,8) is [[4,6],[6,12]].
	reps := mat.NewDense(4, 3, []float64{1, 9, 2, 3, 9, 2, math.NaN(), 9, 1, 5, 9, 8})
	c, err := ReplicateCov(reps, []int{0, 2})
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{4, 6, 12}
	for i, v := range []float64{c.At(0, 0), c.At(0, 1), c.At(1, 1)} {
		if math.Abs(v-want[i]) > 1e-14 {
			t.Errorf("cov %d = %g, want %g", i, v, want[i])
		}
	}
}
