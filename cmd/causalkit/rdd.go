package main

import (
	"fmt"
	stdio "io"
	"math"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/causalkit/causalkit/estimators"
	ckio "github.com/causalkit/causalkit/io"
	"github.com/causalkit/causalkit/plot"
	"github.com/causalkit/causalkit/rdd"
)

type rddFlags struct {
	commonFlags
	stream                                                  streamFlags
	y, x, fuzzy, kernel, bwselect, vce, cluster, masspoints string
	plot                                                    string
	plotCI                                                  bool
	covs                                                    []string
	cutoff, rho, scaleregul                                 float64
	deriv, p, q, nnmatch, bwcheck                           int
	h, b                                                    []float64
	bwrestrict, sharpbw                                     bool
}

func newRDDCmd() *cobra.Command {
	var f rddFlags
	cmd := &cobra.Command{
		Use:   "rdd --data FILE --y COL --x COL",
		Short: "Regression discontinuity at rdrobust parity: sharp, fuzzy and kink designs with robust bias-corrected inference",
		Long: `Local polynomial RD estimation as R's rdrobust (Calonico, Cattaneo, Titiunik):
conventional, bias-corrected and robust (bias-corrected estimate, robust standard
error) estimates of the jump at --cutoff in --y as a function of --x, or of the
Wald ratio with --fuzzy, or of the kink with --deriv 1. Bandwidths are chosen by
--bwselect (rdrobust's selectors) unless --h is given; defaults follow rdrobust:
p = 1 (deriv + 1 with --deriv), q = p + 1, triangular kernel, mserd,
nearest-neighbour variance with 3 neighbours, mass-point adjustment.`,
		Example: `  causalkit rdd --data senate.csv --y vote --x margin
  causalkit rdd --data senate.csv --y vote --x margin --kernel uniform --vce hc1 --bwselect msetwo
  causalkit rdd --data senate.csv --y vote --x margin --cluster state --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return f.run(cmd) },
	}
	f.register(cmd, true)
	f.stream.registerMemory(cmd)
	cmd.AddCommand(newDensityCmd())
	fs := cmd.Flags()
	fs.StringVar(&f.y, "y", "", "outcome column")
	fs.StringVar(&f.x, "x", "", "running variable column")
	fs.Float64Var(&f.cutoff, "cutoff", 0, "cutoff c")
	fs.StringVar(&f.fuzzy, "fuzzy", "", "treatment column of a fuzzy design")
	fs.IntVar(&f.deriv, "deriv", 0, "derivative: 0 for the jump, 1 for a kink")
	fs.IntVar(&f.p, "p", -1, "polynomial order (default 1, or deriv+1)")
	fs.IntVar(&f.q, "q", -1, "order of the bias correction (default p+1)")
	fs.StringVar(&f.kernel, "kernel", "triangular", "triangular, epanechnikov or uniform")
	fs.StringVar(&f.bwselect, "bwselect", "mserd", "mserd, msetwo, msesum, msecomb1, msecomb2, cerrd, certwo, cersum, cercomb1, cercomb2")
	fs.Float64SliceVar(&f.h, "h", nil, "bandwidth h, or h_left,h_right (skips the selection)")
	fs.Float64SliceVar(&f.b, "b", nil, "bias bandwidth b, or b_left,b_right (default h/rho)")
	fs.Float64Var(&f.rho, "rho", 0, "ratio h/b (default 1 with --h)")
	fs.StringVar(&f.vce, "vce", "nn", "variance: nn, hc0, hc1, hc2 or hc3 (with --cluster: CR1, CR2 for hc2, CR3 for hc3)")
	fs.IntVar(&f.nnmatch, "nnmatch", 3, "neighbours of the nearest-neighbour variance")
	fs.StringVar(&f.cluster, "cluster", "", "cluster column (cluster-robust variance)")
	fs.StringSliceVar(&f.covs, "covs", nil, "covariates for covariate-adjusted estimation (collinear ones are dropped and reported)")
	fs.StringVar(&f.masspoints, "masspoints", "adjust", "mass points in the running variable: adjust, check or off")
	fs.IntVar(&f.bwcheck, "bwcheck", 0, "require this many distinct values on each side within every bandwidth")
	fs.BoolVar(&f.bwrestrict, "bwrestrict", true, "restrict bandwidths to the range of the data")
	fs.BoolVar(&f.sharpbw, "sharpbw", false, "fuzzy designs: select the bandwidths as for the sharp design")
	fs.StringVar(&f.plot, "plot", "", "draw the RD plot (rdplot's defaults: binned means, global polynomial of order 4) to FILE.png or FILE.svg")
	fs.BoolVar(&f.plotCI, "plot-ci", false, "add the confidence intervals of the bin means (at --level) to the RD plot")
	fs.Float64Var(&f.scaleregul, "scaleregul", 1, "scale of the regularisation term of the bandwidth selectors")
	_ = cmd.MarkFlagRequired("y")
	_ = cmd.MarkFlagRequired("x")
	return cmd
}

func (f *rddFlags) options() (rdd.Options, error) {
	o := rdd.DefaultOptions()
	o.Cutoff, o.Deriv, o.NNMatch, o.BWCheck, o.BWRestrict, o.ScaleRegul, o.Rho = f.cutoff, f.deriv, f.nnmatch, f.bwcheck, f.bwrestrict, f.scaleregul, f.rho
	o.Level, o.SharpBW = f.level/100, f.sharpbw
	switch {
	case f.p >= 0:
		o.P = f.p
	case f.deriv > 0:
		o.P = f.deriv + 1
	}
	o.Q = o.P + 1
	if f.q >= 0 {
		o.Q = f.q
	}
	var err error
	if o.Kernel, err = estimators.ParseKernel(f.kernel); err != nil {
		return o, usageError{fmt.Errorf("--kernel: %w", err)}
	}
	if o.BWSelect, err = rdd.ParseBWSelect(f.bwselect); err != nil {
		return o, usageError{fmt.Errorf("--bwselect: %w", err)}
	}
	if o.VCE, err = rdd.ParseVCE(f.vce); err != nil {
		return o, usageError{fmt.Errorf("--vce: %w", err)}
	}
	mp := map[string]rdd.MassPoints{"adjust": rdd.Adjust, "check": rdd.Check, "off": rdd.Off}
	var ok bool
	if o.MassPoints, ok = mp[f.masspoints]; !ok {
		return o, usagef("--masspoints %q: use adjust, check or off", f.masspoints)
	}
	pair := func(flag string, v []float64) ([2]float64, error) {
		switch len(v) {
		case 0:
			return [2]float64{}, nil
		case 1:
			return [2]float64{v[0], v[0]}, nil
		case 2:
			return [2]float64{v[0], v[1]}, nil
		}
		return [2]float64{}, usagef("--%s takes one value or two (left,right)", flag)
	}
	if o.H, err = pair("h", f.h); err != nil {
		return o, err
	}
	if o.B, err = pair("b", f.b); err != nil {
		return o, err
	}
	if len(f.b) > 0 && len(f.h) == 0 {
		return o, usagef("--b needs --h")
	}
	return o, nil
}

func (f *rddFlags) run(cmd *cobra.Command) error {
	if err := f.validate(); err != nil {
		return err
	}
	opt, err := f.options()
	if err != nil {
		return err
	}
	if err := checkPlot(f.plot); err != nil {
		return err
	}
	if f.covs, err = expandColumns("covs", f.covs); err != nil {
		return err
	}
	numeric := append([]string{f.y, f.x}, f.covs...)
	if f.fuzzy != "" {
		numeric = append(numeric, f.fuzzy)
	}
	if f.weights != "" {
		numeric = append(numeric, f.weights)
	}
	var cats []string
	if f.cluster != "" {
		cats = []string{f.cluster}
	}
	f.stream.preferMemory = f.plot != ""
	// Two more columns' worth per row: the sort keys and the runs of equal
	// x in memory, the sort records (48 bytes a row) when streamed.
	st, err := f.stream.streamer(cmd, &f.commonFlags, len(numeric)+len(cats)+2)
	if err != nil {
		return err
	}
	var (
		r     *rdd.Result
		d     *rdd.Data
		input estimators.Input
	)
	if st != nil {
		r, input, err = f.streamRD(st, opt)
	} else {
		var frame *ckio.Frame
		var release func()
		frame, input, release, err = f.load(cmd, numeric, cats)
		if err != nil {
			return err
		}
		defer release()
		d = &rdd.Data{Y: frame.Float64(f.y), X: frame.Float64(f.x)}
		if f.fuzzy != "" {
			d.T = frame.Float64(f.fuzzy)
		}
		if f.weights != "" {
			d.Weights = frame.Float64(f.weights)
		}
		if f.cluster != "" {
			d.Cluster, _ = frame.Codes(f.cluster)
		}
		for _, c := range f.covs {
			d.Covs, d.CovNames = append(d.Covs, frame.Float64(c)), append(d.CovNames, c)
		}
		r, err = rdd.Estimate(d, opt)
	}
	if err != nil {
		return err
	}
	for _, w := range r.Warnings {
		f.notef(cmd, "%s", w)
	}
	if len(r.DroppedCovs) > 0 {
		f.notef(cmd, "dropped collinear covariates: %s", strings.Join(r.DroppedCovs, ", "))
	}
	row := func(term string, l rdd.Line) estimators.Row {
		return estimators.Row{Term: term, Estimate: l.Coef, StdError: l.SE, Statistic: l.Z, PValue: l.P, ConfLow: l.Low, ConfHigh: l.High}
	}
	method := "sharp"
	if r.Fuzzy {
		method = "fuzzy"
	}
	if opt.Deriv > 0 {
		method += " kink"
	}
	res := &result{
		Command: "rdd",
		Method:  method,
		N: map[string]int{"left": r.N[0], "right": r.N[1], "h_left": r.NH[0], "h_right": r.NH[1],
			"b_left": r.NB[0], "b_right": r.NB[1]},
		Bandwidth: map[string]float64{"h_left": r.H[0], "h_right": r.H[1], "b_left": r.B[0], "b_right": r.B[1]},
		Estimates: []estimators.Row{row("conventional", r.Conventional), row("bias-corrected", r.BiasCorrected), row("robust", r.Robust)},
		Diagnostics: map[string]any{"bwselect": r.BWSelect.String(), "kernel": r.Kernel.String(), "vce": r.VCE,
			"p": opt.P, "q": opt.Q, "deriv": opt.Deriv, "cutoff": opt.Cutoff},
		Provenance: estimators.NewProvenance(Version(), f.seed, optionsOf(cmd)),
		title:      "Regression Discontinuity (" + method + " design)",
		statCol:    "Z-stat",
	}
	if r.Fuzzy {
		res.Diagnostics["first_stage_jump"] = r.FirstStage
	}
	if r.Clusters > 0 {
		res.Diagnostics["clusters"] = r.Clusters
	}
	if len(f.covs) > 0 {
		res.Diagnostics["covs"] = f.covs
		res.Diagnostics["dropped_covs"] = r.DroppedCovs
	}
	res.Provenance.Input = &input
	res.summary = [][2]string{
		{"Dep. Variable", f.y},
		{"Running variable", f.x},
		{"Cutoff", strconv.FormatFloat(opt.Cutoff, 'g', -1, 64)},
		{"No. Obs. (left|right)", fmt.Sprintf("%d | %d", r.N[0], r.N[1])},
		{"Eff. Obs. (left|right)", fmt.Sprintf("%d | %d", r.NH[0], r.NH[1])},
		{"Order est. (p)", strconv.Itoa(opt.P)},
		{"Order bias (q)", strconv.Itoa(opt.Q)},
		{"Kernel", r.Kernel.String()},
		{"BW est. (h)", bwText(r.H)},
		{"BW bias (b)", bwText(r.B)},
		{"BW selector", r.BWSelect.String()},
		{"VCE", strings.ToUpper(r.VCE)},
	}
	if f.plot != "" {
		if err := f.drawPlot(d, opt); err != nil {
			return err
		}
	}
	return f.emit(cmd, res)
}

// drawPlot draws rdplot's figure for the data (its own defaults: global
// polynomials of order 4 and mimicking-variance evenly spaced bins).
func (f *rddFlags) drawPlot(d *rdd.Data, opt rdd.Options) error {
	po := rdd.DefaultPlotOptions()
	po.Cutoff, po.MassPoints, po.Level = opt.Cutoff, opt.MassPoints, opt.Level
	pr, err := rdd.Plot(&rdd.Data{Y: d.Y, X: d.X, Weights: d.Weights, Covs: d.Covs, CovNames: d.CovNames}, po)
	if err != nil {
		return fmt.Errorf("rdd: plot: %w", err)
	}
	fig := plot.RDData{Title: "Regression discontinuity", XLabel: f.x, YLabel: f.y, Cutoff: opt.Cutoff,
		CurveX: pr.CurveX, CurveY: pr.CurveY}
	for _, b := range pr.Bins {
		fig.BinX = append(fig.BinX, b.MeanX)
		fig.BinY = append(fig.BinY, b.MeanY)
		lo, hi := math.NaN(), math.NaN()
		if f.plotCI {
			lo, hi = b.CILow, b.CIHigh
		}
		fig.BinLow = append(fig.BinLow, lo)
		fig.BinHigh = append(fig.BinHigh, hi)
	}
	format, _ := plot.FormatFromPath(f.plot)
	return ckio.WriteFileAtomic(f.plot, func(w stdio.Writer) error { return plot.RD(w, fig, format) })
}

func bwText(v [2]float64) string {
	if v[0] == v[1] {
		return num(v[0], 4)
	}
	return num(v[0], 3) + " | " + num(v[1], 3)
}
