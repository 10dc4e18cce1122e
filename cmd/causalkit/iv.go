package main

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"gonum.org/v1/gonum/mat"

	"github.com/causalkit/causalkit/estimators"
	"github.com/causalkit/causalkit/internal/linstream"
	"github.com/causalkit/causalkit/iv"
)

type ivFlags struct {
	commonFlags
	inferenceFlags
	streamFlags
	y, method                 string
	endog, exog, instruments  []string
	noIntercept               bool
	fullerAlpha, kappa, gamma float64
	alpha                     float64
	alphaSelect               string
	alphaGrid                 []float64
	alphaEval                 []string
}

func newIVCmd() *cobra.Command {
	var f ivFlags
	cmd := &cobra.Command{
		Use:   "iv --data FILE --y COL --endog COLS --instruments COLS [--exog COLS]",
		Short: "Instrumental variables: 2SLS, LIML, Fuller, k-class, anchor and IVL regression with diagnostics",
		Long: `Linear IV regression of --y on the endogenous --endog and exogenous --exog regressors
(plus an intercept), with the excluded --instruments.

--method 2sls (default), ols, liml, fuller (--fuller-alpha 1), kclass (--kappa),
anchor (--gamma: ‖y−Xb‖² + (γ−1)‖P_Z(y−Xb)‖²), ivl (--alpha: ‖P_Z(y−Xb)‖² + α‖y−Xb‖²).
Inference as Stata's ivregress and linearmodels: --vce unadjusted (default; s² = RSS/n
and normal inference, or RSS/(n−k) and t with --small), hc0–hc3, cluster (--cluster COL;
no factor, or G/(G−1)·(n−1)/(n−k) with --small). Robust scores use P_Z X. Anchor and IVL
have no analytic standard errors: use --bootstrap B (pairs, cluster or wild refits).

The diagnostics block reports per-endogenous first-stage F (classical, or Wald/q with the
chosen robust covariance), partial and Shea partial R², Cragg–Donald, Sargan and Basmann
(Hansen's J when robust), Wu–Hausman and Durbin, and the Anderson–Rubin test with its
confidence set (a bounded interval, two rays, the whole line, or empty).`,
		Example: `  causalkit iv --data card.csv --y lwage --endog educ --instruments nearc4 \
      --exog exper,expersq,black,smsa,south,smsa66 --vce hc1 --small
  causalkit iv --data card.csv --y lwage --endog educ --instruments nearc2,nearc4 --method liml
  causalkit iv --data card.csv --y lwage --endog educ --instruments nearc4 --method ivl --alpha 0.01 --bootstrap 999`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return f.run(cmd) },
	}
	f.commonFlags.register(cmd, true)
	f.streamFlags.register(cmd)
	fs := cmd.Flags()
	fs.StringVar(&f.y, "y", "", "outcome column")
	fs.StringSliceVar(&f.endog, "endog", nil, "endogenous regressors")
	fs.StringSliceVar(&f.instruments, "instruments", nil, "excluded instruments")
	fs.StringSliceVar(&f.exog, "exog", nil, "exogenous regressors (also instruments)")
	fs.BoolVar(&f.noIntercept, "no-intercept", false, "no intercept")
	fs.StringVar(&f.method, "method", "2sls", "ols, 2sls, liml, fuller, kclass, anchor or ivl")
	fs.Float64Var(&f.fullerAlpha, "fuller-alpha", 1, "Fuller's a")
	fs.Float64Var(&f.kappa, "kappa", math.NaN(), "κ for --method kclass")
	fs.Float64Var(&f.gamma, "gamma", math.NaN(), "anchor strength γ ≥ 0 for --method anchor")
	fs.Float64Var(&f.alpha, "alpha", math.NaN(), "IVL regularisation α > 0 for --method ivl")
	fs.StringVar(&f.alphaSelect, "alpha-select", "", "choose the IVL α: cv (hold-out R²), levelcv (left-out levels of the discretised instruments) or cc (confounder correction)")
	fs.Float64SliceVar(&f.alphaGrid, "alpha-grid", nil, "candidate α for --alpha-select (default: 10 log-uniform draws on [1e-4, 1])")
	fs.StringSliceVar(&f.alphaEval, "alpha-eval", nil, "un-augmented regressors, one per --endog column, on which --alpha-select scores predictions (default: the --endog columns)")
	f.inferenceFlags.register(cmd, "small-sample corrections and t/F reference distributions, as Stata's small")
	for _, name := range []string{"y", "endog", "instruments"} {
		_ = cmd.MarkFlagRequired(name)
	}
	return cmd
}

// options maps the method flags to iv.Options.
func (f *ivFlags) options() (iv.Options, error) {
	m, err := iv.ParseMethod(f.method)
	if err != nil {
		return iv.Options{}, usageError{fmt.Errorf("--method: %w", err)}
	}
	opt := iv.Options{Method: m, FullerAlpha: f.fullerAlpha}
	need := func(flag string, v float64) (float64, error) {
		if math.IsNaN(v) {
			return 0, usagef("--method %s needs --%s", f.method, flag)
		}
		return v, nil
	}
	switch m {
	case iv.KClass:
		opt.Kappa, err = need("kappa", f.kappa)
	case iv.Anchor:
		opt.Gamma, err = need("gamma", f.gamma)
	case iv.IVL:
		if f.alphaSelect != "" {
			if !math.IsNaN(f.alpha) {
				return opt, usagef("give --alpha or --alpha-select, not both")
			}
			opt.Alpha = 1 // replaced by the selected α
		} else {
			opt.Alpha, err = need("alpha", f.alpha)
		}
	}

	if err != nil {
		return opt, err
	}
	if err := opt.Validate(); err != nil {
		return opt, usageError{err}
	}
	return opt, nil
}

func (f *ivFlags) run(cmd *cobra.Command) error {
	if err := f.validate(); err != nil {
		return err
	}
	for _, l := range []struct {
		flag string
		cols *[]string
	}{{"endog", &f.endog}, {"exog", &f.exog}, {"instruments", &f.instruments}, {"alpha-eval", &f.alphaEval}} {
		var err error
		if *l.cols, err = expandColumns(l.flag, *l.cols); err != nil {
			return err
		}
	}
	var sel iv.SelectOptions
	if f.alphaSelect != "" {
		if f.method != "ivl" {
			return usagef("--alpha-select needs --method ivl")
		}
		var err error
		if sel.Selector, err = iv.ParseSelector(f.alphaSelect); err != nil || sel.Selector == iv.FixedAlpha {
			return usagef("--alpha-select %q: use cv, levelcv or cc", f.alphaSelect)
		}
		if len(f.exog) > 0 || !f.noIntercept {
			return usagef("--alpha-select works in the paper's setting without intercept or --exog (centre the data); add --no-intercept and drop --exog")
		}
		if f.alphaEval == nil {
			f.alphaEval = f.endog
		}
		if len(f.alphaEval) != len(f.endog) {
			return usagef("--alpha-eval names %d columns for %d --endog columns", len(f.alphaEval), len(f.endog))
		}
		for _, a := range f.alphaGrid {
			if !(a > 0) || math.IsInf(a, 0) {
				return usagef("--alpha-grid: %g is not a positive finite α", a)
			}
		}
		sel.Grid, sel.Seed = f.alphaGrid, f.seed
	}
	opt, err := f.options()
	if err != nil {
		return err
	}
	// Stata's ivregress: cluster errors carry no factor without --small.
	crType := estimators.CR0
	if f.small {
		crType = estimators.CR1
	}
	covOpt, err := f.covOptions(crType)
	if err != nil {
		return err
	}
	if err := f.prepareBoot(); err != nil {
		return err
	}
	model := &linstream.Model{Y: f.y, Intercept: !f.noIntercept, Exog: f.exog, Endog: f.endog, Instruments: f.instruments, Weights: f.weights}
	st, err := f.streamFlags.streamer(cmd, &f.commonFlags, len(model.Numeric())+len(f.cluster))
	if err != nil {
		return err
	}
	var (
		fit          *iv.Fit
		cov          *estimators.Covariance
		input        estimators.Input
		path         []iv.AlphaScore
		streamReps   *mat.Dense // a streamed bootstrap
		streamFailed int
		streamDiag   []*estimators.Meat // the streamed robust diagnostics' meats
	)
	if st != nil {
		if err := f.streamable(); err != nil {
			return err
		}
		if f.alphaSelect != "" {
			return usagef("--alpha-select needs the data in memory; choose α on a sample and stream with --alpha")
		}
		if len(f.cluster) > 0 {
			model.Cluster = f.cluster[0]
		}
		wild, rs := f.streamBoot(f.seed)
		sf, err := streamLinear(st, f.data, model, opt, covOpt.Type, wild, rs, true)
		if err != nil {
			return err
		}
		fit, cov, input, streamReps, streamFailed, streamDiag = sf.fit, sf.cov, sf.input, sf.reps, sf.failed, sf.diag
	} else {
		frame, in, release, err := f.load(cmd, slices.Concat(model.Numeric(), f.alphaEval), f.cluster)
		if err != nil {
			return err
		}
		defer release()
		input = in
		d := model.Data(frame)
		f.attachClusters(frame, &covOpt)
		if f.alphaSelect != "" {
			eval := make([][]float64, len(f.alphaEval))
			for j, c := range f.alphaEval {
				eval[j] = frame.Float64(c)
			}
			if opt.Alpha, path, err = iv.SelectAlpha(eval, d.Endog, d.Instruments, d.Y, sel); err != nil {
				return err
			}
		}
		if fit, err = iv.Estimate(d, opt); err != nil {
			return err
		}
		if fit.HasAnalyticSE() {
			if cov, err = fit.Cov(covOpt); err != nil {
				return fmt.Errorf("iv: %w", err)
			}
		}
	}
	level := f.level / 100
	k := len(fit.Coef)
	se := make([]float64, k)
	for j := range se {
		se[j] = math.NaN()
	}
	dist := estimators.Normal
	if cov != nil {
		se = iv.SE(cov)
		if f.small {
			dist.DF = float64(fit.N - k)
			if cov.Groups > 0 {
				dist.DF = float64(cov.Groups - 1)
			}
		}
	}
	rows := estimators.Tidy(fit.Names, fit.Coef, se, dist, level)
	res := &result{
		Command:     "iv",
		Method:      fit.Method.String(),
		N:           fit.N,
		Diagnostics: map[string]any{},
		Provenance:  estimators.NewProvenance(Version(), f.seed, optionsOf(cmd)),
		title:       strings.ToUpper(fit.Method.String()) + " Estimation Summary",
		statCol:     "T-stat",
	}
	if dist.DF == 0 {
		res.statCol = "Z-stat"
	}
	res.Provenance.Input = &input
	if f.bootstrap > 0 {
		_, err := f.runBootstrap(cmd, &f.commonFlags, res, rows, fit.Coef, func(b estimators.LSBootOptions) (*mat.Dense, int, error) {
			if streamReps != nil {
				return streamReps, streamFailed, nil
			}
			return fit.Bootstrap(cmd.Context(), opt, iv.BootOptions{BootOptions: b.BootOptions, Scheme: b.Scheme, Cluster: b.Cluster, Multiplier: b.Multiplier})
		})
		if err != nil {
			return err
		}
	} else if !fit.HasAnalyticSE() {
		f.notef(cmd, "%s has no analytic standard errors; add --bootstrap B for standard errors and intervals", fit.Method)
		res.notes = append(res.notes, fmt.Sprintf("%s has no analytic standard errors; use --bootstrap B.", fit.Method))
	}
	res.Estimates = rows

	var diag *iv.Diagnostics
	switch {
	case streamDiag != nil:
		diag, err = fit.DiagnoseMeats(streamDiag, level)
	case st != nil && covOpt.Type != estimators.Classical:
		// A streamed method without analytic errors (anchor, IVL) has no
		// second pass to carry the robust diagnostics' meats.
		res.notes = append(res.notes, "Streamed: the diagnostics use the classical covariance.")
		res.Diagnostics["diagnostics_vce"] = "unadjusted"
		diag, err = fit.Diagnose(estimators.CovOptions{Type: estimators.Classical, Small: covOpt.Small}, level)
	default:
		diag, err = fit.Diagnose(covOpt, level)
	}
	if err != nil {
		return fmt.Errorf("iv: diagnostics: %w", err)
	}
	dm := res.Diagnostics
	dm["first_stage"] = diag.FirstStage
	dm["cragg_donald"] = diag.CraggDonald
	if diag.KleibergenPaap != nil {
		dm["kleibergen_paap"] = diag.KleibergenPaap
	}
	if diag.Sargan != nil {
		dm["sargan"], dm["basmann"] = diag.Sargan, diag.Basmann
	}
	if diag.HansenJ != nil {
		dm["hansen_j"] = diag.HansenJ
	}
	dm["wu_hausman"], dm["durbin"] = diag.WuHausman, diag.Durbin
	dm["anderson_rubin"] = diag.AndersonRubin
	if fit.Method != iv.OLS && fit.Method != iv.TSLS {
		dm["kappa"] = fit.Kappa
	}
	if !math.IsNaN(fit.KappaLIML) {
		dm["kappa_liml"] = fit.KappaLIML
	}
	if opt.Method == iv.IVL {
		dm["alpha"] = opt.Alpha
	}
	if path != nil {
		dm["alpha_select"] = f.alphaSelect
		dm["alpha_path"] = path
	}
	covName := "unadjusted"
	if cov != nil && cov.Type != estimators.Classical {
		covName = cov.Type.String()
	}
	if f.bootstrap > 0 {
		covName = "bootstrap"
	}
	res.summary = [][2]string{
		{"Dep. Variable", f.y},
		{"Estimator", strings.ToUpper(fit.Method.String())},
		{"No. Observations", strconv.Itoa(fit.N)},
		{"Cov. Estimator", covName},
		{"Distribution", dist.String()},
		{"Endogenous", strings.Join(f.endog, ",")},
		{"Instruments", strings.Join(f.instruments, ",")},
	}
	if opt.Method != iv.OLS && opt.Method != iv.TSLS {
		res.summary = append(res.summary, [2]string{"Kappa", num(fit.Kappa, 6)})
	}
	if opt.Method == iv.IVL {
		a := num(opt.Alpha, 6)
		if path != nil {
			a += " (" + f.alphaSelect + ")"
		}
		res.summary = append(res.summary, [2]string{"Alpha", a})
	}
	res.notes = append(res.notes, ivDiagnosticsText(diag))
	return f.emit(cmd, res)
}

// ivDiagnosticsText renders the diagnostics block of the table output.
func ivDiagnosticsText(d *iv.Diagnostics) string {
	var b strings.Builder
	b.WriteString("Diagnostics\n" + strings.Repeat("-", 80) + "\n")
	for _, fs := range d.FirstStage {
		fmt.Fprintf(&b, "First stage %-14s F(%g,%g) = %s  p = %s  partial R² = %s  Shea R² = %s\n",
			fs.Term+":", fs.DF1, fs.DF2, num(fs.FStat, 4), pval(fs.PValue), num(fs.PartialR2, 4), num(fs.SheaPartialR2, 4))
	}
	fmt.Fprintf(&b, "Cragg–Donald min. eigenvalue F: %s\n", num(d.CraggDonald.Statistic, 4))
	if d.KleibergenPaap != nil {
		fmt.Fprintf(&b, "Kleibergen–Paap rk Wald F: %s\n", num(d.KleibergenPaap.Statistic, 4))
	}
	test := func(name string, t *estimators.Test) {
		if t != nil {
			fmt.Fprintf(&b, "%-28s %s = %s  p = %s\n", name+":", testDist(*t), num(t.Statistic, 4), pval(t.PValue))
		}
	}
	test("Sargan", d.Sargan)
	test("Basmann", d.Basmann)
	test("Hansen J", d.HansenJ)
	test("Wu–Hausman", &d.WuHausman)
	test("Durbin", &d.Durbin)
	test("Anderson–Rubin (β_D = 0)", &d.AndersonRubin.Test)
	if d.AndersonRubin.Kind != "" {
		var sets []string
		for _, iv := range d.AndersonRubin.ConfSet {
			sets = append(sets, "["+num(iv.Low, 6)+", "+num(iv.High, 6)+"]")
		}
		if len(sets) == 0 {
			sets = []string{"∅"}
		}
		fmt.Fprintf(&b, "Anderson–Rubin confidence set: %s (%s)\n", strings.Join(sets, " ∪ "), d.AndersonRubin.Kind)
	}
	return strings.TrimRight(b.String(), "\n")
}
