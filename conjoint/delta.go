package conjoint

import (
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/causalkit/causalkit/estimators"
)

// policyJacobian returns ∂(Q(π*), π*)/∂θ at a solution π* of
// max Q(π; θ) − λ·Pen(π, p) by the implicit-function theorem. On the support
// S_d = {l : π*_dl > 0} of each block the optimum solves, with a
// multiplier ν_d for Σ_l π_dl = 1,
//
//	L2: g_dl(π, θ) − 2λ(π_dl − p_dl) − ν_d = 0,
//	KL: g_dl(π, θ) + λ p_dl/π_dl − ν_d = 0,
//	Σ_{l∈S_d} π_dl = 1,
//
// so with z = (π_S, ν) and R(z, θ) these equations, dz/dθ = −(∂R/∂z)⁻¹ ∂R/∂θ,
// where ∂R/∂π holds the cross-block Hessian ∂²Q/∂π_d∂π_e off the diagonal
// blocks and −2λI or −diag(λp/π²) on them, and ∂R/∂θ = ∂g/∂θ. Levels off the
// support have zero derivative (strict complementarity is assumed). The
// value's derivative is dQ*/dθ = ∂Q/∂θ + Σ g_dl dπ_dl/dθ.
func policyJacobian(obj objective, p, pi [][]float64, pen Penalty, lambda float64) ([][]float64, error) {
	D := len(p)
	type idx struct{ d, l int }
	var vars []idx // π unknowns; ν_d follow each block's π unknowns
	rowOf := map[idx]int{}
	nuOf := make([]int, D)
	n := 0
	for d := range p {
		for l, v := range pi[d] {
			if v > 0 {
				rowOf[idx{d, l}] = n
				vars = append(vars, idx{d, l})
				n++
			}
		}
		nuOf[d] = n
		n++
	}
	g := make([][]float64, D)
	dg := make([]*mat.Dense, D)
	for d := range p {
		g[d] = make([]float64, len(p[d]))
		obj.blockGrad(pi, d, g[d])
		dg[d] = obj.dBlockGrad(pi, d)
	}
	_, K := dg[0].Dims()
	A := mat.NewDense(n, n, nil)
	B := mat.NewDense(n, K, nil)
	for d := range p {
		for e := range p {
			if e == d {
				continue
			}
			c := obj.cross(pi, d, e)
			for _, v := range vars {
				if v.d != d {
					continue
				}
				for _, w := range vars {
					if w.d == e {
						A.Set(rowOf[v], rowOf[w], c.At(v.l, w.l))
					}
				}
			}
		}
	}
	for _, v := range vars {
		r := rowOf[v]
		if pen == L2 {
			A.Set(r, r, -2*lambda)
		} else {
			A.Set(r, r, -lambda*p[v.d][v.l]/(pi[v.d][v.l]*pi[v.d][v.l]))
		}
		A.Set(r, nuOf[v.d], -1)
		A.Set(nuOf[v.d], r, 1)
		B.SetRow(r, dg[v.d].RawRowView(v.l))
	}
	var X mat.Dense
	if err := X.Solve(A, B); err != nil {
		return nil, estimators.InputErrorf("conjoint: delta method: the optimality conditions are singular at the optimum (%v)", err)
	}
	X.Scale(-1, &X)
	nl := 0
	for d := range p {
		nl += len(p[d])
	}
	jac := make([][]float64, 1+nl)
	jac[0] = obj.dValue(pi)
	r := 1
	for d := range p {
		for l := range p[d] {
			jac[r] = make([]float64, K)
			if k, ok := rowOf[idx{d, l}]; ok {
				copy(jac[r], X.RawRowView(k))
				for q := range K {
					jac[0][q] += g[d][l] * jac[r][q]
				}
			}
			r++
		}
	}
	return jac, nil
}

// seOf returns √(jᵀVj), NaN when V is nil.
func seOf(j []float64, v *mat.SymDense) float64 {
	if v == nil {
		return math.NaN()
	}
	jv := mat.NewVecDense(len(j), j)
	return math.Sqrt(math.Max(0, mat.Inner(jv, v, jv)))
}

// inference fills the rows, values and standard errors of a solution.
func (res *PolicyResult) inference(m *Model, obj objective, p [][]float64, opt PolicyOptions, level float64) error {
	jac, err := policyJacobian(obj, p, res.Pi, opt.Penalty, opt.Lambda)
	if err != nil {
		return err
	}
	res.Jacobian = jac
	res.Value = newValue(obj.value(res.Pi), seOf(jac[0], m.Cov), level)
	res.DesignValue = newValue(obj.value(p), seOf(obj.dValue(p), m.Cov), level)
	z := estimators.Normal.Quantile(0.5 + level/2)
	r := 1
	res.SE = make([][]float64, len(p))
	for d, at := range m.Design.Attributes {
		res.SE[d] = make([]float64, len(p[d]))
		for l, name := range at.Levels {
			se := seOf(jac[r], m.Cov)
			if res.Pi[d][l] == 0 {
				se = 0
			}
			res.SE[d][l] = se
			pr := res.Pi[d][l]
			res.Rows = append(res.Rows, PolicyRow{Attribute: at.Name, Level: name, Probability: pr, StdError: se,
				ConfLow: pr - z*se, ConfHigh: pr + z*se, Design: p[d][l]})
			r++
		}
	}
	return nil
}
