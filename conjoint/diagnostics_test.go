package conjoint

import (
	"testing"

	"github.com/causalkit/causalkit/estimators"
)

// TestCarryover: cregg README, cj_anova(immigration, ChosenImmigrant ~
// Gender + Education + LanguageSkills, by = ~contest_no) gives F(44, 13905)
// = 0.8588775092, p = 0.733429935 (reference.json, 1e-9).
func TestCarryover(t *testing.T) {
	d, x := loadConjoint(t, "immigration.csv.gz", "ChosenImmigrant", "CaseID", "contest_no", "profile", []string{"Gender", "Education", "LanguageSkills"})
	var want struct{ F, Df1, Df2, P float64 }
	reference(t, "immigration_carryover", &want)
	got, err := Carryover(d, x)
	if err != nil {
		t.Fatal(err)
	}
	if !near(got.Statistic, want.F, 1e-9) || !near(got.PValue, want.P, 1e-9) || got.DF1 != 44 || got.DF2 != 13905 {
		t.Errorf("carryover %+v, want %+v", got, want)
	}
	if !near(got.Statistic, 0.859, 5e-4) || !near(got.PValue, 0.733, 5e-4) {
		t.Errorf("carryover %+v, want F = 0.859, p = 0.733 (issue 6)", got)
	}
}

// TestBalanceAndPosition: immigration, ethnocentrism ~ Gender + Education
// + LanguageSkills, Wald χ²(10) with CR1 = 7.264378631 (p = 0.70027244)
// and CR0G (lm + sandwich::vcovCL, reference.json, 1e-9); position means
// 0.5074498567 / 0.4925501433 (spec §5.5).
func TestBalanceAndPosition(t *testing.T) {
	d, x := loadConjoint(t, "immigration.csv.gz", "ChosenImmigrant", "CaseID", "contest_no", "profile", []string{"Gender", "Education", "LanguageSkills"})
	eth := readTable(t, "immigration.csv.gz").floats(t, "ethnocentrism")
	var want struct {
		N        int
		CR1, CR0 []float64
		Df       float64
	}
	reference(t, "immigration_balance", &want)
	for _, c := range []struct {
		cov  estimators.CovType
		want []float64
	}{{estimators.CR1, want.CR1}, {estimators.CR0G, nil}} {
		got, err := Balance(d, x, []string{"ethnocentrism"}, [][]float64{eth}, c.cov)
		if err != nil {
			t.Fatal(err)
		}
		w := c.want
		if w == nil {
			var ref struct{ Cr0g []float64 }
			reference(t, "immigration_balance", &ref)
			w = ref.Cr0g
		}
		b := got[0]
		if !near(b.Statistic, w[0], 1e-9) || !near(b.PValue, w[1], 1e-9) || b.DF != want.Df || b.N != want.N {
			t.Errorf("%s balance %+v, want %v (df %v, n %d)", c.cov, b, w, want.Df, want.N)
		}
	}
	po, err := ProfileOrder(d, x, estimators.CR1)
	if err != nil {
		t.Fatal(err)
	}
	if !near(po.Means[0].Estimate, 0.5074498567, 1e-10) || !near(po.Means[1].Estimate, 0.4925501433, 1e-10) || po.Means[0].N != 6980 {
		t.Errorf("position means %+v", po.Means)
	}
	if po.Test.DF1 != 1 || !(po.Test.PValue > 0 && po.Test.PValue < 1) {
		t.Errorf("position test %+v", po.Test)
	}
}

// TestFrequencies: display counts equal cregg's cj_freqs; the restricted
// design's expected Education shares are 7/61 for the four levels that
// cannot be shown with four jobs and 11/61 for the others (the marginals of
// cjoint's immigrationdesign).
func TestFrequencies(t *testing.T) {
	d, x := loadImmigrationRestricted(t)
	freqs, tests, err := Frequencies(d, x)
	if err != nil {
		t.Fatal(err)
	}
	var want []refRow
	reference(t, "immigration_freqs", &want)
	for _, w := range want {
		found := false
		for _, f := range freqs {
			if f.Attribute == w.Feature && f.Level == w.Level {
				found = true
				if float64(f.Count) != w.N {
					t.Errorf("%s:%s count %d, want %v", w.Feature, w.Level, f.Count, w.N)
				}
			}
		}
		if !found {
			t.Errorf("no %s:%s", w.Feature, w.Level)
		}
	}
	for _, f := range freqs {
		if f.Attribute != "Education" {
			continue
		}
		want := 11.0 / 61
		if f.Level == "No Formal" || f.Level == "4th Grade" || f.Level == "8th Grade" || f.Level == "High School" {
			want = 7.0 / 61
		}
		if !near(f.Expected, want, 1e-15) {
			t.Errorf("expected share of %s: %v, want %v", f.Level, f.Expected, want)
		}
	}
	if len(tests) != len(d.Attributes) || tests[0].DF != 1 {
		t.Errorf("tests %+v", tests)
	}
}
