package conjoint

import (
	"fmt"
	"math"
	"slices"

	"github.com/causalkit/causalkit/estimators"
)

// MMOptions configures MarginalMeans. The zero value is CR1 errors, 95 %
// intervals and h0 = 0.
type MMOptions struct {
	Cov   estimators.CovType // estimators.CR1 (default) or estimators.CR0G
	Level float64            // confidence level; 0 means 0.95
	// H0 is the null value of the tests: statistic = (MM − H0)/SE. Use 0.5
	// for forced-choice outcomes (cregg's h0).
	H0 float64
}

func (o MMOptions) level() float64 {
	if o.Level == 0 {
		return 0.95
	}
	return o.Level
}

// MMResult holds marginal means.
type MMResult struct {
	Estimates []Estimate // every level of every attribute, in design order
	N         int
	Clusters  int
	Cov       estimators.CovType
	H0        float64

	lins  []linear // one per attribute
	attrs []int    // attribute of each row
	index []int    // row's position within its attribute
}

// MarginalMeans estimates the marginal mean of the outcome at every level
// of every attribute, the (weighted) mean over the rows showing that
// level. Its respondent-clustered errors come from the least-squares
// regression of the outcome on all of one attribute's level indicators
// without intercept (whose coefficients are the level means), as cregg's
// mm(). A level that never appears has an undefined (NaN) mean.
func MarginalMeans(d *Design, x *Data, opt MMOptions) (*MMResult, error) {
	if err := x.Validate(d); err != nil {
		return nil, err
	}
	ct, err := clusterType(opt.Cov)
	if err != nil {
		return nil, err
	}
	res := &MMResult{N: x.N(), Cov: ct, H0: opt.H0}
	codes, _ := dense(x.Respondent)
	for a, at := range d.Attributes {
		cols := make([][]float64, len(at.Levels))
		names := make([]string, len(at.Levels))
		for l := range cols {
			cols[l] = make([]float64, x.N())
			names[l] = d.term(a, l)
		}
		for i, l := range x.Levels[a] {
			cols[l][i] = 1
		}
		ls, err := estimators.WLS(cols, x.Y, names, estimators.LSOptions{Weights: x.Weights, DropCollinear: true})
		if err != nil {
			return nil, fmt.Errorf("conjoint: marginal means of %q: %w", at.Name, err)
		}
		cov, err := ls.Cov(estimators.CovOptions{Type: ct, Cluster: codes})
		if err != nil {
			return nil, fmt.Errorf("conjoint: marginal means of %q: %w", at.Name, err)
		}
		res.Clusters = cov.Groups
		b, pos := keptCoef(ls)
		lin := linear{b: b, v: cov.V}
		for l, name := range at.Levels {
			e := Estimate{Term: names[l], Attribute: at.Name, Level: name}
			var combo []float64
			if pos[l] >= 0 {
				combo = make([]float64, len(b))
				combo[pos[l]] = 1
			}
			e.Estimate, e.StdError = lin.value(combo)
			e.fill(e.StdError, opt.H0, opt.level())
			res.Estimates = append(res.Estimates, e)
			lin.combos = append(lin.combos, combo)
			res.attrs = append(res.attrs, a)
			res.index = append(res.index, l)
		}
		res.lins = append(res.lins, lin)
	}
	return res, nil
}

// Find returns the index of the row of attribute attr and level level, or
// −1.
func (r *MMResult) Find(attr, level string) int {
	return slices.IndexFunc(r.Estimates, func(e Estimate) bool { return e.Attribute == attr && e.Level == level })
}

// Compare returns the difference of the marginal means of rows i and j,
// two levels of the same attribute, with its clustered standard error (the
// test that the two levels' means differ).
func (r *MMResult) Compare(i, j int, level float64) (Estimate, error) {
	if i < 0 || j < 0 || i >= len(r.Estimates) || j >= len(r.Estimates) {
		return Estimate{}, estimators.InputErrorf("conjoint: compare: row out of range")
	}
	if r.attrs[i] != r.attrs[j] {
		return Estimate{}, estimators.InputErrorf("conjoint: compare: %s and %s are levels of different attributes; marginal means of different attributes come from different regressions", r.Estimates[i].Term, r.Estimates[j].Term)
	}
	lin := &r.lins[r.attrs[i]]
	off := i - r.index[i]
	return compare(lin, r.Estimates[off:off+len(lin.combos)], r.index[i], r.index[j], level)
}

// Group is a subgroup of rows (by a respondent characteristic, usually).
type Group struct {
	Codes []int    // group code per row, 0 … len(Names)−1
	Names []string // group names; the first is the reference of differences
}

func (g Group) validate(n int) error {
	if len(g.Codes) != n {
		return estimators.InputErrorf("conjoint: group has %d rows, the data %d", len(g.Codes), n)
	}
	if len(g.Names) < 2 {
		return estimators.InputErrorf("conjoint: subgroup analysis needs at least two groups, got %d", len(g.Names))
	}
	for i, c := range g.Codes {
		if c < 0 || c >= len(g.Names) {
			return estimators.InputErrorf("conjoint: group code %d in row %d out of range", c, i+1)
		}
	}
	return nil
}

// rows returns the row indices of each group.
func (g Group) rows() [][]int {
	out := make([][]int, len(g.Names))
	for i, c := range g.Codes {
		out[c] = append(out[c], i)
	}
	return out
}

// MarginalMeansBy estimates the marginal means within each group
// separately; rows carry the group name.
func MarginalMeansBy(d *Design, x *Data, g Group, opt MMOptions) ([]*MMResult, error) {
	return byGroup(x, g, func(x *Data) (*MMResult, []Estimate, error) {
		r, err := MarginalMeans(d, x, opt)
		if err != nil {
			return nil, nil, err
		}
		return r, r.Estimates, nil
	})
}

// byGroup runs fit on each group's rows and labels the estimate rows it
// returns with the group's name.
func byGroup[R any](x *Data, g Group, fit func(*Data) (R, []Estimate, error)) ([]R, error) {
	if err := g.validate(x.N()); err != nil {
		return nil, err
	}
	var out []R
	for k, rows := range g.rows() {
		if len(rows) == 0 {
			return nil, estimators.InputErrorf("conjoint: group %q has no rows", g.Names[k])
		}
		r, est, err := fit(x.subset(rows))
		if err != nil {
			return nil, fmt.Errorf("group %q: %w", g.Names[k], err)
		}
		for i := range est {
			est[i].Group = g.Names[k]
		}
		out = append(out, r)
	}
	return out, nil
}

// MMDiffs returns the differences of every group's marginal means from the
// first group's, m_g − m_1, with standard error √(se_g² + se_1²): the groups
// are estimated separately and treated as independent, which holds when
// the groups are disjoint sets of respondents (as in cregg's mm_diffs; the
// statistic is the difference over its standard error, not shifted by
// h0). Group is "g − first".
func MMDiffs(d *Design, x *Data, g Group, opt MMOptions) ([]Estimate, error) {
	opt.H0 = 0
	by, err := MarginalMeansBy(d, x, g, opt)
	if err != nil {
		return nil, err
	}
	var out []Estimate
	for k := 1; k < len(by); k++ {
		for i, e := range by[k].Estimates {
			b := by[0].Estimates[i]
			e.Group = g.Names[k] + " - " + g.Names[0]
			e.Estimate -= b.Estimate
			e.fill(math.Hypot(e.StdError, b.StdError), 0, opt.level())
			out = append(out, e)
		}
	}
	return out, nil
}
