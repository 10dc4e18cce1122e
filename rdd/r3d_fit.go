package rdd

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"

	"golang.org/x/sync/errgroup"
	"gonum.org/v1/gonum/mat"

	"github.com/causalkit/causalkit/estimators"
)

// r3dSide is one side of the cutoff with its units sorted by distance |x|
// from it, so that every kernel window is a prefix.
type r3dSide struct {
	side estimators.Side
	idx  []int     // unit indices by increasing |x|
	x    []float64 // their centred running variable
	rank []int     // rank[i] = position of unit i in idx, −1 on the other side
}

// r3dSplit sorts the units of each side (0: plus, 1: minus) by |x|.
func r3dSplit(xc []float64) [2]*r3dSide {
	var out [2]*r3dSide
	for s, side := range r3dSides {
		sd := &r3dSide{side: side, rank: make([]int, len(xc))}
		for i, x := range xc {
			sd.rank[i] = -1
			if side.Contains(x) {
				sd.idx = append(sd.idx, i)
			}
		}
		slices.SortStableFunc(sd.idx, func(a, b int) int { return cmp.Compare(math.Abs(xc[a]), math.Abs(xc[b])) })
		sd.x = make([]float64, len(sd.idx))
		for r, i := range sd.idx {
			sd.x[r], sd.rank[i] = xc[i], r
		}
		out[s] = sd
	}
	return out
}

// window returns the number of units with |x|/h ≤ 1 (the prefix that can
// have positive kernel weight).
func (sd *r3dSide) window(h float64) int {
	return sort.Search(len(sd.x), func(r int) bool { return math.Abs(sd.x[r])/h > 1 })
}

// r3dSideFit holds one side's local polynomial fits on the whole grid.
type r3dSideFit struct {
	sd   *r3dSide
	coef [][]float64 // coef[v][j] = α̂_v(q_j)
	// w[j][r] is the intercept weight at q_j of unit sd.idx[r], for the
	// units of the window prefix (r < len(w[j])); zero beyond it.
	w [][]float64
	// lev[j][r] = K(u)·r_p(u)ᵀM⁻¹r_p(u), the leverage of the same unit
	// (only when requested).
	lev [][]float64
	n   []int // units with positive kernel weight at q_j
	neg int   // in-window (unit, grid point) pairs with a negative weight
}

// weight returns the intercept weight of unit i at q_j.
func (f *r3dSideFit) weight(j, i int) float64 {
	if r := f.sd.rank[i]; r >= 0 && r < len(f.w[j]) {
		return f.w[j][r]
	}
	return 0
}

// leverage returns the leverage of unit i at q_j (0 if not computed).
func (f *r3dSideFit) leverage(j, i int) float64 {
	if r := f.sd.rank[i]; f.lev[j] != nil && r >= 0 && r < len(f.lev[j]) {
		return f.lev[j][r]
	}
	return 0
}

// r3dFitSide computes the order-p fits of the columns of q on one side with
// bandwidths h[j], on the window prefix of the sorted units. Grid points
// run in parallel chunks; inside a chunk the equivalent kernel is
// recomputed only when the bandwidth changes, so with one bandwidth it is
// computed once and its weights are shared.
func r3dFitSide(sd *r3dSide, q *mat.Dense, h []float64, p int, k estimators.Kernel, workers int, leverage bool) (*r3dSideFit, error) {
	_, m := q.Dims()
	f := &r3dSideFit{sd: sd, coef: make([][]float64, p+1), w: make([][]float64, m), n: make([]int, m), lev: make([][]float64, m)}
	for v := range f.coef {
		f.coef[v] = make([]float64, m)
	}
	raw := q.RawMatrix()
	fitRange := func(lo, hi int) error {
		var ek mat.Dense
		for j := lo; j < hi; j++ {
			if j > lo && h[j] == h[j-1] {
				f.n[j], f.w[j], f.lev[j] = f.n[j-1], f.w[j-1], f.lev[j-1]
			} else {
				nw := sd.window(h[j])
				if err := r3dWindowError(sd.x[:nw], h[j], p, sd.side, k, ""); err != nil {
					return err
				}
				ek.Reset()
				nIn, err := estimators.LocPolyEquivalentKernel(&ek, sd.x[:nw], nil, h[j], p, sd.side, k)
				if err != nil {
					return fmt.Errorf("rdd: r3d: %w", err)
				}
				f.n[j], f.w[j] = nIn, slices.Clone(ek.RawRowView(0))
				if leverage {
					f.lev[j] = r3dLeverage(&ek, sd.x[:nw], h[j])
				}
			}
			for v := range p + 1 {
				var s float64
				for r, e := range ek.RawRowView(v) {
					if e != 0 {
						s += e * raw.Data[sd.idx[r]*raw.Stride+j]
					}
				}
				f.coef[v][j] = s
			}
		}
		return nil
	}
	if r3dConstant(h) {
		workers = 1
	}
	var g errgroup.Group
	chunk := (m + workers - 1) / workers
	for lo := 0; lo < m; lo += chunk {
		g.Go(func() error { return fitRange(lo, min(lo+chunk, m)) })
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for j := range m {
		for _, w := range f.w[j] {
			if w < 0 {
				f.neg++
			}
		}
	}
	return f, nil
}

// r3dWindowError reports a bandwidth that leaves fewer than p+1 units with
// positive kernel weight on a side, and nil otherwise.
func r3dWindowError(xc []float64, h float64, p int, side estimators.Side, k estimators.Kernel, what string) error {
	in := 0
	for _, x := range xc {
		if side.Contains(x) && k.Weight(x/h) > 0 {
			in++
		}
	}
	if in >= p+1 {
		return nil
	}
	where := "above"
	if side == estimators.Below {
		where = "below"
	}
	return estimators.InputErrorf("rdd: r3d: %sbandwidth %g leaves %d unit(s) %s the cutoff; a polynomial of order %d needs at least %d",
		what, h, in, where, p, p+1)
}

// r3dConstant reports whether all bandwidths are equal.
func r3dConstant(h []float64) bool {
	for _, v := range h[1:] {
		if v != h[0] {
			return false
		}
	}
	return true
}

// r3dLeverage returns ℓ_i = Σ_v ek[v,i] u_i^v = K(u_i)·r(u_i)ᵀM⁻¹r(u_i),
// u_i = x_i/h, from the equivalent kernel ek (zero outside the window).
func r3dLeverage(ek *mat.Dense, xc []float64, h float64) []float64 {
	p1, n := ek.Dims()
	lev := make([]float64, n)
	for i, x := range xc {
		u, pw := x/h, 1.0
		for v := range p1 {
			lev[i] += ek.At(v, i) * pw
			pw *= u
		}
	}
	return lev
}

// r3dFirstStage is the order-p fit of T on each side at h_den.
type r3dFirstStage struct {
	h    float64      // h_den
	coef [2][]float64 // β̂_± (units of x/h_den)
	w    [2][]float64 // intercept weights
	lev  [2][]float64 // leverages
	jump float64      // D = β̂₊₀ − β̂₋₀
}

func r3dFitFirstStage(xc, t []float64, h float64, p int, k estimators.Kernel) (*r3dFirstStage, error) {
	fs := &r3dFirstStage{h: h}
	ek := mat.NewDense(p+1, len(xc), nil)
	for s, side := range r3dSides {
		if err := r3dWindowError(xc, h, p, side, k, "first-stage "); err != nil {
			return nil, err
		}
		if _, err := estimators.LocPolyEquivalentKernel(ek, xc, nil, h, p, side, k); err != nil {
			return nil, fmt.Errorf("rdd: r3d: first stage: %w", err)
		}
		fs.coef[s] = make([]float64, p+1)
		for v := range fs.coef[s] {
			fs.coef[s][v] = mat.Dot(ek.RowView(v), mat.NewVecDense(len(t), t))
		}
		fs.w[s] = slices.Clone(ek.RawRowView(0))
		fs.lev[s] = r3dLeverage(ek, xc, h)
	}
	fs.jump = fs.coef[0][0] - fs.coef[1][0]
	return fs, nil
}
