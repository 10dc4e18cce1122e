package conjoint

import (
	"fmt"
	"math"

	"github.com/causalkit/causalkit/estimators"
)

// GameOptions configures SolveGame.
type GameOptions struct {
	Lambda  float64 // penalty weight λ > 0, the same for both parties
	Penalty Penalty
	// Restarts is the number of extra random starting points (both
	// parties drawn from flat Dirichlet laws) besides the design; the
	// equilibria found are compared to detect non-uniqueness.
	Restarts int
	Seed     uint64
	// Tol is the target fixed-point residual; 0 means 1e-14.
	Tol float64
	// MaxIter bounds the extragradient iterations per start; 0 means
	// 200000.
	MaxIter int
	Level   float64 // confidence level of the intervals; 0 means 0.95
}

// Equilibrium is a restricted (product-policy) Nash equilibrium of the
// penalised game: A maximises V − λ·Pen(π_A, p), B maximises
// (1 − V) − λ·Pen(π_B, p).
type Equilibrium struct {
	Pi          [2][][]float64 // π*_A, π*_B
	Rows        [2][]PolicyRow
	Value       float64 // V(π*_A, π*_B): party A's expected vote share
	ValueSE     float64 // its delta-method standard error (NaN without fitted models)
	DesignValue float64 // V(p, p)
	// VsDesign is party A's optimal policy when B plays the design
	// (the non-adversarial, "average case" policy) and its value.
	VsDesign      [][]float64
	VsDesignValue float64
	// NashGap is the larger of the two parties' best-response gains: how
	// much either could gain by deviating to its best product policy (found
	// by exact block-coordinate ascent from the equilibrium, the design
	// and random starts). Gaps holds them per party.
	NashGap    float64
	Gaps       [2]float64
	Residual   float64 // fixed-point residual of the block best responses
	Iterations int     // extragradient iterations from the design start
	Equilibria int     // distinct equilibria over the converged starts (1 = unique as far as seen)
	Spread     float64 // largest distance between equilibria found
	// Unconverged counts the random restarts that did not converge within
	// their budget (20 times the design start's iterations, at least
	// 20,000); they are not equilibria and are left out of Equilibria.
	Unconverged int
}

// SolveGame finds the equilibrium by simultaneous extragradient play
// (Korpelevich; the look-ahead of both parties from the same point, both
// updated with the gradients at the joint look-ahead): projected steps for
// L2, entropic mirror steps for KL, with exact gradients (the payoffs are
// multilinear in the blocks; gradients contract w_A = Mπ_B and w_B = Mᵀπ_A).
// The step size halves whenever the residual stalls. The result's Nash gap
// certifies the equilibrium.
func SolveGame(g *Game, opt GameOptions) (*Equilibrium, error) {
	if !(opt.Lambda > 0) || math.IsInf(opt.Lambda, 0) {
		return nil, estimators.InputErrorf("conjoint: game: λ must be positive and finite, got %v", opt.Lambda)
	}
	o, err := g.ops()
	if err != nil {
		return nil, err
	}
	tol := opt.Tol
	if tol == 0 {
		tol = 1e-14
	}
	maxIter := opt.MaxIter
	if maxIter == 0 {
		maxIter = 200000
	}
	p := o.p
	var eqs [][2][][]float64
	var best *Equilibrium
	budget := maxIter
	for r := 0; r <= opt.Restarts; r++ {
		start := [2][][]float64{p, p}
		if r > 0 {
			start = [2][][]float64{dirichletStart(p, opt.Seed, uint64(2*r)), dirichletStart(p, opt.Seed, uint64(2*r+1))}
		}
		pi, iters, resid := o.extragradient(start, opt.Penalty, opt.Lambda, tol, budget)
		if r == 0 {
			best = &Equilibrium{Pi: pi, Iterations: iters, Residual: resid}
			if resid > 1e-8 {
				return nil, fmt.Errorf("conjoint: game: extragradient did not converge (residual %.3g after %d iterations); try a larger λ", resid, iters)
			}
			// A restart that needs far longer than the design start is
			// cycling, not converging; it gets a bounded budget.
			budget = min(maxIter, max(20*iters, 20000))
		} else if resid > 1e-8 {
			best.Unconverged++
			continue
		}
		eqs = append(eqs, pi)
	}
	e := best
	distinct := [][2][][]float64{eqs[0]}
	for _, q := range eqs[1:] {
		d := math.Max(maxDiff(q[0], eqs[0][0]), maxDiff(q[1], eqs[0][1]))
		e.Spread = math.Max(e.Spread, d)
		seen := false
		for _, s := range distinct {
			if math.Max(maxDiff(q[0], s[0]), maxDiff(q[1], s[1])) < 1e-7 {
				seen = true
			}
		}
		if !seen {
			distinct = append(distinct, q)
		}
	}
	e.Equilibria = len(distinct)
	wA, wB := o.payoffs(e.Pi[0], e.Pi[1])
	e.Value = dotProfiles(o, e.Pi[0], wA)
	wpA, _ := o.payoffs(p, p)
	e.DesignValue = dotProfiles(o, p, wpA)
	// Best responses: A against π*_B (payoff w_A), B against π*_A
	// (payoff −w_B, up to the constant 1).
	negB := make([]float64, len(wB))
	for t, v := range wB {
		negB[t] = -v
	}
	for k, w := range [][]float64{wA, negB} {
		obj := &tableObj{dims: o.dims, h: w}
		own := obj.value(e.Pi[k]) - opt.Lambda*opt.Penalty.value(e.Pi[k], p)
		bestF := own
		starts := [][][]float64{e.Pi[k], p}
		for r := 1; r <= 4+opt.Restarts; r++ {
			starts = append(starts, dirichletStart(p, opt.Seed+1000, uint64(10*r+k)))
		}
		for _, s := range starts {
			br, _, _ := solveBCA(obj, p, opt.Penalty, opt.Lambda, s, 1e-15, 100000)
			bestF = math.Max(bestF, obj.value(br)-opt.Lambda*opt.Penalty.value(br, p))
		}
		e.Gaps[k] = bestF - own
	}
	e.NashGap = math.Max(e.Gaps[0], e.Gaps[1])
	// Non-adversarial policy: A's optimum against the design.
	vs := &tableObj{dims: o.dims, h: wpA}
	e.VsDesign, _, _ = solveBCA(vs, p, opt.Penalty, opt.Lambda, p, 1e-15, 100000)
	e.VsDesignValue = vs.value(e.VsDesign)
	se := e.deltaSE(g, opt)
	level := opt.Level
	if level == 0 {
		level = 0.95
	}
	z := estimators.Normal.Quantile(0.5 + level/2)
	r := 1
	for k := range 2 {
		for a, at := range g.Design.Attributes {
			for l, name := range at.Levels {
				pr, s := e.Pi[k][a][l], se[r]
				e.Rows[k] = append(e.Rows[k], PolicyRow{Attribute: at.Name, Level: name, Probability: pr,
					StdError: s, ConfLow: pr - z*s, ConfHigh: pr + z*s, Design: p[a][l]})
				r++
			}
		}
	}
	e.ValueSE = se[0]
	return e, nil
}

// deltaSE returns the delta-method standard errors of (V*, π*_A, π*_B)
// when the game's models were fitted from data (NaN otherwise): the
// Jacobian of the equilibrium with respect to each model's coefficients by
// central differences (step 1e-5; each perturbed game re-solved from the
// equilibrium to the same tolerance), and Var = Σ_j J_j Σ_j J_jᵀ over the
// four models (their cross-covariances ignored, as strategize does).
func (e *Equilibrium) deltaSE(g *Game, opt GameOptions) []float64 {
	nOut := 1
	for _, b := range e.Pi[0] {
		nOut += 2 * len(b)
	}
	se := make([]float64, nOut)
	for i := range se {
		se[i] = math.NaN()
	}
	for _, m := range g.fitted {
		if m == nil || m.Cov == nil {
			return se
		}
	}
	tol := opt.Tol
	if tol == 0 {
		tol = 1e-14
	}
	flat := func(pi [2][][]float64, v float64) []float64 {
		out := []float64{v}
		for k := range 2 {
			for _, b := range pi[k] {
				out = append(out, b...)
			}
		}
		return out
	}
	variance := make([]float64, nOut)
	for j, m := range g.fitted {
		K := len(m.Coef)
		jac := make([][]float64, nOut)
		for r := range jac {
			jac[r] = make([]float64, K)
		}
		for c := range K {
			if j >= 2 && c == 0 {
				continue // the primary contest has no intercept
			}
			var sides [2][]float64
			for s, sign := range []float64{1, -1} {
				coef := append([]float64(nil), m.Coef...)
				h := 1e-5
				coef[c] += sign * h
				pm := partyModel(&Model{Design: m.Design, code: m.code, Coef: coef}, j < 2)
				gg := *g
				if j < 2 {
					gg.General[j] = pm
				} else {
					gg.Primary[j-2] = pm
				}
				o, err := gg.ops()
				if err != nil {
					return se
				}
				pi, _, _ := o.extragradient(e.Pi, opt.Penalty, opt.Lambda, tol, 200000)
				wA, _ := o.payoffs(pi[0], pi[1])
				sides[s] = flat(pi, dotProfiles(o, pi[0], wA))
			}
			for r := range nOut {
				jac[r][c] = (sides[0][r] - sides[1][r]) / 2e-5
			}
		}
		for r := range nOut {
			variance[r] += seOf(jac[r], m.Cov) * seOf(jac[r], m.Cov)
		}
	}
	for r := range se {
		se[r] = math.Sqrt(variance[r])
	}
	return se
}

func dotProfiles(o *gameOps, pi [][]float64, w []float64) float64 {
	var v float64
	for t, q := range profileProbs(pi, o.levels) {
		v += q * w[t]
	}
	return v
}

// gradients returns the block gradients of each party's payoff: ∂V/∂π_A,d
// for A and −∂V/∂π_B,d for B.
func (o *gameOps) gradients(z [2][][]float64) [2][][]float64 {
	wA, wB := o.payoffs(z[0], z[1])
	var g [2][][]float64
	for k, w := range [][]float64{wA, wB} {
		g[k] = make([][]float64, len(o.dims))
		for d := range o.dims {
			g[k][d] = contract(w, o.dims, weightsExcept(z[k], d))
			if k == 1 {
				for l := range g[k][d] {
					g[k][d][l] = -g[k][d][l]
				}
			}
		}
	}
	return g
}

// residual is max |π − blockMax(g(π))| over both parties and all blocks.
func (o *gameOps) residual(z, g [2][][]float64, pen Penalty, lambda float64) float64 {
	var r float64
	for k := range 2 {
		for d := range o.dims {
			br := make([]float64, o.dims[d])
			blockMax(pen, g[k][d], o.p[d], lambda, br)
			for l, v := range br {
				r = math.Max(r, math.Abs(v-z[k][d][l]))
			}
		}
	}
	return r
}

// step moves every block of both parties along its payoff gradient g (plus
// the penalty's) with step size eta: a projected step for L2, an entropic
// mirror step for KL.
func (o *gameOps) step(z, g [2][][]float64, pen Penalty, lambda, eta float64) [2][][]float64 {
	var out [2][][]float64
	for k := range 2 {
		out[k] = make([][]float64, len(o.dims))
		for d := range o.dims {
			p := o.p[d]
			pi := z[k][d]
			v := make([]float64, len(pi))
			if pen == L2 {
				for l := range v {
					v[l] = pi[l] + eta*(g[k][d][l]-2*lambda*(pi[l]-p[l]))
				}
				estimators.ProjectSimplex(v, v)
			} else {
				mx := math.Inf(-1)
				for l := range v {
					if p[l] == 0 || pi[l] == 0 {
						v[l] = math.Inf(-1)
						continue
					}
					v[l] = math.Log(pi[l]) + eta*(g[k][d][l]+lambda*p[l]/pi[l])
					mx = math.Max(mx, v[l])
				}
				var s float64
				for l := range v {
					v[l] = math.Exp(v[l] - mx)
					s += v[l]
				}
				for l := range v {
					v[l] /= s
				}
			}
			out[k][d] = v
		}
	}
	return out
}

// extragradient runs the simultaneous extragradient iteration from start
// until the fixed-point residual is at most tol. The step starts large
// (4/(λ+1) for KL, 2/(2λ+1) for L2) and halves, from the best iterate so
// far, when the residual blows up (100 times the best) or stalls for 200
// iterations.
func (o *gameOps) extragradient(start [2][][]float64, pen Penalty, lambda, tol float64, maxIter int) ([2][][]float64, int, float64) {
	z := start
	eta := 2 / (2*lambda + 1)
	if pen == KL {
		eta = 4 / (lambda + 1)
	}
	bestResid := math.Inf(1)
	bestZ := z
	stall := 0
	var resid float64
	it := 0
	for it = 1; it <= maxIter; it++ {
		g := o.gradients(z)
		resid = o.residual(z, g, pen, lambda)
		if resid <= tol {
			break
		}
		switch {
		case math.IsNaN(resid) || resid > 100*bestResid:
			eta /= 2
			z, stall = bestZ, 0
			g = o.gradients(z)
		case resid < 0.999*bestResid:
			bestResid, bestZ, stall = resid, z, 0
		default:
			if stall++; stall > 200 {
				eta /= 2
				stall = 0
				bestResid = resid
			}
		}
		look := o.step(z, g, pen, lambda, eta)
		z = o.step(z, o.gradients(look), pen, lambda, eta)
	}
	if math.IsNaN(resid) || resid > bestResid {
		g := o.gradients(bestZ)
		z, resid = bestZ, o.residual(bestZ, g, pen, lambda)
	}
	return z, min(it, maxIter), resid
}
