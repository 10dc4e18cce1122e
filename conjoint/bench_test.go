package conjoint

import (
	"fmt"
	"testing"

	"github.com/causalkit/causalkit/estimators"
)

// benchLevels are 8 attributes of 2–6 levels.
var benchLevels = []int{2, 3, 4, 5, 6, 2, 3, 4}

// simulateProfiles draws n profile rows (pairs of profiles, 8 tasks per
// respondent) from a uniform design over levels, with a linear choice
// model.
func simulateProfiles(levels []int, n int, seed uint64) (*Design, *Data) {
	names := make([]string, len(levels))
	lv := make([][]string, len(levels))
	for a, L := range levels {
		names[a] = fmt.Sprintf("A%d", a+1)
		for l := range L {
			lv[a] = append(lv[a], fmt.Sprintf("l%d", l+1))
		}
	}
	d := NewDesign(names, lv)
	rng := estimators.Stream(seed, 0)
	x := &Data{Y: make([]float64, n), Respondent: make([]int, n), Task: make([]int, n), Profile: make([]int, n), Levels: make([][]int, len(levels))}
	for a := range levels {
		x.Levels[a] = make([]int, n)
	}
	for i := 0; i < n; i += 2 {
		var u [2]float64
		for k := range 2 {
			for a, L := range levels {
				l := rng.IntN(L)
				x.Levels[a][i+k] = l
				u[k] += 0.1 * float64(l) / float64(L)
			}
			x.Respondent[i+k], x.Task[i+k], x.Profile[i+k] = i/16, (i/2)%8, k
		}
		y := 0.0
		if rng.Float64() < 0.5+u[0]-u[1] {
			y = 1
		}
		x.Y[i], x.Y[i+1] = y, 1-y
	}
	return d, x
}

// BenchmarkAMCE1M: AMCEs with CR1 errors on 1,000,000 profile rows, 8
// attributes (21 coefficients), 62,500 respondents.
func BenchmarkAMCE1M(b *testing.B) {
	d, x := simulateProfiles(benchLevels, 1_000_000, 1)
	b.ResetTimer()
	for range b.N {
		if _, err := AMCE(d, x, AMCEOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOptimizeCVTaxes: λ by 2-fold cross-validation over the default
// grid, then the fit and the optimal policy with delta-method errors, on
// taxes (taxrate1..6): the profile-level linear model with L2, and the
// pairwise logit (7680 profiles enumerated against a design opponent) with
// KL.
func BenchmarkOptimizeCVTaxes(b *testing.B) {
	d, x := loadTaxes(b, taxAttrs[:6])
	for _, c := range []struct {
		name string
		m    ModelOptions
		pen  Penalty
	}{{"linear-profile-L2", ModelOptions{}, L2}, {"logit-pairwise-KL", ModelOptions{Link: Logit, Pairwise: true}, KL}} {
		b.Run(c.name, func(b *testing.B) {
			for range b.N {
				cv, err := SelectLambda(d, x, c.m, PolicyOptions{Penalty: c.pen}, CVOptions{Seed: 1})
				if err != nil {
					b.Fatal(err)
				}
				m, err := FitModel(d, x, c.m)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := Optimize(m, PolicyOptions{Lambda: cv.Lambda, Penalty: c.pen}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEquilibrium8: the game with primaries on 8 attributes of 2–6
// levels (2,2,2,2,3,3,4,6: 3456 profiles), KL λ = 0.1, random utilities,
// including the Nash-gap certificate.
func BenchmarkEquilibrium8(b *testing.B) {
	levels := []int{2, 2, 2, 2, 3, 3, 4, 6}
	names := make([]string, len(levels))
	lv := make([][]string, len(levels))
	for a, L := range levels {
		names[a] = fmt.Sprintf("A%d", a+1)
		for l := range L {
			lv[a] = append(lv[a], fmt.Sprint(l+1))
		}
	}
	rng := estimators.Stream(3, 0)
	model := func(c float64) PartyModel {
		m := PartyModel{Intercept: c, Utility: make([][]float64, len(levels))}
		for a, L := range levels {
			m.Utility[a] = make([]float64, L)
			for l := 1; l < L; l++ {
				m.Utility[a][l] = 0.6 * (rng.Float64() - 0.5)
			}
		}
		return m
	}
	g := &Game{Design: NewDesign(names, lv), Link: Logit, Shares: [2]float64{0.48, 0.52}, Strength: 1,
		General: [2]PartyModel{model(0.8), model(-0.8)}, Primary: [2]PartyModel{model(0), model(0)}}
	b.ResetTimer()
	for range b.N {
		e, err := SolveGame(g, GameOptions{Lambda: 0.1, Penalty: KL})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(e.NashGap, "nash-gap")
		b.ReportMetric(float64(e.Iterations), "iterations")
	}
}
