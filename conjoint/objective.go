package conjoint

import (
	"runtime"
	"sync"

	"gonum.org/v1/gonum/mat"

	"github.com/causalkit/causalkit/estimators"
)

// objective is a policy value Q(π; θ) that is multilinear in the blocks
// π_d (every model's expected outcome under a product policy is), with the
// derivatives the solver and the delta method need.
type objective interface {
	value(pi [][]float64) float64
	// blockGrad stores g_d = ∂Q/∂π_d (which does not depend on π_d).
	blockGrad(pi [][]float64, d int, dst []float64)
	// cross returns ∂²Q/∂π_d∂π_e (L_d × L_e) for d ≠ e.
	cross(pi [][]float64, d, e int) *mat.Dense
	// dValue returns ∂Q/∂θ.
	dValue(pi [][]float64) []float64
	// dBlockGrad returns ∂g_d/∂θ (L_d × K).
	dBlockGrad(pi [][]float64, d int) *mat.Dense
}

// maxProfiles bounds the enumeration of all profiles.
const maxProfiles = 1 << 22

// newObjective returns the exact value of policies under model m with
// coefficients coef: in closed form for the identity link, by enumeration
// of all profiles for the logit link (for pairwise models, of all pairs of a
// profile and an opponent drawn from the design p).
func newObjective(m *Model, coef []float64, p [][]float64) (objective, error) {
	if m.Link == Identity {
		return newLinearObj(m, coef, p), nil
	}
	return newTableObj(m, coef, p, true)
}

// valueObjective is newObjective without the θ-derivatives (enough for
// solving and evaluating; half the work of a pairwise logit table).
func valueObjective(m *Model, coef []float64, p [][]float64) (objective, error) {
	if m.Link == Identity {
		return newLinearObj(m, coef, p), nil
	}
	return newTableObj(m, coef, p, false)
}

// linearObj is the identity-link value
//
//	Q(π) = θ₀ + Σ_d β_dᵀπ_d + Σ_{d<e} π_dᵀ Γ_de π_e − c,
//
// with c = f̄(p) = Σ_d β_dᵀp_d + Σ_{d<e} p_dᵀΓ_de p_e for pairwise models
// (the opponent is drawn from the design) and c = 0 otherwise.
type linearObj struct {
	m     *Model
	coef  []float64
	p     [][]float64
	beta  [][]float64
	gamma map[[2]int][][]float64
}

func newLinearObj(m *Model, coef []float64, p [][]float64) *linearObj {
	o := &linearObj{m: m, coef: coef, p: p}
	o.beta, o.gamma = m.blocks(coef)
	return o
}

// f returns Σ_d β_dᵀπ_d + Σ π_dᵀΓ_de π_e.
func (o *linearObj) f(pi [][]float64) float64 {
	var s float64
	for d, b := range o.beta {
		for l, v := range b {
			s += v * pi[d][l]
		}
	}
	for k, g := range o.gamma {
		for l, row := range g {
			for l2, v := range row {
				s += v * pi[k[0]][l] * pi[k[1]][l2]
			}
		}
	}
	return s
}

func (o *linearObj) value(pi [][]float64) float64 {
	v := o.coef[0] + o.f(pi)
	if o.m.Pairwise {
		v -= o.f(o.p)
	}
	return v
}

func (o *linearObj) blockGrad(pi [][]float64, d int, dst []float64) {
	copy(dst, o.beta[d])
	for k, g := range o.gamma {
		switch d {
		case k[0]:
			for l, row := range g {
				for l2, v := range row {
					dst[l] += v * pi[k[1]][l2]
				}
			}
		case k[1]:
			for l, row := range g {
				for l2, v := range row {
					dst[l2] += v * pi[k[0]][l]
				}
			}
		}
	}
}

func (o *linearObj) cross(_ [][]float64, d, e int) *mat.Dense {
	ld, le := len(o.beta[d]), len(o.beta[e])
	out := mat.NewDense(ld, le, nil)
	if g, ok := o.gamma[[2]int{d, e}]; ok {
		for l, row := range g {
			out.SetRow(l, row)
		}
	} else if g, ok := o.gamma[[2]int{e, d}]; ok {
		for l, row := range g {
			for l2, v := range row {
				out.Set(l2, l, v)
			}
		}
	}
	return out
}

func (o *linearObj) dValue(pi [][]float64) []float64 {
	out := make([]float64, len(o.coef))
	out[0] = 1
	for key, j := range o.m.code.main {
		out[j] = pi[key[0]][key[1]]
		if o.m.Pairwise {
			out[j] -= o.p[key[0]][key[1]]
		}
	}
	for key, j := range o.m.code.inter {
		out[j] = pi[key[0]][key[1]] * pi[key[2]][key[3]]
		if o.m.Pairwise {
			out[j] -= o.p[key[0]][key[1]] * o.p[key[2]][key[3]]
		}
	}
	return out
}

func (o *linearObj) dBlockGrad(pi [][]float64, d int) *mat.Dense {
	out := mat.NewDense(len(o.beta[d]), len(o.coef), nil)
	for key, j := range o.m.code.main {
		if key[0] == d {
			out.Set(key[1], j, 1)
		}
	}
	for key, j := range o.m.code.inter {
		if key[0] == d {
			out.Set(key[1], j, pi[key[2]][key[3]])
		} else if key[2] == d {
			out.Set(key[3], j, pi[key[0]][key[1]])
		}
	}
	return out
}

// tableObj is Q(π) = Σ_t π(t) h(t) over all profiles t, with h and ∂h/∂θ
// tabulated: h(t) = g(θ₀ + f(t)) for profile models and
// h(t) = Σ_{t'} p(t') g(θ₀ + f(t) − f(t')) for pairwise models.
type tableObj struct {
	dims []int
	h    []float64
	dh   [][]float64 // per coefficient
}

// profiles enumerates all profiles of the design (row-major, the last
// attribute varying fastest) and returns their count.
func profileCount(d *Design) (int, error) {
	n := 1
	for _, at := range d.Attributes {
		n *= len(at.Levels)
		if n > maxProfiles {
			return 0, estimators.InputErrorf("conjoint: the design has more than %d profiles; exact evaluation of a logit model enumerates them all", maxProfiles)
		}
	}
	return n, nil
}

// profileTerms returns, for every profile, its level per attribute and
// the coefficient indices of its active indicator columns (intercept
// excluded).
func profileTerms(m *Model, n int) (levels [][]int32, active [][]int32) {
	d := m.Design
	D := len(d.Attributes)
	levels = make([][]int32, n)
	active = make([][]int32, n)
	t := make([]int, D)
	lbuf := make([]int32, n*D)
	for i := range n {
		lv := lbuf[i*D : (i+1)*D : (i+1)*D]
		for a := range D {
			lv[a] = int32(t[a])
		}
		levels[i] = lv
		var act []int32
		for a := range D {
			if j, ok := m.code.main[[2]int{a, t[a]}]; ok {
				act = append(act, int32(j))
			}
		}
		for _, p := range m.code.pairs {
			if j, ok := m.code.inter[[4]int{p[0], t[p[0]], p[1], t[p[1]]}]; ok {
				act = append(act, int32(j))
			}
		}
		active[i] = act
		for a := D - 1; a >= 0; a-- {
			t[a]++
			if t[a] < len(d.Attributes[a].Levels) {
				break
			}
			t[a] = 0
		}
	}
	return levels, active
}

// newTableObj tabulates h (and ∂h/∂θ when derivs is set).
func newTableObj(m *Model, coef []float64, p [][]float64, derivs bool) (*tableObj, error) {
	n, err := profileCount(m.Design)
	if err != nil {
		return nil, err
	}
	if m.Pairwise && float64(n)*float64(n) > 4e9 {
		return nil, estimators.InputErrorf("conjoint: a pairwise logit value sums over all %d² pairs of profiles; the design is too large for exact evaluation", n)
	}
	o := &tableObj{h: make([]float64, n)}
	for _, at := range m.Design.Attributes {
		o.dims = append(o.dims, len(at.Levels))
	}
	if derivs {
		o.dh = make([][]float64, len(coef))
		for k := range o.dh {
			o.dh[k] = make([]float64, n)
		}
	}
	levels, active := profileTerms(m, n)
	f := make([]float64, n)
	for i, act := range active {
		for _, j := range act {
			f[i] += coef[j]
		}
	}
	if !m.Pairwise {
		for i := range n {
			eta := coef[0] + f[i]
			o.h[i] = m.Link.inv(eta)
			if !derivs {
				continue
			}
			gp := m.Link.deriv(eta)
			o.dh[0][i] = gp
			for _, j := range active[i] {
				o.dh[j][i] = gp
			}
		}
		return o, nil
	}
	// Opponent drawn from the design: weights p(t') = Π_d p_d(t'_d).
	pw := make([]float64, n)
	for i, lv := range levels {
		w := 1.0
		for a, l := range lv {
			w *= p[a][l]
		}
		pw[i] = w
	}
	k := len(coef)
	workers := min(runtime.GOMAXPROCS(0), 64)
	var wg sync.WaitGroup
	next := make(chan int, 64)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := make([]float64, k)
			for i0 := range next {
				for i := i0; i < min(i0+256, n); i++ {
					clear(b)
					var h, a float64
					base := coef[0] + f[i]
					for j2, w := range pw {
						if w == 0 {
							continue
						}
						eta := base - f[j2]
						var s, gp float64
						if m.Link == Logit {
							s = sigmoid(eta)
							gp = w * s * (1 - s)
						} else {
							s, gp = eta, w
						}
						h += w * s
						if derivs {
							a += gp
							for _, c := range active[j2] {
								b[c] += gp
							}
						}
					}
					o.h[i] = h
					if !derivs {
						continue
					}
					o.dh[0][i] = a
					for c := 1; c < k; c++ {
						o.dh[c][i] = -b[c]
					}
					for _, c := range active[i] {
						o.dh[c][i] += a
					}
				}
			}
		}()
	}
	for i0 := 0; i0 < n; i0 += 256 {
		next <- i0
	}
	close(next)
	wg.Wait()
	return o, nil
}

// contract sums tensor t (shape dims, row-major) against the vectors w[d]
// over every dimension d with w[d] != nil and returns the tensor over the
// remaining dimensions (in order).
func contract(t []float64, dims []int, w [][]float64) []float64 {
	cur := t
	shape := append([]int(nil), dims...)
	keep := make([]bool, len(dims))
	for d := len(dims) - 1; d >= 0; d-- {
		if w[d] == nil {
			keep[d] = true
			continue
		}
		// Collapse axis d of the current tensor, whose axes are dims[:d]
		// followed by the kept axes after d.
		post := 1
		for e := d + 1; e < len(dims); e++ {
			if keep[e] {
				post *= shape[e]
			}
		}
		pre := 1
		for e := 0; e < d; e++ {
			pre *= shape[e]
		}
		L := shape[d]
		out := make([]float64, pre*post)
		for a := range pre {
			o := out[a*post : (a+1)*post]
			for l, wl := range w[d] {
				if wl == 0 {
					continue
				}
				src := cur[(a*L+l)*post : (a*L+l+1)*post]
				for q, v := range src {
					o[q] += wl * v
				}
			}
		}
		cur = out
	}
	return cur
}

func weightsExcept(pi [][]float64, skip ...int) [][]float64 {
	w := make([][]float64, len(pi))
	for d := range pi {
		w[d] = pi[d]
	}
	for _, d := range skip {
		w[d] = nil
	}
	return w
}

func (o *tableObj) value(pi [][]float64) float64 {
	return contract(o.h, o.dims, weightsExcept(pi))[0]
}

func (o *tableObj) blockGrad(pi [][]float64, d int, dst []float64) {
	copy(dst, contract(o.h, o.dims, weightsExcept(pi, d)))
}

func (o *tableObj) cross(pi [][]float64, d, e int) *mat.Dense {
	c := contract(o.h, o.dims, weightsExcept(pi, d, e))
	if d < e {
		return mat.NewDense(o.dims[d], o.dims[e], c)
	}
	var out mat.Dense
	out.CloneFrom(mat.NewDense(o.dims[e], o.dims[d], c).T())
	return &out
}

func (o *tableObj) dValue(pi [][]float64) []float64 {
	out := make([]float64, len(o.dh))
	w := weightsExcept(pi)
	for k, t := range o.dh {
		out[k] = contract(t, o.dims, w)[0]
	}
	return out
}

func (o *tableObj) dBlockGrad(pi [][]float64, d int) *mat.Dense {
	out := mat.NewDense(o.dims[d], len(o.dh), nil)
	w := weightsExcept(pi, d)
	for k, t := range o.dh {
		out.SetCol(k, contract(t, o.dims, w))
	}
	return out
}
