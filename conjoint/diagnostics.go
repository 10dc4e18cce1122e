package conjoint

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/causalkit/causalkit/estimators"
)

// Heterogeneity is the nested-model F test of cregg's cj_anova: the
// least-squares regression of the outcome on the level indicators of all
// attributes (reduced model) against the same regression with the group
// indicators and all products of level and group indicators added (full
// model),
//
//	F = ((RSS_r − RSS_f)/(k_f − k_r)) / (RSS_f/(n − k_f)),
//
// with F(k_f − k_r, n − k_f) reference distribution (k = ranks; weighted
// residual sums of squares when the data have weights, which cregg does not
// support). It tests whether any AMCE differs between groups.
func Heterogeneity(d *Design, x *Data, g Group) (estimators.Test, error) {
	if err := x.Validate(d); err != nil {
		return estimators.Test{}, err
	}
	if err := g.validate(x.N()); err != nil {
		return estimators.Test{}, err
	}
	attrs := make([]int, len(d.Attributes))
	for a := range attrs {
		attrs[a] = a
	}
	c := newCoding(d, attrs, d.Linked())
	cols := c.columns(x)
	names := c.names
	opt := estimators.LSOptions{Weights: x.Weights, DropCollinear: true}
	red, err := estimators.WLS(cols, x.Y, names, opt)
	if err != nil {
		return estimators.Test{}, fmt.Errorf("conjoint: heterogeneity test: %w", err)
	}
	k0 := len(cols)
	n := x.N()
	var gcols [][]float64
	for k := 1; k < len(g.Names); k++ {
		col := make([]float64, n)
		for i, code := range g.Codes {
			if code == k {
				col[i] = 1
			}
		}
		gcols = append(gcols, col)
		cols = append(cols, col)
		names = append(names, "group:"+g.Names[k])
	}
	for j := 1; j < k0; j++ {
		for k, gk := range gcols {
			col := make([]float64, n)
			for i := range col {
				col[i] = cols[j][i] * gk[i]
			}
			cols = append(cols, col)
			names = append(names, fmt.Sprintf("%s:group:%s", names[j], g.Names[k+1]))
		}
	}
	full, err := estimators.WLS(cols, x.Y, names, opt)
	if err != nil {
		return estimators.Test{}, fmt.Errorf("conjoint: heterogeneity test: %w", err)
	}
	df1, df2 := float64(full.Rank-red.Rank), float64(full.DFResid())
	if df1 <= 0 || df2 <= 0 {
		return estimators.Test{Statistic: math.NaN(), PValue: math.NaN(), DF1: df1, DF2: df2}, nil
	}
	f := ((red.RSS - full.RSS) / df1) / (full.RSS / df2)
	return estimators.FTest(f, df1, df2), nil
}

// Carryover is the Heterogeneity test by task: do the AMCEs change over
// the tasks a respondent completes?
func Carryover(d *Design, x *Data) (estimators.Test, error) {
	if x.Task == nil {
		return estimators.Test{}, estimators.InputErrorf("conjoint: the carryover test needs the task of every row")
	}
	codes, g := sortedCodes(x.Task)
	names := make([]string, g)
	for k := range names {
		names[k] = fmt.Sprint(k + 1)
	}
	return Heterogeneity(d, x, Group{Codes: codes, Names: names})
}

// sortedCodes recodes non-negative codes to 0 … G−1 in increasing order.
func sortedCodes(v []int) ([]int, int) {
	mx := 0
	for _, c := range v {
		mx = max(mx, c)
	}
	present := make([]int, mx+1)
	for _, c := range v {
		present[c] = 1
	}
	g := 0
	for c, ok := range present {
		if ok == 1 {
			present[c] = g
			g++
		} else {
			present[c] = -1
		}
	}
	out := make([]int, len(v))
	for i, c := range v {
		out[i] = present[c]
	}
	return out, g
}

// PositionMean is the mean outcome of the profiles shown at one position.
type PositionMean struct {
	Profile  int     `json:"profile"` // position, 1 = first (smallest code)
	Estimate float64 `json:"estimate"`
	StdError float64 `json:"std_error"`
	N        int     `json:"n"`
}

// ProfileOrderResult is the left/right (position) diagnostic.
type ProfileOrderResult struct {
	Means []PositionMean
	// Test is the Wald χ² test (with the chosen clustered covariance)
	// that all position means are equal; in forced-choice data it tests
	// that the first position's mean is 1/2.
	Test estimators.Test
}

// ProfileOrder returns the (weighted) mean outcome at each profile
// position with respondent-clustered errors (the regression of the outcome
// on the position indicators without intercept) and the test that they are
// equal.
func ProfileOrder(d *Design, x *Data, cov estimators.CovType) (*ProfileOrderResult, error) {
	if err := x.Validate(d); err != nil {
		return nil, err
	}
	if x.Profile == nil {
		return nil, estimators.InputErrorf("conjoint: the profile-order diagnostic needs the position of every profile")
	}
	ct, err := clusterType(cov)
	if err != nil {
		return nil, err
	}
	codes, p := sortedCodes(x.Profile)
	if p < 2 {
		return nil, estimators.InputErrorf("conjoint: every profile was shown at the same position")
	}
	cols := make([][]float64, p)
	names := make([]string, p)
	counts := make([]int, p)
	for k := range cols {
		cols[k] = make([]float64, x.N())
		names[k] = fmt.Sprintf("profile %d", k+1)
	}
	for i, c := range codes {
		cols[c][i] = 1
		counts[c]++
	}
	ls, err := estimators.WLS(cols, x.Y, names, estimators.LSOptions{Weights: x.Weights})
	if err != nil {
		return nil, fmt.Errorf("conjoint: profile order: %w", err)
	}
	cv, err := clusterCov(ls, ct, x.Respondent)
	if err != nil {
		return nil, fmt.Errorf("conjoint: profile order: %w", err)
	}
	se := cv.SE(ls)
	res := &ProfileOrderResult{}
	for k := range p {
		res.Means = append(res.Means, PositionMean{Profile: k + 1, Estimate: ls.Coef[k], StdError: se[k], N: counts[k]})
	}
	rm := mat.NewDense(p-1, p, nil)
	for k := 1; k < p; k++ {
		rm.Set(k-1, k, 1)
		rm.Set(k-1, 0, -1)
	}
	res.Test, err = estimators.Wald(ls.Coef, cv.V, rm, nil)
	if err != nil {
		res.Test = estimators.Test{Statistic: math.NaN(), DF1: float64(p - 1), PValue: math.NaN()}
	}
	return res, nil
}

// BalanceTest is the balance test of one respondent covariate.
type BalanceTest struct {
	Term      string  `json:"term"`
	Statistic float64 `json:"statistic"`
	DF        float64 `json:"df"`
	PValue    float64 `json:"p_value"`
	N         int     `json:"n"`
}

// MarshalJSON encodes b with NaN as null.
func (b BalanceTest) MarshalJSON() ([]byte, error) {
	type plain BalanceTest
	return estimators.MarshalJSON(plain(b))
}

// Balance tests, for each covariate, that it does not vary with the
// displayed levels: the least-squares regression of the covariate on the
// level indicators of all attributes, and the Wald χ² test that every
// indicator coefficient is zero with the respondent-clustered covariance
// cov. Rows where a covariate is NaN (missing) are left out of its test.
// With successful randomisation the tests are uniform under the null.
func Balance(d *Design, x *Data, names []string, covariates [][]float64, cov estimators.CovType) ([]BalanceTest, error) {
	if err := x.Validate(d); err != nil {
		return nil, err
	}
	ct, err := clusterType(cov)
	if err != nil {
		return nil, err
	}
	if len(names) != len(covariates) {
		panic("conjoint: Balance: len(names) != len(covariates)")
	}
	attrs := make([]int, len(d.Attributes))
	for a := range attrs {
		attrs[a] = a
	}
	c := newCoding(d, attrs, d.Linked())
	var out []BalanceTest
	for k, z := range covariates {
		if len(z) != x.N() {
			return nil, estimators.InputErrorf("conjoint: covariate %q has %d rows, the data %d", names[k], len(z), x.N())
		}
		var rows []int
		for i, v := range z {
			if !math.IsNaN(v) {
				rows = append(rows, i)
			}
		}
		sub := x.subset(rows)
		sub.Y = make([]float64, len(rows))
		for q, i := range rows {
			sub.Y[q] = z[i]
		}
		ls, err := estimators.WLS(c.columns(sub), sub.Y, c.names, estimators.LSOptions{Weights: sub.Weights, DropCollinear: true})
		if err != nil {
			return nil, fmt.Errorf("conjoint: balance of %q: %w", names[k], err)
		}
		cv, err := clusterCov(ls, ct, sub.Respondent)
		if err != nil {
			return nil, fmt.Errorf("conjoint: balance of %q: %w", names[k], err)
		}
		b, _ := keptCoef(ls)
		rm := mat.NewDense(ls.Rank-1, ls.Rank, nil)
		for q := 1; q < ls.Rank; q++ {
			rm.Set(q-1, q, 1)
		}
		bt := BalanceTest{Term: names[k], N: len(rows), DF: float64(ls.Rank - 1)}
		if t, err := estimators.Wald(b, cv.V, rm, nil); err == nil {
			bt.Statistic, bt.PValue = t.Statistic, t.PValue
		} else {
			bt.Statistic, bt.PValue = math.NaN(), math.NaN()
		}
		out = append(out, bt)
	}
	return out, nil
}

// Frequency is the display count of one level.
type Frequency struct {
	Attribute  string  `json:"attribute"`
	Level      string  `json:"level"`
	Count      int     `json:"count"`
	Proportion float64 `json:"proportion"`
	// Expected is the design's probability of displaying the level (with
	// restrictions, the marginal of the restricted randomisation).
	Expected float64 `json:"expected"`
}

// FrequencyTest is the χ² goodness-of-fit test of one attribute's display
// counts against the design.
type FrequencyTest struct {
	Attribute string  `json:"attribute"`
	Statistic float64 `json:"statistic"`
	DF        float64 `json:"df"`
	PValue    float64 `json:"p_value"`
}

// Frequencies tabulates how often each level was displayed and tests each
// attribute's counts against the design probabilities with Pearson's
// χ² = Σ_l (O_l − E_l)²/E_l, df = (levels with positive probability) − 1.
// (Profiles are randomised independently, so the counts are multinomial
// under the design whatever the clustering of outcomes.)
func Frequencies(d *Design, x *Data) ([]Frequency, []FrequencyTest, error) {
	if err := x.Validate(d); err != nil {
		return nil, nil, err
	}
	q, err := displayMarginals(d)
	if err != nil {
		return nil, nil, err
	}
	n := float64(x.N())
	var freqs []Frequency
	var tests []FrequencyTest
	for a, at := range d.Attributes {
		counts := make([]int, len(at.Levels))
		for _, l := range x.Levels[a] {
			counts[l]++
		}
		var chi2, df float64
		for l, name := range at.Levels {
			freqs = append(freqs, Frequency{Attribute: at.Name, Level: name, Count: counts[l],
				Proportion: float64(counts[l]) / n, Expected: q[a][l]})
			if q[a][l] > 0 {
				e := n * q[a][l]
				chi2 += (float64(counts[l]) - e) * (float64(counts[l]) - e) / e
				df++
			}
		}
		t := estimators.ChiSquareTest(chi2, df-1)
		tests = append(tests, FrequencyTest{Attribute: at.Name, Statistic: t.Statistic, DF: t.DF1, PValue: t.PValue})
	}
	return freqs, tests, nil
}

// displayMarginals returns the probability that each level is displayed:
// the design probabilities, or for attributes linked by restrictions the
// marginals of the joint law ∝ Π p·1[allowed] over their linked component
// (enumerated; at most 2^22 level combinations).
func displayMarginals(d *Design) ([][]float64, error) {
	p := d.Probs()
	links := d.Linked()
	comp := make([]int, len(p))
	for a := range comp {
		comp[a] = a
	}
	var find func(int) int
	find = func(a int) int {
		if comp[a] != a {
			comp[a] = find(comp[a])
		}
		return comp[a]
	}
	for _, l := range links {
		comp[find(l[0])] = find(l[1])
	}
	q := make([][]float64, len(p))
	done := make([]bool, len(p))
	for a := range p {
		if done[a] {
			continue
		}
		var members []int
		for b := range p {
			if find(b) == find(a) {
				members = append(members, b)
				done[b] = true
			}
		}
		if len(members) == 1 {
			q[a] = p[a]
			continue
		}
		size := 1
		for _, b := range members {
			size *= len(p[b])
			q[b] = make([]float64, len(p[b]))
			if size > 1<<22 {
				return nil, estimators.InputErrorf("conjoint: restricted attributes linked into a component of more than 2^22 level combinations")
			}
		}
		idx := make([]int, len(members))
		var total float64
		for range size {
			w := 1.0
			for i, b := range members {
				w *= p[b][idx[i]]
				for j := i + 1; j < len(members) && w > 0; j++ {
					if !d.Allowed(b, idx[i], members[j], idx[j]) {
						w = 0
					}
				}
			}
			total += w
			for i, b := range members {
				q[b][idx[i]] += w
			}
			for i := range idx {
				idx[i]++
				if idx[i] < len(p[members[i]]) {
					break
				}
				idx[i] = 0
			}
		}
		for _, b := range members {
			for l := range q[b] {
				q[b][l] /= total
			}
		}
	}
	return q, nil
}
