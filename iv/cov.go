package iv

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/floats"
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
	sc, err := f.scoresOf(f.data, f.Resid)
	if err != nil {
		return nil, err
	}
	if opt.Type == estimators.HC2 || opt.Type == estimators.HC3 {
		sc.Leverage = f.leverageOf(f.data)
	}
	return sc.Cov(opt)
}

// leverage returns the diagonal of the hat matrix H = X A⁻¹ Xᵀ(I − κM_Z)
// that maps y to the fitted values Xβ: h_i = x_iᵀ A⁻¹ ((1−κ)x_i + κx̂_i),
// weighted by w_i. For 2SLS this is AER's hatvalues.ivreg, x_iᵀ(X̂ᵀX̂)⁻¹x̂_i;
// for OLS the usual leverage.
func (f *Fit) leverageOf(d *Data) []float64 {
	tr := &f.tri
	x := d.regressors()
	n, k := len(d.Y), tr.k
	// x̂_i = Πᵀz_i with Π = R_ZZ⁻¹ T_P,X.
	var pi mat.Dense
	if f.Kappa != 0 {
		if err := pi.Solve(tr.rzz(), tr.block(tr.xcols(), 0, tr.L)); err != nil {
			panic(err) // Z has full rank (checked in newTriangle)
		}
	}
	z := d.instruments()
	h := make([]float64, n)
	xi, mi, ai := make([]float64, k), make([]float64, k), mat.NewVecDense(k, nil)
	mv := mat.NewVecDense(k, mi)
	for i := range n {
		for a := range k {
			xi[a] = x[a][i]
			mi[a] = (1 - f.Kappa) * xi[a]
		}
		if f.Kappa != 0 {
			for a := range k {
				var s float64
				for j, zc := range z {
					s += pi.At(j, a) * zc[i]
				}
				mi[a] += f.Kappa * s
			}
		}
		ai.MulVec(f.ainv, mv)
		h[i] = floats.Dot(xi, ai.RawVector().Data)
		if d.Weights != nil {
			h[i] *= d.Weights[i]
		}
	}
	return h
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

// scoresOf returns the sandwich scores of the rows of d with residuals
// resid (see scoreBasis).
func (f *Fit) scoresOf(d *Data, resid []float64) (estimators.Scores, error) {
	c, m, err := f.scoreBasis()
	if err != nil {
		return estimators.Scores{}, err
	}
	cols := d.instruments()
	if f.Kappa == 0 {
		cols = d.regressors()
	}
	return estimators.LinearScores(cols, c, d.Weights, resid, m, f.tri.k), nil
}

// scoreBasis returns the map C of the scores u_i = R_v⁻ᵀ v_i = Cᵀ·(z_i, or
// x_i for OLS), with v_i = x̂_i (or x_i) and R_vᵀR_v = Σ v_i v_iᵀ over all
// the fit's rows, and the coefficient map R_v A⁻¹.
func (f *Fit) scoreBasis() (c, m *mat.Dense, err error) {
	tr := &f.tri
	xc := tr.xcols()
	m = new(mat.Dense)
	if f.Kappa == 0 {
		// OLS: v_i = x_i, R_v = the triangle of X, C = R_v⁻¹.
		rv := upperQR(tr.block(xc, 0, tr.q), tr.k)
		var inv mat.TriDense
		if err := inv.InverseTri(rv); err != nil {
			return nil, nil, estimators.InputErrorf("iv: %v", err)
		}
		m.Mul(rv, f.ainv)
		return mat.DenseCopyOf(&inv), m, nil
	}
	// x̂_i = T_P,Xᵀ R_ZZ⁻ᵀ z_i; with T_P,X = Q₁R₁, u_i = R₁⁻ᵀ x̂_i = Cᵀz_i,
	// C = R_ZZ⁻¹ T_P,X R₁⁻¹.
	rzz := tr.rzz()
	tp := tr.block(xc, 0, tr.L)
	r1 := upperQR(tp, tr.k)
	var rzzInv, r1Inv mat.TriDense
	if err := rzzInv.InverseTri(rzz); err != nil {
		return nil, nil, estimators.InputErrorf("iv: %v", err)
	}
	if err := r1Inv.InverseTri(r1); err != nil {
		return nil, nil, estimators.InputErrorf("iv: not identified: %v", err)
	}
	var t mat.Dense
	c = new(mat.Dense)
	t.Mul(&rzzInv, tp)
	c.Mul(&t, &r1Inv)
	m.Mul(r1, f.ainv)
	return c, m, nil
}

// residualsOf returns y − Xβ over the rows of d.
func (f *Fit) residualsOf(d *Data) []float64 {
	r := slices.Clone(d.Y)
	for a, c := range d.regressors() {
		floats.AddScaled(r, -f.Coef[a], c)
	}
	return r
}

// AddMeat adds the robust-covariance scores of the rows of d to m: d is a
// chunk of the data the fit was accumulated from (its first row is row i0
// of the whole, for messages), cluster gives each row's cluster code and
// levels, when not nil, the codes' names (see estimators.Meat.Add). Create
// m with NewMeat(type, len(f.Coef)) and finish it with MeatCov.
func (f *Fit) AddMeat(m *estimators.Meat, d *Data, i0 int, cluster []int, levels []string) error {
	if !f.HasAnalyticSE() {
		return estimators.InputErrorf("iv: %s has no analytic standard errors; use the bootstrap", f.Method)
	}
	sc, err := f.scoresOf(d, f.residualsOf(d))
	if err != nil {
		return err
	}
	if m.Type == estimators.HC2 || m.Type == estimators.HC3 {
		sc.Leverage = f.leverageOf(d)
	}
	return sc.AddTo(m, i0, cluster, levels)
}

// AddWild adds the rows of d (a chunk of the fitted data) to a wild
// bootstrap accumulator created with dimension len(f.Coef), each row its
// own unit with the given key (see estimators.WildAccumulator).
func (f *Fit) AddWild(w *estimators.WildAccumulator, d *Data, keys []uint64) error {
	if !f.HasAnalyticSE() {
		return estimators.InputErrorf("iv: %s has no analytic scores; its wild bootstrap needs the data in memory", f.Method)
	}
	sc, err := f.scoresOf(d, f.residualsOf(d))
	if err != nil {
		return err
	}
	sc.AddWild(w, keys)
	return nil
}

// WildReplicates returns the wild bootstrap replicates of the coefficients
// from an accumulator filled by AddWild (or with cluster sums of a meat).
func (f *Fit) WildReplicates(w *estimators.WildAccumulator) (*mat.Dense, error) {
	_, mm, err := f.scoreBasis()
	if err != nil {
		return nil, err
	}
	return w.Replicates(mm, f.Coef), nil
}

// MeatCov returns the robust covariance of the coefficients from a meat
// accumulated by AddMeat over all the fit's rows.
func (f *Fit) MeatCov(m *estimators.Meat) (*estimators.Covariance, error) {
	if m.N != f.N {
		return nil, estimators.InputErrorf("iv: the meat holds %d rows, the fit %d; add every row of the data once", m.N, f.N)
	}
	_, mm, err := f.scoreBasis()
	if err != nil {
		return nil, err
	}
	return m.Cov(mm, f.tri.k)
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
