package invariance

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/causalkit/causalkit/estimators"
)

// Table is a data set: named numeric columns and an environment label per
// row.
type Table struct {
	Names   []string
	Columns [][]float64
	Env     []int
}

// Regressor selects the model class of the stable predictors and the
// structural equations.
type Regressor int

const (
	RegressorNeural Regressor = iota // one hidden sigmoid layer, Adam (the reference's NonLinearF)
	RegressorLinear                  // ordinary least squares with an intercept
)

// MinimaxOptions configures Minimax. The zero value is the sound default:
// neural regressors with random initialisation from the seed and
// regeneration with resampled residuals; Compat switches to the reference
// code's behaviour.
type MinimaxOptions struct {
	Regressor Regressor
	// Compat reproduces the reference implementation's choices (spec
	// §1.9): every network starts from the symmetric constant
	// initialisation, regenerated nodes get no residual noise, and X_do* is
	// permuted as pandas' sample(frac=1, random_state=Seed) does (numpy's
	// RandomState(Seed).permutation; the reference uses Seed 123, its IMPC
	// code 1234; Seed must then be below 2³²).
	Compat bool
	// NoiseFree regenerates descendants by their fitted conditional means
	// only (implied by Compat).
	NoiseFree bool
	// Predictor training (f_S'): hidden units (0: 12), Adam step (0: 0.02),
	// iterations (0: 10000), early stopping patience in iterations (0:
	// 1000, negative: none) and tolerance (0: 0.01).
	Hidden   int
	LR       float64
	Iters    int
	Patience int
	MinDelta float64
	// Validation is the fraction of rows held out to stop the training of
	// every network (predictors and structural equations) at its best
	// held-out loss, with patience ValPatience iterations (0: 200). 0 means
	// 0.2, negative means none; Compat implies none (the reference stops on
	// the training loss with Patience and MinDelta).
	Validation  float64
	ValPatience int
	// Structural equations m_v: hidden units EqHidden (0: max(1, |pa|/2)),
	// Adam step EqLR (0: 0.01), EqIters (0: 5000), early stopping patience
	// EqPatience iterations (0: 1000, negative: none) with tolerance 0.01.
	EqHidden   int
	EqLR       float64
	EqIters    int
	EqPatience int
	// Equations replaces the fitted structural equation of a node by a
	// known one (inputs: the node's parents in natural order, on the
	// standardised scale), as the reference's simulation mode does.
	Equations map[string]Function
	Ascent    AscentOptions
	// SGD trains the predictors and structural equations by plain gradient
	// descent instead of Adam (the reference's IMPC variant, with LR and
	// EqLR 0.01, five hidden units and no early stopping).
	SGD     bool
	Seed    uint64
	Workers int // classes evaluated in parallel; 0 means GOMAXPROCS
}

// ReferenceIMPC returns the options of the reference code's IMPC variant
// (spec §1.3–1.4; the authors' impc/findoptset.py): Compat (constant
// initialisation, noise-free regeneration, numpy's permutation) with every
// network trained by plain gradient descent — predictors and structural
// equations with five hidden units, step 0.01, 10001 and 5001 steps (its
// loops run num_iters + 1 times), the adversaries with five hidden units,
// step 0.05, ĥ the MSE after 10000 steps (recorded every 1000) — no early
// stopping and no weight penalty. The reference seeds the permutation with
// 1234.
func ReferenceIMPC() MinimaxOptions {
	return MinimaxOptions{Compat: true, SGD: true, Hidden: 5, LR: 0.01, Iters: 10001, Patience: -1,
		EqHidden: 5, EqLR: 0.01, EqIters: 5001, EqPatience: -1,
		Ascent: AscentOptions{SGD: true, Hidden: 5, LR: 0.05, Iters: 10001, LogEvery: 1000, Lambda: -1, Patience: -1}}
}

func (o MinimaxOptions) validation() float64 {
	switch {
	case o.Compat || o.Validation < 0:
		return 0
	case o.Validation == 0:
		return 0.2
	}
	return o.Validation
}

func (o MinimaxOptions) init() Init {
	if o.Compat {
		return InitConstant
	}
	return InitRandom
}

// ClassRisk is the evaluation of one equivalence class by its
// representative.
type ClassRisk struct {
	Class
	WorstCaseRisk float64   `json:"worst_case_risk"`
	Trace         []float64 `json:"-"` // the recorded MSE of the ascent
	TrainMSE      float64   `json:"train_mse"`
	// TestMSE is the MSE on each test environment (in order of first
	// appearance), each standardised with its own mean and sd as the
	// reference does; WorstTestMSE is their maximum (NaN without test data).
	TestMSE      []float64 `json:"test_mse,omitempty"`
	WorstTestMSE float64   `json:"worst_test_mse"`
	predictor    Function
}

// MinimaxResult is the outcome of the causal minimax subset search.
type MinimaxResult struct {
	// Subset is the chosen stable subset: the representative of the class
	// with the smallest estimated worst-case risk, or the whole stable set
	// when the graphical condition holds.
	Subset          []string    `json:"subset"`
	WholeSetOptimal bool        `json:"whole_set_optimal"`
	Components      *Components `json:"components"`
	Classes         []ClassRisk `json:"classes"`
	Chosen          int         `json:"chosen"` // index into Classes
	// Inputs are the predictor's inputs: Subset then the mutable variables.
	Inputs []string `json:"inputs"`
	// Mean and SD are the training standardisation of every column.
	Mean map[string]float64 `json:"mean"`
	SD   map[string]float64 `json:"sd"`
	Test []int              `json:"test_environments,omitempty"`
}

// Predictor returns the chosen predictor f_{S*} on the standardised scale
// (inputs: Inputs).
func (r *MinimaxResult) Predictor() Function { return r.Classes[r.Chosen].predictor }

// Predict evaluates the chosen predictor on raw-scale columns (in the order
// of Inputs) and returns raw-scale predictions of the target.
func (r *MinimaxResult) Predict(in [][]float64) []float64 {
	n := len(in[0])
	std := make([][]float64, len(in))
	for j, v := range r.Inputs {
		std[j] = make([]float64, n)
		for i, x := range in[j] {
			std[j][i] = (x - r.Mean[v]) / r.SD[v]
		}
	}
	out := make([]float64, n)
	r.Predictor().Eval(std, out)
	t := r.Components.Target
	for i := range out {
		out[i] = out[i]*r.SD[t] + r.Mean[t]
	}
	return out
}

// Minimax runs the causal minimax subset search (spec §1.7) of the target
// on the training table under the augmented graph g, whose environment
// node is env: it computes the graph components; if the whole stable set
// is optimal it fits f_{X_S} only, otherwise it enumerates the equivalence
// classes of stable subsets, fits the structural equations of the
// regenerated nodes, simulates do(X_do*), fits each representative's
// predictor on it and estimates its worst-case risk by the ascent, and
// chooses the class with the smallest estimate. When test is not nil (its
// own environments), every predictor's MSE on each test environment is
// reported too. Classes are evaluated in parallel, each from its own random
// streams, so results do not depend on Workers.
func Minimax(ctx context.Context, g *Graph, target, env string, train Table, test *Table, opt MinimaxOptions) (*MinimaxResult, error) {
	comps, err := NewComponents(g, target, env)
	if err != nil {
		return nil, err
	}
	d, err := prepare(g, env, train)
	if err != nil {
		return nil, err
	}
	var classes []Class
	if comps.WholeSetOptimal {
		classes = []Class{{Representative: comps.Stable, Free: []string{}}}
	} else if classes, err = EquivalenceClasses(comps.StableGraph(g), target); err != nil {
		return nil, err
	}
	sim, err := newSimulation(g, comps, d, opt)
	if err != nil {
		return nil, err
	}
	var testEnvs []map[string][]float64
	var testLabels []int
	if test != nil {
		if testEnvs, testLabels, err = standardizeEnvs(g, env, *test); err != nil {
			return nil, fmt.Errorf("test data: %w", err)
		}
	}
	res := &MinimaxResult{WholeSetOptimal: comps.WholeSetOptimal, Components: comps, Mean: d.mean, SD: d.sd, Test: testLabels}
	res.Classes = make([]ClassRisk, len(classes))
	err = parallelFor(ctx, len(classes), opt.Workers, func(c int) error {
		cr, err := sim.evaluate(classes[c], uint64(c), testEnvs)
		res.Classes[c] = cr
		return err
	})
	if err != nil {
		return nil, err
	}
	res.Chosen = 0
	for c, cr := range res.Classes {
		if cr.WorstCaseRisk < res.Classes[res.Chosen].WorstCaseRisk {
			res.Chosen = c
		}
	}
	res.Subset = res.Classes[res.Chosen].Representative
	res.Inputs = append(slices.Clone(res.Subset), comps.Mutable...)
	return res, nil
}

// dataset is a standardised training table keyed by variable.
type dataset struct {
	cols     map[string][]float64
	mean, sd map[string]float64
	n        int
}

// prepare checks that the table's columns are exactly the graph's variables
// other than env and standardises them (pooled mean, sample sd).
func prepare(g *Graph, env string, t Table) (*dataset, error) {
	if err := checkColumns(g, env, t); err != nil {
		return nil, err
	}
	n := len(t.Env)
	if _, err := envGroups(t.Env, n, len(t.Names)-1); err != nil {
		return nil, err
	}
	d := &dataset{cols: map[string][]float64{}, mean: map[string]float64{}, sd: map[string]float64{}, n: n}
	for j, v := range t.Names {
		c := t.Columns[j]
		if err := estimators.CheckFinite(v, c); err != nil {
			return nil, err
		}
		m, s2 := meanVar(c)
		s := math.Sqrt(s2)
		if !(s > 0) {
			return nil, estimators.InputErrorf("column %q is constant; it cannot be standardised", v)
		}
		d.mean[v], d.sd[v] = m, s
		z := make([]float64, n)
		for i, x := range c {
			z[i] = (x - m) / s
		}
		d.cols[v] = z
	}
	return d, nil
}

// checkColumns requires the table's names to be the graph's variables other
// than env, each once, with columns as long as Env.
func checkColumns(g *Graph, env string, t Table) error {
	if len(t.Names) != len(t.Columns) {
		panic("invariance: Table: len(Names) != len(Columns)")
	}
	seen := map[string]bool{}
	for j, v := range t.Names {
		if seen[v] {
			return estimators.InputErrorf("column %q appears twice", v)
		}
		seen[v] = true
		if v == env || !g.Has(v) {
			return estimators.InputErrorf("column %q of the data is not a variable of the graph (graph variables: %v)", v, minus(g.Nodes(), []string{env}))
		}
		if len(t.Columns[j]) != len(t.Env) {
			return estimators.InputErrorf("column %q has %d rows, the environment column %d", v, len(t.Columns[j]), len(t.Env))
		}
	}
	for _, v := range g.Nodes() {
		if v != env && !seen[v] {
			return estimators.InputErrorf("graph variable %q is not in the data", v)
		}
	}
	return nil
}

// standardizeEnvs splits a test table by environment and standardises each
// environment with its own mean and sd (the reference's evaluation).
func standardizeEnvs(g *Graph, env string, t Table) ([]map[string][]float64, []int, error) {
	if err := checkColumns(g, env, t); err != nil {
		return nil, nil, err
	}
	groups, labels := groupRows(t.Env)
	var out []map[string][]float64
	for k, rows := range groups {
		if len(rows) < 2 {
			return nil, nil, estimators.InputErrorf("test environment %d has %d row; need at least 2", labels[k], len(rows))
		}
		m := map[string][]float64{}
		for j, v := range t.Names {
			c := make([]float64, len(rows))
			for a, i := range rows {
				c[a] = t.Columns[j][i]
			}
			mu, s2 := meanVar(c)
			s := math.Sqrt(s2)
			if s == 0 {
				s = 1
			}
			for a := range c {
				c[a] = (c[a] - mu) / s
			}
			m[v] = c
		}
		out = append(out, m)
	}
	return out, labels, nil
}

// groupRows groups row indices by label in order of first appearance.
func groupRows(env []int) ([][]int, []int) {
	pos := map[int]int{}
	var groups [][]int
	var labels []int
	for i, e := range env {
		k, ok := pos[e]
		if !ok {
			k = len(groups)
			pos[e] = k
			groups = append(groups, nil)
			labels = append(labels, e)
		}
		groups[k] = append(groups[k], i)
	}
	return groups, labels
}
