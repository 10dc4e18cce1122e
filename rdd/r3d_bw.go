package rdd

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/causalkit/causalkit/estimators"
)

// R3DBandwidthSelection is the outcome of the bandwidth selector with its
// internals (the reference's r3d_bwselect return value).
type R3DBandwidthSelection struct {
	// H[j] is the bandwidth of grid point j (all equal for frechet), HDen
	// the first-stage bandwidth (NaN in a sharp design), both after the
	// optional coverage-error shrink.
	H    []float64 `json:"h"`
	HDen float64   `json:"h_den"`
	// PilotH and PilotHDen are the step-1 pilot bandwidths.
	PilotH    []float64 `json:"pilot_h"`
	PilotHDen float64   `json:"pilot_h_den"`
	// BPlus, BMinus, VPlus and VMinus are the step-2 bias and variance
	// terms per grid point, BDen and VDen those of the first stage (plus,
	// minus).
	BPlus  []float64  `json:"b_plus"`
	BMinus []float64  `json:"b_minus"`
	VPlus  []float64  `json:"v_plus"`
	VMinus []float64  `json:"v_minus"`
	BDen   [2]float64 `json:"b_den"`
	VDen   [2]float64 `json:"v_den"`
	// FX is the density estimate f̂_X(c).
	FX          float64           `json:"f_x"`
	PilotKernel estimators.Kernel `json:"pilot_kernel"`
	Fallbacks   []string          `json:"fallbacks,omitempty"`
}

// R3DBandwidths runs the bandwidth selector of R3DFromQuantiles on the
// quantile matrix q (columns on opt.Grid) without estimating. t is the
// treatment of a fuzzy design (nil if sharp). Only the options Cutoff,
// Method, S, Grid, Kernel, PilotKernel, Coverage and Compat matter.
//
// The selector is the reference's three-step plug-in (spec §2.9), with
// x = X − c, n units and order s:
//
//  1. pilot: f̂ = mean_i K(x_i/c_n)/c_n with c_n = 1.06·sd(x)·n^{−1/5};
//     kernel constants Γ_± = ∫K r rᵀ, Λ_± = ∫u^{s+1}K r, Ψ_± = ∫K² r rᵀ over
//     each half of [−1, 1]; per grid point and side a global OLS of Q[·,j]
//     on 1, x, …, x^{s+1} gives d_± = (s+1)!·coef_{s+1} and σ̂²_± = var(resid);
//     C = e₀ᵀΓ₊⁻¹Λ₊ d₊/(s+1)! − e₀ᵀΓ₋⁻¹Λ₋ d₋/(s+1)!,
//     C′ = (σ̂²₊ e₀ᵀΓ₊⁻¹Ψ₊Γ₊⁻¹e₀ + σ̂²₋ e₀ᵀΓ₋⁻¹Ψ₋Γ₋⁻¹e₀)/f̂, and
//     h_pilot = [C′/(2(s+1)C²)]^{1/(2s+3)} n^{−1/(2s+3)} (frechet: C² and C′
//     summed over the grid);
//  2. local fits of order s at h_pilot (PilotKernel) give
//     B_± = α̂_{±,s}/(s+1)! and the residual variances V_± = Σ ω_i ε̂_i²/Σ ω_i;
//  3. h = [((V₊+V₋)/f̂) / (2(s+1)(B₊−B₋)²)]^{1/(2s+3)} n^{−1/(2s+3)} per grid
//     point (simple) or with numerator and denominator summed over the grid
//     (frechet, IMSE); the first stage likewise with T; times
//     n^{−s/((2s+3)(s+3))} with Coverage.
//
// Whenever a bias term is at most 1e-14 in absolute value, or a bandwidth
// is not positive, Silverman's h = 1.06·sd(x)·n^{−1/(2s+1)} is used and
// reported in Fallbacks. In Compat mode the constants are Riemann sums on
// seq(−1, 1, length.out = 1000) with weight 2/1000 and ω_i is the pilot
// intercept weight w_i over the units with w_i > 0 (reference quirks 2 and
// 5); otherwise the constants are exact integrals and ω_i = K(x_i/h_pilot)
// over the pilot window.
func R3DBandwidths(x []float64, q *mat.Dense, t []float64, opt R3DOptions) (*R3DBandwidthSelection, error) {
	cfg, err := opt.resolve()
	if err != nil {
		return nil, err
	}
	xc, err := r3dCheckData(&cfg, x, q, t)
	if err != nil {
		return nil, err
	}
	return r3dSelect(&cfg, xc, q, t)
}

// r3dKernelConstants returns, for the plus (0) and minus (1) side,
// e₀ᵀΓ⁻¹Λ and e₀ᵀΓ⁻¹ΨΓ⁻¹e₀ of order s.
func r3dKernelConstants(k estimators.Kernel, s int, riemann bool) (bias, vari [2]float64, err error) {
	d := s + 1
	for side := range 2 {
		gam := mat.NewDense(d, d, nil)
		psi := mat.NewDense(d, d, nil)
		lam := mat.NewVecDense(d, nil)
		if riemann {
			// The reference's loop: g = seq(−1, 1, length.out = 1000), the
			// plus side g ≥ 0, the minus side g < 0, each term times 2/1000.
			const pts = 1000
			for i := range pts {
				g := -1 + float64(i)*(2.0/(pts-1))
				switch i {
				case 0:
					g = -1
				case pts - 1:
					g = 1
				}
				if (side == 0) != (g >= 0) {
					continue
				}
				kv := k.Weight(g)
				for a := range d {
					ra := math.Pow(g, float64(a))
					lam.SetVec(a, lam.AtVec(a)+math.Pow(g, float64(s+1))*kv*ra*(2.0/pts))
					for b := range d {
						rab := ra * math.Pow(g, float64(b))
						gam.Set(a, b, gam.At(a, b)+kv*rab*(2.0/pts))
						psi.Set(a, b, psi.At(a, b)+kv*kv*rab*(2.0/pts))
					}
				}
			}
		} else {
			sign := 1.0
			if side == 1 {
				sign = -1
			}
			mom := func(j int, sq bool) float64 { return math.Pow(sign, float64(j)) * r3dKernelMoment(k, j, sq) }
			for a := range d {
				lam.SetVec(a, mom(a+s+1, false))
				for b := range d {
					gam.Set(a, b, mom(a+b, false))
					psi.Set(a, b, mom(a+b, true))
				}
			}
		}
		var lu mat.LU
		lu.Factorize(gam)
		var e0 mat.VecDense // Γ⁻¹e₀ (Γ symmetric)
		e := mat.NewVecDense(d, nil)
		e.SetVec(0, 1)
		if err := lu.SolveVecTo(&e0, false, e); err != nil {
			return bias, vari, fmt.Errorf("rdd: r3d: kernel constants: %w", err)
		}
		bias[side] = mat.Dot(&e0, lam)
		var pe mat.VecDense
		pe.MulVec(psi, &e0)
		vari[side] = mat.Dot(&e0, &pe)
	}
	return bias, vari, nil
}

// r3dKernelMoment returns ∫₀¹ u^j K(u) du, or ∫₀¹ u^j K(u)² du when sq.
func r3dKernelMoment(k estimators.Kernel, j int, sq bool) float64 {
	f := func(a int) float64 { return 1 / float64(j+a+1) } // ∫₀¹ u^{j+a}
	switch {
	case k == estimators.Triangular && !sq:
		return f(0) - f(1)
	case k == estimators.Triangular:
		return f(0) - 2*f(1) + f(2)
	case k == estimators.Epanechnikov && !sq:
		return 0.75 * (f(0) - f(2))
	case k == estimators.Epanechnikov:
		return 0.5625 * (f(0) - 2*f(2) + f(4))
	case !sq:
		return 0.5 * f(0)
	}
	return 0.25 * f(0)
}

// r3dGlobalFit holds, per column, the step-1 global polynomial fit of one
// side: d = (s+1)!·coef_{s+1} and the residual variance.
type r3dGlobalFit struct {
	d, v   []float64
	failed int
}

// r3dGlobalPoly fits every column of y (rows = the side's units) on
// 1, x, …, x^{s+1} by least squares (QR), as the reference's
// fit_global_poly (lm with raw powers). With no more than s+1 units the
// reference skips the fit (d = 0, σ² = 0); a rank-deficient design, which
// lm would fit with aliased coefficients, falls back to d = 0, σ² = 1.
// Residual variances below machine epsilon become 1.
func r3dGlobalPoly(x []float64, y *mat.Dense, s int, skipSmall bool) r3dGlobalFit {
	n, m := y.Dims()
	g := r3dGlobalFit{d: make([]float64, m), v: make([]float64, m)}
	if skipSmall && n <= s+1 {
		return g
	}
	fail := func() r3dGlobalFit {
		for j := range m {
			g.d[j], g.v[j] = 0, 1
		}
		g.failed = m
		return g
	}
	if n <= s+1 {
		return fail()
	}
	k := s + 2
	xd := mat.NewDense(n, k, nil)
	for i, xi := range x {
		for a := range k {
			xd.Set(i, a, math.Pow(xi, float64(a)))
		}
	}
	var qr mat.QR
	qr.Factorize(xd)
	var r mat.Dense
	qr.RTo(&r)
	for a := range k {
		if math.Abs(r.At(a, a)) <= 1e-7*mat.Norm(xd.ColView(a), 2) {
			return fail()
		}
	}
	var beta mat.Dense
	if err := qr.SolveTo(&beta, false, y); err != nil {
		return fail()
	}
	var fitted mat.Dense
	fitted.Mul(xd, &beta)
	fact := r3dFactorial(s + 1)
	res := make([]float64, n)
	for j := range m {
		g.d[j] = beta.At(s+1, j) * fact
		for i := range n {
			res[i] = y.At(i, j) - fitted.At(i, j)
		}
		v := r3dVar(res)
		if math.IsNaN(v) || v < 0x1p-52 {
			v = 1
		}
		g.v[j] = v
	}
	return g
}

// r3dVar is the sample variance with divisor n−1.
func r3dVar(x []float64) float64 {
	var mu float64
	for _, v := range x {
		mu += v
	}
	mu /= float64(len(x))
	var ss float64
	for _, v := range x {
		ss += (v - mu) * (v - mu)
	}
	return ss / float64(len(x)-1)
}

func r3dFactorial(k int) float64 {
	f := 1.0
	for i := 2; i <= k; i++ {
		f *= float64(i)
	}
	return f
}

// r3dSelect is the bandwidth selector on centred data.
func r3dSelect(cfg *r3dConfig, xc []float64, q *mat.Dense, t []float64) (*R3DBandwidthSelection, error) {
	n, m := q.Dims()
	s := cfg.S
	nf := float64(n)
	simple := cfg.Method == R3DSimple
	fuzzy := t != nil
	bw := &R3DBandwidthSelection{HDen: math.NaN(), PilotHDen: math.NaN(), PilotKernel: cfg.PilotKernel,
		BDen: [2]float64{math.NaN(), math.NaN()}, VDen: [2]float64{math.NaN(), math.NaN()}}
	fallbacks := map[string]int{}
	var order []string
	fallback := func(what string) {
		if fallbacks[what] == 0 {
			order = append(order, what)
		}
		fallbacks[what]++
	}

	// Step 1: density, kernel constants, global fits, pilot bandwidths.
	sigma := math.Sqrt(r3dVar(xc))
	cn := 1.06 * sigma * math.Pow(nf, -1.0/5)
	var fsum float64
	for _, x := range xc {
		fsum += cfg.Kernel.Weight(x / cn)
	}
	bw.FX = fsum / nf / cn
	if !(bw.FX > 0) || math.IsInf(bw.FX, 0) {
		return nil, estimators.InputErrorf("rdd: r3d: bandwidth selection: no units near the cutoff for the density estimate (f̂ = %g)", bw.FX)
	}
	silverman := 1.06 * sigma * math.Pow(nf, -1/float64(2*s+1))
	expo := 1 / float64(2*s+3)
	nPow := math.Pow(nf, -expo)
	// plugIn returns [num/(2(s+1)den)]^{1/(2s+3)} n^{−1/(2s+3)}, or
	// Silverman's bandwidth when den ≤ 1e-14 (den is a square or |bias|)
	// or the result is not positive.
	plugIn := func(num, den, denCheck float64, what string) float64 {
		if denCheck > 1e-14 {
			h := math.Pow(num/(float64(2*(s+1))*den), expo) * nPow
			if h > 0 && !math.IsNaN(h) {
				return h
			}
		}
		fallback(what)
		return silverman
	}
	kb, kv, err := r3dKernelConstants(cfg.Kernel, s, cfg.Compat)
	if err != nil {
		return nil, err
	}
	fact := r3dFactorial(s + 1)
	var glob [2]r3dGlobalFit
	var globT [2]r3dGlobalFit
	for side := range 2 {
		rows := r3dSideRows(xc, side)
		xs := make([]float64, len(rows))
		ys := mat.NewDense(max(len(rows), 1), m, nil)
		for r, i := range rows {
			xs[r] = xc[i]
			ys.SetRow(r, q.RawRowView(i))
		}
		if len(rows) > 0 {
			glob[side] = r3dGlobalPoly(xs, ys, s, true)
		} else {
			glob[side] = r3dGlobalFit{d: make([]float64, m), v: make([]float64, m)}
		}
		if glob[side].failed > 0 {
			fallback("global pilot fit rank-deficient: d = 0, σ² = 1")
		}
		if fuzzy {
			ts := mat.NewDense(max(len(rows), 1), 1, nil)
			for r, i := range rows {
				ts.Set(r, 0, t[i])
			}
			globT[side] = r3dGlobalPoly(xs, ts, s, false)
		}
	}
	cBias := func(dp, dm float64) float64 { return kb[0]*(dp/fact) - kb[1]*(dm/fact) }
	cVar := func(vp, vm float64) float64 { return (vp*kv[0] + vm*kv[1]) / bw.FX }
	bw.PilotH = make([]float64, m)
	if simple {
		for j := range m {
			c := cBias(glob[0].d[j], glob[1].d[j])
			bw.PilotH[j] = plugIn(cVar(glob[0].v[j], glob[1].v[j]), c*c, math.Abs(c), "pilot bandwidth: Silverman's rule (zero bias term)")
		}
	} else {
		dq := (cfg.Grid[m-1] - cfg.Grid[0]) / float64(m-1)
		var a, v float64
		for j := range m {
			c := cBias(glob[0].d[j], glob[1].d[j])
			a += c * c
			v += cVar(glob[0].v[j], glob[1].v[j])
		}
		a *= dq
		v *= dq
		h := plugIn(v, a, a, "pilot bandwidth: Silverman's rule (zero integrated bias)")
		for j := range m {
			bw.PilotH[j] = h
		}
	}
	if fuzzy {
		c := cBias(globT[0].d[0], globT[1].d[0])
		bw.PilotHDen = plugIn(cVar(globT[0].v[0], globT[1].v[0]), c*c, math.Abs(c), "first-stage pilot bandwidth: Silverman's rule (zero bias term)")
	}

	// Step 2: pilot local fits of order s.
	bw.BPlus, bw.BMinus = make([]float64, m), make([]float64, m)
	bw.VPlus, bw.VMinus = make([]float64, m), make([]float64, m)
	bs := [2][]float64{bw.BPlus, bw.BMinus}
	vs := [2][]float64{bw.VPlus, bw.VMinus}
	for side, sd := range r3dSplit(xc) {
		fit, err := r3dFitSide(sd, q, bw.PilotH, s, cfg.PilotKernel, cfg.Workers, false)
		if err != nil {
			return nil, fmt.Errorf("rdd: r3d: bandwidth selection: pilot fit: %w", err)
		}
		for j := range m {
			bs[side][j] = fit.coef[s][j] / fact
			coef := make([]float64, s+1)
			for v := range coef {
				coef[v] = fit.coef[v][j]
			}
			col := func(i int) float64 { return q.At(i, j) }
			if vs[side][j] = r3dPilotVariance(cfg, sd.idx, sd.x, col, fit.w[j], coef, bw.PilotH[j]); math.IsNaN(vs[side][j]) {
				vs[side][j] = 0 // no positive weight: the reference keeps its initial 0
			}
		}
	}
	if fuzzy {
		for side, sd := range r3dSides {
			if err := r3dWindowError(xc, bw.PilotHDen, s, sd, cfg.PilotKernel, "first-stage pilot "); err != nil {
				return nil, fmt.Errorf("rdd: r3d: bandwidth selection: %w", err)
			}
			fit, err := estimators.LocPoly(xc, t, nil, bw.PilotHDen, s, sd, cfg.PilotKernel)
			if err != nil {
				return nil, fmt.Errorf("rdd: r3d: bandwidth selection: first-stage pilot fit: %w", err)
			}
			bw.BDen[side] = fit.Coef[s] / fact
			col := func(i int) float64 { return t[i] }
			idx := r3dSideRows(xc, side)
			xs, ws := make([]float64, len(idx)), make([]float64, len(idx))
			for r, i := range idx {
				xs[r], ws[r] = xc[i], fit.Weights[i]
			}
			v := r3dPilotVariance(cfg, idx, xs, col, ws, fit.Coef, bw.PilotHDen)
			if math.IsNaN(v) {
				v = globT[side].v[0] // no positive weight: the reference's fallback
				fallback("first-stage pilot variance: global residual variance")
			}
			bw.VDen[side] = v
		}
	}

	// Step 3: final bandwidths.
	bw.H = make([]float64, m)
	if simple {
		for j := range m {
			b := bw.BPlus[j] - bw.BMinus[j]
			bw.H[j] = plugIn((bw.VPlus[j]+bw.VMinus[j])/bw.FX, b*b, math.Abs(b), "bandwidth: Silverman's rule (zero bias difference)")
		}
	} else {
		dq := (cfg.Grid[m-1] - cfg.Grid[0]) / float64(m-1)
		var a, v float64
		for j := range m {
			b := bw.BPlus[j] - bw.BMinus[j]
			a += b * b
			v += (bw.VPlus[j] + bw.VMinus[j]) / bw.FX
		}
		a *= dq
		v *= dq
		h := plugIn(v, a, a, "bandwidth: Silverman's rule (zero integrated bias)")
		for j := range m {
			bw.H[j] = h
		}
	}
	if fuzzy {
		b := bw.BDen[0] - bw.BDen[1]
		bw.HDen = plugIn((bw.VDen[0]+bw.VDen[1])/bw.FX, b*b, math.Abs(b), "first-stage bandwidth: Silverman's rule (zero bias difference)")
	}
	if cfg.Coverage {
		f := math.Pow(nf, -float64(s)/float64((2*s+3)*(s+3)))
		for j := range bw.H {
			bw.H[j] *= f
		}
		bw.HDen *= f
	}
	for _, what := range order {
		bw.Fallbacks = append(bw.Fallbacks, fmt.Sprintf("%s (%d×)", what, fallbacks[what]))
	}
	return bw, nil
}

// r3dSideRows returns the indices of the units on the plus (0: x ≥ 0) or
// minus (1: x < 0) side.
func r3dSideRows(xc []float64, side int) []int {
	var rows []int
	for i, x := range xc {
		if (x >= 0) == (side == 0) {
			rows = append(rows, i)
		}
	}
	return rows
}

// r3dPilotVariance returns the step-2 residual variance Σ ω_i ε̂_i² / Σ ω_i
// with ε̂_i = y_i − r_s(x_i/h)ᵀα̂ over the units idx[r] (centred running
// variable x[r], intercept weight w[r] for r < len(w)): over the units with
// positive intercept weight, ω = w, in compat mode (0 if there is none, as
// the reference; NaN for the first stage, which the caller replaces); over
// the window, ω = K(x_i/h), otherwise.
func r3dPilotVariance(cfg *r3dConfig, idx []int, x []float64, y func(int) float64, w, coef []float64, h float64) float64 {
	var num, den float64
	for r, i := range idx[:len(w)] {
		om := w[r]
		if !cfg.Compat {
			om = cfg.PilotKernel.Weight(x[r] / h)
		}
		if !(om > 0) {
			continue
		}
		e := y(i) - r3dHorner(coef, x[r]/h)
		num += om * e * e
		den += om
	}
	if den == 0 {
		return math.NaN()
	}
	return num / den
}

// r3dHorner returns Σ_v c[v] u^v.
func r3dHorner(c []float64, u float64) float64 {
	var v float64
	for k := len(c) - 1; k >= 0; k-- {
		v = v*u + c[k]
	}
	return v
}
