package conjoint

import (
	"fmt"
	"math"

	"github.com/causalkit/causalkit/estimators"
)

// Penalty is the regulariser that keeps a policy near the design p.
type Penalty int

const (
	// L2 is Pen(π, p) = Σ_d Σ_l (π_dl − p_dl)², the squared Euclidean
	// distance (the paper's "L2 variance regularization").
	L2 Penalty = iota
	// KL is Pen(π, p) = Σ_d Σ_l p_dl log(p_dl/π_dl) = KL(p‖π) (the design
	// first, as strategize's default penalty).
	KL
)

// String returns the name of p.
func (p Penalty) String() string {
	if p == KL {
		return "kl"
	}
	return "l2"
}

// penalty returns Pen(π, p).
func (p Penalty) value(pi, des [][]float64) float64 {
	var s float64
	for d := range pi {
		for l, q := range des[d] {
			if p == KL {
				if q > 0 {
					s += q * math.Log(q/pi[d][l])
				}
			} else {
				s += (pi[d][l] - q) * (pi[d][l] - q)
			}
		}
	}
	return s
}

// blockMax stores in dst the maximiser over the simplex of
//
//	gᵀπ − λ·Pen(π, p)
//
// for one block: for L2 the Euclidean projection Proj_Δ(p + g/(2λ)); for
// KL(p‖π) the stationary point π_l = λ p_l/(μ − g_l), with the unique
// μ > max_{l: p_l > 0} g_l that makes the π_l sum to one (π_l = 0 where
// p_l = 0), found by Newton's method from μ = max g + λ, where the sum is at
// most one; the sum is convex and decreasing in μ, so the iterates
// decrease monotonically to the root.
func blockMax(pen Penalty, g, p []float64, lambda float64, dst []float64) {
	if pen == L2 {
		for l := range dst {
			dst[l] = p[l] + g[l]/(2*lambda)
		}
		estimators.ProjectSimplex(dst, dst)
		return
	}
	gmax := math.Inf(-1)
	for l, q := range p {
		if q > 0 {
			gmax = max(gmax, g[l])
		}
	}
	mu := gmax + lambda
	for range 200 {
		var s, ds float64
		for l, q := range p {
			if q > 0 {
				r := 1 / (mu - g[l])
				s += lambda * q * r
				ds -= lambda * q * r * r
			}
		}
		step := (s - 1) / ds
		next := mu - step
		if next <= gmax {
			next = (mu + gmax) / 2
		}
		if math.Abs(next-mu) <= 1e-16*math.Max(1, math.Abs(mu)) {
			mu = next
			break
		}
		mu = next
	}
	var s float64
	for l, q := range p {
		dst[l] = 0
		if q > 0 {
			dst[l] = lambda * q / (mu - g[l])
			s += dst[l]
		}
	}
	for l := range dst {
		dst[l] /= s
	}
}

// solveBCA maximises F(π) = Q(π) − λ·Pen(π, p) by exact block-coordinate
// ascent from start: each step replaces π_d by the exact block maximiser
// given g_d = ∂Q/∂π_d (Q is linear in π_d, so the block problem is solved
// by blockMax), which never decreases F. It stops when a full sweep moves
// no probability by more than tol (or when moves below 1e-10 stop
// shrinking: rounding level), and returns the policy, the number of
// sweeps and the fixed-point residual max|π − blockMax(g(π))|.
func solveBCA(obj objective, p [][]float64, pen Penalty, lambda float64, start [][]float64, tol float64, maxSweeps int) (pi [][]float64, sweeps int, resid float64) {
	pi = make([][]float64, len(p))
	for d := range p {
		pi[d] = append([]float64(nil), start[d]...)
	}
	g := make([][]float64, len(p))
	nw := make([][]float64, len(p))
	for d := range p {
		g[d] = make([]float64, len(p[d]))
		nw[d] = make([]float64, len(p[d]))
	}
	minChange, stuck := math.Inf(1), 0
	for sweeps = 1; sweeps <= maxSweeps; sweeps++ {
		var change float64
		for d := range p {
			obj.blockGrad(pi, d, g[d])
			blockMax(pen, g[d], p[d], lambda, nw[d])
			for l, v := range nw[d] {
				change = max(change, math.Abs(v-pi[d][l]))
				pi[d][l] = v
			}
		}
		if change <= tol {
			break
		}
		// Rounding can keep the largest move a few ulps above tol when the
		// unprojected point p + g/(2λ) is large: stop when tiny moves have
		// not shrunk for ten sweeps.
		if change < minChange {
			minChange, stuck = change, 0
		} else if stuck++; change <= 1e-10 && stuck >= 10 {
			break
		}
	}
	sweeps = min(sweeps, maxSweeps)
	for d := range p {
		obj.blockGrad(pi, d, g[d])
		blockMax(pen, g[d], p[d], lambda, nw[d])
		for l, v := range nw[d] {
			resid = max(resid, math.Abs(v-pi[d][l]))
		}
	}
	return pi, sweeps, resid
}

// PolicyOptions configures Optimize.
type PolicyOptions struct {
	Lambda  float64 // penalty weight λ > 0
	Penalty Penalty
	// Restarts is the number of extra starting points (Dirichlet draws
	// from the seed) besides the design itself; the best local optimum is
	// reported. Concave problems (linear models without interactions, or a
	// large λ) need none.
	Restarts int
	Seed     uint64
	Level    float64 // confidence level of the intervals; 0 means 0.95
	// Tol is the convergence tolerance on the probabilities; 0 means 1e-14.
	Tol float64
	// MaxSweeps bounds the block-coordinate sweeps; 0 means 100000.
	MaxSweeps int
}

func (o PolicyOptions) check() error {
	if !(o.Lambda > 0) || math.IsInf(o.Lambda, 0) {
		return estimators.InputErrorf("conjoint: the penalty weight λ must be positive and finite, got %v", o.Lambda)
	}
	if o.Penalty != L2 && o.Penalty != KL {
		return estimators.InputErrorf("conjoint: unknown penalty %d", o.Penalty)
	}
	if o.Restarts < 0 {
		return estimators.InputErrorf("conjoint: negative number of restarts")
	}
	return nil
}

func (o PolicyOptions) tol() float64 {
	if o.Tol == 0 {
		return 1e-14
	}
	return o.Tol
}

func (o PolicyOptions) sweeps() int {
	if o.MaxSweeps == 0 {
		return 100000
	}
	return o.MaxSweeps
}

// PolicyRow is the optimal probability of one level.
type PolicyRow struct {
	Attribute   string  `json:"attribute"`
	Level       string  `json:"level"`
	Probability float64 `json:"probability"`
	StdError    float64 `json:"std_error"`
	ConfLow     float64 `json:"conf_low"`
	ConfHigh    float64 `json:"conf_high"`
	Design      float64 `json:"design"` // the design probability
}

// MarshalJSON encodes r with NaN as null.
func (r PolicyRow) MarshalJSON() ([]byte, error) {
	type plain PolicyRow
	return estimators.MarshalJSON(plain(r))
}

// Value is an estimated policy value with its delta-method standard error.
type Value struct {
	Estimate float64 `json:"estimate"`
	StdError float64 `json:"std_error"`
	ConfLow  float64 `json:"conf_low"`
	ConfHigh float64 `json:"conf_high"`
}

// MarshalJSON encodes v with NaN as null.
func (v Value) MarshalJSON() ([]byte, error) {
	type plain Value
	return estimators.MarshalJSON(plain(v))
}

func newValue(est, se, level float64) Value {
	z := estimators.Normal.Quantile(0.5 + level/2)
	return Value{Estimate: est, StdError: se, ConfLow: est - z*se, ConfHigh: est + z*se}
}

// PolicyResult is an optimal stochastic intervention.
type PolicyResult struct {
	// Pi[d][l] is the optimal probability of level l of attribute d.
	Pi [][]float64
	// SE holds the delta-method standard errors of Pi (0 at the
	// boundary; NaN when the model has no covariance).
	SE [][]float64
	// Rows lists every level's probability, in design order.
	Rows []PolicyRow
	// Value is Q(π*), the expected outcome under the policy (for pairwise
	// models the win probability against a design-drawn opponent when
	// shown first); DesignValue is Q(p).
	Value, DesignValue Value
	Objective          float64 // Q(π*) − λ·Pen(π*, p)
	Lambda             float64
	Penalty            Penalty
	Sweeps             int     // block-coordinate sweeps of the best start
	Residual           float64 // fixed-point residual max|π − blockMax(g(π))|
	// Optima is the number of distinct local optima found over the
	// starting points (more than one means the problem is not concave at
	// this λ and the reported optimum is the best found).
	Optima int
	// Method is "closed form" or "block-coordinate ascent".
	Method string
	// Jacobian is ∂(Q*, π*)/∂θ: row 0 the value, then the probabilities
	// of every level in design order; columns follow Model.Coef.
	Jacobian [][]float64
}

// Optimize finds the policy π* maximising Q(π) − λ·Pen(π, p) for model m,
// with p the design probabilities, by exact block-coordinate ascent
// (closed-form block maximisers, exact Q: no Monte Carlo, no smoothing),
// and its delta-method standard errors from the model's covariance by the
// implicit-function theorem at the optimum (see delta).
func Optimize(m *Model, opt PolicyOptions) (*PolicyResult, error) {
	if err := opt.check(); err != nil {
		return nil, err
	}
	p := m.Design.Probs()
	obj, err := newObjective(m, m.Coef, p)
	if err != nil {
		return nil, err
	}
	var res *PolicyResult
	if pi, ok := closedForm(m, p, opt.Penalty, opt.Lambda); ok {
		res = &PolicyResult{Pi: pi, Lambda: opt.Lambda, Penalty: opt.Penalty, Method: "closed form", Optima: 1,
			Objective: obj.value(pi) - opt.Lambda*opt.Penalty.value(pi, p), Residual: fixedPointResidual(obj, p, pi, opt)}
	} else if res, err = optimizeObj(obj, p, opt); err != nil {
		return nil, err
	}
	level := opt.Level
	if level == 0 {
		level = 0.95
	}
	if err := res.inference(m, obj, p, opt, level); err != nil {
		return nil, err
	}
	return res, nil
}

// optimizeObj runs the solver from the design and the random starts.
func optimizeObj(obj objective, p [][]float64, opt PolicyOptions) (*PolicyResult, error) {
	var best *PolicyResult
	var optima [][][]float64
	for r := 0; r <= opt.Restarts; r++ {
		start := p
		if r > 0 {
			start = dirichletStart(p, opt.Seed, uint64(r))
		}
		pi, sweeps, resid := solveBCA(obj, p, opt.Penalty, opt.Lambda, start, opt.tol(), opt.sweeps())
		f := obj.value(pi) - opt.Lambda*opt.Penalty.value(pi, p)
		distinct := true
		for _, o := range optima {
			if maxDiff(o, pi) < 1e-7 {
				distinct = false
			}
		}
		if distinct {
			optima = append(optima, pi)
		}
		if best == nil || f > best.Objective {
			best = &PolicyResult{Pi: pi, Objective: f, Sweeps: sweeps, Residual: resid, Lambda: opt.Lambda, Penalty: opt.Penalty,
				Method: "block-coordinate ascent"}
		}
	}
	best.Optima = len(optima)
	if best.Residual > 1e-8 {
		return nil, fmt.Errorf("conjoint: block-coordinate ascent did not converge (residual %.3g after %d sweeps)", best.Residual, best.Sweeps)
	}
	return best, nil
}

// dirichletStart draws a starting policy with each block from a flat
// Dirichlet (restricted to levels the design can show).
func dirichletStart(p [][]float64, seed, r uint64) [][]float64 {
	rng := estimators.Stream(seed, r)
	out := make([][]float64, len(p))
	for d := range p {
		out[d] = make([]float64, len(p[d]))
		var s float64
		for l, q := range p[d] {
			if q > 0 {
				out[d][l] = rng.ExpFloat64()
				s += out[d][l]
			}
		}
		for l := range out[d] {
			out[d][l] /= s
		}
	}
	return out
}

func maxDiff(a, b [][]float64) float64 {
	var m float64
	for d := range a {
		for l := range a[d] {
			m = max(m, math.Abs(a[d][l]-b[d][l]))
		}
	}
	return m
}

// fixedPointResidual returns max|π − blockMax(g(π))| over all blocks: zero
// exactly at a block-wise optimum.
func fixedPointResidual(obj objective, p, pi [][]float64, opt PolicyOptions) float64 {
	var r float64
	for d := range p {
		g := make([]float64, len(p[d]))
		nw := make([]float64, len(p[d]))
		obj.blockGrad(pi, d, g)
		blockMax(opt.Penalty, g, p[d], opt.Lambda, nw)
		for l, v := range nw {
			r = max(r, math.Abs(v-pi[d][l]))
		}
	}
	return r
}
