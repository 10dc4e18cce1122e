package rdd

import (
	"errors"
	"math"

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

// meatCRV is the CR2 (kind 2) or CR3 (kind 3) meat of a fit with Gram
// matrix g and inverse inv, from its per-cluster scores (score rows w_i r_i,
// adjusting rows r_i with weights w_i).
func meatCRV(sc *scores, g, inv *mat.SymDense, s []float64) *mat.SymDense {
	k := sc.k
	var cHalf *mat.TriDense // upper, C'ᵀC' = G⁻¹
	if sc.kind == 2 {
		var ch mat.Cholesky
		if ch.Factorize(inv) {
			var u mat.TriDense
			ch.UTo(&u)
			cHalf = &u
		}
	}
	m := mat.NewSymDense(k, nil)
	for _, id := range sc.order {
		lg := symmetric(mat.NewDense(k, k, sc.cl[id].a))
		score := mat.NewVecDense(k, sc.score(id, s, make([]float64, k)))
		switch {
		case sc.kind == 3:
			var t, adj mat.VecDense
			t.MulVec(inverseOrPinv(minus(g, lg)), score)
			adj.MulVec(lg, &t)
			score.AddVec(score, &adj)
		case cHalf != nil:
			var t, f mat.Dense
			t.Mul(cHalf, lg)
			f.Mul(&t, cHalf.T())
			var eig mat.EigenSym
			if !eig.Factorize(symmetric(&f), true) {
				break
			}
			sig := eig.Values(nil)
			var v mat.Dense
			eig.VectorsTo(&v)
			var ru, vr, adj, out mat.VecDense
			ru.MulVec(cHalf, score)
			vr.MulVec(v.T(), &ru)
			for j, s2 := range sig {
				s2 = math.Max(s2, 0)
				c := 0.0
				if s2 >= 1e-14 {
					c = (1/math.Sqrt(math.Max(1-s2, 1e-8)) - 1) / s2
				}
				vr.SetVec(j, vr.AtVec(j)*c)
			}
			adj.MulVec(&v, &vr)
			var ltc mat.Dense
			ltc.Mul(lg, cHalf.T())
			out.MulVec(&ltc, &adj)
			score.AddVec(score, &out)
		}
		m.SymRankOne(m, 1, score)
	}
	return m
}

// meatQQ is rdrobust's CR2/CR3 meat of the robust (bias-corrected)
// variance when h ≠ b, from per-cluster scores whose score rows are the
// rows of Q_q (p+1 entries) and whose adjusting rows are the q-order design
// with the weights W_b of the q-order fit (Gram gq, inverse invQ).
func meatQQ(sc *scores, gq, invQ *mat.SymDense, s []float64) *mat.SymDense {
	k, kr := sc.k, sc.kb
	m := mat.NewSymDense(k, nil)
	for _, id := range sc.order {
		cs := sc.cl[id]
		lg := symmetric(mat.NewDense(kr, kr, cs.a))
		var adjM mat.Matrix // Λ (CR2) or (G_q − L_g)⁻¹ (CR3); nil: no adjustment
		if sc.kind == 3 {
			if inv, ok := inverse(minus(gq, lg)); ok {
				adjM = inv
			} else {
				adjM = mat.NewSymDense(kr, nil) // rdrobust: no adjustment when singular
			}
		} else {
			adjM = crv2Lambda(lg, invQ)
		}
		uQ := mat.NewVecDense(k, sc.score(id, s, make([]float64, k)))
		uq := mat.NewVecDense(kr, nil)
		for l, sl := range s {
			uq.AddScaledVec(uq, sl, mat.NewVecDense(kr, cs.v[l*kr:(l+1)*kr]))
		}
		if adjM != nil {
			var a, pa mat.VecDense
			a.MulVec(adjM, uq)
			pa.MulVec(mat.NewDense(k, kr, cs.p), &a)
			uQ.AddVec(uQ, &pa)
		}
		m.SymRankOne(m, 1, uQ)
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
