// Package natural orders names the way people read them: runs of digits
// compare as numbers, so X2 comes before X10 and "5%" before "15%".
package natural

import (
	"slices"
	"strings"
)

// Compare returns −1, 0 or 1 as a sorts before, equal to, or after b in
// natural order. Runs of digits compare by value and before any other
// byte; other bytes compare by value. A
// number directly after '<' or '>' sorts just below or above the same
// number without, so binned levels read "<75%", "75-95%", …, ">125%". Names
// that compare equal that way ("X01", "X1") fall back to plain string
// order, so the order is total.
func Compare(a, b string) int {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		ni, bi, ei := number(a, i)
		nj, bj, ej := number(b, j)
		if ei > i && ej > j {
			if c := compareDigits(ni, nj); c != 0 {
				return c
			}
			if bi != bj {
				return sign(bi - bj)
			}
			i, j = ei, ej
			continue
		}
		if ei > i || ej > j { // a number sorts before any other byte
			return sign((ej - j) - (ei - i))
		}
		if a[i] != b[j] {
			return sign(int(a[i]) - int(b[j]))
		}
		i++
		j++
	}
	if c := sign((len(a) - i) - (len(b) - j)); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

// Sort sorts names in natural order, in place, and returns them.
func Sort(names []string) []string {
	slices.SortFunc(names, Compare)
	return names
}

// number reads the number at s[i:]: its digits without leading zeros, a
// bias of −1 or +1 for a leading '<' or '>', and the end of the run. The
// end is i when no number starts there.
func number(s string, i int) (digits string, bias, end int) {
	k := i
	if s[k] == '<' || s[k] == '>' {
		if s[k] == '<' {
			bias = -1
		} else {
			bias = 1
		}
		k++
	}
	e := k
	for e < len(s) && s[e] >= '0' && s[e] <= '9' {
		e++
	}
	if e == k {
		return "", 0, i
	}
	return strings.TrimLeft(s[k:e], "0"), bias, e
}

func compareDigits(a, b string) int {
	if len(a) != len(b) {
		return sign(len(a) - len(b))
	}
	return strings.Compare(a, b)
}

func sign(v int) int {
	switch {
	case v < 0:
		return -1
	case v > 0:
		return 1
	}
	return 0
}
