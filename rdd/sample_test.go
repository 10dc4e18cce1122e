package rdd

import (
	"errors"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/causalkit/causalkit/estimators"
)

// sorted feeds d to a SortedSample spilled under a temporary directory, in
// sorted order of x with ties in input order (as the command's external
// sort delivers them).
func sorted(t *testing.T, d *Data, opt Options) (*Result, error) {
	t.Helper()
	ss, err := NewSortedSample(opt, len(d.X), d.columns(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := ss.Close(); err != nil {
			t.Error(err)
		}
	}()
	if err := d.sorted(ss.Add); err != nil {
		return nil, err
	}
	return ss.Estimate()
}

// TestSortedSampleEqualsEstimate checks that the spilled, memory-mapped
// sample gives exactly the in-memory result across designs and variances.
func TestSortedSampleEqualsEstimate(t *testing.T) {
	sen := readColumns(t, "../internal/exampledata/senate.csv", "vote", "margin", "state", "population", "class", "termshouse", "termssenate")
	fz := readColumns(t, "testdata/fuzzy_sim1000.csv", "x", "t", "y")
	states := make([]int, len(sen["state"]))
	for i, v := range sen["state"] {
		states[i] = int(v)
	}
	// Weights with zeros: zero-weight rows count in the selection's
	// summary and the runs of equal x, but in no window.
	w := make([]float64, len(sen["population"]))
	for i, v := range sen["population"] {
		if i%7 != 3 {
			w[i] = v / 1e6
		}
	}
	rounded := make([]float64, len(sen["margin"]))
	for i, v := range sen["margin"] {
		rounded[i] = math.RoundToEven(v)
	}
	senate := &Data{Y: sen["vote"], X: sen["margin"]}
	with := func(f func(o *Options)) Options {
		o := DefaultOptions()
		f(&o)
		return o
	}
	cases := map[string]struct {
		d   *Data
		opt Options
	}{
		"default":       {senate, DefaultOptions()},
		"uni_hc1_two":   {senate, with(func(o *Options) { o.Kernel, o.VCE, o.BWSelect = estimators.Uniform, HC1, MSETwo })},
		"hc3_p2":        {senate, with(func(o *Options) { o.VCE, o.P, o.Q = HC3, 2, 3 })},
		"zero_weights":  {&Data{Y: senate.Y, X: senate.X, Weights: w}, DefaultOptions()},
		"cluster_cr1":   {&Data{Y: senate.Y, X: senate.X, Cluster: states}, DefaultOptions()},
		"cluster_cr2":   {&Data{Y: senate.Y, X: senate.X, Cluster: states}, with(func(o *Options) { o.VCE = HC2 })},
		"cluster_cr3_h": {&Data{Y: senate.Y, X: senate.X, Cluster: states}, with(func(o *Options) { o.VCE, o.H = HC3, [2]float64{15, 15} })},
		"masspoints":    {&Data{Y: senate.Y, X: rounded, Weights: w}, DefaultOptions()},
		"fuzzy":         {&Data{Y: fz["y"], X: fz["x"], T: fz["t"]}, DefaultOptions()},
		"fuzzy_hc2":     {&Data{Y: fz["y"], X: fz["x"], T: fz["t"]}, with(func(o *Options) { o.VCE = HC2 })},
		"covs_cluster": {&Data{Y: senate.Y, X: senate.X, Cluster: states, Covs: [][]float64{sen["class"], sen["termshouse"]},
			CovNames: []string{"class", "termshouse"}}, DefaultOptions()},
		// A multiple of a covariate is dropped, from the sorted rows' QR.
		"covs_collinear": {&Data{Y: senate.Y, X: senate.X, Weights: w, Covs: [][]float64{sen["termshouse"], twice(sen["termshouse"]), sen["termssenate"]},
			CovNames: []string{"termshouse", "th2", "termssenate"}}, with(func(o *Options) { o.VCE = HC1 })},
	}
	for name, c := range cases {
		want, err := Estimate(c.d, c.opt)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if name == "covs_collinear" && !slices.Equal(want.DroppedCovs, []string{"termshouse"}) {
			t.Errorf("%s: dropped %v, want [termshouse] (rdrobust orders covariates by length of name)", name, want.DroppedCovs)
		}
		got, err := sorted(t, c.d, c.opt)
		if err != nil {
			t.Fatalf("%s: sorted sample: %v", name, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: sorted sample\n%+v\nin memory\n%+v", name, got, want)
		}
	}
}

func twice(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = 2 * x
	}
	return out
}

func TestSortedSampleErrors(t *testing.T) {
	ss, err := NewSortedSample(DefaultOptions(), 3, SampleColumns{}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer ss.Close()
	if err := ss.Add(0, 1, 0, 0, 0, 0, nil); err != nil {
		t.Fatal(err)
	}
	if err := ss.Add(1, 0.5, 0, 0, 0, 0, nil); err == nil || !strings.Contains(err.Error(), "increasing order") {
		t.Errorf("unsorted row: %v", err)
	}
	if _, err := ss.Estimate(); err == nil || !strings.Contains(err.Error(), "1 rows added of the 3") {
		t.Errorf("missing rows: %v", err)
	}
	ws, err := NewSortedSample(DefaultOptions(), 1, SampleColumns{Weights: true}, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := ws.Add(41, 1, 0, 0, -2, 0, nil); !errors.Is(err, estimators.ErrInput) || !strings.Contains(err.Error(), "row 42") {
		t.Errorf("negative weight: %v", err)
	}
}
