package rdd

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"slices"
	"testing"

	"github.com/causalkit/causalkit/estimators"
)

// rdplotRef is one case of testdata/rdplot_reference.json (rdplot's
// output in rdrobust 4.0.0).
type rdplotRef struct {
	J         []int       `json:"J"`
	JIMSE     []int       `json:"J_IMSE"`
	JMV       []int       `json:"J_MV"`
	Coef      [][]float64 `json:"coef"`
	BinSelect string      `json:"binselect"`
	RScale    []float64   `json:"rscale"`
	BinAvg    []float64   `json:"bin_avg"`
	BinMed    []float64   `json:"bin_med"`
	N         []int       `json:"N"`
	NH        []int       `json:"N_h"`
	H         []float64   `json:"h"`
	CoefCovs  []float64   `json:"coef_covs"`
	Bins      struct {
		MeanBin []float64 `json:"rdplot_mean_bin"`
		MeanX   []float64 `json:"rdplot_mean_x"`
		MeanY   []float64 `json:"rdplot_mean_y"`
		MinBin  []float64 `json:"rdplot_min_bin"`
		MaxBin  []float64 `json:"rdplot_max_bin"`
		SE      []float64 `json:"rdplot_se_y"`
		N       []int     `json:"rdplot_N"`
		CIL     []float64 `json:"rdplot_ci_l"`
		CIR     []float64 `json:"rdplot_ci_r"`
	} `json:"bins"`
	PolyIdx []int     `json:"poly_idx"` // 0-based rows of vars_poly (left 0–499, right 500–999)
	PolyX   []float64 `json:"poly_x"`
	PolyY   []float64 `json:"poly_y"`
}

// rdplotDescriptions are rdplot's binselect descriptions.
var rdplotDescriptions = map[string]string{
	"es":     "IMSE-optimal evenly-spaced method using spacings estimators",
	"espr":   "IMSE-optimal evenly-spaced method using polynomial regression",
	"esmv":   "mimicking variance evenly-spaced method using spacings estimators",
	"esmvpr": "mimicking variance evenly-spaced method using polynomial regression",
	"qs":     "IMSE-optimal quantile-spaced method using spacings estimators",
	"qspr":   "IMSE-optimal quantile-spaced method using polynomial regression",
	"qsmv":   "mimicking variance quantile-spaced method using spacings estimators",
	"qsmvpr": "mimicking variance quantile-spaced method using polynomial regression",
}

type rdplotCase struct {
	d   *Data
	opt PlotOptions
}

// rdplotCases are the calls of testdata/rdplot_reference.json; the R calls
// are listed in testdata/README.md.
func rdplotCases(t *testing.T) map[string]rdplotCase {
	sen := readColumns(t, "../internal/exampledata/senate.csv", "vote", "margin", "population")
	senate := &Data{Y: sen["vote"], X: sen["margin"]}
	rounded := make([]float64, len(sen["margin"]))
	for i, v := range sen["margin"] {
		rounded[i] = math.RoundToEven(v) // R's round() rounds half to even
	}
	mass := &Data{Y: senate.Y, X: rounded}
	popw := make([]float64, len(sen["population"]))
	for i, v := range sen["population"] {
		popw[i] = v / 1e6
	}
	weighted := &Data{Y: senate.Y, X: senate.X, Weights: popw}
	cv := readColumns(t, "../internal/exampledata/senate.csv", "vote", "margin", "termshouse", "termssenate")
	covs := &Data{Y: cv["vote"], X: cv["margin"], Covs: [][]float64{cv["termshouse"], cv["termssenate"]},
		CovNames: []string{"termshouse", "termssenate"}}
	cw := readColumns(t, "../internal/exampledata/senate.csv", "vote", "margin", "termshouse", "termssenate", "population")
	cwPop := make([]float64, len(cw["population"]))
	for i, v := range cw["population"] {
		cwPop[i] = v / 1e6
	}
	covsW := &Data{Y: cw["vote"], X: cw["margin"], Weights: cwPop, Covs: [][]float64{cw["termshouse"], cw["termssenate"]},
		CovNames: []string{"termshouse", "termssenate"}}
	th2 := make([]float64, len(cv["termshouse"]))
	for i, v := range cv["termshouse"] {
		th2[i] = 2 * v
	}
	// rdplot orders covariates by length of name and drops termshouse as
	// collinear with th2.
	covsColl := &Data{Y: cv["vote"], X: cv["margin"], Covs: [][]float64{cv["termshouse"], th2, cv["termssenate"]},
		CovNames: []string{"termshouse", "th2", "termssenate"}}
	fz := readColumns(t, "testdata/fuzzy_sim1000.csv", "x", "y", "z")
	sim := &Data{Y: fz["y"], X: fz["x"]}
	simCovs := &Data{Y: fz["y"], X: fz["x"], Covs: [][]float64{fz["z"]}}

	with := func(d *Data, f func(o *PlotOptions)) rdplotCase {
		o := DefaultPlotOptions()
		f(&o)
		return rdplotCase{d, o}
	}
	sel := func(d *Data, b string) rdplotCase { return with(d, func(o *PlotOptions) { o.BinSelect = b }) }
	cases := map[string]rdplotCase{
		"default":          {senate, DefaultPlotOptions()},
		"p0":               with(senate, func(o *PlotOptions) { o.P = 0 }),
		"p1":               with(senate, func(o *PlotOptions) { o.P = 1 }),
		"p1_qs":            with(senate, func(o *PlotOptions) { o.P, o.BinSelect = 1, "qs" }),
		"p2_espr":          with(senate, func(o *PlotOptions) { o.P, o.BinSelect = 2, "espr" }),
		"nbins_10_20":      with(senate, func(o *PlotOptions) { o.NBins = [2]int{10, 20} }),
		"nbins20_qs":       with(senate, func(o *PlotOptions) { o.NBins, o.BinSelect = [2]int{20, 20}, "qs" }),
		"cutoff5":          with(senate, func(o *PlotOptions) { o.Cutoff = 5 }),
		"cutoffm10_qs":     with(senate, func(o *PlotOptions) { o.Cutoff, o.BinSelect = -10, "qs" }),
		"weights":          {weighted, DefaultPlotOptions()},
		"weights_tri_h":    with(weighted, func(o *PlotOptions) { o.Kernel, o.H = estimators.Triangular, [2]float64{30, 40} }),
		"epa_h25":          with(senate, func(o *PlotOptions) { o.Kernel, o.H = estimators.Epanechnikov, [2]float64{25, 25} }),
		"scale2":           with(senate, func(o *PlotOptions) { o.Scale = [2]float64{2, 2} }),
		"scale3_qs":        with(senate, func(o *PlotOptions) { o.Scale, o.BinSelect = [2]float64{3, 3}, "qs" }),
		"ci90":             with(senate, func(o *PlotOptions) { o.Level = 0.9 }),
		"mass":             {mass, DefaultPlotOptions()},
		"mass_es":          sel(mass, "es"),
		"mass_qs":          sel(mass, "qs"),
		"mass_qsmv":        sel(mass, "qsmv"),
		"mass_check":       with(mass, func(o *PlotOptions) { o.MassPoints = Check }),
		"mass_off_qs":      with(mass, func(o *PlotOptions) { o.MassPoints, o.BinSelect = Off, "qs" }),
		"covs":             {covs, DefaultPlotOptions()},
		"covs_weights_tri": with(covsW, func(o *PlotOptions) { o.Kernel = estimators.Triangular }),
		"covs_collinear":   {covsColl, DefaultPlotOptions()},
		"sim":              {sim, DefaultPlotOptions()},
		"sim_qs_p2":        with(sim, func(o *PlotOptions) { o.BinSelect, o.P = "qs", 2 }),
		"sim_covs":         {simCovs, DefaultPlotOptions()},
		"sim_es_c03":       with(sim, func(o *PlotOptions) { o.Cutoff, o.BinSelect = 0.3, "es" }),
	}
	for _, b := range []string{"es", "espr", "esmvpr", "qs", "qspr", "qsmv", "qsmvpr"} {
		cases[b] = sel(senate, b)
	}
	return cases
}

// TestRdplotParity compares Plot with rdplot (rdrobust 4.0.0, R 4.2.2) on
// every case of testdata/rdplot_reference.json: the numbers of bins (J,
// J_IMSE, J_MV, exactly), the selector, the coefficients, the whole
// vars_bins table (counts exactly, the rest to 1e-9 relative), eleven
// points of vars_poly, the implied scales, average and median bin lengths,
// sample sizes and the covariate coefficients.
func TestRdplotParity(t *testing.T) {
	b, err := os.ReadFile("testdata/rdplot_reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var refs map[string]rdplotRef
	if err := json.Unmarshal(b, &refs); err != nil {
		t.Fatal(err)
	}
	cases := rdplotCases(t)
	if len(cases) != len(refs) {
		t.Errorf("%d cases, %d in the reference file", len(cases), len(refs))
	}
	const tol = 1e-9
	for name, c := range cases {
		ref, ok := refs[name]
		if !ok {
			t.Errorf("%s: not in the reference file", name)
			continue
		}
		res, err := Plot(c.d, c.opt)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		near := func(what string, i int, got, want float64) {
			t.Helper()
			e := math.Abs(got - want)
			if want != 0 {
				e /= math.Abs(want)
			}
			if e > tol || math.IsNaN(got) {
				t.Errorf("%s %s[%d] = %.15g, rdplot %.15g (rel %.2g)", name, what, i, got, want, e)
			}
		}
		for k := range 2 {
			if res.J[k] != ref.J[k] || res.JIMSE[k] != ref.JIMSE[k] || res.JMV[k] != ref.JMV[k] {
				t.Errorf("%s: J %v, J_IMSE %v, J_MV %v; rdplot %v, %v, %v", name, res.J, res.JIMSE, res.JMV, ref.J, ref.JIMSE, ref.JMV)
			}
			if res.N[k] != ref.N[k] || res.NH[k] != ref.NH[k] {
				t.Errorf("%s: N %v, N_h %v; rdplot %v, %v", name, res.N, res.NH, ref.N, ref.NH)
			}
			near("h", k, res.H[k], ref.H[k])
			near("rscale", k, res.RScale[k], ref.RScale[k])
			near("bin_avg", k, res.BinAvg[k], ref.BinAvg[k])
			near("bin_med", k, res.BinMed[k], ref.BinMed[k])
			if len(res.Coef[k]) != len(ref.Coef[k]) {
				t.Fatalf("%s: %d coefficients, rdplot %d", name, len(res.Coef[k]), len(ref.Coef[k]))
			}
			for j := range res.Coef[k] {
				near([2]string{"coef left", "coef right"}[k], j, res.Coef[k][j], ref.Coef[k][j])
			}
		}
		if c.opt.NBins == [2]int{} {
			if want := rdplotDescriptions[res.BinSelect]; want != ref.BinSelect {
				t.Errorf("%s: binselect %s (%s), rdplot %q", name, res.BinSelect, want, ref.BinSelect)
			}
		}
		if len(res.CovCoef) != len(ref.CoefCovs) {
			t.Errorf("%s: %d covariate coefficients, rdplot %d", name, len(res.CovCoef), len(ref.CoefCovs))
		} else {
			for j := range res.CovCoef {
				near("coef_covs", j, res.CovCoef[j], ref.CoefCovs[j])
			}
		}
		rb := ref.Bins
		if len(res.Bins) != len(rb.N) {
			t.Errorf("%s: %d bins, rdplot %d", name, len(res.Bins), len(rb.N))
			continue
		}
		// rdplot reports the edges of the left bins at the positions
		// rev(−bins) rather than the bins' own (rdplot.R: rdplot_min_bin_l[
		// rev(-rdplot_bin_l)]), which differ when a left bin is empty;
		// Bin.Low/High are the bins' own edges and rdplot's columns are
		// rebuilt here from Edges.
		var left []int
		for _, bn := range res.Bins {
			if bn.Side < 0 {
				left = append(left, bn.Index-res.J[0]-1) // rdplot's bin codes −J…−1
			}
		}
		shifted := 0
		for i, bn := range res.Bins {
			if bn.N != rb.N[i] {
				t.Errorf("%s: bin %d has %d observations, rdplot %d", name, i, bn.N, rb.N[i])
			}
			near("mean_bin", i, bn.Mid, rb.MeanBin[i])
			near("mean_x", i, bn.MeanX, rb.MeanX[i])
			near("mean_y", i, bn.MeanY, rb.MeanY[i])
			near("se_y", i, bn.SE, rb.SE[i])
			near("ci_l", i, bn.CILow, rb.CIL[i])
			near("ci_r", i, bn.CIHigh, rb.CIR[i])
			pos := bn.Index
			if bn.Side < 0 {
				pos = -left[len(left)-1-i]
				if pos != bn.Index {
					shifted++
				}
			}
			near("min_bin", i, res.Edges[(bn.Side+1)/2][pos-1], rb.MinBin[i])
			near("max_bin", i, res.Edges[(bn.Side+1)/2][pos], rb.MaxBin[i])
			if !(bn.Low <= bn.MeanX && bn.MeanX <= bn.High) || bn.Mid != (bn.Low+bn.High)/2 {
				t.Errorf("%s: bin %d: [%g, %g] mid %g, mean x %g", name, i, bn.Low, bn.High, bn.Mid, bn.MeanX)
			}
		}
		if shifted > 0 {
			t.Logf("%s: rdplot misplaces the edges of %d left bins (empty left bins)", name, shifted)
		}
		for i, idx := range ref.PolyIdx {
			k, j := idx/500, idx%500
			near("poly_x", idx, res.CurveX[k][j], ref.PolyX[i])
			near("poly_y", idx, res.CurveY[k][j], ref.PolyY[i])
		}
	}
}

// TestPlotInputErrors checks that bad input gives errors matching
// estimators.ErrInput, never panics.
func TestPlotInputErrors(t *testing.T) {
	n := 50
	d := &Data{Y: make([]float64, n), X: make([]float64, n)}
	for i := range n {
		d.X[i] = float64(i) - 24.5
		d.Y[i] = math.Sin(float64(i))
	}
	clone := func() *Data {
		return &Data{Y: slices.Clone(d.Y), X: slices.Clone(d.X)}
	}
	withOpt := func(f func(o *PlotOptions)) PlotOptions {
		o := DefaultPlotOptions()
		f(&o)
		return o
	}
	nanY, infX := clone(), clone()
	nanY.Y[3] = math.NaN()
	infX.X[7] = math.Inf(1)
	oneLeft := clone()
	oneLeft.X[0] = -100 // the only observation below a cutoff of −50
	negW := clone()
	negW.Weights = make([]float64, n)
	negW.Weights[4] = -1
	short := &Data{Y: d.Y[:19], X: d.X[:19]}
	badLen := &Data{Y: d.Y[:10], X: d.X}
	badCov := &Data{Y: d.Y, X: d.X, Covs: [][]float64{d.X[:5]}}
	nanCov := &Data{Y: d.Y, X: d.X, Covs: [][]float64{slices.Clone(d.Y)}}
	nanCov.Covs[0][2] = math.NaN()
	cases := map[string]struct {
		d   *Data
		opt PlotOptions
	}{
		"nil data":         {nil, DefaultPlotOptions()},
		"cutoff above":     {d, withOpt(func(o *PlotOptions) { o.Cutoff = 30 })},
		"cutoff at min":    {d, withOpt(func(o *PlotOptions) { o.Cutoff = -24.5 })},
		"cutoff NaN":       {d, withOpt(func(o *PlotOptions) { o.Cutoff = math.NaN() })},
		"19 observations":  {short, DefaultPlotOptions()},
		"binselect":        {d, withOpt(func(o *PlotOptions) { o.BinSelect = "esmvx" })},
		"p":                {d, withOpt(func(o *PlotOptions) { o.P = -1 })},
		"p huge":           {d, withOpt(func(o *PlotOptions) { o.P = 1000 })},
		"scale":            {d, withOpt(func(o *PlotOptions) { o.Scale = [2]float64{-1, 1} })},
		"scale NaN":        {d, withOpt(func(o *PlotOptions) { o.Scale = [2]float64{1, math.NaN()} })},
		"nbins":            {d, withOpt(func(o *PlotOptions) { o.NBins = [2]int{-3, 5} })},
		"h":                {d, withOpt(func(o *PlotOptions) { o.H = [2]float64{-1, 0} })},
		"level":            {d, withOpt(func(o *PlotOptions) { o.Level = 1.5 })},
		"kernel":           {d, withOpt(func(o *PlotOptions) { o.Kernel = 17 })},
		"masspoints":       {d, withOpt(func(o *PlotOptions) { o.MassPoints = 9 })},
		"NaN y":            {nanY, DefaultPlotOptions()},
		"Inf x":            {infX, DefaultPlotOptions()},
		"one on the left":  {oneLeft, withOpt(func(o *PlotOptions) { o.Cutoff = -50 })},
		"negative weight":  {negW, DefaultPlotOptions()},
		"lengths":          {badLen, DefaultPlotOptions()},
		"covariate length": {badCov, DefaultPlotOptions()},
		"covariate NaN":    {nanCov, DefaultPlotOptions()},
	}
	for name, c := range cases {
		_, err := Plot(c.d, c.opt)
		if !errors.Is(err, estimators.ErrInput) {
			t.Errorf("%s: err = %v, want an input error", name, err)
		}
	}
}

// TestPlotDegenerate runs samples at the edge of what rdplot accepts: an
// outcome without variation on a side (one bin there), two distinct values
// of the running variable per side with p = 4 (pseudo-inverse fits), zero
// weights on a side, and a collinear covariate.
func TestPlotDegenerate(t *testing.T) {
	n := 40
	x, y := make([]float64, n), make([]float64, n)
	for i := range n {
		x[i] = float64(i%4) - 1.5 // −1.5, −0.5, 0.5, 1.5
		y[i] = float64(i%7) + x[i]
	}
	flat := slices.Clone(y)
	for i := range flat {
		if x[i] < 0 {
			flat[i] = 3
		}
	}
	zeroW := make([]float64, n)
	for i := range zeroW {
		if x[i] >= 0 {
			zeroW[i] = 1
		}
	}
	z := make([]float64, n)
	for i := range z {
		z[i] = float64(i % 3)
	}
	for name, d := range map[string]*Data{
		"two values a side": {Y: y, X: x},
		"flat left":         {Y: flat, X: x},
		"zero weights left": {Y: y, X: x, Weights: zeroW},
		"collinear covs":    {Y: y, X: x, Covs: [][]float64{z, z}},
	} {
		for _, b := range plotSelectors {
			o := DefaultPlotOptions()
			o.BinSelect = b
			res, err := Plot(d, o)
			if err != nil {
				t.Errorf("%s %s: %v", name, b, err)
				continue
			}
			if name == "flat left" && res.J[0] != 1 {
				t.Errorf("%s %s: J = %v, want 1 bin on the left", name, b, res.J)
			}
			total := 0
			for _, bn := range res.Bins {
				total += bn.N
				if math.IsNaN(bn.MeanY) || math.IsNaN(bn.CILow) {
					t.Errorf("%s %s: bin %+v", name, b, bn)
				}
			}
			if total != n {
				t.Errorf("%s %s: %d observations in the bins, want %d", name, b, total, n)
			}
			if name == "collinear covs" && len(res.DroppedCovs) != 1 {
				t.Errorf("%s: dropped %v", name, res.DroppedCovs)
			}
		}
	}
}

// BenchmarkPlot runs rdplot's defaults (p = 4, esmv) on 1,000,000
// observations.
func BenchmarkPlot(b *testing.B) {
	n := 1_000_000
	rng := estimators.Stream(1, 0)
	d := &Data{Y: make([]float64, n), X: make([]float64, n)}
	for i := range n {
		x := 2*rng.Float64() - 1
		d.X[i], d.Y[i] = x, 1+0.8*x-0.5*x*x+0.3*rng.NormFloat64()
		if x >= 0 {
			d.Y[i] += 0.5
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Plot(d, DefaultPlotOptions()); err != nil {
			b.Fatal(err)
		}
	}
}
