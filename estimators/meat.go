package estimators

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// Meat is the middle M = Σ_c a_c a_cᵀ of a sandwich covariance (see
// Scores), accumulated chunk by chunk: a_c = Σ_{i∈c} u_i e_i adj_i over the
// rows of cluster c, or over single rows for the HC types. Two meats of
// disjoint rows merge into the meat of their union, so a covariance can be
// computed over data that arrive in pieces (streamed row groups, shards on
// other machines); the result depends only on the order of Add and Merge
// calls.
//
// Clusters are identified by name (Add with levels) or by code (levels
// nil); one meat uses one kind. They enter the final sum in order of first
// appearance.
type Meat struct {
	Type CovType
	Dim  int // length of u_i
	N    int // rows added

	hc     *mat.SymDense   // HC types
	sums   [][]float64     // cluster types: a_c per cluster
	blocks []*mat.SymDense // CR2: Σ_{i∈c} u_i u_iᵀ per cluster
	names  []string        // cluster names, when identified by name
	byName map[string]int
	byCode []int // cluster code → index+1, when identified by code
	codes  []int
}

// NewMeat returns an empty meat for covariance type t (not Classical) and
// scores of length dim.
func NewMeat(t CovType, dim int) *Meat {
	m := &Meat{Type: t, Dim: dim}
	if !t.IsCluster() {
		m.hc = mat.NewSymDense(dim, nil)
	}
	return m
}

// Add adds rows i0, i0+1, … with scores u (Dim columns), residuals e
// (overwritten), and for HC2/HC3 their leverages h. For cluster types,
// codes gives each row's cluster; levels, when not nil, names the codes
// (codes index levels, as a categorical column), else the codes are the
// cluster identities. A code below 0 or a leverage of 1 is an input error;
// i0 numbers the rows in its message.
func (m *Meat) Add(i0 int, u [][]float64, e, h []float64, codes []int, levels []string) error {
	if len(u) != m.Dim {
		panic(fmt.Sprintf("estimators: Meat.Add: %d score columns, want %d", len(u), m.Dim))
	}
	m.N += len(e)
	if m.Type == HC2 || m.Type == HC3 {
		for i := range e {
			if 1-h[i] <= 1e-10 {
				return InputErrorf("covariance: %s undefined: observation %d has leverage 1; use hc0 or hc1", m.Type, i0+i+1)
			}
			if m.Type == HC2 {
				e[i] /= math.Sqrt(1 - h[i])
			} else {
				e[i] /= 1 - h[i]
			}
		}
	}
	if m.hc != nil {
		for _, col := range u {
			for i, ei := range e {
				col[i] *= ei
			}
		}
		addCrossProd(m.hc, u)
		return nil
	}
	if codes == nil {
		return InputErrorf("covariance: %s needs a cluster variable", m.Type)
	}
	if len(codes) != len(e) {
		panic("estimators: Meat.Add: cluster length != rows")
	}
	// local maps a code of this chunk to the cluster's index.
	var local []int
	if levels != nil {
		if m.byCode != nil {
			panic("estimators: Meat.Add: clusters named after being numbered")
		}
		local = make([]int, len(levels))
		for c := range local {
			local[c] = -1
		}
	}
	for i, ei := range e {
		c := codes[i]
		if c < 0 {
			return InputErrorf("cluster code %d in row %d; codes must be 0 … G−1 (missing values removed)", c, i0+i+1)
		}
		var g int
		if levels != nil {
			if g = local[c]; g < 0 {
				g = m.named(levels[c])
				local[c] = g
			}
		} else {
			g = m.numbered(c)
		}
		a := m.sums[g]
		for k, col := range u {
			a[k] += col[i] * ei
		}
		if m.blocks != nil {
			raw := m.blocks[g].RawSymmetric()
			for k := range m.Dim {
				row := raw.Data[k*raw.Stride:]
				for l := k; l < m.Dim; l++ {
					row[l] += u[k][i] * u[l][i]
				}
			}
		}
	}
	return nil
}

// named returns the index of the cluster called name, adding it if new.
func (m *Meat) named(name string) int {
	if m.byName == nil {
		m.byName = map[string]int{}
	}
	g, ok := m.byName[name]
	if !ok {
		g = m.newCluster()
		m.byName[name] = g
		m.names = append(m.names, name)
	}
	return g
}

// numbered returns the index of the cluster with code c, adding it if new.
func (m *Meat) numbered(c int) int {
	if m.byName != nil {
		panic("estimators: Meat.Add: clusters numbered after being named")
	}
	if c >= len(m.byCode) {
		m.byCode = slices.Grow(m.byCode, c+1-len(m.byCode))[:c+1]
	}
	if m.byCode[c] == 0 {
		m.byCode[c] = m.newCluster() + 1
		m.codes = append(m.codes, c)
	}
	return m.byCode[c] - 1
}

func (m *Meat) newCluster() int {
	m.sums = append(m.sums, make([]float64, m.Dim))
	if m.Type == CR2 {
		m.blocks = append(m.blocks, mat.NewSymDense(m.Dim, nil))
	}
	return len(m.sums) - 1
}

// Clusters returns the number of clusters seen.
func (m *Meat) Clusters() int { return len(m.sums) }

// Merge adds the rows that o holds (of the same type and dimension).
func (m *Meat) Merge(o *Meat) {
	if m.Type != o.Type || m.Dim != o.Dim {
		panic("estimators: Meat.Merge: different types or dimensions")
	}
	m.N += o.N
	if m.hc != nil {
		m.hc.AddSym(m.hc, o.hc)
		return
	}
	for j, a := range o.sums {
		var g int
		if o.names != nil {
			g = m.named(o.names[j])
		} else {
			g = m.numbered(o.codes[j])
		}
		for k, v := range a {
			m.sums[g][k] += v
		}
		if m.blocks != nil {
			m.blocks[g].AddSym(m.blocks[g], o.blocks[j])
		}
	}
}

// matrix returns Σ_c a_c a_cᵀ (Bell–McCaffrey adjusted for CR2) and the
// number of clusters. It modifies the sums of a CR2 meat.
func (m *Meat) matrix() (*mat.SymDense, int, error) {
	if m.hc != nil {
		return m.hc, 0, nil
	}
	if len(m.sums) < 2 {
		return nil, 0, InputErrorf("covariance: %d cluster; cluster-robust errors need at least 2 (and many more to be reliable)", len(m.sums))
	}
	out := mat.NewSymDense(m.Dim, nil)
	for g, a := range m.sums {
		if m.blocks != nil {
			a = slices.Clone(a)
			if err := bellMcCaffrey(a, m.blocks[g]); err != nil {
				return nil, 0, fmt.Errorf("covariance: cluster %d: %w", g+1, err)
			}
		}
		out.SymRankOne(out, 1, mat.NewVecDense(m.Dim, a))
	}
	return out, len(m.sums), nil
}

// Cov returns the covariance f · Mapᵀ M Map of an estimator with k
// coefficients, with the small-sample factor f of the type.
func (m *Meat) Cov(mapM *mat.Dense, k int) (*Covariance, error) {
	mm, g, err := m.matrix()
	if err != nil {
		return nil, err
	}
	n := float64(m.N)
	f := 1.0
	switch {
	case m.Type == HC1:
		f = n / (n - float64(k))
	case m.Type.IsCluster():
		f = clusterFactor(m.Type, g, n, float64(k))
	}
	return &Covariance{V: sandwich(mapM, mm, f), Type: m.Type, Groups: g}, nil
}

// Encode returns the state of m as numbers and cluster names, for
// DecodeMeat; floats are kept exactly.
func (m *Meat) Encode() (vals []float64, names []string) {
	vals = append(vals, float64(m.N))
	if m.hc != nil {
		return append(vals, symUpper(m.hc)...), nil
	}
	for g, a := range m.sums {
		if m.names == nil {
			vals = append(vals, float64(m.codes[g]))
		}
		vals = append(vals, a...)
		if m.blocks != nil {
			vals = append(vals, symUpper(m.blocks[g])...)
		}
	}
	return vals, m.names
}

// DecodeMeat rebuilds a meat from Encode's output. Clusters are by name
// when names is not nil.
func DecodeMeat(t CovType, dim int, vals []float64, names []string) (*Meat, error) {
	m := NewMeat(t, dim)
	bad := InputErrorf("estimators: DecodeMeat: %d numbers do not fit a %s meat of dimension %d", len(vals), t, dim)
	if len(vals) < 1 {
		return nil, bad
	}
	m.N, vals = int(vals[0]), vals[1:]
	tri := dim * (dim + 1) / 2
	if m.hc != nil {
		if len(vals) != tri {
			return nil, bad
		}
		setSymUpper(m.hc, vals)
		return m, nil
	}
	per := dim
	if names == nil {
		per++
	}
	if t == CR2 {
		per += tri
	}
	if len(vals)%per != 0 || (names != nil && len(vals)/per != len(names)) {
		return nil, bad
	}
	for j := 0; len(vals) > 0; j++ {
		var g int
		if names != nil {
			g = m.named(names[j])
		} else {
			g, vals = m.numbered(int(vals[0])), vals[1:]
		}
		copy(m.sums[g], vals[:dim])
		vals = vals[dim:]
		if m.blocks != nil {
			setSymUpper(m.blocks[g], vals[:tri])
			vals = vals[tri:]
		}
	}
	return m, nil
}

func symUpper(s *mat.SymDense) []float64 {
	n := s.SymmetricDim()
	out := make([]float64, 0, n*(n+1)/2)
	for a := range n {
		for b := a; b < n; b++ {
			out = append(out, s.At(a, b))
		}
	}
	return out
}

func setSymUpper(s *mat.SymDense, v []float64) {
	n := s.SymmetricDim()
	for a := range n {
		for b := a; b < n; b++ {
			s.SetSym(a, b, v[0])
			v = v[1:]
		}
	}
}

// sandwich returns f · Mapᵀ M Map, exactly symmetric.
func sandwich(mapM *mat.Dense, m *mat.SymDense, f float64) *mat.SymDense {
	var tmp, full mat.Dense
	tmp.Mul(mapM.T(), m)
	full.Mul(&tmp, mapM)
	k, _ := full.Dims()
	v := mat.NewSymDense(k, nil)
	for a := range k {
		for b := a; b < k; b++ {
			v.SetSym(a, b, f*0.5*(full.At(a, b)+full.At(b, a)))
		}
	}
	return v
}
