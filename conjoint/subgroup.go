package conjoint

import (
	"fmt"
	"math"

	"github.com/causalkit/causalkit/estimators"
)

// AMCEBy estimates conditional AMCEs: the AMCE model fitted separately
// within each group (cregg's cj(…, by =)). Rows carry the group name.
func AMCEBy(d *Design, x *Data, g Group, opt AMCEOptions) ([]*AMCEResult, error) {
	return byGroup(x, g, func(x *Data) (*AMCEResult, []Estimate, error) {
		r, err := AMCE(d, x, opt)
		if err != nil {
			return nil, nil, err
		}
		return r, r.Estimates, nil
	})
}

// AMCEDiffs estimates the differences of AMCEs between groups in one
// regression: the outcome on the level indicators, the group indicators
// (first group as reference) and all their products, with
// respondent-clustered covariance. The difference of level l's AMCE in
// group g from the first group is the coefficient of 1[level l]·1[group g]
// (cregg's amce_diffs). Restricted designs are not supported.
func AMCEDiffs(d *Design, x *Data, g Group, opt AMCEOptions) ([]Estimate, error) {
	if err := x.Validate(d); err != nil {
		return nil, err
	}
	if err := g.validate(x.N()); err != nil {
		return nil, err
	}
	if len(d.Restrictions) > 0 || len(opt.Interactions) > 0 {
		return nil, estimators.InputErrorf("conjoint: AMCE differences are not defined for restricted designs or with interactions; compare conditional AMCEs instead")
	}
	ct, err := clusterType(opt.Cov)
	if err != nil {
		return nil, err
	}
	attrs := make([]int, len(d.Attributes))
	for a := range attrs {
		attrs[a] = a
	}
	c := newCoding(d, attrs, nil)
	cols := c.columns(x)
	names := c.names
	n := x.N()
	k0 := len(cols)
	for k := 1; k < len(g.Names); k++ {
		col := make([]float64, n)
		for i, code := range g.Codes {
			if code == k {
				col[i] = 1
			}
		}
		cols = append(cols, col)
		names = append(names, "group:"+g.Names[k])
	}
	type key struct{ j, k int }
	inter := map[key]int{}
	for j := 1; j < k0; j++ {
		for k := 1; k < len(g.Names); k++ {
			col := make([]float64, n)
			gk := cols[k0+k-1]
			for i := range col {
				col[i] = cols[j][i] * gk[i]
			}
			inter[key{j, k}] = len(cols)
			cols = append(cols, col)
			names = append(names, names[j]+":group:"+g.Names[k])
		}
	}
	ls, err := estimators.WLS(cols, x.Y, names, estimators.LSOptions{Weights: x.Weights, DropCollinear: true})
	if err != nil {
		return nil, fmt.Errorf("conjoint: amce differences: %w", err)
	}
	cov, err := clusterCov(ls, ct, x.Respondent)
	if err != nil {
		return nil, fmt.Errorf("conjoint: amce differences: %w", err)
	}
	se := cov.SE(ls)
	var out []Estimate
	for k := 1; k < len(g.Names); k++ {
		for a, at := range d.Attributes {
			for _, l := range d.nonBase(a) {
				j := inter[key{c.main[[2]int{a, l}], k}]
				e := Estimate{Term: d.term(a, l), Attribute: at.Name, Level: at.Levels[l],
					Group: g.Names[k] + " - " + g.Names[0], Estimate: ls.Coef[j]}
				s := se[j]
				if math.IsNaN(e.Estimate) {
					s = math.NaN()
				}
				e.fill(s, 0, opt.level())
				out = append(out, e)
			}
		}
	}
	return out, nil
}
