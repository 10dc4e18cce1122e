package rdd

import (
	"errors"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// The cluster-robust CR2 (Bell–McCaffrey) and CR3 (jackknife-like)
// variances of rdrobust 4.0.0, computed per cluster in k×k form: with
// G = RᵀWR of the window, L_g = R_gᵀW_gR_g and u_gl = R_gᵀW_g r_gl,
//
//	CR3: score_gl = u_gl + L_g (G − L_g)⁻¹ u_gl
//	CR2: score_gl = u_gl + L_g C'ᵀ V diag(c) Vᵀ C' u_gl, with C'ᵀC' = G⁻¹,
//	     C' L_g C'ᵀ = V diag(σ²) Vᵀ and c = ((1−σ²)^(−1/2) − 1)/σ²,
//
// and the meat Σ_g (Σ_l s_l score_gl)(…)ᵀ with no small-sample factor.

// clusterRows groups row indices by cluster code, clusters in increasing
// code order.
func clusterRows(cl []int) [][]int {
	codes := slices.Clone(cl)
	slices.Sort(codes)
	codes = slices.Compact(codes)
	pos := make(map[int]int, len(codes))
	for i, c := range codes {
		pos[c] = i
	}
	rows := make([][]int, len(codes))
	for i, c := range cl {
		rows[pos[c]] = append(rows[pos[c]], i)
	}
	return rows
}

// gram returns Σ_i w_i r_i r_iᵀ over the rows of r.
func gram(r *mat.Dense, w []float64) *mat.SymDense {
	_, k := r.Dims()
	g := mat.NewSymDense(k, nil)
	for i, wi := range w {
		g.SymRankOne(g, wi, mat.NewVecDense(k, r.RawRowView(i)))
	}
	return g
}

// inverse inverts a (possibly ill-conditioned) matrix by LU as R's solve
// does; ok is false when it is singular.
func inverse(a mat.Matrix) (*mat.Dense, bool) {
	var inv mat.Dense
	err := inv.Inverse(a)
	var cond mat.Condition
	if err != nil && (!errors.As(err, &cond) || math.IsInf(float64(cond), 1)) {
		return nil, false
	}
	for _, v := range inv.RawMatrix().Data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, false
		}
	}
	return &inv, true
}

// inverseOrPinv is inverse with the pseudo-inverse (MASS::ginv) as the
// fallback.
func inverseOrPinv(a *mat.SymDense) mat.Matrix {
	if inv, ok := inverse(a); ok {
		return inv
	}
	p, _ := symInverse(a)
	return p
}

// symInverse returns the pseudo-inverse of a symmetric matrix (eigenvalues
// below √eps times the largest are treated as zero); ok is false when any
// was.
func symInverse(a mat.Symmetric) (*mat.SymDense, bool) {
	k := a.SymmetricDim()
	var eig mat.EigenSym
	if !eig.Factorize(a, true) {
		return mat.NewSymDense(k, nil), false
	}
	vals := eig.Values(nil)
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	top := 0.0
	for _, v := range vals {
		top = math.Max(top, math.Abs(v))
	}
	inv := mat.NewSymDense(k, nil)
	ok := true
	for j, v := range vals {
		if math.Abs(v) > math.Sqrt(2.220446049250313e-16)*top {
			inv.SymRankOne(inv, 1/v, vecs.ColView(j))
		} else {
			ok = false
		}
	}
	return inv, ok
}

// meatCRV is the CR2 (kind 2) or CR3 (kind 3) meat of the fit with design
// r, kernel weights kw and inverse Gram matrix inv.
func meatCRV(kind int, r *mat.Dense, kw []float64, inv *mat.SymDense, res [][]float64, s []float64, cl []int) *mat.SymDense {
	_, k := r.Dims()
	g := gram(r, kw)
	var cHalf *mat.TriDense // upper, C'ᵀC' = G⁻¹
	if kind == 2 {
		var ch mat.Cholesky
		if ch.Factorize(inv) {
			var u mat.TriDense
			ch.UTo(&u)
			cHalf = &u
		}
	}
	m := mat.NewSymDense(k, nil)
	for _, rows := range clusterRows(cl) {
		lg := mat.NewSymDense(k, nil)
		for _, i := range rows {
			lg.SymRankOne(lg, kw[i], mat.NewVecDense(k, r.RawRowView(i)))
		}
		var adjust func(u *mat.VecDense) *mat.VecDense // L_g·(…)·u
		switch {
		case kind == 3:
			mg := inverseOrPinv(minus(g, lg))
			adjust = func(u *mat.VecDense) *mat.VecDense {
				var t, out mat.VecDense
				t.MulVec(mg, u)
				out.MulVec(lg, &t)
				return &out
			}
		case cHalf != nil:
			var t, f mat.Dense
			t.Mul(cHalf, lg)
			f.Mul(&t, cHalf.T())
			fs := symmetric(&f)
			var eig mat.EigenSym
			if !eig.Factorize(fs, true) {
				adjust = nil
				break
			}
			sig := eig.Values(nil)
			var v mat.Dense
			eig.VectorsTo(&v)
			c := make([]float64, k)
			for j, s2 := range sig {
				s2 = math.Max(s2, 0)
				if s2 >= 1e-14 {
					c[j] = (1/math.Sqrt(math.Max(1-s2, 1e-8)) - 1) / s2
				}
			}
			var ltc mat.Dense
			ltc.Mul(lg, cHalf.T())
			adjust = func(u *mat.VecDense) *mat.VecDense {
				var ru, vr, adj, out mat.VecDense
				ru.MulVec(cHalf, u)
				vr.MulVec(v.T(), &ru)
				for j := range k {
					vr.SetVec(j, vr.AtVec(j)*c[j])
				}
				adj.MulVec(&v, &vr)
				out.MulVec(&ltc, &adj)
				return &out
			}
		}
		sv := mat.NewVecDense(k, nil)
		for l, col := range res {
			u := mat.NewVecDense(k, nil)
			for _, i := range rows {
				u.AddScaledVec(u, kw[i]*col[i], mat.NewVecDense(k, r.RawRowView(i)))
			}
			score := u
			if adjust != nil {
				score.AddVec(u, adjust(u))
			}
			sv.AddScaledVec(sv, s[l], score)
		}
		m.SymRankOne(m, 1, sv)
	}
	return m
}

// meatQQ is rdrobust's CR2/CR3 meat of the robust (bias-corrected)
// variance when h ≠ b: the scores Q_q rows (n × (p+1)) are adjusted through
// the q-order fit (design rq, weights wb, inverse Gram invQ).
func meatQQ(kind int, q, rq *mat.Dense, wb []float64, invQ *mat.SymDense, res [][]float64, s []float64, cl []int) *mat.SymDense {
	_, k := q.Dims()
	_, kr := rq.Dims()
	gq := gram(rq, wb)
	m := mat.NewSymDense(k, nil)
	for _, rows := range clusterRows(cl) {
		lg := mat.NewSymDense(kr, nil)
		pg := mat.NewDense(k, kr, nil)
		for _, i := range rows {
			row := mat.NewVecDense(kr, rq.RawRowView(i))
			lg.SymRankOne(lg, wb[i], row)
			pg.RankOne(pg, 1, mat.NewVecDense(k, q.RawRowView(i)), row)
		}
		var adjM mat.Matrix // Λ (CR2) or (G_q − L_g)⁻¹ (CR3); nil: no adjustment
		if kind == 3 {
			if inv, ok := inverse(minus(gq, lg)); ok {
				adjM = inv
			} else {
				adjM = mat.NewSymDense(kr, nil) // rdrobust: no adjustment when singular
			}
		} else {
			adjM = crv2Lambda(lg, invQ)
		}
		sv := mat.NewVecDense(k, nil)
		for l, col := range res {
			uQ := mat.NewVecDense(k, nil)
			uq := mat.NewVecDense(kr, nil)
			for _, i := range rows {
				uQ.AddScaledVec(uQ, col[i], mat.NewVecDense(k, q.RawRowView(i)))
				uq.AddScaledVec(uq, wb[i]*col[i], mat.NewVecDense(kr, rq.RawRowView(i)))
			}
			if adjM != nil {
				var a, pa mat.VecDense
				a.MulVec(adjM, uq)
				pa.MulVec(pg, &a)
				uQ.AddVec(uQ, &pa)
			}
			sv.AddScaledVec(sv, s[l], uQ)
		}
		m.SymRankOne(m, 1, sv)
	}
	return m
}

// crv2Lambda returns Λ = A diag(γ) Aᵀ for the cluster block L_g: with the
// non-null eigenpairs (σ², V_r) of L_g, T = D_σ V_rᵀ G⁻¹ V_r D_σ = W diag(τ) Wᵀ,
// γ = (1 − τ)^(−1/2) − 1 and A = V_r D_σ⁻¹ W; nil when L_g is null.
func crv2Lambda(lg *mat.SymDense, invQ *mat.SymDense) mat.Matrix {
	kr := lg.SymmetricDim()
	var eig mat.EigenSym
	if !eig.Factorize(lg, true) {
		return nil
	}
	vals := eig.Values(nil)
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	maxSig := 0.0
	sig := make([]float64, kr)
	for j, v := range vals {
		sig[j] = math.Sqrt(math.Max(v, 0))
		maxSig = math.Max(maxSig, sig[j])
	}
	var keep []int
	for j, s := range sig {
		if s > maxSig*1e-10 {
			keep = append(keep, j)
		}
	}
	r := len(keep)
	if r == 0 {
		return nil
	}
	vr := mat.NewDense(kr, r, nil)
	for c, j := range keep {
		for i := range kr {
			vr.Set(i, c, vecs.At(i, j)*sig[j]) // V_r D_σ
		}
	}
	var t1, tm mat.Dense
	t1.Mul(invQ, vr)
	tm.Mul(vr.T(), &t1)
	var et mat.EigenSym
	if !et.Factorize(symmetric(&tm), true) {
		return nil
	}
	tau := et.Values(nil)
	var w mat.Dense
	et.VectorsTo(&w)
	a := mat.NewDense(kr, r, nil)
	for c, j := range keep {
		for i := range kr {
			a.Set(i, c, vecs.At(i, j)/sig[j]) // V_r D_σ⁻¹
		}
	}
	var aw mat.Dense
	aw.Mul(a, &w)
	lambda := mat.NewSymDense(kr, nil)
	for j, t := range tau {
		t = math.Min(math.Max(t, 0), 1-1e-10)
		lambda.SymRankOne(lambda, 1/math.Sqrt(1-t)-1, aw.ColView(j))
	}
	return lambda
}

// minus returns a − b.
func minus(a, b *mat.SymDense) *mat.SymDense {
	var neg, out mat.SymDense
	neg.ScaleSym(-1, b)
	out.AddSym(a, &neg)
	return &out
}

// symmetric returns (a + aᵀ)/2.
func symmetric(a *mat.Dense) *mat.SymDense {
	k, _ := a.Dims()
	s := mat.NewSymDense(k, nil)
	for i := range k {
		for j := i; j < k; j++ {
			s.SetSym(i, j, 0.5*(a.At(i, j)+a.At(j, i)))
		}
	}
	return s
}
