package conjoint

import (
	"gonum.org/v1/gonum/mat"
)

// closedForm returns the optimal policy of a linear (identity-link) model
// in closed form when one exists, and whether it does:
//
//   - main effects, L2: π*_d = Proj_Δ(p_d + β_d/(2λ)) (the problem separates
//     by attribute; in the interior π*_dl = p_dl + (β_dl − β̄_d)/(2λ));
//   - main effects, KL(p‖π): π*_dl = λ p_dl/(μ_d − β_dl) with μ_d the root of
//     Σ_l π*_dl = 1 (see blockMax);
//   - two-way interactions, L2 (strategize's generate_ExactSolImplicit):
//     in the free coordinates x (the non-baseline levels) the first-order
//     conditions are linear, C x = b with C_ii = −4λ, C_ij = −2λ within an
//     attribute, C_ij = γ_ij across attributes, and
//     b_i = −β_i − 4λ p_i − 2λ Σ_{j≠i, same attribute} p_j. C is the Hessian
//     of the objective in x, so the solution is the optimum when C is
//     negative definite and the solution is strictly inside the simplex;
//     otherwise there is no closed form (ok = false) and the exact
//     block-coordinate ascent applies.
//
// (The pairwise identity-link value differs from the profile value by a
// constant, so the same formulas hold.)
func closedForm(m *Model, p [][]float64, pen Penalty, lambda float64) ([][]float64, bool) {
	if m.Link != Identity {
		return nil, false
	}
	beta, gamma := m.blocks(m.Coef)
	pi := make([][]float64, len(p))
	if !m.Interactions {
		for d := range p {
			pi[d] = make([]float64, len(p[d]))
			blockMax(pen, beta[d], p[d], lambda, pi[d])
		}
		return pi, true
	}
	if pen != L2 {
		return nil, false
	}
	d := m.Design
	type free struct{ a, l int }
	var xs []free
	pos := map[free]int{}
	for a := range d.Attributes {
		for _, l := range d.nonBase(a) {
			pos[free{a, l}] = len(xs)
			xs = append(xs, free{a, l})
		}
	}
	n := len(xs)
	C := mat.NewSymDense(n, nil)
	b := mat.NewVecDense(n, nil)
	for i, xi := range xs {
		bi := -beta[xi.a][xi.l] - 4*lambda*p[xi.a][xi.l]
		for j, xj := range xs {
			switch {
			case i == j:
				C.SetSym(i, i, -4*lambda)
			case xi.a == xj.a:
				C.SetSym(i, j, -2*lambda)
				bi -= 2 * lambda * p[xj.a][xj.l]
			default:
				var g float64
				if gm, ok := gamma[[2]int{xi.a, xj.a}]; ok {
					g = gm[xi.l][xj.l]
				} else if gm, ok := gamma[[2]int{xj.a, xi.a}]; ok {
					g = gm[xj.l][xi.l]
				}
				C.SetSym(i, j, g)
			}
		}
		b.SetVec(i, bi)
	}
	var neg mat.SymDense
	neg.ScaleSym(-1, C)
	var chol mat.Cholesky
	if !chol.Factorize(&neg) {
		return nil, false // not concave
	}
	var x mat.VecDense
	if err := chol.SolveVecTo(&x, b); err != nil {
		return nil, false
	}
	x.ScaleVec(-1, &x) // (−C)⁻¹b = −C⁻¹b
	for a, at := range d.Attributes {
		pi[a] = make([]float64, len(at.Levels))
		rest := 1.0
		for _, l := range d.nonBase(a) {
			v := x.AtVec(pos[free{a, l}])
			pi[a][l] = v
			rest -= v
		}
		pi[a][at.Baseline] = rest
		for _, v := range pi[a] {
			if !(v > 0 && v < 1) {
				return nil, false // infeasible: the optimum is on the boundary
			}
		}
	}
	return pi, true
}
