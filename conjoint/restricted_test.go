package conjoint

import (
	"strings"
	"testing"

	"github.com/causalkit/causalkit/estimators"
)

var immAttrs = []string{"Gender", "Education", "Job", "LanguageSkills", "CountryOfOrigin", "ReasonForApplication", "JobExperience", "JobPlans", "PriorEntry"}

// loadImmigrationRestricted loads immigration.csv with cjoint's design:
// uniform randomisation restricted by the zero cells of the two joint
// tables (cjoint's immigrationdesign, exported), which makes every allowed
// profile equally likely, as that design object does. Design level names
// are lower case; they are matched to the data's levels ignoring case.
func loadImmigrationRestricted(t *testing.T) (*Design, *Data) {
	d, x := loadConjoint(t, "immigration.csv.gz", "ChosenImmigrant", "CaseID", "contest_no", "profile", immAttrs)
	level := func(attr, lvl string) (int, int) {
		a := attrFold(d, attr)
		if a < 0 {
			t.Fatalf("no attribute %q", attr)
		}
		for l, name := range d.Attributes[a].Levels {
			if strings.EqualFold(name, lvl) {
				return a, l
			}
		}
		t.Fatalf("%s has no level %q", attr, lvl)
		return 0, 0
	}
	for _, f := range []struct{ file, a, b string }{
		{"immigration_design_education_job.csv", "Education", "Job"},
		{"immigration_design_country_reason.csv", "Country.of.Origin", "Reason.for.Application"},
	} {
		j := readTable(t, f.file)
		for i := range j.n {
			if j.cols["prob"][i] != "0" {
				continue
			}
			a, la := level(f.a, j.cols[f.a][i])
			b, lb := level(f.b, j.cols[f.b][i])
			d.Restrictions = append(d.Restrictions, Restriction{a, la, b, lb})
		}
	}
	if len(d.Restrictions) != 16+6 {
		t.Fatalf("%d restrictions, want 22", len(d.Restrictions))
	}
	return d, x
}

// TestAMCERestricted: the two averaging rules on the restricted immigration
// design. Uniform support against cregg's amce() with Education * Job and
// CountryOfOrigin * ReasonForApplication (every level, estimates and
// survey SEs to 1e-10); design weights against cjoint 2.1.1's amce() with
// its immigrationdesign (estimates to 1e-10; cjoint's own data set).
func TestAMCERestricted(t *testing.T) {
	d, x := loadImmigrationRestricted(t)
	var cregg []refRow
	reference(t, "immigration_constrained_cr0g", &cregg)
	r, err := AMCE(d, x, AMCEOptions{Cov: estimators.CR0G})
	if err != nil {
		t.Fatal(err)
	}
	checkRows(t, "cregg rule", r.Estimates, cregg, 1e-10)

	var cj []refRow
	reference(t, "immigration_cjoint", &cj)
	rw, err := AMCE(d, x, AMCEOptions{Cov: estimators.CR1, Averaging: DesignWeighted})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range cj {
		a := attrFold(d, w.Feature)
		found := false
		for _, g := range rw.Estimates {
			if g.Attribute == d.Attributes[a].Name && strings.EqualFold(g.Level, w.Level) {
				found = true
				if !near(g.Estimate, w.Estimate, 1e-10) {
					t.Errorf("cjoint %s:%s: %.12g, want %.12g", w.Feature, w.Level, g.Estimate, w.Estimate)
				}
				if !near(g.StdError, *w.StdError, 1e-10) {
					t.Logf("cjoint SE %s:%s: %.12g, cjoint %.12g", w.Feature, w.Level, g.StdError, *w.StdError)
				}
			}
		}
		if !found {
			t.Errorf("cjoint: no row %s:%s", w.Feature, w.Level)
		}
	}
}

// attrFold finds an attribute ignoring case, spaces and dots.
func attrFold(d *Design, name string) int {
	key := strings.NewReplacer(" ", "", ".", "").Replace(name)
	for a, at := range d.Attributes {
		if strings.EqualFold(at.Name, key) {
			return a
		}
	}
	return -1
}

// TestACIE: cjoint 2.1.1's amce(Chosen_Immigrant ~ Gender + Education +
// Language Skills + Gender:Language Skills) — the AMCEs of the interacted
// attributes averaged over the other's levels, and the ACIEs — every row,
// estimates and CR1 SEs to 1e-10 (its own copy of the data).
func TestACIE(t *testing.T) {
	d, x := loadConjoint(t, "immigration.csv.gz", "ChosenImmigrant", "CaseID", "contest_no", "profile", []string{"Gender", "Education", "LanguageSkills"})
	r, err := AMCE(d, x, AMCEOptions{Averaging: DesignWeighted, Interactions: [][2]string{{"Gender", "LanguageSkills"}}})
	if err != nil {
		t.Fatal(err)
	}
	var want []refRow
	reference(t, "immigration_cjoint_acie", &want)
	for _, w := range want {
		attr := strings.ReplaceAll(w.Feature, " ", "")
		found := false
		for _, g := range r.Estimates {
			if strings.EqualFold(g.Attribute, attr) && strings.EqualFold(g.Level, w.Level) {
				found = true
				if !near(g.Estimate, w.Estimate, 1e-10) || !near(g.StdError, *w.StdError, 1e-10) {
					t.Errorf("%s:%s: %.12g (%.12g), want %.12g (%.12g)", w.Feature, w.Level, g.Estimate, g.StdError, w.Estimate, *w.StdError)
				}
			}
		}
		if !found {
			t.Errorf("no row %s:%s", w.Feature, w.Level)
		}
	}
}
