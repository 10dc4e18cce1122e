package rdd

import (
	"math"
	"runtime"
	"slices"
	"sync"

	"gonum.org/v1/gonum/mat"

	"github.com/causalkit/causalkit/estimators"
)

// QuantileMatrix returns the n × m matrix of unit quantile functions
// Q[i,j] = Q̂_{Y_i}(grid[j]) of the draws y[i] (spec §2.2):
//
//   - unweighted (w nil): R's type 7, with y_(1) ≤ … ≤ y_(k) the sorted
//     draws, h = (k−1)q and l = ⌊h⌋, Q̂(q) = y_(l+1) + (h − l)(y_(l+2) − y_(l+1))
//     (each unit is sorted once for the whole grid);
//   - weighted: Hmisc's wtd.quantile(y, w, probs, normwt = TRUE) as
//     estimators.WeightedQuantiles computes it (type 7 for equal weights).
//
// Units run in parallel. It returns an error wrapping estimators.ErrInput if
// a unit has no draws, a draw is NaN or ±Inf, a weight vector differs in
// length from its draws or has a negative, non-finite or only zero weights,
// or a grid point is outside [0, 1].
func QuantileMatrix(y, w [][]float64, grid []float64) (*mat.Dense, error) {
	n, m := len(y), len(grid)
	if w != nil && len(w) != n {
		return nil, estimators.InputErrorf("rdd: r3d: %d weight vectors for %d units", len(w), n)
	}
	for j, q := range grid {
		if !(q >= 0 && q <= 1) {
			return nil, estimators.InputErrorf("rdd: r3d: quantile grid point %d is %v; need a probability", j, q)
		}
	}
	if n == 0 || m == 0 {
		return nil, estimators.InputErrorf("rdd: r3d: %d units and %d grid points; need at least one of each", n, m)
	}
	for i, yi := range y {
		if err := r3dCheckUnit(i, yi, w, n); err != nil {
			return nil, err
		}
	}
	q := mat.NewDense(n, m, nil)
	workers := min(runtime.GOMAXPROCS(0), n)
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for lo := 0; lo < n; lo += chunk {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			var buf []float64
			for i := lo; i < hi; i++ {
				var wi []float64
				if w != nil {
					wi = w[i]
				}
				buf = UnitQuantiles(q.RawRowView(i), y[i], wi, grid, buf)
			}
		}(lo, min(lo+chunk, n))
	}
	wg.Wait()
	return q, nil
}

// r3dCheckUnit validates the draws (and weights) of unit i.
func r3dCheckUnit(i int, yi []float64, w [][]float64, n int) error {
	if len(yi) == 0 {
		return estimators.InputErrorf("rdd: r3d: unit %d has no draws", i)
	}
	for _, v := range yi {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return estimators.InputErrorf("rdd: r3d: unit %d has a draw %v; draws must be finite", i, v)
		}
	}
	if w == nil {
		return nil
	}
	if len(w[i]) != len(yi) {
		return estimators.InputErrorf("rdd: r3d: unit %d has %d draws and %d weights", i, len(yi), len(w[i]))
	}
	pos := false
	for _, v := range w[i] {
		if !(v >= 0) || math.IsInf(v, 1) {
			return estimators.InputErrorf("rdd: r3d: unit %d has a weight %v; weights must be non-negative and finite", i, v)
		}
		pos = pos || v > 0
	}
	if !pos {
		return estimators.InputErrorf("rdd: r3d: unit %d has only zero weights", i)
	}
	return nil
}

// UnitQuantiles stores in dst (len(grid) values) the quantile function of
// one unit's draws y on the grid, as QuantileMatrix: type 7 without weights
// (w nil), Hmisc's weighted quantiles otherwise. buf is scratch space for
// the sorted draws (it may be nil) and is returned for reuse; y is not
// modified. The draws must be finite and non-empty.
func UnitQuantiles(dst, y, w, grid, buf []float64) []float64 {
	if w != nil {
		estimators.WeightedQuantiles(dst, y, w, grid)
		return buf
	}
	buf = append(buf[:0], y...)
	slices.Sort(buf)
	for j, q := range grid {
		dst[j] = estimators.Quantile7(buf, q)
	}
	return buf
}
