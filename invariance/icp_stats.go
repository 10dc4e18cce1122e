package invariance

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/mathext"

	"github.com/causalkit/causalkit/estimators"
)

// Two-sample tests of the ICP residual comparisons, computed as R's stats
// package does (R 4.2.2): Welch's t.test, var.test and ks.test.

// meanVar returns the mean and the sample variance (n − 1) of x.
func meanVar(x []float64) (mean, v float64) {
	for _, xi := range x {
		mean += xi
	}
	mean /= float64(len(x))
	for _, xi := range x {
		d := xi - mean
		v += d * d
	}
	return mean, v / float64(len(x)-1)
}

// welchP is the two-sided p-value of Welch's two-sample t-test (R's
// t.test(x, y) with var.equal = FALSE).
func welchP(x, y []float64) float64 {
	mx, vx := meanVar(x)
	my, vy := meanVar(y)
	return welchMoments(mx, vx, float64(len(x)), my, vy, float64(len(y)))
}

// welchMoments is welchP from the samples' means, variances and sizes.
func welchMoments(mx, vx, nx, my, vy, ny float64) float64 {
	sx, sy := vx/nx, vy/ny
	se2 := sx + sy
	df := se2 * se2 / (sx*sx/(nx-1) + sy*sy/(ny-1))
	return estimators.Dist{DF: df}.PValue((mx - my) / math.Sqrt(se2))
}

// varTestP is the two-sided p-value of the F test of equal variances (R's
// var.test(x, y)): 2·min(P(F ≤ f), P(F ≥ f)), f = var(x)/var(y).
func varTestP(x, y []float64) float64 {
	_, vx := meanVar(x)
	_, vy := meanVar(y)
	return varTestMoments(vx, float64(len(x)), vy, float64(len(y)))
}

// varTestMoments is varTestP from the samples' variances and sizes.
func varTestMoments(vx, nx, vy, ny float64) float64 {
	d1, d2 := nx-1, ny-1
	f := vx / vy
	upper := estimators.FTest(f, d1, d2).PValue
	lower := 1.0
	if f >= 0 && !math.IsInf(f, 1) {
		lower = mathext.RegIncBeta(d1/2, d2/2, d1*f/(d1*f+d2))
	}
	return min(1, 2*min(lower, upper))
}

// normalMoments computes ICP's "normal" p-value of every environment
// against the others from per-environment moments of the residuals r
// (env[i] the environment index of row i, K environments): sums of
// squares are taken about the overall mean and corrected to each group's
// mean, which keeps full precision since the residuals are centred.
func normalMoments(r []float64, env []int, K int) []float64 {
	var c float64
	for _, v := range r {
		c += v
	}
	c /= float64(len(r))
	n := make([]float64, K)
	s := make([]float64, K)
	q := make([]float64, K)
	for i, v := range r {
		k := env[i]
		d := v - c
		n[k]++
		s[k] += d
		q[k] += d * d
	}
	var nt, st, qt float64
	for k := range K {
		nt, st, qt = nt+n[k], st+s[k], qt+q[k]
	}
	p := make([]float64, K)
	for k := range K {
		no, so, qo := nt-n[k], st-s[k], qt-q[k]
		mi, mo := s[k]/n[k], so/no
		vi := (q[k] - n[k]*mi*mi) / (n[k] - 1)
		vo := (qo - no*mo*mo) / (no - 1)
		p[k] = 2 * min(welchMoments(mi+c, vi, n[k], mo+c, vo, no), varTestMoments(vi, n[k], vo, no))
	}
	return p
}

// ksP is the two-sided two-sample Kolmogorov–Smirnov p-value of R 4.2.2's
// ks.test(x, y): exact (counting lattice paths, ties handled as psmirnov
// does) when len(x)·len(y) < 10000, else the asymptotic Kolmogorov
// distribution.
func ksP(x, y []float64) float64 {
	nx, ny := len(x), len(y)
	type obs struct {
		v  float64
		fx bool
	}
	w := make([]obs, 0, nx+ny)
	for _, v := range x {
		w = append(w, obs{v, true})
	}
	for _, v := range y {
		w = append(w, obs{v, false})
	}
	// R orders with order(w), a stable sort: x before y among ties.
	slices.SortStableFunc(w, func(a, b obs) int {
		switch {
		case a.v < b.v:
			return -1
		case a.v > b.v:
			return 1
		}
		return 0
	})
	N := nx + ny
	// last[k] is true when sorted value k is the last of its tie group.
	last := make([]bool, N)
	var z, d float64
	for k, o := range w {
		if o.fx {
			z += 1 / float64(nx)
		} else {
			z -= 1 / float64(ny)
		}
		last[k] = k == N-1 || w[k+1].v != o.v
		if last[k] {
			d = max(d, math.Abs(z))
		}
	}
	var p float64
	if float64(nx)*float64(ny) < 10000 {
		p = 1 - smirnovExact(d, nx, ny, last)
	} else {
		n := float64(nx) * float64(ny) / float64(nx+ny)
		p = 1 - kolmogorovCDF(math.Sqrt(n)*d, 1e-6)
	}
	return min(1, max(0, p))
}

// smirnovExact is P(D < d) under the null for the two-sided two-sample
// statistic with sizes nx, ny, counting the monotone lattice paths from
// (0, 0) to (nx, ny) that stay strictly inside the band |u/nx − v/ny| < q
// at the steps where a tie group ends (R's psmirnov with z given), divided
// by C(nx+ny, nx).
func smirnovExact(d float64, nx, ny int, last []bool) float64 {
	fx, fy := float64(nx), float64(ny)
	q := (0.5 + math.Floor(d*fx*fy-1e-7)) / (fx * fy)
	N := nx + ny
	// paths[u] counts paths to (u, k−u) after k steps.
	paths := make([]float64, nx+1)
	next := make([]float64, nx+1)
	paths[0] = 1
	for k := 1; k <= N; k++ {
		clear(next)
		for u := max(0, k-ny); u <= min(k, nx); u++ {
			v := k - u
			var c float64
			if v >= 1 {
				c += paths[u] // a y step from (u, v−1)
			}
			if u >= 1 {
				c += paths[u-1] // an x step from (u−1, v)
			}
			if last[k-1] && !(q > math.Abs(float64(u)/fx-float64(v)/fy)) {
				c = 0
			}
			next[u] = c
		}
		paths, next = next, paths
	}
	lg := func(v float64) float64 { r, _ := math.Lgamma(v); return r }
	logDenom := lg(float64(N)+1) - lg(fx+1) - lg(fy+1)
	return paths[nx] / math.Exp(logDenom)
}

// kolmogorovCDF is the limiting distribution of √n·D, P(K ≤ x), computed as
// R's C routine pkstwo: the theta-function series for x < 1 and the
// alternating series 1 − 2Σ(−1)^(k−1) e^(−2k²x²) otherwise, to tolerance tol.
func kolmogorovCDF(x, tol float64) float64 {
	if x <= 0 {
		return 0
	}
	if x < 1 {
		kMax := int(math.Sqrt(2 - math.Log(tol)))
		z := -(math.Pi / 2 * math.Pi / 4) / (x * x)
		w := math.Log(x)
		var s float64
		for k := 1; k < kMax; k += 2 {
			s += math.Exp(float64(k*k)*z - w)
		}
		return s * math.Sqrt(2*math.Pi)
	}
	z := -2 * x * x
	s, old, cur := -1.0, 0.0, 1.0
	for k := 1; math.Abs(old-cur) > tol; k++ {
		old = cur
		cur += 2 * s * math.Exp(z*float64(k*k))
		s = -s
	}
	return cur
}
