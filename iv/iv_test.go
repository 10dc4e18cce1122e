package iv

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/causalkit/causalkit/estimators"
)

// round reports whether got rounds to want at the number of significant
// digits with which want was published.
func round(got, want float64, digits int) bool {
	if want == 0 {
		return math.Abs(got) < math.Pow(10, -float64(digits))
	}
	scale := math.Pow(10, float64(digits)-1-math.Floor(math.Log10(math.Abs(want))))
	return math.Abs(got*scale-want*scale) <= 0.5+1e-9
}

// TestCardIssue checks the numbers quoted in issue 3 (linearmodels / Stata
// on Card 1995), to 1e-6 relative where they are given in full.
func TestCardIssue(t *testing.T) {
	d1 := cardData(t, "CARD1")
	tsls, err := Estimate(d1, Options{})
	if err != nil {
		t.Fatal(err)
	}
	educ := len(d1.Exog)
	cl, _ := tsls.Cov(estimators.CovOptions{Type: estimators.Classical, Small: true})
	hc1, _ := tsls.Cov(estimators.CovOptions{Type: estimators.HC1})
	fuller, err := Estimate(d1, Options{Method: Fuller})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what      string
		got, want float64
	}{
		{"2sls educ", tsls.Coef[educ], 0.131503775091925},
		{"2sls classical se", SE(cl)[educ], 0.0549636678387282},
		{"2sls hc1 se", SE(hc1)[educ], 0.0541436164480758},
		{"fuller educ", fuller.Coef[educ], 0.12750104577549},
		{"fuller kappa", fuller.Kappa, 0.999665998663998},
	} {
		if e := relErr(c.got, c.want); e > 1e-6 {
			t.Errorf("%s = %.15g, want %.15g (rel %.2g)", c.what, c.got, c.want, e)
		}
	}
	d2 := cardData(t, "CARD2")
	for _, c := range []struct {
		m    Method
		want float64
	}{{TSLS, 0.157059}, {LIML, 0.164028}} {
		f, err := Estimate(d2, Options{Method: c.m})
		if err != nil {
			t.Fatal(err)
		}
		if !round(f.Coef[educ], c.want, 6) {
			t.Errorf("CARD2 %s educ %.10g, want %g", c.m, f.Coef[educ], c.want)
		}
	}
}

// TestDiagnosticsSpec checks every diagnostic of specs/iv.md §7.6 at the
// digits printed there (an R/AER and numpy reference re-computation that
// matches Stata on HSNG).
func TestDiagnosticsSpec(t *testing.T) {
	type want struct {
		f, fHC0, partialR2                float64
		sargan, sarganP, basmann          float64
		wu, wuP, durbin, ar, arP          float64
		wuDF1                             float64
		arSet                             []Interval
		arKind                            string
		shea                              []float64
		cdUndefined                       bool
		digitsF, digitsR2, digitsP, digAR int
	}
	hsng, _ := housingData(t)
	cases := map[string]struct {
		d *Data
		w want
	}{
		"CARD1": {cardData(t, "CARD1"), want{f: 13.2558, fHC0: 14.2142, partialR2: 0.00441, wu: 1.1676, wuP: 0.2800,
			durbin: 1.1738, ar: 5.4153, arP: 0.0200, wuDF1: 1, arSet: []Interval{{0.024805, 0.284823}}, arKind: "bounded"}},
		"CARD2": {cardData(t, "CARD2"), want{f: 7.8931, fHC0: 8.3662, partialR2: 0.00525, sargan: 1.2482, sarganP: 0.2639,
			basmann: 1.2416, wu: 2.9256, wuP: 0.0873, durbin: 2.9394, ar: 5.2439, arP: 0.00533, wuDF1: 1,
			arSet: []Interval{{0.053600, 0.361981}}, arKind: "bounded"}},
		"CARD3": {cardData(t, "CARD3"), want{f: 6.4585, fHC0: 6.6586, partialR2: 0.00856, sargan: 1.7729, sarganP: 0.1830,
			basmann: 1.7640, wu: 1.1707, wuP: 0.3103, durbin: 2.3536, wuDF1: 2, shea: []float64{0.00672, 0.0863, 0.0747},
			cdUndefined: true}},
		"HSNG": {hsng, want{f: 13.2978, fHC0: 12.9748, partialR2: 0.5473, sargan: 11.2877, sarganP: 0.0103, basmann: 12.8294,
			wu: 15.9067, wuP: 2.36e-4, durbin: 12.8473, ar: 28.1282, arP: 1.26e-11, wuDF1: 1, arSet: []Interval{}, arKind: "empty"}},
	}
	for name, c := range cases {
		f, err := Estimate(c.d, Options{})
		if err != nil {
			t.Fatal(name, err)
		}
		dg, err := f.Diagnose(estimators.CovOptions{}, 0.95)
		if err != nil {
			t.Fatal(name, err)
		}
		rb, err := f.Diagnose(estimators.CovOptions{Type: estimators.HC0}, 0.95)
		if err != nil {
			t.Fatal(name, err)
		}
		w := c.w
		check := func(what string, got, want float64) {
			if want == 0 {
				return
			}
			digits := 5
			if want < 0.1 {
				digits = 3
			}
			if !round(got, want, digits) && relErr(got, want) > 5e-4 {
				t.Errorf("%s %s = %.8g, want %g", name, what, got, want)
			}
		}
		fs := dg.FirstStage[0]
		check("first-stage F", fs.FStat, w.f)
		check("first-stage F HC0", rb.FirstStage[0].FStat, w.fHC0)
		check("partial R²", fs.PartialR2, w.partialR2)
		if w.sargan != 0 {
			check("Sargan", dg.Sargan.Statistic, w.sargan)
			check("Sargan p", dg.Sargan.PValue, w.sarganP)
			check("Basmann", dg.Basmann.Statistic, w.basmann)
		} else if dg.Sargan != nil {
			t.Errorf("%s: Sargan reported for a just-identified model", name)
		}
		check("Wu–Hausman", dg.WuHausman.Statistic, w.wu)
		check("Wu–Hausman p", dg.WuHausman.PValue, w.wuP)
		check("Durbin", dg.Durbin.Statistic, w.durbin)
		if dg.WuHausman.DF1 != w.wuDF1 {
			t.Errorf("%s Wu–Hausman df1 %g, want %g", name, dg.WuHausman.DF1, w.wuDF1)
		}
		check("AR", dg.AndersonRubin.Statistic, w.ar)
		check("AR p", dg.AndersonRubin.PValue, w.arP)
		if w.arKind != "" {
			if dg.AndersonRubin.Kind != w.arKind || len(dg.AndersonRubin.ConfSet) != len(w.arSet) {
				t.Errorf("%s AR set %v (%s), want %v", name, dg.AndersonRubin.ConfSet, dg.AndersonRubin.Kind, w.arSet)
			}
			for i, iv := range w.arSet {
				check("AR low", dg.AndersonRubin.ConfSet[i].Low, iv.Low)
				check("AR high", dg.AndersonRubin.ConfSet[i].High, iv.High)
			}
		}
		for j, s := range w.shea {
			check("Shea", dg.FirstStage[j].SheaPartialR2, s)
		}
		if cd := dg.CraggDonald.Statistic; w.cdUndefined != math.IsNaN(cd) {
			t.Errorf("%s Cragg–Donald %g (undefined expected: %v)", name, cd, w.cdUndefined)
		}
		if !w.cdUndefined && len(c.d.Endog) == 1 && relErr(dg.CraggDonald.Statistic, fs.FStat) > 1e-10 {
			t.Errorf("%s Cragg–Donald %g differs from the first-stage F %g with one endogenous regressor", name, dg.CraggDonald.Statistic, fs.FStat)
		}
	}
}

// TestHansenJStata checks Hansen's J with a robust weight matrix against
// Stata 13's ivregress gmm, vce(robust) on the housing data: J = 6.8364006463.
func TestHansenJStata(t *testing.T) {
	d, _ := housingData(t)
	f, err := Estimate(d, Options{})
	if err != nil {
		t.Fatal(err)
	}
	dg, err := f.Diagnose(estimators.CovOptions{Type: estimators.HC0}, 0.95)
	if err != nil {
		t.Fatal(err)
	}
	if e := relErr(dg.HansenJ.Statistic, 6.8364006463); e > 1e-9 {
		t.Errorf("J = %.11g, Stata 6.8364006463", dg.HansenJ.Statistic)
	}
	// With the classical weight matrix Stata's J is the Sargan statistic.
	dc, _ := f.Diagnose(estimators.CovOptions{}, 0.95)
	if e := relErr(dc.Sargan.Statistic, 11.287665072); e > 1e-9 {
		t.Errorf("Sargan = %.11g, Stata gmm-unadjusted J 11.287665072", dc.Sargan.Statistic)
	}
}

// TestIdentities checks the k-class identities of specs/iv.md §3: anchor
// γ = 2 is IVL α = 1 (κ = ½), anchor γ = 1 is OLS, and just-identified LIML
// is 2SLS with κ = 1.
func TestIdentities(t *testing.T) {
	for _, spec := range []string{"CARD1", "CARD2", "CARD3"} {
		d := cardData(t, spec)
		fit := func(o Options) *Fit {
			f, err := Estimate(d, o)
			if err != nil {
				t.Fatal(spec, o.Method, err)
			}
			return f
		}
		same := func(what string, a, b *Fit, tol float64) {
			for j := range a.Coef {
				if e := math.Abs(a.Coef[j] - b.Coef[j]); e > tol*math.Max(1, math.Abs(b.Coef[j])) {
					t.Errorf("%s %s: coef %d %.15g vs %.15g", spec, what, j, a.Coef[j], b.Coef[j])
				}
			}
		}
		same("anchor γ=2 vs IVL α=1", fit(Options{Method: Anchor, Gamma: 2}), fit(Options{Method: IVL, Alpha: 1}), 1e-12)
		same("anchor γ=1 vs OLS", fit(Options{Method: Anchor, Gamma: 1}), fit(Options{Method: OLS}), 1e-12)
		same("kclass κ=1 vs 2SLS", fit(Options{Method: KClass, Kappa: 1}), fit(Options{}), 1e-12)
		same("IVL α→0 vs 2SLS", fit(Options{Method: IVL, Alpha: 1e-12}), fit(Options{}), 1e-6)
		if spec == "CARD1" {
			l := fit(Options{Method: LIML})
			if l.Kappa != 1 && math.Abs(l.Kappa-1) > 1e-12 {
				t.Errorf("just-identified κ_LIML = %.17g", l.Kappa)
			}
			same("LIML vs 2SLS (just identified)", l, fit(Options{}), 1e-10)
		}
	}
	// OLS through the IV core equals estimators.WLS.
	d := cardData(t, "CARD1")
	o, err := Estimate(d, Options{Method: OLS})
	if err != nil {
		t.Fatal(err)
	}
	ls, err := estimators.WLS(append(append([][]float64{}, d.Exog...), d.Endog...), d.Y, o.Names, estimators.LSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for j := range o.Coef {
		if relErr(o.Coef[j], ls.Coef[j]) > 1e-12 {
			t.Errorf("OLS coef %d: %.17g vs WLS %.17g", j, o.Coef[j], ls.Coef[j])
		}
	}
	for _, typ := range []estimators.CovType{estimators.HC1, estimators.HC3} {
		a, _ := o.Cov(estimators.CovOptions{Type: typ})
		b, _ := ls.Cov(estimators.CovOptions{Type: typ})
		for j := range o.Coef {
			if relErr(a.V.At(j, j), b.V.At(j, j)) > 1e-10 {
				t.Errorf("%s var %d: %g vs %g", typ, j, a.V.At(j, j), b.V.At(j, j))
			}
		}
	}
}

// TestQuadraticSet covers every shape of the AR confidence set.
func TestQuadraticSet(t *testing.T) {
	inf := math.Inf(1)
	for _, c := range []struct {
		a, b, c float64
		kind    string
		set     []Interval
	}{
		{1, 1, -3, "bounded", []Interval{{-1, 3}}},                // β² − 2β − 3 ≤ 0
		{1, 0, 1, "empty", []Interval{}},                          // β² + 1 ≤ 0
		{-1, 0, -1, "whole line", []Interval{{-inf, inf}}},        // −β² − 1 ≤ 0
		{-1, -1, 3, "two rays", []Interval{{-inf, -1}, {3, inf}}}, // −β² + 2β + 3 ≤ 0 ⇔ β ≤ −1 or β ≥ 3
		{0, 1, 4, "ray", []Interval{{2, inf}}},                    // −2β + 4 ≤ 0
	} {
		set, kind := quadraticSet(c.a, c.b, c.c)
		if kind != c.kind || len(set) != len(c.set) {
			t.Errorf("%v: %v (%s), want %v (%s)", c, set, kind, c.set, c.kind)
			continue
		}
		for i := range set {
			if set[i] != c.set[i] {
				t.Errorf("%v: interval %d = %v, want %v", c, i, set[i], c.set[i])
			}
		}
		for _, iv := range set {
			for _, x := range []float64{iv.Low, iv.High, (iv.Low + iv.High) / 2} {
				if !math.IsInf(x, 0) && !math.IsNaN(x) && c.a*x*x-2*c.b*x+c.c > 1e-9 {
					t.Errorf("%v: %g in the set but Q = %g > 0", c, x, c.a*x*x-2*c.b*x+c.c)
				}
			}
		}
	}
}

// TestBadIV checks the guards users ask for.
func TestBadIV(t *testing.T) {
	base := func() *Data { return cardData(t, "CARD1") }
	cases := []struct {
		name string
		mod  func(d *Data)
		opt  Options
		want string
	}{
		{"under-identified 2SLS", func(d *Data) {
			d.Endog, d.EndogNames = append(d.Endog, d.Exog[1]), append(d.EndogNames, "exper2")
			d.Exog, d.ExogNames = append(d.Exog[:1:1], d.Exog[2:]...), append(d.ExogNames[:1:1], d.ExogNames[2:]...)
		}, Options{}, "at least as many"},
		{"listed twice", func(d *Data) {
			d.Instruments, d.InstrumentNames = append(d.Instruments, d.Exog[1]), append(d.InstrumentNames, "exper")
		}, Options{}, "listed twice"},
		{"constant instrument", func(d *Data) {
			d.Instruments[0] = ones(len(d.Y))
		}, Options{}, "nearc4"},
		{"irrelevant instrument", func(d *Data) {
			d.Instruments[0] = d.Exog[1] // exper: a copy of an exogenous column
			d.InstrumentNames[0] = "exper_copy"
		}, Options{}, "exper_copy"},
		{"bad gamma", func(*Data) {}, Options{Method: Anchor, Gamma: -1}, "γ"},
		{"NaN", func(d *Data) { d.Y[5] = math.NaN() }, Options{}, "row 6"},
	}
	for _, c := range cases {
		d := base()
		c.mod(d)
		_, err := Estimate(d, c.opt)
		if !errors.Is(err, estimators.ErrInput) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want an input error mentioning %q", c.name, err, c.want)
		}
	}
	// Under-identified IVL (κ < 1) is defined.
	d := base()
	d.Endog, d.EndogNames = append(d.Endog, d.Exog[1]), append(d.EndogNames, "exper2")
	d.Exog, d.ExogNames = append(d.Exog[:1:1], d.Exog[2:]...), append(d.ExogNames[:1:1], d.ExogNames[2:]...)
	if _, err := Estimate(d, Options{Method: IVL, Alpha: 0.1}); err != nil {
		t.Errorf("under-identified IVL: %v", err)
	}
}
