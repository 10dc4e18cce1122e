package estimators

import (
	"context"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// Resampling is a bootstrap scheme for least squares.
type Resampling int

const (
	// Pairs resamples rows with replacement and refits.
	Pairs Resampling = iota
	// ClusterPairs resamples whole clusters with replacement and refits.
	ClusterPairs
	// Wild keeps X and sets y* = Xb̂ + e·v with multipliers v (one per row,
	// or one per cluster when clusters are given: the wild cluster
	// bootstrap). The refit reuses the QR factorisation:
	// b* = b̂ + R⁻¹Qᵀ(√w e·v); see Scores.Wild.
	Wild
)

var resamplingNames = [...]string{"pairs", "cluster", "wild"}

// String returns the name of r.
func (r Resampling) String() string { return resamplingNames[r] }

// ParseResampling parses "pairs", "cluster" or "wild".
func ParseResampling(s string) (Resampling, error) {
	for i, n := range resamplingNames {
		if n == s {
			return Resampling(i), nil
		}
	}
	return 0, InputErrorf("unknown bootstrap type %q; use pairs, cluster or wild", s)
}

// LSBootOptions configures LS.Bootstrap.
type LSBootOptions struct {
	BootOptions
	Scheme Resampling
	// Cluster codes per row: required for ClusterPairs, optional for Wild.
	Cluster []int
	// Multiplier of the wild bootstrap (default Rademacher).
	Multiplier Multiplier
}

// Bootstrap returns opt.Reps bootstrap replicates of the coefficients as
// the rows of a matrix with one column per design column (NaN for dropped
// columns), and the number of failed replicates (resamples on which the
// design is rank deficient). Pairs and cluster replicates refit with the
// original weights times the resampling counts, which is the same fit as on
// the resampled rows.
func (ls *LS) Bootstrap(ctx context.Context, opt LSBootOptions) (*mat.Dense, int, error) {
	p := len(ls.Coef)
	var groups [][]int
	if opt.Cluster != nil {
		var err error
		if groups, err = GroupRows(opt.Cluster); err != nil {
			return nil, 0, err
		}
		if len(groups) < 2 {
			return nil, 0, InputErrorf("bootstrap: %d cluster; a cluster bootstrap needs at least 2", len(groups))
		}
	}
	xk := make([][]float64, ls.Rank)
	for a, j := range ls.Kept {
		xk[a] = ls.x[j]
	}
	// put writes the kept coefficients c into the full-width row dst.
	put := func(dst, c []float64) {
		for j := range dst {
			dst[j] = math.NaN()
		}
		for a, j := range ls.Kept {
			dst[j] = c[a]
		}
	}
	switch opt.Scheme {
	case Pairs, ClusterPairs:
		if opt.Scheme == ClusterPairs && groups == nil {
			return nil, 0, InputErrorf("bootstrap: the cluster bootstrap needs a cluster variable")
		}
		units := ls.N
		if opt.Scheme == ClusterPairs {
			units = len(groups)
		} else {
			groups = nil // pairs resample rows even when clusters are given
		}
		return Replicates(ctx, opt.BootOptions, p, func() ReplicateFunc {
			var ws lsWorkspace
			counts := make([]float64, units)
			w := make([]float64, ls.N)
			return func(rng *rand.Rand, dst []float64) error {
				ResampleWeights(rng, counts, groups, ls.w, w)
				c, kept, err := ws.fit(xk, ls.y, w, ls.tol)
				if err != nil {
					return err
				}
				if len(kept) < ls.Rank {
					return InputErrorf("rank deficient resample")
				}
				put(dst, c)
				return nil
			}
		})
	case Wild:
		bhat := make([]float64, ls.Rank)
		for a, j := range ls.Kept {
			bhat[a] = ls.Coef[j]
		}
		reps, failed, err := ls.Scores().Wild(ctx, opt.BootOptions, opt.Multiplier, opt.Cluster, bhat)
		if err != nil {
			return nil, 0, err
		}
		// Widen to one column per design column.
		out := mat.NewDense(opt.Reps, p, nil)
		for b := range opt.Reps {
			put(out.RawRowView(b), reps.RawRowView(b))
		}
		return out, failed, nil
	}
	return nil, 0, InputErrorf("bootstrap: unknown scheme %d", int(opt.Scheme))
}

// Wild returns wild-bootstrap replicates est + Mapᵀ Σ_u v_u z_u of an
// estimator that is linear in the outcome, where z_u = Σ_{i∈u} u_i e_i sums
// the scores of each unit u (each row, or each cluster when cluster is
// given: the wild cluster bootstrap) and v_u are multipliers. For least
// squares this is exactly the refit on y* = Xb̂ + e·v, without refitting.
func (s Scores) Wild(ctx context.Context, opt BootOptions, mult Multiplier, cluster []int, est []float64) (*mat.Dense, int, error) {
	units := cluster
	if units == nil {
		units = make([]int, s.N) // every row its own unit
		for i := range units {
			units[i] = i
		}
	}
	m, err := s.Meat(CR0, units)
	if err == nil && m.Clusters() < 2 {
		err = InputErrorf("covariance: %d cluster; the wild cluster bootstrap needs at least 2 (and many more to be reliable)", m.Clusters())
	}
	if err != nil {
		return nil, 0, err
	}
	z := m.sums
	k := len(est)
	return Replicates(ctx, opt, k, func() ReplicateFunc {
		v := make([]float64, len(z))
		t := mat.NewVecDense(s.Dim, nil)
		return func(rng *rand.Rand, dst []float64) error {
			mult.Fill(rng, v)
			t.Zero()
			raw := t.RawVector().Data
			for u, zu := range z {
				for a, val := range zu {
					raw[a] += v[u] * val
				}
			}
			c := mat.NewVecDense(k, dst)
			c.MulVec(s.Map.T(), t)
			floats.Add(dst, est)
			return nil
		}
	})
}
