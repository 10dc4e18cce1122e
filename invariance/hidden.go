package invariance

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/causalkit/causalkit/estimators"
)

// HiddenICPOptions configures HiddenICP; the zero value is R's default
// (alpha 0.1, no intercept).
type HiddenICPOptions struct {
	Alpha     float64 // 0 means 0.1
	Intercept bool    // add a constant column (its results are not reported)
}

// HiddenICPResult is the outcome of HiddenICP; slices follow the variables.
type HiddenICPResult struct {
	Names    []string  `json:"names"`
	Beta     []float64 `json:"beta"`
	ConfLow  []float64 `json:"conf_low"`
	ConfHigh []float64 `json:"conf_high"`
	Maximin  []float64 `json:"maximin"`
	PValues  []float64 `json:"p_values"`
}

// HiddenICP is ICP under shift interventions with hidden variables
// (Rothenhäusler, Bühlmann and Meinshausen 2015), as R's hiddenICP
// (InvariantCausalPrediction 0.8, mode "asymptotic"). For each environment
// k (only the first when there are two), with "in" its rows and "out" the
// others,
//
//	β̂_k = (Σ_in − Σ_out)⁻¹ (ρ_in − ρ_out),  Σ = XᵀX/n, ρ = Xᵀy/n,
//
// its standard errors from the empirical variance of the influence
// terms Z_i = t_i (y_i − t_iᵀ Δρ), t_i = (ΔΣ)⁻¹x_i, in and out; the interval
// of each variable is the intersection over k of β̂_k ± qnorm(1 − α/(2K))·se
// (sorted, as R, so that an empty intersection comes out reversed), the
// p-value min_k 2K·P(|t_{n−1}| > |β̂_k|/se) capped at 1 (R does not cap), β̂
// the average of the β̂_k, and the maximin coefficient the largest in
// magnitude of sign(β̂_k)·max(0, |β̂_k| − qnorm·se).
func HiddenICP(x [][]float64, names []string, y []float64, env []int, opt HiddenICPOptions) (*HiddenICPResult, error) {
	if opt.Alpha == 0 {
		opt.Alpha = 0.1
	}
	if !(opt.Alpha > 0 && opt.Alpha < 1) {
		return nil, estimators.InputErrorf("hiddenICP: alpha %g must lie in (0, 1)", opt.Alpha)
	}
	n := len(y)
	cols := x
	if opt.Intercept {
		cols = append([][]float64{constant(n)}, x...)
	}
	p := len(cols)
	if n <= p {
		return nil, estimators.InputErrorf("hiddenICP: %d rows for %d variables; need more rows than variables", n, p)
	}
	groups, err := envGroups(env, n, 0)
	if err != nil {
		return nil, fmt.Errorf("hiddenICP: %w", err)
	}
	K := len(groups)
	kc := 1
	if K > 2 {
		kc = K
	}
	lo, hi := nanSlice(p), nanSlice(p)
	pv := make([]float64, p)
	beta := make([]float64, p)
	mm := make([]float64, p)
	for j := range pv {
		pv[j] = 1
	}
	tdist := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}
	zq := distuv.UnitNormal.Quantile(max(0.5, 1-opt.Alpha/(2*float64(K))))
	in := make([]bool, n)
	for k := range kc {
		clear(in)
		for _, i := range groups[k] {
			in[i] = true
		}
		ds := mat.NewDense(p, p, nil)
		drho := mat.NewVecDense(p, nil)
		nin, nout := float64(len(groups[k])), float64(n-len(groups[k]))
		for i := range n {
			w := -1 / nout
			if in[i] {
				w = 1 / nin
			}
			for a := range p {
				drho.SetVec(a, drho.AtVec(a)+w*cols[a][i]*y[i])
				for b := range p {
					ds.Set(a, b, ds.At(a, b)+w*cols[a][i]*cols[b][i])
				}
			}
		}
		var lu mat.LU
		lu.Factorize(ds)
		if c := lu.Cond(); c > 1e15 || math.IsInf(c, 0) {
			return nil, estimators.InputErrorf("hiddenICP: the second-moment difference of environment %d against the others is singular", k+1)
		}
		var bh mat.VecDense
		if err := lu.SolveVecTo(&bh, false, drho); err != nil {
			return nil, estimators.InputErrorf("hiddenICP: %v", err)
		}
		// Influence terms, in and out, and their variances.
		var sIn, sOut [][]float64
		xi := mat.NewVecDense(p, nil)
		for i := range n {
			for a := range p {
				xi.SetVec(a, cols[a][i])
			}
			var t mat.VecDense
			_ = lu.SolveVecTo(&t, false, xi)
			td := mat.Dot(&t, drho)
			z := make([]float64, p)
			for a := range p {
				z[a] = -t.AtVec(a)*td + y[i]*t.AtVec(a)
			}
			if in[i] {
				sIn = append(sIn, z)
			} else {
				sOut = append(sOut, z)
			}
		}
		for a := range p {
			b := bh.AtVec(a)
			sd := math.Sqrt(colVar(sIn, a)/nin + colVar(sOut, a)/nout)
			pv[a] = min(pv[a], 2*float64(K)*tdist.Survival(math.Abs(b)/max(1e-10, sd)))
			add := zq * sd
			lo[a] = nanMax(lo[a], b-add)
			hi[a] = nanMin(hi[a], b+add)
			m := sign(b) * max(0, math.Abs(b)-add)
			if k == 0 || math.Abs(m) > math.Abs(mm[a]) {
				mm[a] = m
			}
			beta[a] += b / float64(kc)
		}
	}
	for a := range p {
		if lo[a] > hi[a] {
			lo[a], hi[a] = hi[a], lo[a]
		}
		pv[a] = min(1, pv[a])
	}
	off := 0
	if opt.Intercept {
		off = 1
	}
	return &HiddenICPResult{Names: names, Beta: beta[off:], ConfLow: lo[off:], ConfHigh: hi[off:], Maximin: mm[off:], PValues: pv[off:]}, nil
}

// colVar is the sample variance (n − 1) of column a of the rows z.
func colVar(z [][]float64, a int) float64 {
	var m float64
	for _, r := range z {
		m += r[a]
	}
	m /= float64(len(z))
	var v float64
	for _, r := range z {
		d := r[a] - m
		v += d * d
	}
	return v / float64(len(z)-1)
}
