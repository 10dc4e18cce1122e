package estimators

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// probTol is the tolerance, as in R's quantile, within which a probability
// just outside [0, 1] is clamped to it instead of rejected.
const probTol = 100 * 0x1p-52

// checkProb clamps p to [0, 1], panicking if it is NaN or further than
// probTol outside.
func checkProb(p float64) float64 {
	if !(p >= -probTol && p <= 1+probTol) {
		panic(fmt.Sprintf("estimators: probability %v outside [0, 1]", p))
	}
	return min(max(p, 0), 1)
}

// Quantile7 returns the p-quantile of the ascending data sorted by linear
// interpolation between order statistics (R's quantile type 7, the default of
// R and NumPy): with k = len(sorted), index = 1 + (k−1)p, lo = ⌊index⌋,
// hi = ⌈index⌉ and h = index − lo,
//
//	Q(p) = (1−h)·y_(lo) + h·y_(hi),
//
// which is y_(lo) itself when h = 0 or y_(hi) = y_(lo). The arithmetic is
// R's, so results agree with R to the last bit.
//
// Quantile7 panics if sorted is empty or p is NaN or outside [0, 1] (by more
// than 100 machine epsilons, as R; smaller excesses are clamped). sorted must
// be in ascending order without NaN; this is not checked.
func Quantile7(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		panic("estimators: Quantile7: zero length")
	}
	p = checkProb(p)
	index := 1 + float64(len(sorted)-1)*p
	lo := math.Floor(index)
	hi := math.Ceil(index)
	q := sorted[int(lo)-1]
	if index > lo {
		if x := sorted[int(hi)-1]; x != q {
			h := index - lo
			q = (1-h)*q + h*x
		}
	}
	return q
}

// WeightedQuantiles stores in dst[j] the weighted probs[j]-quantile of y with
// weights w, and returns dst. It computes Hmisc's
// wtd.quantile(y, w, probs, type = "quantile", normwt = TRUE):
//
//  1. drop observations with zero or NaN weight or NaN y; let k be the
//     number left;
//  2. rescale the weights to sum to k: w_i ← w_i·k / Σw;
//  3. sort y ascending and merge tied values, summing their weights in input
//     order, into distinct values y_1 < … < y_d with weights v_1, …, v_d;
//  4. cumulative weights C_j = v_1 + … + v_j, total n = C_d (= k up to
//     rounding);
//  5. for each p: o = 1 + (n−1)p, lo = max(⌊o⌋, 1), hi = min(lo+1, n),
//     f = o − ⌊o⌋, and Q(p) = (1−f)·A(lo) + f·A(hi), where A(t) is the
//     y_j with the smallest j such that C_j ≥ t (y_1 if t < C_1, y_d if
//     t > C_d).
//
// With equal weights this is Quantile7 of y exactly; a nil w means equal
// weights. Sums are compensated (Neumaier), which reproduces R's long-double
// accumulation in sum and cumsum, so integer cumulative weights stay integer.
// Hmisc also rebuilds tied y values from their printed names (15 significant
// digits); that loss of precision is not replicated.
//
// If no observation is left after step 1, every dst[j] is NaN.
// If dst is nil a new slice is allocated; otherwise it must have len(probs)
// elements. WeightedQuantiles panics if w is not nil and differs in length
// from y, if a weight is negative or +Inf, or if a probability is NaN or
// outside [0, 1]. The input slices are not modified.
func WeightedQuantiles(dst, y, w, probs []float64) []float64 {
	if w != nil && len(w) != len(y) {
		panic(fmt.Sprintf("estimators: WeightedQuantiles: len(w) = %d, len(y) = %d", len(w), len(y)))
	}
	if dst == nil {
		dst = make([]float64, len(probs))
	} else if len(dst) != len(probs) {
		panic(fmt.Sprintf("estimators: WeightedQuantiles: len(dst) = %d, len(probs) = %d", len(dst), len(probs)))
	}
	for j, p := range probs {
		dst[j] = checkProb(p)
	}

	if w == nil {
		ys := make([]float64, 0, len(y))
		for _, yi := range y {
			if !math.IsNaN(yi) {
				ys = append(ys, yi)
			}
		}
		if len(ys) == 0 {
			fillNaN(dst)
			return dst
		}
		slices.Sort(ys)
		for j, p := range dst {
			dst[j] = Quantile7(ys, p)
		}
		return dst
	}

	// i, the position in y, breaks ties so that the sort is deterministic
	// and tied weights are summed in input order (as R's stable order()).
	type obs struct {
		y, w float64
		i    int
	}
	d := make([]obs, 0, len(y))
	var sum neumaier
	for i, yi := range y {
		wi := w[i]
		if wi < 0 || math.IsInf(wi, 1) {
			panic(fmt.Sprintf("estimators: WeightedQuantiles: weight %d is %v", i, wi))
		}
		if wi == 0 || math.IsNaN(wi) || math.IsNaN(yi) {
			continue
		}
		d = append(d, obs{yi, wi, i})
		sum.add(wi)
	}
	k := len(d)
	if k == 0 {
		fillNaN(dst)
		return dst
	}
	total := sum.sum()
	for i := range d {
		d[i].w = d[i].w * float64(k) / total
	}
	slices.SortFunc(d, func(a, b obs) int {
		if c := cmp.Compare(a.y, b.y); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	})
	// Merge ties in place; d[j].w becomes the cumulative weight C_j.
	var cum neumaier
	m := 0
	for i := 0; i < k; {
		var tie neumaier
		j := i
		for ; j < k && d[j].y == d[i].y; j++ {
			tie.add(d[j].w)
		}
		cum.add(tie.sum())
		d[m] = obs{y: d[i].y, w: cum.sum()}
		m++
		i = j
	}
	d = d[:m]
	n := d[m-1].w
	at := func(t float64) float64 {
		j, _ := slices.BinarySearchFunc(d, t, func(o obs, t float64) int { return cmp.Compare(o.w, t) })
		return d[min(j, m-1)].y
	}
	for j, p := range dst {
		o := 1 + (n-1)*p
		fl := math.Floor(o)
		lo := math.Max(fl, 1)
		hi := math.Min(lo+1, n)
		f := o - fl
		dst[j] = (1-f)*at(lo) + f*at(hi)
	}
	return dst
}

func fillNaN(dst []float64) {
	for j := range dst {
		dst[j] = math.NaN()
	}
}

// neumaier is a compensated running sum.
type neumaier struct{ s, c float64 }

func (a *neumaier) add(v float64) {
	t := a.s + v
	if math.Abs(a.s) >= math.Abs(v) {
		a.c += (a.s - t) + v
	} else {
		a.c += (v - t) + a.s
	}
	a.s = t
}

func (a *neumaier) sum() float64 { return a.s + a.c }
