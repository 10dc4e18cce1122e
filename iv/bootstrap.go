package iv

import (
	"context"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/mat"

	"github.com/causalkit/causalkit/estimators"
)

// BootOptions configures Fit.Bootstrap.
type BootOptions struct {
	estimators.BootOptions
	// Scheme: estimators.Pairs (rows), estimators.ClusterPairs (whole
	// clusters) or estimators.Wild (y* = Xβ̂ + e·v; one v per cluster when
	// Cluster is given).
	Scheme     estimators.Resampling
	Cluster    []int
	Multiplier estimators.Multiplier
}

// Bootstrap returns replicates of the coefficients (rows) by refitting the
// estimator with opt on each resample: pairs and cluster resamples refit
// with the resampling counts as weights, wild resamples refit on y*. Every
// estimator is refitted in full (LIML re-estimates κ), so the bootstrap
// serves anchor and IVL regression too, which have no analytic standard
// errors. Replicates on which the estimator is undefined fail (NaN rows).
func (f *Fit) Bootstrap(ctx context.Context, opt Options, b BootOptions) (*mat.Dense, int, error) {
	d := f.data
	var groups [][]int
	if b.Cluster != nil {
		var err error
		if groups, err = estimators.GroupRows(b.Cluster); err != nil {
			return nil, 0, err
		}
		if len(groups) < 2 {
			return nil, 0, estimators.InputErrorf("iv: bootstrap: %d cluster; a cluster bootstrap needs at least 2", len(groups))
		}
	}
	if b.Scheme == estimators.ClusterPairs && groups == nil {
		return nil, 0, estimators.InputErrorf("iv: bootstrap: the cluster bootstrap needs a cluster variable")
	}
	// unit[i] is the resampling unit of row i for the wild bootstrap.
	unit := make([]int, f.N)
	for i := range unit {
		unit[i] = i
	}
	for g, rows := range groups {
		for _, i := range rows {
			unit[i] = g
		}
	}
	fitted := slices.Clone(d.Y)
	for i := range fitted {
		fitted[i] -= f.Resid[i]
	}
	var pairGroups [][]int // the resampling units of the pairs schemes
	if b.Scheme == estimators.ClusterPairs {
		pairGroups = groups
	}
	k := len(f.Coef)
	return estimators.Replicates(ctx, b.BootOptions, k, func() estimators.ReplicateFunc {
		rd := *d
		var counts, w, v []float64
		switch b.Scheme {
		case estimators.Pairs:
			counts, w = make([]float64, f.N), make([]float64, f.N)
		case estimators.ClusterPairs:
			counts, w = make([]float64, len(groups)), make([]float64, f.N)
		case estimators.Wild:
			rd.Y = make([]float64, f.N)
			units := f.N
			if groups != nil {
				units = len(groups)
			}
			v = make([]float64, units)
		}
		return func(rng *rand.Rand, dst []float64) error {
			switch b.Scheme {
			case estimators.Pairs, estimators.ClusterPairs:
				estimators.ResampleWeights(rng, counts, pairGroups, d.Weights, w)
				rd.Weights = w
			case estimators.Wild:
				b.Multiplier.Fill(rng, v)
				for i := range rd.Y {
					rd.Y[i] = fitted[i] + f.Resid[i]*v[unit[i]]
				}
			}
			rf, err := Estimate(&rd, opt)
			if err != nil {
				return err
			}
			copy(dst, rf.Coef)
			return nil
		}
	})
}
