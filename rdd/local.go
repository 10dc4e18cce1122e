package rdd

import (
	"errors"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/causalkit/causalkit/estimators"
)

// side holds the observations on one side of the cutoff, sorted by the
// running variable, as rdrobust sorts them.
type side struct {
	x, y, t, w []float64   // t (fuzzy treatment) and w (weights) may be nil
	z          [][]float64 // covariates, one slice per covariate
	cl         []int       // cluster codes or nil
	dups       []int       // size of the run of equal x values each row is in
	dupsid     []int       // 1-based position of the row within its run
	left       bool
}

// runs fills dups and dupsid (rdrobust's rle of the sorted x).
func (s *side) runs() {
	n := len(s.x)
	s.dups, s.dupsid = make([]int, n), make([]int, n)
	for i := 0; i < n; {
		j := i
		for j < n && s.x[j] == s.x[i] {
			j++
		}
		for k := i; k < j; k++ {
			s.dups[k], s.dupsid[k] = j-i, k-i+1
		}
		i = j
	}
}

// window is the subset of a side with positive kernel weight at a
// bandwidth: the rows, their kernel weights K((x−c)/h)/h (times the
// observation weights), and the columns the fits need.
type window struct {
	idx []int
	kw  []float64
	dx  []float64 // x − c
}

func (s *side) window(c, h float64, k estimators.Kernel) window {
	var w window
	if !(h > 0) || math.IsInf(h, 0) {
		return w // an invalid bandwidth selects nothing; the fit reports it
	}
	for i, xi := range s.x {
		kw := k.Weight((xi-c)/h) / h
		if s.w != nil {
			kw *= s.w[i]
		}
		if kw > 0 {
			w.idx = append(w.idx, i)
			w.kw = append(w.kw, kw)
			w.dx = append(w.dx, xi-c)
		}
	}
	return w
}

// vander returns the n × (o+1) matrix [1, d, d², …, d^o].
func vander(d []float64, o int) *mat.Dense {
	r := mat.NewDense(len(d), o+1, nil)
	for i, v := range d {
		p := 1.0
		for j := 0; j <= o; j++ {
			r.Set(i, j, p)
			p *= v
		}
	}
	return r
}

// weightedGramInverse returns (Rᵀ diag(w) R)⁻¹.
func weightedGramInverse(r *mat.Dense, w []float64) (*mat.SymDense, error) {
	_, k := r.Dims()
	acc := make([]float64, k*k)
	for i, wi := range w {
		row := r.RawRowView(i)
		for a := range k {
			c := wi * row[a]
			for b := a; b < k; b++ {
				acc[a*k+b] += c * row[b]
			}
		}
	}
	g := mat.NewSymDense(k, nil)
	for a := range k {
		for b := a; b < k; b++ {
			g.SetSym(a, b, acc[a*k+b])
		}
	}
	// As rdrobust's qrXXinv: the Cholesky inverse, however ill-conditioned
	// (high-order pilots in raw units are), else the pseudo-inverse.
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

// outcomes returns the columns D = [y, (t), z…] on the window rows.
func (s *side) outcomes(w window) [][]float64 {
	y := make([]float64, len(w.idx))
	for a, i := range w.idx {
		y[a] = s.y[i]
	}
	d := [][]float64{y}
	if s.t != nil {
		t := make([]float64, len(w.idx))
		for a, i := range w.idx {
			t[a] = s.t[i]
		}
		d = append(d, t)
	}
	for _, zc := range s.z {
		z := make([]float64, len(w.idx))
		for a, i := range w.idx {
			z[a] = zc[i]
		}
		d = append(d, z)
	}
	return d
}

// covParts returns the pieces of the covariate adjustment on one window
// (Calonico, Cattaneo, Farrell and Titiunik 2019): with U = RᵀWD,
// ZWZ = ZᵀWZ − U_Zᵀ G⁻¹ U_Z and ZWY = ZᵀW[y, t] − U_Zᵀ G⁻¹ U_[y,t], the
// partialled cross-products of the covariates (columns nOut… of D) with
// themselves and with the outcomes (columns 0…nOut−1).
func covParts(r *mat.Dense, kw []float64, inv *mat.SymDense, d [][]float64, nOut int) (zwz, zwy *mat.Dense) {
	n, k := r.Dims()
	nc := len(d)
	u := mat.NewDense(k, nc, nil)    // RᵀWD
	dwd := mat.NewDense(nc, nc, nil) // DᵀWD
	for i := range n {
		row := r.RawRowView(i)
		for c := range nc {
			wd := kw[i] * d[c][i]
			for j := range k {
				u.Set(j, c, u.At(j, c)+row[j]*wd)
			}
			for c2 := range nc {
				dwd.Set(c, c2, dwd.At(c, c2)+wd*d[c2][i])
			}
		}
	}
	var giu, uigu mat.Dense
	giu.Mul(inv, u)
	uigu.Mul(u.T(), &giu) // UᵀG⁻¹U, nc × nc
	var m mat.Dense
	m.Sub(dwd, &uigu)
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

// fit is a weighted polynomial fit on a window: β = G⁻¹ Rᵀ W D per outcome
// column.
type fit struct {
	r    *mat.Dense
	inv  *mat.SymDense
	beta [][]float64 // one coefficient vector per outcome column
}

func polyFit(w window, d [][]float64, o int) (fit, error) {
	if len(w.idx) <= o {
		return fit{}, estimators.InputErrorf("%d observations with positive weight in the window for a polynomial of order %d; widen the bandwidth or lower p", len(w.idx), o)
	}
	r := vander(w.dx, o)
	inv, err := weightedGramInverse(r, w.kw)
	if err != nil {
		return fit{}, err
	}
	f := fit{r: r, inv: inv}
	for _, col := range d {
		rtwd := make([]float64, o+1)
		for i, wi := range w.kw {
			row := r.RawRowView(i)
			for j := range rtwd {
				rtwd[j] += row[j] * wi * col[i]
			}
		}
		var b mat.VecDense
		b.MulVec(inv, mat.NewVecDense(o+1, rtwd))
		f.beta = append(f.beta, b.RawVector().Data)
	}
	return f, nil
}

// residuals returns the residual columns (one per outcome) that the
// variance estimators use: nearest-neighbour residuals for NN, or the fit's
// residuals scaled as HC0–HC3 (d is the number of fitted coefficients, for
// HC1's n/(n−d)).
func (s *side) residuals(w window, d [][]float64, f fit, vce VCE, nnmatch int, clustered bool) [][]float64 {
	n := len(w.idx)
	res := make([][]float64, len(d))
	if vce == NN {
		dups, dupsid := make([]int, n), make([]int, n)
		x := make([]float64, n)
		for a, i := range w.idx {
			dups[a], dupsid[a], x[a] = s.dups[i], s.dupsid[i], s.x[i]
		}
		for l, col := range d {
			res[l] = nnResiduals(x, col, dups, dupsid, nnmatch)
		}
		return res
	}
	_, k := f.r.Dims()
	scale := make([]float64, n)
	for i := range scale {
		scale[i] = 1
	}
	switch vce {
	case HC1:
		if !clustered {
			for i := range scale {
				scale[i] = math.Sqrt(float64(n) / float64(n-k))
			}
		}
	case HC2, HC3:
		var ri mat.Dense
		ri.Mul(f.r, f.inv)
		for i := range scale {
			var h float64
			row, rrow := ri.RawRowView(i), f.r.RawRowView(i)
			for j := range row {
				h += row[j] * rrow[j] * w.kw[i]
			}
			h = 1 / math.Max(1-h, 1e-8)
			if vce == HC2 {
				h = math.Sqrt(h)
			}
			scale[i] = h
		}
	}
	for l, col := range d {
		r := make([]float64, n)
		for i := range r {
			pred := 0.0
			row := f.r.RawRowView(i)
			for j, b := range f.beta[l] {
				pred += row[j] * b
			}
			r[i] = scale[i] * (col[i] - pred)
		}
		res[l] = r
	}
	return res
}

// nnResiduals are rdrobust's nearest-neighbour residuals on sorted x:
// √(J/(J+1))·(y_i − mean of the J ≥ nnmatch nearest other observations),
// where ties in x are kept together.
func nnResiduals(x, y []float64, dups, dupsid []int, nnmatch int) []float64 {
	n := len(x)
	res := make([]float64, n)
	target := min(nnmatch, n-1)
	for pos := range n {
		rpos := dups[pos] - dupsid[pos]
		lpos := dupsid[pos] - 1
		for lpos+rpos < target {
			switch {
			case pos-lpos-1 < 0:
				rpos += dups[pos+rpos+1]
			case pos+rpos+1 >= n:
				lpos += dups[pos-lpos-1]
			case x[pos]-x[pos-lpos-1] > x[pos+rpos+1]-x[pos]:
				rpos += dups[pos+rpos+1]
			case x[pos]-x[pos-lpos-1] < x[pos+rpos+1]-x[pos]:
				lpos += dups[pos-lpos-1]
			default:
				rpos += dups[pos+rpos+1]
				lpos += dups[pos-lpos-1]
			}
		}
		lo, hi := max(0, pos-lpos), min(n-1, pos+rpos)
		var sum float64
		for j := lo; j <= hi; j++ {
			sum += y[j]
		}
		sum -= y[pos]
		J := float64(hi - lo)
		res[pos] = math.Sqrt(J/(J+1)) * (y[pos] - sum/J)
	}
	return res
}

// meat returns Σ_i r_i² a_i a_iᵀ with r_i = Σ_l s_l res_il and a_i the rows
// of rx, or with clusters the CR1 sum Σ_g (Σ_{i∈g} r_i a_i)(…)ᵀ times
// (n−1)/(n−k)·G/(G−1), k = kdf.
func meat(rx *mat.Dense, res [][]float64, s []float64, cl []int, kdf int) *mat.SymDense {
	n, k := rx.Dims()
	r := make([]float64, n)
	for l, col := range res {
		for i, v := range col {
			r[i] += s[l] * v
		}
	}
	acc := make([]float64, k*k) // upper triangle, row-major
	add := func(row []float64, c float64) {
		for a := range k {
			ca := c * row[a]
			for b := a; b < k; b++ {
				acc[a*k+b] += ca * row[b]
			}
		}
	}
	factor := 1.0
	if cl == nil {
		for i, ri := range r {
			add(rx.RawRowView(i), ri*ri)
		}
	} else {
		sums := map[int][]float64{}
		var order []int
		for i, g := range cl {
			sv, ok := sums[g]
			if !ok {
				sv = make([]float64, k)
				sums[g] = sv
				order = append(order, g)
			}
			row := rx.RawRowView(i)
			for j := range sv {
				sv[j] += row[j] * r[i]
			}
		}
		for _, g := range order {
			add(sums[g], 1)
		}
		G := float64(len(order))
		factor = float64(n-1) / float64(n-kdf) * G / (G - 1)
	}
	m := mat.NewSymDense(k, nil)
	for a := range k {
		for b := a; b < k; b++ {
			m.SetSym(a, b, factor*acc[a*k+b])
		}
	}
	return m
}

// variance returns (G⁻¹ M G⁻¹)[idx, idx] for a fit on a window with kernel
// weights kw: M is the HC/nn meat, the CR1 meat (kdf coefficients for its
// factor), or the CR2/CR3 meat when the state asks for them.
func (st *state) variance(f fit, kw []float64, res [][]float64, s []float64, cl []int, idx, kdf int) float64 {
	if cl != nil && st.crv != 0 {
		return sandwichEntry(f.inv, meatCRV(st.crv, f.r, kw, f.inv, res, s, cl), idx)
	}
	return sandwichEntry(f.inv, meat(weighted(f.r, kw), res, s, cl, kdf), idx)
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

// weighted returns the rows of r scaled by w (R∘w).
func weighted(r *mat.Dense, w []float64) *mat.Dense {
	var out mat.Dense
	out.CloneFrom(r)
	for i, wi := range w {
		row := out.RawRowView(i)
		for j := range row {
			row[j] *= wi
		}
	}
	return &out
}

func factorial(n int) float64 {
	f := 1.0
	for i := 2; i <= n; i++ {
		f *= float64(i)
	}
	return f
}

// clusterCodes returns the cluster codes of the window rows, or nil.
func (s *side) clusterCodes(w window) []int {
	if s.cl == nil {
		return nil
	}
	c := make([]int, len(w.idx))
	for a, i := range w.idx {
		c[a] = s.cl[i]
	}
	return c
}
