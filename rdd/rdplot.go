package rdd

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/causalkit/causalkit/estimators"
)

// PlotOptions configure Plot. Start from DefaultPlotOptions (rdplot's
// defaults): the zero value asks for p = 0. Zero NBins, H and Scale mean
// "select", "the whole range of that side" and 1; a zero Kernel is the
// uniform kernel, an empty BinSelect is "esmv" and a zero Level is 0.95.
type PlotOptions struct {
	Cutoff float64
	P      int    // order of the global polynomial fitted on each side
	NBins  [2]int // bins (left, right); 0 selects them with BinSelect
	// BinSelect is the bin selector: es, espr, esmv, esmvpr (evenly
	// spaced) or qs, qspr, qsmv, qsmvpr (quantile spaced); "mv" selects the
	// mimicking-variance number of bins instead of the IMSE-optimal one, and
	// "pr" estimates the variance by polynomial regression instead of
	// spacings. It also fixes the spacing of bins given by NBins.
	BinSelect string
	Kernel    estimators.Kernel // weights of the polynomial fit
	H         [2]float64        // bandwidths of the polynomial fit; 0 = the range of the side
	// Scale multiplies the selected numbers of bins (0 = 1). rdplot leaves
	// a non-integer product as is and then fails; Plot truncates it (as the
	// Python rdrobust does), at least 1 bin.
	Scale [2]float64
	Level float64 // confidence level of the bin intervals
	// MassPoints: with Adjust, when 20 % or more of the running variable's
	// values on a side repeat, the spacings selectors es, esmv, qs and qsmv
	// are replaced by their polynomial-regression versions; Check only
	// warns; Off does neither.
	MassPoints MassPoints
}

// DefaultPlotOptions returns rdplot's defaults: cutoff 0, a global
// polynomial of order 4 fitted with the uniform kernel on the whole range
// of each side, the mimicking-variance evenly-spaced bins (esmv), 95 %
// intervals and mass-point adjustment.
func DefaultPlotOptions() PlotOptions {
	return PlotOptions{P: 4, BinSelect: "esmv", Kernel: estimators.Uniform, Level: 0.95, MassPoints: Adjust}
}

// Bin is one non-empty bin of an RD plot (a row of rdplot's vars_bins).
type Bin struct {
	Side int // −1 below the cutoff, +1 above
	// Index is the bin's position among the J bins of its side, counted
	// from the left (1 … J); empty bins are not reported, so Index may skip.
	Index int
	// Low and High are the bin's edges and Mid their midpoint
	// (rdplot_min_bin, rdplot_max_bin, rdplot_mean_bin).
	Low, High, Mid float64
	// MeanX and MeanY are the means of the running variable and of the
	// outcome in the bin (unweighted, as rdplot), SE = sd(y)/√N (0 for a
	// single observation) and CILow, CIHigh = MeanY ∓ t_{N−1} SE with the
	// Student quantile at Level (at least one degree of freedom).
	MeanX, MeanY, SE float64
	N                int
	CILow, CIHigh    float64
}

// PlotResult is an RD plot: binned means and global polynomial fits.
type PlotResult struct {
	Bins []Bin // left bins in increasing x, then right bins
	// CurveX and CurveY are the fitted polynomial on 500 evenly spaced
	// points of [c − h, c] (left) and [c, c + h] (right), rdplot's
	// vars_poly; with covariates the curve is evaluated at their means.
	CurveX, CurveY [2][]float64
	// J are the numbers of bins used; JIMSE and JMV the IMSE-optimal and
	// mimicking-variance numbers of the selector's family (0 when not
	// finite, e.g. an outcome without variance on a side).
	J, JIMSE, JMV [2]int
	// BinSelect is the selector actually used (after a mass-point switch);
	// with NBins given it still sets the spacing.
	BinSelect string
	// Coef are the coefficients of the polynomials in x − c (low order
	// first), rdplot's coef; covariate-adjusted with covariates.
	Coef [2][]float64
	// Edges are the J+1 bin edges of each side (rdplot's jumps).
	Edges [2][]float64
	H     [2]float64 // bandwidths of the polynomial fits
	N     [2]int     // observations on each side
	NH    [2]int     // observations with positive kernel weight
	// Scale is the scale applied to the selected numbers of bins and
	// RScale = J/JIMSE the implied scale (0 when JIMSE is not positive).
	Scale, RScale [2]float64
	// BinAvg and BinMed are the mean and median bin lengths of each side
	// (over all J bins).
	BinAvg, BinMed [2]float64
	// CovCoef are the coefficients of the covariates (rdplot's coef_covs)
	// in the order the covariates are used (by length of name, stably);
	// DroppedCovs lists covariates dropped as collinear.
	CovCoef     []float64
	CovNames    []string
	DroppedCovs []string
	Warnings    []string
}

// plotMaxBins bounds the number of bins on a side (a selected number above
// it means the selector broke down; ask for NBins instead).
const plotMaxBins = 10_000_000

var plotSelectors = []string{"es", "espr", "esmv", "esmvpr", "qs", "qspr", "qsmv", "qsmvpr"}

// plotSide is the sample on one side of the cutoff in input order, and x
// and y sorted by x (ties in input order, as R's order).
type plotSide struct {
	x, y, w []float64
	z       [][]float64
	xs, ys  []float64
	rng     float64 // c − min(x) (left) or max(x) − c (right)
}

// Plot computes rdplot's RD plot (Calonico, Cattaneo and Titiunik 2015):
// the data-driven number of bins of each side (IMSE-optimal or
// mimicking-variance, evenly or quantile spaced), the bin means with their
// intervals, and global polynomial fits of order P on each side. Data.T and
// Data.Cluster are not used; Data.Weights weight the polynomial fits only
// (the bin means are unweighted, as in rdplot). With covariates (Data.Covs)
// the polynomial is covariate-adjusted and the curve evaluated at the
// covariates' means (rdplot's covs_eval = "mean"); the bin means of the
// outcome are unchanged by them (rdplot's within-bin means of fitted values
// of y on the covariates and bin dummies equal the plain means).
//
// Differences from rdplot 4.0.0, all where rdplot misbehaves: rdplot reports
// the edges of the left bins in the wrong rows when a left bin is empty
// (rdplot_min_bin_l[rev(-rdplot_bin_l)]); Bin.Low and Bin.High are each
// bin's own edges (rdplot's columns are Edges[0] at those positions).
// Negative weights are an error (rdplot silently drops those rows). A
// non-integer Scale·J is truncated (rdplot fails). Points that rounding of
// the outer bin edges leaves outside them join the outermost bin (rdplot
// gives them a bin with no edges, or fails). rdplot's support, subset,
// covs_eval = "0", covs_drop = FALSE and ginv.tol are not offered.
//
// Errors on bad input wrap estimators.ErrInput: fewer than 20
// observations, fewer than 2 on a side, a cutoff not strictly inside the
// range of x, non-finite values, negative weights, invalid options, or a
// selector that breaks down (set NBins then).
func Plot(d *Data, opt PlotOptions) (*PlotResult, error) {
	if d == nil {
		return nil, estimators.InputErrorf("rdd: plot: no data")
	}
	if err := opt.normalize(); err != nil {
		return nil, err
	}
	n := len(d.X)
	if len(d.Y) != n || (d.Weights != nil && len(d.Weights) != n) {
		return nil, estimators.InputErrorf("rdd: plot: y has %d values, x %d and weights %d; they must have the same length", len(d.Y), n, len(d.Weights))
	}
	for _, c := range []struct {
		name string
		v    []float64
	}{{"y", d.Y}, {"x", d.X}, {"weights", d.Weights}} {
		if err := estimators.CheckFinite(c.name, c.v); err != nil {
			return nil, fmt.Errorf("rdd: plot: %w", err)
		}
	}
	for i, w := range d.Weights {
		if w < 0 {
			return nil, estimators.InputErrorf("rdd: plot: weight %g in row %d; weights must be non-negative", w, i+1)
		}
	}
	keep, covNames, dropped, err := plotCovariates(d)
	if err != nil {
		return nil, err
	}
	if n < 20 {
		return nil, estimators.InputErrorf("rdd: plot: %d observations; rdplot needs at least 20", n)
	}
	c := opt.Cutoff
	xmin, xmax := slices.Min(d.X), slices.Max(d.X)
	if !(c > xmin && c < xmax) {
		return nil, estimators.InputErrorf("rdd: plot: the cutoff %g is outside the range [%g, %g] of the running variable; it must lie strictly inside", c, xmin, xmax)
	}
	res := &PlotResult{CovNames: covNames, DroppedCovs: dropped}
	var sides [2]*plotSide
	for k := range sides {
		sides[k] = &plotSide{}
	}
	for i, x := range d.X {
		s := sides[1]
		if x < c {
			s = sides[0]
		}
		s.x = append(s.x, x)
		s.y = append(s.y, d.Y[i])
		if d.Weights != nil {
			s.w = append(s.w, d.Weights[i])
		}
	}
	for _, j := range keep {
		for _, s := range sides {
			s.z = append(s.z, make([]float64, 0, len(s.x)))
		}
		for i, x := range d.X {
			k := 1
			if x < c {
				k = 0
			}
			sides[k].z[len(sides[k].z)-1] = append(sides[k].z[len(sides[k].z)-1], d.Covs[j][i])
		}
	}
	sides[0].rng, sides[1].rng = c-xmin, xmax-c
	for k, s := range sides {
		if len(s.x) < 2 {
			return nil, estimators.InputErrorf("rdd: plot: %d observation(s) %s the cutoff; need at least 2 on each side", len(s.x), [2]string{"below", "above"}[k])
		}
		s.sortByX()
		res.N[k] = len(s.x)
	}

	// Mass points: switch the spacings selectors to the polynomial-regression
	// ones.
	sel := opt.BinSelect
	if opt.MassPoints != Off {
		mass := false
		for _, s := range sides {
			m := countDistinctF(s.xs)
			if 1-float64(m)/float64(len(s.x)) >= 0.2 {
				mass = true
			}
		}
		if mass {
			res.Warnings = append(res.Warnings, "mass points detected in the running variable")
			if opt.MassPoints == Adjust {
				switch sel {
				case "es", "esmv", "qs", "qsmv":
					sel += "pr"
				}
			}
		}
	}
	res.BinSelect = sel

	// Global polynomial fits of order p.
	hs := opt.H
	for k, s := range sides {
		if hs[k] == 0 {
			hs[k] = s.rng
		}
	}
	res.H = hs
	fits := [2]plotFit{}
	for k, s := range sides {
		f, err := s.globalFit(c, hs[k], opt.P, opt.Kernel)
		if err != nil {
			return nil, fmt.Errorf("rdd: plot: %s the cutoff: %w", [2]string{"below", "above"}[k], err)
		}
		fits[k] = f
		res.NH[k] = f.nh
	}
	gammaZ := 0.0 // the covariates' contribution at their means
	for k := range sides {
		res.Coef[k] = slices.Clone(fits[k].beta[0])
	}
	if len(keep) > 0 {
		var zwz, zwy mat.Dense
		zwz.Add(fits[0].zwz, fits[1].zwz)
		zwy.Add(fits[0].zwy, fits[1].zwy)
		g, err := covGamma(&zwz, &zwy)
		if err != nil {
			return nil, fmt.Errorf("rdd: plot: %w", err)
		}
		for j, col := range keep {
			gj := g.At(j, 0)
			res.CovCoef = append(res.CovCoef, gj)
			for k := range sides {
				for a := range res.Coef[k] {
					res.Coef[k][a] -= gj * fits[k].beta[1+j][a]
				}
			}
			var m float64
			for _, v := range d.Covs[col] {
				m += v
			}
			gammaZ += m / float64(n) * gj
		}
	}
	const nplot = 500
	for k := range sides {
		lo, hi := c-hs[0], c
		if k == 1 {
			lo, hi = c, c+hs[1]
		}
		xs := plotSeqLen(lo, hi, nplot)
		ys := make([]float64, nplot)
		for i, x := range xs {
			ys[i] = plotHorner(res.Coef[k], x-c) + gammaZ
		}
		res.CurveX[k], res.CurveY[k] = xs, ys
	}

	// Numbers of bins.
	nf := float64(n)
	var jIMSE, jMV, jSel [2]float64
	quantile := sel[0] == 'q'
	for k, s := range sides {
		st, err := s.binStats()
		if err != nil {
			return nil, fmt.Errorf("rdd: plot: bin selection %s the cutoff: %w", [2]string{"below", "above"}[k], err)
		}
		pr := sel == "espr" || sel == "esmvpr" || sel == "qspr" || sel == "qsmvpr"
		var b, v float64
		switch {
		case !quantile:
			b = s.rng * s.rng / (12 * nf) * st.sumMu1
			v = 0.5 / s.rng * st.sumDxDy2
			if pr {
				v = 1 / s.rng * st.sumDxSig
			}
		default:
			ns := float64(len(s.x))
			b = ns * ns / (24 * nf) * st.sumDx2Mu1
			v = 1 / (2 * ns) * st.sumDy2
			if pr {
				v = 1 / ns * st.sumSig
			}
		}
		jIMSE[k] = math.Ceil(math.Pow(2*b/v*nf, 1.0/3))
		jMV[k] = math.Ceil(st.varY / v * (nf / (math.Log(nf) * math.Log(nf))))
		if sel == "esmv" || sel == "esmvpr" || sel == "qsmv" || sel == "qsmvpr" {
			jSel[k] = jMV[k]
		} else {
			jSel[k] = jIMSE[k]
		}
		res.JIMSE[k], res.JMV[k] = plotInt(jIMSE[k]), plotInt(jMV[k])
		scale := opt.Scale[k]
		if scale == 0 {
			scale = 1
		}
		res.Scale[k] = scale
		jSel[k] = math.Floor(scale * jSel[k])
		if opt.NBins[k] > 0 {
			jSel[k] = float64(opt.NBins[k])
		}
		if st.varY == 0 {
			jSel[k] = 1
			res.Warnings = append(res.Warnings, fmt.Sprintf("the outcome does not vary %s the cutoff: one bin", [2]string{"below", "above"}[k]))
		}
		if !(jSel[k] >= 1 && jSel[k] <= plotMaxBins) {
			return nil, estimators.InputErrorf("rdd: plot: the %s selector gives %g bins %s the cutoff; set NBins", sel, jSel[k], [2]string{"below", "above"}[k])
		}
		res.J[k] = int(jSel[k])
		if jIMSE[k] > 0 && !math.IsInf(jIMSE[k], 0) {
			res.RScale[k] = jSel[k] / jIMSE[k]
		}
	}

	// Bins, their means and intervals.
	level := opt.Level
	tq := map[int]float64{}
	for k, s := range sides {
		J := res.J[k]
		var edges []float64
		if quantile {
			edges = s.quantileEdges(J)
		} else {
			lo, hi := xmin, c
			if k == 1 {
				lo, hi = c, xmax
			}
			edges = plotSeqBy(lo, hi, s.rng/float64(J), J)
		}
		res.Edges[k] = edges
		// The sorted sample fills the bins in order: bin b (0-based) holds
		// the observations from start[b] to start[b+1].
		start := plotBinStarts(edges, s.xs)
		cnt := make([]int, J)
		sx, sy, ss := make([]float64, J), make([]float64, J), make([]float64, J)
		for b := range J {
			lo, hi := start[b], start[b+1]
			if cnt[b] = hi - lo; cnt[b] == 0 {
				continue
			}
			for i := lo; i < hi; i++ {
				sx[b] += s.xs[i]
				sy[b] += s.ys[i]
			}
			sx[b] /= float64(cnt[b])
			sy[b] /= float64(cnt[b])
			for i := lo; i < hi; i++ {
				e := s.ys[i] - sy[b]
				ss[b] += e * e
			}
		}
		lengths := make([]float64, J)
		for b := range J {
			lengths[b] = edges[b+1] - edges[b]
			res.BinAvg[k] += lengths[b]
		}
		res.BinAvg[k] /= float64(J)
		slices.Sort(lengths)
		if J%2 == 1 {
			res.BinMed[k] = lengths[J/2]
		} else {
			res.BinMed[k] = (lengths[J/2-1] + lengths[J/2]) / 2
		}
		for b := range J {
			if cnt[b] == 0 {
				continue
			}
			bn := Bin{Side: 2*k - 1, Index: b + 1, Low: edges[b], High: edges[b+1], Mid: (edges[b] + edges[b+1]) / 2,
				MeanX: sx[b], MeanY: sy[b], N: cnt[b]}
			if cnt[b] > 1 {
				bn.SE = math.Sqrt(ss[b]/float64(cnt[b]-1)) / math.Sqrt(float64(cnt[b]))
			}
			df := max(cnt[b]-1, 1)
			q, ok := tq[df]
			if !ok {
				q = -distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(df)}.Quantile((1 - level) / 2)
				tq[df] = q
			}
			bn.CILow, bn.CIHigh = bn.MeanY-q*bn.SE, bn.MeanY+q*bn.SE
			res.Bins = append(res.Bins, bn)
		}
	}
	return res, nil
}

func (o *PlotOptions) normalize() error {
	if o.BinSelect == "" {
		o.BinSelect = "esmv"
	}
	if o.Kernel == 0 {
		o.Kernel = estimators.Uniform
	}
	if o.Level == 0 {
		o.Level = 0.95
	}
	switch {
	case math.IsNaN(o.Cutoff) || math.IsInf(o.Cutoff, 0):
		return estimators.InputErrorf("rdd: plot: the cutoff must be finite")
	case o.P < 0:
		return estimators.InputErrorf("rdd: plot: p = %d; the polynomial order must be non-negative", o.P)
	case o.P > 20:
		return estimators.InputErrorf("rdd: plot: p = %d; global polynomials of order above 20 are not supported", o.P)
	case !slices.Contains(plotSelectors, o.BinSelect):
		return estimators.InputErrorf("rdd: plot: unknown binselect %q; use es, espr, esmv, esmvpr, qs, qspr, qsmv or qsmvpr", o.BinSelect)
	case !o.Kernel.Valid():
		return estimators.InputErrorf("rdd: plot: invalid kernel")
	case !(o.Level > 0 && o.Level < 1):
		return estimators.InputErrorf("rdd: plot: level %g must be in (0, 1)", o.Level)
	case o.MassPoints != Adjust && o.MassPoints != Check && o.MassPoints != Off:
		return estimators.InputErrorf("rdd: plot: invalid mass-point policy %d", o.MassPoints)
	}
	for k := range 2 {
		switch {
		case o.NBins[k] < 0 || o.NBins[k] > plotMaxBins:
			return estimators.InputErrorf("rdd: plot: nbins %d must be between 1 and %d (0 selects)", o.NBins[k], plotMaxBins)
		case !(o.H[k] >= 0) || math.IsInf(o.H[k], 0):
			return estimators.InputErrorf("rdd: plot: bandwidth %g must be positive (0 for the whole range)", o.H[k])
		case !(o.Scale[k] >= 0) || math.IsInf(o.Scale[k], 0):
			return estimators.InputErrorf("rdd: plot: scale %g must be positive (0 for 1)", o.Scale[k])
		}
	}
	return nil
}

// plotCovariates validates the covariates and returns the indices of those
// used, in rdplot's order, with their names and the names of those dropped
// as collinear.
func plotCovariates(d *Data) (keep []int, names, dropped []string, err error) {
	if len(d.Covs) == 0 {
		return nil, nil, nil, nil
	}
	if d.CovNames != nil && len(d.CovNames) != len(d.Covs) {
		return nil, nil, nil, estimators.InputErrorf("rdd: plot: %d covariates and %d names", len(d.Covs), len(d.CovNames))
	}
	dd := *d
	if dd.CovNames == nil {
		for j := range d.Covs {
			dd.CovNames = append(dd.CovNames, "z"+strconv.Itoa(j+1))
		}
	}
	for j, c := range d.Covs {
		if len(c) != len(d.X) {
			return nil, nil, nil, estimators.InputErrorf("rdd: plot: covariate %q has %d values, x %d", dd.CovNames[j], len(c), len(d.X))
		}
	}
	for j, c := range d.Covs {
		if err := estimators.CheckFinite(dd.CovNames[j], c); err != nil {
			return nil, nil, nil, fmt.Errorf("rdd: plot: covariates: %w", err)
		}
	}
	keep, dropped = covariatesKept(dd.CovNames, d.Covs)
	for _, j := range keep {
		names = append(names, dd.CovNames[j])
	}
	return keep, names, dropped, nil
}

// sortByX fills xs and ys, x and y sorted by x with ties in input order.
func (s *plotSide) sortByX() {
	ord := estimators.Argsort(s.x)
	s.xs, s.ys = make([]float64, len(ord)), make([]float64, len(ord))
	for a, i := range ord {
		s.xs[a], s.ys[a] = s.x[i], s.y[i]
	}
}

// plotFit is the weighted polynomial fit of one side: the coefficients of
// y and of each covariate, and the covariates' partialled cross-products.
type plotFit struct {
	beta     [][]float64 // beta[0] for y, beta[1+j] for covariate j
	zwz, zwy *mat.Dense
	nh       int
}

// globalFit fits [y, z…] on (x − c)^0…p with weights K((x − c)/h)/h times
// the observation weights, inverting the Gram matrix by Cholesky (or the
// pseudo-inverse), as rdplot.
func (s *plotSide) globalFit(c, h float64, p int, kern estimators.Kernel) (plotFit, error) {
	k := p + 1
	nc := 1 + len(s.z)
	g := make([]float64, k*k)
	u := make([]float64, k*nc)    // RᵀWD, row-major k × nc
	dwd := make([]float64, nc*nc) // DᵀWD
	r := make([]float64, k)
	dv := make([]float64, nc)
	var f plotFit
	for i, x := range s.x {
		kw := kern.Weight((x-c)/h) / h
		if kw > 0 {
			f.nh++
		}
		if s.w != nil {
			kw *= s.w[i]
		}
		if kw == 0 {
			continue
		}
		pw := 1.0
		for j := range r {
			r[j] = pw
			pw *= x - c
		}
		dv[0] = s.y[i]
		for j, z := range s.z {
			dv[1+j] = z[i]
		}
		for a := range k {
			ra := kw * r[a]
			for b := a; b < k; b++ {
				g[a*k+b] += ra * r[b]
			}
			for j, v := range dv {
				u[a*nc+j] += ra * v
			}
		}
		if nc > 1 {
			for a, va := range dv {
				for b, vb := range dv {
					dwd[a*nc+b] += kw * va * vb
				}
			}
		}
	}
	gs := mat.NewSymDense(k, nil)
	for a := range k {
		for b := a; b < k; b++ {
			gs.SetSym(a, b, g[a*k+b])
		}
	}
	inv, err := plotInverse(gs)
	if err != nil {
		return plotFit{}, fmt.Errorf("global polynomial of order %d: %w", p, err)
	}
	um := mat.NewDense(k, nc, u)
	var beta mat.Dense
	beta.Mul(inv, um)
	for j := range nc {
		f.beta = append(f.beta, mat.Col(nil, j, &beta))
	}
	if nc > 1 {
		var uigu mat.Dense
		uigu.Mul(um.T(), &beta) // UᵀG⁻¹U
		var m mat.Dense
		m.Sub(mat.NewDense(nc, nc, dwd), &uigu)
		f.zwz = mat.DenseCopyOf(m.Slice(1, nc, 1, nc))
		f.zwy = mat.DenseCopyOf(m.Slice(1, nc, 0, 1))
	}
	return f, nil
}

// plotInverse returns G⁻¹ by Cholesky, as rdrobust's qrXXinv, or the
// pseudo-inverse (eigenvalues below √ε times the largest dropped, as
// MASS::ginv) when G is not positive definite.
func plotInverse(g *mat.SymDense) (*mat.SymDense, error) {
	k := g.SymmetricDim()
	for a := range k {
		for b := a; b < k; b++ {
			if v := g.At(a, b); math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, estimators.InputErrorf("the cross-products overflow; rescale the running variable")
			}
		}
	}
	var ch mat.Cholesky
	if ch.Factorize(g) {
		var inv mat.SymDense
		err := ch.InverseTo(&inv)
		var cond mat.Condition
		if err == nil || (errors.As(err, &cond) && !math.IsInf(float64(cond), 1)) {
			return &inv, nil
		}
	}
	var eig mat.EigenSym
	if !eig.Factorize(g, true) {
		return nil, estimators.InputErrorf("the eigendecomposition of the cross-products failed")
	}
	vals := eig.Values(nil)
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	top := slices.Max(vals)
	inv := mat.NewSymDense(k, nil)
	if !(top > 0) {
		return inv, nil // no observation with positive weight: ginv(0) = 0
	}
	for j, v := range vals {
		if v > math.Sqrt(2.220446049250313e-16)*top {
			inv.SymRankOne(inv, 1/v, vecs.ColView(j))
		}
	}
	return inv, nil
}

// plotStats are the sums the bin selectors need on one side.
type plotStats struct {
	varY      float64 // sample variance of y
	sumMu1    float64 // Σ μ̂′(x_i)²
	sumSig    float64 // Σ σ̂²(x_i)
	sumDxDy2  float64 // Σ Δx Δy² over the sorted sample
	sumDxSig  float64 // Σ Δx σ̂²(x̄)
	sumDx2Mu1 float64 // Σ Δx² μ̂′(x̄)²
	sumDy2    float64 // Σ Δy²
}

// binStats fits y and y² on x^0…k globally (raw x, unweighted, k = 4, or 3
// or 2 when the cross-products overflow) and computes the spacings and
// polynomial-regression sums of rdplot's bin selectors.
func (s *plotSide) binStats() (plotStats, error) {
	var st plotStats
	// Power sums Σx^m (m ≤ 8) and Σx^j y, Σx^j y² (j ≤ 4).
	var ps [9]float64
	var t1, t2 [5]float64
	var sy float64
	for i, x := range s.x {
		y := s.y[i]
		sy += y
		pw := 1.0
		for m := range ps {
			ps[m] += pw
			if m < len(t1) {
				t1[m] += pw * y
				t2[m] += pw * y * y
			}
			pw *= x
		}
	}
	my := sy / float64(len(s.y))
	for _, y := range s.y {
		st.varY += (y - my) * (y - my)
	}
	st.varY /= float64(len(s.y) - 1)
	var g1, g2 []float64
	for k := 4; ; k-- {
		finite := true
		for m := 0; m <= 2*k; m++ {
			if math.IsInf(ps[m], 0) || math.IsNaN(ps[m]) {
				finite = false
			}
		}
		if !finite {
			if k == 2 {
				return st, estimators.InputErrorf("the cross-products of the pilot polynomial overflow; rescale the running variable")
			}
			continue
		}
		g := mat.NewSymDense(k+1, nil)
		for a := 0; a <= k; a++ {
			for b := a; b <= k; b++ {
				g.SetSym(a, b, ps[a+b])
			}
		}
		inv, err := plotInverse(g)
		if err != nil {
			return st, err
		}
		var b1, b2 mat.VecDense
		b1.MulVec(inv, mat.NewVecDense(k+1, slices.Clone(t1[:k+1])))
		b2.MulVec(inv, mat.NewVecDense(k+1, slices.Clone(t2[:k+1])))
		g1, g2 = b1.RawVector().Data, b2.RawVector().Data
		break
	}
	// μ̂(x) = Σ g1_j x^j, μ̂₂(x) = Σ g2_j x^j, μ̂′(x) = Σ j g1_j x^(j−1).
	eval := func(x float64) (mu0, mu1, mu2 float64) {
		pw := 1.0
		for j := range g1 {
			mu0 += g1[j] * pw
			mu2 += g2[j] * pw
			if j+1 < len(g1) {
				mu1 += float64(j+1) * g1[j+1] * pw
			}
			pw *= x
		}
		return
	}
	sigma := func(mu0, mu2 float64) float64 {
		if v := mu2 - mu0*mu0; v >= 0 {
			return v
		}
		return st.varY
	}
	for _, x := range s.x {
		mu0, mu1, mu2 := eval(x)
		st.sumMu1 += mu1 * mu1
		st.sumSig += sigma(mu0, mu2)
	}
	for i := 1; i < len(s.xs); i++ {
		dx, dy := s.xs[i]-s.xs[i-1], s.ys[i]-s.ys[i-1]
		mu0, mu1, mu2 := eval((s.xs[i] + s.xs[i-1]) / 2)
		st.sumDxDy2 += dx * dy * dy
		st.sumDxSig += dx * sigma(mu0, mu2)
		st.sumDx2Mu1 += dx * dx * mu1 * mu1
		st.sumDy2 += dy * dy
	}
	return st, nil
}

// quantileEdges returns the sample quantiles (R's type 7) of the side's x
// at the probabilities seq(0, 1, 1/J), rdplot's quantile-spaced edges.
func (s *plotSide) quantileEdges(J int) []float64 {
	n := len(s.xs)
	sorted := func(i int) float64 { return s.xs[i] }
	by := 1 / float64(J)
	e := make([]float64, J+1)
	for i := range e {
		p := min(float64(i)*by, 1)
		idx := 1 + float64(n-1)*p
		lo := math.Floor(idx)
		hi := math.Ceil(idx)
		q := sorted(int(lo) - 1)
		if idx > lo {
			if xh := sorted(int(hi) - 1); xh != q {
				h := idx - lo
				q = (1-h)*q + h*xh
			}
		}
		e[i] = q
	}
	return e
}

// plotSeqBy returns R's seq(from, to, by) for the J bins of width by:
// from + i·by capped at to, i = 0…J.
func plotSeqBy(from, to, by float64, J int) []float64 {
	e := make([]float64, J+1)
	for i := range e {
		e[i] = min(from+float64(i)*by, to)
	}
	return e
}

// plotSeqLen returns R's seq(from, to, length.out = n), n > 2.
func plotSeqLen(from, to float64, n int) []float64 {
	s := make([]float64, n)
	step := (to - from) / float64(n-1)
	s[0], s[n-1] = from, to
	for i := 1; i < n-1; i++ {
		s[i] = from + float64(i)*step
	}
	return s
}

// plotBinStarts assigns sorted data to the J = len(edges)−1 bins as R's
// findInterval(x, edges, rightmost.closed = TRUE) does — x is in bin b
// (1-based) when edges[b] ≤ x < edges[b+1] (the largest such b with tied
// edges), and x equal to the last edge is in bin J — and returns the
// positions where the bins start: bin b (0-based) holds xs[start[b]:
// start[b+1]]. Points that rounding of the outer edges leaves outside go to
// the first or last bin (rdplot would give them a bin of their own, or
// fail).
func plotBinStarts(edges, xs []float64) []int {
	J := len(edges) - 1
	start := make([]int, J+1)
	i := 0
	for b := 1; b < J; b++ {
		// Bin b (0-based) starts at the first x ≥ edges[b].
		for i < len(xs) && xs[i] < edges[b] {
			i++
		}
		start[b] = i
	}
	start[J] = len(xs)
	return start
}

// plotHorner evaluates Σ b_j u^j.
func plotHorner(b []float64, u float64) float64 {
	v := 0.0
	for j := len(b) - 1; j >= 0; j-- {
		v = v*u + b[j]
	}
	return v
}

// plotInt converts a number of bins to int, 0 when not finite.
func plotInt(v float64) int {
	if !(v >= 0 && v <= math.MaxInt32) {
		return 0
	}
	return int(v)
}
