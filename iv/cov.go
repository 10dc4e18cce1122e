package iv

import (
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/causalkit/causalkit/estimators"
)

// HasAnalyticSE reports whether the method has analytic standard errors.
// Anchor and IVL regression have none (their κ is a regularisation choice,
// typically with instruments that do not identify the model); use the
// bootstrap.
func (f *Fit) HasAnalyticSE() bool {
	return f.Method != Anchor && f.Method != IVL && f.ainv != nil
}

// Cov computes the covariance of the coefficients. Classical: s²·A⁻¹ with
// A = Xᵀ(I − κM_Z)X and s² = RSS/n (RSS/(n−k) with Small). Robust and
// cluster types: the sandwich A⁻¹ (Σ_c a_c a_cᵀ) A⁻¹ with scores built from
// x̂_i = (P_Z X)_i for κ ≠ 0 (the Stata and linearmodels convention for
// k-class estimators) and x_i for OLS; HC2/HC3 use the leverages of the
// projected design, x̂_iᵀ(X̂ᵀX̂)⁻¹x̂_i.
func (f *Fit) Cov(opt estimators.CovOptions) (*estimators.Covariance, error) {
	if !f.HasAnalyticSE() {
		return nil, estimators.InputErrorf("iv: %s has no analytic standard errors; use the bootstrap", f.Method)
	}
	if opt.Type == estimators.Classical {
		n, k := float64(f.N), float64(f.tri.k)
		s2 := f.RSS / n
		if opt.Small {
			s2 = f.RSS / (n - k)
		}
		v := mat.NewSymDense(f.tri.k, nil)
		v.ScaleSym(s2, f.ainv)
		return &estimators.Covariance{V: v, Type: opt.Type}, nil
	}
	sc, err := f.scores()
	if err != nil {
		return nil, err
	}
	return sc.Cov(opt)
}

// SE returns standard errors from a covariance (NaN where a variance is
// negative, as two-way clustering can give).
func SE(c *estimators.Covariance) []float64 {
	k := c.V.SymmetricDim()
	se := make([]float64, k)
	for j := range se {
		se[j] = math.Sqrt(c.V.At(j, j))
	}
	return se
}

// scores returns the sandwich scores: u_i = R_v⁻ᵀ v_i with v_i = x̂_i (or x_i
// for OLS) and R_vᵀR_v = Σ v_i v_iᵀ, and Map = R_v A⁻¹.
func (f *Fit) scores() (estimators.Scores, error) {
	tr := &f.tri
	xc := tr.xcols()
	if f.Kappa == 0 {
		// OLS: v_i = x_i, R_v = the triangle of X, C = R_v⁻¹.
		rv := upperQR(tr.block(xc, 0, tr.q), tr.k)
		var c mat.TriDense
		if err := c.InverseTri(rv); err != nil {
			return estimators.Scores{}, estimators.InputErrorf("iv: %v", err)
		}
		var m mat.Dense
		m.Mul(rv, f.ainv)
		return estimators.LinearScores(f.regressors(), &c, f.data.Weights, f.Resid, &m, tr.k), nil
	}
	// x̂_i = T_P,Xᵀ R_ZZ⁻ᵀ z_i; with T_P,X = Q₁R₁, u_i = R₁⁻ᵀ x̂_i = Cᵀz_i,
	// C = R_ZZ⁻¹ T_P,X R₁⁻¹.
	zc := make([]int, tr.L)
	for j := range zc {
		zc[j] = j
	}
	rzz := upperOf(tr.block(zc, 0, tr.L))
	tp := tr.block(xc, 0, tr.L)
	r1 := upperQR(tp, tr.k)
	var rzzInv, r1Inv mat.TriDense
	if err := rzzInv.InverseTri(rzz); err != nil {
		return estimators.Scores{}, estimators.InputErrorf("iv: %v", err)
	}
	if err := r1Inv.InverseTri(r1); err != nil {
		return estimators.Scores{}, estimators.InputErrorf("iv: not identified: %v", err)
	}
	var c, t mat.Dense
	t.Mul(&rzzInv, tp)
	c.Mul(&t, &r1Inv)
	var m mat.Dense
	m.Mul(r1, f.ainv)
	return estimators.LinearScores(f.instruments(), &c, f.data.Weights, f.Resid, &m, tr.k), nil
}

// upperQR returns the k×k R factor of the QR decomposition of a.
func upperQR(a *mat.Dense, k int) *mat.TriDense {
	var qr mat.QR
	qr.Factorize(a)
	return rFactor(&qr, k)
}

// upperOf returns the upper triangle of the square matrix a.
func upperOf(a *mat.Dense) *mat.TriDense {
	k, _ := a.Dims()
	t := mat.NewTriDense(k, mat.Upper, nil)
	for i := range k {
		for j := i; j < k; j++ {
			t.SetTri(i, j, a.At(i, j))
		}
	}
	return t
}
