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
	inferenceFlags
	y             string
	x             []string
	noIntercept   bool
	clusterType   string
	dropCollinear bool
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
	f.commonFlags.register(cmd, true)
	fs := cmd.Flags()
	fs.StringVar(&f.y, "y", "", "outcome column")
	fs.StringSliceVar(&f.x, "x", nil, "regressor columns (comma-separated or repeated)")
	fs.BoolVar(&f.noIntercept, "no-intercept", false, "fit without an intercept")
	fs.StringVar(&f.clusterType, "cluster-type", "cr1", "cluster small-sample convention: cr1 (Stata, sandwich HC1), cr0g (G/(G−1) only, as cregg) or cr2 (Bell–McCaffrey, as clubSandwich)")
	fs.BoolVar(&f.dropCollinear, "drop-collinear", false, "drop regressors that are linear combinations of earlier ones (as R's lm) instead of failing")
	f.inferenceFlags.register(cmd, "small-sample inference: s² = RSS/(n−k), t and F reference distributions")
	_ = cmd.MarkFlagRequired("y")
	return cmd
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
	crType, ok := map[string]estimators.CovType{"cr1": estimators.CR1, "cr0g": estimators.CR0G, "cr2": estimators.CR2}[f.clusterType]
	if !ok {
		return usagef("--cluster-type %q: use cr1, cr0g or cr2", f.clusterType)
	}
	covOpt, err := f.covOptions(crType)
	if err != nil {
		return err
	}
	if err := f.prepareBoot(); err != nil {
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
		x, names = append(x, ones(frame.N)), append(names, "(Intercept)")
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
	f.attachClusters(frame, &covOpt)
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
		reps, err := f.runBootstrap(cmd, &f.commonFlags, res, rows, ls.Coef, func(b estimators.LSBootOptions) (*mat.Dense, int, error) {
			return ls.Bootstrap(cmd.Context(), b)
		})
		if err != nil {
			return err
		}
		// The Wald test below then uses the bootstrap covariance.
		if cov.V, err = estimators.ReplicateCov(reps, ls.Kept); err != nil {
			return fmt.Errorf("lm: bootstrap: %w", err)
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
