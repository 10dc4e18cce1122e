package natural

import (
	"slices"
	"testing"
)

func TestSort(t *testing.T) {
	for _, tc := range []struct{ in, want []string }{
		{[]string{"X10", "X2", "Y", "X1"}, []string{"X1", "X2", "X10", "Y"}},
		{[]string{"15%", "5%", "0%"}, []string{"0%", "5%", "15%"}},
		{[]string{"75-95%", ">125%", "105-125%", "<75%", "95-105%"}, []string{"<75%", "75-95%", "95-105%", "105-125%", ">125%"}},
		{[]string{"<10k: 25%", "<10k: 5%", "<10k: 0%"}, []string{"<10k: 0%", "<10k: 5%", "<10k: 25%"}},
		{[]string{"X1", "X01", "x"}, []string{"X01", "X1", "x"}},
		{[]string{"X10", "Y", "X2", "E", "X1", "a10b2", "a10b10", "a9", "X01"}, []string{"E", "X01", "X1", "X2", "X10", "Y", "a9", "a10b2", "a10b10"}},
		{[]string{"b", "a", "", "ab"}, []string{"", "a", "ab", "b"}},
	} {
		got := Sort(slices.Clone(tc.in))
		if !slices.Equal(got, tc.want) {
			t.Errorf("Sort(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCompareTotal(t *testing.T) {
	names := []string{"a1", "a01", "a<1", "a>1", "a", "1", "<1", ">1", "a10", "a2b", "a2", "<", ">", "0", "<a", "9"}
	for _, a := range names {
		if Compare(a, a) != 0 {
			t.Errorf("Compare(%q, %q) ≠ 0", a, a)
		}
		for _, b := range names {
			if a != b && (Compare(a, b) == 0 || Compare(a, b) != -Compare(b, a)) {
				t.Errorf("Compare(%q, %q) = %d, Compare(%q, %q) = %d", a, b, Compare(a, b), b, a, Compare(b, a))
			}
			for _, c := range names {
				if Compare(a, b) < 0 && Compare(b, c) < 0 && Compare(a, c) >= 0 {
					t.Errorf("not transitive: %q < %q < %q", a, b, c)
				}
			}
		}
	}
}
