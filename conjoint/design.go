package conjoint

import (
	"fmt"
	"math"
	"slices"

	"github.com/causalkit/causalkit/estimators"
)

// Attribute is one randomised feature of the profiles.
type Attribute struct {
	Name   string
	Levels []string // level names, in display order
	// Baseline is the index of the reference level in Levels (0 by
	// default, R's treatment contrasts).
	Baseline int
	// Prob holds the randomisation probability of each level (normalised
	// to sum to one); nil means uniform over Levels. With restrictions,
	// these are the probabilities before the restricted profiles are
	// removed: a profile t is displayed with probability proportional to
	// Π_a Prob_a(t_a)·1[t allowed], as cjoint's makeDesign(type =
	// "constraints", level.probs).
	Prob []float64
}

// Restriction is a pair of levels of two different attributes that never
// appear together in a profile. Indices refer to Design.Attributes and to the
// attributes' Levels.
type Restriction struct {
	Attr1, Level1 int
	Attr2, Level2 int
}

// Design describes a conjoint experiment: its attributes and the level pairs
// its randomisation excludes.
type Design struct {
	Attributes   []Attribute
	Restrictions []Restriction
}

// NewDesign returns a uniform, unrestricted design whose attribute a has the
// name names[a] and the levels levels[a]; the first level of each is the
// baseline.
func NewDesign(names []string, levels [][]string) *Design {
	if len(names) != len(levels) {
		panic("conjoint: NewDesign: len(names) != len(levels)")
	}
	d := &Design{Attributes: make([]Attribute, len(names))}
	for a := range names {
		d.Attributes[a] = Attribute{Name: names[a], Levels: slices.Clone(levels[a])}
	}
	return d
}

// Validate checks that every attribute has a name and at least two levels,
// that baselines, probabilities and restrictions are in range, and that
// names are unique.
func (d *Design) Validate() error {
	if len(d.Attributes) == 0 {
		return estimators.InputErrorf("conjoint: the design has no attributes")
	}
	seen := map[string]bool{}
	for _, at := range d.Attributes {
		if at.Name == "" {
			return estimators.InputErrorf("conjoint: an attribute has no name")
		}
		if seen[at.Name] {
			return estimators.InputErrorf("conjoint: attribute %q is listed twice", at.Name)
		}
		seen[at.Name] = true
		if len(at.Levels) < 2 {
			return estimators.InputErrorf("conjoint: attribute %q has %d level(s); an attribute needs at least two levels to have effects", at.Name, len(at.Levels))
		}
		lv := map[string]bool{}
		for _, l := range at.Levels {
			if lv[l] {
				return estimators.InputErrorf("conjoint: attribute %q lists level %q twice", at.Name, l)
			}
			lv[l] = true
		}
		if at.Baseline < 0 || at.Baseline >= len(at.Levels) {
			return estimators.InputErrorf("conjoint: attribute %q: baseline index %d out of range", at.Name, at.Baseline)
		}
		if at.Prob != nil {
			if len(at.Prob) != len(at.Levels) {
				return estimators.InputErrorf("conjoint: attribute %q: %d design probabilities for %d levels", at.Name, len(at.Prob), len(at.Levels))
			}
			var s float64
			for i, p := range at.Prob {
				if !(p >= 0) || math.IsInf(p, 0) {
					return estimators.InputErrorf("conjoint: attribute %q level %q: design probability %v must be finite and non-negative", at.Name, at.Levels[i], p)
				}
				s += p
			}
			if s <= 0 {
				return estimators.InputErrorf("conjoint: attribute %q: design probabilities sum to zero", at.Name)
			}
		}
	}
	for _, r := range d.Restrictions {
		if r.Attr1 < 0 || r.Attr1 >= len(d.Attributes) || r.Attr2 < 0 || r.Attr2 >= len(d.Attributes) || r.Attr1 == r.Attr2 {
			return estimators.InputErrorf("conjoint: restriction %+v: attributes out of range or equal", r)
		}
		if r.Level1 < 0 || r.Level1 >= len(d.Attributes[r.Attr1].Levels) || r.Level2 < 0 || r.Level2 >= len(d.Attributes[r.Attr2].Levels) {
			return estimators.InputErrorf("conjoint: restriction %+v: level out of range", r)
		}
	}
	return nil
}

// Attr returns the index of the attribute called name, or −1.
func (d *Design) Attr(name string) int {
	return slices.IndexFunc(d.Attributes, func(a Attribute) bool { return a.Name == name })
}

// SetBaseline makes level the reference level of attribute attr.
func (d *Design) SetBaseline(attr, level string) error {
	a := d.Attr(attr)
	if a < 0 {
		return estimators.InputErrorf("conjoint: baseline: no attribute %q", attr)
	}
	l := slices.Index(d.Attributes[a].Levels, level)
	if l < 0 {
		return estimators.InputErrorf("conjoint: baseline: attribute %q has no level %q (levels: %q)", attr, level, d.Attributes[a].Levels)
	}
	d.Attributes[a].Baseline = l
	return nil
}

// Restrict adds the restriction that level l1 of attribute a1 and level l2
// of attribute a2 never appear together (names, as in a restrictions file).
func (d *Design) Restrict(a1, l1, a2, l2 string) error {
	r := Restriction{Attr1: d.Attr(a1), Attr2: d.Attr(a2)}
	for _, c := range []struct {
		a    int
		name string
		lvl  string
		dst  *int
	}{{r.Attr1, a1, l1, &r.Level1}, {r.Attr2, a2, l2, &r.Level2}} {
		if c.a < 0 {
			return estimators.InputErrorf("conjoint: restriction: no attribute %q", c.name)
		}
		if *c.dst = slices.Index(d.Attributes[c.a].Levels, c.lvl); *c.dst < 0 {
			return estimators.InputErrorf("conjoint: restriction: attribute %q has no level %q", c.name, c.lvl)
		}
	}
	if r.Attr1 == r.Attr2 {
		return estimators.InputErrorf("conjoint: restriction: %q and %q are levels of the same attribute", l1, l2)
	}
	d.Restrictions = append(d.Restrictions, r)
	return nil
}

// Probs returns the design probabilities of every attribute, normalised
// (uniform where Attribute.Prob is nil).
func (d *Design) Probs() [][]float64 {
	p := make([][]float64, len(d.Attributes))
	for a, at := range d.Attributes {
		p[a] = make([]float64, len(at.Levels))
		if at.Prob == nil {
			for l := range p[a] {
				p[a][l] = 1 / float64(len(at.Levels))
			}
			continue
		}
		var s float64
		for _, v := range at.Prob {
			s += v
		}
		for l, v := range at.Prob {
			p[a][l] = v / s
		}
	}
	return p
}

// Allowed reports whether level la of attribute a and level lb of attribute
// b may appear together.
func (d *Design) Allowed(a, la, b, lb int) bool {
	for _, r := range d.Restrictions {
		if (r.Attr1 == a && r.Level1 == la && r.Attr2 == b && r.Level2 == lb) ||
			(r.Attr1 == b && r.Level1 == lb && r.Attr2 == a && r.Level2 == la) {
			return false
		}
	}
	return true
}

// Linked returns the pairs of attributes (a < b, in order) that share at
// least one restriction.
func (d *Design) Linked() [][2]int {
	var out [][2]int
	for _, r := range d.Restrictions {
		p := [2]int{min(r.Attr1, r.Attr2), max(r.Attr1, r.Attr2)}
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(x, y [2]int) int {
		if x[0] != y[0] {
			return x[0] - y[0]
		}
		return x[1] - y[1]
	})
	return out
}

// nonBase returns the level indices of attribute a other than its baseline,
// in level order: the columns of its indicator coding.
func (d *Design) nonBase(a int) []int {
	at := d.Attributes[a]
	out := make([]int, 0, len(at.Levels)-1)
	for l := range at.Levels {
		if l != at.Baseline {
			out = append(out, l)
		}
	}
	return out
}

// term is the name of level l of attribute a, "attribute:level".
func (d *Design) term(a, l int) string {
	return d.Attributes[a].Name + ":" + d.Attributes[a].Levels[l]
}

// Data holds the rows of a conjoint experiment, one per profile shown.
type Data struct {
	Y []float64 // outcome (choice indicator or rating)
	// Respondent holds a cluster code per row, 0 … G−1 (required; at least
	// two respondents).
	Respondent []int
	Task       []int // choice task within respondent (optional)
	// Profile is the position of the profile within its task (optional;
	// codes, the smallest code is the first position, "left").
	Profile []int
	// Pair identifies the choice task a row belongs to (optional; nil
	// means the pairs (Respondent, Task)).
	Pair []int
	// Levels[a][i] is the level index of attribute a in row i.
	Levels  [][]int
	Weights []float64 // survey weights (optional)
}

// N is the number of rows.
func (x *Data) N() int { return len(x.Y) }

// Validate checks the data against the design: column lengths, level codes
// in range, finite outcomes and weights, and at least two respondents.
func (x *Data) Validate(d *Design) error {
	if err := d.Validate(); err != nil {
		return err
	}
	n := len(x.Y)
	if n == 0 {
		return estimators.InputErrorf("conjoint: no rows")
	}
	if x.Respondent == nil {
		return estimators.InputErrorf("conjoint: respondent codes are missing; respondent-clustered errors need the respondent identifier of every row")
	}
	if err := estimators.CheckFinite("outcome", x.Y); err != nil {
		return fmt.Errorf("conjoint: %w", err)
	}
	check := func(name string, v []int) error {
		if v != nil && len(v) != n {
			return estimators.InputErrorf("conjoint: %s has %d rows, the outcome %d", name, len(v), n)
		}
		for i, c := range v {
			if c < 0 {
				return estimators.InputErrorf("conjoint: %s code %d in row %d; codes must be non-negative", name, c, i+1)
			}
		}
		return nil
	}
	for _, c := range []struct {
		name string
		v    []int
	}{{"respondent", x.Respondent}, {"task", x.Task}, {"profile", x.Profile}, {"pair", x.Pair}} {
		if err := check(c.name, c.v); err != nil {
			return err
		}
	}
	if len(x.Levels) != len(d.Attributes) {
		return estimators.InputErrorf("conjoint: %d level columns for %d attributes", len(x.Levels), len(d.Attributes))
	}
	for a, col := range x.Levels {
		at := d.Attributes[a]
		if len(col) != n {
			return estimators.InputErrorf("conjoint: attribute %q has %d rows, the outcome %d", at.Name, len(col), n)
		}
		for i, c := range col {
			if c < 0 || c >= len(at.Levels) {
				return estimators.InputErrorf("conjoint: attribute %q: level code %d in row %d out of range", at.Name, c, i+1)
			}
		}
	}
	if x.Weights != nil {
		if len(x.Weights) != n {
			return estimators.InputErrorf("conjoint: %d weights for %d rows", len(x.Weights), n)
		}
		for i, w := range x.Weights {
			if !(w >= 0) || math.IsInf(w, 0) {
				return estimators.InputErrorf("conjoint: weight %v in row %d; weights must be finite and non-negative", w, i+1)
			}
		}
	}
	if g := countCodes(x.Respondent); g < 2 {
		return estimators.InputErrorf("conjoint: %d respondent; respondent-clustered errors need at least two respondents (and many more to be reliable)", g)
	}
	return nil
}

// countCodes returns the number of distinct codes.
func countCodes(codes []int) int {
	seen := map[int]bool{}
	for _, c := range codes {
		seen[c] = true
	}
	return len(seen)
}

// dense recodes arbitrary non-negative codes to 0 … G−1 in order of first
// appearance.
func dense(codes []int) ([]int, int) {
	m := map[int]int{}
	out := make([]int, len(codes))
	for i, c := range codes {
		k, ok := m[c]
		if !ok {
			k = len(m)
			m[c] = k
		}
		out[i] = k
	}
	return out, len(m)
}

// pairs returns dense pair codes: Data.Pair, else (Respondent, Task).
func (x *Data) pairs() ([]int, error) {
	if x.Pair != nil {
		p, _ := dense(x.Pair)
		return p, nil
	}
	if x.Task == nil {
		return nil, estimators.InputErrorf("conjoint: choice pairs need a pair column or a task column (pairs are (respondent, task))")
	}
	key := make([]int, len(x.Y))
	m := map[[2]int]int{}
	for i := range key {
		k := [2]int{x.Respondent[i], x.Task[i]}
		c, ok := m[k]
		if !ok {
			c = len(m)
			m[k] = c
		}
		key[i] = c
	}
	return key, nil
}

// subset returns the rows of x whose index is listed in rows.
func (x *Data) subset(rows []int) *Data {
	pick := func(v []int) []int {
		if v == nil {
			return nil
		}
		out := make([]int, len(rows))
		for k, i := range rows {
			out[k] = v[i]
		}
		return out
	}
	pickF := func(v []float64) []float64 {
		if v == nil {
			return nil
		}
		out := make([]float64, len(rows))
		for k, i := range rows {
			out[k] = v[i]
		}
		return out
	}
	out := &Data{Y: pickF(x.Y), Respondent: pick(x.Respondent), Task: pick(x.Task), Profile: pick(x.Profile),
		Pair: pick(x.Pair), Weights: pickF(x.Weights), Levels: make([][]int, len(x.Levels))}
	for a, col := range x.Levels {
		out.Levels[a] = pick(col)
	}
	return out
}
