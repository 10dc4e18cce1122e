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

type densRefCase struct {
	Data, Args string
	H          []float64
	N, NH      []int
	FP         []float64 `json:"f_p"`
	SEP        []float64 `json:"se_p"`
	DiffP      []float64 `json:"diff_p"`
	FQ         []float64 `json:"f_q"`
	SEQ        []float64 `json:"se_q"`
	DiffQ      []float64 `json:"diff_q"`
	TConv      float64   `json:"t_conv"`
	PConv      float64   `json:"p_conv"`
	TRobust    float64   `json:"t_robust"`
	PRobust    float64   `json:"p_robust"`
}

type densRefFile struct {
	Data  map[string][]float64
	Cases map[string]json.RawMessage
	BW    map[string]struct {
		Data, Args          string
		H, Variance, BiasSq []float64
	}
}

func loadDensRef(t *testing.T) (densRefFile, map[string][]float64) {
	t.Helper()
	b, err := os.ReadFile("testdata/density_reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref densRefFile
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	data := map[string][]float64{}
	for k, v := range ref.Data {
		if v != nil {
			data[k] = v
		}
	}
	data["senate"] = readColumns(t, "../internal/exampledata/senate.csv", "margin")["margin"]
	rounded := make([]float64, len(data["senate"]))
	for i, v := range data["senate"] {
		rounded[i] = math.RoundToEven(v) // R's round() rounds half to even
	}
	data["rounded"] = rounded
	return ref, data
}

// densOptionCases are the options of the reference calls (their R
// arguments are in the JSON file).
func densOptionCases() map[string]DensityOptions {
	with := func(f func(o *DensityOptions)) DensityOptions {
		o := DefaultDensityOptions()
		f(&o)
		return o
	}
	return map[string]DensityOptions{
		"default":           DefaultDensityOptions(),
		"restricted":        with(func(o *DensityOptions) { o.FitSelect = "restricted" }),
		"restricted_plugin": with(func(o *DensityOptions) { o.FitSelect, o.VCE = "restricted", "plugin" }),
		"plugin":            with(func(o *DensityOptions) { o.VCE = "plugin" }),
		"each":              with(func(o *DensityOptions) { o.BWSelect = "each" }),
		"diff":              with(func(o *DensityOptions) { o.BWSelect = "diff" }),
		"sum":               with(func(o *DensityOptions) { o.BWSelect = "sum" }),
		"restricted_diff":   with(func(o *DensityOptions) { o.FitSelect, o.BWSelect = "restricted", "diff" }),
		"restricted_sum_plugin": with(func(o *DensityOptions) {
			o.FitSelect, o.BWSelect, o.VCE = "restricted", "sum", "plugin"
		}),
		"h_10_15": with(func(o *DensityOptions) { o.H = [2]float64{10, 15} }),
		"h_12":    with(func(o *DensityOptions) { o.H = [2]float64{12, 0} }),
		"h_12_restricted_plugin": with(func(o *DensityOptions) {
			o.H, o.FitSelect, o.VCE = [2]float64{12, 12}, "restricted", "plugin"
		}),
		"uniform":             with(func(o *DensityOptions) { o.Kernel = estimators.Uniform }),
		"epanechnikov_plugin": with(func(o *DensityOptions) { o.Kernel, o.VCE = estimators.Epanechnikov, "plugin" }),
		"epanechnikov_restricted_plugin": with(func(o *DensityOptions) {
			o.Kernel, o.FitSelect, o.VCE = estimators.Epanechnikov, "restricted", "plugin"
		}),
		"uniform_restricted_plugin": with(func(o *DensityOptions) {
			o.Kernel, o.FitSelect, o.VCE = estimators.Uniform, "restricted", "plugin"
		}),
		"p1":        with(func(o *DensityOptions) { o.P = 1 }),
		"p3_plugin": with(func(o *DensityOptions) { o.P, o.VCE = 3, "plugin" }),
		"p2_q4":     with(func(o *DensityOptions) { o.P, o.Q = 2, 4 }),
		"p1_restricted_plugin": with(func(o *DensityOptions) {
			o.P, o.FitSelect, o.VCE = 1, "restricted", "plugin"
		}),
		"p3_restricted":  with(func(o *DensityOptions) { o.P, o.FitSelect = 3, "restricted" }),
		"cutoff5":        with(func(o *DensityOptions) { o.Cutoff = 5 }),
		"masspoints_off": with(func(o *DensityOptions) { o.NoMassPoints = true }),
		"regularize_off": with(func(o *DensityOptions) { o.NoRegularize = true }),
		"nlocalmin_50":   with(func(o *DensityOptions) { o.NLocalMin, o.NUniqueMin = 50, -1 }),
		"rounded":        DefaultDensityOptions(),
		"rounded_plugin_restricted": with(func(o *DensityOptions) {
			o.VCE, o.FitSelect = "plugin", "restricted"
		}),
		"rounded_masspoints_off": with(func(o *DensityOptions) { o.NoMassPoints = true }),
		"sim":                    DefaultDensityOptions(),
		"sim_restricted_plugin":  with(func(o *DensityOptions) { o.FitSelect, o.VCE = "restricted", "plugin" }),
		"sim_each_plugin":        with(func(o *DensityOptions) { o.BWSelect, o.VCE = "each", "plugin" }),
		"smooth_c05":             with(func(o *DensityOptions) { o.Cutoff = 0.5 }),
		"smooth_c05_each":        with(func(o *DensityOptions) { o.Cutoff, o.BWSelect = 0.5, "each" }),
		"small":                  DefaultDensityOptions(),
		"small_restricted_plugin": with(func(o *DensityOptions) {
			o.FitSelect, o.VCE = "restricted", "plugin"
		}),
		"small_nlocalmin_40": with(func(o *DensityOptions) {
			o.NLocalMin, o.NUniqueMin, o.BWSelect = 40, -1, "each"
		}),
		"small_regularize_off": with(func(o *DensityOptions) { o.NoRegularize = true }),
	}
}

// densWorst records the largest relative difference densNear has seen in
// the parity tests, for the log.
var densWorst struct {
	e    float64
	what string
}

// densNear compares with a relative tolerance of 1e-8; scale is the size
// below which the difference is measured absolutely (for statistics near
// zero).
func densNear(t *testing.T, what string, got, want, scale float64) {
	t.Helper()
	e := math.Abs(got-want) / math.Max(math.Abs(want), scale)
	if e > densWorst.e {
		densWorst.e, densWorst.what = e, what
	}
	if !(e <= 1e-8) {
		t.Errorf("%s = %.15g, rddensity %.15g (rel %.2g)", what, got, want, e)
	}
}

// TestDensityParity compares every call of testdata/density_reference.json
// (rddensity 3.0 with lpdensity 2.5 in R 4.2.2; see testdata/README.md)
// with DensityTest: bandwidths, sample sizes, the density estimates of
// orders p and q with their standard errors, and both tests, to 1e-8
// relative (test statistics near zero: 1e-8 absolute).
func TestDensityParity(t *testing.T) {
	ref, data := loadDensRef(t)
	opts := densOptionCases()
	if len(opts) != len(ref.Cases) {
		t.Errorf("%d option cases for %d reference cases", len(opts), len(ref.Cases))
	}
	for name, raw := range ref.Cases {
		var c densRefCase
		if err := json.Unmarshal(raw, &c); err != nil {
			t.Fatal(name, err)
		}
		opt, ok := opts[name]
		if !ok {
			t.Errorf("%s: no options", name)
			continue
		}
		x := data[c.Data]
		if x == nil {
			t.Fatalf("%s: no data %q", name, c.Data)
		}
		res, err := DensityTest(x, opt)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		for k := range 2 {
			densNear(t, name+" h", res.H[k], c.H[k], 0)
			densNear(t, name+" f_p", res.F[k], c.FP[k], 0)
			densNear(t, name+" se_p", res.SE[k], c.SEP[k], 0)
			densNear(t, name+" f_q", res.FQ[k], c.FQ[k], 0)
			densNear(t, name+" se_q", res.SEQ[k], c.SEQ[k], 0)
		}
		if res.N != [2]int(c.N) || res.NH != [2]int(c.NH) {
			t.Errorf("%s: N %v, NH %v; rddensity %v, %v", name, res.N, res.NH, c.N, c.NH)
		}
		fscale := math.Max(math.Abs(c.FP[0]), math.Abs(c.FP[1]))
		densNear(t, name+" diff_p", res.Diff, c.DiffP[0], fscale)
		densNear(t, name+" diff se_p", res.DiffSE, c.DiffP[1], 0)
		densNear(t, name+" diff_q", res.DiffQ, c.DiffQ[0], fscale)
		densNear(t, name+" diff se_q", res.DiffSEQ, c.DiffQ[1], 0)
		densNear(t, name+" T conventional", res.TConv, c.TConv, 1)
		densNear(t, name+" P conventional", res.PConv, c.PConv, 0)
		densNear(t, name+" T robust", res.TRobust, c.TRobust, 1)
		densNear(t, name+" P robust", res.PRobust, c.PRobust, 0)
	}
	t.Logf("largest relative difference from rddensity: %.2g (%s)", densWorst.e, densWorst.what)
}

// TestDensityBandwidthParity compares DensityBandwidth with rdbwdensity's
// table (bandwidth, variance, squared bias for left, right, difference and
// sum) to 1e-8 relative.
func TestDensityBandwidthParity(t *testing.T) {
	ref, data := loadDensRef(t)
	opts := map[string]DensityOptions{
		"default":              DefaultDensityOptions(),
		"restricted":           {FitSelect: "restricted"},
		"plugin":               {VCE: "plugin"},
		"restricted_plugin":    {FitSelect: "restricted", VCE: "plugin"},
		"p3_uniform":           {P: 3, Kernel: estimators.Uniform},
		"rounded":              {},
		"sim":                  {},
		"small":                {},
		"small_regularize_off": {NoRegularize: true},
	}
	if len(opts) != len(ref.BW) {
		t.Errorf("%d option cases for %d reference cases", len(opts), len(ref.BW))
	}
	for name, c := range ref.BW {
		bw, err := DensityBandwidth(data[c.Data], opts[name])
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		for j := range 4 {
			densNear(t, name+" h", bw.H[j], c.H[j], 0)
			densNear(t, name+" variance", bw.Variance[j], c.Variance[j], 0)
			densNear(t, name+" bias²", bw.BiasSq[j], c.BiasSq[j], 0)
		}
	}
}

// TestDensitySenatePublished checks the rounded figures printed by
// rddensity 3.0's illustration for the Senate margin (rddensity(X =
// margin, all = TRUE)): h = 19.841 and 27.119, 408 and 460 effective
// observations, conventional T = −1.6506 (p = 0.0988), robust T = −0.8753
// (p = 0.3814).
func TestDensitySenatePublished(t *testing.T) {
	x := readColumns(t, "../internal/exampledata/senate.csv", "margin")["margin"]
	res, err := DensityTest(x, DefaultDensityOptions())
	if err != nil {
		t.Fatal(err)
	}
	r := func(v float64, d int) float64 { s := math.Pow(10, float64(d)); return math.Round(v*s) / s }
	got := []float64{r(res.H[0], 3), r(res.H[1], 3), r(res.TConv, 4), r(res.PConv, 4), r(res.TRobust, 4), r(res.PRobust, 4)}
	want := []float64{19.841, 27.119, -1.6506, 0.0988, -0.8753, 0.3814}
	if !slices.Equal(got, want) || res.NH != [2]int{408, 460} || res.N != [2]int{640, 750} {
		t.Errorf("got %v, NH %v, N %v; want %v, NH [408 460], N [640 750]", got, res.NH, res.N, want)
	}
	if !res.MassPoints || res.BWSelect != "comb" || res.Selected == nil {
		t.Errorf("MassPoints %v, BWSelect %q, Selected %v", res.MassPoints, res.BWSelect, res.Selected)
	}
}

// TestDensityClosedForm checks the estimator against its definition on a
// small sample, computed independently: with a uniform kernel and p = 1 the
// unrestricted estimator on each side is the slope of the ordinary least
// squares line of the empirical distribution function F̂(x_i) = (i−1)/(N−1)
// on x_i − c within the bandwidth, and its jackknife variance is
// Σ_i (e₂ᵀ(XᵀWX)⁻¹ L_i)² with L_i the sum of the weighted design rows after
// i over N − 1.
func TestDensityClosedForm(t *testing.T) {
	x := []float64{-2.1, -1.7, -1.2, -0.9, -0.6, -0.4, -0.25, -0.1, 0.05, 0.2, 0.3, 0.55, 0.8, 1.1, 1.6, 2.4}
	n := len(x)
	h := 1.0
	opt := DensityOptions{P: 1, Q: 1, Kernel: estimators.Uniform, H: [2]float64{h, h}}
	res, err := DensityTest(x, opt)
	if err != nil {
		t.Fatal(err)
	}
	// window: −1 ≤ x ≤ 1: rows 3..12 (0-based); left rows 3..7, right 8..12
	type row struct{ u, y float64 }
	var left, right []row
	for i, v := range x {
		if v >= -h && v <= h {
			r := row{v, float64(i) / float64(n-1)}
			if v < 0 {
				left = append(left, r)
			} else {
				right = append(right, r)
			}
		}
	}
	slope := func(rs []row) float64 {
		var su, sy, suu, suy float64
		for _, r := range rs {
			su, sy, suu, suy = su+r.u, sy+r.y, suu+r.u*r.u, suy+r.u*r.y
		}
		m := float64(len(rs))
		return (m*suy - su*sy) / (m*suu - su*su)
	}
	fl, fr := slope(left), slope(right)
	// Jackknife by hand: design columns (1_L, 1_R, u_L, u_R) with weight
	// 1/(2h); (XᵀWX)⁻¹ is block diagonal per side.
	w := 1 / (2 * h)
	inv := func(rs []row) [2][2]float64 {
		var s0, s1, s2 float64
		for _, r := range rs {
			s0, s1, s2 = s0+w, s1+w*r.u, s2+w*r.u*r.u
		}
		d := s0*s2 - s1*s1
		return [2][2]float64{{s2 / d, -s1 / d}, {-s1 / d, s0 / d}}
	}
	il, ir := inv(left), inv(right)
	all := append(slices.Clone(left), right...)
	var vl, vr, cov float64
	for i := range all {
		var l [4]float64 // sums after row i: 1_L, u_L, 1_R, u_R
		for _, r := range all[i+1:] {
			if r.u < 0 {
				l[0], l[1] = l[0]+w, l[1]+w*r.u
			} else {
				l[2], l[3] = l[2]+w, l[3]+w*r.u
			}
		}
		for k := range l {
			l[k] /= float64(n - 1)
		}
		gl := il[1][0]*l[0] + il[1][1]*l[1]
		gr := ir[1][0]*l[2] + ir[1][1]*l[3]
		vl, vr, cov = vl+gl*gl, vr+gr*gr, cov+gl*gr
	}
	densNear(t, "f left", res.F[0], fl, 0)
	densNear(t, "f right", res.F[1], fr, 0)
	densNear(t, "se left", res.SE[0], math.Sqrt(vl), 0)
	densNear(t, "se right", res.SE[1], math.Sqrt(vr), 0)
	densNear(t, "T", res.TConv, (fr-fl)/math.Sqrt(vl+vr-2*cov), 0)
	if res.TRobust != res.TConv || res.NH != [2]int{len(left), len(right)} {
		t.Errorf("q = p: robust %v ≠ conventional %v, or NH %v", res.TRobust, res.TConv, res.NH)
	}
	// The plug-in variance of the uniform kernel at p = 1 is f·V₂₂/(N h)
	// with V = S⁻¹GS⁻¹, S_ij = ∫₀¹ u^(i+j)/2 du and
	// G_ij = ∫₀¹∫₀¹ x^i y^j min(x, y)/4 dx dy, integrated by hand here.
	opt.VCE = "plugin"
	res2, err := DensityTest(x, opt)
	if err != nil {
		t.Fatal(err)
	}
	S := [2][2]float64{{0.5, 0.25}, {0.25, 1.0 / 6}}
	// G_ij = ¼(∫₀¹ y^j ∫₀^y x^(i+1) dx dy + ∫₀¹ y^(j+1) ∫_y¹ x^i dx dy)
	G := [2][2]float64{}
	for i := range 2 {
		for j := range 2 {
			fi, fj := float64(i), float64(j)
			G[i][j] = 0.25 * (1/((fi+2)*(fi+fj+3)) + 1/(fi+1)*(1/(fj+2)-1/(fi+fj+3)))
		}
	}
	d := S[0][0]*S[1][1] - S[0][1]*S[0][1]
	si := [2][2]float64{{S[1][1] / d, -S[0][1] / d}, {-S[0][1] / d, S[0][0] / d}}
	var v22 float64
	for a := range 2 {
		for b := range 2 {
			v22 += si[1][a] * G[a][b] * si[b][1]
		}
	}
	densNear(t, "plugin se left", res2.SE[0], math.Sqrt(fl*v22/(float64(n)*h)), 0)
	densNear(t, "plugin se right", res2.SE[1], math.Sqrt(fr*v22/(float64(n)*h)), 0)
}

// TestDensityMoments checks the closed-form kernel moments S and G against
// numerical integration (the midpoint rule), G being
// ∫₀¹∫₀¹ K(x)K(y) x^i y^j min(x, y) dx dy.
func TestDensityMoments(t *testing.T) {
	const m, p = 400, 3
	for _, k := range []estimators.Kernel{estimators.Triangular, estimators.Epanechnikov, estimators.Uniform} {
		s, g := densS(p, k), densG(p, k)
		u, w := make([]float64, m), make([]float64, m)
		for a := range m {
			u[a] = (float64(a) + 0.5) / m
			w[a] = k.Weight(u[a]) / m
		}
		for i := 0; i <= p; i++ {
			for j := 0; j <= p; j++ {
				var si, gi float64
				for a := range m {
					si += math.Pow(u[a], float64(i+j)) * w[a]
					xi := math.Pow(u[a], float64(i)) * w[a]
					for b := range m {
						gi += xi * math.Pow(u[b], float64(j)) * w[b] * math.Min(u[a], u[b])
					}
				}
				if math.Abs(s.At(i, j)-si) > 1e-5 || math.Abs(g.At(i, j)-gi) > 1e-5 {
					t.Errorf("%v: S[%d][%d] %g vs %g, G %g vs %g", k, i, j, s.At(i, j), si, g.At(i, j), gi)
				}
			}
		}
	}
}

// TestDensitySorted checks the radix sort against slices.Sort on values
// of both signs, zeros of both signs, ties and extremes.
func TestDensitySorted(t *testing.T) {
	rng := estimators.Stream(3, 0)
	x := make([]float64, 20000)
	for i := range x {
		switch i % 7 {
		case 0:
			x[i] = math.Round(rng.NormFloat64() * 3)
		case 1:
			x[i] = rng.NormFloat64() * 1e300
		case 2:
			x[i] = math.Copysign(0, rng.NormFloat64())
		case 3:
			x[i] = rng.NormFloat64() * 1e-310 // subnormal
		default:
			x[i] = rng.NormFloat64()
		}
	}
	want := slices.Clone(x)
	slices.Sort(want)
	got := densSorted(x)
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("densSorted[%d] = %g, want %g", i, got[i], want[i])
		}
	}
}

// TestDensityInputErrors: bad data and options are input errors, never
// panics.
func TestDensityInputErrors(t *testing.T) {
	good := make([]float64, 200)
	for i := range good {
		good[i] = -1 + 2*float64(i)/199
	}
	def := DefaultDensityOptions()
	with := func(f func(o *DensityOptions)) DensityOptions { o := def; f(&o); return o }
	cases := map[string]struct {
		x   []float64
		opt DensityOptions
	}{
		"nan":              {append(slices.Clone(good), math.NaN()), def},
		"inf":              {append(slices.Clone(good), math.Inf(1)), def},
		"empty":            {nil, def},
		"cutoff below":     {good, with(func(o *DensityOptions) { o.Cutoff = -1 })},
		"cutoff above":     {good, with(func(o *DensityOptions) { o.Cutoff = 3 })},
		"cutoff nan":       {good, with(func(o *DensityOptions) { o.Cutoff = math.NaN() })},
		"few left":         {append([]float64{-1, -0.5, -0.2}, good[150:]...), def},
		"ties left":        {append([]float64{-1, -1, -1, -0.5, -0.5, -0.5, -0.5}, good[150:]...), def},
		"p 8":              {good, with(func(o *DensityOptions) { o.P = 8 })},
		"q < p":            {good, with(func(o *DensityOptions) { o.P, o.Q = 3, 2 })},
		"kernel":           {good, with(func(o *DensityOptions) { o.Kernel = 9 })},
		"fitselect":        {good, with(func(o *DensityOptions) { o.FitSelect = "both" })},
		"vce":              {good, with(func(o *DensityOptions) { o.VCE = "hc1" })},
		"bwselect":         {good, with(func(o *DensityOptions) { o.BWSelect = "mserd" })},
		"restricted each":  {good, with(func(o *DensityOptions) { o.FitSelect, o.BWSelect = "restricted", "each" })},
		"restricted two h": {good, with(func(o *DensityOptions) { o.FitSelect, o.H = "restricted", [2]float64{0.3, 0.4} })},
		"negative h":       {good, with(func(o *DensityOptions) { o.H = [2]float64{-1, 1} })},
		"nan h":            {good, with(func(o *DensityOptions) { o.H = [2]float64{math.NaN(), 1} })},
		"tiny h":           {good, with(func(o *DensityOptions) { o.H = [2]float64{0.02, 0.02} })},
		"level":            {good, with(func(o *DensityOptions) { o.Level = 1.5 })},
	}
	for name, c := range cases {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s: panic %v", name, r)
				}
			}()
			_, err := DensityTest(c.x, c.opt)
			if err == nil || !errors.Is(err, estimators.ErrInput) {
				t.Errorf("%s: error %v, want an input error", name, err)
			}
		}()
	}
	// Degenerate but valid samples give finite results or input errors.
	degenerate := map[string][]float64{
		"two values per side": {-2, -1, -2, -1, -2, -1, 1, 2, 1, 2, 1, 2},
		"heavy ties":          append(append(slices.Repeat([]float64{-3, -2, -1}, 30), slices.Repeat([]float64{1, 2, 3, 4}, 30)...), -0.5, 0.5),
		"one far point":       append(slices.Clone(good), 1e6),
		"just four per side":  {-4, -3, -2, -1, 1, 2, 3, 4},
	}
	for name, x := range degenerate {
		for _, vce := range []string{"jackknife", "plugin"} {
			for _, fit := range []string{"unrestricted", "restricted"} {
				func() {
					defer func() {
						if r := recover(); r != nil {
							t.Errorf("%s %s %s: panic %v", name, vce, fit, r)
						}
					}()
					res, err := DensityTest(x, DensityOptions{VCE: vce, FitSelect: fit})
					if err != nil {
						if !errors.Is(err, estimators.ErrInput) {
							t.Errorf("%s: error %v is not an input error", name, err)
						}
						return
					}
					for _, v := range []float64{res.TConv, res.TRobust, res.PConv, res.PRobust, res.F[0], res.F[1], res.SE[0], res.SE[1]} {
						if math.IsNaN(v) || math.IsInf(v, 0) {
							t.Errorf("%s %s %s: non-finite result %+v", name, vce, fit, res)
							break
						}
					}
				}()
			}
		}
	}
}

// TestDensitySizePower is a Monte Carlo of the robust test: its rejection
// rate at 5 % under a smooth density (x ~ N(−0.5, 1), n = 5000) is near
// 0.05, and under a jump (the right half stretched by 2, halving the density
// above 0, as in rddensity's example) it rejects nearly always. 1000
// replications with CAUSALKIT_LONG=1 (size 0.037, power 0.946 at seed 99),
// 40 otherwise (a smoke test of the jump only).
func TestDensitySizePower(t *testing.T) {
	reps, n := 40, 5000
	long := os.Getenv("CAUSALKIT_LONG") != ""
	if long {
		reps = 1000
	}
	var rejSmooth, rejJump int
	for r := range reps {
		rng := estimators.Stream(99, uint64(r))
		x := make([]float64, n)
		y := make([]float64, n)
		for i := range x {
			x[i] = rng.NormFloat64() - 0.5
			y[i] = x[i]
			if y[i] > 0 {
				y[i] *= 2
			}
		}
		if long {
			res, err := DensityTest(x, DefaultDensityOptions())
			if err != nil {
				t.Fatal(err)
			}
			if res.PRobust < 0.05 {
				rejSmooth++
			}
		}
		res, err := DensityTest(y, DefaultDensityOptions())
		if err != nil {
			t.Fatal(err)
		}
		if res.PRobust < 0.05 {
			rejJump++
		}
	}
	size, power := float64(rejSmooth)/float64(reps), float64(rejJump)/float64(reps)
	t.Logf("robust test over %d replications: size %.3f, power %.3f", reps, size, power)
	if power < 0.75 {
		t.Errorf("power %.3f under a halving of the density", power)
	}
	if long && power < 0.9 {
		t.Errorf("power %.3f over %d replications", power, reps)
	}
	if long && (size < 0.02 || size > 0.09) {
		t.Errorf("size %.3f outside [0.02, 0.09]", size)
	}
}

// BenchmarkDensityTest runs rddensity's defaults on 1,000,000 observations
// (standard normal, cutoff 0.1), bandwidth selection included.
func BenchmarkDensityTest(b *testing.B) {
	rng := estimators.Stream(5, 0)
	x := make([]float64, 1_000_000)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	opt := DefaultDensityOptions()
	opt.Cutoff = 0.1
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DensityTest(x, opt); err != nil {
			b.Fatal(err)
		}
	}
}
