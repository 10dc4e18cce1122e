package invariance

import "gonum.org/v1/gonum/mathext/prng"

// numpyPermutation returns numpy's np.random.RandomState(seed).permutation(n),
// which is also pandas' Series.sample(frac=1, random_state=seed): the
// reference code's permutation of X_do*. RandomState is Mersenne Twister
// MT19937 seeded by init_genrand, and its legacy shuffle swaps, for i from
// n−1 down to 1, position i with a draw in [0, i] by masked rejection of
// 32-bit outputs.
func numpyPermutation(seed uint32, n int) []int {
	mt := prng.NewMT19937()
	mt.Seed(uint64(seed))
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	for i := n - 1; i > 0; i-- {
		mask := uint32(i)
		for s := uint(1); s < 32; s <<= 1 {
			mask |= mask >> s
		}
		j := mt.Uint32() & mask
		for j > uint32(i) {
			j = mt.Uint32() & mask
		}
		p[i], p[j] = p[j], p[i]
	}
	return p
}
