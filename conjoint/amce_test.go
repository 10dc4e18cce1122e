package conjoint

import (
	"errors"
	"math"
	"testing"

	"github.com/causalkit/causalkit/estimators"
)

// checkRows compares a result's rows with reference rows matched by
// (attribute, level[, group]).
func checkRows(t *testing.T, name string, got []Estimate, want []refRow, tol float64) {
	t.Helper()
	if len(want) == 0 {
		t.Fatalf("%s: no reference rows", name)
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			if g.Attribute != w.Feature || g.Level != w.Level || (w.By != "" && g.Group != w.By) {
				continue
			}
			found = true
			wse := math.NaN()
			if w.StdError != nil {
				wse = *w.StdError
			}
			if !near(g.Estimate, w.Estimate, tol) || !near(g.StdError, wse, tol) {
				t.Errorf("%s %s:%s %s: got %.12g (%.12g), want %.12g (%.12g)", name, w.Feature, w.Level, w.By, g.Estimate, g.StdError, w.Estimate, wse)
			}
		}
		if !found {
			t.Errorf("%s: no row %s:%s %s", name, w.Feature, w.Level, w.By)
		}
	}
}

// TestAMCETaxes reproduces the AMCE table of cregg's README on taxes.csv
// (every level, reference.json from cregg 0.3.7 = survey::svyglm, CR0G) and
// the same model with CR1 (sandwich::vcovCL(type = "HC1")), to 1e-10.
func TestAMCETaxes(t *testing.T) {
	d, x := loadTaxes(t, taxAttrs)
	var cr0g []refRow
	reference(t, "taxes_amce_cr0g", &cr0g)
	r, err := AMCE(d, x, AMCEOptions{Cov: estimators.CR0G})
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, "cr0g", r.Estimates, cr0g, 1e-10)
	// Issue 6's quoted numbers.
	for _, c := range []struct {
		level   string
		est, se float64
	}{{"<10k: 5%", -0.0139987267, 0.008367718}, {"<10k: 25%", -0.2215066470, 0.012497932}} {
		e := r.Estimates[r.Find("taxrate1", c.level)]
		if !near(e.Estimate, c.est, 1e-10) || !near(e.StdError, c.se, 1e-9) {
			t.Errorf("%s: %v, want %v (%v)", c.level, e.Estimate, c.est, c.se)
		}
	}
	r1, err := AMCE(d, x, AMCEOptions{Cov: estimators.CR1})
	if err != nil {
		t.Fatal(err)
	}
	var cr1 []refRow
	reference(t, "taxes_amce_cr1", &cr1)
	for _, w := range cr1 {
		if w.Term == "(Intercept)" {
			if !near(r1.Intercept.Estimate, w.Estimate, 1e-10) || !near(r1.Intercept.StdError, *w.StdError, 1e-10) {
				t.Errorf("intercept %v (%v), want %v (%v)", r1.Intercept.Estimate, r1.Intercept.StdError, w.Estimate, *w.StdError)
			}
			continue
		}
		found := false
		for _, g := range r1.Estimates {
			if g.Attribute+g.Level == w.Term {
				found = true
				if !near(g.Estimate, w.Estimate, 1e-10) || !near(g.StdError, *w.StdError, 1e-10) {
					t.Errorf("cr1 %s: %v (%v), want %v (%v)", w.Term, g.Estimate, g.StdError, w.Estimate, *w.StdError)
				}
			}
		}
		if !found {
			t.Errorf("cr1: no %s", w.Term)
		}
	}
	if e := r1.Estimates[r1.Find("taxrate1", "<10k: 5%")]; !near(e.StdError, 0.008370989, 1e-9) {
		t.Errorf("CR1 SE %v, want 0.008370989 (issue 6)", e.StdError)
	}
	// Wald test that two levels differ: lm + vcovCL contrast.
	var cmp struct{ Estimate, StdError float64 }
	reference(t, "taxes_compare_cr1", &cmp)
	c, err := r1.Compare(r1.Find("taxrate1", "<10k: 15%"), r1.Find("taxrate1", "<10k: 25%"), 0.95)
	if err != nil {
		t.Fatal(err)
	}
	if !near(c.Estimate, 0.131736422975415, 1e-10) || !near(c.StdError, 0.00867984733357163, 1e-10) {
		t.Errorf("compare: %v (%v)", c.Estimate, c.StdError)
	}
	test, err := r1.EqualTest([]int{r1.Find("taxrate1", "<10k: 15%"), r1.Find("taxrate1", "<10k: 25%")})
	if err != nil || !near(test.Statistic, c.Statistic*c.Statistic, 1e-8) || test.DF1 != 1 {
		t.Errorf("equal test %+v, %v; want χ² = z² = %v", test, err, c.Statistic*c.Statistic)
	}
	// Against the baseline, a comparison is the AMCE itself.
	c0, _ := r1.Compare(r1.Find("taxrate1", "<10k: 25%"), r1.Find("taxrate1", "<10k: 0%"), 0.95)
	if e := r1.Estimates[r1.Find("taxrate1", "<10k: 25%")]; !near(c0.Estimate, e.Estimate, 1e-15) || !near(c0.StdError, e.StdError, 1e-15) {
		t.Errorf("compare with baseline %v, want %v", c0, e)
	}
}

// TestAMCEWeighted: survey weights (cregg amce(weights = ~weight)).
func TestAMCEWeighted(t *testing.T) {
	d, x := loadTaxes(t, taxAttrs)
	x.Weights = readTable(t, "taxes.csv").floats(t, "weight")
	var want []refRow
	reference(t, "taxes_amce_weighted_cr0g", &want)
	r, err := AMCE(d, x, AMCEOptions{Cov: estimators.CR0G})
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, "weighted", r.Estimates, want, 1e-10)
}

func TestAMCEBadInput(t *testing.T) {
	d, x := loadTaxes(t, []string{"taxrate1", "taxrate2"})
	for _, c := range []struct {
		name string
		mod  func(d *Design, x *Data) (*Design, *Data)
	}{
		{"no respondent", func(d *Design, x *Data) (*Design, *Data) { y := *x; y.Respondent = nil; return d, &y }},
		{"one respondent", func(d *Design, x *Data) (*Design, *Data) {
			y := *x
			y.Respondent = make([]int, x.N())
			return d, &y
		}},
		{"one level", func(d *Design, x *Data) (*Design, *Data) {
			e := NewDesign([]string{"a", "b"}, [][]string{{"only"}, d.Attributes[1].Levels})
			y := *x
			y.Levels = [][]int{make([]int, x.N()), x.Levels[1]}
			return e, &y
		}},
		{"level out of range", func(d *Design, x *Data) (*Design, *Data) {
			y := *x
			y.Levels = [][]int{append([]int{9}, x.Levels[0][1:]...), x.Levels[1]}
			return d, &y
		}},
	} {
		dd, xx := c.mod(d, x)
		_, err := AMCE(dd, xx, AMCEOptions{})
		if !errors.Is(err, estimators.ErrInput) {
			t.Errorf("%s: error %v, want an input error", c.name, err)
		}
	}
}
