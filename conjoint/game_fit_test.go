package conjoint

import (
	"errors"
	"math"
	"testing"

	"github.com/causalkit/causalkit/estimators"
)

// simulateGame draws forced-choice data from g: nResp respondents (group
// by the shares), each with tasks alternating primary ("same": two
// candidates of the respondent's party, the first chosen with probability
// κ = σ(v(t₁) − v(t₂))) and general ("different": one candidate per party,
// A's chosen with probability σ(c_g + u_g(t_A) − u_g(t_B))).
func simulateGame(g *Game, nResp, tasks int, seed uint64) (*Data, GameData) {
	rng := estimators.Stream(seed, 0)
	d := g.Design
	x := &Data{Levels: make([][]int, len(d.Attributes))}
	var gd GameData
	draw := func() []int {
		t := make([]int, len(d.Attributes))
		for a, at := range d.Attributes {
			t[a] = rng.IntN(len(at.Levels))
		}
		return t
	}
	util := func(m PartyModel, t []int) float64 {
		var u float64
		for a, l := range t {
			u += m.Utility[a][l]
		}
		return u
	}
	add := func(r, task, pos, grp, cand int, same bool, y float64, t []int) {
		x.Y = append(x.Y, y)
		x.Respondent = append(x.Respondent, r)
		x.Task = append(x.Task, task)
		x.Profile = append(x.Profile, pos)
		for a := range t {
			x.Levels[a] = append(x.Levels[a], t[a])
		}
		gd.RespondentGroup = append(gd.RespondentGroup, grp)
		gd.CandidateGroup = append(gd.CandidateGroup, cand)
		gd.Same = append(gd.Same, same)
	}
	for r := range nResp {
		grp := 0
		if rng.Float64() < g.Shares[1]/(g.Shares[0]+g.Shares[1]) {
			grp = 1
		}
		for task := range tasks {
			t1, t2 := draw(), draw()
			if task%2 == 0 {
				pr := sigmoid(util(g.Primary[grp], t1) - util(g.Primary[grp], t2))
				y := 0.0
				if rng.Float64() < pr {
					y = 1
				}
				add(r, task, 0, grp, grp, true, y, t1)
				add(r, task, 1, grp, grp, true, 1-y, t2)
				continue
			}
			m := g.General[grp]
			pr := sigmoid(m.Intercept + util(m, t1) - util(m, t2)) // t1 is A's
			y := 0.0
			if rng.Float64() < pr {
				y = 1
			}
			// Show B's candidate first half of the time.
			if task%4 == 1 {
				add(r, task, 0, grp, 0, false, y, t1)
				add(r, task, 1, grp, 1, false, 1-y, t2)
			} else {
				add(r, task, 0, grp, 1, false, 1-y, t2)
				add(r, task, 1, grp, 0, false, y, t1)
			}
		}
	}
	return x, gd
}

// TestFitGame: the four models fitted from data simulated from the spec's
// game recover its intercepts and utility differences (within 0.1, about
// four standard errors at this size), and the group shares.
func TestFitGame(t *testing.T) {
	truth := specGame()
	x, gd := simulateGame(truth, 12000, 8, 11)
	g, err := FitGame(truth.Design, x, gd, Logit)
	if err != nil {
		t.Fatal(err)
	}
	for k := range 2 {
		for _, c := range []struct {
			name      string
			got, want PartyModel
			intercept bool
		}{{"general", g.General[k], truth.General[k], true}, {"primary", g.Primary[k], truth.Primary[k], false}} {
			if c.intercept && math.Abs(c.got.Intercept-c.want.Intercept) > 0.1 {
				t.Errorf("%s %d intercept %v, want %v", c.name, k, c.got.Intercept, c.want.Intercept)
			}
			for a := range c.want.Utility {
				for l := range c.want.Utility[a] {
					dg := c.got.Utility[a][l] - c.got.Utility[a][0]
					dw := c.want.Utility[a][l] - c.want.Utility[a][0]
					if math.Abs(dg-dw) > 0.1 {
						t.Errorf("%s %d attribute %d level %d: %v, want %v", c.name, k, a, l, dg, dw)
					}
				}
			}
		}
	}
	if s := g.Shares[0] / (g.Shares[0] + g.Shares[1]); math.Abs(s-0.48) > 0.02 {
		t.Errorf("share of A %v, want 0.48", s)
	}
	if _, err := SolveGame(g, GameOptions{Lambda: 0.1, Penalty: KL}); err != nil {
		t.Error(err)
	}
}

// TestPairwiseBadInput: forced-choice outcomes that do not sum to one
// within a pair, and pairs of three profiles, are input errors.
func TestPairwiseBadInput(t *testing.T) {
	d, x := loadTaxes(t, taxAttrs[:2])
	y := *x
	y.Y = append([]float64(nil), x.Y...)
	y.Y[0] = 1 - y.Y[0]
	if _, err := FitModel(d, &y, ModelOptions{Pairwise: true}); !errors.Is(err, estimators.ErrInput) {
		t.Errorf("sum ≠ 1: %v", err)
	}
	z := *x
	z.Pair = make([]int, x.N())
	for i := range z.Pair {
		z.Pair[i] = i / 3
	}
	if _, err := FitModel(d, &z, ModelOptions{Pairwise: true}); !errors.Is(err, estimators.ErrInput) {
		t.Errorf("three profiles: %v", err)
	}
	if _, err := Optimize(&Model{}, PolicyOptions{Lambda: -1}); !errors.Is(err, estimators.ErrInput) {
		t.Errorf("λ < 0: %v", err)
	}
}

// TestGameSE: a game fitted from data has delta-method standard errors for
// the equilibrium value and both policies, which shrink like 1/√n.
func TestGameSE(t *testing.T) {
	truth := specGame()
	var se [2]float64
	for k, n := range []int{2000, 8000} {
		x, gd := simulateGame(truth, n, 8, 5)
		g, err := FitGame(truth.Design, x, gd, Logit)
		if err != nil {
			t.Fatal(err)
		}
		e, err := SolveGame(g, GameOptions{Lambda: 0.1, Penalty: KL})
		if err != nil {
			t.Fatal(err)
		}
		if !(e.ValueSE > 0) || !(e.Rows[0][0].StdError > 0) || !(e.Rows[1][3].StdError > 0) {
			t.Fatalf("n = %d: SEs %v %+v", n, e.ValueSE, e.Rows[0][0])
		}
		se[k] = e.Rows[0][0].StdError
	}
	if r := se[0] / se[1]; r < 1.6 || r > 2.5 {
		t.Errorf("SE ratio for 4× the respondents %v, want about 2", r)
	}
}
