package conjoint

import (
	"fmt"
	"math"

	"github.com/causalkit/causalkit/estimators"
)

// CrossfitResult holds the cross-fitted, doubly robust estimates of a
// policy's value (strategize's crossfit_q).
type CrossfitResult struct {
	Folds int
	// Policy, Design and Gain are the Hájek doubly robust values of the
	// learned policy, of the design and their difference, with
	// respondent-clustered standard errors from their linearisations.
	Policy, Design, Gain Value
	// The policy's other estimates: inverse propensity (mean w·y), its
	// self-normalised version, the model's plug-in value (mean μ_π) and the
	// plain doubly robust mean μ_π + w(y − m).
	IPS, SNIPS, PlugIn, DR float64
	// ESS is the effective sample size (Σw)²/Σw² of the importance
	// weights, out of N units.
	ESS float64
	N   int
}

// Crossfit estimates the value of the policy learned with popt out of
// fold: respondents are split into folds; for each fold the outcome model
// and the policy π are fitted on the other folds, and every unit of the
// fold (a profile; a pair for pairwise models, valued for its first
// profile against the second) contributes
//
//	ψ = μ_π + w·(y − m),  w = Π_d π_d(t_d)/p_d(t_d),
//
// with μ_π the training model's value of π, m its prediction for the unit
// and t the (first) profile. The Hájek estimate is mean μ_π + Σw(y − m)/Σw;
// the design's value uses w = 1 and the same models, and the gain is the
// difference. Standard errors are respondent-clustered
// (√(Σ_g (Σ_{i∈g} ψ̃_i)²)/n with ψ̃ the linearised, centred contributions).
func Crossfit(d *Design, x *Data, mopt ModelOptions, popt PolicyOptions, folds int, seed uint64) (*CrossfitResult, error) {
	if err := x.Validate(d); err != nil {
		return nil, err
	}
	if err := popt.check(); err != nil {
		return nil, err
	}
	if folds == 0 {
		folds = 2
	}
	resp, g := dense(x.Respondent)
	if g < 2*folds {
		return nil, estimators.InputErrorf("conjoint: %d respondents for %d folds", g, folds)
	}
	perm := estimators.Stream(seed, 1).Perm(g)
	fold := make([]int, g)
	for r, q := range perm {
		fold[q] = r % folds
	}
	p := d.Probs()
	// Units: profiles, or (first, second) pairs.
	var first, second []int
	if mopt.Pairwise {
		var err error
		if first, second, err = x.pairRows(); err != nil {
			return nil, err
		}
	} else {
		first = make([]int, x.N())
		for i := range first {
			first[i] = i
		}
	}
	n := len(first)
	psi := make([]float64, n) // μ_π per unit
	muP := make([]float64, n) // μ_p per unit
	w := make([]float64, n)
	res := make([]float64, n) // y − m
	cl := make([]int, n)
	for k := range folds {
		var train []int
		for i, r := range resp {
			if fold[r] != k {
				train = append(train, i)
			}
		}
		m, err := FitModel(d, x.subset(train), mopt)
		if err != nil {
			return nil, fmt.Errorf("conjoint: crossfit fold %d: %w", k+1, err)
		}
		obj, err := valueObjective(m, m.Coef, p)
		if err != nil {
			return nil, err
		}
		pi, ok := closedForm(m, p, popt.Penalty, popt.Lambda)
		if !ok {
			r, err := optimizeObj(obj, p, popt)
			if err != nil {
				return nil, fmt.Errorf("conjoint: crossfit fold %d: %w", k+1, err)
			}
			pi = r.Pi
		}
		vPi, vP := obj.value(pi), obj.value(p)
		for u, i := range first {
			if fold[resp[i]] != k {
				continue
			}
			eta := m.eta(x, i)
			if mopt.Pairwise {
				eta += m.Coef[0] - m.eta(x, second[u])
			}
			wi := 1.0
			for a := range d.Attributes {
				l := x.Levels[a][i]
				wi *= pi[a][l] / p[a][l]
			}
			psi[u], muP[u], w[u] = vPi, vP, wi
			res[u] = x.Y[i] - m.Link.inv(eta)
			cl[u] = resp[i]
		}
	}
	out := &CrossfitResult{Folds: folds, N: n}
	var sw, sw2, swr, swy, smu, sdr float64
	for u, i := range first {
		sw += w[u]
		sw2 += w[u] * w[u]
		swr += w[u] * res[u]
		swy += w[u] * x.Y[i]
		smu += psi[u]
		sdr += psi[u] + w[u]*res[u]
	}
	nf := float64(n)
	out.IPS, out.SNIPS, out.PlugIn, out.DR = swy/nf, swy/sw, smu/nf, sdr/nf
	out.ESS = sw * sw / sw2
	// Hájek values and their linearisations.
	rPi := swr / sw
	var sres float64
	for u := range n {
		sres += res[u]
	}
	rP := sres / nf
	lp := make([]float64, n)
	ld := make([]float64, n)
	var vPi, vDes float64
	wbar := sw / nf
	for u := range n {
		vPi += psi[u]
		vDes += muP[u]
		lp[u] = psi[u] + w[u]*(res[u]-rPi)/wbar
		ld[u] = muP[u] + (res[u] - rP)
	}
	vPi, vDes = vPi/nf+rPi, vDes/nf+rP
	gain := make([]float64, n)
	for u := range n {
		gain[u] = lp[u] - ld[u]
	}
	level := popt.Level
	if level == 0 {
		level = 0.95
	}
	out.Policy = newValue(vPi, clusteredMeanSE(lp, cl), level)
	out.Design = newValue(vDes, clusteredMeanSE(ld, cl), level)
	out.Gain = newValue(vPi-vDes, clusteredMeanSE(gain, cl), level)
	return out, nil
}

// clusteredMeanSE is the cluster-robust standard error of a mean,
// √(G/(G−1)·Σ_g (Σ_{i∈g} (v_i − v̄))²)/n: the CR0G error of the
// intercept-only least-squares fit.
func clusteredMeanSE(v []float64, cl []int) float64 {
	one := make([]float64, len(v))
	for i := range one {
		one[i] = 1
	}
	ls, err := estimators.WLS([][]float64{one}, v, []string{"mean"}, estimators.LSOptions{})
	if err != nil {
		return math.NaN()
	}
	cov, err := clusterCov(ls, estimators.CR0G, cl)
	if err != nil {
		return math.NaN()
	}
	return math.Sqrt(cov.V.At(0, 0))
}

// eta returns the linear predictor θ₀ + f(t) of row i's profile.
func (m *Model) eta(x *Data, i int) float64 {
	e := m.Coef[0]
	for a := range m.Design.Attributes {
		if j, ok := m.code.main[[2]int{a, x.Levels[a][i]}]; ok {
			e += m.Coef[j]
		}
	}
	for _, p := range m.code.pairs {
		if j, ok := m.code.inter[[4]int{p[0], x.Levels[p[0]][i], p[1], x.Levels[p[1]][i]}]; ok {
			e += m.Coef[j]
		}
	}
	return e
}
