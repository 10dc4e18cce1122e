package main

import (
	"fmt"
	"math"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/causalkit/causalkit/estimators"
	"github.com/causalkit/causalkit/rdd"
)

type densityFlags struct {
	commonFlags
	x, kernel, bwselect, fitselect, vce string
	cutoff                              float64
	p                                   int
	h                                   []float64
}

func newDensityCmd() *cobra.Command {
	var f densityFlags
	cmd := &cobra.Command{
		Use:   "density --data FILE --x COL",
		Short: "Manipulation test: is the density of the running variable continuous at the cutoff? (rddensity)",
		Long: `The local polynomial density test of Cattaneo, Jansson and Ma at parity with R's
rddensity 3.0: density estimates just below and above --cutoff, and the robust
bias-corrected test of their equality. A small p-value suggests that units sort
around the cutoff, which threatens the RD design.`,
		Example: "  causalkit rdd density --data senate.csv --x margin",
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return f.run(cmd) },
	}
	f.register(cmd, false)
	fs := cmd.Flags()
	fs.StringVar(&f.x, "x", "", "running variable column")
	fs.Float64Var(&f.cutoff, "cutoff", 0, "cutoff c")
	fs.IntVar(&f.p, "p", 2, "order of the local polynomial density estimator")
	fs.StringVar(&f.kernel, "kernel", "triangular", "triangular, epanechnikov or uniform")
	fs.Float64SliceVar(&f.h, "h", nil, "bandwidth h, or h_left,h_right (skips the selection)")
	fs.StringVar(&f.bwselect, "bwselect", "comb", "bandwidth selector: comb, each, diff or sum")
	fs.StringVar(&f.fitselect, "fitselect", "unrestricted", "unrestricted or restricted (common derivatives)")
	fs.StringVar(&f.vce, "vce", "jackknife", "variance: jackknife or plugin")
	_ = cmd.MarkFlagRequired("x")
	return cmd
}

func (f *densityFlags) run(cmd *cobra.Command) error {
	if err := f.validate(); err != nil {
		return err
	}
	opt := rdd.DefaultDensityOptions()
	opt.Cutoff, opt.P, opt.BWSelect, opt.FitSelect, opt.VCE, opt.Level = f.cutoff, f.p, f.bwselect, f.fitselect, f.vce, f.level/100
	var err error
	if opt.Kernel, err = estimators.ParseKernel(f.kernel); err != nil {
		return usageError{fmt.Errorf("--kernel: %w", err)}
	}
	switch len(f.h) {
	case 0:
	case 1:
		opt.H = [2]float64{f.h[0], f.h[0]}
	case 2:
		opt.H = [2]float64{f.h[0], f.h[1]}
	default:
		return usagef("--h takes one value or two (left,right)")
	}
	frame, input, release, err := f.load(cmd, []string{f.x}, nil)
	if err != nil {
		return err
	}
	defer release()
	r, err := rdd.DensityTest(frame.Float64(f.x), opt)
	if err != nil {
		return err
	}
	for _, w := range r.Warnings {
		f.notef(cmd, "%s", w)
	}
	z := estimators.Normal.Quantile(0.5 + opt.Level/2)
	side := func(term string, k int) estimators.Row {
		return estimators.Row{Term: term, Estimate: r.FQ[k], StdError: r.SEQ[k], Statistic: math.NaN(), PValue: math.NaN(),
			ConfLow: r.CI[k][0], ConfHigh: r.CI[k][1]}
	}
	diff := estimators.Row{Term: "difference", Estimate: r.DiffQ, StdError: r.DiffSEQ, Statistic: r.TRobust, PValue: r.PRobust,
		ConfLow: r.DiffQ - z*r.DiffSEQ, ConfHigh: r.DiffQ + z*r.DiffSEQ}
	res := &result{
		Command:   "rdd density",
		Method:    "rddensity",
		N:         map[string]int{"left": r.N[0], "right": r.N[1], "h_left": r.NH[0], "h_right": r.NH[1]},
		Bandwidth: map[string]float64{"h_left": r.H[0], "h_right": r.H[1]},
		Estimates: []estimators.Row{side("density_left", 0), side("density_right", 1), diff},
		Diagnostics: map[string]any{
			"robust":       estimators.Test{Statistic: r.TRobust, DF1: 1, PValue: r.PRobust},
			"conventional": estimators.Test{Statistic: r.TConv, DF1: 1, PValue: r.PConv},
			"p":            r.P, "q": r.Q, "bwselect": r.BWSelect, "fitselect": r.FitSelect, "vce": r.VCE,
			"kernel": r.Kernel.String(), "cutoff": opt.Cutoff, "mass_points": r.MassPoints,
		},
		Provenance: estimators.NewProvenance(Version(), f.seed, optionsOf(cmd)),
		title:      "Manipulation test (local polynomial density)",
		statCol:    "T-stat",
	}
	res.Provenance.Input = &input
	res.summary = [][2]string{
		{"Running variable", f.x},
		{"Cutoff", strconv.FormatFloat(opt.Cutoff, 'g', -1, 64)},
		{"No. Obs. (left|right)", fmt.Sprintf("%d | %d", r.N[0], r.N[1])},
		{"Eff. Obs. (left|right)", fmt.Sprintf("%d | %d", r.NH[0], r.NH[1])},
		{"Order (p|q)", fmt.Sprintf("%d | %d", r.P, r.Q)},
		{"Bandwidth", bwText(r.H)},
		{"BW selector", r.BWSelect},
		{"Model / VCE", r.FitSelect + " / " + r.VCE},
		{"Robust T", num(r.TRobust, 4)},
		{"P-value (robust)", pval(r.PRobust)},
	}
	res.notes = append(res.notes, "Densities and their difference are the bias-corrected (order q) estimates; the T statistic tests f+ = f−.")
	return f.emit(cmd, res)
}
