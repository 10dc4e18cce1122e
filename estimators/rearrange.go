package estimators

import (
	"fmt"
	"math"
	"slices"
)

// rearrangeGrid is the number of intervals of the evaluation lattice of
// Rearrange: the interpolant is evaluated at k/rearrangeGrid, k = 0..1000.
const rearrangeGrid = 1000

// Rearrange stores in dst the monotone rearrangement of the curve a observed
// on the increasing grid q (Chernozhukov, Fernández-Val and Galichon 2009,
// 2010), and returns dst. It follows, step for step, the univariate algorithm
// of the R package Rearrangement as R3D uses it (spec: r3d.md §2.5), so that
// results match the reference implementation:
//
//  1. rescale the grid to [0, 1]: z_j = (q_j − q_1)/(q_m − q_1);
//  2. let f be the piecewise-linear interpolant through the points (z_j, a_j);
//  3. evaluate f on the 1001 points t_k = k/1000, k = 0..1000, and sort the
//     values ascending;
//  4. dst[j] is the type-7 quantile (see Quantile7) of the sorted values at
//     probability z_j.
//
// The result is non-decreasing, but because the lattice rarely hits the z_j
// it is not the identity on an already non-decreasing curve: kinks of f are
// smoothed slightly. RearrangeSorted is the exact discrete rearrangement.
//
// If dst is nil a new slice is allocated; otherwise it must have len(a)
// elements, and it may be a (or q) itself. A curve of one point is copied.
// Rearrange panics if q and a differ in length or q is not strictly
// increasing. a must not contain NaN.
func Rearrange(dst, q, a []float64) []float64 {
	m := len(a)
	if len(q) != m {
		panic(fmt.Sprintf("estimators: Rearrange: len(q) = %d, len(a) = %d", len(q), m))
	}
	if dst == nil {
		dst = make([]float64, m)
	} else if len(dst) != m {
		panic(fmt.Sprintf("estimators: Rearrange: len(dst) = %d, len(a) = %d", len(dst), m))
	}
	for j := 1; j < m; j++ {
		if !(q[j] > q[j-1]) {
			panic(fmt.Sprintf("estimators: Rearrange: grid not strictly increasing at %d (%v after %v)", j, q[j], q[j-1]))
		}
	}
	if m <= 1 {
		copy(dst, a)
		return dst
	}
	if math.IsInf(q[0], 0) || math.IsInf(q[m-1], 0) {
		panic("estimators: Rearrange: grid not finite")
	}
	var f [rearrangeGrid + 1]float64
	q1, span := q[0], q[m-1]-q[0]
	z := func(j int) float64 { return (q[j] - q1) / span }
	// Interval [z_i, z_{i+1}] holding t; t increases with k.
	i := 0
	zi, zn := z(0), z(1)
	for k := range f {
		t := float64(k) / rearrangeGrid
		for i < m-2 && zn < t {
			i++
			zi, zn = zn, z(i+1)
		}
		switch t {
		case zn:
			f[k] = a[i+1]
		case zi:
			f[k] = a[i]
		default:
			f[k] = a[i] + (a[i+1]-a[i])*((t-zi)/(zn-zi))
		}
	}
	slices.Sort(f[:])
	for j := range m {
		dst[j] = Quantile7(f[:], z(j))
	}
	return dst
}

// RearrangeSorted stores in dst the exact discrete monotone rearrangement of
// a, its values sorted ascending, and returns dst. It is the identity on a
// non-decreasing a.
//
// If dst is nil a new slice is allocated; otherwise it must have len(a)
// elements, and it may be a itself. NaNs sort first.
func RearrangeSorted(dst, a []float64) []float64 {
	if dst == nil {
		dst = make([]float64, len(a))
	} else if len(dst) != len(a) {
		panic(fmt.Sprintf("estimators: RearrangeSorted: len(dst) = %d, len(a) = %d", len(dst), len(a)))
	}
	copy(dst, a)
	slices.Sort(dst)
	return dst
}
