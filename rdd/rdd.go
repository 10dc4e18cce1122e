package rdd

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/causalkit/causalkit/estimators"
)

// VCE is the variance estimator.
type VCE int

// The variance estimators of rdrobust. With clusters, NN, HC0 and HC1 mean
// CR1, HC2 means CR2 and HC3 means CR3 (rdrobust's mapping).
const (
	NN VCE = iota // nearest-neighbour residuals (NNMatch neighbours)
	HC0
	HC1
	HC2
	HC3
)

var vceNames = [...]string{"nn", "hc0", "hc1", "hc2", "hc3"}

// String returns the name of v.
func (v VCE) String() string { return vceNames[v] }

// ParseVCE parses nn, hc0, hc1, hc2 or hc3.
func ParseVCE(s string) (VCE, error) {
	if i := slices.Index(vceNames[:], s); i >= 0 {
		return VCE(i), nil
	}
	return 0, estimators.InputErrorf("unknown vce %q; use nn, hc0, hc1, hc2 or hc3", s)
}

// BWSelect is a bandwidth selector.
type BWSelect int

// rdrobust's selectors: MSE-optimal common (rd), two-sided, for the sum, and
// their combinations (comb1 = min(rd, sum), comb2 = median(two, rd, sum)),
// and the coverage-error-optimal versions.
const (
	MSERD BWSelect = iota
	MSETwo
	MSESum
	MSEComb1
	MSEComb2
	CERRD
	CERTwo
	CERSum
	CERComb1
	CERComb2
	Manual
)

var bwNames = [...]string{"mserd", "msetwo", "msesum", "msecomb1", "msecomb2", "cerrd", "certwo", "cersum", "cercomb1", "cercomb2", "manual"}

// String returns the name of b.
func (b BWSelect) String() string { return bwNames[b] }

// ParseBWSelect parses a selector name.
func ParseBWSelect(s string) (BWSelect, error) {
	if i := slices.Index(bwNames[:Manual], s); i >= 0 {
		return BWSelect(i), nil
	}
	return 0, estimators.InputErrorf("unknown bandwidth selector %q; use mserd, msetwo, msesum, msecomb1, msecomb2, cerrd, certwo, cersum, cercomb1 or cercomb2", s)
}

// MassPoints is the mass-point policy.
type MassPoints int

// Adjust (the default) uses distinct values in the pilot bandwidth and, when
// 20 % or more of a side's values repeat, requires 10 distinct values in
// every bandwidth; Check only warns; Off does neither.
const (
	Adjust MassPoints = iota
	Check
	Off
)

// Options configure Estimate. Start from DefaultOptions (rdrobust's
// defaults); the zero value is not valid because P = 0 is a meaningful
// order.
type Options struct {
	Cutoff   float64
	P, Q     int // polynomial orders of the estimate and of the bias correction
	Deriv    int // 0 for the jump in level, 1 for a kink
	Kernel   estimators.Kernel
	BWSelect BWSelect
	// H and B are manual bandwidths (left, right); H zero means select.
	// With H given and B zero, B = H/Rho (Rho default 1).
	H, B       [2]float64
	Rho        float64
	VCE        VCE
	NNMatch    int
	MassPoints MassPoints
	// BWCheck, when positive, requires that many distinct values of the
	// running variable on each side within every bandwidth.
	BWCheck    int
	BWRestrict bool    // cap bandwidths at the range of the data
	ScaleRegul float64 // weight of the regularisation term (0 turns it off)
	// SharpBW selects the bandwidths of a fuzzy design as for the sharp
	// design of the outcome (rdrobust's sharpbw); it is implied when the
	// treatment does not vary on one side (perfect compliance).
	SharpBW bool
	Level   float64 // confidence level (0.95 for 95 %)
}

// DefaultOptions returns rdrobust's defaults: p = 1, q = 2, triangular
// kernel, mserd, nearest-neighbour variance with 3 neighbours, mass-point
// adjustment, bandwidths restricted to the data range, scaleregul 1, 95 %.
func DefaultOptions() Options {
	return Options{P: 1, Q: 2, Kernel: estimators.Triangular, NNMatch: 3, BWRestrict: true, ScaleRegul: 1, Level: 0.95}
}

// Data is an RD sample: outcome, running variable, and optionally the
// treatment of a fuzzy design, observation weights and cluster codes.
type Data struct {
	Y, X    []float64
	T       []float64
	Weights []float64
	Cluster []int
	// Covs are covariates for the covariate-adjusted estimator (Calonico,
	// Cattaneo, Farrell and Titiunik 2019), one slice per covariate, named
	// by CovNames. Collinear covariates are dropped (Result.DroppedCovs).
	Covs     [][]float64
	CovNames []string
}

// Line is one of rdrobust's three lines of output.
type Line struct {
	Coef, SE, Z, P, Low, High float64
}

// Result is an RD estimate.
type Result struct {
	Conventional, BiasCorrected, Robust Line
	BWSelect                            BWSelect
	H, B                                [2]float64 // bandwidths, left and right
	N, NH, NB                           [2]int     // observations: all, within h, within b
	VCE                                 string     // nn, hc0–hc3, or cr1
	Kernel                              estimators.Kernel
	Fuzzy                               bool
	// FirstStage is the conventional jump of the treatment (fuzzy).
	FirstStage float64
	Clusters   int
	// DroppedCovs lists covariates dropped as collinear.
	DroppedCovs []string
	Warnings    []string
}

// state is the prepared sample.
type state struct {
	opt         Options
	c           float64
	l, r        *side
	sum         *summary
	n           int
	fuzzy       bool
	clustered   bool
	mUniq       int
	bwcheck     int
	vce         VCE
	clusters    int
	crv         int  // 2 or 3 for the CR2/CR3 cluster variances
	sharpBW     bool // select bandwidths ignoring the treatment
	droppedCovs []string
	warnings    []string
}

// Estimate computes the sharp or fuzzy RD estimate with rdrobust's
// conventional, bias-corrected and robust inference (Calonico, Cattaneo and
// Titiunik 2014), selecting the bandwidths unless given.
func Estimate(d *Data, opt Options) (*Result, error) {
	st, err := prepare(d, opt)
	if err != nil {
		return nil, err
	}
	return st.run()
}

// run selects the bandwidths (unless given) and estimates.
func (st *state) run() (*Result, error) {
	opt := st.opt
	res := &Result{BWSelect: opt.BWSelect, Kernel: opt.Kernel, Fuzzy: st.fuzzy, Warnings: st.warnings, VCE: st.vce.String(),
		DroppedCovs: st.droppedCovs}
	if st.clustered {
		res.VCE = map[int]string{0: "cr1", 2: "cr2", 3: "cr3"}[st.crv]
		res.Clusters = st.clusters
	}
	hl, hr, bl, br := opt.H[0], opt.H[1], opt.B[0], opt.B[1]
	switch {
	case hl > 0:
		res.BWSelect = Manual
		if hr == 0 {
			hr = hl
		}
		rho := opt.Rho
		switch {
		case bl > 0:
			if br == 0 {
				br = bl
			}
		default:
			if rho == 0 {
				rho = 1
			}
			bl, br = hl/rho, hr/rho
		}
	case st.n < 20:
		h := math.Max(math.Abs(st.c-st.sum.xmin), math.Abs(st.c-st.sum.xmax))
		hl, hr, bl, br = h, h, h, h
		res.BWSelect = Manual
		st.warnings = append(st.warnings, "fewer than 20 observations: the whole sample is used")
	default:
		sel := st
		if st.sharpBW {
			sel = st.withoutTreatment()
		}
		all, err := sel.selectAll()
		if err != nil {
			return nil, fmt.Errorf("rdd: bandwidth selection: %w", err)
		}
		v := all[opt.BWSelect]
		hl, hr, bl, br = v[0], v[1], v[2], v[3]
		if opt.Rho > 0 {
			bl, br = hl/opt.Rho, hr/opt.Rho
		}
	}
	res.H, res.B = [2]float64{hl, hr}, [2]float64{bl, br}
	res.N = st.sum.nSide
	if err := st.estimate(res); err != nil {
		return nil, fmt.Errorf("rdd: %w", err)
	}
	return res, nil
}

func prepare(d *Data, opt Options) (*state, error) {
	n := len(d.X)
	if len(d.Y) != n || (d.T != nil && len(d.T) != n) || (d.Weights != nil && len(d.Weights) != n) || (d.Cluster != nil && len(d.Cluster) != n) {
		panic("rdd: columns of different lengths")
	}
	if err := opt.validate(); err != nil {
		return nil, err
	}
	for _, c := range []struct {
		name string
		v    []float64
	}{{"y", d.Y}, {"x", d.X}, {"treatment", d.T}, {"weights", d.Weights}} {
		if err := estimators.CheckFinite(c.name, c.v); err != nil {
			return nil, fmt.Errorf("rdd: %w", err)
		}
	}
	if len(d.CovNames) != len(d.Covs) {
		panic("rdd: len(CovNames) != len(Covs)")
	}
	for j, c := range d.Covs {
		if len(c) != n {
			panic("rdd: covariate of the wrong length")
		}
		if err := estimators.CheckFinite(d.CovNames[j], c); err != nil {
			return nil, fmt.Errorf("rdd: covariates: %w", err)
		}
	}
	b, err := newBuilder(opt, n, d.columns(), "")
	if err != nil {
		return nil, err
	}
	if err := d.sorted(b.add); err != nil {
		return nil, err
	}
	return b.finish()
}

// sorted calls add with the rows of d sorted by x, ties in input order (a
// deterministic, stable order): the row's index, x, y, and its treatment,
// weight, cluster code and covariates (0, 1, 0 and none for the columns d
// lacks).
func (d *Data) sorted(add func(row int, x, y, t, w float64, cl int, z []float64) error) error {
	z := make([]float64, len(d.Covs))
	for _, i := range estimators.Argsort(d.X) {
		t, w, cl := 0.0, 1.0, 0
		if d.T != nil {
			t = d.T[i]
		}
		if d.Weights != nil {
			w = d.Weights[i]
		}
		if d.Cluster != nil {
			cl = d.Cluster[i]
		}
		for j, c := range d.Covs {
			z[j] = c[i]
		}
		if err := add(i, d.X[i], d.Y[i], t, w, cl, z); err != nil {
			return err
		}
	}
	return nil
}

// columns says which optional columns d has.
func (d *Data) columns() SampleColumns {
	return SampleColumns{Fuzzy: d.T != nil, Weights: d.Weights != nil, Cluster: d.Cluster != nil, Covs: d.CovNames}
}

// withoutTreatment returns a copy of the state whose sides omit the fuzzy
// treatment, for sharp bandwidth selection.
func (st *state) withoutTreatment() *state {
	c := *st
	l, r := *st.l, *st.r
	l.t, r.t = nil, nil
	l.pilots, r.pilots = nil, nil
	c.l, c.r = &l, &r
	return &c
}

func (o Options) validate() error {
	switch {
	case o.P < 0 || o.Q <= o.P:
		return estimators.InputErrorf("rdd: p = %d, q = %d; need 0 ≤ p < q", o.P, o.Q)
	case o.Deriv < 0 || o.Deriv > o.P:
		return estimators.InputErrorf("rdd: deriv = %d must be between 0 and p = %d", o.Deriv, o.P)
	case !o.Kernel.Valid():
		return estimators.InputErrorf("rdd: invalid kernel")
	case o.NNMatch < 1 && o.VCE == NN:
		return estimators.InputErrorf("rdd: nnmatch = %d; need at least 1", o.NNMatch)
	case !(o.Level > 0 && o.Level < 1):
		return estimators.InputErrorf("rdd: level %g must be in (0, 1)", o.Level)
	case o.H[0] < 0 || o.H[1] < 0 || o.B[0] < 0 || o.B[1] < 0 || o.Rho < 0:
		return estimators.InputErrorf("rdd: bandwidths and rho must be positive")
	case o.ScaleRegul < 0:
		return estimators.InputErrorf("rdd: scaleregul must be non-negative")
	}
	return nil
}

// estimate computes the three lines at the bandwidths in res.
func (st *state) estimate(res *Result) error {
	o := st.opt
	p, q, nu := o.P, o.Q, o.Deriv
	type sideOut struct {
		betaP, betaBC [][]float64
		zwz, zwy      *mat.Dense
		vcl, vrb      func(s []float64) float64
	}
	nOut := 1
	if res.Fuzzy {
		nOut = 2
	}
	fitSide := func(s *side, h, b float64, k int) (sideOut, error) {
		wh, wb := s.window(st.c, h, o.Kernel), s.window(st.c, b, o.Kernel)
		res.NH[k], res.NB[k] = wh.n(), wb.n()
		// The estimation sample is the larger window; weights of the other
		// bandwidth are recomputed on it (zero outside).
		w := wb
		if h > b {
			w = wh
		}
		if w.n() <= q {
			return sideOut{}, estimators.InputErrorf("%d observations within the bandwidth (h = %g, b = %g); need more than q = %d: widen the bandwidth", w.n(), h, b, q)
		}
		fp, err := st.polyFit(s, w, h, p, true)
		if err != nil {
			return sideOut{}, err
		}
		fq, err := st.polyFit(s, w, b, q, false)
		if err != nil {
			return sideOut{}, err
		}
		// The bias-corrected scores are the rows of
		// Q_q = R_p∘W_h − h^(p+1) (W_b R_q G_q⁻¹ e_{p+1}) Lᵀ with
		// L = R_pᵀ (W_h u^(p+1)) (fp.l).
		d := s.cols()
		nc := len(d)
		gq := mat.Col(nil, p+1, fq.inv)
		hp := math.Pow(h, float64(p+1))
		zh, zb := st.resider(s, w, fp), st.resider(s, w, fq)
		hbMatch := h == b
		// rdrobust: with h = b and clusters, the robust variance is the
		// q-regression's, with weights W_h.
		qReg := hbMatch && s.cl != nil
		scH := st.newScores(s, p+1, p+1, nc)
		scB := st.newScores(s, p+1, q+1, nc)
		if qReg {
			scB = st.newScores(s, q+1, q+1, nc)
		}
		bc := make([]float64, (p+1)*nc)
		resH, resB := make([]float64, nc), make([]float64, nc)
		a, qrow, aq := make([]float64, p+1), make([]float64, p+1), make([]float64, q+1)
		st.each(s, w, q, func(i int, r []float64) {
			kh, kb := st.weight(s, i, h), st.weight(s, i, b)
			var g float64
			for j, v := range gq {
				g += r[j] * v
			}
			c := hp * kb * g
			for j := range qrow {
				a[j] = kh * r[j]
				qrow[j] = a[j] - c*fp.l[j]
			}
			for l, col := range d {
				for j, v := range qrow {
					bc[j*nc+l] += v * col[i]
				}
			}
			zh.at(i, r, kh, resH)
			if st.vce == NN {
				copy(resB, resH)
			} else {
				zb.at(i, r, kb, resB)
			}
			scH.add(s, i, a, resH, r[:p+1], kh)
			if qReg {
				for j := range aq {
					aq[j] = kh * r[j]
				}
				scB.add(s, i, aq, resB, r, kh)
			} else {
				scB.add(s, i, qrow, resB, r, kb)
			}
		})
		out := sideOut{betaP: fp.beta}
		bcm := mat.NewDense(p+1, nc, bc)
		for l := range nc {
			var v mat.VecDense
			v.MulVec(fp.inv, bcm.ColView(l))
			out.betaBC = append(out.betaBC, v.RawVector().Data)
		}
		if len(s.z) > 0 {
			out.zwz, out.zwy = covParts(fp, nOut)
		}
		out.vcl = func(sv []float64) float64 { return st.sandwich(fp, scH, sv, nu) }
		out.vrb = func(sv []float64) float64 {
			switch {
			case qReg:
				return st.sandwich(fq, scB, sv, nu)
			case scB.kind > 1:
				return sandwichEntry(fp.inv, meatQQ(scB, fq.gram, fq.inv, sv), nu)
			}
			return sandwichEntry(fp.inv, scB.meat(sv, q+1), nu)
		}
		return out, nil
	}
	var lo, ro sideOut
	err := bothSides(func() (err error) {
		if lo, err = fitSide(st.l, res.H[0], res.B[0], 0); err != nil {
			return fmt.Errorf("below the cutoff: %w", err)
		}
		return nil
	}, func() (err error) {
		if ro, err = fitSide(st.r, res.H[1], res.B[1], 1); err != nil {
			return fmt.Errorf("above the cutoff: %w", err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	var gamma *mat.Dense
	if len(st.l.z) > 0 {
		// γ is pooled over both sides.
		var zwz, zwy mat.Dense
		zwz.Add(lo.zwz, ro.zwz)
		zwy.Add(lo.zwy, ro.zwy)
		if gamma, err = covGamma(&zwz, &zwy); err != nil {
			return err
		}
	}
	f := factorial(nu)
	jump := func(bl, br [][]float64, col int) float64 {
		return f * (adjusted(br, nu, col, nOut, gamma) - adjusted(bl, nu, col, nOut, gamma))
	}
	tauCL, tauBC := jump(lo.betaP, ro.betaP, 0), jump(lo.betaBC, ro.betaBC, 0)
	s := adjustment(0, 0, false, gamma)
	if res.Fuzzy {
		tTcl, tTbc := jump(lo.betaP, ro.betaP, 1), jump(lo.betaBC, ro.betaBC, 1)
		tYcl, tYbc := tauCL, tauBC
		res.FirstStage = tTcl
		tauCL = tYcl / tTcl
		tauBC = tauCL - ((tYcl-tYbc)/tTcl - tYcl/(tTcl*tTcl)*(tTcl-tTbc))
		s = adjustment(tYcl, tTcl, true, gamma)
	}
	vcl := f * f * (lo.vcl(s) + ro.vcl(s))
	vrb := f * f * (lo.vrb(s) + ro.vrb(s))
	z := distuv.UnitNormal.Quantile(0.5 + o.Level/2)
	line := func(coef, v float64) Line {
		se := math.Sqrt(v)
		zs := coef / se
		return Line{Coef: coef, SE: se, Z: zs, P: 2 * distuv.UnitNormal.CDF(-math.Abs(zs)), Low: coef - z*se, High: coef + z*se}
	}
	res.Conventional = line(tauCL, vcl)
	res.BiasCorrected = line(tauBC, vcl)
	res.Robust = line(tauBC, vrb)
	return nil
}

// countDistinctF counts the distinct values of sorted data.
func countDistinctF(x []float64) int {
	n := 0
	for i := range x {
		if i == 0 || x[i] != x[i-1] {
			n++
		}
	}
	return n
}
