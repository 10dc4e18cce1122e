package conjoint

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/causalkit/causalkit/estimators"
)

// Link is the inverse link g of an outcome model.
type Link int

const (
	// Identity is the linear probability (or linear rating) model,
	// fitted by least squares.
	Identity Link = iota
	// Logit is the logistic model, fitted by maximum likelihood (IRLS).
	Logit
)

// String returns the name of l.
func (l Link) String() string {
	if l == Logit {
		return "logit"
	}
	return "linear"
}

func (l Link) inv(eta float64) float64 {
	if l == Logit {
		return sigmoid(eta)
	}
	return eta
}

// deriv returns g'(η).
func (l Link) deriv(eta float64) float64 {
	if l == Logit {
		s := sigmoid(eta)
		return s * (1 - s)
	}
	return 1
}

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// ModelOptions configures FitModel.
type ModelOptions struct {
	Link Link
	// Pairwise fits the difference model on forced-choice pairs: one row
	// per pair, P(first chosen) = g(θ₀ + x(t₁)ᵀβ − x(t₂)ᵀβ), where the
	// first profile is the one at the first position (smallest
	// Data.Profile code; data order without positions) and θ₀ is the
	// first-position advantage. Otherwise one row per profile,
	// E[Y | t] = g(θ₀ + x(t)ᵀβ).
	Pairwise bool
	// Interactions adds every cross-attribute product of non-baseline
	// level indicators (two-way interactions) to the main effects.
	Interactions bool
	// Cov is the respondent-clustered covariance of the coefficients:
	// estimators.CR1 (default; sandwich::vcovCL(type = "HC1") for glm and
	// lm) or estimators.CR0G.
	Cov estimators.CovType
}

// Model is a fitted (or given) outcome model in the indicator coding of a
// design: θ = (θ₀, main effects of the non-baseline levels in design order,
// then, with interactions, the level-pair products in the order of the
// coding). Its linear predictor of a profile t is η(t) = θ₀ + f(t) with
// f(t) = Σ_d β_d[t_d] + Σ_{d<e} γ_de[t_d, t_e] (baseline entries 0).
type Model struct {
	Design       *Design
	Link         Link
	Pairwise     bool
	Interactions bool
	Names        []string
	Coef         []float64     // θ; 0 for coefficients that are not estimable
	Cov          *mat.SymDense // covariance of Coef (zero rows for non-estimable ones); nil if unknown
	N            int           // rows of the fit (pairs for pairwise models)
	Clusters     int
	Dropped      []string

	code *coding
}

// NewModel returns a model with given coefficients (and optional
// covariance) in the coding of d, for policies of published or
// hypothetical models.
func NewModel(d *Design, link Link, pairwise, interactions bool, coef []float64, cov *mat.SymDense) (*Model, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	m := &Model{Design: d, Link: link, Pairwise: pairwise, Interactions: interactions}
	m.code = newCoding(d, allAttrs(d), allPairs(d, interactions))
	m.Names = m.code.names
	if len(coef) != len(m.Names) {
		return nil, estimators.InputErrorf("conjoint: model: %d coefficients for %d terms", len(coef), len(m.Names))
	}
	m.Coef = coef
	if cov != nil && cov.SymmetricDim() != len(coef) {
		return nil, estimators.InputErrorf("conjoint: model: covariance of dimension %d for %d coefficients", cov.SymmetricDim(), len(coef))
	}
	m.Cov = cov
	return m, nil
}

func allAttrs(d *Design) []int {
	out := make([]int, len(d.Attributes))
	for a := range out {
		out[a] = a
	}
	return out
}

func allPairs(d *Design, on bool) [][2]int {
	var out [][2]int
	if !on {
		return nil
	}
	for a := range d.Attributes {
		for b := a + 1; b < len(d.Attributes); b++ {
			out = append(out, [2]int{a, b})
		}
	}
	return out
}

// FitModel fits the outcome model of opt to the data, with
// respondent-clustered covariance. Pairwise models require forced-choice
// data: every pair has two profiles whose outcomes sum to one.
func FitModel(d *Design, x *Data, opt ModelOptions) (*Model, error) {
	if err := x.Validate(d); err != nil {
		return nil, err
	}
	ct, err := clusterType(opt.Cov)
	if err != nil {
		return nil, err
	}
	m := &Model{Design: d, Link: opt.Link, Pairwise: opt.Pairwise, Interactions: opt.Interactions}
	m.code = newCoding(d, allAttrs(d), allPairs(d, opt.Interactions))
	m.Names = m.code.names
	cols := m.code.columns(x)
	y, w, cluster := x.Y, x.Weights, x.Respondent
	if opt.Pairwise {
		first, second, err := x.pairRows()
		if err != nil {
			return nil, err
		}
		np := len(first)
		dc := make([][]float64, len(cols))
		for j, c := range cols {
			dc[j] = make([]float64, np)
			for k := range first {
				if j == 0 {
					dc[j][k] = 1
				} else {
					dc[j][k] = c[first[k]] - c[second[k]]
				}
			}
		}
		cols = dc
		y, cluster = make([]float64, np), make([]int, np)
		if w != nil {
			w = make([]float64, np)
		}
		for k, i := range first {
			y[k], cluster[k] = x.Y[i], x.Respondent[i]
			if w != nil {
				w[k] = x.Weights[i]
			}
		}
	}
	if opt.Link == Logit {
		for i, v := range y {
			if v != 0 && v != 1 {
				return nil, estimators.InputErrorf("conjoint: the logit model needs a 0/1 outcome; row %d has %v", i+1, v)
			}
		}
	}
	var ls *estimators.LS
	if opt.Link == Logit {
		ls, err = irls(cols, y, w, m.Names)
	} else {
		ls, err = estimators.WLS(cols, y, m.Names, estimators.LSOptions{Weights: w, DropCollinear: true})
	}
	if err != nil {
		return nil, fmt.Errorf("conjoint: outcome model: %w", err)
	}
	cov, err := clusterCov(ls, ct, cluster)
	if err != nil {
		return nil, fmt.Errorf("conjoint: outcome model: %w", err)
	}
	k := len(m.Names)
	m.Coef = make([]float64, k)
	m.Cov = mat.NewSymDense(k, nil)
	for a, j := range ls.Kept {
		m.Coef[j] = ls.Coef[j]
		for b := a; b < len(ls.Kept); b++ {
			m.Cov.SetSym(j, ls.Kept[b], cov.V.At(a, b))
		}
	}
	m.N, m.Clusters, m.Dropped = ls.N, cov.Groups, ls.Dropped
	return m, nil
}

// irls fits a logistic regression by iteratively reweighted least squares:
// with μ = σ(Xb) and v = μ(1 − μ), b ← WLS of z = Xb + (y − μ)/v on X with
// weights w·v, until the coefficients change by less than 1e-13 (relative).
// The returned fit is the last weighted least-squares step, whose cluster
// covariance is the GLM sandwich (X'WVX)⁻¹ meat (X'WVX)⁻¹ with scores
// x_i w_i (y_i − μ_i).
func irls(cols [][]float64, y, w []float64, names []string) (*estimators.LS, error) {
	n := len(y)
	b := make([]float64, len(cols))
	eta := make([]float64, n)
	z := make([]float64, n)
	v := make([]float64, n)
	var ls *estimators.LS
	for iter := 0; iter < 100; iter++ {
		for i := range eta {
			e := 0.0
			for j, c := range cols {
				if b[j] != 0 {
					e += b[j] * c[i]
				}
			}
			eta[i] = e
			mu := sigmoid(e)
			vi := mu * (1 - mu)
			if vi < 1e-300 {
				return nil, estimators.InputErrorf("logistic regression: fitted probabilities of 0 or 1 (separation); use the linear model")
			}
			z[i] = e + (y[i]-mu)/vi
			v[i] = vi
			if w != nil {
				v[i] *= w[i]
			}
		}
		var err error
		ls, err = estimators.WLS(cols, z, names, estimators.LSOptions{Weights: v, DropCollinear: true})
		if err != nil {
			return nil, err
		}
		var change, size float64
		for j, c := range ls.Coef {
			if math.IsNaN(c) {
				c = 0
			}
			change = max(change, math.Abs(c-b[j]))
			size = max(size, math.Abs(c))
			b[j] = c
		}
		if change <= 1e-13*max(1, size) && iter > 0 {
			return ls, nil
		}
	}
	return nil, estimators.InputErrorf("logistic regression: IRLS did not converge in 100 iterations (separation?)")
}

// pairRows returns, for each choice pair, the row of its first and of its
// second profile, and checks that the outcomes sum to one within pairs.
func (x *Data) pairRows() (first, second []int, err error) {
	pair, err := x.pairs()
	if err != nil {
		return nil, nil, err
	}
	_, np := dense(pair)
	rows := make([][]int, np)
	for i, p := range pair {
		rows[p] = append(rows[p], i)
	}
	for k, r := range rows {
		if len(r) != 2 {
			return nil, nil, estimators.InputErrorf("conjoint: pair %d (row %d) has %d profiles; forced-choice pairs have two", k+1, r[0]+1, len(r))
		}
		i, j := r[0], r[1]
		if x.Profile != nil && x.Profile[j] < x.Profile[i] {
			i, j = j, i
		}
		if x.Profile != nil && x.Profile[i] == x.Profile[j] {
			return nil, nil, estimators.InputErrorf("conjoint: rows %d and %d of one pair have the same profile position", i+1, j+1)
		}
		if s := x.Y[i] + x.Y[j]; math.Abs(s-1) > 1e-9 {
			return nil, nil, estimators.InputErrorf("conjoint: the outcomes of rows %d and %d (one forced-choice pair) sum to %v, not 1", i+1, j+1, s)
		}
		first, second = append(first, i), append(second, j)
	}
	return first, second, nil
}

// blocks returns the model's effects per level: beta[d][l] (0 at the
// baseline) and gamma[(d,e)][l][l'] for interacted pairs d < e, as
// functions of θ = coef.
func (m *Model) blocks(coef []float64) (beta [][]float64, gamma map[[2]int][][]float64) {
	d := m.Design
	beta = make([][]float64, len(d.Attributes))
	for a, at := range d.Attributes {
		beta[a] = make([]float64, len(at.Levels))
		for _, l := range d.nonBase(a) {
			beta[a][l] = coef[m.code.main[[2]int{a, l}]]
		}
	}
	gamma = map[[2]int][][]float64{}
	for _, p := range m.code.pairs {
		g := make([][]float64, len(d.Attributes[p[0]].Levels))
		for l := range g {
			g[l] = make([]float64, len(d.Attributes[p[1]].Levels))
		}
		for key, j := range m.code.inter {
			if key[0] == p[0] && key[2] == p[1] {
				g[key[1]][key[3]] = coef[j]
			}
		}
		gamma[p] = g
	}
	return beta, gamma
}
