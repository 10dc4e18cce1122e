package invariance

import (
	"context"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/causalkit/causalkit/estimators"
)

// envGroups splits the rows 0…n−1 by environment label, in order of first
// appearance (as R's unique). At least two environments are needed, each
// with at least three rows and at least as many rows as variables.
func envGroups(env []int, n, p int) ([][]int, error) {
	if len(env) != n {
		return nil, estimators.InputErrorf("the environment column has %d rows, the data %d", len(env), n)
	}
	groups, labels := groupRows(env)
	if len(groups) < 2 {
		return nil, estimators.InputErrorf("there is only one environment; invariance needs at least two")
	}
	for k, g := range groups {
		if len(g) < 3 || len(g) < p {
			return nil, estimators.InputErrorf("environment %d has %d rows; each environment needs at least 3 rows and at least as many rows as variables (%d)", labels[k], len(g), p)
		}
	}
	return groups, nil
}

// parallelFor runs f(0) … f(n−1) on a pool of workers (0: GOMAXPROCS) and
// returns the error of the smallest failing index, so that the outcome does
// not depend on scheduling. A cancelled ctx stops the work.
func parallelFor(ctx context.Context, n, workers int, f func(i int) error) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, n))
	errs := make([]error, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				errs[i] = f(i)
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// setFit holds the pooled fit and the invariance p-value of one set.
type setFit struct {
	vars     []int
	coef, se []float64
	pval     float64
}

// run fits y on [1, X_S] and computes the set's p-value (see ICP). tri
// holds the columns of the QR triangle of [1, X, y].
func (s *setFit) run(mask uint64, x [][]float64, y []float64, tri [][]float64, groups [][]int, envOf []int, opt ICPOptions, rng *rand.Rand) error {
	n := len(y)
	cols := [][]float64{constant(n)}
	rcols := [][]float64{tri[0]}
	names := []string{"(Intercept)"}
	for j := range x {
		if mask>>j&1 == 1 {
			s.vars = append(s.vars, j)
			cols = append(cols, x[j])
			rcols = append(rcols, tri[1+j])
			names = append(names, "x")
		}
	}
	ls, err := estimators.WLS(rcols, tri[len(x)+1], names, estimators.LSOptions{DropCollinear: true})
	if err != nil {
		return err
	}
	if n <= ls.Rank {
		return estimators.InputErrorf("icp: %d rows for %d coefficients", n, ls.Rank)
	}
	// Classical standard errors with the residual variance RSS/(n − k) of
	// the data (ls.N counts the triangle's rows).
	bread := ls.Bread()
	s2 := ls.RSS / float64(n-ls.Rank)
	s.coef, s.se = ls.Coef[1:], make([]float64, len(s.vars))
	for a := range s.se {
		s.se[a] = math.NaN()
	}
	for b, j := range ls.Kept {
		if j > 0 {
			s.se[j-1] = math.Sqrt(s2 * bread.At(b, b))
		}
	}
	resid := make([]float64, n)
	copy(resid, y)
	for _, j := range ls.Kept {
		floats.AddScaled(resid, -ls.Coef[j], cols[j])
	}
	K := len(groups)
	pk := make([]float64, K)
	if opt.Test == TestExact {
		for k, g := range groups {
			if pk[k], err = exactP(cols, y, g, opt.MaxNoObs, rng); err != nil {
				return err
			}
		}
		s.pval = min(1, slices.Min(pk)*float64(K))
		return nil
	}
	if opt.Test == TestKS {
		in := make([]bool, n)
		for k, g := range groups {
			clear(in)
			for _, i := range g {
				in[i] = true
			}
			a, b := split(resid, in)
			pk[k] = ksP(a, b)
		}
	} else {
		pk = normalMoments(resid, envOf, K)
	}
	s.pval = min(1, slices.Min(pk)*float64(K-1))
	return nil
}

func constant(n int) []float64 {
	c := make([]float64, n)
	for i := range c {
		c[i] = 1
	}
	return c
}

// split returns the entries of v with in[i] and the others, in row order.
func split(v []float64, in []bool) (a, b []float64) {
	for i, x := range v {
		if in[i] {
			a = append(a, x)
		} else {
			b = append(b, x)
		}
	}
	return a, b
}

// exactP is the p-value of ICP's exact test for one environment (rows g):
// OLS on the other rows, prediction errors d on (at most maxObs, sampled)
// rows of g, stat = dᵀ(I + X_g (X₋ᵀX₋)⁻¹ X_gᵀ)⁻¹d / (m·s²·n₋/(n₋−p)) with s²
// the sample variance of the other rows' residuals, p = P(F(m, n−m−p) >
// stat), as R's getpval (whose second degree of freedom uses the subsample
// size m). The subsample is sorted by row, so that errors and design rows
// stay aligned.
func exactP(cols [][]float64, y []float64, g []int, maxObs int, rng *rand.Rand) (float64, error) {
	n, p := len(y), len(cols)
	in := make([]bool, n)
	for _, i := range g {
		in[i] = true
	}
	oc := make([][]float64, p)
	for j, c := range cols {
		_, oc[j] = split(c, in)
	}
	_, oy := split(y, in)
	ls, err := estimators.WLS(oc, oy, make([]string, p), estimators.LSOptions{DropCollinear: true})
	if err != nil {
		return 0, err
	}
	rows := g
	if len(g) > maxObs {
		perm := rng.Perm(len(g))[:maxObs]
		slices.Sort(perm)
		rows = make([]int, maxObs)
		for a, k := range perm {
			rows[a] = g[k]
		}
	}
	m, r := len(rows), ls.Rank
	xs := mat.NewDense(m, r, nil)
	d := mat.NewVecDense(m, nil)
	for a, i := range rows {
		pred := 0.0
		for b, j := range ls.Kept {
			xs.Set(a, b, cols[j][i])
			pred += ls.Coef[j] * cols[j][i]
		}
		d.SetVec(a, y[i]-pred)
	}
	var cv, tmp mat.Dense
	tmp.Mul(xs, ls.Bread())
	cv.Mul(&tmp, xs.T())
	sym := mat.NewSymDense(m, nil)
	for a := range m {
		for b := a; b < m; b++ {
			v := 0.5 * (cv.At(a, b) + cv.At(b, a))
			if a == b {
				v++
			}
			sym.SetSym(a, b, v)
		}
	}
	var chol mat.Cholesky
	if !chol.Factorize(sym) {
		return 0, estimators.InputErrorf("icp: exact test: singular prediction covariance")
	}
	var sol mat.VecDense
	if err := chol.SolveVecTo(&sol, d); err != nil {
		return 0, estimators.InputErrorf("icp: exact test: %v", err)
	}
	no := float64(len(oy))
	_, s2 := meanVar(ls.Resid)
	stat := mat.Dot(d, &sol) / (float64(m) * s2 * no / (no - float64(p)))
	return estimators.FTest(stat, float64(m), float64(n-m-p)).PValue, nil
}

// summarizeICP combines the set fits as R's ICP does.
func summarizeICP(names []string, masks []uint64, fits []setFit, K int, opt ICPOptions) *ICPResult {
	p := len(names)
	res := &ICPResult{Names: names, Test: opt.Test.String(), Alpha: opt.Alpha, Environments: K, AcceptedSets: [][]string{}}
	lo, hi := nanSlice(p), nanSlice(p)
	z := distuv.UnitNormal.Quantile(1 - opt.Alpha/4)
	best := math.Inf(-1)
	for s, f := range fits {
		set := make([]string, len(f.vars))
		for a, j := range f.vars {
			set[a] = names[j]
		}
		acc := f.pval > opt.Alpha
		res.Sets = append(res.Sets, SetTest{Set: set, PValue: f.pval, Accepted: acc, Coef: f.coef, StdError: f.se})
		best = max(best, f.pval)
		if !acc {
			continue
		}
		res.AcceptedSets = append(res.AcceptedSets, set)
		if masks[s] == 0 { // R: the accepted empty set starts every interval at [0, 0]
			for j := range p {
				lo[j], hi[j] = nanMin(lo[j], 0), nanMax(hi[j], 0)
			}
			continue
		}
		used := make([]bool, p)
		for a, j := range f.vars {
			used[j] = true
			hi[j] = nanMax(hi[j], f.coef[a]+z*f.se[a])
			lo[j] = nanMin(lo[j], f.coef[a]-z*f.se[a])
		}
		for j := range p {
			if !used[j] {
				lo[j], hi[j] = nanMin(lo[j], 0), nanMax(hi[j], 0)
			}
		}
	}
	res.BestModel = best
	res.ModelRejected = !(best > opt.GOF)
	res.PValues = make([]float64, p)
	res.Maximin = nanSlice(p)
	for j := range p {
		res.PValues[j] = 1
	}
	if res.ModelRejected {
		res.ConfLow, res.ConfHigh = nanSlice(p), nanSlice(p)
		return res
	}
	res.ConfLow, res.ConfHigh = lo, hi
	for j := range p {
		sig := sign(lo[j]) * sign(hi[j])
		res.Maximin[j] = sign(hi[j]) * min(math.Abs(lo[j]), math.Abs(hi[j]))
		if sig < 0 {
			res.Maximin[j] = 0
		}
		if math.IsNaN(sig) {
			res.Maximin[j] = math.NaN()
		}
		pv := math.Inf(-1)
		for _, f := range fits {
			if !slices.Contains(f.vars, j) {
				pv = max(pv, f.pval)
			}
		}
		if !math.IsInf(pv, -1) {
			res.PValues[j] = pv
		}
	}
	return res
}

func nanSlice(n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = math.NaN()
	}
	return s
}

// nanMax and nanMin are R's pmax/pmin with na.rm = TRUE.
func nanMax(a, b float64) float64 {
	switch {
	case math.IsNaN(a):
		return b
	case math.IsNaN(b):
		return a
	}
	return max(a, b)
}

func nanMin(a, b float64) float64 {
	switch {
	case math.IsNaN(a):
		return b
	case math.IsNaN(b):
		return a
	}
	return min(a, b)
}

// sign is R's sign (NaN stays NaN).
func sign(v float64) float64 {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return v
}
