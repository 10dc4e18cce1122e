package estimators

import (
	"hash/fnv"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// At returns the multiplier of bootstrap replicate b for the unit (row or
// cluster) with key: a counter-based draw, a hash of (seed, b, key), so
// that it does not depend on how rows are split into chunks, shards or
// threads, nor on the order in which they are visited.
func (m Multiplier) At(seed uint64, b int, key uint64) float64 {
	return m.draw(mix(replicateSeed(seed, b) ^ key))
}

// replicateSeed is the part of At's hash that depends on (seed, b) only.
func replicateSeed(seed uint64, b int) uint64 { return mix(seed ^ mix(uint64(b)+1)) }

// draw maps the hash h to a multiplier.
func (m Multiplier) draw(h uint64) float64 {
	u := float64(h>>11) / (1 << 53) // [0, 1)
	switch m {
	case Rademacher:
		if h&1 == 0 {
			return -1
		}
		return 1
	case Mammen:
		s5 := math.Sqrt(5)
		if u < (s5+1)/(2*s5) {
			return -(s5 - 1) / 2
		}
		return (s5 + 1) / 2
	case Gaussian:
		u2 := float64(mix(h)>>11) / (1 << 53)
		return math.Sqrt(-2*math.Log1p(-u)) * math.Cos(2*math.Pi*u2)
	}
	panic("estimators: unknown multiplier")
}

// Key returns the key of a unit named s (a cluster level) for Multiplier.At.
func Key(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

// WildAccumulator accumulates every replicate of a wild (multiplier)
// bootstrap of an estimator linear in the outcome in one pass over the
// data: T_b = Σ_u v_b(u) z_u for b = 1 … Reps, where z_u = Σ_{i∈u} u_i e_i
// sums the scores of unit u (a row, or a cluster) and v_b(u) is
// Mult.At(Seed, b, key of u). Accumulators of disjoint units merge.
type WildAccumulator struct {
	Reps, Dim int
	Seed      uint64
	Mult      Multiplier
	T         []float64 // Reps × Dim, row-major
	v         []float64
}

// NewWildAccumulator returns an empty accumulator.
func NewWildAccumulator(reps, dim int, seed uint64, mult Multiplier) *WildAccumulator {
	return &WildAccumulator{Reps: reps, Dim: dim, Seed: seed, Mult: mult, T: make([]float64, reps*dim)}
}

// AddRows adds rows whose scores are the columns u and residuals e (each
// row its own unit, with the given keys). With HC2/HC3-style adjustments,
// pass the adjusted residuals.
func (w *WildAccumulator) AddRows(u [][]float64, e []float64, keys []uint64) {
	if len(u) != w.Dim {
		panic("estimators: WildAccumulator.AddRows: wrong score dimension")
	}
	// Blocks of rows small enough to stay in cache across the replicates.
	const block = 256
	w.v = grow(w.v, block)
	for i0 := 0; i0 < len(e); i0 += block {
		i1 := min(i0+block, len(e))
		v := w.v[:i1-i0]
		for b := range w.Reps {
			sb := replicateSeed(w.Seed, b)
			for i := range v {
				v[i] = w.Mult.draw(mix(sb^keys[i0+i])) * e[i0+i]
			}
			t := w.T[b*w.Dim : (b+1)*w.Dim]
			for a, col := range u {
				t[a] += floats.Dot(col[i0:i1], v)
			}
		}
	}
}

// AddSums adds units given by their keys and score sums z_u (clusters).
func (w *WildAccumulator) AddSums(keys []uint64, sums [][]float64) {
	for b := range w.Reps {
		t := w.T[b*w.Dim : (b+1)*w.Dim]
		sb := replicateSeed(w.Seed, b)
		for u, z := range sums {
			v := w.Mult.draw(mix(sb ^ keys[u]))
			for a, za := range z {
				t[a] += v * za
			}
		}
	}
}

// Merge adds the units that o holds.
func (w *WildAccumulator) Merge(o *WildAccumulator) {
	if w.Reps != o.Reps || w.Dim != o.Dim {
		panic("estimators: WildAccumulator.Merge: different shapes")
	}
	for i, v := range o.T {
		w.T[i] += v
	}
}

// Decode replaces the sums by those of an encoded accumulator (its T).
func (w *WildAccumulator) Decode(t []float64) error {
	if len(t) != len(w.T) {
		return InputErrorf("estimators: WildAccumulator: %d numbers for %d × %d replicates", len(t), w.Reps, w.Dim)
	}
	copy(w.T, t)
	return nil
}

// Replicates returns the Reps × k replicates est + Mapᵀ T_b.
func (w *WildAccumulator) Replicates(mapM *mat.Dense, est []float64) *mat.Dense {
	k := len(est)
	out := mat.NewDense(w.Reps, k, nil)
	t := mat.NewDense(w.Reps, w.Dim, w.T)
	out.Mul(t, mapM)
	for b := range w.Reps {
		row := out.RawRowView(b)
		for j := range row {
			row[j] += est[j]
		}
	}
	return out
}

// ClusterSums returns the clusters of a cluster-type meat in order of first
// appearance, with their keys (Key of the name, or the code) and score sums
// Σ_{i∈c} u_i e_i (before any CR2 adjustment).
func (m *Meat) ClusterSums() (keys []uint64, sums [][]float64) {
	for g := range m.sums {
		if m.names != nil {
			keys = append(keys, Key(m.names[g]))
		} else {
			keys = append(keys, uint64(m.codes[g]))
		}
	}
	return keys, m.sums
}

// AddWild adds the scores' rows to w, each row its own unit with the
// given key.
func (s Scores) AddWild(w *WildAccumulator, keys []uint64) {
	s.Blocks(func(i0 int, u [][]float64, e []float64) {
		w.AddRows(u, e, keys[i0:i0+len(e)])
	})
}

// PoissonWeight returns the Poisson(1) weight of the unit with key in
// bootstrap replicate b: a counter-based draw like Multiplier.At. Poisson
// weights stand in for the multinomial counts of the pairs (or cluster)
// bootstrap when the data arrive in pieces: each unit's weight is drawn
// independently of the others, so no pass needs the number of units.
func PoissonWeight(seed uint64, b int, key uint64) float64 {
	// A stream of its own, apart from the multipliers of the same key.
	u := float64(mix(replicateSeed(seed^0x5bd1e9955bd1e995, b)^key)>>11) / (1 << 53)
	p := math.Exp(-1) // P(K = 0)
	cdf := p
	k := 0
	for u >= cdf && k < 30 {
		k++
		p /= float64(k)
		cdf += p
	}
	return float64(k)
}
