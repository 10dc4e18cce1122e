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

type lmFlags struct {
	commonFlags
	inferenceFlags
	streamFlags
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
	f.streamFlags.register(cmd)
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

	model := &linstream.Model{Y: f.y, Intercept: !f.noIntercept, Exog: f.x, Weights: f.weights}
	st, err := f.streamFlags.streamer(cmd, &f.commonFlags, len(model.Numeric())+len(f.cluster))
	if err != nil {
		return err
	}
	var (
		fit   lmFit
		ls    *estimators.LS
		cov   *estimators.Covariance
		input estimators.Input
		// streamReps are the replicates of a streamed bootstrap.
		streamReps   *mat.Dense
		streamFailed int
	)
	if st != nil {
		if err := f.streamable(); err != nil {
			return err
		}
		if f.dropCollinear {
			return usagef("--drop-collinear needs the data in memory; drop the collinear columns from --x")
		}
		if len(f.cluster) > 0 {
			model.Cluster = f.cluster[0]
		}
		wild, rs := f.streamBoot(f.seed)
		sf, err := streamLinear(st, f.data, model, iv.Options{Method: iv.OLS}, covOpt.Type, wild, rs, false)
		if err != nil {
			return fmt.Errorf("lm: %w", err)
		}
		ivFit := sf.fit
		cov, input, streamReps, streamFailed = sf.cov, sf.input, sf.reps, sf.failed
		fit = lmFit{names: ivFit.Names, coef: ivFit.Coef, se: iv.SE(cov), kept: allColumns(len(ivFit.Coef)), n: ivFit.N,
			rss: ivFit.RSS, tss: ivFit.TotalSS(model.Intercept), intercept: model.Intercept}
	} else {
		frame, in, release, err := f.load(cmd, model.Numeric(), f.cluster)
		if err != nil {
			return err
		}
		defer release()
		input = in
		d := model.Data(frame)
		lsOpt := estimators.LSOptions{DropCollinear: f.dropCollinear, Weights: d.Weights}
		if ls, err = estimators.WLS(d.Exog, d.Y, d.ExogNames, lsOpt); err != nil {
			if strings.Contains(err.Error(), "rank deficient") {
				return fmt.Errorf("lm: %w (--drop-collinear drops such columns)", err)
			}
			return fmt.Errorf("lm: %w", err)
		}
		f.attachClusters(frame, &covOpt)
		if cov, err = ls.Cov(covOpt); err != nil {
			return fmt.Errorf("lm: %w", err)
		}
		fit = lmFit{names: d.ExogNames, coef: ls.Coef, se: cov.SE(ls), kept: ls.Kept, n: ls.N, rss: ls.RSS, tss: ls.TSS,
			intercept: ls.HasIntercept(), dropped: ls.Dropped}
	}
	names := fit.names
	rank := len(fit.kept)
	dist := estimators.Normal
	if f.small {
		dist.DF = float64(fit.n - rank)
		if cov.Groups > 0 {
			dist.DF = float64(cov.Groups - 1)
		}
	}
	level := f.level / 100
	rows := estimators.Tidy(names, fit.coef, fit.se, dist, level)

	res := &result{
		Command:     "lm",
		Method:      "ols",
		N:           fit.n,
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
		reps, err := f.runBootstrap(cmd, &f.commonFlags, res, rows, fit.coef, func(b estimators.LSBootOptions) (*mat.Dense, int, error) {
			if streamReps != nil {
				return streamReps, streamFailed, nil
			}
			return ls.Bootstrap(cmd.Context(), b)
		})
		if err != nil {
			return err
		}
		// The Wald test below then uses the bootstrap covariance.
		if cov.V, err = estimators.ReplicateCov(reps, fit.kept); err != nil {
			return fmt.Errorf("lm: bootstrap: %w", err)
		}
	}
	res.Estimates = rows

	// Overall test that every slope is zero, with the chosen covariance.
	overall := math.NaN()
	var test estimators.Test
	slopes := slices.DeleteFunc(slices.Clone(fit.kept), func(j int) bool { return names[j] == "(Intercept)" })
	if len(slopes) > 0 {
		b := make([]float64, rank)
		for a, j := range fit.kept {
			b[a] = fit.coef[j]
		}
		rm := mat.NewDense(len(slopes), rank, nil)
		for r, j := range slopes {
			rm.Set(r, slices.Index(fit.kept, j), 1)
		}
		if t, err := estimators.Wald(b, cov.V, rm, nil); err == nil {
			test = t
			if f.small {
				test = t.AsF(dist.DF)
			}
			overall = test.Statistic
		}
	}
	k := float64(rank)
	n := float64(fit.n)
	r2 := 1 - fit.rss/fit.tss
	adj := 1 - (1-r2)*(n-1)/(n-k)
	if !fit.intercept {
		adj = 1 - (1-r2)*n/(n-k)
	}
	d := res.Diagnostics
	d["r2"], d["adj_r2"], d["rss"] = r2, adj, fit.rss
	d["df_resid"], d["df_model"] = fit.n-rank, rank-btoi(fit.intercept)
	d["vce"] = cov.Type.String()
	d["distribution"] = dist.String()
	d["wald_test"] = test
	if cov.Groups > 0 {
		d["clusters"] = cov.Groups
	}
	if len(fit.dropped) > 0 {
		d["dropped_collinear"] = fit.dropped
		f.notef(cmd, "dropped collinear regressors: %s", strings.Join(fit.dropped, ", "))
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
		{"No. Observations", strconv.Itoa(fit.n)},
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

// lmFit is what the lm output needs of a fit, in memory or streamed.
type lmFit struct {
	names     []string
	coef, se  []float64
	kept      []int // the columns estimated (not dropped as collinear)
	n         int
	rss, tss  float64
	intercept bool
	dropped   []string
}

// allColumns returns 0, 1, …, k−1.
func allColumns(k int) []int {
	s := make([]int, k)
	for i := range s {
		s[i] = i
	}
	return s
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
