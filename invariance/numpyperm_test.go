package invariance

import (
	"slices"
	"testing"
)

// TestNumpyPermutation checks the permutation against numpy 1.24's
// RandomState(seed).permutation(n) (= pandas 1.5's
// Series.sample(frac=1, random_state=seed)).
func TestNumpyPermutation(t *testing.T) {
	for _, c := range []struct {
		seed uint32
		n    int
		from int
		want []int
	}{
		{1234, 10, 0, []int{7, 2, 9, 1, 0, 8, 4, 5, 6, 3}},
		{123, 12, 0, []int{5, 0, 4, 9, 8, 7, 10, 3, 1, 6, 11, 2}},
		{1234, 507, 0, []int{64, 100, 401, 486, 455, 289, 112, 479, 66, 187, 475, 71}},
		{1234, 507, 502, []int{204, 53, 294, 211, 303}},
		{123, 1000, 0, []int{131, 203, 50, 585, 138, 632, 328, 461}},
		{0, 3, 0, []int{2, 1, 0}},
	} {
		p := numpyPermutation(c.seed, c.n)
		got := p[c.from : c.from+len(c.want)]
		if !slices.Equal(got, c.want) {
			t.Errorf("seed %d, n %d, from %d: %v, numpy %v", c.seed, c.n, c.from, got, c.want)
		}
	}
}
