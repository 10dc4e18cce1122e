package invariance

import (
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/floats"
)

// AscentOptions configures the worst-case risk ascent (spec §1.4). The
// zero value gives the sound defaults; with Reference set, zero fields take
// the reference code's values instead.
type AscentOptions struct {
	LR float64 // Adam step size; 0 means 0.02
	// Iters caps the number of steps; 0 means 3000, or the reference's
	// 10000 with Reference. Without a penalty the ascent can keep climbing
	// slowly by pushing X_M to where the predictor extrapolates, so the cap
	// decides when the estimate (a lower bound on h*) is read off.
	Iters    int
	LogEvery int     // record the MSE every LogEvery steps; 0 means 10
	Patience int     // stop after this many records within MinDelta; 0 means 100, negative: never
	MinDelta float64 // 0 means 0.01
	// Lambda is the weight penalty λ·Σ‖W‖_F (unsquared Frobenius norms of
	// the weight matrices of every J_m). 0 means none, or the reference's
	// 0.01 with Reference; negative means none.
	Lambda float64
	// Hidden is the number of hidden units of each J_m; 0 means
	// max(4, |PA_M(m)|), or the reference's max(2, |PA_M(m)|/2).
	Hidden int
	// Reference selects the reference code's values for the zero fields
	// (λ = 0.01 and the smaller networks). Its penalty biases the estimate
	// down: on the closed-form case of spec §5.3 it keeps the adversary
	// from reaching h* (the optimal intervention needs steep sigmoids), and
	// two hidden units often stall at the saddle J ≡ 0.
	Reference bool
	// SGD steps by plain gradient descent instead of Adam (the reference's
	// IMPC variant: LR 0.05, no penalty, no early stopping).
	SGD bool
}

// hidden is the number of hidden units of J for a mutable with k parents.
func (o AscentOptions) hidden(k int) int {
	switch {
	case o.Hidden > 0:
		return o.Hidden
	case o.Reference:
		return max(2, k/2)
	}
	return max(4, k)
}

func (o AscentOptions) withDefaults() AscentOptions {
	if o.LR == 0 {
		o.LR = 0.02
	}
	if o.Iters == 0 {
		o.Iters = 3000
		if o.Reference {
			o.Iters = 10000
		}
	}
	if o.LogEvery == 0 {
		o.LogEvery = 10
	}
	if o.Patience == 0 {
		o.Patience = 100
	}
	if o.MinDelta == 0 {
		o.MinDelta = 0.01
	}
	if o.Lambda == 0 && o.Reference {
		o.Lambda = 0.01
	}
	if o.Lambda < 0 {
		o.Lambda = 0
	}
	return o
}

// Adversary describes the shifts the worst-case ascent searches over: the
// mutable variables, each set by an intervention function of its parents
// (MutableParents), and the descendants regenerated from their structural
// equations afterwards.
type Adversary struct {
	Order          []string            // X_M and the regenerated nodes, in topological order
	MutableParents map[string][]string // inputs of J_m for each mutable m
	Regen          map[string][]string // parents of each regenerated node
	Equations      map[string]Function // structural equation of each regenerated node
	// Noise, when set, is added to each regenerated node (one value per
	// row, fixed during the ascent): the resampled residuals of its
	// equation. Nil means noise-free regeneration.
	Noise map[string][]float64
	Init  Init // initialisation of the intervention networks
}

// WorstCaseRisk estimates h*(S') = sup over intervention functions g of
// E[(Y − f(X_S', X_M))²] under do(X_M := g(PA_M)) by gradient ascent over
// one-hidden-layer sigmoid networks J_m (spec §1.4): each step sets X_M :=
// J(PA_M) on the rows of data, regenerates the descendants, evaluates the
// frozen predictor f on inputs, and takes an Adam step on −MSE + λΣ‖W‖_F.
// It returns the last recorded (unpenalised) MSE and the record. data maps
// every variable name to its column; it is not modified.
func WorstCaseRisk(f Function, inputs []string, target string, data map[string][]float64, adv Adversary, opt AscentOptions, rng *rand.Rand) (float64, []float64) {
	opt = opt.withDefaults()
	y := data[target]
	n := len(y)
	type node struct {
		name   string
		inputs []string
		fn     Function
		net    *MLP // J_m (trainable) or an MLP equation (fast path)
		train  bool
		s      [][]float64 // hidden activations
		grad   []float64
		opt    optimizer
	}
	cur := map[string][]float64{}
	for k, v := range data {
		cur[k] = v
	}
	grads := map[string][]float64{}
	var nodes []*node
	for _, v := range adv.Order {
		nd := &node{name: v}
		if pa, ok := adv.MutableParents[v]; ok {
			h := opt.hidden(len(pa))
			nd.inputs, nd.train = pa, true
			nd.net = NewMLP(len(pa), h, adv.Init, rng)
			nd.grad = make([]float64, len(nd.net.theta))
			nd.opt = newOptimizer(opt.SGD, opt.LR, len(nd.net.theta))
		} else {
			nd.inputs = adv.Regen[v]
			nd.fn = adv.Equations[v]
			if m, ok := nd.fn.(*MLP); ok {
				nd.net = m
			}
		}
		if nd.net != nil {
			nd.s = newActs(nd.net.hidden, n)
		}
		cur[v] = make([]float64, n)
		grads[v] = make([]float64, n)
		nodes = append(nodes, nd)
	}
	var fs [][]float64
	fm, fast := f.(*MLP)
	if fast {
		fs = newActs(fm.hidden, n)
	}
	out := make([]float64, n)
	g := make([]float64, n)
	da := make([]float64, n)
	cols := func(names []string) [][]float64 {
		c := make([][]float64, len(names))
		for j, v := range names {
			c[j] = cur[v]
		}
		return c
	}
	// gradCols lists the gradient columns of computed inputs (nil for data).
	gradCols := func(names []string) [][]float64 {
		c := make([][]float64, len(names))
		for j, v := range names {
			c[j] = grads[v]
		}
		return c
	}
	nodeIn := make([][][]float64, len(nodes))
	nodeDin := make([][][]float64, len(nodes))
	for k, nd := range nodes {
		nodeIn[k], nodeDin[k] = cols(nd.inputs), gradCols(nd.inputs)
	}
	fin, fdin := cols(inputs), gradCols(inputs)
	es := earlyStop{patience: opt.Patience, minDelta: opt.MinDelta}
	var trace []float64
	for it := range opt.Iters {
		// Forward: intervene, regenerate, predict.
		for k, nd := range nodes {
			dst := cur[nd.name]
			if nd.net != nil {
				nd.net.forward(nodeIn[k], dst, nd.s)
			} else {
				nd.fn.Eval(nodeIn[k], dst)
			}
			if e := adv.Noise[nd.name]; e != nil && !nd.train {
				floats.Add(dst, e)
			}
		}
		if fast {
			fm.forward(fin, out, fs)
		} else {
			f.Eval(fin, out)
		}
		var mse float64
		for i := range out {
			r := y[i] - out[i]
			mse += r * r
			g[i] = 2 * r / float64(n) // ∂(−MSE)/∂out
		}
		mse /= float64(n)
		if it%opt.LogEvery == 0 {
			trace = append(trace, mse)
			if es.add(mse) {
				break
			}
		}
		// Backward through f, then the nodes in reverse order.
		for _, gv := range grads {
			clear(gv)
		}
		if fast {
			fm.backward(fin, fs, g, nil, fdin, da)
		} else {
			f.Grad(fin, g, fdin)
		}
		for k := len(nodes) - 1; k >= 0; k-- {
			nd := nodes[k]
			gv := grads[nd.name]
			if nd.train {
				clear(nd.grad)
			}
			if nd.net != nil {
				nd.net.backward(nodeIn[k], nd.s, gv, nd.grad, nodeDin[k], da)
			} else {
				nd.fn.Grad(nodeIn[k], gv, nodeDin[k])
			}
		}
		for _, nd := range nodes {
			if nd.train {
				nd.net.weightNorms(opt.Lambda, nd.grad)
				nd.opt.step(nd.net.theta, nd.grad)
			}
		}
	}
	if len(trace) == 0 {
		return math.NaN(), nil
	}
	return trace[len(trace)-1], slices.Clip(trace)
}
