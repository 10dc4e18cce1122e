package iv

import (
	"math"
	"strconv"
	"testing"

	"github.com/causalkit/causalkit/estimators"
)

// chunk returns rows [lo, hi) of d.
func chunk(d *Data, lo, hi int) *Data {
	cut := func(cols [][]float64) [][]float64 {
		out := make([][]float64, len(cols))
		for j, c := range cols {
			out[j] = c[lo:hi]
		}
		return out
	}
	c := *d
	c.Y, c.Endog, c.Exog, c.Instruments = d.Y[lo:hi], cut(d.Endog), cut(d.Exog), cut(d.Instruments)
	if d.Weights != nil {
		c.Weights = d.Weights[lo:hi]
	}
	return &c
}

// TestStreamMatchesInMemory fits Card's models chunk by chunk (uneven
// chunks, each its own accumulator and meat, merged in order, and one
// through Encode/Decode) and compares them with the in-memory fit: the
// same numbers up to rounding, 1e-12 relative.
func TestStreamMatchesInMemory(t *testing.T) {
	const tol = 1e-12
	close := func(a, b float64) bool { return math.Abs(a-b) <= tol*math.Max(math.Abs(a), math.Abs(b)) }
	for _, spec := range []string{"CARD1", "CARD2", "CARD3"} {
		for _, m := range []Method{OLS, TSLS, LIML} {
			d := cardData(t, spec)
			n := len(d.Y)
			// Clusters: region codes named by strings, coded per chunk.
			region := make([]string, n)
			for i := range n {
				region[i] = "r" + strconv.Itoa(i%37)
			}
			cuts := []int{0, 1, 700, 1500, 1501, 2900, n}
			want, err := Estimate(d, Options{Method: m})
			if err != nil {
				t.Fatal(err)
			}
			acc, err := NewAccumulator(d)
			if err != nil {
				t.Fatal(err)
			}
			for c := range len(cuts) - 1 {
				part, _ := NewAccumulator(d)
				if err := part.Add(chunk(d, cuts[c], cuts[c+1])); err != nil {
					t.Fatal(err)
				}
				if c == 2 {
					if err := part.Decode(part.Encode()); err != nil {
						t.Fatal(err)
					}
				}
				acc.Merge(part)
			}
			got, err := acc.Fit(Options{Method: m})
			if err != nil {
				t.Fatal(err)
			}
			for j := range want.Coef {
				if !close(got.Coef[j], want.Coef[j]) {
					t.Errorf("%s %s: coef %s = %.17g, in memory %.17g", spec, m, want.Names[j], got.Coef[j], want.Coef[j])
				}
			}
			if !close(got.RSS, want.RSS) {
				t.Errorf("%s %s: RSS %.17g, in memory %.17g", spec, m, got.RSS, want.RSS)
			}
			for _, typ := range []estimators.CovType{estimators.HC1, estimators.HC3, estimators.CR1, estimators.CR2} {
				var opt estimators.CovOptions
				opt.Type = typ
				if typ.IsCluster() {
					opt.Cluster = make([]int, n)
					for i := range n {
						opt.Cluster[i] = i % 37
					}
				}
				wantV, err := want.Cov(opt)
				if err != nil {
					t.Fatal(err)
				}
				meat := estimators.NewMeat(typ, len(got.Coef))
				for c := range len(cuts) - 1 {
					part := estimators.NewMeat(typ, len(got.Coef))
					var codes []int
					var levels []string
					if typ.IsCluster() {
						// This chunk's own coding, as a row group's categorical column.
						idx := map[string]int{}
						for _, r := range region[cuts[c]:cuts[c+1]] {
							if _, ok := idx[r]; !ok {
								idx[r] = len(levels)
								levels = append(levels, r)
							}
							codes = append(codes, idx[r])
						}
					}
					if err := got.AddMeat(part, chunk(d, cuts[c], cuts[c+1]), cuts[c], codes, levels); err != nil {
						t.Fatal(err)
					}
					if c == 3 {
						vals, names := part.Encode()
						if part, err = estimators.DecodeMeat(typ, len(got.Coef), vals, names); err != nil {
							t.Fatal(err)
						}
					}
					meat.Merge(part)
				}
				gotV, err := got.MeatCov(meat)
				if err != nil {
					t.Fatal(err)
				}
				if gotV.Groups != wantV.Groups {
					t.Errorf("%s %s %s: %d clusters, in memory %d", spec, m, typ, gotV.Groups, wantV.Groups)
				}
				for a := range len(got.Coef) {
					for b := range len(got.Coef) {
						// Off-diagonal entries relative to √(V_aa V_bb): they
						// can be tiny differences of large products.
						scale := math.Sqrt(wantV.V.At(a, a) * wantV.V.At(b, b))
						if g, w := gotV.V.At(a, b), wantV.V.At(a, b); math.Abs(g-w) > tol*scale {
							t.Errorf("%s %s %s: V[%d,%d] = %.17g, in memory %.17g", spec, m, typ, a, b, g, w)
						}
					}
				}
			}
		}
	}
}

// BenchmarkAccumulator reduces 1,000,000 rows of 15 columns (the IV
// benchmark's model) in 16 row groups and merges them, as a streamed fit
// does.
func BenchmarkAccumulator(b *testing.B) {
	const n, groups = 1_000_000, 16
	d := benchData(n)
	b.ReportAllocs()
	for b.Loop() {
		acc, _ := NewAccumulator(d)
		for g := range groups {
			part, _ := NewAccumulator(d)
			if err := part.Add(chunk(d, g*n/groups, (g+1)*n/groups)); err != nil {
				b.Fatal(err)
			}
			acc.Merge(part)
		}
		if _, err := acc.Fit(Options{Method: TSLS}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestStreamDiagnostics: robust diagnostics from chunked meats equal the
// in-memory ones (first-stage F, Kleibergen–Paap, Hansen's J) to 1e-11.
func TestStreamDiagnostics(t *testing.T) {
	for _, spec := range []string{"CARD2", "CARD3"} {
		d := cardData(t, spec)
		n := len(d.Y)
		fit, err := Estimate(d, Options{Method: TSLS})
		if err != nil {
			t.Fatal(err)
		}
		for _, typ := range []estimators.CovType{estimators.HC1, estimators.CR1} {
			opt := estimators.CovOptions{Type: typ}
			codes := make([]int, n)
			for i := range codes {
				codes[i] = i % 29
			}
			if typ.IsCluster() {
				opt.Cluster = codes
			}
			want, err := fit.Diagnose(opt, 0.95)
			if err != nil {
				t.Fatal(err)
			}
			meats := fit.DiagnosticMeats(typ)
			cuts := []int{0, 999, 2000, n}
			for c := range len(cuts) - 1 {
				var cl []int
				if typ.IsCluster() {
					cl = codes[cuts[c]:cuts[c+1]]
				}
				if err := fit.AddDiagnosticMeats(meats, chunk(d, cuts[c], cuts[c+1]), cuts[c], cl, nil); err != nil {
					t.Fatal(err)
				}
			}
			got, err := fit.DiagnoseMeats(meats, 0.95)
			if err != nil {
				t.Fatal(err)
			}
			near := func(what string, a, b float64) {
				if math.Abs(a-b) > 1e-11*math.Abs(b) {
					t.Errorf("%s %s %s: %.17g streamed, %.17g in memory", spec, typ, what, a, b)
				}
			}
			for j := range want.FirstStage {
				near("first-stage F", got.FirstStage[j].FStat, want.FirstStage[j].FStat)
			}
			if (got.HansenJ == nil) != (want.HansenJ == nil) {
				t.Fatalf("%s %s: Hansen J present %v, want %v", spec, typ, got.HansenJ != nil, want.HansenJ != nil)
			}
			if want.HansenJ != nil {
				near("Hansen J", got.HansenJ.Statistic, want.HansenJ.Statistic)
			}
			if want.KleibergenPaap != nil {
				near("Kleibergen–Paap", got.KleibergenPaap.Statistic, want.KleibergenPaap.Statistic)
			}
		}
	}
}
