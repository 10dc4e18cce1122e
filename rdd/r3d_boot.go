package rdd

import (
	"math"
	"slices"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/mat"

	"github.com/causalkit/causalkit/estimators"
)

// r3dBootRows are one side's bootstrap contributions: row r holds, for the
// multiplier index idx[r] (a unit, or a cluster), the sum over its units of
// e_i(q_j)·w_i(q_j) for j = 1..m, and in a fuzzy design a last column with
// the first-stage term e_{T,i}·w_{T,i}.
type r3dBootRows struct {
	a   *mat.Dense // nil when the side has no contributions
	idx []int
}

// r3dBootstrap runs the multiplier bootstrap of spec §2.10–2.11 and fills
// the band, the critical value, the tests and the draws of res.
//
// With residuals e_i(q_j) = Q[i,j] − r_p(x_i/h_j)ᵀα̂_±(q_j) and multipliers
// ξ_{b,i}, replicate b of the process is
//
//	ν_{±,b}(q_j) = Σ_i ξ_{b,i} e_i(q_j) w_{±,i}(q_j),   G_b = ν₊,b − ν₋,b,
//
// and in a fuzzy design, with Δ_b = Σ_i ξ_{b,i} e_{T,i}(w_{T+,i} − w_{T−,i}),
// G_b ← (D·G_b − (m̂₊ − m̂₋)·Δ_b)/D² (delta method). For a block of
// replicates this is one matrix product Ξ·A per side, with Ξ the block's
// multipliers (one row per replicate) and A the stacked contributions of
// the units (or clusters) that enter. The band is τ̂ ± S_(k) with
// S_b = max_j |G_b(q_j)| and k = ⌈level·(B+1)⌉.
//
// Which units enter differs by mode: Compat keeps the reference's filter
// w_{±,i}(q_j) > 0 (and, for frechet, residuals from each unit's fitted
// curve made monotone by isotonic regression; for the first stage, the
// outcome weights of q_1 and units with w_{±,i}(q_1) > 0); the default
// keeps every unit with positive kernel weight, uses the first stage's own
// weights and window, and divides each residual by (1 − ℓ_i) (hc3) or
// √(1 − ℓ_i) (hc2), ℓ_i the unit's leverage in its local fit
// (R3DOptions.Residuals).
func r3dBootstrap(cfg *r3dConfig, res *R3DResult, xc []float64, q *mat.Dense, t []float64, cluster []int,
	h []float64, fits [2]*r3dSideFit, first *r3dFirstStage) error {
	n, m := q.Dims()
	// Multiplier index of every unit.
	mi := make([]int, n)
	nMult := n
	if cluster != nil {
		codes := slices.Sorted(slices.Values(cluster))
		codes = slices.Compact(codes)
		for i, c := range cluster {
			mi[i], _ = slices.BinarySearch(codes, c)
		}
		nMult = len(codes)
		res.Clusters = nMult
	} else {
		for i := range mi {
			mi[i] = i
		}
	}
	if cfg.Xi != nil {
		if r, _ := cfg.Xi.Dims(); r != nMult {
			return estimators.InputErrorf("rdd: r3d: Xi has %d rows; want one per unit or cluster (%d)", r, nMult)
		}
	}
	k := m
	if first != nil {
		k++
	}
	var rows [2]r3dBootRows
	entered := make([]bool, n)
	for s, side := range r3dSides {
		rows[s] = r3dContributions(cfg, xc, q, t, h, fits[s], first, s, side, k, mi, entered)
	}
	for _, e := range entered {
		if e {
			res.Diagnostics.BootstrapUnits++
		}
	}

	B := cfg.Reps
	nuP, nuM := r3dMultiplierSums(cfg, rows, nMult, k, B)

	// The process draws.
	g := make([]float64, B*m)
	for b := range B {
		gb := g[b*m : (b+1)*m]
		p, mm := nuP[b*k:(b+1)*k], nuM[b*k:(b+1)*k]
		for j := range m {
			gb[j] = p[j] - mm[j]
		}
		if first != nil {
			d := first.jump
			delta := p[m] - mm[m]
			for j := range m {
				gb[j] = (d*gb[j] - (res.MPlus[j]-res.MMinus[j])*delta) / (d * d)
			}
		}
	}
	sup := make([]float64, B)
	for b := range B {
		sup[b] = r3dSupAbs(g[b*m:(b+1)*m], nil, 0)
	}
	slices.Sort(sup)
	res.Reps, res.Multiplier = B, cfg.mult.String()
	if cfg.Xi != nil {
		res.Multiplier = "user"
	}
	res.CriticalValue = sup[r3dOrderIndex(cfg.Level, B)-1]
	res.Low, res.High = make([]float64, m), make([]float64, m)
	for j, tau := range res.Tau {
		res.Low[j], res.High[j] = tau-res.CriticalValue, tau+res.CriticalValue
	}
	if cfg.KeepDraws {
		res.Draws = make([][]float64, B)
		for b := range B {
			res.Draws[b] = g[b*m : (b+1)*m]
		}
	}
	r3dRunTests(cfg, res, g, nuP, nuM, k)
	return nil
}

// r3dContributions builds one side's rows e_i(q_j)·w_i(q_j) (and the
// first-stage column), summed by multiplier index in unit order. entered
// marks the units with a non-zero contribution.
func r3dContributions(cfg *r3dConfig, xc []float64, q *mat.Dense, t []float64, h []float64, fit *r3dSideFit,
	first *r3dFirstStage, s int, side estimators.Side, k int, mi []int, entered []bool) r3dBootRows {
	_, m := q.Dims()
	p := len(fit.coef) - 1
	coef := make([]float64, p+1)
	fitted := make([]float64, m)
	use := make([]bool, m)
	row := make([]float64, k)
	data := make([]float64, 0, len(fit.sd.idx)*k)
	var out r3dBootRows
	rowOf := map[int]int{}
	for i, x := range xc {
		if !side.Contains(x) {
			continue
		}
		anyUse := false
		for j := range m {
			if cfg.Compat {
				use[j] = fit.weight(j, i) > 0
			} else {
				use[j] = cfg.Kernel.Weight(x/h[j]) > 0
			}
			fitted[j] = 0
			if use[j] {
				anyUse = true
				for v := range coef {
					coef[v] = fit.coef[v][j]
				}
				fitted[j] = r3dHorner(coef, x/h[j])
			}
		}
		if anyUse && cfg.Compat && cfg.Method == R3DFrechet {
			// The reference projects the unit's row of fitted values
			// (zeros where w ≤ 0) onto monotone curves.
			estimators.Isotonic(fitted, fitted, nil)
		}
		nonzero := false
		for j := range m {
			row[j] = 0
			if use[j] {
				row[j] = (q.At(i, j) - fitted[j]) * fit.weight(j, i) / r3dHC(cfg, fit.leverage(j, i))
				nonzero = nonzero || row[j] != 0
			}
		}
		if first != nil {
			row[m] = 0
			u := x / first.h
			var wt float64
			switch {
			case cfg.Compat && fit.weight(0, i) > 0:
				wt = fit.weight(0, i) // the reference: outcome weights of q_1
			case !cfg.Compat && cfg.Kernel.Weight(u) > 0:
				wt = first.w[s][i]
			}
			if wt != 0 {
				row[m] = (t[i] - r3dHorner(first.coef[s], u)) * wt
				if !cfg.Compat {
					row[m] /= r3dHC(cfg, first.lev[s][i])
				}
				nonzero = nonzero || row[m] != 0
			}
		}
		if !nonzero {
			continue
		}
		entered[i] = true
		r, ok := rowOf[mi[i]]
		if !ok {
			r = len(out.idx)
			rowOf[mi[i]] = r
			out.idx = append(out.idx, mi[i])
			data = append(data, make([]float64, k)...)
		}
		for j, v := range row {
			data[r*k+j] += v
		}
	}
	if len(out.idx) > 0 {
		out.a = mat.NewDense(len(out.idx), k, data)
	}
	return out
}

// r3dHC returns (1 − ℓ)^hcExp, the divisor of a residual with leverage ℓ
// (1 without the correction, or for a leverage that is numerically 1).
func r3dHC(cfg *r3dConfig, lev float64) float64 {
	if cfg.hcExp == 0 || !(1-lev > 1e-12) {
		return 1
	}
	return math.Pow(1-lev, cfg.hcExp)
}

// r3dMultiplierSums returns ν₊ and ν₋ (B × k, row-major): for replicate b,
// Σ_r ξ_{b,idx[r]} A[r,·] on each side. Replicates run in blocks; replicate
// b draws one multiplier per multiplier index that enters, in increasing
// index order, from estimators.Stream(Seed, b) (or reads column b of Xi),
// so the result does not depend on the block size or the number of
// workers.
func r3dMultiplierSums(cfg *r3dConfig, rows [2]r3dBootRows, nMult, k, B int) (nuP, nuM []float64) {
	// Multiplier indices that enter, and each side's position in them.
	seen := make([]bool, nMult)
	for _, r := range rows {
		for _, g := range r.idx {
			seen[g] = true
		}
	}
	var used []int
	pos := make([]int, nMult)
	for g, ok := range seen {
		if ok {
			pos[g] = len(used)
			used = append(used, g)
		}
	}
	L := len(used)
	bs := min(64, B, max(8, (1<<20)/max(L, 1)))
	nu := [2][]float64{make([]float64, B*k), make([]float64, B*k)}
	nBlocks := (B + bs - 1) / bs
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(cfg.Workers, nBlocks) {
		wg.Add(1)
		go func() { // a worker owns its buffers and takes blocks in turn
			defer wg.Done()
			xi := make([]float64, bs*L)
			var x [2][]float64
			for s, r := range rows {
				x[s] = make([]float64, bs*len(r.idx))
			}
			for {
				b0 := int(next.Add(1)-1) * bs
				if b0 >= B {
					return
				}
				nb := min(bs, B-b0)
				for bb := range nb {
					dst := xi[bb*L : (bb+1)*L]
					if cfg.Xi != nil {
						for u, g := range used {
							dst[u] = cfg.Xi.At(g, b0+bb)
						}
					} else {
						cfg.mult.Fill(estimators.Stream(cfg.Seed, uint64(b0+bb)), dst)
					}
				}
				for s, r := range rows {
					if r.a == nil {
						continue
					}
					nr := len(r.idx)
					for bb := range nb {
						for c, g := range r.idx {
							x[s][bb*nr+c] = xi[bb*L+pos[g]]
						}
					}
					out := mat.NewDense(nb, k, nu[s][b0*k:(b0+nb)*k])
					out.Mul(mat.NewDense(nb, nr, x[s][:nb*nr]), r.a)
				}
			}
		}()
	}
	wg.Wait()
	return nu[0], nu[1]
}

// r3dSupAbs returns max_j |v_j − c| over the indices idx (all when nil).
func r3dSupAbs(v []float64, idx []int, c float64) float64 {
	s := 0.0
	if idx == nil {
		for _, x := range v {
			s = math.Max(s, math.Abs(x-c))
		}
		return s
	}
	for _, j := range idx {
		s = math.Max(s, math.Abs(v[j]-c))
	}
	return s
}

// r3dRunTests computes the requested tests from the draws g (B × m) and the
// side sums ν± (B × k):
//
//   - nullity: T = max_j |τ̂_j|, S_b = max_j |G_b(q_j)|;
//   - homogeneity: T = max_j |τ̂_j − mean τ̂|, S_b = max_j |G_b(q_j) − mean G_b|;
//   - gini: T = |Gini(m̂₊) − Gini(m̂₋)|, draws
//     d_b = Gini(m̂₊ + ν₊,b) − Gini(m̂₋ + ν₋,b) and S_b = |d_b − T₀| with
//     T₀ = Gini(m̂₊) − Gini(m̂₋) (recentred; Compat: S_b = |d_b|, the
//     reference's uncentred version);
//
// with maxima and means over the test's grid points, critical value the
// type-7 quantile of S at the level, and p-value mean_b 1{S_b ≥ T}.
func r3dRunTests(cfg *r3dConfig, res *R3DResult, g, nuP, nuM []float64, k int) {
	m := len(res.Grid)
	B := len(g) / m
	stat := make([]float64, 0, B)
	finish := func(name string, r [2]float64, t float64) R3DTest {
		slices.Sort(stat)
		test := R3DTest{Name: name, Range: r, Statistic: t, CriticalValue: math.NaN(), PValue: math.NaN()}
		if len(stat) > 0 {
			test.CriticalValue = estimators.Quantile7(stat, cfg.Level)
			if !math.IsNaN(t) {
				ge := 0
				for _, s := range stat {
					if s >= t {
						ge++
					}
				}
				test.PValue = float64(ge) / float64(len(stat))
			}
		}
		return test
	}
	for _, name := range cfg.tests {
		if name == "gini" {
			continue
		}
		for _, r := range cfg.ranges {
			idx := r3dRangeIndex(res.Grid, r)
			stat = stat[:0]
			var t float64
			if name == "nullity" {
				t = r3dSupAbs(res.Tau, idx, 0)
				for b := range B {
					stat = append(stat, r3dSupAbs(g[b*m:(b+1)*m], idx, 0))
				}
			} else {
				t = r3dSupAbs(res.Tau, idx, r3dMeanAt(res.Tau, idx))
				for b := range B {
					gb := g[b*m : (b+1)*m]
					stat = append(stat, r3dSupAbs(gb, idx, r3dMeanAt(gb, idx)))
				}
			}
			res.Tests = append(res.Tests, finish(name, r, t))
		}
	}
	if !slices.Contains(cfg.tests, "gini") {
		return
	}
	grid := res.Grid
	gp, gm := r3dGini(grid, res.MPlus), r3dGini(grid, res.MMinus)
	diff := gp - gm
	t := math.Abs(diff)
	stat = stat[:0]
	bp, bm := make([]float64, m), make([]float64, m)
	for b := range B {
		for j := range m {
			bp[j] = res.MPlus[j] + nuP[b*k+j]
			bm[j] = res.MMinus[j] + nuM[b*k+j]
		}
		d := r3dGini(grid, bp) - r3dGini(grid, bm)
		if math.IsNaN(d) {
			res.Diagnostics.GiniUndefined++
			continue
		}
		if !cfg.Compat {
			d -= diff
		}
		stat = append(stat, math.Abs(d))
	}
	test := finish("gini", [2]float64{grid[0], grid[m-1]}, t)
	test.GiniPlus, test.GiniMinus = gp, gm
	res.Tests = append(res.Tests, test)
	if grid[0] > 0.01 || grid[m-1] < 0.99 {
		res.Notes = append(res.Notes, "Gini test: the grid does not span [0.01, 0.99]; the Gini coefficients are coarse approximations")
	}
}

// r3dMeanAt returns the mean of v over the indices idx.
func r3dMeanAt(v []float64, idx []int) float64 {
	var s float64
	for _, j := range idx {
		s += v[j]
	}
	return s / float64(len(idx))
}

// r3dGini returns the Gini coefficient of the quantile curve v on the grid
// as the reference computes it: the curve is extended to q = 0 and q = 1 by
// its end values; with trapezoids, μ = ∫₀¹ Q, the Lorenz curve
// L(q_k) = ∫₀^{q_k} Q / μ and G = 1 − 2∫₀¹ L, clipped to [0, 1]. It is NaN
// when μ ≤ 0.
func r3dGini(grid, v []float64) float64 {
	m := len(grid)
	pq := make([]float64, 0, m+2)
	pv := make([]float64, 0, m+2)
	if grid[0] > 0 {
		pq, pv = append(pq, 0), append(pv, v[0])
	}
	pq, pv = append(pq, grid...), append(pv, v...)
	if grid[m-1] < 1 {
		pq, pv = append(pq, 1), append(pv, v[m-1])
	}
	var mu float64
	for i := 0; i+1 < len(pq); i++ {
		mu += 0.5 * (pv[i+1] + pv[i]) * (pq[i+1] - pq[i])
	}
	if mu <= 0 || math.IsNaN(mu) {
		return math.NaN()
	}
	var cum, area, prev float64
	for i := 0; i+1 < len(pq); i++ {
		dp := pq[i+1] - pq[i]
		cum += 0.5 * (pv[i+1] + pv[i]) * dp
		l := cum / mu
		area += 0.5 * (prev + l) * dp
		prev = l
	}
	return math.Max(0, math.Min(1, 1-2*area))
}
