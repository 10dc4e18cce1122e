package main

import (
	"math"
	"testing"
)

// Fuzz targets for the parsers of flag values: any string is either
// parsed into a valid value or rejected with an error, never a panic.

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"512MiB", "4GB", "1", "1.5GiB", " 2 KiB ", "0", "-1MB", "1e3", "NaN", "9999999999999TiB", "MiB"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if v, err := parseSize(s); err == nil && v <= 0 {
			t.Fatalf("parseSize(%q) = %d without error", s, v)
		}
	})
}

func FuzzParseGrid(f *testing.F) {
	for _, s := range []string{"0.01:0.99:0.01", "0.1,0.5,0.9", "0.5", "0.9:0.1:0.1", "0:1:0", "1e-300:0.5:1e-300", ":", ",,", "0.1:0.2:-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		g, err := parseGrid(s)
		if err != nil {
			return
		}
		if len(g) > 1_000_000 {
			t.Fatalf("parseGrid(%q): %d points", s, len(g))
		}
		for _, q := range g {
			if math.IsNaN(q) || math.IsInf(q, 0) {
				t.Fatalf("parseGrid(%q) gave %v", s, q)
			}
		}
	})
}

func FuzzParseRanges(f *testing.F) {
	for _, s := range []string{"0.1:0.5,0.5:0.9", "0.2:0.8", "", ":", "a:b", "0.5:0.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if r, err := parseRanges(s); err == nil {
			for _, p := range r {
				if len(p) != 2 {
					t.Fatalf("parseRanges(%q) gave %v", s, p)
				}
			}
		}
	})
}

func FuzzExpandColumns(f *testing.F) {
	for _, s := range []string{"reg662..reg669", "x1..x3", "a..b", "x9..x1", "x1..y3", "..", "x..x", "x0..x99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cols, err := expandColumns("x", []string{s})
		if err == nil && len(cols) > 100_000 {
			t.Fatalf("expandColumns(%q): %d columns", s, len(cols))
		}
	})
}
