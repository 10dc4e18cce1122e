package iv

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/causalkit/causalkit/estimators"
)

// FirstStage is the first-stage summary of one endogenous regressor.
type FirstStage struct {
	Term string `json:"term"`
	// FStat is the partial F of the excluded instruments in the regression
	// of the regressor on all instruments: the classical F for a classical
	// covariance, else Wald/q with the robust or cluster covariance of the
	// first-stage coefficients. Its p-value is from F(DF1, DF2).
	FStat  float64 `json:"f_stat"`
	DF1    float64 `json:"df1"`
	DF2    float64 `json:"df2"`
	PValue float64 `json:"p_value"`
	// PartialR2 is the R² of the excluded instruments after partialling out
	// the exogenous regressors: 1 − ‖M_Z d‖²/‖M_W d‖².
	PartialR2 float64 `json:"partial_r2"`
	// SheaPartialR2 is [(XᵀX)⁻¹]_jj / [(X̂ᵀX̂)⁻¹]_jj (Shea 1997), which
	// accounts for the other endogenous regressors.
	SheaPartialR2 float64 `json:"shea_partial_r2"`
}

// Interval is a closed interval; an infinite end is ±Inf (null in JSON).
type Interval struct {
	Low, High float64
}

// MarshalJSON encodes the interval as [low, high].
func (iv Interval) MarshalJSON() ([]byte, error) {
	return estimators.MarshalJSON([]float64{iv.Low, iv.High})
}

// ARTest is the Anderson–Rubin test of H₀: β_D = 0 and, for one endogenous
// regressor, its confidence set: the β₀ not rejected at the level, found by
// inverting the test exactly. The set can be a bounded interval, the union
// of two rays, the whole line, or empty (Kind says which).
type ARTest struct {
	estimators.Test
	ConfSet []Interval `json:"conf_set"`
	Kind    string     `json:"conf_set_kind"` // "bounded", "two rays", "whole line", "empty"
}

// MarshalJSON flattens the test fields next to the confidence set.
func (a ARTest) MarshalJSON() ([]byte, error) {
	df := any(a.DF1)
	if a.DF2 != 0 {
		df = []float64{a.DF1, a.DF2}
	}
	return estimators.MarshalJSON(struct {
		Statistic float64    `json:"statistic"`
		DF        any        `json:"df"`
		PValue    float64    `json:"p_value"`
		ConfSet   []Interval `json:"conf_set"`
		Kind      string     `json:"conf_set_kind,omitempty"`
	}{a.Statistic, df, a.PValue, a.ConfSet, a.Kind})
}

// Diagnostics are the weak-instrument, over-identification and endogeneity
// diagnostics of an IV fit. Tests that do not apply (over-identification
// tests of a just-identified model) are nil; a statistic that is undefined
// (Cragg–Donald when the first-stage residuals are collinear) is NaN.
type Diagnostics struct {
	FirstStage []FirstStage `json:"first_stage"`
	// CraggDonald is the minimum-eigenvalue F of Cragg and Donald (1993),
	// the statistic of Stock and Yogo's weak-instrument tables, with df
	// (q, n−L); it has no p-value.
	CraggDonald estimators.Test `json:"cragg_donald"`
	// KleibergenPaap is the Kleibergen–Paap rk Wald F reported with robust
	// and cluster covariances. With one endogenous regressor it is the
	// robust first-stage Wald/q (as ivreg2 reports it); the general rank
	// statistic for several endogenous regressors is not implemented, and
	// then this is nil.
	KleibergenPaap *estimators.Test `json:"kleibergen_paap,omitempty"`
	// Sargan (n·e'P_Z e/e'e) and Basmann ((n−L)·e'P_Z e/e'M_Z e) use the
	// fit's residuals; they are reported with classical covariances.
	Sargan  *estimators.Test `json:"sargan,omitempty"`
	Basmann *estimators.Test `json:"basmann,omitempty"`
	// HansenJ is the J statistic of two-step efficient GMM with the robust
	// (or cluster) weight matrix built from the fit's residuals; it is
	// reported with robust covariances.
	HansenJ *estimators.Test `json:"hansen_j,omitempty"`
	// WuHausman (F) and Durbin (χ²) test the exogeneity of the endogenous
	// regressors by the control-function regression of y on X and the
	// first-stage residuals; df is the rank those residuals add. They are
	// undefined (NaN) when the model is not identified.
	WuHausman estimators.Test `json:"wu_hausman"`
	Durbin    estimators.Test `json:"durbin"`
	// AndersonRubin tests β_D = 0 with the F(q, n−L) statistic.
	AndersonRubin ARTest  `json:"anderson_rubin"`
	Kappa         float64 `json:"kappa"`
}

// Diagnose computes the diagnostics. The covariance options choose between
// classical and robust first-stage F statistics and between Sargan/Basmann
// and Hansen's J; level (0.95 for 95 %) is the level of the AR set.
func (f *Fit) Diagnose(opt estimators.CovOptions, level float64) (*Diagnostics, error) {
	tr := &f.tri
	robust := opt.Type != estimators.Classical
	var fsCov []*estimators.Covariance
	var jCov *estimators.Covariance
	if robust && tr.nE > 0 {
		var err error
		if fsCov, err = f.firstStageCov(opt); err != nil {
			return nil, err
		}
	}
	if robust && f.overidentified() {
		sc, _, err := f.zScores(f.Resid, false)
		if err != nil {
			return nil, err
		}
		if jCov, err = sc.Cov(estimators.CovOptions{Type: gmmType(opt.Type), Cluster: opt.Cluster, Cluster2: opt.Cluster2}); err != nil {
			return nil, err
		}
	}
	return f.diagnose(robust, fsCov, jCov, level)
}

// overidentified reports whether the over-identification tests apply.
func (f *Fit) overidentified() bool { return f.tri.nE > f.tri.nD && f.Identified }

// DiagnosticMeats returns empty meats for the robust diagnostics under
// covariance type t (not Classical), to be filled by AddDiagnosticMeats
// over the data in chunks and finished by DiagnoseMeats: one meat per
// endogenous regressor (its first stage), then one for Hansen's J.
func (f *Fit) DiagnosticMeats(t estimators.CovType) []*estimators.Meat {
	tr := &f.tri
	var meats []*estimators.Meat
	if tr.nE > 0 {
		for range tr.nD {
			meats = append(meats, estimators.NewMeat(t, tr.L))
		}
	}
	if f.overidentified() {
		meats = append(meats, estimators.NewMeat(gmmType(t), tr.L))
	}
	return meats
}

// AddDiagnosticMeats adds the rows of d (a chunk of the fitted data, its
// first row row i0 of the whole) to the meats of DiagnosticMeats; cluster
// and levels are as for AddMeat.
func (f *Fit) AddDiagnosticMeats(meats []*estimators.Meat, d *Data, i0 int, cluster []int, levels []string) error {
	tr := &f.tri
	z := d.instruments()
	var resids [][]float64
	if tr.nE > 0 {
		for j := range tr.nD {
			v := slices.Clone(d.Endog[j])
			for a, c := range f.firstStageCoef(j) {
				floats.AddScaled(v, -c, z[a])
			}
			resids = append(resids, v)
		}
	}
	if f.overidentified() {
		resids = append(resids, f.residualsOf(d))
	}
	if len(resids) != len(meats) {
		panic("iv: AddDiagnosticMeats: meats not from DiagnosticMeats")
	}
	inv, err := f.rzzInverse()
	if err != nil {
		return err
	}
	for k, r := range resids {
		sc := estimators.LinearScores(z, inv, d.Weights, r, nil, tr.L)
		if err := sc.AddTo(meats[k], i0, cluster, levels); err != nil {
			return err
		}
	}
	return nil
}

// DiagnoseMeats computes the diagnostics with the robust covariances of
// the meats from AddDiagnosticMeats, accumulated over all the fit's rows.
func (f *Fit) DiagnoseMeats(meats []*estimators.Meat, level float64) (*Diagnostics, error) {
	tr := &f.tri
	inv, err := f.rzzInverse()
	if err != nil {
		return nil, err
	}
	coefMap := zMap(inv, true)
	var fsCov []*estimators.Covariance
	var jCov *estimators.Covariance
	k := 0
	if tr.nE > 0 {
		for range tr.nD {
			c, err := meats[k].Cov(coefMap, tr.L)
			if err != nil {
				return nil, err
			}
			fsCov = append(fsCov, c)
			k++
		}
	}
	if f.overidentified() {
		if jCov, err = meats[k].Cov(zMap(inv, false), tr.L); err != nil {
			return nil, err
		}
	}
	return f.diagnose(true, fsCov, jCov, level)
}

// diagnose computes the diagnostics from the triangle and, when robust,
// the first stages' covariances and the covariance of the J statistic's
// moments.
func (f *Fit) diagnose(robust bool, fsCov []*estimators.Covariance, jCov *estimators.Covariance, level float64) (*Diagnostics, error) {
	tr := &f.tri
	n := float64(f.N)
	d := &Diagnostics{Kappa: f.Kappa}
	nE, nD, L := float64(tr.nE), float64(tr.nD), float64(tr.L)
	dcols := make([]int, tr.nD)
	for j := range dcols {
		dcols[j] = tr.L + j
	}
	mwDD := gram(tr, dcols, tr.nW, tr.q)  // D'M_W D
	pzwDD := gram(tr, dcols, tr.nW, tr.L) // D'(P_Z − P_W)D
	mzDD := gram(tr, dcols, tr.L, tr.q)   // D'M_Z D
	mwInv, pzwInv := inverse(mwDD), inverse(pzwDD)
	for j, c := range dcols {
		mw, mz := tr.dot(c, c, tr.nW, tr.q), tr.dot(c, c, tr.L, tr.q)
		fs := FirstStage{Term: f.Names[tr.nW+j], DF1: nE, DF2: n - L, PartialR2: 1 - mz/mw,
			SheaPartialR2: math.NaN()}
		if mwInv != nil && pzwInv != nil {
			fs.SheaPartialR2 = mwInv.At(j, j) / pzwInv.At(j, j)
		}
		if tr.nE == 0 {
			fs.FStat, fs.PValue = math.NaN(), math.NaN()
		} else if robust {
			fs.FStat = f.firstStageWald(j, fsCov[j]) / nE
		} else {
			fs.FStat = ((mw - mz) / nE) / (mz / (n - L))
		}
		if tr.nE > 0 {
			fs.PValue = estimators.FTest(fs.FStat, fs.DF1, fs.DF2).PValue
		}
		d.FirstStage = append(d.FirstStage, fs)
	}
	// Cragg–Donald: (n−L)/q · min eig((D'M_Z D)⁻¹ D'(P_Z − P_W)D).
	d.CraggDonald = estimators.Test{Statistic: math.NaN(), DF1: nE, DF2: n - L, PValue: math.NaN()}
	switch {
	case tr.nE > 0 && tr.nE < tr.nD:
		d.CraggDonald.Statistic = 0 // rank(D'(P_Z − P_W)D) ≤ q < #endogenous
	case tr.nE > 0 && tr.nD > 0:
		d.CraggDonald.Statistic = math.Max(0, minGenEig(pzwDD, mzDD)*(n-L)/nE)
	}
	if robust && tr.nD == 1 && tr.nE > 0 {
		fs := d.FirstStage[0]
		d.KleibergenPaap = &estimators.Test{Statistic: fs.FStat, DF1: fs.DF1, DF2: fs.DF2, PValue: math.NaN()}
	}
	// Over-identification.
	if f.overidentified() {
		pe := f.projectedResid() // Q_Zᵀ ẽ
		ePe := floats.Dot(pe, pe)
		df := nE - nD
		if robust {
			t := estimators.ChiSquareTest(f.hansenJ(jCov), df)
			d.HansenJ = &t
		} else {
			s := estimators.ChiSquareTest(n*ePe/f.RSS, df)
			b := estimators.ChiSquareTest((n-L)*ePe/(f.RSS-ePe), df)
			d.Sargan, d.Basmann = &s, &b
		}
	}
	// Wu–Hausman and Durbin by the control-function regression.
	d.WuHausman, d.Durbin = f.endogeneity()
	// Anderson–Rubin at β_D = 0, and its confidence set for one regressor.
	d.AndersonRubin = f.andersonRubin(level)
	return d, nil
}

// gram returns the Gram matrix of triangle columns cols over rows [lo, hi).
func gram(tr *triangle, cols []int, lo, hi int) *mat.SymDense {
	g := mat.NewSymDense(len(cols), nil)
	for a, ca := range cols {
		for b := a; b < len(cols); b++ {
			g.SetSym(a, b, tr.dot(ca, cols[b], lo, hi))
		}
	}
	return g
}

// inverse returns the inverse of a positive definite matrix, or nil.
func inverse(s *mat.SymDense) *mat.SymDense {
	if s.SymmetricDim() == 0 {
		return nil
	}
	var c mat.Cholesky
	if !c.Factorize(s) {
		return nil
	}
	var inv mat.SymDense
	if err := c.InverseTo(&inv); err != nil {
		return nil
	}
	return &inv
}

// minGenEig returns the smallest λ with A v = λ B v (B positive definite),
// or NaN when B is singular.
func minGenEig(a, b *mat.SymDense) float64 {
	var c mat.Cholesky
	if !c.Factorize(b) {
		return math.NaN()
	}
	if cond := c.Cond(); cond > 1e12 {
		return math.NaN()
	}
	var l mat.TriDense
	c.LTo(&l)
	// C = L⁻¹ A L⁻ᵀ.
	var t, cm mat.Dense
	if err := t.Solve(&l, a); err != nil {
		return math.NaN()
	}
	if err := cm.Solve(&l, t.T()); err != nil {
		return math.NaN()
	}
	k, _ := cm.Dims()
	sym := mat.NewSymDense(k, nil)
	for i := range k {
		for j := i; j < k; j++ {
			sym.SetSym(i, j, 0.5*(cm.At(i, j)+cm.At(j, i)))
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(sym, false) {
		return math.NaN()
	}
	return floats.Min(eig.Values(nil))
}

// projectedResid returns Q_Zᵀẽ = T_P,y − T_P,X β, whose squared norm is
// ẽᵀP_Z ẽ.
func (f *Fit) projectedResid() []float64 {
	tr := &f.tri
	r := slices.Clone(tr.t[tr.ycol()][:tr.L])
	for a := range tr.k {
		floats.AddScaled(r, -f.Coef[a], tr.t[tr.xcol(a)][:tr.L])
	}
	return r
}

// zScores returns the scores of a regression on Z in the basis
// q_i = R_ZZ⁻ᵀ z_i with residuals resid, and R_ZZ⁻¹ (for coefficient maps).
func (f *Fit) zScores(resid []float64, mapToCoef bool) (estimators.Scores, *mat.TriDense, error) {
	inv, err := f.rzzInverse()
	if err != nil {
		return estimators.Scores{}, nil, err
	}
	return estimators.LinearScores(f.data.instruments(), inv, f.data.Weights, resid, zMap(inv, mapToCoef), f.tri.L), inv, nil
}

// rzzInverse returns R_ZZ⁻¹, the map of z_i to its orthonormal basis.
func (f *Fit) rzzInverse() (*mat.TriDense, error) {
	var inv mat.TriDense
	if err := inv.InverseTri(f.tri.rzz()); err != nil {
		return nil, estimators.InputErrorf("iv: instruments: %v", err)
	}
	return &inv, nil
}

// zMap is the Map of scores in the z basis: R_ZZ⁻ᵀ for the covariance of
// regression coefficients on Z (R⁻¹ S R⁻ᵀ), the identity for the moments'
// own covariance.
func zMap(inv *mat.TriDense, mapToCoef bool) *mat.Dense {
	if mapToCoef {
		return mat.DenseCopyOf(inv.T())
	}
	l, _ := inv.Dims()
	return mat.DenseCopyOf(mat.NewDiagDense(l, ones(l)))
}

func ones(n int) []float64 {
	o := make([]float64, n)
	for i := range o {
		o[i] = 1
	}
	return o
}

// firstStageCov returns, per endogenous regressor, the covariance of its
// first-stage coefficients (in Z order) under opt.
func (f *Fit) firstStageCov(opt estimators.CovOptions) ([]*estimators.Covariance, error) {
	tr := &f.tri
	out := make([]*estimators.Covariance, tr.nD)
	for j := range tr.nD {
		v := f.firstStageResid(j)
		sc, _, err := f.zScores(v, true)
		if err != nil {
			return nil, err
		}
		if out[j], err = sc.Cov(opt); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// firstStageCoef returns the coefficients of endogenous regressor j on Z.
func (f *Fit) firstStageCoef(j int) []float64 {
	tr := &f.tri
	rzz := tr.rzz()
	var pi mat.VecDense
	if err := pi.SolveVec(rzz, mat.NewVecDense(tr.L, slices.Clone(tr.t[tr.L+j][:tr.L]))); err != nil {
		panic(err) // Z has full rank (checked in newTriangle)
	}
	return pi.RawVector().Data
}

// firstStageResid returns d_j − Zπ_j.
func (f *Fit) firstStageResid(j int) []float64 {
	pi := f.firstStageCoef(j)
	v := slices.Clone(f.data.Endog[j])
	for a, z := range f.data.instruments() {
		floats.AddScaled(v, -pi[a], z)
	}
	return v
}

// firstStageWald returns the Wald statistic that the excluded-instrument
// coefficients of endogenous regressor j are zero.
func (f *Fit) firstStageWald(j int, cov *estimators.Covariance) float64 {
	tr := &f.tri
	pi := f.firstStageCoef(j)
	r := mat.NewDense(tr.nE, tr.L, nil)
	for e := range tr.nE {
		r.Set(e, tr.nW+e, 1)
	}
	t, err := estimators.Wald(pi, cov.V, r, nil)
	if err != nil {
		return math.NaN()
	}
	return t.Statistic
}

// hansenJ returns the J statistic of two-step efficient GMM: with
// g(β) = Q_Zᵀ√W(y − Xβ) and S = Σ_c a_c a_cᵀ the robust (or cluster) sum of
// the fit's scores in the same basis, J = min_β g(β)ᵀ S⁻¹ g(β).
func (f *Fit) hansenJ(cov *estimators.Covariance) float64 {
	tr := &f.tri
	var chol mat.Cholesky
	if !chol.Factorize(cov.V) {
		return math.NaN()
	}
	var l mat.TriDense
	chol.LTo(&l)
	a := tr.block(tr.xcols(), 0, tr.L)
	b := tr.block([]int{tr.ycol()}, 0, tr.L)
	var la, lb mat.Dense
	if err := la.Solve(&l, a); err != nil {
		return math.NaN()
	}
	if err := lb.Solve(&l, b); err != nil {
		return math.NaN()
	}
	var qr mat.QR
	qr.Factorize(&la)
	var x mat.Dense
	if err := qr.SolveTo(&x, false, &lb); err != nil {
		return math.NaN()
	}
	var fit mat.Dense
	fit.Mul(&la, &x)
	fit.Sub(&lb, &fit)
	return mat.Norm(&fit, 2) * mat.Norm(&fit, 2)
}

// gmmType maps a covariance type to the weight matrix of Hansen's J: the
// plain sum of squared scores (HC0 or CR0) whatever the small-sample
// factors, which J does not use.
func gmmType(t estimators.CovType) estimators.CovType {
	if t.IsCluster() {
		return estimators.CR0
	}
	return estimators.HC0
}

// endogeneity returns the Wu–Hausman F and Durbin χ² tests: y on X versus y
// on [X, M_Z D], computed in the coordinates of the QR triangle (every
// column involved lies in the span of [W, E, D, y]).
func (f *Fit) endogeneity() (wu, durbin estimators.Test) {
	tr := &f.tri
	n, k := float64(f.N), float64(tr.k)
	und := estimators.Test{Statistic: math.NaN(), PValue: math.NaN()}
	if tr.nD == 0 || tr.nE == 0 || !f.Identified {
		return und, und
	}
	coords := func(c, lo int) []float64 { // column c with rows below lo zeroed
		v := slices.Clone(tr.t[c])
		clear(v[:lo])
		return v
	}
	var x [][]float64
	for a := range tr.k {
		x = append(x, coords(tr.xcol(a), 0))
	}
	y := coords(tr.ycol(), 0)
	rssOLS := residualSS(x, y)
	aug := slices.Clone(x)
	for j := range tr.nD {
		aug = append(aug, coords(tr.L+j, tr.L))
	}
	kept := estimators.PivotedRank(cloneCols(aug), 0, nil)
	var use [][]float64
	for _, j := range kept {
		use = append(use, aug[j])
	}
	df1 := float64(len(kept)) - k
	if df1 <= 0 {
		return und, und
	}
	rssAug := residualSS(use, y)
	wu = estimators.FTest(((rssOLS-rssAug)/df1)/(rssAug/(n-k-df1)), df1, n-k-df1)
	durbin = estimators.ChiSquareTest(n*(rssOLS-rssAug)/rssOLS, df1)
	return wu, durbin
}

func cloneCols(c [][]float64) [][]float64 {
	out := make([][]float64, len(c))
	for i, v := range c {
		out[i] = slices.Clone(v)
	}
	return out
}

// residualSS returns the residual sum of squares of y on the columns x.
func residualSS(x [][]float64, y []float64) float64 {
	q := len(y)
	a := mat.NewDense(q, len(x), nil)
	for j, c := range x {
		a.SetCol(j, c)
	}
	var qr mat.QR
	qr.Factorize(a)
	b := mat.NewDense(q, 1, slices.Clone(y))
	var sol, fit mat.Dense
	if err := qr.SolveTo(&sol, false, b); err != nil {
		return math.NaN()
	}
	fit.Mul(a, &sol)
	fit.Sub(b, &fit)
	return mat.Sum(mulElem(&fit))
}

func mulElem(m *mat.Dense) *mat.Dense {
	var s mat.Dense
	s.MulElem(m, m)
	return &s
}

// andersonRubin returns the AR test of β_D = 0 and, for one endogenous
// regressor, the confidence set {β₀ : AR(β₀) ≤ F_crit} from the quadratic
// Q(β₀) = RSS_W(β₀) − κ_c·RSS_Z(β₀) ≤ 0, κ_c = 1 + F_crit·q/(n−L), where
// RSS_W(β₀) = ‖M_W(y − dβ₀)‖² and RSS_Z(β₀) = ‖M_Z(y − dβ₀)‖².
func (f *Fit) andersonRubin(level float64) ARTest {
	tr := &f.tri
	n, nE, L := float64(f.N), float64(tr.nE), float64(tr.L)
	y := tr.ycol()
	ar := ARTest{Test: estimators.Test{Statistic: math.NaN(), PValue: math.NaN(), DF1: nE, DF2: n - L}}
	if tr.nE == 0 || tr.nD == 0 {
		return ar
	}
	aW, aZ := tr.dot(y, y, tr.nW, tr.q), tr.dot(y, y, tr.L, tr.q)
	ar.Test = estimators.FTest(((aW-aZ)/nE)/(aZ/(n-L)), nE, n-L)
	if tr.nD != 1 {
		return ar
	}
	d := tr.L
	bW, bZ := tr.dot(y, d, tr.nW, tr.q), tr.dot(y, d, tr.L, tr.q)
	cW, cZ := tr.dot(d, d, tr.nW, tr.q), tr.dot(d, d, tr.L, tr.q)
	fc := distuv.F{D1: nE, D2: n - L}.Quantile(level)
	kc := 1 + fc*nE/(n-L)
	ar.ConfSet, ar.Kind = quadraticSet(cW-kc*cZ, bW-kc*bZ, aW-kc*aZ)
	return ar
}

// quadraticSet returns {β : Aβ² − 2Bβ + C ≤ 0}.
func quadraticSet(a, b, c float64) ([]Interval, string) {
	inf := math.Inf(1)
	scale := math.Max(math.Abs(a), math.Max(math.Abs(b), math.Abs(c)))
	if math.Abs(a) <= 1e-12*scale {
		// Linear: −2Bβ + C ≤ 0.
		switch {
		case b > 0:
			return []Interval{{c / (2 * b), inf}}, "ray"
		case b < 0:
			return []Interval{{-inf, c / (2 * b)}}, "ray"
		case c <= 0:
			return []Interval{{-inf, inf}}, "whole line"
		}
		return []Interval{}, "empty"
	}
	disc := b*b - a*c
	if a > 0 {
		if disc < 0 {
			return []Interval{}, "empty"
		}
		s := math.Sqrt(disc)
		return []Interval{{(b - s) / a, (b + s) / a}}, "bounded"
	}
	if disc < 0 {
		return []Interval{{-inf, inf}}, "whole line"
	}
	s := math.Sqrt(disc)
	r1, r2 := (b+s)/a, (b-s)/a // a < 0: r1 < r2
	return []Interval{{-inf, r1}, {r2, inf}}, "two rays"
}
