package estimators

import (
	"fmt"
	"math"
)

// Isotonic stores in dst the non-decreasing sequence f that minimises
// Σ_i w_i (y_i − f_i)², and returns dst. A nil w means equal weights; the
// fit then equals R's isoreg(y)$yf up to rounding (R forms block means from
// differences of cumulative sums, Isotonic from block sums).
//
// The fit is computed by the pool-adjacent-violators algorithm in O(n):
// values are scanned left to right as blocks, and whenever a block's weighted
// mean is below the mean of the block before it the two are pooled (weights
// and weighted sums added, mean = Σ w_i y_i / Σ w_i over the pooled block)
// until the block means are non-decreasing; every element then takes its
// block's mean.
//
// If dst is nil a new slice is allocated; otherwise it must have len(y)
// elements, and it may be y itself. Isotonic panics if w is not nil and
// differs in length from y, or if a weight is not positive and finite. y must
// not contain NaN (the result is then unspecified).
func Isotonic(dst, y, w []float64) []float64 {
	n := len(y)
	if w != nil && len(w) != n {
		panic(fmt.Sprintf("estimators: Isotonic: len(w) = %d, len(y) = %d", len(w), n))
	}
	if dst == nil {
		dst = make([]float64, n)
	} else if len(dst) != n {
		panic(fmt.Sprintf("estimators: Isotonic: len(dst) = %d, len(y) = %d", len(dst), n))
	}
	if n == 0 {
		return dst
	}
	// Block b has weight blocks[b].w, weighted sum blocks[b].s, last index
	// blocks[b].end and mean dst[b]. Block means are written to dst[b] with
	// b ≤ i after y[i] has been read, so dst may alias y.
	type block struct {
		w, s float64
		end  int
	}
	blocks := make([]block, 0, 16)
	for i, yi := range y {
		wi := 1.0
		if w != nil {
			wi = w[i]
			if !(wi > 0) || math.IsInf(wi, 1) {
				panic(fmt.Sprintf("estimators: Isotonic: weight %d is %v (want positive and finite)", i, wi))
			}
		}
		b := len(blocks)
		cur := block{wi, wi * yi, i}
		mean := yi
		for b > 0 && dst[b-1] > mean {
			b--
			cur.w += blocks[b].w
			cur.s += blocks[b].s
			mean = cur.s / cur.w
		}
		blocks = append(blocks[:b], cur)
		dst[b] = mean
	}
	// Expand from the right: block b covers (end[b−1], end[b]], and its
	// first index is ≥ b, so dst[b] is read before it is overwritten.
	for b := len(blocks) - 1; b >= 0; b-- {
		start := 0
		if b > 0 {
			start = blocks[b-1].end + 1
		}
		mean := dst[b]
		for i := start; i <= blocks[b].end; i++ {
			dst[i] = mean
		}
	}
	return dst
}
