package estimators

import "math"

// Argsort returns the permutation that sorts x in increasing order, ties
// (−0 and +0 included) in index order: a stable least-significant-digit
// radix sort on the order-preserving bits of the floats, 11 bits a pass,
// passes where every key has the same digit skipped. x must hold no NaN.
func Argsort(x []float64) []int {
	n := len(x)
	keys, idx := make([]uint64, n), make([]int, n)
	for i, v := range x {
		if v == 0 {
			v = 0 // −0 sorts with +0
		}
		b := math.Float64bits(v)
		if b>>63 == 1 {
			b = ^b
		} else {
			b |= 1 << 63
		}
		keys[i], idx[i] = b, i
	}
	const bits = 11
	const buckets = 1 << bits
	k2, i2 := make([]uint64, n), make([]int, n)
	var count [buckets]int
	for shift := 0; shift < 64; shift += bits {
		count = [buckets]int{}
		for _, k := range keys {
			count[(k>>shift)&(buckets-1)]++
		}
		if n == 0 || count[(keys[0]>>shift)&(buckets-1)] == n {
			continue
		}
		pos := 0
		for d, c := range count {
			count[d] = pos
			pos += c
		}
		for j, k := range keys {
			d := (k >> shift) & (buckets - 1)
			p := count[d]
			count[d]++
			k2[p], i2[p] = k, idx[j]
		}
		keys, k2 = k2, keys
		idx, i2 = i2, idx
	}
	return idx
}
