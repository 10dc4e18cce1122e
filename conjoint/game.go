package conjoint

import (
	"math"
	"runtime"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"

	"github.com/causalkit/causalkit/estimators"
)

// PartyModel is one outcome model of the adversarial game, given by an
// intercept and a utility per level of every attribute (a profile's
// utility is the sum over attributes; baseline levels may carry any value,
// only differences matter).
type PartyModel struct {
	Intercept float64
	Utility   [][]float64 // [attribute][level]
}

// Game is the two-party election game of Jerzak, Chandra and Hazra with
// primaries. Party A (index 0) and party B (index 1) each choose a product
// policy over candidate profiles. Among voters of group g (share Shares[g]),
// A's nominee t beats B's nominee u with probability
// link⁻¹(c_g + u_g(t) − u_g(u)) (General[g]); so A's expected vote share is
//
//	C(t, u) = Σ_g Shares[g]·link⁻¹(c_g + u_g(t) − u_g(u)).
//
// In party P's primary its entrant t ∼ π_P faces a field candidate
// t' ∼ Slates[P] and wins with probability
// κ_P(t, t') = link⁻¹(ρ·(c_P + v_P(t) − v_P(t'))) (Primary[P], ρ = Strength),
// so that, with the two primaries independent,
//
//	V(π_A, π_B) = E[κ_A κ_B C(t,u) + κ_A(1−κ_B) C(t,u') + (1−κ_A)κ_B C(t',u) + (1−κ_A)(1−κ_B) C(t',u')].
//
// Writing N_P(n | t) = Σ_{t'} s_P(t')[κ_P(t,t')·1[n = t] + (1 − κ_P(t,t'))·1[n = t']]
// for the law of P's nominee given its entrant, V = π_Aᵀ M π_B over profiles
// with the push-forward M = N_A C N_Bᵀ (M = C without primaries).
type Game struct {
	Design   *Design
	Link     Link // the inverse link of every model (Logit for choices)
	Shares   [2]float64
	General  [2]PartyModel // by voter group: A's voters, B's voters
	Primary  [2]PartyModel // by party
	Strength float64       // ρ, the primary strength
	// NoPrimaries makes each party's entrant its nominee (M = C).
	NoPrimaries bool
	// Slates are the field candidates' laws per party (per attribute
	// probabilities); nil means the design.
	Slates [2][][]float64

	// fitted holds the models FitGame fitted (general A, general B,
	// primary A, primary B), whose covariances give delta-method errors.
	fitted [4]*Model
}

// maxGameProfiles bounds the profiles of an exact game: the solver stores
// three T×T matrices.
const maxGameProfiles = 4096

// gameOps holds the game's matrices over all T profiles (row-major, the
// last attribute fastest): V(π_A, π_B) = π_Aᵀ N_A C N_Bᵀ π_B.
type gameOps struct {
	dims   []int
	T      int
	c      []float64   // C, T×T row-major
	nA, nB []float64   // N_A, N_B, T×T row-major (nil without primaries)
	levels [][]int32   // levels of each profile
	p      [][]float64 // design
}

func (g *Game) validate() error {
	d := g.Design
	if err := d.Validate(); err != nil {
		return err
	}
	for _, s := range g.Shares {
		if !(s >= 0) || math.IsInf(s, 0) {
			return estimators.InputErrorf("conjoint: game: group shares must be finite and non-negative")
		}
	}
	if g.Shares[0]+g.Shares[1] <= 0 {
		return estimators.InputErrorf("conjoint: game: group shares sum to zero")
	}
	check := func(what string, m PartyModel) error {
		if len(m.Utility) != len(d.Attributes) {
			return estimators.InputErrorf("conjoint: game: %s model has utilities for %d attributes, the design %d", what, len(m.Utility), len(d.Attributes))
		}
		for a, u := range m.Utility {
			if len(u) != len(d.Attributes[a].Levels) {
				return estimators.InputErrorf("conjoint: game: %s model: attribute %q has %d utilities for %d levels", what, d.Attributes[a].Name, len(u), len(d.Attributes[a].Levels))
			}
			if err := estimators.CheckFinite(what+" utility", u); err != nil {
				return err
			}
		}
		return nil
	}
	for k, name := range []string{"A", "B"} {
		if err := check("general "+name, g.General[k]); err != nil {
			return err
		}
		if !g.NoPrimaries {
			if err := check("primary "+name, g.Primary[k]); err != nil {
				return err
			}
		}
		if s := g.Slates[k]; s != nil {
			if len(s) != len(d.Attributes) {
				return estimators.InputErrorf("conjoint: game: slate of party %s has %d attributes", name, len(s))
			}
			for a := range s {
				if len(s[a]) != len(d.Attributes[a].Levels) {
					return estimators.InputErrorf("conjoint: game: slate of party %s: attribute %q has %d probabilities", name, d.Attributes[a].Name, len(s[a]))
				}
			}
		}
	}
	if !g.NoPrimaries && !(g.Strength >= 0) {
		return estimators.InputErrorf("conjoint: game: primary strength must be non-negative")
	}
	return nil
}

// ops builds the game's matrices.
func (g *Game) ops() (*gameOps, error) {
	if err := g.validate(); err != nil {
		return nil, err
	}
	T, err := profileCount(g.Design)
	if err != nil {
		return nil, err
	}
	if T > maxGameProfiles {
		return nil, estimators.InputErrorf("conjoint: game: %d profiles; the exact equilibrium solver handles at most %d (it stores T×T matrices)", T, maxGameProfiles)
	}
	o := &gameOps{T: T, p: g.Design.Probs()}
	for _, at := range g.Design.Attributes {
		o.dims = append(o.dims, len(at.Levels))
	}
	o.levels, _ = profileTerms(&Model{Design: g.Design, code: newCoding(g.Design, nil, nil)}, T)
	util := func(m PartyModel) []float64 {
		u := make([]float64, T)
		for t, lv := range o.levels {
			for a, l := range lv {
				u[t] += m.Utility[a][l]
			}
		}
		return u
	}
	sh := g.Shares[0] + g.Shares[1]
	alpha := [2]float64{g.Shares[0] / sh, g.Shares[1] / sh}
	o.c = make([]float64, T*T)
	for k := range 2 {
		u := util(g.General[k])
		c0 := g.General[k].Intercept
		for t := range T {
			row := o.c[t*T : (t+1)*T]
			for s := range T {
				row[s] += alpha[k] * g.Link.inv(c0+u[t]-u[s])
			}
		}
	}
	if g.NoPrimaries {
		return o, nil
	}
	for k := range 2 {
		slate := g.Slates[k]
		if slate == nil {
			slate = o.p
		}
		sw := profileProbs(slate, o.levels)
		v := util(g.Primary[k])
		c0 := g.Primary[k].Intercept
		n := make([]float64, T*T)
		for t := range T {
			row := n[t*T : (t+1)*T]
			var win float64
			for s := range T {
				kappa := g.Link.inv(g.Strength * (c0 + v[t] - v[s]))
				win += sw[s] * kappa
				row[s] += sw[s] * (1 - kappa)
			}
			row[t] += win
		}
		if k == 0 {
			o.nA = n
		} else {
			o.nB = n
		}
	}
	return o, nil
}

// profileProbs returns the probability of every profile under a product
// policy.
func profileProbs(pi [][]float64, levels [][]int32) []float64 {
	out := make([]float64, len(levels))
	for t, lv := range levels {
		w := 1.0
		for a, l := range lv {
			w *= pi[a][l]
		}
		out[t] = w
	}
	return out
}

// matVec returns A x (trans = false) or Aᵀ x for a T×T row-major A, with
// gonum's BLAS on disjoint blocks of the output in parallel. Each output
// element is computed by one call in a fixed order, so the result does not
// depend on the number of goroutines.
func matVec(a []float64, x []float64, trans bool) []float64 {
	T := len(x)
	out := make([]float64, T)
	workers := min(runtime.GOMAXPROCS(0), 8, max(1, T/256))
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*T/workers, (w+1)*T/workers
		if lo == hi {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			xv := blas64.Vector{N: T, Inc: 1, Data: x}
			if !trans {
				m := blas64.General{Rows: hi - lo, Cols: T, Stride: T, Data: a[lo*T:]}
				blas64.Gemv(blas.NoTrans, 1, m, xv, 0, blas64.Vector{N: hi - lo, Inc: 1, Data: out[lo:hi]})
				return
			}
			m := blas64.General{Rows: T, Cols: hi - lo, Stride: T, Data: a[lo:]}
			blas64.Gemv(blas.Trans, 1, m, xv, 0, blas64.Vector{N: hi - lo, Inc: 1, Data: out[lo:hi]})
		}()
	}
	wg.Wait()
	return out
}

// payoffs returns w_A = M π_B and w_B = Mᵀ π_A (profile vectors), so that
// V = π_Aᵀ w_A = w_Bᵀ π_B.
func (o *gameOps) payoffs(piA, piB [][]float64) (wA, wB []float64) {
	a, b := profileProbs(piA, o.levels), profileProbs(piB, o.levels)
	// w_A = N_A C N_Bᵀ b.
	x := b
	if o.nB != nil {
		x = matVec(o.nB, b, true)
	}
	x = matVec(o.c, x, false)
	if o.nA != nil {
		x = matVec(o.nA, x, false)
	}
	wA = x
	// w_B = N_B Cᵀ N_Aᵀ a.
	y := a
	if o.nA != nil {
		y = matVec(o.nA, a, true)
	}
	y = matVec(o.c, y, true)
	if o.nB != nil {
		y = matVec(o.nB, y, false)
	}
	wB = y
	return wA, wB
}

// PushForward returns the T×T matrix M(t, u) = (N_A C N_Bᵀ)(t, u): party
// A's expected vote share when A's entrant is t and B's is u, after both
// primaries (profiles in row-major order of the levels, the last attribute
// varying fastest).
func (g *Game) PushForward() ([][]float64, error) {
	o, err := g.ops()
	if err != nil {
		return nil, err
	}
	m := make([][]float64, o.T)
	for u := range o.T {
		e := make([]float64, o.T)
		e[u] = 1
		x := e
		if o.nB != nil {
			x = matVec(o.nB, e, true)
		}
		x = matVec(o.c, x, false)
		if o.nA != nil {
			x = matVec(o.nA, x, false)
		}
		for t := range o.T {
			if m[t] == nil {
				m[t] = make([]float64, o.T)
			}
			m[t][u] = x[t]
		}
	}
	return m, nil
}

// Value returns V(π_A, π_B), party A's expected vote share.
func (g *Game) Value(piA, piB [][]float64) (float64, error) {
	o, err := g.ops()
	if err != nil {
		return 0, err
	}
	wA, _ := o.payoffs(piA, piB)
	var v float64
	for t, w := range profileProbs(piA, o.levels) {
		v += w * wA[t]
	}
	return v, nil
}
