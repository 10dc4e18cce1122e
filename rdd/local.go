package rdd

import (
	"errors"
	"math"
	"sort"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/causalkit/causalkit/estimators"
)

// side holds the observations with positive weight on one side of the
// cutoff, sorted by the running variable (ties in input order), as rdrobust
// sorts them. The columns may be memory-mapped files (SortedSample): every
// computation below walks them in order and allocates nothing per row.
type side struct {
	x, y, t, w []float64   // t (fuzzy treatment) and w (weights) may be nil
	z          [][]float64 // covariates, one slice per covariate
	cl         []int       // cluster codes or nil
	// dups and dupsid are the size of the run of equal x each row is in
	// and its 1-based position there, counted over all the side's rows
	// (zero weights included, as rdrobust's rle of the sorted x).
	dups, dupsid []int32
	left         bool
	// release, when set, hints that rows [lo, hi) of the mapped columns
	// may leave memory (they stay in the file cache).
	release func(lo, hi int)
	pilots  map[pilotKey]pilotTerms // see pilot
}

// cols returns the outcome columns D = [y, (t), z…].
func (s *side) cols() [][]float64 {
	d := [][]float64{s.y}
	if s.t != nil {
		d = append(d, s.t)
	}
	return append(d, s.z...)
}

// window is the range [lo, hi) of a side's rows with positive kernel
// weight at a bandwidth: a contiguous range, as the rows are sorted and the
// kernels decrease away from the cutoff.
type window struct{ lo, hi int }

func (w window) n() int { return w.hi - w.lo }

func (s *side) window(c, h float64, k estimators.Kernel) window {
	if !(h > 0) || math.IsInf(h, 0) {
		return window{} // an invalid bandwidth selects nothing; the fit reports it
	}
	n := len(s.x)
	in := func(i int) bool { return k.Weight((s.x[i]-c)/h) > 0 }
	if s.left {
		return window{sort.Search(n, in), n}
	}
	return window{0, sort.Search(n, func(i int) bool { return !in(i) })}
}

// releaseRows is how many rows of memory-mapped columns a walk keeps
// resident behind the current row.
const releaseRows = 1 << 16

// each calls fn for every row i of win with its design row
// r = (1, d, …, d^o), d = x_i − c (a buffer reused between calls). On
// memory-mapped columns it lets the rows it has passed leave memory, so
// that a walk over a window larger than memory stays within a few pages.
func (st *state) each(s *side, win window, o int, fn func(i int, r []float64)) {
	r := make([]float64, o+1)
	for i := win.lo; i < win.hi; i++ {
		d := s.x[i] - st.c
		p := 1.0
		for j := range r {
			r[j] = p
			p *= d
		}
		fn(i, r)
		if done := i + 1 - win.lo; s.release != nil && done%releaseRows == 0 && done >= 2*releaseRows {
			s.release(i+1-2*releaseRows, i+1-releaseRows)
		}
	}
	if s.release != nil {
		s.release(win.lo, win.hi)
	}
}

// weight returns row i's kernel weight K((x_i−c)/h)/h times its
// observation weight.
func (st *state) weight(s *side, i int, h float64) float64 {
	kw := st.opt.Kernel.Weight((s.x[i]-st.c)/h) / h
	if s.w != nil {
		kw *= s.w[i]
	}
	return kw
}

// fit is a weighted polynomial fit of order o on a window with kernel
// weights at bandwidth h: β = G⁻¹ Rᵀ W D per outcome column.
type fit struct {
	o    int
	h    float64
	gram *mat.SymDense // G = Rᵀ W R
	inv  *mat.SymDense
	beta [][]float64 // one coefficient vector per outcome column
	u    *mat.Dense  // Rᵀ W D, (o+1) × columns
	dwd  *mat.Dense  // Dᵀ W D, with covariates only
	// l is Σ w_i r_i ((x_i−c)/h)^(o+1), the moment of the leading bias
	// term (computed when asked).
	l []float64
}

// polyFit fits order o on win with the kernel weights at bandwidth h.
func (st *state) polyFit(s *side, win window, h float64, o int, withL bool) (*fit, error) {
	if win.n() <= o {
		return nil, estimators.InputErrorf("%d observations with positive weight in the window for a polynomial of order %d; widen the bandwidth or lower p", win.n(), o)
	}
	k := o + 1
	d := s.cols()
	nc := len(d)
	g := make([]float64, k*k)
	u := make([]float64, k*nc)
	var l, dwd []float64
	if withL {
		l = make([]float64, k)
	}
	if len(s.z) > 0 {
		dwd = make([]float64, nc*nc)
	}
	st.each(s, win, o, func(i int, r []float64) {
		kw := st.weight(s, i, h)
		for a := range k {
			c := kw * r[a]
			for b := a; b < k; b++ {
				g[a*k+b] += c * r[b]
			}
		}
		for c, col := range d {
			wd := kw * col[i]
			for j := range k {
				u[j*nc+c] += r[j] * wd
			}
			if dwd != nil {
				for c2 := range nc {
					dwd[c*nc+c2] += wd * d[c2][i]
				}
			}
		}
		if l != nil {
			p := math.Pow((s.x[i]-st.c)/h, float64(k))
			for j := range k {
				l[j] += r[j] * kw * p
			}
		}
	})
	f := &fit{o: o, h: h, gram: mat.NewSymDense(k, nil), u: mat.NewDense(k, nc, u), l: l}
	for a := range k {
		for b := a; b < k; b++ {
			f.gram.SetSym(a, b, g[a*k+b])
		}
	}
	if dwd != nil {
		f.dwd = mat.NewDense(nc, nc, dwd)
	}
	var err error
	if f.inv, err = gramInverse(f.gram); err != nil {
		return nil, err
	}
	for c := range nc {
		var b mat.VecDense
		b.MulVec(f.inv, f.u.ColView(c))
		f.beta = append(f.beta, b.RawVector().Data)
	}
	return f, nil
}

// gramInverse returns G⁻¹ as rdrobust's qrXXinv: the Cholesky inverse,
// however ill-conditioned (high-order pilots in raw units are), else the
// pseudo-inverse.
func gramInverse(g *mat.SymDense) (*mat.SymDense, error) {
	k := g.SymmetricDim()
	var ch mat.Cholesky
	if ch.Factorize(g) {
		var inv mat.SymDense
		err := ch.InverseTo(&inv)
		var cond mat.Condition
		if err == nil || errors.As(err, &cond) {
			return &inv, nil
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(g, true) {
		return nil, estimators.InputErrorf("the local polynomial of order %d cannot be fitted in the window", k-1)
	}
	vals := eig.Values(nil)
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	top := floats.Max(vals)
	if !(top > 0) {
		return nil, estimators.InputErrorf("no observations with positive weight in the window for a polynomial of order %d", k-1)
	}
	inv := mat.NewSymDense(k, nil)
	for j, v := range vals {
		if v > math.Sqrt(2.220446049250313e-16)*top { // MASS::ginv's tolerance
			inv.SymRankOne(inv, 1/v, vecs.ColView(j))
		}
	}
	return inv, nil
}

// covParts returns the pieces of the covariate adjustment of a fit
// (Calonico, Cattaneo, Farrell and Titiunik 2019): with U = RᵀWD,
// ZWZ = ZᵀWZ − U_Zᵀ G⁻¹ U_Z and ZWY = ZᵀW[y, t] − U_Zᵀ G⁻¹ U_[y,t], the
// partialled cross-products of the covariates (columns nOut… of D) with
// themselves and with the outcomes (columns 0…nOut−1).
func covParts(f *fit, nOut int) (zwz, zwy *mat.Dense) {
	nc, _ := f.dwd.Dims()
	var giu, uigu mat.Dense
	giu.Mul(f.inv, f.u)
	uigu.Mul(f.u.T(), &giu) // UᵀG⁻¹U, nc × nc
	var m mat.Dense
	m.Sub(f.dwd, &uigu)
	zwz = mat.DenseCopyOf(m.Slice(nOut, nc, nOut, nc))
	zwy = mat.DenseCopyOf(m.Slice(nOut, nc, 0, nOut))
	return zwz, zwy
}

// covGamma returns γ = ZWZ⁺ ZWY (a pseudo-inverse, as rdrobust's ginv),
// one column per outcome.
func covGamma(zwz, zwy *mat.Dense) (*mat.Dense, error) {
	var svd mat.SVD
	if !svd.Factorize(zwz, mat.SVDThin) {
		return nil, estimators.InputErrorf("covariates: SVD failed")
	}
	var g mat.Dense
	svd.SolveTo(&g, zwy, svd.Rank(1e-20))
	return &g, nil
}

// adjustment returns the weights s over the columns of D that turn the
// fitted coefficients into the (covariate-adjusted, possibly fuzzy)
// estimand, given the jumps (or side values) of y and t at index nu of
// beta and γ: sharp s = (1, −γ_y); fuzzy
// s = (1/τ_T, −τ_Y/τ_T², −γ_y/τ_T + τ_Y γ_t/τ_T²), with τ_Y, τ_T the
// covariate-adjusted numerator and denominator.
func adjustment(tauY, tauT float64, fuzzy bool, gamma *mat.Dense) []float64 {
	nz := 0
	if gamma != nil {
		nz, _ = gamma.Dims()
	}
	if !fuzzy {
		s := []float64{1}
		for j := range nz {
			s = append(s, -gamma.At(j, 0))
		}
		return s
	}
	s := []float64{1 / tauT, -tauY / (tauT * tauT)}
	for j := range nz {
		s = append(s, -gamma.At(j, 0)/tauT+tauY/(tauT*tauT)*gamma.At(j, 1))
	}
	return s
}

// adjusted returns s'·(b_y, b_z…) for outcome column col with the
// covariate weights (1, −γ_col) — the covariate-adjusted coefficient.
func adjusted(beta [][]float64, idx, col, nOut int, gamma *mat.Dense) float64 {
	v := beta[col][idx]
	if gamma != nil {
		nz, _ := gamma.Dims()
		for j := range nz {
			v -= gamma.At(j, col) * beta[nOut+j][idx]
		}
	}
	return v
}

// resider computes the residuals the variance estimators use for the rows
// of a window: nearest-neighbour residuals for NN, or the fit's residuals
// scaled as HC0–HC3.
type resider struct {
	st  *state
	s   *side
	win window
	f   *fit
	d   [][]float64
	hc1 float64 // HC1's √(n/(n−k)), 1 when clustered
}

func (st *state) resider(s *side, win window, f *fit) *resider {
	z := &resider{st: st, s: s, win: win, f: f, d: s.cols(), hc1: 1}
	if st.vce == HC1 && s.cl == nil {
		n := float64(win.n())
		z.hc1 = math.Sqrt(n / (n - float64(f.o+1)))
	}
	return z
}

// at writes into out the residual of every outcome column at row i, whose
// design row is r (of order at least the fit's; extra entries are ignored)
// and whose weight in the fit is kw.
func (z *resider) at(i int, r []float64, kw float64, out []float64) {
	st, s := z.st, z.s
	if st.vce == NN {
		lo, hi := s.nnRange(z.win, i, st.opt.NNMatch)
		J := float64(hi - lo)
		c := math.Sqrt(J / (J + 1))
		for l, col := range z.d {
			var sum float64
			for j := lo; j <= hi; j++ {
				sum += col[j]
			}
			sum -= col[i]
			out[l] = c * (col[i] - sum/J)
		}
		return
	}
	k := z.f.o + 1
	scale := z.hc1
	if st.vce == HC2 || st.vce == HC3 {
		var h float64
		for j := range k {
			var ri float64
			for m := range k {
				ri += r[m] * z.f.inv.At(m, j)
			}
			h += ri * r[j] * kw
		}
		scale = 1 / math.Max(1-h, 1e-8)
		if st.vce == HC2 {
			scale = math.Sqrt(scale)
		}
	}
	for l, col := range z.d {
		var pred float64
		for j, b := range z.f.beta[l] {
			pred += r[j] * b
		}
		out[l] = scale * (col[i] - pred)
	}
}

// nnRange returns the rows [lo, hi] (inclusive) around row i of win that
// rdrobust's nearest-neighbour residual averages: the row and its
// J ≥ nnmatch nearest other rows of the window, ties in x kept together.
func (s *side) nnRange(win window, i, nnmatch int) (lo, hi int) {
	x, dups, dupsid := s.x[win.lo:win.hi], s.dups[win.lo:win.hi], s.dupsid[win.lo:win.hi]
	n := win.n()
	pos := i - win.lo
	target := min(nnmatch, n-1)
	rpos := int(dups[pos] - dupsid[pos])
	lpos := int(dupsid[pos] - 1)
	for lpos+rpos < target {
		switch {
		case pos-lpos-1 < 0:
			rpos += int(dups[pos+rpos+1])
		case pos+rpos+1 >= n:
			lpos += int(dups[pos-lpos-1])
		case x[pos]-x[pos-lpos-1] > x[pos+rpos+1]-x[pos]:
			rpos += int(dups[pos+rpos+1])
		case x[pos]-x[pos-lpos-1] < x[pos+rpos+1]-x[pos]:
			lpos += int(dups[pos-lpos-1])
		default:
			rpos += int(dups[pos+rpos+1])
			lpos += int(dups[pos-lpos-1])
		}
	}
	return win.lo + max(0, pos-lpos), win.lo + min(n-1, pos+rpos)
}

// scores accumulates the meat of a sandwich variance, row by row, from
// score rows a_i (k entries) and residuals res_il (one per outcome column
// l), so that the weights s over the columns can be chosen afterwards:
// unclustered Σ_i (Σ_l s_l res_il)² a_i a_iᵀ; CR1 Σ_g (Σ_l s_l u_gl)(…)ᵀ
// with u_gl = Σ_{i∈g} res_il a_i; and for CR2/CR3 the per-cluster moments
// of the adjusting design rows b_i (kb entries, weights w_i):
// A_g = Σ w b bᵀ, P_g = Σ a bᵀ, v_gl = Σ w res_l b.
type scores struct {
	k, kb, nc int
	kind      int // 0 unclustered, 1 CR1, 2 CR2, 3 CR3
	n         int
	m         []float64 // unclustered: nc×nc blocks of k×k, upper triangles
	cl        map[int]*clusterSums
	order     []int // clusters in order of first appearance
}

type clusterSums struct {
	u    []float64 // nc × k
	v    []float64 // nc × kb (CR2/CR3)
	a, p []float64 // kb × kb and k × kb (CR2/CR3)
}

func (st *state) newScores(s *side, k, kb, nc int) *scores {
	sc := &scores{k: k, kb: kb, nc: nc}
	switch {
	case s.cl == nil:
		sc.m = make([]float64, nc*nc*k*k)
	case st.crv != 0:
		sc.kind = st.crv
	default:
		sc.kind = 1
	}
	if sc.kind > 0 {
		sc.cl = map[int]*clusterSums{}
	}
	return sc
}

// add adds row i of side s with score row a, residuals res, and (CR2/CR3)
// adjusting row b with weight w.
func (sc *scores) add(s *side, i int, a, res, b []float64, w float64) {
	sc.n++
	k, nc := sc.k, sc.nc
	if sc.kind == 0 {
		for l := range nc {
			for l2 := l; l2 < nc; l2++ {
				blk := sc.m[(l*nc+l2)*k*k:]
				rr := res[l] * res[l2]
				for p := range k {
					c := rr * a[p]
					for q := p; q < k; q++ {
						blk[p*k+q] += c * a[q]
					}
				}
			}
		}
		return
	}
	g := s.cl[i]
	cs, ok := sc.cl[g]
	if !ok {
		cs = &clusterSums{u: make([]float64, nc*k)}
		if sc.kind > 1 {
			kb := sc.kb
			cs.v, cs.a, cs.p = make([]float64, nc*kb), make([]float64, kb*kb), make([]float64, k*kb)
		}
		sc.cl[g] = cs
		sc.order = append(sc.order, g)
	}
	for l, rl := range res {
		for j := range k {
			cs.u[l*k+j] += rl * a[j]
		}
	}
	if sc.kind > 1 {
		kb := sc.kb
		for l, rl := range res {
			for j := range kb {
				cs.v[l*kb+j] += w * rl * b[j]
			}
		}
		for p := range kb {
			for q := range kb {
				cs.a[p*kb+q] += w * b[p] * b[q]
			}
		}
		for p := range k {
			for q := range kb {
				cs.p[p*kb+q] += a[p] * b[q]
			}
		}
	}
}

// meat returns the unclustered or CR1 meat for column weights s; the CR1
// factor is (n−1)/(n−kdf)·G/(G−1).
func (sc *scores) meat(s []float64, kdf int) *mat.SymDense {
	k, nc := sc.k, sc.nc
	m := mat.NewSymDense(k, nil)
	if sc.kind == 0 {
		for l := range nc {
			for l2 := l; l2 < nc; l2++ {
				c := s[l] * s[l2]
				if l2 != l {
					c *= 2
				}
				blk := sc.m[(l*nc+l2)*k*k:]
				for p := range k {
					for q := p; q < k; q++ {
						m.SetSym(p, q, m.At(p, q)+c*blk[p*k+q])
					}
				}
			}
		}
		return m
	}
	sv := make([]float64, k)
	for _, g := range sc.order {
		sv = sc.score(g, s, sv)
		m.SymRankOne(m, 1, mat.NewVecDense(k, sv))
	}
	G := float64(len(sc.order))
	var f mat.SymDense
	f.ScaleSym(float64(sc.n-1)/float64(sc.n-kdf)*G/(G-1), m)
	return &f
}

// score returns Σ_l s_l u_gl of cluster g into dst.
func (sc *scores) score(g int, s, dst []float64) []float64 {
	cs := sc.cl[g]
	for j := range dst {
		dst[j] = 0
		for l, sl := range s {
			dst[j] += sl * cs.u[l*sc.k+j]
		}
	}
	return dst
}

// variance returns (G⁻¹ M G⁻¹)[idx, idx] of fit f over win for the
// column weights s: the rows' scores are w_i r_i with the residuals of f.
func (st *state) variance(s *side, win window, f *fit, sv []float64, idx int) float64 {
	d := s.cols()
	z := st.resider(s, win, f)
	sc := st.newScores(s, f.o+1, f.o+1, len(d))
	res := make([]float64, len(d))
	a := make([]float64, f.o+1)
	st.each(s, win, f.o, func(i int, r []float64) {
		kw := st.weight(s, i, f.h)
		z.at(i, r, kw, res)
		for j := range a {
			a[j] = kw * r[j]
		}
		sc.add(s, i, a, res, r, kw)
	})
	return st.sandwich(f, sc, sv, idx)
}

// sandwich returns (G⁻¹ M G⁻¹)[idx, idx] for the scores of fit f (whose
// score rows are w_i r_i), CR2/CR3 through f's Gram matrix.
func (st *state) sandwich(f *fit, sc *scores, sv []float64, idx int) float64 {
	if sc.kind > 1 {
		return sandwichEntry(f.inv, meatCRV(sc, f.gram, f.inv, sv), idx)
	}
	return sandwichEntry(f.inv, sc.meat(sv, f.o+1), idx)
}

// sandwichEntry returns (A M A)[j, j] for symmetric A and M.
func sandwichEntry(a, m *mat.SymDense, j int) float64 {
	k := a.SymmetricDim()
	var v float64
	for p := range k {
		for q := range k {
			v += a.At(j, p) * m.At(p, q) * a.At(q, j)
		}
	}
	return v
}

func factorial(n int) float64 {
	f := 1.0
	for i := 2; i <= n; i++ {
		f *= float64(i)
	}
	return f
}
