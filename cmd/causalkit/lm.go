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
)

type lmFlags struct {
	commonFlags
	y             string
	x             []string
	noIntercept   bool
	vce           string
	cluster       []string
	clusterType   string
	small         bool
	dropCollinear bool
	bootstrap     int
	bootType      string
	bootCI        string
	multiplier    string
}

func newLmCmd() *cobra.Command {
	var f lmFlags
	cmd := &cobra.Command{
		Use:   "lm --data FILE --y COL --x COLS",
		Short: "Linear regression (OLS/WLS) with classical, robust, cluster and bootstrap inference",
		Long: `Linear regression of --y on --x (plus an intercept unless --no-intercept) by QR.

Inference follows --vce: unadjusted (s² = RSS/n and normal reference, as
linearmodels; with --small s² = RSS/(n−k) and t(n−k), as R's lm and Stata's
regress), hc0–hc3, or cluster (--cluster COL, or two columns for two-way
clustering; CR1 = G/(G−1)·(n−1)/(n−k) as Stata and sandwich::vcovCL, or
--cluster-type cr0g|cr2). --small uses t and F reference distributions
(t(G−1) with clusters). --bootstrap B replaces the standard errors and
intervals by bootstrap ones (pairs, cluster or wild resampling).`,
		Example: `  causalkit lm --data card.parquet --y lwage --x educ,exper,expersq,black --vce hc1
  causalkit lm --data card.csv --y lwage --x educ,exper --cluster region --format json
  causalkit lm --data card.csv --y lwage --x educ,exper --bootstrap 999 --seed 7`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return f.run(cmd) },
	}
	f.register(cmd, true)
	fs := cmd.Flags()
	fs.StringVar(&f.y, "y", "", "outcome column")
	fs.StringSliceVar(&f.x, "x", nil, "regressor columns (comma-separated or repeated)")
	fs.BoolVar(&f.noIntercept, "no-intercept", false, "fit without an intercept")
	fs.StringVar(&f.vce, "vce", "", "covariance: unadjusted, hc0, hc1, hc2, hc3 or cluster (default unadjusted; cluster when --cluster is given)")
	fs.StringSliceVar(&f.cluster, "cluster", nil, "cluster column, or two columns for two-way clustering (implies --vce cluster)")
	fs.StringVar(&f.clusterType, "cluster-type", "cr1", "cluster small-sample convention: cr1 (Stata, sandwich HC1), cr0g (G/(G−1) only, as cregg) or cr2 (Bell–McCaffrey, as clubSandwich)")
	fs.BoolVar(&f.small, "small", false, "small-sample inference: s² = RSS/(n−k), t and F reference distributions")
	fs.BoolVar(&f.dropCollinear, "drop-collinear", false, "drop regressors that are linear combinations of earlier ones (as R's lm) instead of failing")
	fs.IntVar(&f.bootstrap, "bootstrap", 0, "bootstrap replicates B (0 = analytic inference only)")
	fs.StringVar(&f.bootType, "bootstrap-type", "", "bootstrap resampling: pairs, cluster or wild (default pairs; cluster when --cluster is given)")
	fs.StringVar(&f.bootCI, "bootstrap-ci", "percentile", "bootstrap interval: percentile, basic or normal")
	fs.StringVar(&f.multiplier, "multiplier", "rademacher", "wild bootstrap weights: rademacher or mammen")
	_ = cmd.MarkFlagRequired("y")
	return cmd
}

// covOptions maps --vce, --cluster and --cluster-type to the covariance.
func (f *lmFlags) covOptions() (estimators.CovOptions, error) {
	var opt estimators.CovOptions
	opt.Small = f.small
	vce := f.vce
	if vce == "" {
		vce = "unadjusted"
		if len(f.cluster) > 0 {
			vce = "cluster"
		}
	}
	switch vce {
	case "unadjusted":
		opt.Type = estimators.Classical
	case "hc0", "hc1", "hc2", "hc3":
		opt.Type = estimators.HC0 + estimators.CovType(vce[2]-'0')
	case "cluster":
		switch f.clusterType {
		case "cr1":
			opt.Type = estimators.CR1
		case "cr0g":
			opt.Type = estimators.CR0G
		case "cr2":
			opt.Type = estimators.CR2
		default:
			return opt, usagef("--cluster-type %q: use cr1, cr0g or cr2", f.clusterType)
		}
	default:
		return opt, usagef("--vce %q: use unadjusted, hc0, hc1, hc2, hc3 or cluster", f.vce)
	}
	switch {
	case vce == "cluster" && len(f.cluster) == 0:
		return opt, usagef("--vce cluster needs --cluster COL")
	case vce != "cluster" && len(f.cluster) > 0:
		return opt, usagef("--cluster is given but --vce is %s; drop --vce or use --vce cluster", vce)
	case len(f.cluster) > 2:
		return opt, usagef("--cluster takes one column, or two for two-way clustering; got %d", len(f.cluster))
	}
	return opt, nil
}

func (f *lmFlags) run(cmd *cobra.Command) error {
	if err := f.validate(); err != nil {
		return err
	}
	var err error
	if f.x, err = expandColumns("x", f.x); err != nil {
		return err
	}
	if len(f.x) == 0 && f.noIntercept {
		return usagef("--x is empty and --no-intercept is set: the model has no regressors")
	}
	covOpt, err := f.covOptions()
	if err != nil {
		return err
	}
	boot, interval, err := parseBoot(f.bootstrap, f.bootType, f.bootCI, f.multiplier, len(f.cluster))
	if err != nil {
		return err
	}

	numeric := append([]string{f.y}, f.x...)
	if f.weights != "" {
		numeric = append(numeric, f.weights)
	}
	frame, input, release, err := f.load(cmd, numeric, f.cluster)
	if err != nil {
		return err
	}
	defer release()

	var x [][]float64
	var names []string
	if !f.noIntercept {
		ones := make([]float64, frame.N)
		for i := range ones {
			ones[i] = 1
		}
		x, names = append(x, ones), append(names, "(Intercept)")
	}
	for _, c := range f.x {
		x, names = append(x, frame.Float64(c)), append(names, c)
	}
	lsOpt := estimators.LSOptions{DropCollinear: f.dropCollinear}
	if f.weights != "" {
		lsOpt.Weights = frame.Float64(f.weights)
	}
	ls, err := estimators.WLS(x, frame.Float64(f.y), names, lsOpt)
	if err != nil {
		if strings.Contains(err.Error(), "rank deficient") {
			return fmt.Errorf("lm: %w (--drop-collinear drops such columns)", err)
		}
		return fmt.Errorf("lm: %w", err)
	}
	var clusterCodes [][]int
	for _, c := range f.cluster {
		codes, _ := frame.Codes(c)
		clusterCodes = append(clusterCodes, codes)
	}
	if len(clusterCodes) > 0 {
		covOpt.Cluster = clusterCodes[0]
	}
	if len(clusterCodes) > 1 {
		covOpt.Cluster2 = clusterCodes[1]
	}
	cov, err := ls.Cov(covOpt)
	if err != nil {
		return fmt.Errorf("lm: %w", err)
	}
	dist := estimators.Normal
	if f.small {
		dist.DF = float64(ls.DFResid())
		if cov.Groups > 0 {
			dist.DF = float64(cov.Groups - 1)
		}
	}
	level := f.level / 100
	rows := estimators.Tidy(names, ls.Coef, cov.SE(ls), dist, level)

	res := &result{
		Command:     "lm",
		Method:      "ols",
		N:           ls.N,
		Diagnostics: map[string]any{},
		Provenance:  estimators.NewProvenance(Version(), f.seed, optionsOf(cmd)),
		title:       "OLS Estimation Summary",
		statCol:     "T-stat",
	}
	if f.weights != "" {
		res.Method, res.title = "wls", "WLS Estimation Summary"
	}
	if dist.DF == 0 {
		res.statCol = "Z-stat"
	}
	res.Provenance.Input = &input

	if f.bootstrap > 0 {
		boot.BootOptions = estimators.BootOptions{Reps: f.bootstrap, Seed: f.seed, Workers: f.workers}
		if len(clusterCodes) > 0 {
			boot.Cluster = clusterCodes[0]
		}
		step, done := f.progress(cmd, f.bootstrap, "bootstrap")
		boot.Progress = step
		reps, failed, err := ls.Bootstrap(cmd.Context(), boot)
		done()
		if err != nil {
			return fmt.Errorf("lm: bootstrap: %w", err)
		}
		applyBootstrap(rows, ls.Coef, reps, level, interval)
		// The Wald test below then uses the bootstrap covariance.
		if cov.V, err = estimators.ReplicateCov(reps, ls.Kept); err != nil {
			return fmt.Errorf("lm: bootstrap: %w", err)
		}
		res.statCol = "Z-stat"
		res.Diagnostics["bootstrap"] = map[string]any{
			"replicates": f.bootstrap, "failed": failed, "type": boot.Scheme.String(), "interval": interval.String(),
		}
		if failed > 0 {
			f.notef(cmd, "%d of %d bootstrap replicates failed (rank-deficient resamples) and were left out", failed, f.bootstrap)
		}
	}
	res.Estimates = rows

	// Overall test that every slope is zero, with the chosen covariance.
	overall := math.NaN()
	var test estimators.Test
	slopes := slices.DeleteFunc(slices.Clone(ls.Kept), func(j int) bool { return names[j] == "(Intercept)" })
	if len(slopes) > 0 {
		b := make([]float64, ls.Rank)
		for a, j := range ls.Kept {
			b[a] = ls.Coef[j]
		}
		rm := mat.NewDense(len(slopes), ls.Rank, nil)
		for r, j := range slopes {
			rm.Set(r, slices.Index(ls.Kept, j), 1)
		}
		if t, err := estimators.Wald(b, cov.V, rm, nil); err == nil {
			test = t
			if f.small {
				test = t.AsF(dist.DF)
			}
			overall = test.Statistic
		}
	}
	k := float64(ls.Rank)
	n := float64(ls.N)
	r2 := ls.R2()
	adj := 1 - (1-r2)*(n-1)/(n-k)
	if !ls.HasIntercept() {
		adj = 1 - (1-r2)*n/(n-k)
	}
	d := res.Diagnostics
	d["r2"], d["adj_r2"], d["rss"] = r2, adj, ls.RSS
	d["df_resid"], d["df_model"] = ls.DFResid(), ls.Rank-btoi(ls.HasIntercept())
	d["vce"] = cov.Type.String()
	d["distribution"] = dist.String()
	d["wald_test"] = test
	if cov.Groups > 0 {
		d["clusters"] = cov.Groups
	}
	if len(ls.Dropped) > 0 {
		d["dropped_collinear"] = ls.Dropped
		f.notef(cmd, "dropped collinear regressors: %s", strings.Join(ls.Dropped, ", "))
	}

	covName := cov.Type.String()
	if cov.Type == estimators.Classical {
		covName = "unadjusted"
	}
	if f.bootstrap > 0 {
		covName = "bootstrap"
	}
	res.summary = [][2]string{
		{"Dep. Variable", f.y},
		{"Estimator", strings.ToUpper(res.Method)},
		{"No. Observations", strconv.Itoa(ls.N)},
		{"Cov. Estimator", covName},
		{"Distribution", dist.String()},
		{"R-squared", num(r2, 4)},
		{"Adj. R-squared", num(adj, 4)},
		{"Wald statistic", num(overall, 4)},
		{"P-value (Wald)", pval(test.PValue)},
		{"Wald distribution", testDist(test)},
	}
	if cov.Groups > 0 {
		res.summary = append(res.summary, [2]string{"No. Clusters", strconv.Itoa(cov.Groups)})
	}
	if f.bootstrap > 0 {
		res.notes = append(res.notes, fmt.Sprintf("Std. errors and %s intervals from %d %s bootstrap replicates (seed %d).",
			interval, f.bootstrap, boot.Scheme, f.seed))
	}
	return f.emit(cmd, res)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// testDist names the reference distribution of a test: chi2(q) or F(q,df).
func testDist(t estimators.Test) string {
	switch {
	case t.DF1 == 0:
		return "—"
	case t.DF2 == 0:
		return fmt.Sprintf("chi2(%g)", t.DF1)
	}
	return fmt.Sprintf("F(%g,%g)", t.DF1, t.DF2)
}

// parseBoot checks the bootstrap flags shared by lm and iv.
func parseBoot(reps int, typ, ci, mult string, clusters int) (estimators.LSBootOptions, estimators.Interval, error) {
	var boot estimators.LSBootOptions
	if reps < 0 {
		return boot, 0, usagef("--bootstrap %d: give a positive number of replicates, or 0 for none", reps)
	}
	interval, err := estimators.ParseInterval(ci)
	if err != nil {
		return boot, 0, usageError{fmt.Errorf("--bootstrap-ci: %w", err)}
	}
	if reps == 0 {
		return boot, interval, nil
	}
	if typ == "" {
		typ = "pairs"
		if clusters > 0 {
			typ = "cluster"
		}
	}
	if boot.Scheme, err = estimators.ParseResampling(typ); err != nil {
		return boot, 0, usageError{fmt.Errorf("--bootstrap-type: %w", err)}
	}
	if boot.Scheme == estimators.ClusterPairs && clusters != 1 {
		return boot, 0, usagef("--bootstrap-type cluster needs exactly one --cluster column")
	}
	if boot.Multiplier, err = estimators.ParseMultiplier(mult); err != nil || boot.Multiplier == estimators.Gaussian {
		return boot, 0, usagef("--multiplier %q: use rademacher or mammen", mult)
	}
	return boot, interval, nil
}

// applyBootstrap replaces the standard errors, statistics, p-values and
// intervals of rows by bootstrap ones.
func applyBootstrap(rows []estimators.Row, est []float64, reps *mat.Dense, level float64, interval estimators.Interval) {
	s := estimators.Summarize(est, reps, level, interval)
	for j := range rows {
		rows[j].StdError = s.SE[j]
		rows[j].Statistic = est[j] / s.SE[j]
		rows[j].PValue = estimators.Normal.PValue(rows[j].Statistic)
		rows[j].ConfLow, rows[j].ConfHigh = s.Low[j], s.High[j]
	}
}
