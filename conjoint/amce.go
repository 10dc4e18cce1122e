package conjoint

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/causalkit/causalkit/estimators"
)

// Averaging is the rule that turns the effects of an attribute level
// conditional on the levels of an attribute it interacts with (through a
// design restriction or a requested ACIE) into one AMCE.
type Averaging int

const (
	// UniformSupport is cregg's rule: the uniform average over the levels
	// of the other attribute whose interaction coefficient is estimable,
	// plus its baseline. With β the main effect and γ_m the estimable
	// interaction coefficients (n − 1 of them),
	//
	//	AMCE = β + (1/n) Σ_m γ_m.
	UniformSupport Averaging = iota
	// DesignWeighted is cjoint's rule: the average weighted by the design
	// probability of each level m of the other attribute B among those
	// displayable with both the level l and the baseline of A,
	//
	//	AMCE = β + Σ_m w_m γ_m,  w_m = J(l, m)·1[J(base, m) > 0] / Σ_m' J(l, m')·1[J(base, m') > 0],
	//
	// with J(l, m) = p_A(l)·p_B(m)·1[(l, m) allowed] (the randomisation
	// probabilities of Attribute.Prob) and non-estimable γ_m counted as 0.
	// The standard error is that of the linear combination, √(cᵀVc),
	// which is what cjoint reports.
	DesignWeighted
)

// String returns the name of a.
func (a Averaging) String() string {
	if a == DesignWeighted {
		return "design-weighted (cjoint)"
	}
	return "uniform over supported levels (cregg)"
}

// AMCEOptions configures AMCE. The zero value is CR1 errors, 95 %
// intervals and cregg's averaging rule.
type AMCEOptions struct {
	// Cov is the respondent-clustered covariance: estimators.CR1 (the
	// default; the zero value Classical means CR1) or estimators.CR0G.
	Cov   estimators.CovType
	Level float64 // confidence level; 0 means 0.95
	// Averaging is the rule for attributes with restrictions or ACIEs.
	Averaging Averaging
	// Interactions lists pairs of attribute names whose average component
	// interaction effects (ACIEs) are estimated: the model gets their
	// level-pair indicators, the AMCEs of both attributes become averages
	// over the other's levels, and the result gets one ACIE row per pair of
	// non-baseline levels.
	Interactions [][2]string
}

func (o AMCEOptions) level() float64 {
	if o.Level == 0 {
		return 0.95
	}
	return o.Level
}

// AMCEResult holds AMCEs with their respondent-clustered inference.
type AMCEResult struct {
	// Estimates has one row per level of every attribute, in design order
	// (baselines with estimate 0 and undefined inference), then one row
	// per ACIE (Attribute "A:B", Level "l:m").
	Estimates []Estimate
	Intercept Estimate
	N         int // rows
	Clusters  int // respondents
	Cov       estimators.CovType
	Averaging Averaging
	// Dropped lists the model coefficients that are not estimable
	// (level pairs that never appear together, unobserved levels).
	Dropped []string

	lin linear
}

// AMCE estimates the average marginal component effect of every
// non-baseline level: the coefficients of the least-squares regression of
// the outcome on the level indicators of all attributes (with survey
// weights if given), with respondent-clustered covariance. Attributes linked
// by design restrictions get the full interaction of their levels (with R's
// rule for dropping aliased columns) and AMCEs averaged over the other
// attribute by opt.Averaging; so do attribute pairs listed in
// opt.Interactions, which also give ACIEs.
func AMCE(d *Design, x *Data, opt AMCEOptions) (*AMCEResult, error) {
	if err := x.Validate(d); err != nil {
		return nil, err
	}
	ct, err := clusterType(opt.Cov)
	if err != nil {
		return nil, err
	}
	pairs := d.Linked()
	var acie [][2]int
	for _, ia := range opt.Interactions {
		a, b := d.Attr(ia[0]), d.Attr(ia[1])
		if a < 0 || b < 0 || a == b {
			return nil, estimators.InputErrorf("conjoint: interaction %q×%q: name two different attributes of the design", ia[0], ia[1])
		}
		p := [2]int{min(a, b), max(a, b)}
		acie = append(acie, p)
		if !slices.Contains(pairs, p) {
			pairs = append(pairs, p)
		}
	}
	attrs := make([]int, len(d.Attributes))
	for a := range attrs {
		attrs[a] = a
	}
	c := newCoding(d, attrs, pairs)
	ls, err := estimators.WLS(c.columns(x), x.Y, c.names, estimators.LSOptions{Weights: x.Weights, DropCollinear: true})
	if err != nil {
		return nil, fmt.Errorf("conjoint: amce: %w", err)
	}
	cov, err := clusterCov(ls, ct, x.Respondent)
	if err != nil {
		return nil, fmt.Errorf("conjoint: amce: %w", err)
	}
	b, pos := keptCoef(ls)
	res := &AMCEResult{N: ls.N, Clusters: cov.Groups, Cov: ct, Averaging: opt.Averaging, Dropped: ls.Dropped,
		lin: linear{b: b, v: cov.V}}
	level := opt.level()
	add := func(e Estimate, combo []float64) {
		if combo != nil {
			e.Estimate, e.StdError = res.lin.value(combo)
		}
		e.fill(e.StdError, 0, level)
		res.Estimates = append(res.Estimates, e)
		res.lin.combos = append(res.lin.combos, combo)
	}
	unit := func(j int) []float64 {
		if pos[j] < 0 {
			return nil
		}
		v := make([]float64, len(b))
		v[pos[j]] = 1
		return v
	}
	res.Intercept = Estimate{Term: "(Intercept)", Estimate: ls.Coef[0]}
	ie, ise := res.lin.value(unit(0))
	res.Intercept.Estimate = ie
	res.Intercept.fill(ise, 0, level)

	probs := d.Probs()
	for a, at := range d.Attributes {
		for l, name := range at.Levels {
			e := Estimate{Term: d.term(a, l), Attribute: at.Name, Level: name}
			if l == at.Baseline {
				e.StdError = math.NaN()
				add(e, nil)
				continue
			}
			combo := unit(c.main[[2]int{a, l}])
			if combo == nil {
				e.Estimate, e.StdError = math.NaN(), math.NaN()
				add(e, nil)
				continue
			}
			for _, p := range pairs {
				if p[0] != a && p[1] != a {
					continue
				}
				bAttr := p[0] + p[1] - a
				col := func(m int) int {
					if p[0] == a {
						return c.inter[[4]int{a, l, bAttr, m}]
					}
					return c.inter[[4]int{bAttr, m, a, l}]
				}
				others := d.nonBase(bAttr)
				switch opt.Averaging {
				case DesignWeighted:
					var total float64
					w := make([]float64, len(d.Attributes[bAttr].Levels))
					for m := range w {
						if d.Allowed(a, at.Baseline, bAttr, m) && d.Allowed(a, l, bAttr, m) {
							w[m] = probs[a][l] * probs[bAttr][m]
							total += w[m]
						}
					}
					for _, m := range others {
						if k := pos[col(m)]; k >= 0 && w[m] > 0 {
							combo[k] += w[m] / total
						}
					}
				default:
					var est []int
					for _, m := range others {
						if k := pos[col(m)]; k >= 0 {
							est = append(est, k)
						}
					}
					for _, k := range est {
						combo[k] += 1 / float64(len(est)+1)
					}
				}
			}
			add(e, combo)
		}
	}
	// ACIE rows: the interaction coefficient, undefined without support
	// for the baseline comparisons in the data.
	for _, p := range acie {
		A, B := d.Attributes[p[0]], d.Attributes[p[1]]
		cells := cellCounts(x, p[0], p[1], len(A.Levels), len(B.Levels))
		for _, m := range d.nonBase(p[1]) {
			for _, l := range d.nonBase(p[0]) {
				e := Estimate{Attribute: A.Name + ":" + B.Name, Level: A.Levels[l] + ":" + B.Levels[m]}
				e.Term = e.Attribute + ":" + e.Level
				combo := unit(c.inter[[4]int{p[0], l, p[1], m}])
				if cells[A.Baseline][m] == 0 || cells[l][B.Baseline] == 0 {
					combo = nil
				}
				if combo == nil {
					e.Estimate, e.StdError = math.NaN(), math.NaN()
				}
				add(e, combo)
			}
		}
	}
	return res, nil
}

// cellCounts tabulates the rows by the levels of attributes a and b.
func cellCounts(x *Data, a, b, la, lb int) [][]int {
	out := make([][]int, la)
	for i := range out {
		out[i] = make([]int, lb)
	}
	for i, l := range x.Levels[a] {
		out[l][x.Levels[b][i]]++
	}
	return out
}

// Find returns the index of the row of attribute attr and level level, or
// −1.
func (r *AMCEResult) Find(attr, level string) int {
	return slices.IndexFunc(r.Estimates, func(e Estimate) bool { return e.Attribute == attr && e.Level == level })
}

// Compare returns the difference of rows i and j (estimate i − estimate j)
// with its standard error from the joint clustered covariance: the Wald
// test that two levels' effects differ (a baseline row counts as 0).
func (r *AMCEResult) Compare(i, j int, level float64) (Estimate, error) {
	return compare(&r.lin, r.Estimates, i, j, level)
}

// EqualTest returns the Wald χ² test that all the listed rows are equal
// (len(rows) − 1 degrees of freedom); with a single row, that it is zero.
func (r *AMCEResult) EqualTest(rows []int) (estimators.Test, error) {
	return equalTest(&r.lin, r.Estimates, rows)
}

func compare(lin *linear, est []Estimate, i, j int, level float64) (Estimate, error) {
	if i < 0 || j < 0 || i >= len(est) || j >= len(est) {
		return Estimate{}, estimators.InputErrorf("conjoint: compare: row out of range")
	}
	if level == 0 {
		level = 0.95
	}
	e := Estimate{Term: est[i].Term + " - " + est[j].Term, Attribute: est[i].Attribute, Level: est[i].Level + " - " + est[j].Level}
	c, ok := lin.contrast(i, j, est)
	if !ok {
		return Estimate{}, estimators.InputErrorf("conjoint: compare %s with %s: an estimate is undefined", est[i].Term, est[j].Term)
	}
	var se float64
	e.Estimate, se = lin.value(c)
	e.fill(se, 0, level)
	return e, nil
}

func equalTest(lin *linear, est []Estimate, rows []int) (estimators.Test, error) {
	if len(rows) == 0 {
		return estimators.Test{}, estimators.InputErrorf("conjoint: equality test: no rows")
	}
	var cs [][]float64
	if len(rows) == 1 {
		if rows[0] < 0 || rows[0] >= len(est) || lin.combos[rows[0]] == nil {
			return estimators.Test{}, estimators.InputErrorf("conjoint: equality test: the row has no inference (a baseline or undefined)")
		}
		cs = append(cs, lin.combos[rows[0]])
	}
	for k := 1; k < len(rows); k++ {
		c, ok := lin.contrast(rows[k], rows[0], est)
		if !ok {
			return estimators.Test{}, estimators.InputErrorf("conjoint: equality test: an estimate is undefined")
		}
		cs = append(cs, c)
	}
	rm := mat.NewDense(len(cs), len(lin.b), nil)
	for q, c := range cs {
		rm.SetRow(q, c)
	}
	return estimators.Wald(lin.b, lin.v, rm, nil)
}
