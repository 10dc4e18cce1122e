package iv

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/causalkit/causalkit/estimators"
)

// An Augmenter draws an outcome-invariant data augmentation of the
// regressors x (columns): it returns the augmented regressors GX and the
// augmentation parameters G (columns), which act as instruments for GX
// (Akbar et al. 2025: DA parameters are treatment-relevant, excluded and
// unconfounded, but not outcome-relevant, hence "IV-like").
type Augmenter func(x [][]float64, rng *rand.Rand) (gx, g [][]float64)

// NullSpaceTranslation is the paper's linear augmenter for y = xᵀf + ξ:
// GX = X + γ·G·B, where the rows of B are an orthonormal basis of the null
// space of fᵀ (so that Bf = 0 and the outcome is invariant) and G has
// independent N(0, 1) entries, one column per basis vector.
func NullSpaceTranslation(f []float64, gamma float64) Augmenter {
	d := len(f)
	// Orthonormal basis of f⊥ from the SVD of fᵀ (1 × d): the right singular
	// vectors beyond the first.
	var svd mat.SVD
	svd.Factorize(mat.NewDense(1, d, slices.Clone(f)), mat.SVDFull)
	var v mat.Dense
	svd.VTo(&v)
	basis := v.Slice(0, d, 1, d) // d × (d−1): column j is basis vector j
	return func(x [][]float64, rng *rand.Rand) (gx, g [][]float64) {
		n := len(x[0])
		g = make([][]float64, d-1)
		for j := range g {
			g[j] = make([]float64, n)
			for i := range g[j] {
				g[j][i] = rng.NormFloat64()
			}
		}
		gx = make([][]float64, d)
		for a := range gx {
			gx[a] = slices.Clone(x[a])
			for j := range g {
				floats.AddScaled(gx[a], gamma*basis.At(a, j), g[j])
			}
		}
		return gx, g
	}
}

// LinearSEM is the paper's linear simulation (specs/iv.md §2.1): confounders
// C ~ N(0, I_dc), X = C·W_CX + 0.1·N_X, Y = X·f + κ·C·w_CY + 0.1·N_Y, with
// W_CX, w_CY and f = W_XY drawn once from N(0, 1).
type LinearSEM struct {
	F   []float64   // the causal effect f (length dx)
	WCX [][]float64 // dc × dx
	WCY []float64   // dc
}

// NewLinearSEM draws the coefficients of a linear SEM with dx regressors and
// dc confounders.
func NewLinearSEM(dx, dc int, rng *rand.Rand) *LinearSEM {
	s := &LinearSEM{F: make([]float64, dx), WCX: make([][]float64, dc), WCY: make([]float64, dc)}
	for c := range dc {
		s.WCX[c] = make([]float64, dx)
		for j := range dx {
			s.WCX[c][j] = rng.NormFloat64()
		}
		s.WCY[c] = rng.NormFloat64()
	}
	for j := range dx {
		s.F[j] = rng.NormFloat64()
	}
	return s
}

// Sample draws n rows with confounding strength kappa; x is column-major.
func (s *LinearSEM) Sample(n int, kappa float64, rng *rand.Rand) (x [][]float64, y []float64) {
	dx, dc := len(s.F), len(s.WCY)
	x = make([][]float64, dx)
	for j := range x {
		x[j] = make([]float64, n)
	}
	y = make([]float64, n)
	c := make([]float64, dc)
	for i := range n {
		for k := range c {
			c[k] = rng.NormFloat64()
		}
		var conf float64
		for k, ck := range c {
			conf += ck * s.WCY[k]
		}
		yi := kappa * conf
		for j := range dx {
			var v float64
			for k, ck := range c {
				v += ck * s.WCX[k][j]
			}
			v += 0.1 * rng.NormFloat64()
			x[j][i] = v
			yi += v * s.F[j]
		}
		y[i] = yi + 0.1*rng.NormFloat64()
	}
	return x, y
}

// NormalizedCausalError is the paper's nCER of an estimate h of f:
// ‖h − f‖² / (‖h − f‖² + ‖f‖²); 0 for h = f, ½ for h = 0.
func NormalizedCausalError(h, f []float64) float64 {
	var e, n float64
	for j := range f {
		d := h[j] - f[j]
		e += d * d
		n += f[j] * f[j]
	}
	return e / (e + n)
}

// Selector chooses the IVL regularisation α.
type Selector int

// The α selectors of the reference implementation (specs/iv.md §1.5).
const (
	// FixedAlpha uses DAOptions.Alpha.
	FixedAlpha Selector = iota
	// HoldOutCV fits on a random 80 % of the rows and scores R² of the
	// predictions from the un-augmented regressors on the other 20 %.
	HoldOutCV
	// LevelCV discretises G (two bins per column, standardised, rounded to
	// two decimals), uses it as the instrument, leaves out about 20 % of its
	// distinct levels (level ℓ drawn with probability ∝ 1 − p_ℓ) and scores
	// −MSE of the un-augmented predictions on them.
	LevelCV
	// ConfounderCorrection scores −(‖h_α‖ − √s)² with s the squared norm of
	// the causal part of the OLS estimate by Janzing's (2019) estimate of
	// the confounding strength; no split.
	ConfounderCorrection
)

var selectorNames = [...]string{"fixed", "cv", "levelcv", "cc"}

// String returns the name of s.
func (s Selector) String() string { return selectorNames[s] }

// ParseSelector parses "cv", "levelcv" or "cc" (and "fixed").
func ParseSelector(s string) (Selector, error) {
	if i := slices.Index(selectorNames[:], s); i >= 0 {
		return Selector(i), nil
	}
	return 0, estimators.InputErrorf("unknown α selector %q; use cv, levelcv or cc", s)
}

// AlphaScore is one point of an α selection path.
type AlphaScore struct {
	Alpha float64 `json:"alpha"`
	Score float64 `json:"score"`
}

// SelectOptions configures SelectAlpha.
type SelectOptions struct {
	Selector Selector
	// Grid lists the candidate α; nil means 10 draws from the log-uniform
	// distribution on [1e-4, 1], as the reference does.
	Grid []float64
	// Frac is the hold-out fraction of HoldOutCV and LevelCV (default 0.2).
	Frac float64
	Seed uint64
}

// SelectAlpha chooses α for IVL regression of y on the augmented
// regressors gx with instruments g (no intercept, as the reference), scoring
// predictions from the un-augmented regressors x. It returns the chosen α
// and the score of every candidate, in grid order (ties go to the first).
func SelectAlpha(x, gx, g [][]float64, y []float64, opt SelectOptions) (float64, []AlphaScore, error) {
	rng := estimators.Stream(opt.Seed, 0)
	grid := opt.Grid
	if grid == nil {
		grid = make([]float64, 10)
		for i := range grid {
			grid[i] = math.Pow(10, -4+4*rng.Float64())
		}
	}
	frac := opt.Frac
	if frac == 0 {
		frac = 0.2
	}
	n := len(y)
	var train, test []int
	inst := g
	switch opt.Selector {
	case HoldOutCV:
		perm := rng.Perm(n)
		nt := int(math.Round(frac * float64(n)))
		test, train = perm[:nt], perm[nt:]
	case LevelCV:
		inst = discretize(g)
		train, test = levelSplit(inst, frac, rng)
	case ConfounderCorrection:
		train = seq(n)
	default:
		return 0, nil, estimators.InputErrorf("iv: α selection: unknown selector %d", int(opt.Selector))
	}
	if len(train) == 0 || (opt.Selector != ConfounderCorrection && len(test) == 0) {
		return 0, nil, estimators.InputErrorf("iv: α selection: %d rows are too few to split", n)
	}
	var target float64
	if opt.Selector == ConfounderCorrection {
		var err error
		if target, err = confounderTarget(gx, y); err != nil {
			return 0, nil, err
		}
	}
	hs, err := ivlPath(rows(gx, train), rows(inst, train), rowsOf(y, train), grid)
	if err != nil {
		return 0, nil, fmt.Errorf("iv: α selection: %w", err)
	}
	xt, yt := rows(x, test), rowsOf(y, test)
	path := make([]AlphaScore, len(grid))
	best := 0
	for i, h := range hs {
		var s float64
		switch opt.Selector {
		case HoldOutCV:
			s = r2(xt, yt, h)
		case LevelCV:
			s = -mse(xt, yt, h)
		case ConfounderCorrection:
			d := floats.Norm(h, 2) - target
			s = -d * d
		}
		path[i] = AlphaScore{Alpha: grid[i], Score: s}
		if s > path[best].Score {
			best = i
		}
	}
	return grid[best], path, nil
}

// ivlPath fits IVL(α) of y on x with instruments z, without intercept, for
// every α, reducing the data to the QR triangle once.
func ivlPath(x, z [][]float64, y []float64, alphas []float64) ([][]float64, error) {
	names := func(p string, k int) []string {
		s := make([]string, k)
		for i := range s {
			s[i] = fmt.Sprintf("%s%d", p, i+1)
		}
		return s
	}
	tr, err := newTriangle(&Data{Y: y, Endog: x, EndogNames: names("x", len(x)), Instruments: z, InstrumentNames: names("z", len(z))}, 0)
	if err != nil {
		return nil, err
	}
	hs := make([][]float64, len(alphas))
	for i, a := range alphas {
		if !(a > 0) {
			return nil, estimators.InputErrorf("IVL α = %g; it must be positive", a)
		}
		if hs[i], _, err = tr.kclass(1 / (1 + a)); err != nil {
			return nil, fmt.Errorf("α = %g: %w", a, err)
		}
	}
	return hs, nil
}

// ivlCoef fits IVL(α) of y on x with instruments z, without intercept.
func ivlCoef(x, z [][]float64, y []float64, alpha float64) ([]float64, error) {
	hs, err := ivlPath(x, z, y, []float64{alpha})
	if err != nil {
		return nil, err
	}
	return hs[0], nil
}

// olsCoef regresses y on x without intercept.
func olsCoef(x [][]float64, y []float64) ([]float64, error) {
	ls, err := estimators.WLS(x, y, make([]string, len(x)), estimators.LSOptions{})
	if err != nil {
		return nil, err
	}
	return ls.Coef, nil
}

// DAMethod is an estimator on augmented data.
type DAMethod int

// The DA estimators of Akbar et al. (2025).
const (
	DAERM DAMethod = iota // least squares of y on GX
	DAIV                  // minimum-norm 2SLS of y on GX with the discretised G as instruments
	DAIVL                 // IVL regression of y on GX with instruments G
)

// DAOptions configures FitDA.
type DAOptions struct {
	Method DAMethod
	// Alpha is the IVL α when Select.Selector is FixedAlpha.
	Alpha  float64
	Select SelectOptions
	// Seed drives the augmentation draw (stream 1) and the selection's
	// splits and grid (Select.Seed is ignored).
	Seed uint64
}

// DAFit is a fit on augmented data.
type DAFit struct {
	Coef  []float64    // the estimate h of the causal effect f
	Alpha float64      // the α used (DA+IVL)
	Path  []AlphaScore // the selection path, when α was selected
}

// FitDA augments x with aug and fits y on the augmented regressors, without
// intercept (the paper's setting: centred data). DA+ERM is least squares on
// GX; DA+IV the minimum-norm 2SLS on GX with the discretised G as
// instruments, as the reference's DA+IV (pseudo-inverse first stage: DA
// parameters under-identify f, so 2SLS alone is ill-posed); DA+IVL is
// IVL(α) with α fixed or selected on x.
func FitDA(x [][]float64, y []float64, aug Augmenter, opt DAOptions) (*DAFit, error) {
	gx, g := aug(x, estimators.Stream(opt.Seed, 1))
	switch opt.Method {
	case DAERM:
		h, err := olsCoef(gx, y)
		if err != nil {
			return nil, err
		}
		return &DAFit{Coef: h}, nil
	case DAIV:
		h, err := minNorm2SLS(gx, discretize(g), y)
		if err != nil {
			return nil, err
		}
		return &DAFit{Coef: h}, nil
	case DAIVL:
		out := &DAFit{Alpha: opt.Alpha}
		if opt.Select.Selector != FixedAlpha {
			sel := opt.Select
			sel.Seed = opt.Seed
			a, path, err := SelectAlpha(x, gx, g, y, sel)
			if err != nil {
				return nil, err
			}
			out.Alpha, out.Path = a, path
		}
		h, err := ivlCoef(gx, g, y, out.Alpha)
		if err != nil {
			return nil, err
		}
		out.Coef = h
		return out, nil
	}
	return nil, estimators.InputErrorf("iv: unknown DA method %d", int(opt.Method))
}

// minNorm2SLS returns pinv(P_Z X)·y.
func minNorm2SLS(x, z [][]float64, y []float64) ([]float64, error) {
	n := len(y)
	xm, zm := colMatrix(x, n), colMatrix(z, n)
	var qr mat.QR
	qr.Factorize(zm)
	var pi, xhat mat.Dense
	if err := qr.SolveTo(&pi, false, xm); err != nil { // first-stage coefficients
		return nil, estimators.InputErrorf("iv: DA+IV: instruments: %v", err)
	}
	xhat.Mul(zm, &pi)
	var svd mat.SVD
	if !svd.Factorize(&xhat, mat.SVDThin) {
		return nil, estimators.InputErrorf("iv: DA+IV: SVD failed")
	}
	rank := svd.Rank(1e-10)
	var h mat.Dense
	svd.SolveTo(&h, mat.NewDense(n, 1, slices.Clone(y)), rank)
	return mat.Col(nil, 0, &h), nil
}

func colMatrix(cols [][]float64, n int) *mat.Dense {
	m := mat.NewDense(n, len(cols), nil)
	for j, c := range cols {
		m.SetCol(j, c)
	}
	return m
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

func rows(cols [][]float64, idx []int) [][]float64 {
	out := make([][]float64, len(cols))
	for j, c := range cols {
		out[j] = rowsOf(c, idx)
	}
	return out
}

func rowsOf(c []float64, idx []int) []float64 {
	v := make([]float64, len(idx))
	for i, r := range idx {
		v[i] = c[r]
	}
	return v
}

func predict(x [][]float64, h []float64) []float64 {
	p := make([]float64, len(x[0]))
	for j, c := range x {
		floats.AddScaled(p, h[j], c)
	}
	return p
}

// r2 is scikit-learn's R² score 1 − SS_res/SS_tot of x·h for y.
func r2(x [][]float64, y, h []float64) float64 {
	p := predict(x, h)
	mean := floats.Sum(y) / float64(len(y))
	var res, tot float64
	for i, v := range y {
		res += (v - p[i]) * (v - p[i])
		tot += (v - mean) * (v - mean)
	}
	return 1 - res/tot
}

func mse(x [][]float64, y, h []float64) float64 {
	p := predict(x, h)
	var s float64
	for i, v := range y {
		s += (v - p[i]) * (v - p[i])
	}
	return s / float64(len(y))
}

// discretize bins each column into two equal-width bins, standardises the
// bin codes and rounds them to two decimals, as the reference's
// KBinsDiscretizer(2, "uniform", "ordinal") → StandardScaler → round(2).
func discretize(g [][]float64) [][]float64 {
	out := make([][]float64, len(g))
	for j, c := range g {
		lo, hi := floats.Min(c), floats.Max(c)
		mid := (lo + hi) / 2
		b := make([]float64, len(c))
		for i, v := range c {
			if v >= mid {
				b[i] = 1
			}
		}
		mean := floats.Sum(b) / float64(len(b))
		var ss float64
		for _, v := range b {
			ss += (v - mean) * (v - mean)
		}
		sd := math.Sqrt(ss / float64(len(b)))
		for i, v := range b {
			if sd > 0 {
				b[i] = math.Round((v-mean)/sd*100) / 100
			} else {
				b[i] = 0
			}
		}
		out[j] = b
	}
	return out
}

// levelSplit leaves out round(frac·L) of the L distinct rows ("levels") of
// the discretised instruments (at least one), level ℓ drawn without
// replacement with probability ∝ 1 − p_ℓ, p_ℓ its share of rows.
func levelSplit(z [][]float64, frac float64, rng *rand.Rand) (train, test []int) {
	n := len(z[0])
	key := make(map[string]int)
	level := make([]int, n)
	var counts []int
	buf := make([]byte, 0, 8*len(z))
	for i := range n {
		buf = buf[:0]
		for _, c := range z {
			buf = fmt.Appendf(buf, "%.2f,", c[i])
		}
		l, ok := key[string(buf)]
		if !ok {
			l = len(counts)
			key[string(buf)] = l
			counts = append(counts, 0)
		}
		counts[l]++
		level[i] = l
	}
	L := len(counts)
	k := max(1, int(math.Round(frac*float64(L))))
	if k >= L {
		return nil, nil
	}
	w := make([]float64, L)
	for l, c := range counts {
		w[l] = 1 - float64(c)/float64(n)
	}
	out := make([]bool, L)
	for range k {
		total := floats.Sum(w)
		u := rng.Float64() * total
		l := 0
		for ; l < L-1; l++ {
			if u < w[l] {
				break
			}
			u -= w[l]
		}
		out[l], w[l] = true, 0
	}
	for i, l := range level {
		if out[l] {
			test = append(test, i)
		} else {
			train = append(train, i)
		}
	}
	return train, test
}

// confounderTarget returns √s, s = (1 − β̂)·‖h_OLS‖², where β̂ estimates the
// confounding strength as in Janzing (2019) and the reference code: with C
// the covariance of the regressors and θ̂ = argmin_{θ≥0} of
// ½ Σ log(1 + θ/λ_i) + (d/2) log Σ c_i²/(1 + θ/λ_i) (λ_i, u_i the eigenpairs
// of C, c_i = u_iᵀ h_OLS/‖h_OLS‖), β̂ = 1/(1 + 1/(0.001 + θ̂·tr(C⁻¹)/d)).
func confounderTarget(x [][]float64, y []float64) (float64, error) {
	d, n := len(x), len(y)
	h, err := olsCoef(x, y)
	if err != nil {
		return 0, err
	}
	cov := mat.NewSymDense(d, nil)
	means := make([]float64, d)
	for j, c := range x {
		means[j] = floats.Sum(c) / float64(n)
	}
	for a := range d {
		for b := a; b < d; b++ {
			var s float64
			for i := range n {
				s += (x[a][i] - means[a]) * (x[b][i] - means[b])
			}
			cov.SetSym(a, b, s/float64(n-1))
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(cov, true) {
		return 0, estimators.InputErrorf("iv: confounder correction: eigen-decomposition failed")
	}
	lam := eig.Values(nil)
	var u mat.Dense
	eig.VectorsTo(&u)
	hn := floats.Norm(h, 2)
	c := make([]float64, d)
	var trInv float64
	for i := range d {
		if lam[i] <= 0 {
			return 0, estimators.InputErrorf("iv: confounder correction: the regressors' covariance is singular")
		}
		c[i] = mat.Dot(u.ColView(i), mat.NewVecDense(d, h)) / hn
		trInv += 1 / lam[i]
	}
	obj := func(logTheta float64) float64 {
		th := math.Exp(logTheta)
		var ld, q float64
		for i := range d {
			f := 1 + th/lam[i]
			ld += 0.5 * math.Log(f)
			q += c[i] * c[i] / f
		}
		return ld + float64(d)/2*math.Log(q)
	}
	theta := minimizeLogTheta(obj, obj0(lam, c, d))
	beta := 1 / (1 + 1/(0.001+theta*trInv/float64(d)))
	return math.Sqrt((1 - beta) * hn * hn), nil
}

// obj0 is the objective at θ = 0: (d/2)·log Σ c_i² = 0 for unit c.
func obj0(lam, c []float64, d int) float64 {
	return float64(d) / 2 * math.Log(floats.Dot(c, c))
}

// minimizeLogTheta minimises obj over θ ∈ {0} ∪ [1e-8, 1e8] (log scale): a
// grid of 161 points, then golden-section refinement around the best; θ = 0
// wins when no positive θ does better.
func minimizeLogTheta(obj func(float64) float64, atZero float64) float64 {
	lo, hi := math.Log(1e-8), math.Log(1e8)
	const m = 161
	best, bestV := math.Inf(-1), atZero
	for i := range m {
		t := lo + (hi-lo)*float64(i)/(m-1)
		if v := obj(t); v < bestV {
			best, bestV = t, v
		}
	}
	if math.IsInf(best, -1) {
		return 0
	}
	step := (hi - lo) / (m - 1)
	a, b := best-step, best+step
	phi := (math.Sqrt(5) - 1) / 2
	x1, x2 := b-phi*(b-a), a+phi*(b-a)
	f1, f2 := obj(x1), obj(x2)
	for range 100 {
		if f1 < f2 {
			b, x2, f2 = x2, x1, f1
			x1 = b - phi*(b-a)
			f1 = obj(x1)
		} else {
			a, x1, f1 = x1, x2, f2
			x2 = a + phi*(b-a)
			f2 = obj(x2)
		}
	}
	return math.Exp((a + b) / 2)
}
