package conjoint

import (
	"slices"
	"testing"

	"github.com/causalkit/causalkit/estimators"
)

// TestMarginalMeans: cregg's mm() (survey SEs, CR0G) on taxes (h0 = 0.5,
// unweighted and weighted) and immigration, every level to 1e-10; the
// spec's immigration numbers (Female 0.5117812062 SE 0.0041768821).
func TestMarginalMeans(t *testing.T) {
	for _, c := range []struct {
		key      string
		weighted bool
		h0       float64
	}{{"taxes_mm_cr0g", false, 0.5}, {"taxes_mm_weighted_cr0g", true, 0}} {
		d, x := loadTaxes(t, taxAttrs)
		if c.weighted {
			x.Weights = readTable(t, "taxes.csv").floats(t, "weight")
		}
		r, err := MarginalMeans(d, x, MMOptions{Cov: estimators.CR0G, H0: c.h0})
		if err != nil {
			t.Fatal(err)
		}
		var want []refRow
		reference(t, c.key, &want)
		checkRows(t, c.key, r.Estimates, want, 1e-10)
		e := r.Estimates[0]
		if !near(e.Statistic, (e.Estimate-c.h0)/e.StdError, 1e-12) {
			t.Errorf("statistic %v ignores h0", e.Statistic)
		}
	}
	d, x := loadConjoint(t, "immigration.csv.gz", "ChosenImmigrant", "CaseID", "contest_no", "profile", immAttrs)
	r, err := MarginalMeans(d, x, MMOptions{Cov: estimators.CR0G})
	if err != nil {
		t.Fatal(err)
	}
	var want []refRow
	reference(t, "immigration_mm_cr0g", &want)
	checkRows(t, "immigration", r.Estimates, want, 1e-10)
	if e := r.Estimates[r.Find("Education", "No Formal")]; !near(e.Estimate, 0.3895112016, 1e-10) || !near(e.StdError, 0.0103969370, 1e-10) {
		t.Errorf("No Formal %v (%v), want 0.3895112016 (0.0103969370) (spec §5.3)", e.Estimate, e.StdError)
	}
	// Within-attribute comparison equals the AMCE of a one-attribute model.
	cmp, err := r.Compare(r.Find("Gender", "Male"), r.Find("Gender", "Female"), 0.95)
	if err != nil {
		t.Fatal(err)
	}
	dg := &Design{Attributes: []Attribute{d.Attributes[0]}}
	xg := *x
	xg.Levels = x.Levels[:1]
	a, err := AMCE(dg, &xg, AMCEOptions{Cov: estimators.CR0G})
	if err != nil {
		t.Fatal(err)
	}
	if e := a.Estimates[1]; !near(cmp.Estimate, e.Estimate, 1e-12) || !near(cmp.StdError, e.StdError, 1e-12) {
		t.Errorf("MM difference %v (%v), one-attribute AMCE %v (%v)", cmp.Estimate, cmp.StdError, e.Estimate, e.StdError)
	}
	if _, err := r.Compare(0, r.Find("Education", "No Formal"), 0.95); err == nil {
		t.Error("comparison across attributes: no error")
	}
}

// partyGroup returns the party of each taxes row, dropping rows with NA.
func partyGroup(t *testing.T, d *Design, x *Data) (*Data, Group) {
	party := readTable(t, "taxes.csv").cols["partyid"]
	var rows []int
	g := Group{Names: []string{"Democrat", "Independent", "Republican"}}
	for i, p := range party {
		if k := slices.Index(g.Names, p); k >= 0 {
			rows = append(rows, i)
			g.Codes = append(g.Codes, k)
		}
	}
	return x.subset(rows), g
}

// TestSubgroups: conditional AMCEs (cregg cj(by =)), AMCE differences
// (amce_diffs) and MM differences (mm_diffs) by party on taxes, survey SEs,
// every level to 1e-10.
func TestSubgroups(t *testing.T) {
	d, x := loadTaxes(t, taxAttrs[:3])
	x, g := partyGroup(t, d, x)
	opt := AMCEOptions{Cov: estimators.CR0G}
	by, err := AMCEBy(d, x, g, opt)
	if err != nil {
		t.Fatal(err)
	}
	var all []Estimate
	for _, r := range by {
		all = append(all, r.Estimates...)
	}
	var want []refRow
	reference(t, "taxes_amce_by_party_cr0g", &want)
	checkRows(t, "amce by", all, want, 1e-10)

	diffs, err := AMCEDiffs(d, x, g, opt)
	if err != nil {
		t.Fatal(err)
	}
	reference(t, "taxes_amce_diffs_cr0g", &want)
	checkRows(t, "amce diffs", diffs, want, 1e-10)

	mmd, err := MMDiffs(d, x, g, MMOptions{Cov: estimators.CR0G})
	if err != nil {
		t.Fatal(err)
	}
	reference(t, "taxes_mm_diffs_cr0g", &want)
	checkRows(t, "mm diffs", mmd, want, 1e-10)
}
