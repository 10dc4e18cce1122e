package conjoint

import "github.com/causalkit/causalkit/estimators"

// coding is the indicator (treatment) coding of a set of attributes, laid
// out as R's model.matrix lays out y ~ A + B + … + A:B + …: an intercept,
// then the non-baseline level indicators of each attribute in design order
// (levels in order), then for each interacted pair (A before B) the products
// 1[A = l]·1[B = m] with l ≠ base(A), m ≠ base(B), l varying fastest. Column
// order matters because rank detection drops the later of two aliased
// columns, as R does.
type coding struct {
	attrs []int    // attributes coded, in order
	pairs [][2]int // interacted attribute pairs (a < b)
	names []string
	main  map[[2]int]int // (attr, level) → column
	inter map[[4]int]int // (a, la, b, lb) → column
}

func newCoding(d *Design, attrs []int, pairs [][2]int) *coding {
	c := &coding{attrs: attrs, pairs: pairs, names: []string{"(Intercept)"},
		main: map[[2]int]int{}, inter: map[[4]int]int{}}
	for _, a := range attrs {
		for _, l := range d.nonBase(a) {
			c.main[[2]int{a, l}] = len(c.names)
			c.names = append(c.names, d.term(a, l))
		}
	}
	for _, p := range pairs {
		for _, m := range d.nonBase(p[1]) {
			for _, l := range d.nonBase(p[0]) {
				c.inter[[4]int{p[0], l, p[1], m}] = len(c.names)
				c.names = append(c.names, d.term(p[0], l)+":"+d.term(p[1], m))
			}
		}
	}
	return c
}

// columns builds the design columns for the rows of x.
func (c *coding) columns(x *Data) [][]float64 {
	n := x.N()
	buf := make([]float64, n*len(c.names))
	cols := make([][]float64, len(c.names))
	for j := range cols {
		cols[j] = buf[j*n : (j+1)*n : (j+1)*n]
	}
	for i := range cols[0] {
		cols[0][i] = 1
	}
	for _, a := range c.attrs {
		codes := x.Levels[a]
		for i, l := range codes {
			if j, ok := c.main[[2]int{a, l}]; ok {
				cols[j][i] = 1
			}
		}
	}
	for _, p := range c.pairs {
		ca, cb := x.Levels[p[0]], x.Levels[p[1]]
		for i := range ca {
			if j, ok := c.inter[[4]int{p[0], ca[i], p[1], cb[i]}]; ok {
				cols[j][i] = 1
			}
		}
	}
	return cols
}

// clusterCov returns the respondent-clustered covariance of a fit.
func clusterCov(ls *estimators.LS, t estimators.CovType, respondent []int) (*estimators.Covariance, error) {
	codes, _ := dense(respondent)
	return ls.Cov(estimators.CovOptions{Type: t, Cluster: codes})
}

// keptCoef returns the coefficients of the kept columns and the position of
// every column among them (−1 when dropped).
func keptCoef(ls *estimators.LS) (b []float64, pos []int) {
	pos = make([]int, len(ls.Coef))
	for j := range pos {
		pos[j] = -1
	}
	b = make([]float64, ls.Rank)
	for a, j := range ls.Kept {
		pos[j] = a
		b[a] = ls.Coef[j]
	}
	return b, pos
}

// clusterType resolves the zero value (Classical) to CR1 and rejects
// non-cluster types.
func clusterType(t estimators.CovType) (estimators.CovType, error) {
	if t == estimators.Classical {
		return estimators.CR1, nil
	}
	if !t.IsCluster() {
		return t, estimators.InputErrorf("conjoint: covariance %s is not respondent-clustered; use cr1 or cr0g", t)
	}
	return t, nil
}
