package invariance

import (
	"github.com/causalkit/causalkit/estimators"
)

// Function is a differentiable map from input columns to one output
// column: a fitted predictor, a structural equation or an intervention
// function. Implementations must be safe for concurrent use.
type Function interface {
	// NumInputs is the number of input columns.
	NumInputs() int
	// Eval writes f(row i) into out[i]; in holds NumInputs columns of
	// len(out) rows.
	Eval(in [][]float64, out []float64)
	// Grad adds g[i]·∂f(row i)/∂in[j][i] to din[j][i] for every column j
	// whose din[j] is not nil.
	Grad(in [][]float64, g []float64, din [][]float64)
}

// Linear is an affine function Intercept + Σ Coef[j]·x_j.
type Linear struct {
	Intercept float64
	Coef      []float64
}

// NumInputs implements Function.
func (l *Linear) NumInputs() int { return len(l.Coef) }

// Eval implements Function.
func (l *Linear) Eval(in [][]float64, out []float64) {
	for i := range out {
		v := l.Intercept
		for j, c := range in {
			v += l.Coef[j] * c[i]
		}
		out[i] = v
	}
}

// Grad implements Function.
func (l *Linear) Grad(in [][]float64, g []float64, din [][]float64) {
	for j, d := range din {
		if d != nil {
			for i, gi := range g {
				d[i] += gi * l.Coef[j]
			}
		}
	}
}

// FitLinear fits y on [1, x] by least squares (estimators.WLS; collinear
// columns get coefficient 0).
func FitLinear(x [][]float64, y []float64) (*Linear, error) {
	cols := append([][]float64{constant(len(y))}, x...)
	names := make([]string, len(cols))
	ls, err := estimators.WLS(cols, y, names, estimators.LSOptions{DropCollinear: true})
	if err != nil {
		return nil, err
	}
	l := &Linear{Intercept: ls.Coef[0], Coef: make([]float64, len(x))}
	for j := range x {
		if c := ls.Coef[j+1]; c == c {
			l.Coef[j] = c
		}
	}
	return l, nil
}

// FuncOf wraps closures as a Function (for known structural equations and
// predictors, as the reference's simulation mode uses). grad may be nil
// when no gradient flows through the function (it is then treated as
// constant in its inputs).
func FuncOf(inputs int, eval func(in [][]float64, out []float64), grad func(in [][]float64, g []float64, din [][]float64)) Function {
	return funcOf{inputs, eval, grad}
}

type funcOf struct {
	n    int
	eval func(in [][]float64, out []float64)
	grad func(in [][]float64, g []float64, din [][]float64)
}

func (f funcOf) NumInputs() int                     { return f.n }
func (f funcOf) Eval(in [][]float64, out []float64) { f.eval(in, out) }
func (f funcOf) Grad(in [][]float64, g []float64, din [][]float64) {
	if f.grad != nil {
		f.grad(in, g, din)
	}
}
