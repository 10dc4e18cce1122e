package estimators

import (
	"fmt"
	"math"
	"slices"
)

// ProjectSimplex stores in dst the Euclidean projection of v onto the
// probability simplex {x : x_i ≥ 0, Σ_i x_i = 1}, and returns dst:
//
//	x_i = max(v_i − θ, 0),
//
// where θ is the unique number making the x_i sum to one. θ is found by the
// sort-based algorithm (Held, Wolfe and Crowder 1974; Duchi, Shalev-Shwartz,
// Singer and Chandra 2008): with u the values of v in decreasing order,
// ρ = max{j : u_j − (Σ_{r≤j} u_r − 1)/j > 0} and θ = (Σ_{r≤ρ} u_r − 1)/ρ.
// It costs one sort, O(n log n).
//
// If dst is nil a new slice is allocated; otherwise it must have len(v)
// elements. dst may be v itself (one scratch slice is then allocated; else
// dst serves as the scratch space) but must not otherwise overlap v.
// ProjectSimplex panics if v is empty or contains a NaN or an infinity.
func ProjectSimplex(dst, v []float64) []float64 {
	n := len(v)
	if n == 0 {
		panic("estimators: ProjectSimplex: zero length")
	}
	if dst == nil {
		dst = make([]float64, n)
	} else if len(dst) != n {
		panic(fmt.Sprintf("estimators: ProjectSimplex: len(dst) = %d, len(v) = %d", len(dst), n))
	}
	for i, vi := range v {
		if math.IsNaN(vi) || math.IsInf(vi, 0) {
			panic(fmt.Sprintf("estimators: ProjectSimplex: v[%d] is %v", i, vi))
		}
	}
	// Sort a copy in dst unless dst is v itself, in which case v must survive.
	u := dst
	if &dst[0] == &v[0] {
		u = make([]float64, n)
	}
	copy(u, v)
	slices.Sort(u)
	var cum, theta float64
	for j := 1; j <= n; j++ {
		uj := u[n-j] // j-th largest
		cum += uj
		t := (cum - 1) / float64(j)
		if uj-t > 0 {
			theta = t
		}
	}
	for i, vi := range v {
		dst[i] = math.Max(vi-theta, 0)
	}
	return dst
}
