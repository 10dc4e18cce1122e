package estimators

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// CovType selects a covariance estimator for least-squares coefficients.
type CovType int

// The covariance estimators. Names follow sandwich/Stata; the small-sample
// factors are those of the references named in each comment (n rows, k kept
// columns, G clusters).
const (
	// Classical is s²(X'WX)⁻¹ with s² = RSS/n, or RSS/(n−k) when
	// CovOptions.Small is set (R's lm, Stata's regress).
	Classical CovType = iota
	HC0               // White: Σ x x' e², no correction
	HC1               // HC0 · n/(n−k) (Stata's robust)
	HC2               // e²/(1−h)
	HC3               // e²/(1−h)²
	// CR1 is the one-way cluster estimator with G/(G−1)·(n−1)/(n−k), as
	// Stata, cjoint and sandwich::vcovCL(type = "HC1").
	CR1
	// CR0G is the cluster estimator with G/(G−1) only, as cregg and
	// survey::svyglm.
	CR0G
	// CR2 is the Bell–McCaffrey estimator: residuals of cluster g are
	// multiplied by (I − H_gg)^(−1/2) (Moore–Penrose when singular), with no
	// further factor, as clubSandwich::vcovCR(type = "CR2").
	CR2
	// CR0 is the cluster estimator with no factor at all, as Stata's
	// ivregress without small and linearmodels' unadjusted clustering.
	CR0
)

var covNames = [...]string{"classical", "hc0", "hc1", "hc2", "hc3", "cr1", "cr0g", "cr2", "cr0"}

// String returns the name of t.
func (t CovType) String() string {
	if t < 0 || int(t) >= len(covNames) {
		return fmt.Sprintf("CovType(%d)", int(t))
	}
	return covNames[t]
}

// IsCluster reports whether t is a cluster-robust estimator.
func (t CovType) IsCluster() bool { return t == CR1 || t == CR0G || t == CR2 || t == CR0 }

// CovOptions configures LS.Cov. The zero value is the classical
// large-sample covariance.
type CovOptions struct {
	Type CovType
	// Small divides the classical residual variance by n−k instead of n.
	// It does not change the robust estimators, whose factors are part of
	// their definition.
	Small bool
	// Cluster holds a cluster code per row (0 … G−1, as from a categorical
	// column); required by the CR types.
	Cluster []int
	// Cluster2 holds a second cluster code per row for two-way clustering
	// (Cameron, Gelbach and Miller 2011): V = V₁ + V₂ − V₁₂, each term with
	// its own factor as Stata's cgmreg, ivreg2 and statsmodels. CR2 is
	// one-way only.
	Cluster2 []int
}

// Covariance is a covariance matrix of the kept coefficients of an LS fit.
type Covariance struct {
	// V is the covariance over the kept columns, in the order of LS.Kept.
	V    *mat.SymDense
	Type CovType
	// Groups is the number of clusters (the smaller of the two for two-way
	// clustering); 0 for non-cluster types. Small-sample inference uses
	// t(Groups−1).
	Groups int
}

// SE returns the standard errors of all columns of ls (NaN for dropped
// columns), in column order.
func (c *Covariance) SE(ls *LS) []float64 {
	se := make([]float64, len(ls.Coef))
	for j := range se {
		se[j] = math.NaN()
	}
	for a, j := range ls.Kept {
		se[j] = math.Sqrt(c.V.At(a, a))
	}
	return se
}

// Cov computes the covariance of the coefficients. The sandwich estimators
// are computed in the orthonormal basis Q = √W X R⁻¹ of the QR fit (see
// LS.Scores), which equals the textbook bread·meat·bread without forming
// X'X.
func (ls *LS) Cov(opt CovOptions) (*Covariance, error) {
	if opt.Type != Classical {
		return ls.Scores().Cov(opt)
	}
	n, k := float64(ls.N), float64(ls.Rank)
	s2 := ls.RSS / n
	if opt.Small {
		s2 = ls.RSS / (n - k)
	}
	v := ls.Bread()
	v.ScaleSym(s2, v)
	return &Covariance{V: v, Type: Classical}, nil
}

// Scores describes the per-observation contributions of an estimator for
// sandwich covariances. Row i has a vector u_i in an orthonormal basis
// (Σ_i u_i u_iᵀ = I, so that its leverage is ‖u_i‖²) and a residual e_i;
// with a_c = Σ_{i∈c} u_i e_i adj_i summed over clusters c (single rows for
// the HC types), the covariance of the coefficients is
//
//	V = f · Mapᵀ (Σ_c a_c a_cᵀ) Map,
//
// where f and adj are the small-sample factor and residual adjustment of
// the covariance type. For least squares u_i is row i of Q = √W X R⁻¹ and
// Map = R⁻ᵀ; an IV estimator uses the projected design instead.
type Scores struct {
	N   int // rows
	Dim int // length of u_i
	K   int // coefficients, for the n−k of small-sample factors
	// Blocks calls f on consecutive blocks of rows starting at row i0,
	// with the block's Dim columns of u and its residuals e (which f may
	// overwrite).
	Blocks func(f func(i0 int, u [][]float64, e []float64))
	Map    *mat.Dense // Dim × (number of coefficients)
	// Leverage, when set, gives the leverages h_i that HC2 and HC3 use
	// instead of ‖u_i‖² (an IV fit's hat matrix is not the projection on
	// its scores).
	Leverage []float64
}

// Cov computes a heteroskedasticity- or cluster-robust covariance (any type
// but Classical, which is not a sandwich).
func (s Scores) Cov(opt CovOptions) (*Covariance, error) {
	switch opt.Type {
	case HC0, HC1, HC2, HC3:
		if opt.Cluster != nil || opt.Cluster2 != nil {
			return nil, InputErrorf("covariance: %s takes no clusters; use a cluster type", opt.Type)
		}
	case CR1, CR0G, CR2, CR0:
		if opt.Cluster == nil {
			return nil, InputErrorf("covariance: %s needs a cluster variable", opt.Type)
		}
		if len(opt.Cluster) != s.N || (opt.Cluster2 != nil && len(opt.Cluster2) != s.N) {
			panic("estimators: Cov: cluster length != rows")
		}
		if opt.Cluster2 != nil {
			if opt.Type == CR2 {
				return nil, InputErrorf("covariance: cr2 supports one-way clustering only")
			}
			return s.twoWay(opt)
		}
	case Classical:
		return nil, InputErrorf("covariance: the classical covariance is not a sandwich")
	default:
		return nil, InputErrorf("covariance: unknown type %d", int(opt.Type))
	}
	m, err := s.Meat(opt.Type, opt.Cluster)
	if err != nil {
		return nil, err
	}
	return m.Cov(s.Map, s.K)
}

// Meat accumulates the scores' meat for type t (cluster: the cluster code
// of each row).
func (s Scores) Meat(t CovType, cluster []int) (*Meat, error) {
	m := NewMeat(t, s.Dim)
	return m, s.AddTo(m, 0, cluster, nil)
}

// AddTo adds the scores to m: their rows are rows i0, i0+1, … of the data,
// cluster gives each row's cluster code and levels, when not nil, the
// codes' names (see Meat.Add).
func (s Scores) AddTo(m *Meat, i0 int, cluster []int, levels []string) error {
	var h []float64
	var err error
	s.Blocks(func(j0 int, u [][]float64, e []float64) {
		if err != nil {
			return
		}
		if m.Type == HC2 || m.Type == HC3 {
			h = grow(h, len(e))
			for i := range e {
				if s.Leverage != nil {
					h[i] = s.Leverage[j0+i]
					continue
				}
				h[i] = 0
				for _, col := range u {
					h[i] += col[i] * col[i]
				}
			}
		}
		var codes []int
		if cluster != nil {
			codes = cluster[j0 : j0+len(e)]
		}
		err = m.Add(i0+j0, u, e, h, codes, levels)
	})
	return err
}

func clusterFactor(t CovType, g int, n, k float64) float64 {
	G := float64(g)
	switch t {
	case CR1:
		return G / (G - 1) * (n - 1) / (n - k)
	case CR0G:
		return G / (G - 1)
	}
	return 1
}

// twoWay implements V₁ + V₂ − V₁₂ with each term's own cluster factor.
func (s Scores) twoWay(opt CovOptions) (*Covariance, error) {
	inter := intersect(opt.Cluster, opt.Cluster2)
	var total *mat.SymDense
	minG := 0
	for i, c := range [][]int{opt.Cluster, opt.Cluster2, inter} {
		m, err := s.Meat(opt.Type, c)
		var v *Covariance
		if err == nil {
			v, err = m.Cov(s.Map, s.K)
		}
		if err != nil {
			if i == 2 {
				return nil, fmt.Errorf("covariance: intersection of the two cluster variables: %w", err)
			}
			return nil, err
		}
		if g := v.Groups; i < 2 && (minG == 0 || g < minG) {
			minG = g
		}
		if total == nil {
			total = v.V
			continue
		}
		if i == 2 {
			v.V.ScaleSym(-1, v.V)
		}
		total.AddSym(total, v.V)
	}
	return &Covariance{V: total, Type: opt.Type, Groups: minG}, nil
}

// intersect returns dense codes of the pairs (a[i], b[i]) in first-appearance
// order.
func intersect(a, b []int) []int {
	codes := make([]int, len(a))
	seen := make(map[[2]int]int)
	for i := range a {
		key := [2]int{a[i], b[i]}
		c, ok := seen[key]
		if !ok {
			c = len(seen)
			seen[key] = c
		}
		codes[i] = c
	}
	return codes
}

// bellMcCaffrey turns t = Q_gᵀẽ_g into Q_gᵀ(I − H_gg)^(−1/2) ẽ_g in place,
// where H_gg = Q_g Q_gᵀ. With M = Q_gᵀQ_g = V Λ Vᵀ,
// (I − Q_g Q_gᵀ)^(−1/2) = I + Q_g V diag(f(λ)) Vᵀ Q_gᵀ with
// f(λ) = ((1−λ)^(−1/2) − 1)/λ, so Q_gᵀ(…)ẽ = t + M V diag(f) Vᵀ t. This
// needs only r×r work per cluster, however large the cluster. Eigenvalues
// at 1 (a cluster that determines a coefficient) use the Moore–Penrose
// inverse square root, f(1) = −1, as clubSandwich does.
func bellMcCaffrey(t []float64, m *mat.SymDense) error {
	r := len(t)
	var eig mat.EigenSym
	if !eig.Factorize(m, true) {
		return fmt.Errorf("eigen-decomposition of the cluster block failed")
	}
	lam := eig.Values(nil)
	var vecs mat.Dense
	eig.VectorsTo(&vecs)
	tv := mat.NewVecDense(r, t)
	var u mat.VecDense
	u.MulVec(vecs.T(), tv)
	for a, l := range lam {
		var f float64
		switch {
		case l < 1e-12:
			f = 0.5 // the limit of f(λ) as λ → 0
		case 1-l < 1e-10:
			f = -1 / l
		default:
			f = (1/math.Sqrt(1-l) - 1) / l
		}
		u.SetVec(a, u.AtVec(a)*f)
	}
	var w, z mat.VecDense
	w.MulVec(&vecs, &u)
	z.MulVec(m, &w)
	tv.AddVec(tv, &z)
	return nil
}

// Scores returns the sandwich scores of the fit: u_i is row i of the
// orthonormal basis Q = √W X_kept R⁻¹, e_i = √w_i·(y_i − x_iᵀb), and
// Map = R⁻ᵀ.
func (ls *LS) Scores() Scores {
	xk := make([][]float64, ls.Rank)
	for a, j := range ls.Kept {
		xk[a] = ls.x[j]
	}
	m := mat.NewDense(ls.Rank, ls.Rank, nil)
	m.Copy(ls.rinv.T())
	return LinearScores(xk, ls.rinv, ls.w, ls.Resid, m, ls.Rank)
}

// LinearScores returns Scores whose vectors are linear in the columns cols:
// u_i = √w_i · Cᵀ(cols[0][i], …, cols[p−1][i]) with C a p × Dim matrix, and
// e_i = √w_i · resid_i. C must make the u_i orthonormal (Σ u_i u_iᵀ = I),
// for example C = R⁻¹ for the QR factor R of the weighted columns. w may be
// nil. Blocks computes the vectors block by block, so they are never all in
// memory.
func LinearScores(cols [][]float64, c mat.Matrix, w, resid []float64, mapM *mat.Dense, k int) Scores {
	p, dim := c.Dims()
	if p != len(cols) {
		panic("estimators: LinearScores: C has the wrong number of rows")
	}
	n := len(resid)
	cm := mat.DenseCopyOf(c)
	blocks := func(f func(i0 int, u [][]float64, e []float64)) {
		buf := make([]float64, (dim+2)*blockRows)
		u := make([][]float64, dim)
		for i0 := 0; i0 < n; i0 += blockRows {
			i1 := min(i0+blockRows, n)
			m := i1 - i0
			for a := range u {
				u[a] = buf[a*blockRows : a*blockRows+m]
				clear(u[a])
				for b := range p {
					if v := cm.At(b, a); v != 0 {
						floats.AddScaled(u[a], v, cols[b][i0:i1])
					}
				}
			}
			e := buf[dim*blockRows : dim*blockRows+m]
			copy(e, resid[i0:i1])
			if w != nil {
				sw := buf[(dim+1)*blockRows : (dim+1)*blockRows+m]
				for i := range sw {
					sw[i] = math.Sqrt(w[i0+i])
				}
				floats.Mul(e, sw)
				for _, col := range u {
					floats.Mul(col, sw)
				}
			}
			f(i0, u, e)
		}
	}
	return Scores{N: n, Dim: dim, K: k, Map: mapM, Blocks: blocks}
}

// addCrossProd adds ZᵀZ for the columns z to m.
func addCrossProd(m *mat.SymDense, z [][]float64) {
	for a := range z {
		for b := a; b < len(z); b++ {
			m.SetSym(a, b, m.At(a, b)+floats.Dot(z[a], z[b]))
		}
	}
}

// GroupRows returns the row indices of each code 0 … G−1 of a dense coding
// (as produced for a categorical column). A negative code is an error.
func GroupRows(codes []int) ([][]int, error) {
	g := 0
	for i, c := range codes {
		if c < 0 {
			return nil, InputErrorf("group code %d in row %d; codes must be 0 … G−1 (missing values removed)", c, i+1)
		}
		g = max(g, c+1)
	}
	counts := make([]int, g)
	for _, c := range codes {
		counts[c]++
	}
	groups := make([][]int, g)
	buf := make([]int, len(codes))
	off := 0
	for c, k := range counts {
		groups[c] = buf[off : off : off+k]
		off += k
	}
	for i, c := range codes {
		groups[c] = append(groups[c], i)
	}
	out := groups[:0]
	for _, rows := range groups {
		if len(rows) > 0 {
			out = append(out, rows)
		}
	}
	return out, nil
}
