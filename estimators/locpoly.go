package estimators

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// Side selects the observations that enter a local polynomial fit at the
// origin of the centred running variable x = X − c.
//
// The zero value is not a side: functions that take a Side reject it with an
// error wrapping ErrInput.
type Side int

const (
	// Above selects x ≥ 0 (X ≥ c, the treated side of a sharp RD design).
	Above Side = iota + 1
	// Below selects x < 0.
	Below
	// Both selects every x: an ordinary two-sided local polynomial fit at an
	// interior point.
	Both
)

// Valid reports whether s is one of the defined sides.
func (s Side) Valid() bool { return s >= Above && s <= Both }

// Contains reports whether an observation at centred position x lies on side
// s. A NaN x lies on no side.
func (s Side) Contains(x float64) bool {
	switch s {
	case Above:
		return x >= 0
	case Below:
		return x < 0
	case Both:
		return !math.IsNaN(x)
	}
	return false
}

// String returns "above", "below", "both", or "Side(n)" for an invalid value.
func (s Side) String() string {
	switch s {
	case Above:
		return "above"
	case Below:
		return "below"
	case Both:
		return "both"
	}
	return fmt.Sprintf("Side(%d)", int(s))
}

// LocPolyMaxCond is the largest condition number (1-norm, after scaling the
// kernel-weighted Gram matrix M to unit diagonal) for which a local polynomial
// system is solved. Above it the fit is reported as ill-conditioned: its
// coefficients would carry fewer than about four correct digits.
const LocPolyMaxCond = 1e12

// LocPolyFit is a kernel-weighted polynomial fit of order P at the origin of
// the centred running variable, using the observations on one side within
// the bandwidth h.
//
// With u_i = x_i/h, k_i = K(u_i)·w_i·1{x_i on the side} and the basis
// r(u) = (1, u, …, u^P)ᵀ in scaled units, the fit minimises
// Σ_i k_i (y_i − r(u_i)ᵀα)², so
//
//	M = Σ_i k_i r(u_i) r(u_i)ᵀ,   α̂ = M⁻¹ Σ_i k_i r(u_i) y_i.
//
// Coefficient v is h^v m^{(v)}(0)/v!, the intercept α̂_0 estimates m(0).
type LocPolyFit struct {
	Bandwidth float64 // h
	Order     int     // P
	Side      Side
	Kernel    Kernel

	// N is the number of observations on the side with positive weight k_i.
	N int

	// Coef holds α̂_0, …, α̂_P in scaled units u = x/h; see Derivative.
	Coef []float64

	// Weights holds, for every observation, the equivalent-kernel intercept
	// weight w_i = e_1ᵀ M⁻¹ r(u_i) k_i (zero off the side or outside the
	// window), so that α̂_0 = Σ_i w_i y_i. They are not normalised by h and
	// satisfy Σ_i w_i = 1 and Σ_i w_i u_i^j = 0 for j = 1..P; for P ≥ 1 many
	// are negative.
	Weights []float64
}

// Derivative returns the estimate of the v-th derivative of the regression
// function at the origin, m^{(v)}(0) = α̂_v · v!/h^v, in the units of x.
// Derivative(0) is the intercept. It panics if v is not in [0, Order].
func (f *LocPolyFit) Derivative(v int) float64 {
	if v < 0 || v > f.Order {
		panic(fmt.Sprintf("estimators: derivative order %d outside [0, %d]", v, f.Order))
	}
	d := f.Coef[v]
	for j := 1; j <= v; j++ {
		d *= float64(j) / f.Bandwidth
	}
	return d
}

// Predict returns the fitted polynomial r(x/h)ᵀα̂ = Σ_j α̂_j (x/h)^j at the
// centred position x, wherever x lies (it does not check the side or the
// window).
func (f *LocPolyFit) Predict(x float64) float64 {
	return horner(f.Coef, x/f.Bandwidth)
}

// LocPoly fits a local polynomial of order p at the origin to the
// observations (x_i, y_i) on side s, with kernel k, bandwidth h and optional
// observation weights w (nil means all 1; a weight multiplies the kernel
// weight). x must be centred at the evaluation point (x = X − c). See
// LocPolyFit for the formulas.
//
// LocPoly panics if y or a non-nil w differs in length from x. It returns an
// error wrapping ErrInput if h is not positive and finite, p is negative, s or
// k is invalid, an observation in the window has a negative or non-finite
// weight or a non-finite y, or the system is singular or ill-conditioned
// (fewer than p+1 distinct x values in the window, see LocPolyMaxCond).
// Observations with a NaN x get zero weight.
func LocPoly(x, y, w []float64, h float64, p int, s Side, k Kernel) (LocPolyFit, error) {
	if len(y) != len(x) {
		panic(fmt.Sprintf("estimators: LocPoly: len(y) = %d, len(x) = %d", len(y), len(x)))
	}
	var buf [lpBufLen]float64
	ws, err := newLPWork(buf[:], x, y, w, h, p, s, k)
	if err != nil {
		return LocPolyFit{}, err
	}
	fit := LocPolyFit{
		Bandwidth: h, Order: p, Side: s, Kernel: k, N: ws.n,
		Coef:    make([]float64, p+1),
		Weights: make([]float64, len(x)),
	}
	copy(fit.Coef, ws.t)
	ws.solve(fit.Coef)
	ws.weights(fit.Weights, ws.inv[:p+1], x, w, h, s, k)
	return fit, nil
}

// LocPolyWeights returns in dst the equivalent-kernel intercept weights
// w_i = e_1ᵀ M⁻¹ r(u_i) k_i of the local polynomial fit described by LocPoly
// (zero for observations off the side or outside the window), and the number
// n of observations with positive kernel weight. The intercept of the fit of
// any outcome y is Σ_i w_i y_i; use ApplyWeights for the columns of a matrix.
//
// If dst is nil a new slice is allocated; otherwise it must have len(x)
// elements. Panics and errors are those of LocPoly.
func LocPolyWeights(dst, x, w []float64, h float64, p int, s Side, k Kernel) ([]float64, int, error) {
	if dst == nil {
		dst = make([]float64, len(x))
	} else if len(dst) != len(x) {
		panic(fmt.Sprintf("estimators: LocPolyWeights: len(dst) = %d, len(x) = %d", len(dst), len(x)))
	}
	var buf [lpBufLen]float64
	ws, err := newLPWork(buf[:], x, nil, w, h, p, s, k)
	if err != nil {
		return dst, 0, err
	}
	ws.weights(dst, ws.inv[:p+1], x, w, h, s, k)
	return dst, ws.n, nil
}

// LocPolyEquivalentKernel stores in dst, a (p+1)×len(x) matrix, the
// equivalent kernel of the local polynomial fit described by LocPoly:
// row v holds e_vᵀ M⁻¹ r(u_i) k_i for every observation i, so that
// α̂_v = Σ_i dst[v,i] y_i for any outcome y, and the sandwich variance of α̂
// is dst Σ dstᵀ for a residual covariance Σ. It returns the number of
// observations with positive kernel weight.
//
// With one bandwidth for many outcomes (the columns of an n×m matrix Y), the
// (p+1)×m coefficients of all fits are the single product dst·Y, and row 0 is
// the vector of intercept weights shared by all columns.
//
// dst must be empty (it is then resized) or (p+1)×len(x). Panics and errors
// are those of LocPoly.
func LocPolyEquivalentKernel(dst *mat.Dense, x, w []float64, h float64, p int, s Side, k Kernel) (int, error) {
	var buf [lpBufLen]float64
	ws, err := newLPWork(buf[:], x, nil, w, h, p, s, k)
	if err != nil {
		return 0, err
	}
	if dst.IsEmpty() {
		dst.ReuseAs(p+1, len(x))
	} else if r, c := dst.Dims(); r != p+1 || c != len(x) {
		panic(mat.ErrShape)
	}
	raw := dst.RawMatrix()
	q := p + 1
	for v := range q {
		ws.weights(raw.Data[v*raw.Stride:v*raw.Stride+len(x)], ws.inv[v*q:(v+1)*q], x, w, h, s, k)
	}
	return ws.n, nil
}

// ApplyWeights stores in dst, for every column j of the n×m matrix y, the
// weighted sum Σ_i weights[i]·y[i,j] (accumulated in increasing i), and
// returns dst. With the intercept weights of LocPolyWeights these are the
// local polynomial intercepts of all columns. Rows with zero weight are
// skipped, so a non-finite value there does not propagate.
//
// If dst is nil a new slice is allocated; otherwise it must have m elements.
// ApplyWeights panics if len(weights) differs from n.
func ApplyWeights(dst, weights []float64, y mat.Matrix) []float64 {
	r, c := y.Dims()
	if len(weights) != r {
		panic(fmt.Sprintf("estimators: ApplyWeights: len(weights) = %d, matrix has %d rows", len(weights), r))
	}
	if dst == nil {
		dst = make([]float64, c)
	} else if len(dst) != c {
		panic(fmt.Sprintf("estimators: ApplyWeights: len(dst) = %d, matrix has %d columns", len(dst), c))
	}
	clear(dst)
	if rm, ok := y.(mat.RawMatrixer); ok {
		raw := rm.RawMatrix()
		for i, wi := range weights {
			if wi != 0 {
				floats.AddScaled(dst, wi, raw.Data[i*raw.Stride:i*raw.Stride+c])
			}
		}
		return dst
	}
	for i, wi := range weights {
		if wi != 0 {
			for j := range dst {
				dst[j] += wi * y.At(i, j)
			}
		}
	}
	return dst
}

// lpStackOrder is the largest order whose workspace lives on the stack.
const lpStackOrder = 7

// lpBufLen is the workspace length of a system of order lpStackOrder.
const lpBufLen = 2*lpStackOrder + 1 + 2*(lpStackOrder+1) + 2*(lpStackOrder+1)*(lpStackOrder+1)

// lpWorkLen returns the workspace length of a system of order p.
func lpWorkLen(p int) int {
	q := p + 1
	return 2*p + 1 + 2*q + 2*q*q
}

// lpWork holds the moments, Cholesky factor and inverse of one local
// polynomial system of order p. Its slices point into a caller's buffer
// (a stack array for p ≤ lpStackOrder), so it does not allocate.
type lpWork struct {
	p, n int
	s    []float64 // s[j] = Σ k_i u_i^j, j = 0..2p
	t    []float64 // t[j] = Σ k_i u_i^j y_i, j = 0..p
	l    []float64 // lower Cholesky factor of M, (p+1)×(p+1) row-major
	inv  []float64 // M⁻¹, (p+1)×(p+1) row-major
	dv   []float64 // distinct u values seen, at most p+1
}

// newLPWork validates the arguments, accumulates the moments (and the
// right-hand side when y is not nil), factorises M and inverts it, using buf
// as workspace when it is long enough.
func newLPWork(buf, x, y, w []float64, h float64, p int, s Side, k Kernel) (ws lpWork, err error) {
	if w != nil && len(w) != len(x) {
		panic(fmt.Sprintf("estimators: local polynomial: len(w) = %d, len(x) = %d", len(w), len(x)))
	}
	switch {
	case !(h > 0) || math.IsInf(h, 1):
		return ws, InputErrorf("local polynomial: bandwidth %v is not positive and finite", h)
	case p < 0:
		return ws, InputErrorf("local polynomial: order %d is negative", p)
	case !s.Valid():
		return ws, InputErrorf("local polynomial: invalid side %v", s)
	case !k.Valid():
		return ws, InputErrorf("local polynomial: invalid kernel %v", k)
	}
	q := p + 1
	need := lpWorkLen(p)
	var b []float64
	if need <= len(buf) {
		b = buf[:need]
		clear(b)
	} else {
		b = make([]float64, need)
	}
	ws.p = p
	ws.s, b = b[:2*p+1], b[2*p+1:]
	ws.t, b = b[:q], b[q:]
	ws.l, b = b[:q*q], b[q*q:]
	ws.inv, b = b[:q*q], b[q*q:]
	ws.dv = b[:0:q]

	for i, xi := range x {
		u, ki := kernelAt(xi, h, s, k)
		if ki == 0 {
			continue
		}
		if w != nil {
			wi := w[i]
			if !(wi >= 0) || math.IsInf(wi, 1) {
				return ws, InputErrorf("local polynomial: weight %d is %v (want non-negative and finite)", i, wi)
			}
			ki *= wi
			if ki == 0 {
				continue
			}
		}
		ws.n++
		if len(ws.dv) < q && !containsFloat(ws.dv, u) {
			ws.dv = append(ws.dv, u)
		}
		pw := ki
		for j := range ws.s {
			ws.s[j] += pw
			pw *= u
		}
		if y != nil {
			yi := y[i]
			if math.IsNaN(yi) || math.IsInf(yi, 0) {
				return ws, InputErrorf("local polynomial: outcome %d is %v", i, yi)
			}
			pw = ki * yi
			for j := range ws.t {
				ws.t[j] += pw
				pw *= u
			}
		}
	}
	if ws.n == 0 {
		return ws, InputErrorf("local polynomial (side %v, bandwidth %g): no observations with positive kernel weight", s, h)
	}
	if len(ws.dv) < q {
		return ws, InputErrorf("local polynomial (side %v, bandwidth %g): %d observations in the window with %d distinct x values, order %d needs at least %d",
			s, h, ws.n, len(ws.dv), p, q)
	}
	if cond, ok := ws.factor(); !ok || cond > LocPolyMaxCond {
		return ws, InputErrorf("local polynomial (side %v, bandwidth %g): %d observations in the window, Gram matrix of order %d is singular or ill-conditioned (condition number %.3g)",
			s, h, ws.n, p, cond)
	}
	return ws, nil
}

// factor computes the Cholesky factor L of M (M[a][b] = s[a+b]) and M⁻¹, and
// returns the 1-norm condition number of D M D with D = diag(M)^(−1/2).
// ok is false if M is not numerically positive definite.
func (ws *lpWork) factor() (cond float64, ok bool) {
	q := ws.p + 1
	s, l := ws.s, ws.l
	for j := range q {
		d := s[2*j]
		for m := range j {
			d -= l[j*q+m] * l[j*q+m]
		}
		if !(d > 0) {
			return math.Inf(1), false
		}
		d = math.Sqrt(d)
		l[j*q+j] = d
		for i := j + 1; i < q; i++ {
			v := s[i+j]
			for m := range j {
				v -= l[i*q+m] * l[j*q+m]
			}
			l[i*q+j] = v / d
		}
	}
	// Columns of M⁻¹ by solving M c = e_j; M⁻¹ is symmetric, so they are
	// also its rows.
	for j := range q {
		c := ws.inv[j*q : (j+1)*q]
		clear(c)
		c[j] = 1
		ws.solve(c)
	}
	// 1-norm condition number of the equilibrated matrix.
	var nm, ni float64
	for a := range q {
		var ra, rb float64
		for b := range q {
			sc := math.Sqrt(s[2*a] * s[2*b])
			ra += math.Abs(s[a+b]) / sc
			rb += math.Abs(ws.inv[a*q+b]) * sc
		}
		nm = math.Max(nm, ra)
		ni = math.Max(ni, rb)
	}
	cond = nm * ni
	if math.IsNaN(cond) {
		return math.Inf(1), false
	}
	return cond, true
}

// solve overwrites b with M⁻¹b using the Cholesky factor.
func (ws *lpWork) solve(b []float64) {
	q := ws.p + 1
	l := ws.l
	for i := range q { // L z = b
		v := b[i]
		for m := range i {
			v -= l[i*q+m] * b[m]
		}
		b[i] = v / l[i*q+i]
	}
	for i := q - 1; i >= 0; i-- { // Lᵀ x = z
		v := b[i]
		for m := i + 1; m < q; m++ {
			v -= l[m*q+i] * b[m]
		}
		b[i] = v / l[i*q+i]
	}
}

// weights stores in dst[i] = c(u_i)·k_i with c(u) = Σ_j row[j] u^j for the
// observations in the window, and 0 elsewhere. row is a row of M⁻¹.
func (ws *lpWork) weights(dst, row, x, w []float64, h float64, s Side, k Kernel) {
	for i, xi := range x {
		dst[i] = 0
		u, ki := kernelAt(xi, h, s, k)
		if ki == 0 {
			continue
		}
		if w != nil {
			ki *= w[i]
		}
		if ki != 0 {
			dst[i] = horner(row, u) * ki
		}
	}
}

// kernelAt returns u = x/h and the kernel weight K(u) of an observation at
// centred position x on side s (0 off the side or outside the window).
func kernelAt(x, h float64, s Side, k Kernel) (u, w float64) {
	if !s.Contains(x) {
		return 0, 0
	}
	u = x / h
	return u, k.Weight(u)
}

// horner returns Σ_j c[j] u^j.
func horner(c []float64, u float64) float64 {
	var v float64
	for j := len(c) - 1; j >= 0; j-- {
		v = v*u + c[j]
	}
	return v
}

func containsFloat(s []float64, v float64) bool {
	for _, e := range s {
		if e == v {
			return true
		}
	}
	return false
}
