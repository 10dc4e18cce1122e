package estimators

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// loadReference reads testdata/lm_reference.json (see testdata/README.md
// for its source: an exact 60-digit computation that R sandwich/clubSandwich
// and statsmodels reproduce).
func loadReference(t *testing.T) map[string][]float64 {
	t.Helper()
	b, err := os.ReadFile("testdata/lm_reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	ref := make(map[string][]float64)
	for k, v := range raw {
		var s []float64
		if err := json.Unmarshal(v, &s); err != nil {
			var f float64
			if err := json.Unmarshal(v, &f); err != nil {
				t.Fatal(k, err)
			}
			s = []float64{f}
		}
		ref[k] = s
	}
	return ref
}

func zeros(r, c int) *mat.Dense { return mat.NewDense(r, c, nil) }

func agecCodes(d map[string][]float64) []int {
	codes := make([]int, len(d["age"]))
	for i, a := range d["age"] {
		codes[i] = int(a)
	}
	return codes
}

// TestReference checks coefficients and every covariance estimator against
// the reference values for models A (OLS), B (WLS) and C (tiny, exact).
func TestReference(t *testing.T) {
	ref := loadReference(t)
	x, y, d := cardDesign(t)
	region := regionCodes(d)
	xc := [][]float64{{1, 1, 1, 1, 1, 1, 1, 1}, {1, 2, 3, 4, 5, 6, 7, 8}}
	yc := []float64{1, 3, 2, 5, 4, 6, 8, 7}
	gc := []int{0, 0, 1, 1, 2, 2, 3, 3}
	models := []struct {
		name    string
		x       [][]float64
		y, w    []float64
		cluster []int
		cr2     string
		tol     float64
	}{
		// The references' float64 implementations agree with the exact
		// values to ~1e-12 (A, B) and ~1e-15 (C); these tolerances leave
		// room for the same rounding here.
		{"A", x, y, nil, region, "club_CR2", 1e-10},
		{"B", x, y, d["weight"], region, "CR2_whitened", 1e-10},
		{"C", xc, yc, nil, gc, "club_CR2", 1e-13},
	}
	for _, m := range models {
		names := make([]string, len(m.x))
		for j := range names {
			names[j] = "b" + string(rune('0'+j%10))
		}
		ls, err := WLS(m.x, m.y, names, LSOptions{Weights: m.w})
		if err != nil {
			t.Fatal(err)
		}
		check := func(what string, got []float64, key string) {
			want := ref[m.name+"."+key]
			if len(want) != len(got) {
				t.Fatalf("%s %s: %d values, reference has %d", m.name, what, len(got), len(want))
			}
			for j := range got {
				if e := relErr(got[j], want[j]); !(e <= m.tol) {
					t.Errorf("%s %s[%d] = %.17g, want %.17g (rel err %.2g)", m.name, what, j, got[j], want[j], e)
				}
			}
		}
		check("coef", ls.Coef, "est")
		check("rss", []float64{ls.RSS}, "ssr")
		for _, c := range []struct {
			key string
			opt CovOptions
		}{
			{"se.classical", CovOptions{Type: Classical, Small: true}},
			{"se.classical_n", CovOptions{Type: Classical}},
			{"se.HC0", CovOptions{Type: HC0}},
			{"se.HC1", CovOptions{Type: HC1}},
			{"se.HC2", CovOptions{Type: HC2}},
			{"se.HC3", CovOptions{Type: HC3}},
			{"se.CR0G", CovOptions{Type: CR0G, Cluster: m.cluster}},
			{"se.CR0", CovOptions{Type: CR0, Cluster: m.cluster}},
			{"se.CR1", CovOptions{Type: CR1, Cluster: m.cluster}},
			{"se." + m.cr2, CovOptions{Type: CR2, Cluster: m.cluster}},
		} {
			cov, err := ls.Cov(c.opt)
			if err != nil {
				t.Fatalf("%s %s: %v", m.name, c.key, err)
			}
			check(c.key, cov.SE(ls), c.key)
		}
	}

	// Model A: one-way by age, and two-way region × age (signed variances:
	// the two-way matrix is not positive semi-definite here).
	ls, err := WLS(x, y, cardTerms, LSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	agec := agecCodes(d)
	cov, err := ls.Cov(CovOptions{Type: CR1, Cluster: agec})
	if err != nil {
		t.Fatal(err)
	}
	for j, se := range cov.SE(ls) {
		if e := relErr(se, ref["A.se.CR1_agec"][j]); e > 1e-10 {
			t.Errorf("CR1 by age [%d]: %.17g, want %.17g", j, se, ref["A.se.CR1_agec"][j])
		}
	}
	two, err := ls.Cov(CovOptions{Type: CR1, Cluster: region, Cluster2: agec})
	if err != nil {
		t.Fatal(err)
	}
	if two.Groups != 9 {
		t.Errorf("two-way groups %d, want min(9, 11)", two.Groups)
	}
	for j, want := range ref["A.var.CR1_2way_region_agec"] {
		if e := relErr(two.V.At(j, j), want); e > 1e-9 {
			t.Errorf("two-way variance [%d]: %.17g, want %.17g", j, two.V.At(j, j), want)
		}
	}
	if se := two.SE(ls); !math.IsNaN(se[8]) {
		t.Errorf("negative two-way variance gave se %g, want NaN", se[8])
	}

	// Tests on model A.
	hc1, _ := ls.Cov(CovOptions{Type: HC1})
	b := ls.Coef
	rm := zeros(2, 16)
	rm.Set(0, 1, 1) // educ
	rm.Set(1, 4, 1) // black
	w, err := Wald(b, hc1.V, rm, []float64{0.07, -0.19})
	if err != nil {
		t.Fatal(err)
	}
	f := w.AsF(float64(ls.DFResid()))
	for _, c := range []struct {
		what      string
		got, want float64
		tol       float64
	}{
		{"wald chi2", w.Statistic, ref["A.wald_HC1.chi2"][0], 1e-9},
		{"wald chi2 p", w.PValue, ref["A.wald_HC1.chi2_pvalue"][0], 1e-9},
		{"wald F", f.Statistic, ref["A.wald_HC1.F"][0], 1e-9},
		{"wald F p", f.PValue, ref["A.wald_HC1.F_pvalue"][0], 1e-9},
		{"R2", ls.R2(), ref["A.R2"][0], 1e-12},
	} {
		if e := relErr(c.got, c.want); e > c.tol {
			t.Errorf("%s = %.17g, want %.17g (rel err %.2g)", c.what, c.got, c.want, e)
		}
	}
	// t-test p-values: huge statistics amplify relative errors by ~t², so
	// the tolerance is 1e-8 (see testdata/README.md).
	cl, _ := ls.Cov(CovOptions{Type: Classical, Small: true})
	cr1, _ := ls.Cov(CovOptions{Type: CR1, Cluster: region})
	tt := Tidy(cardTerms, ls.Coef, cl.SE(ls), Dist{DF: float64(ls.DFResid())}, 0.95)
	tz := Tidy(cardTerms, ls.Coef, cl.SE(ls), Normal, 0.95)
	tc := Tidy(cardTerms, ls.Coef, cr1.SE(ls), Dist{DF: float64(cr1.Groups - 1)}, 0.95)
	tcz := Tidy(cardTerms, ls.Coef, cr1.SE(ls), Normal, 0.95)
	for _, c := range []struct {
		what      string
		got, want float64
	}{
		{"t educ", tt[1].Statistic, ref["A.educ.classical.t"][0]},
		{"p educ t(n-k)", tt[1].PValue, ref["A.educ.classical.p_t_nk"][0]},
		{"p educ normal", tz[1].PValue, ref["A.educ.classical.p_normal"][0]},
		{"t educ CR1", tc[1].Statistic, ref["A.educ.CR1.t"][0]},
		{"p educ CR1 t(G-1)", tc[1].PValue, ref["A.educ.CR1.p_t_G1"][0]},
		{"p educ CR1 normal", tcz[1].PValue, ref["A.educ.CR1.p_normal"][0]},
	} {
		if e := relErr(c.got, c.want); e > 1e-8 {
			t.Errorf("%s = %.17g, want %.17g (rel err %.2g)", c.what, c.got, c.want, e)
		}
	}
	for j, want := range ref["A.all.classical.p_t_nk"] {
		if want < 1e-300 {
			continue // below float64's range: the reference underflows too
		}
		if e := relErr(tt[j].PValue, want); e > 1e-8 {
			t.Errorf("p[%d] = %.17g, want %.17g", j, tt[j].PValue, want)
		}
	}
	// Overall F test of all slopes, classical small-sample.
	rAll := zeros(15, 16)
	for r := range 15 {
		rAll.Set(r, r+1, 1)
	}
	all, err := Wald(b, cl.V, rAll, nil)
	if err != nil {
		t.Fatal(err)
	}
	fAll := all.AsF(float64(ls.DFResid()))
	if e := relErr(fAll.Statistic, ref["A.overallF.F"][0]); e > 1e-9 {
		t.Errorf("overall F %.17g, want %.17g", fAll.Statistic, ref["A.overallF.F"][0])
	}
	if e := relErr(fAll.PValue, ref["A.overallF.pvalue"][0]); e > 1e-8 {
		t.Errorf("overall F p %.17g, want %.17g", fAll.PValue, ref["A.overallF.pvalue"][0])
	}
}
