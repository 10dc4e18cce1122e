package rdd

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/causalkit/causalkit/estimators"
)

// This file is the manipulation (density discontinuity) test of rddensity
// (Cattaneo, Jansson and Ma 2018, Stata Journal; 2020, JASA "Simple local
// polynomial density estimators"): the empirical distribution function
// F̂(x_i) = (rank − 1)/(N − 1) is regressed locally on a polynomial in
// (x − c)/h on each side of the cutoff, with kernel weights; the slope
// coefficients are the densities just below and above c. The test compares
// them with jackknife or plug-in standard errors. DensityTest follows
// rddensity 3.0 (R) step by step, including its bandwidth selector
// (rdbwdensity), its regularisation and its mass-point adjustment.

// DensityOptions configure DensityTest and DensityBandwidth. Start from
// DefaultDensityOptions (rddensity's defaults); zero values of the string
// fields, of Kernel, P and Level also mean the default.
type DensityOptions struct {
	Cutoff float64
	P      int // order of the density estimator, 1–7 (0 means 2)
	// Q is the order of the bias-corrected estimator behind the robust
	// test; 0 means P + 1. Q = P makes the robust test the conventional one.
	Q      int
	Kernel estimators.Kernel // triangular (default), epanechnikov or uniform
	// H holds manual bandwidths (left, right); both zero means select.
	// One positive value alone is used on both sides.
	H [2]float64
	// BWSelect is the selector: "comb" (default: the median of "each",
	// "diff" and "sum" on each side for the unrestricted model, the minimum
	// of "diff" and "sum" for the restricted one), "each" (a bandwidth per
	// side, MSE-optimal for that side's density; unrestricted only), "diff"
	// (one bandwidth, MSE-optimal for the difference) or "sum".
	BWSelect string
	// FitSelect is "unrestricted" (default: separate polynomials on the
	// two sides) or "restricted" (the distribution function and its
	// derivatives of order 2 and up are common to both sides; one bandwidth).
	FitSelect string
	VCE       string  // "jackknife" (default) or "plugin"
	Level     float64 // confidence level of DensityResult.CI (0.95)
	// NoMassPoints turns off rddensity's adjustment for repeated values
	// (massPoints = FALSE): tied observations then get distinct values of
	// the empirical distribution function and separate jackknife terms.
	NoMassPoints bool
	// NoRegularize turns off the regularisation of the bandwidths
	// (regularize = FALSE): capping at the range of the data and requiring
	// NLocalMin observations and NUniqueMin distinct values on each side.
	NoRegularize bool
	// NLocalMin and NUniqueMin are rddensity's nLocalMin and nUniqueMin;
	// 0 means the default 20 + P + 1 and a negative value turns the check off.
	NLocalMin, NUniqueMin int
}

// DefaultDensityOptions returns rddensity's defaults: cutoff 0, p = 2,
// q = 3, triangular kernel, bwselect "comb", the unrestricted model,
// jackknife standard errors, mass-point adjustment and regularisation, 95 %.
func DefaultDensityOptions() DensityOptions {
	return DensityOptions{P: 2, Kernel: estimators.Triangular, BWSelect: "comb", FitSelect: "unrestricted",
		VCE: "jackknife", Level: 0.95}
}

// DensityBandwidths is rdbwdensity's table: for the targets left density,
// right density, difference (right − left) and sum, in that order, the
// MSE-optimal bandwidth and the variance and squared-bias constants it is
// built from (variance scaled by N·h, bias as the leading bias of the order
// p estimator divided by h^(p+1)).
type DensityBandwidths struct {
	H, Variance, BiasSq [4]float64
}

// DensityResult is the outcome of DensityTest. Standard errors are those of
// the chosen VCE.
type DensityResult struct {
	H     [2]float64 // bandwidths, left and right of the cutoff
	N, NH [2]int     // observations, and observations within the bandwidths
	P, Q  int
	// F and SE are the density estimates of order P just below and above
	// the cutoff; FQ and SEQ those of order Q (rddensity's hat and sd).
	F, SE, FQ, SEQ [2]float64
	// Diff, DiffSE and DiffQ, DiffSEQ are f̂₊ − f̂₋ and its standard error
	// at order P and Q.
	Diff, DiffSE, DiffQ, DiffSEQ float64
	// TConv, PConv: the conventional test of f₊ = f₋ (order P); TRobust,
	// PRobust: the robust bias-corrected test (order Q), the statistic
	// rddensity reports as "Robust".
	TConv, PConv     float64
	TRobust, PRobust float64
	// CI are the robust confidence intervals FQ ± z·SEQ for the density on
	// each side ([side][low, high]).
	CI             [2][2]float64
	BWSelect       string // the selector used, or "manual"
	FitSelect, VCE string
	Kernel         estimators.Kernel
	Level          float64
	MassPoints     bool               // repeated values were found and adjusted for
	Selected       *DensityBandwidths // the selector's table (nil with manual bandwidths)
	Warnings       []string
}

// rddensity's constants of the pilot bandwidths (rdbwdensity), by p.
var (
	densPilotCb = [7]float64{25884.444444494150957, 3430865.4551236177795, 845007948.04262602329,
		330631733667.03808594, 187774809656037.3125, 145729502641999264, 146013502974449876992}
	densPilotCc = [7]float64{4.8000000000000246914, 548.57142857155463389, 100800.00000020420703,
		29558225.458100609481, 12896196859.612621307, 7890871468221.609375, 6467911284037581}
)

// densOpts are validated options.
type densOpts struct {
	c                     float64
	p, q                  int
	kernel                estimators.Kernel
	bwselect              string
	restricted, jackknife bool
	level                 float64
	regularize            bool
	nLocalMin, nUniqueMin int
	massPoints            bool
}

func (o DensityOptions) validate() (densOpts, error) {
	v := densOpts{c: o.Cutoff, p: o.P, q: o.Q, kernel: o.Kernel, level: o.Level, regularize: !o.NoRegularize,
		massPoints: !o.NoMassPoints}
	if v.p == 0 {
		v.p = 2
	}
	if v.q == 0 {
		v.q = v.p + 1
	}
	if v.kernel == 0 {
		v.kernel = estimators.Triangular
	}
	if v.level == 0 {
		v.level = 0.95
	}
	str := func(s, def string) string {
		if s = strings.ToLower(strings.TrimSpace(s)); s == "" {
			return def
		}
		return s
	}
	v.bwselect = str(o.BWSelect, "comb")
	fit, vce := str(o.FitSelect, "unrestricted"), str(o.VCE, "jackknife")
	v.restricted, v.jackknife = fit == "restricted", vce == "jackknife"
	v.nLocalMin, v.nUniqueMin = o.NLocalMin, o.NUniqueMin
	if v.nLocalMin == 0 {
		v.nLocalMin = 20 + v.p + 1
	}
	if v.nUniqueMin == 0 {
		v.nUniqueMin = 20 + v.p + 1
	}
	switch {
	case math.IsNaN(v.c) || math.IsInf(v.c, 0):
		return v, estimators.InputErrorf("rdd: density test: the cutoff %v is not finite", v.c)
	case v.p < 1 || v.p > 7:
		return v, estimators.InputErrorf("rdd: density test: p = %d; p must be an integer between 1 and 7", v.p)
	case v.q < v.p || v.q > 10:
		return v, estimators.InputErrorf("rdd: density test: q = %d; q must be between p = %d and 10", v.q, v.p)
	case !v.kernel.Valid():
		return v, estimators.InputErrorf("rdd: density test: invalid kernel")
	case fit != "unrestricted" && fit != "restricted":
		return v, estimators.InputErrorf("rdd: density test: fitselect %q; use unrestricted or restricted", o.FitSelect)
	case vce != "jackknife" && vce != "plugin":
		return v, estimators.InputErrorf("rdd: density test: vce %q; use jackknife or plugin", o.VCE)
	case !slices.Contains([]string{"comb", "each", "diff", "sum"}, v.bwselect):
		return v, estimators.InputErrorf("rdd: density test: bwselect %q; use comb, each, diff or sum", o.BWSelect)
	case v.restricted && v.bwselect == "each":
		return v, estimators.InputErrorf("rdd: density test: bwselect each is not available in the restricted model (it has one bandwidth)")
	case !(v.level > 0 && v.level < 1):
		return v, estimators.InputErrorf("rdd: density test: level %g must be in (0, 1)", v.level)
	case math.IsNaN(o.H[0]) || math.IsNaN(o.H[1]) || o.H[0] < 0 || o.H[1] < 0 || math.IsInf(o.H[0], 0) || math.IsInf(o.H[1], 0):
		return v, estimators.InputErrorf("rdd: density test: bandwidths %v must be positive and finite", o.H)
	case v.restricted && o.H[0] > 0 && o.H[1] > 0 && o.H[0] != o.H[1]:
		return v, estimators.InputErrorf("rdd: density test: the restricted model has one bandwidth; got %g and %g", o.H[0], o.H[1])
	}
	return v, nil
}

// densSample is the sorted, centred sample.
type densSample struct {
	x      []float64 // sorted x − c
	y      []float64 // empirical distribution function (rank − 1)/(N − 1), ties at their last rank if adjusted
	first  []int     // index of the first of the run of equal values each row is in (mass points), or nil
	n, nl  int       // sample size and observations below the cutoff (x < c)
	uniq   []float64 // distinct values of x − c
	nlU    int       // distinct values below the cutoff
	xmu    float64   // mean of x − c
	xsd    float64   // standard deviation of x − c
	tied   bool      // some values repeat
	adjust bool      // mass-point adjustment in use
}

func densPrepare(x []float64, o densOpts) (*densSample, error) {
	if err := estimators.CheckFinite("x", x); err != nil {
		return nil, fmt.Errorf("rdd: density test: %w", err)
	}
	n := len(x)
	s := &densSample{n: n, x: densSorted(x)}
	if n < 2 || !(o.c > s.x[0] && o.c < s.x[n-1]) {
		return nil, estimators.InputErrorf("rdd: density test: the cutoff %g is outside the range of the running variable; it must lie strictly inside the data", o.c)
	}
	for i, v := range s.x {
		if v < o.c {
			s.nl = i + 1
		}
		s.x[i] = v - o.c
	}
	s.uniq = make([]float64, 0, n)
	for i, v := range s.x {
		if i > 0 && v == s.x[i-1] {
			s.tied = true
			continue
		}
		s.uniq = append(s.uniq, v)
		if v < 0 {
			s.nlU++
		}
	}
	s.adjust = s.tied && o.massPoints
	if need := o.q + 1; s.nlU < need || len(s.uniq)-s.nlU < need {
		return nil, estimators.InputErrorf("rdd: density test: %d distinct values below and %d above the cutoff; need at least q + 1 = %d on each side",
			s.nlU, len(s.uniq)-s.nlU, need)
	}
	s.y = make([]float64, n)
	den := float64(n - 1)
	for i := range s.y {
		s.y[i] = float64(i) / den
	}
	if s.adjust {
		s.first = make([]int, n)
		for i := 0; i < n; {
			j := i
			for j < n && s.x[j] == s.x[i] {
				j++
			}
			for k := i; k < j; k++ {
				s.y[k] = s.y[j-1]
				s.first[k] = i
			}
			i = j
		}
	}
	// mean and standard deviation (two passes, as R's mean and sd)
	var sum float64
	for _, v := range s.x {
		sum += v
	}
	mu := sum / float64(n)
	var corr, ss float64
	for _, v := range s.x {
		corr += v - mu
	}
	mu += corr / float64(n)
	for _, v := range s.x {
		ss += (v - mu) * (v - mu)
	}
	s.xmu, s.xsd = mu, math.Sqrt(ss/float64(n-1))
	return s, nil
}

// densLeftK returns the k-th smallest |v| below the cutoff of sorted v
// whose first nl values are negative (1 ≤ k ≤ nl); densRightK the k-th
// smallest value at or above it.
func densLeftK(v []float64, nl, k int) float64  { return -v[nl-k] }
func densRightK(v []float64, nl, k int) float64 { return v[nl+k-1] }

// window returns the rows with −hl ≤ x − c ≤ hr: [lo, hi), split at s.nl.
func (s *densSample) window(hl, hr float64) (lo, hi int) {
	lo, _ = slices.BinarySearch(s.x[:s.nl], -hl) // first x ≥ −hl
	hi = s.nl + densCountAtMost(s.x[s.nl:], hr)
	return lo, hi
}

// densCountAtMost returns the number of values of sorted v that are ≤ t.
func densCountAtMost(v []float64, t float64) int {
	lo, hi := 0, len(v)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if v[m] <= t {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// densVCE selects the variance computed by densFit.
type densVCE int

const (
	densNoVCE densVCE = iota
	densJackknife
	densPlugin
)

// densEst is rddensity_fV's table: the densities, the variances of the
// chosen estimator for left, right, difference and sum (NaN where
// rddensity has NA), and the coefficients of order s.
type densEst struct {
	fl, fr float64
	v      [4]float64
	sl, sr float64
}

// densDesign describes the columns of the local polynomial design of order
// p: for each column, the power of u = (x − c)/h it holds on the left and
// on the right (−1: zero on that side), and the bandwidth scaling.
type densDesign struct {
	k      int
	pow    [2][]int // [side][column]
	il, ir int      // columns of the left and right densities
	sl, sr int      // columns of the order-s coefficients
	scale  []float64
	p      int
	hl, hr float64
}

func newDensDesign(p, s int, restricted bool, hl, hr float64) *densDesign {
	d := &densDesign{p: p, hl: hl, hr: hr}
	if restricted {
		// 1, u·1{left}, u·1{right}, u², …, u^p
		d.k = p + 2
		d.pow = [2][]int{make([]int, d.k), make([]int, d.k)}
		d.scale = make([]float64, d.k)
		d.pow[0][0], d.pow[1][0] = 0, 0
		d.pow[0][1], d.pow[1][1] = 1, -1
		d.pow[0][2], d.pow[1][2] = -1, 1
		d.scale[0], d.scale[1], d.scale[2] = 1, hl, hl
		for j := 3; j < d.k; j++ {
			d.pow[0][j], d.pow[1][j] = j-1, j-1
			d.scale[j] = math.Pow(hl, float64(j-1))
		}
		d.il, d.ir = 1, 2
		d.sl, d.sr = s+1, s+1
		return d
	}
	// left and right powers interleaved: 1·L, 1·R, u·L, u·R, …
	d.k = 2*p + 2
	d.pow = [2][]int{make([]int, d.k), make([]int, d.k)}
	d.scale = make([]float64, d.k)
	for m := 0; m <= p; m++ {
		d.pow[0][2*m], d.pow[1][2*m] = m, -1
		d.pow[0][2*m+1], d.pow[1][2*m+1] = -1, m
		d.scale[2*m] = math.Pow(hl, float64(m))
		d.scale[2*m+1] = math.Pow(hr, float64(m))
	}
	d.il, d.ir = 2, 3
	d.sl, d.sr = 2*s, 2*s+1
	return d
}

var errDensSingular = errors.New("singular design")

// fit is rddensity_fV: the local polynomial regression of the empirical
// distribution function on rows [lo, hi) (split at s.nl) with bandwidths
// hl, hr, order p, and the coefficient of order sOrd.
func (s *densSample) fit(lo, hi int, hl, hr float64, p, sOrd int, kern estimators.Kernel, restricted bool, vce densVCE) (densEst, error) {
	d := newDensDesign(p, sOrd, restricted, hl, hr)
	k := d.k
	// weighted moments Σ w u^j (j ≤ 2p) and Σ w u^j y (j ≤ p) on each side
	var mom [2][]float64
	var momY [2][]float64
	for sd := range 2 {
		mom[sd] = make([]float64, 2*p+1)
		momY[sd] = make([]float64, p+1)
	}
	for i := lo; i < hi; i++ {
		sd, h := 0, hl
		if i >= s.nl {
			sd, h = 1, hr
		}
		u := s.x[i] / h
		t := kern.Weight(u) / h
		yi := s.y[i]
		m, my := mom[sd], momY[sd]
		for j := 0; j <= 2*p; j++ {
			m[j] += t
			if j <= p {
				my[j] += t * yi
			}
			t *= u
		}
	}
	a := mat.NewDense(k, k, nil)
	rhs := make([]float64, k)
	for sd := range 2 {
		pw := d.pow[sd]
		for r := range k {
			if pw[r] < 0 {
				continue
			}
			rhs[r] += momY[sd][pw[r]]
			for c := range k {
				if pw[c] >= 0 {
					a.Set(r, c, a.At(r, c)+mom[sd][pw[r]+pw[c]])
				}
			}
		}
	}
	var sinv mat.Dense
	if err := sinv.Inverse(a); err != nil {
		var ce mat.Condition
		if !errors.As(err, &ce) || math.IsInf(float64(ce), 0) || math.IsNaN(float64(ce)) {
			return densEst{}, errDensSingular
		}
	}
	beta := make([]float64, k)
	for r := range k {
		var v float64
		for c := range k {
			v += sinv.At(r, c) * rhs[c]
		}
		beta[r] = v / d.scale[r]
	}
	e := densEst{fl: beta[d.il], fr: beta[d.ir], sl: beta[d.sl], sr: beta[d.sr]}
	for j := range e.v {
		e.v[j] = math.NaN()
	}
	switch vce {
	case densJackknife:
		ll := s.jackknifeMeat(lo, hi, d, kern)
		var t, v mat.Dense
		t.Mul(&sinv, ll)
		v.Mul(&t, &sinv)
		at := func(a, b int) float64 { return v.At(a, b) / (d.scale[a] * d.scale[b]) }
		vl, vr, c := at(d.il, d.il), at(d.ir, d.ir), at(d.il, d.ir)
		e.v = [4]float64{vl, vr, vl + vr - 2*c, vl + vr + 2*c}
	case densPlugin:
		e.v = densPluginVar(e.fl, e.fr, s.n, hl, hr, p, kern, restricted)
	}
	for j, v := range e.v {
		if v < 0 {
			e.v[j] = math.NaN() // rddensity's NA
		}
	}
	return e, nil
}

// jackknifeMeat returns LᵀL where row i of L is the sum of the weighted
// design rows after i, over N − 1 (rddensity's jackknife); with the
// mass-point adjustment every row of a run of ties takes the sum after the
// first of the run.
func (s *densSample) jackknifeMeat(lo, hi int, d *densDesign, kern estimators.Kernel) *mat.Dense {
	k := d.k
	suffix := make([]float64, k) // Σ of the rows after the current one
	group := make([]float64, k)  // rows of the current run after its first
	row := make([]float64, k)
	pw := make([]float64, d.p+1)
	acc := make([]float64, k*k)
	den := float64(s.n - 1)
	lv := make([]float64, k)
	addOuter := func(v []float64, times float64) {
		for a := range k {
			va := v[a] * times
			if va == 0 {
				continue
			}
			r := acc[a*k:]
			for b := a; b < k; b++ {
				r[b] += va * v[b]
			}
		}
	}
	designRow := func(i int) {
		sd, h := 0, d.hl
		if i >= s.nl {
			sd, h = 1, d.hr
		}
		u := s.x[i] / h
		t := kern.Weight(u) / h
		for j := range pw {
			pw[j] = t
			t *= u
		}
		for c, e := range d.pow[sd] {
			if e >= 0 {
				row[c] = pw[e]
			} else {
				row[c] = 0
			}
		}
	}
	for i := hi - 1; i >= lo; {
		first := i
		if s.first != nil {
			first = max(s.first[i], lo)
		}
		clear(group)
		for j := i; j > first; j-- {
			designRow(j)
			for c := range k {
				group[c] += row[c]
			}
		}
		for c := range k {
			lv[c] = (suffix[c] + group[c]) / den
		}
		addOuter(lv, float64(i-first+1))
		designRow(first)
		for c := range k {
			suffix[c] += group[c] + row[c]
		}
		i = first - 1
	}
	m := mat.NewDense(k, k, nil)
	for a := range k {
		for b := a; b < k; b++ {
			m.Set(a, b, acc[a*k+b])
			m.Set(b, a, acc[a*k+b])
		}
	}
	return m
}

// densPluginVar is rddensity's plug-in (asymptotic) variance.
func densPluginVar(fl, fr float64, n int, hl, hr float64, p int, kern estimators.Kernel, restricted bool) [4]float64 {
	nf := float64(n)
	if !restricted {
		s := densInverse(densS(p, kern))
		var t, v mat.Dense
		t.Mul(s, densG(p, kern))
		v.Mul(&t, s)
		vl := fl * v.At(1, 1) / (nf * hl)
		vr := fr * v.At(1, 1) / (nf * hr)
		return [4]float64{vl, vr, vl + vr, vl + vr}
	}
	sp, gp, psi := densPlus(densS(p, kern)), densPlus(densG(p, kern)), densPsi(p)
	var sm, gm, a, g, t, v mat.Dense
	sm.Product(psi, sp, psi)
	gm.Product(psi, gp, psi)
	sm.Scale(fl, &sm)
	a.Scale(fr, sp)
	a.Add(&a, &sm)
	gm.Scale(fl*fl*fl, &gm)
	g.Scale(fr*fr*fr, gp)
	g.Add(&gm, &g)
	ainv := densInverse(&a)
	if ainv == nil {
		return [4]float64{math.NaN(), math.NaN(), math.NaN(), math.NaN()}
	}
	t.Mul(ainv, &g)
	v.Mul(&t, ainv)
	nh := nf * hl
	return [4]float64{v.At(1, 1) / nh, v.At(2, 2) / nh, (v.At(1, 1) + v.At(2, 2) - 2*v.At(1, 2)) / nh,
		(v.At(1, 1) + v.At(2, 2) + 2*v.At(1, 2)) / nh}
}

// densInverse inverts a small matrix, or returns nil if it is singular.
func densInverse(a mat.Matrix) *mat.Dense {
	var inv mat.Dense
	if err := inv.Inverse(a); err != nil {
		var ce mat.Condition
		if !errors.As(err, &ce) || math.IsInf(float64(ce), 0) {
			return nil
		}
	}
	return &inv
}

// densKernelPoly returns the coefficients of the kernel as a polynomial
// on [0, 1].
func densKernelPoly(k estimators.Kernel) []float64 {
	switch k {
	case estimators.Epanechnikov:
		return []float64{0.75, 0, -0.75}
	case estimators.Uniform:
		return []float64{0.5}
	}
	return []float64{1, -1}
}

// densS is rddensity's Sgenerate(p, 0, 1): S_ij = ∫₀¹ u^(i+j) K(u) du.
func densS(p int, kern estimators.Kernel) *mat.Dense {
	kp := densKernelPoly(kern)
	s := mat.NewDense(p+1, p+1, nil)
	for i := 0; i <= p; i++ {
		for j := 0; j <= p; j++ {
			var v float64
			for m, c := range kp {
				v += c / float64(i+j+m+1)
			}
			s.Set(i, j, v)
		}
	}
	return s
}

// densC is Cgenerate(k, p, 0, 1): C_i = ∫₀¹ u^(i+k) K(u) du.
func densC(k, p int, kern estimators.Kernel) []float64 {
	kp := densKernelPoly(kern)
	c := make([]float64, p+1)
	for i := range c {
		for m, a := range kp {
			c[i] += a / float64(i+k+m+1)
		}
	}
	return c
}

// densG is Ggenerate(p, 0, 1):
// G_ij = ∫₀¹∫₀¹ min(x, y)-weighted moments, i.e.
// ∫₀¹ y^j K(y) ∫₀^y x^(i+1) K(x) dx dy + ∫₀¹ y^(j+1) K(y) ∫_y¹ x^i K(x) dx dy,
// in closed form for the polynomial kernels.
func densG(p int, kern estimators.Kernel) *mat.Dense {
	kp := densKernelPoly(kern)
	g := mat.NewDense(p+1, p+1, nil)
	for i := 0; i <= p; i++ {
		for j := 0; j <= p; j++ {
			var v float64
			for m, a := range kp {
				for n, b := range kp {
					fi, fj, fm, fn := float64(i), float64(j), float64(m), float64(n)
					v += a * b / ((fi + fm + 2) * (fi + fj + fm + fn + 3))
					v += a * b / (fi + fm + 1) * (1/(fj+fn+2) - 1/(fi+fj+fm+fn+3))
				}
			}
			g.Set(i, j, v)
		}
	}
	return g
}

// densPlus embeds a (p+1)-square matrix into the (p+2)-square layout of the
// restricted model (Splusgenerate, Gplusgenerate): index 0 stays, index
// m ≥ 1 moves to m + 1, and row and column 1 are zero.
func densPlus(a *mat.Dense) *mat.Dense {
	n, _ := a.Dims()
	idx := func(m int) int {
		if m == 0 {
			return 0
		}
		return m + 1
	}
	out := mat.NewDense(n+1, n+1, nil)
	for i := range n {
		for j := range n {
			out.Set(idx(i), idx(j), a.At(i, j))
		}
	}
	return out
}

// densPlusVec is densPlus for a vector (Cplusgenerate).
func densPlusVec(c []float64) []float64 {
	out := make([]float64, len(c)+1)
	out[0] = c[0]
	copy(out[2:], c[1:])
	return out
}

// densPsi is Psigenerate(p): the reflection that maps the right-side
// moments of the restricted model to the left side.
func densPsi(p int) *mat.Dense {
	psi := mat.NewDense(p+2, p+2, nil)
	psi.Set(0, 0, 1)
	for m := 2; m <= p; m++ {
		if m%2 == 0 {
			psi.Set(m+1, m+1, 1)
		} else {
			psi.Set(m+1, m+1, -1)
		}
	}
	psi.Set(1, 2, -1)
	psi.Set(2, 1, -1)
	return psi
}

// densHermite is the probabilists' Hermite polynomial of order p (≤ 9), as
// rddensity_H writes it.
func densHermite(x float64, p int) float64 {
	switch p {
	case 0:
		return 1
	case 1:
		return x
	case 2:
		return x*x - 1
	case 3:
		return math.Pow(x, 3) - 3*x
	case 4:
		return math.Pow(x, 4) - 6*x*x + 3
	case 5:
		return math.Pow(x, 5) - 10*math.Pow(x, 3) + 15*x
	case 6:
		return math.Pow(x, 6) - 15*math.Pow(x, 4) + 45*x*x - 15
	case 7:
		return math.Pow(x, 7) - 21*math.Pow(x, 5) + 105*math.Pow(x, 3) - 105*x
	case 8:
		return math.Pow(x, 8) - 28*math.Pow(x, 6) + 210*math.Pow(x, 4) - 420*x*x + 105
	case 9:
		return math.Pow(x, 9) - 36*math.Pow(x, 7) + 378*math.Pow(x, 5) - 1260*math.Pow(x, 3) + 945*x
	}
	panic("rdd: Hermite order out of range")
}

// DensityBandwidth is rddensity's rdbwdensity: the MSE-optimal bandwidths
// of the density estimators of order P for the left and right densities,
// their difference and their sum, from pilot fits of orders P (variance) and
// P + 2 (bias) at rule-of-thumb pilot bandwidths, with rddensity's
// regularisation. Options H, BWSelect and Q are ignored.
func DensityBandwidth(x []float64, opt DensityOptions) (*DensityBandwidths, error) {
	opt.H = [2]float64{}
	o, err := opt.validate()
	if err != nil {
		return nil, err
	}
	s, err := densPrepare(x, o)
	if err != nil {
		return nil, err
	}
	return s.bandwidths(o)
}

func (s *densSample) bandwidths(o densOpts) (*DensityBandwidths, error) {
	p, n := o.p, s.n
	nf := float64(n)
	fp := float64(p)
	z := s.xmu / s.xsd
	dn := math.Exp(-z*z/2) / math.Sqrt(2*math.Pi)
	hb, hc := densHermite(z, p+2), densHermite(z, p)
	fhatb := 1 / (hb * hb * dn)
	fhatc := 1 / (hc * hc * dn)
	bn := math.Pow((2*fp+1)/4*fhatb*densPilotCb[p-1]/nf, 1/(2*fp+5)) * s.xsd
	cn := math.Pow(1/(2*fp)*fhatc*densPilotCc[p-1]/nf, 1/(2*fp+1)) * s.xsd
	nr, nrU := n-s.nl, len(s.uniq)-s.nlU
	rangeMax := math.Max(math.Abs(s.uniq[0]), math.Abs(s.uniq[len(s.uniq)-1]))
	if o.regularize {
		bn = math.Min(bn, rangeMax)
		cn = math.Min(cn, rangeMax)
		atLeast := func(h float64, v []float64, nl, nr, k int) float64 {
			return math.Max(h, math.Max(densLeftK(v, nl, min(k, nl)), densRightK(v, nl, min(k, nr))))
		}
		// rddensity uses 20 + p + 1 (and + 2 for the bias pilot) here
		// whatever nLocalMin and nUniqueMin are, as long as they are positive.
		if o.nLocalMin > 0 {
			bn = atLeast(bn, s.x, s.nl, nr, 20+p+2+1)
			cn = atLeast(cn, s.x, s.nl, nr, 20+p+1)
		}
		if o.nUniqueMin > 0 {
			bn = atLeast(bn, s.uniq, s.nlU, nrU, 20+p+2+1)
			cn = atLeast(cn, s.uniq, s.nlU, nrU, 20+p+1)
		}
	}
	vce := densPlugin
	if o.jackknife {
		vce = densJackknife
	}
	lo, hi := s.window(bn, bn)
	fb, errB := s.fit(lo, hi, bn, bn, p+2, p+1, o.kernel, o.restricted, densNoVCE)
	lo, hi = s.window(cn, cn)
	fc, err := s.fit(lo, hi, cn, cn, p, 1, o.kernel, o.restricted, vce)
	if err != nil {
		return nil, estimators.InputErrorf("rdd: density bandwidth selection: the pilot fit at h = %g is singular (too few distinct values near the cutoff)", cn)
	}
	if errB != nil {
		fb.sl, fb.sr = math.NaN(), math.NaN() // the bandwidths then fall back to the regularisation
	}
	out := &DensityBandwidths{}
	for j := range 4 {
		out.Variance[j] = nf * cn * fc.v[j]
		if math.IsNaN(out.Variance[j]) {
			return nil, estimators.InputErrorf("rdd: density bandwidth selection: the pilot variance estimate is undefined (a negative density estimate with the plug-in variance); use vce jackknife or set the bandwidth")
		}
	}
	var bias [2]float64
	if !o.restricted {
		sinv := densInverse(densS(p, o.kernel))
		c := densC(p+1, p, o.kernel)
		var k float64
		for j := range c {
			k += sinv.At(1, j) * c[j]
		}
		sign := 1.0
		if p%2 == 1 {
			sign = -1
		}
		bias = [2]float64{fb.sl * k * sign, fb.sr * k}
	} else {
		sp, psi := densPlus(densS(p, o.kernel)), densPsi(p)
		cp := densPlusVec(densC(p+1, p, o.kernel))
		var m mat.Dense
		m.Product(psi, sp, psi)
		m.Scale(fc.fl, &m)
		var a mat.Dense
		a.Scale(fc.fr, sp)
		a.Add(&a, &m)
		ainv := densInverse(&a)
		sign := 1.0
		if (p+1)%2 == 1 {
			sign = -1
		}
		cv := mat.NewVecDense(len(cp), nil)
		pc := mat.NewVecDense(len(cp), nil)
		pc.MulVec(psi, mat.NewVecDense(len(cp), cp))
		for j := range cp {
			cv.SetVec(j, fb.sl*(fc.fr*cp[j]+sign*fc.fl*pc.AtVec(j)))
		}
		if ainv == nil {
			bias = [2]float64{math.NaN(), math.NaN()}
		} else {
			var t mat.VecDense
			t.MulVec(ainv, cv)
			bias = [2]float64{t.AtVec(1), t.AtVec(2)}
		}
	}
	b := [4]float64{bias[0], bias[1], bias[1] - bias[0], bias[1] + bias[0]}
	for j := range 4 {
		out.BiasSq[j] = b[j] * b[j]
		h := math.Pow(1/(2*fp)*out.Variance[j]/out.BiasSq[j]/nf, 1/(2*fp+1))
		if math.IsNaN(h) {
			h = 0
		}
		out.H[j] = h
	}
	if o.regularize {
		out.H[0] = math.Min(out.H[0], math.Abs(s.uniq[0]))
		out.H[1] = math.Min(out.H[1], s.uniq[len(s.uniq)-1])
		out.H[2] = math.Min(out.H[2], rangeMax)
		out.H[3] = math.Min(out.H[3], rangeMax)
		floor := func(hl, hr float64) {
			out.H[0] = math.Max(out.H[0], hl)
			out.H[1] = math.Max(out.H[1], hr)
			out.H[2] = math.Max(out.H[2], math.Max(hl, hr))
			out.H[3] = math.Max(out.H[3], math.Max(hl, hr))
		}
		if o.nLocalMin > 0 {
			floor(densLeftK(s.x, s.nl, min(s.nl, o.nLocalMin)), densRightK(s.x, s.nl, min(nr, o.nLocalMin)))
		}
		if o.nUniqueMin > 0 {
			floor(densLeftK(s.uniq, s.nlU, min(s.nlU, o.nUniqueMin)), densRightK(s.uniq, s.nlU, min(nrU, o.nUniqueMin)))
		}
	}
	return out, nil
}

// DensityTest is rddensity's manipulation test: local polynomial density
// estimators of order P and Q on each side of the cutoff, at the selected
// (or given) bandwidths, and the conventional (order P) and robust
// bias-corrected (order Q) tests that the density is continuous at the
// cutoff. Input errors (non-finite data, a cutoff outside the data, too few
// distinct values on a side or within the bandwidth, invalid options) match
// estimators.ErrInput.
func DensityTest(x []float64, opt DensityOptions) (*DensityResult, error) {
	o, err := opt.validate()
	if err != nil {
		return nil, err
	}
	s, err := densPrepare(x, o)
	if err != nil {
		return nil, err
	}
	res := &DensityResult{P: o.p, Q: o.q, BWSelect: o.bwselect, FitSelect: "unrestricted", VCE: "plugin",
		Kernel: o.kernel, Level: o.level, MassPoints: s.adjust}
	if o.restricted {
		res.FitSelect = "restricted"
	}
	if o.jackknife {
		res.VCE = "jackknife"
	}
	hl, hr := opt.H[0], opt.H[1]
	switch {
	case hl > 0 || hr > 0:
		if hl == 0 {
			hl = hr
		}
		if hr == 0 {
			hr = hl
		}
		res.BWSelect = "manual"
	default:
		bw, err := s.bandwidths(o)
		if err != nil {
			return nil, err
		}
		res.Selected = bw
		h := bw.H
		switch {
		case o.bwselect == "each":
			hl, hr = h[0], h[1]
		case o.bwselect == "diff":
			hl, hr = h[2], h[2]
		case o.bwselect == "sum":
			hl, hr = h[3], h[3]
		case o.restricted: // comb
			hl = math.Min(h[2], h[3])
			hr = hl
		default: // comb, unrestricted
			hl, hr = densMedian3(h[0], h[2], h[3]), densMedian3(h[1], h[2], h[3])
		}
	}
	if !(hl > 0 && hr > 0) {
		return nil, estimators.InputErrorf("rdd: density test: the selected bandwidths (%g, %g) are not positive; set them", hl, hr)
	}
	res.H = [2]float64{hl, hr}
	res.N = [2]int{s.nl, s.n - s.nl}
	lo, hi := s.window(hl, hr)
	res.NH = [2]int{s.nl - lo, hi - s.nl}
	if err := s.checkWindow(lo, hi, hl, hr, o); err != nil {
		return nil, err
	}
	vce := densPlugin
	if o.jackknife {
		vce = densJackknife
	}
	fq, errQ := s.fit(lo, hi, hl, hr, o.q, 1, o.kernel, o.restricted, vce)
	fp, errP := s.fit(lo, hi, hl, hr, o.p, 1, o.kernel, o.restricted, vce)
	if errQ != nil || errP != nil {
		return nil, estimators.InputErrorf("rdd: density test: the local polynomial fit at h = (%g, %g) is singular; widen the bandwidth", hl, hr)
	}
	for _, v := range append(fq.v[:3:3], fp.v[:3]...) {
		if math.IsNaN(v) {
			return nil, estimators.InputErrorf("rdd: density test: the plug-in variance is negative (a density estimate below zero at h = (%g, %g)); use vce jackknife or another bandwidth", hl, hr)
		}
	}
	res.F, res.FQ = [2]float64{fp.fl, fp.fr}, [2]float64{fq.fl, fq.fr}
	res.SE = [2]float64{math.Sqrt(fp.v[0]), math.Sqrt(fp.v[1])}
	res.SEQ = [2]float64{math.Sqrt(fq.v[0]), math.Sqrt(fq.v[1])}
	res.Diff, res.DiffSE = fp.fr-fp.fl, math.Sqrt(fp.v[2])
	res.DiffQ, res.DiffSEQ = fq.fr-fq.fl, math.Sqrt(fq.v[2])
	pval := func(t float64) float64 { return 2 * distuv.UnitNormal.CDF(-math.Abs(t)) }
	res.TConv = res.Diff / res.DiffSE
	res.PConv = pval(res.TConv)
	res.TRobust = res.DiffQ / res.DiffSEQ
	res.PRobust = pval(res.TRobust)
	zq := distuv.UnitNormal.Quantile(0.5 + o.level/2)
	for k := range 2 {
		res.CI[k] = [2]float64{res.FQ[k] - zq*res.SEQ[k], res.FQ[k] + zq*res.SEQ[k]}
	}
	// rddensity's warnings (summary.CJMrddensity)
	if hl > -s.x[0] {
		res.Warnings = append(res.Warnings, "bandwidth hl greater than the range of the data")
	}
	if hr > s.x[s.n-1] {
		res.Warnings = append(res.Warnings, "bandwidth hr greater than the range of the data")
	}
	if res.NH[0] < 20 || res.NH[1] < 20 {
		res.Warnings = append(res.Warnings, "bandwidth h may be too small (fewer than 20 observations on a side)")
	}
	if s.adjust {
		res.Warnings = append(res.Warnings, "there are repeated observations; point estimates and standard errors have been adjusted for mass points")
	}
	return res, nil
}

// checkWindow requires enough distinct values with positive kernel weight
// within the bandwidths for the fit of order q.
func (s *densSample) checkWindow(lo, hi int, hl, hr float64, o densOpts) error {
	count := func(a, b int, h float64) int {
		n := 0
		for i := a; i < b; i++ {
			if (i == a || s.x[i] != s.x[i-1]) && o.kernel.Weight(s.x[i]/h) > 0 {
				n++
			}
		}
		return n
	}
	ml, mr := count(lo, s.nl, hl), count(s.nl, hi, hr)
	ok := ml >= o.q+1 && mr >= o.q+1
	if o.restricted {
		ok = ml >= 2 && mr >= 2 && ml+mr >= o.q+2
	}
	if !ok {
		return estimators.InputErrorf("rdd: density test: %d distinct values below and %d above the cutoff within the bandwidths (%g, %g); too few for a polynomial of order q = %d: widen the bandwidth",
			ml, mr, hl, hr, o.q)
	}
	return nil
}

func densMedian3(a, b, c float64) float64 {
	v := []float64{a, b, c}
	slices.Sort(v)
	return v[1]
}

// densSorted returns a sorted copy of finite x: a least-significant-digit
// radix sort on the order-preserving bit patterns of the values (−0 sorts
// before +0, which are equal as values), several times faster than a
// comparison sort on large samples.
func densSorted(x []float64) []float64 {
	n := len(x)
	out := make([]float64, n)
	if n < 4096 {
		copy(out, x)
		slices.Sort(out)
		return out
	}
	keys, buf := make([]uint64, n), make([]uint64, n)
	for i, v := range x {
		b := math.Float64bits(v)
		if b>>63 == 1 {
			b = ^b
		} else {
			b |= 1 << 63
		}
		keys[i] = b
	}
	var count [256]int
	for shift := uint(0); shift < 64; shift += 8 {
		clear(count[:])
		for _, k := range keys {
			count[(k>>shift)&0xff]++
		}
		if count[(keys[0]>>shift)&0xff] == n {
			continue // every key has this byte: nothing to reorder
		}
		pos := 0
		for b, c := range count {
			count[b] = pos
			pos += c
		}
		for _, k := range keys {
			d := (k >> shift) & 0xff
			buf[count[d]] = k
			count[d]++
		}
		keys, buf = buf, keys
	}
	for i, b := range keys {
		if b>>63 == 1 {
			b &^= 1 << 63
		} else {
			b = ^b
		}
		out[i] = math.Float64frombits(b)
	}
	return out
}
