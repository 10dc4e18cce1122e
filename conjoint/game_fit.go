package conjoint

import (
	"fmt"

	"github.com/causalkit/causalkit/estimators"
)

// GameData marks the adversarial structure of a conjoint experiment.
type GameData struct {
	// RespondentGroup is each row's respondent group (0 = party A's
	// voters, 1 = party B's voters).
	RespondentGroup []int
	// CandidateGroup is each row's candidate party (0 = A, 1 = B).
	CandidateGroup []int
	// Same marks rows of within-party ("same", primary) matchups; the
	// others are cross-party ("different", general-election) matchups.
	Same []bool
	// Shares are the group shares; zero means the respondents' sample
	// shares.
	Shares [2]float64
}

// FitGame fits the four outcome models of the game (strategize's "four"
// strategy) as pairwise main-effect models with the given link:
//
//   - general model of voter group g: respondents of group g, cross-party
//     pairs, the outcome that party A's candidate was chosen, regressed on
//     x(A's candidate) − x(B's candidate) with an intercept (A's advantage
//     among group g);
//   - primary model of party P: respondents of group P, pairs of two party-P
//     candidates, the first position's candidate chosen, on the difference
//     of the two profiles; the intercept (a position effect) is not part of
//     the primary contest.
//
// Utilities are the fitted main effects (0 at the baselines). The models'
// clustered covariances are kept, so that SolveGame reports delta-method
// standard errors.
func FitGame(d *Design, x *Data, gd GameData, link Link) (*Game, error) {
	if err := x.Validate(d); err != nil {
		return nil, err
	}
	n := x.N()
	if len(gd.RespondentGroup) != n || len(gd.CandidateGroup) != n || len(gd.Same) != n {
		return nil, estimators.InputErrorf("conjoint: game: group and matchup columns must have one value per row")
	}
	pair, err := x.pairs()
	if err != nil {
		return nil, err
	}
	for i := range n {
		if g := gd.RespondentGroup[i]; g != 0 && g != 1 {
			return nil, estimators.InputErrorf("conjoint: game: respondent group code %d in row %d; exactly two groups are needed", g, i+1)
		}
		if g := gd.CandidateGroup[i]; g != 0 && g != 1 {
			return nil, estimators.InputErrorf("conjoint: game: candidate group code %d in row %d; exactly two parties are needed", g, i+1)
		}
	}
	g := &Game{Design: d, Link: link, Strength: 1, Shares: gd.Shares}
	if g.Shares == [2]float64{} {
		seen := map[int]bool{}
		for i, r := range x.Respondent {
			if !seen[r] {
				seen[r] = true
				g.Shares[gd.RespondentGroup[i]]++
			}
		}
	}
	byPair := map[int][]int{}
	for i, p := range pair {
		byPair[p] = append(byPair[p], i)
	}
	for k, party := range []string{"A", "B"} {
		// General model of voter group k: first = party A's candidate.
		var rows []int
		var prof []int
		for i := range n {
			if gd.RespondentGroup[i] != k || gd.Same[i] {
				continue
			}
			rows = append(rows, i)
			prof = append(prof, gd.CandidateGroup[i])
		}
		sub := x.subset(rows)
		sub.Profile = prof
		sub.Pair = pickInts(pair, rows)
		m, err := FitModel(d, sub, ModelOptions{Link: link, Pairwise: true})
		if err != nil {
			return nil, fmt.Errorf("conjoint: game: general-election model of group %s: %w", party, err)
		}
		g.General[k] = partyModel(m, true)
		g.fitted[k] = m
		// Primary of party k: its voters, two party-k candidates.
		rows = rows[:0]
		for i := range n {
			if gd.RespondentGroup[i] == k && gd.Same[i] && gd.CandidateGroup[i] == k {
				rows = append(rows, i)
			}
		}
		sub = x.subset(rows)
		sub.Pair = pickInts(pair, rows)
		m, err = FitModel(d, sub, ModelOptions{Link: link, Pairwise: true})
		if err != nil {
			return nil, fmt.Errorf("conjoint: game: primary model of party %s: %w", party, err)
		}
		g.Primary[k] = partyModel(m, false)
		g.fitted[2+k] = m
	}
	return g, nil
}

func pickInts(v []int, rows []int) []int {
	out := make([]int, len(rows))
	for k, i := range rows {
		out[k] = v[i]
	}
	return out
}

// partyModel turns a fitted main-effect model into utilities.
func partyModel(m *Model, intercept bool) PartyModel {
	beta, _ := m.blocks(m.Coef)
	pm := PartyModel{Utility: beta}
	if intercept {
		pm.Intercept = m.Coef[0]
	}
	return pm
}
