package rdd

import (
	"encoding/json"
	"math"
	"os"
	"strconv"
	"testing"

	"github.com/causalkit/causalkit/estimators"
	"github.com/causalkit/causalkit/internal/testcsv"
)

// readColumns reads named numeric columns of a CSV file, dropping rows where
// any of them is empty (as rdrobust drops missing values).
func readColumns(t *testing.T, path string, names ...string) map[string][]float64 {
	t.Helper()
	recs := testcsv.Read(t, path)
	idx := map[string]int{}
	for j, h := range recs[0] {
		idx[h] = j
	}
	out := map[string][]float64{}
rows:
	for _, rec := range recs[1:] {
		vals := make([]float64, len(names))
		for k, n := range names {
			v, err := strconv.ParseFloat(rec[idx[n]], 64)
			if err != nil {
				continue rows
			}
			vals[k] = v
		}
		for k, n := range names {
			out[n] = append(out[n], vals[k])
		}
	}
	return out
}

type rdRef struct {
	Coef, SE, CI, H, B []float64
	N                  []int
	NH                 []int `json:"N_h"`
	NB                 []int `json:"N_b"`
}

func loadRDRef(t *testing.T) map[string]json.RawMessage {
	b, err := os.ReadFile("testdata/rdrobust_reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestRdrobustParity compares every case of testdata/rdrobust_reference.json
// (rdrobust 4.0.0 in R 4.2.2; see testdata/README.md) with Estimate:
// the three estimates, standard errors and confidence intervals, the
// bandwidths and the sample sizes, to 1e-8 relative.
func TestRdrobustParity(t *testing.T) {
	raw := loadRDRef(t)
	sen := readColumns(t, "../internal/exampledata/senate.csv", "vote", "margin", "state", "population")
	fz := readColumns(t, "testdata/fuzzy_sim1000.csv", "x", "t", "y")
	senate := &Data{Y: sen["vote"], X: sen["margin"]}
	rounded := make([]float64, len(sen["margin"]))
	for i, v := range sen["margin"] {
		rounded[i] = math.RoundToEven(v) // R's round() rounds half to even
	}
	states := make([]int, len(sen["state"]))
	for i, v := range sen["state"] {
		states[i] = int(v)
	}
	popw := make([]float64, len(sen["population"]))
	for i, v := range sen["population"] {
		popw[i] = v / 1e6
	}
	with := func(f func(o *Options)) Options {
		o := DefaultOptions()
		f(o2(&o))
		return o
	}
	cases := map[string]struct {
		d   *Data
		opt Options
	}{
		"default":            {senate, DefaultOptions()},
		"p2":                 {senate, with(func(o *Options) { o.P, o.Q = 2, 3 })},
		"uni_hc1":            {senate, with(func(o *Options) { o.Kernel, o.VCE = estimators.Uniform, HC1 })},
		"epa_hc3_msetwo":     {senate, with(func(o *Options) { o.Kernel, o.VCE, o.BWSelect = estimators.Epanechnikov, HC3, MSETwo })},
		"h_b":                {senate, with(func(o *Options) { o.H, o.B = [2]float64{16.79369, 16.79369}, [2]float64{27.43745, 27.43745} })},
		"h15_rho1_hc0":       {senate, with(func(o *Options) { o.H, o.Rho, o.VCE = [2]float64{15, 15}, 1, HC0 })},
		"cluster_cr1":        {&Data{Y: senate.Y, X: senate.X, Cluster: states}, DefaultOptions()},
		"cerrd":              {senate, with(func(o *Options) { o.BWSelect = CERRD })},
		"cluster_cr2":        {&Data{Y: senate.Y, X: senate.X, Cluster: states}, with(func(o *Options) { o.VCE = HC2 })},
		"cluster_cr3":        {&Data{Y: senate.Y, X: senate.X, Cluster: states}, with(func(o *Options) { o.VCE = HC3 })},
		"cluster_cr2_hb":     {&Data{Y: senate.Y, X: senate.X, Cluster: states}, with(func(o *Options) { o.VCE, o.H = HC2, [2]float64{15, 15} })},
		"cluster_cr3_hb":     {&Data{Y: senate.Y, X: senate.X, Cluster: states}, with(func(o *Options) { o.VCE, o.H = HC3, [2]float64{15, 15} })},
		"hc2":                {senate, with(func(o *Options) { o.VCE = HC2 })},
		"deriv1":             {senate, with(func(o *Options) { o.Deriv, o.P, o.Q = 1, 2, 3 })}, // rdrobust: p = deriv + 1
		"cutoff5_nn5":        {senate, with(func(o *Options) { o.Cutoff, o.NNMatch = 5, 5 })},
		"msesum":             {senate, with(func(o *Options) { o.BWSelect = MSESum })},
		"msecomb2":           {senate, with(func(o *Options) { o.BWSelect = MSEComb2 })},
		"cercomb1":           {senate, with(func(o *Options) { o.BWSelect = CERComb1 })},
		"certwo_hc1":         {senate, with(func(o *Options) { o.BWSelect, o.VCE = CERTwo, HC1 })},
		"weights":            {&Data{Y: senate.Y, X: senate.X, Weights: popw}, DefaultOptions()},
		"scaleregul0":        {senate, with(func(o *Options) { o.ScaleRegul = 0 })},
		"h_two_sided":        {senate, with(func(o *Options) { o.H, o.B = [2]float64{12, 20}, [2]float64{25, 30} })},
		"masspoints":         {&Data{Y: senate.Y, X: rounded}, DefaultOptions()},
		"masspoints_off_hc1": {&Data{Y: senate.Y, X: rounded}, with(func(o *Options) { o.MassPoints, o.VCE = Off, HC1 })},
		"fuzzy":              {&Data{Y: fz["y"], X: fz["x"], T: fz["t"]}, DefaultOptions()},
		"fuzzy_hc1":          {&Data{Y: fz["y"], X: fz["x"], T: fz["t"]}, with(func(o *Options) { o.VCE = HC1 })},
		"sharp_sim":          {&Data{Y: fz["y"], X: fz["x"]}, DefaultOptions()},
	}
	covData := func(y string, covs ...string) *Data {
		cols := readColumns(t, "../internal/exampledata/senate.csv", append([]string{"vote", "margin", "state"}, covs...)...)
		d := &Data{Y: cols["vote"], X: cols["margin"], CovNames: covs}
		for _, c := range covs {
			d.Covs = append(d.Covs, cols[c])
		}
		if y == "cluster" {
			for _, v := range cols["state"] {
				d.Cluster = append(d.Cluster, int(v))
			}
		}
		return d
	}
	fzc := &Data{Y: fz["y"], X: fz["x"], T: fz["t"], Covs: [][]float64{readColumns(t, "testdata/fuzzy_sim1000.csv", "z")["z"]}, CovNames: []string{"z"}}
	twice := covData("", "termshouse", "termssenate")
	double := make([]float64, len(twice.Covs[0]))
	for i, v := range twice.Covs[0] {
		double[i] = 2 * v
	}
	// A covariate that is a multiple of another is dropped (which of the
	// two does not change the estimate).
	collinear := &Data{Y: twice.Y, X: twice.X, Covs: [][]float64{twice.Covs[0], double, twice.Covs[1]},
		CovNames: []string{"termshouse", "th2", "termssenate"}}
	cases["covs_class"] = struct {
		d   *Data
		opt Options
	}{covData("", "class", "termshouse", "termssenate"), DefaultOptions()}
	cases["covs_pop_hc1"] = struct {
		d   *Data
		opt Options
	}{covData("", "termshouse", "termssenate", "population"), with(func(o *Options) { o.VCE = HC1 })}
	cases["covs_cluster"] = struct {
		d   *Data
		opt Options
	}{covData("cluster", "class", "termshouse"), DefaultOptions()}
	cases["covs_collinear"] = struct {
		d   *Data
		opt Options
	}{collinear, DefaultOptions()}
	cases["fuzzy_covs"] = struct {
		d   *Data
		opt Options
	}{fzc, DefaultOptions()}
	cases["fuzzy_covs_hc1"] = struct {
		d   *Data
		opt Options
	}{fzc, with(func(o *Options) { o.VCE = HC1 })}
	// One-sided non-compliance: nobody below the cutoff is treated.
	t1 := make([]float64, len(fz["t"]))
	for i, x := range fz["x"] {
		if x >= 0 {
			t1[i] = fz["t"][i]
		}
	}
	cases["fuzzy_onesided"] = struct {
		d   *Data
		opt Options
	}{&Data{Y: fz["y"], X: fz["x"], T: t1}, DefaultOptions()}
	cases["fuzzy_sharpbw"] = struct {
		d   *Data
		opt Options
	}{&Data{Y: fz["y"], X: fz["x"], T: fz["t"]}, with(func(o *Options) { o.SharpBW = true })}
	for name, c := range cases {
		var ref rdRef
		if err := json.Unmarshal(raw[name], &ref); err != nil {
			t.Fatal(name, err)
		}
		res, err := Estimate(c.d, c.opt)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		near := func(what string, got, want float64) {
			if e := math.Abs(got-want) / math.Max(math.Abs(want), 1e-300); e > 1e-8 {
				t.Errorf("%s %s = %.15g, rdrobust %.15g (rel %.2g)", name, what, got, want, e)
			}
		}
		lines := []Line{res.Conventional, res.BiasCorrected, res.Robust}
		for i, l := range lines {
			near("coef "+strconv.Itoa(i), l.Coef, ref.Coef[i])
			near("se "+strconv.Itoa(i), l.SE, ref.SE[i])
			near("ci low "+strconv.Itoa(i), l.Low, ref.CI[2*i])
			near("ci high "+strconv.Itoa(i), l.High, ref.CI[2*i+1])
		}
		for k := range 2 {
			near("h", res.H[k], ref.H[k])
			near("b", res.B[k], ref.B[k])
			if res.N[k] != ref.N[k] || res.NH[k] != ref.NH[k] || res.NB[k] != ref.NB[k] {
				t.Errorf("%s: N %v/%v/%v, rdrobust %v/%v/%v", name, res.N, res.NH, res.NB, ref.N, ref.NH, ref.NB)
			}
		}
	}
}

func o2(o *Options) *Options { return o }

// TestBandwidthsAll compares every selector with rdbwselect(all = TRUE).
func TestBandwidthsAll(t *testing.T) {
	raw := loadRDRef(t)
	var ref struct {
		Names []string
		Bws   []float64
	}
	if err := json.Unmarshal(raw["bwselect_all"], &ref); err != nil {
		t.Fatal(err)
	}
	sen := readColumns(t, "../internal/exampledata/senate.csv", "vote", "margin")
	all, err := Bandwidths(&Data{Y: sen["vote"], X: sen["margin"]}, DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range ref.Names {
		sel, err := ParseBWSelect(name)
		if err != nil {
			t.Fatal(err)
		}
		for k := range 4 {
			want := ref.Bws[4*i+k]
			if got := all[sel][k]; math.Abs(got-want)/want > 1e-8 {
				t.Errorf("%s[%d] = %.15g, rdbwselect %.15g", name, k, got, want)
			}
		}
	}
}
