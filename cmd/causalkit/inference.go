package main

import (
	"fmt"

	"github.com/spf13/cobra"
	"gonum.org/v1/gonum/mat"

	"github.com/causalkit/causalkit/estimators"
	"github.com/causalkit/causalkit/internal/linstream"
	ckio "github.com/causalkit/causalkit/io"
)

// inferenceFlags are the covariance and bootstrap flags that lm and iv
// share.
type inferenceFlags struct {
	vce        string
	cluster    []string
	small      bool
	bootstrap  int
	bootType   string
	bootCI     string
	multiplier string

	// Set by prepare.
	boot     estimators.LSBootOptions
	interval estimators.Interval
	codes    [][]int // cluster codes, one slice per --cluster column
}

func (f *inferenceFlags) register(cmd *cobra.Command, small string) {
	fs := cmd.Flags()
	fs.StringVar(&f.vce, "vce", "", "covariance: unadjusted, hc0, hc1, hc2, hc3 or cluster (default unadjusted; cluster when --cluster is given)")
	fs.StringSliceVar(&f.cluster, "cluster", nil, "cluster column, or two columns for two-way clustering (implies --vce cluster)")
	fs.BoolVar(&f.small, "small", false, small)
	fs.IntVar(&f.bootstrap, "bootstrap", 0, "bootstrap replicates B (0 = analytic inference only)")
	fs.StringVar(&f.bootType, "bootstrap-type", "", "bootstrap resampling: pairs, cluster or wild (default pairs; cluster when --cluster is given)")
	fs.StringVar(&f.bootCI, "bootstrap-ci", "percentile", "bootstrap interval: percentile, basic or normal")
	fs.StringVar(&f.multiplier, "multiplier", "rademacher", "wild bootstrap weights: rademacher or mammen")
}

// covOptions maps --vce, --cluster and --small to a covariance; cluster is
// the estimator that --vce cluster means for the command.
func (f *inferenceFlags) covOptions(cluster estimators.CovType) (estimators.CovOptions, error) {
	opt := estimators.CovOptions{Small: f.small}
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
		opt.Type = cluster
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

// prepareBoot checks the bootstrap flags before any work.
func (f *inferenceFlags) prepareBoot() error {
	if f.bootstrap < 0 {
		return usagef("--bootstrap %d: give a positive number of replicates, or 0 for none", f.bootstrap)
	}
	var err error
	if f.interval, err = estimators.ParseInterval(f.bootCI); err != nil {
		return usageError{fmt.Errorf("--bootstrap-ci: %w", err)}
	}
	if f.bootstrap == 0 {
		return nil
	}
	typ := f.bootType
	if typ == "" {
		typ = "pairs"
		if len(f.cluster) > 0 {
			typ = "cluster"
		}
	}
	if f.boot.Scheme, err = estimators.ParseResampling(typ); err != nil {
		return usageError{fmt.Errorf("--bootstrap-type: %w", err)}
	}
	if f.boot.Scheme == estimators.ClusterPairs && len(f.cluster) != 1 {
		return usagef("--bootstrap-type cluster needs exactly one --cluster column")
	}
	if f.boot.Multiplier, err = estimators.ParseMultiplier(f.multiplier); err != nil || f.boot.Multiplier == estimators.Gaussian {
		return usagef("--multiplier %q: use rademacher or mammen", f.multiplier)
	}
	return nil
}

// streamable rejects the inference options that a streamed fit (see
// streamFlags) does not offer.
func (f *inferenceFlags) streamable() error {
	if len(f.cluster) > 1 {
		return usagef("two-way clustering needs the data in memory; raise --memory-limit")
	}
	return nil
}

// streamBoot returns the bootstrap a streamed fit accumulates (nil, nil
// without --bootstrap): the wild bootstrap's multipliers, or for pairs and
// cluster resampling Poisson(1) weights, each a counter-based hash of
// (seed, replicate, row or cluster).
func (f *inferenceFlags) streamBoot(seed uint64) (*linstream.Wild, *linstream.Resample) {
	switch {
	case f.bootstrap == 0:
		return nil, nil
	case f.boot.Scheme == estimators.Wild:
		return &linstream.Wild{Reps: f.bootstrap, Seed: seed, Mult: f.boot.Multiplier}, nil
	}
	return nil, &linstream.Resample{Reps: f.bootstrap, Seed: seed, ByCluster: f.boot.Scheme == estimators.ClusterPairs}
}

// attachClusters reads the cluster codes from the frame into opt.
func (f *inferenceFlags) attachClusters(frame *ckio.Frame, opt *estimators.CovOptions) {
	for _, c := range f.cluster {
		codes, _ := frame.Codes(c)
		f.codes = append(f.codes, codes)
	}
	if len(f.codes) > 0 {
		opt.Cluster = f.codes[0]
	}
	if len(f.codes) > 1 {
		opt.Cluster2 = f.codes[1]
	}
}

// runBootstrap draws the replicates with reps (given the bootstrap options
// with seed, workers, progress and cluster filled in), replaces the rows'
// inference by bootstrap inference, and records the run in res.
func (f *inferenceFlags) runBootstrap(cmd *cobra.Command, c *commonFlags, res *result, rows []estimators.Row, est []float64,
	reps func(estimators.LSBootOptions) (*mat.Dense, int, error)) (*mat.Dense, error) {
	b := f.boot
	b.BootOptions = estimators.BootOptions{Reps: f.bootstrap, Seed: c.seed, Workers: c.workers}
	if len(f.codes) > 0 {
		b.Cluster = f.codes[0]
	}
	step, done := c.progress(cmd, f.bootstrap, "bootstrap")
	b.Progress = step
	r, failed, err := reps(b)
	done()
	if err != nil {
		return nil, fmt.Errorf("%s: bootstrap: %w", res.Command, err)
	}
	s := estimators.Summarize(est, r, c.level/100, f.interval)
	for j := range rows {
		rows[j].StdError = s.SE[j]
		rows[j].Statistic = est[j] / s.SE[j]
		rows[j].PValue = estimators.Normal.PValue(rows[j].Statistic)
		rows[j].ConfLow, rows[j].ConfHigh = s.Low[j], s.High[j]
	}
	res.statCol = "Z-stat"
	res.Diagnostics["bootstrap"] = map[string]any{
		"replicates": f.bootstrap, "failed": failed, "type": b.Scheme.String(), "interval": f.interval.String()}
	if failed > 0 {
		c.notef(cmd, "%d of %d bootstrap replicates failed (the estimator is undefined on them) and were left out", failed, f.bootstrap)
	}
	res.notes = append(res.notes, fmt.Sprintf("Std. errors and %s intervals from %d %s bootstrap replicates (seed %d).",
		f.interval, f.bootstrap, b.Scheme, c.seed))
	return r, nil
}

// ones returns a column of n ones, for an intercept.
func ones(n int) []float64 {
	o := make([]float64, n)
	for i := range o {
		o[i] = 1
	}
	return o
}
