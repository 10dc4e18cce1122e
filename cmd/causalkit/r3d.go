package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	stdio "io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"gonum.org/v1/gonum/mat"

	"github.com/causalkit/causalkit/estimators"
	ckio "github.com/causalkit/causalkit/io"
	"github.com/causalkit/causalkit/plot"
	"github.com/causalkit/causalkit/rdd"
)

type r3dFlags struct {
	commonFlags
	streamFlags
	unit, y, x, fuzzy, method, kernel, quantiles string
	multiplier, multipliers, tests, testRanges   string
	cluster, plot                                string
	cutoff, hDen                                 float64
	p, s, bootstrap                              int
	h                                            []float64
	coverage, compat                             bool
}

func newR3DCmd() *cobra.Command {
	var f r3dFlags
	cmd := &cobra.Command{
		Use:   "r3d --data FILE --x COL --y COL [--unit COL]",
		Short: "Distribution-valued regression discontinuity (R3D): quantile treatment effects with uniform bands",
		Long: `Regression discontinuity where each unit's outcome is a distribution (Van Dijcke 2025):
the local average quantile treatment effect τ(q) = E[Q_Y¹(q) − Q_Y⁰(q) | X = c] on a grid
of quantiles, by pointwise local polynomials with monotone rearrangement ("simple") or
local Fréchet regression in Wasserstein space ("frechet"), with a uniform band from a
multiplier bootstrap and tests of nullity, homogeneity and equal Gini coefficients.

Input: long (--unit COL --y COL: one row per within-unit draw, --x constant within a
unit) or one row per unit with --y a list<double> column. --compat reproduces the R3D
0.1.0 package exactly, quirks included; the default corrects the quirks its
specification marks as errors and says so in the output's notes.`,
		Example: `  causalkit r3d --data firms.parquet --unit firm --x score --y wage --bootstrap 1000
  causalkit r3d --data firms.parquet --unit firm --x score --y wage --method frechet --quantiles 0.1:0.9:0.1 --plot r3d.png`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return f.run(cmd) },
	}
	f.commonFlags.register(cmd, true)
	f.streamFlags.register(cmd)
	fs := cmd.Flags()
	fs.StringVar(&f.unit, "unit", "", "unit column of a long table (one row per draw); without it --y is a list<double> column")
	fs.StringVar(&f.y, "y", "", "outcome: the draws (long) or a list<double> column (one row per unit)")
	fs.StringVar(&f.x, "x", "", "running variable (constant within a unit)")
	fs.Float64Var(&f.cutoff, "cutoff", 0, "cutoff c (units with x ≥ c are treated)")
	fs.StringVar(&f.fuzzy, "fuzzy", "", "treatment column of a fuzzy design (constant within a unit)")
	fs.StringVar(&f.method, "method", "simple", "simple (pointwise + rearrangement) or frechet (Wasserstein)")
	fs.IntVar(&f.p, "p", 2, "polynomial order of the estimate")
	fs.IntVar(&f.s, "s", 1, "order for which the bandwidths are MSE-optimal")
	fs.StringVar(&f.kernel, "kernel", "epanechnikov", "epanechnikov, triangular or uniform")
	fs.StringVar(&f.quantiles, "quantiles", "0.01:0.99:0.01", "quantile grid: start:stop:step or a list 0.1,0.5,0.9")
	fs.Float64SliceVar(&f.h, "h", nil, "bandwidth, or one per quantile (skips the selection)")
	fs.Float64Var(&f.hDen, "h-den", 0, "first-stage bandwidth of a fuzzy design (0: select)")
	fs.BoolVar(&f.coverage, "coverage", false, "shrink selected bandwidths by the coverage-error rule of thumb")
	fs.IntVar(&f.bootstrap, "bootstrap", 200, "bootstrap replicates (0: no band and no tests)")
	fs.StringVar(&f.multiplier, "multiplier", "gaussian", "bootstrap multipliers: gaussian, rademacher or mammen")
	fs.StringVar(&f.multipliers, "multipliers", "", "CSV of multipliers (n rows in unit order × B columns; a non-numeric first row is a header) to use instead of drawing")
	fs.StringVar(&f.tests, "tests", "nullity,homogeneity,gini", "tests to run (empty for none)")
	fs.StringVar(&f.testRanges, "test-ranges", "", "quantile ranges of the nullity and homogeneity tests: a:b[,c:d…]")
	fs.StringVar(&f.cluster, "cluster", "", "cluster column (constant within a unit): one multiplier per cluster")
	fs.BoolVar(&f.compat, "compat", false, "reproduce the R3D 0.1.0 reference package exactly, quirks included")
	fs.StringVar(&f.plot, "plot", "", "draw τ(q) with its band and m+, m− to FILE.png or FILE.svg")
	_ = cmd.MarkFlagRequired("x")
	_ = cmd.MarkFlagRequired("y")
	return cmd
}

// parseGrid parses start:stop:step (R's seq) or a comma-separated list.
func parseGrid(s string) ([]float64, error) {
	const maxGrid = 100_000
	if a, rest, ok := strings.Cut(s, ":"); ok {
		b, c, ok := strings.Cut(rest, ":")
		start, e1 := strconv.ParseFloat(a, 64)
		stop, e2 := strconv.ParseFloat(b, 64)
		step, e3 := strconv.ParseFloat(c, 64)
		if !ok || e1 != nil || e2 != nil || e3 != nil || !(step > 0) || !(stop >= start) || math.IsInf(stop-start, 0) {
			return nil, usagef("--quantiles %q: write start:stop:step, e.g. 0.01:0.99:0.01", s)
		}
		if n := (stop-start)/step + 1; n > maxGrid {
			return nil, usagef("--quantiles %q has %.3g points; at most %d", s, n, maxGrid)
		}
		var g []float64
		for k := 0; ; k++ {
			v := start + float64(k)*step
			if v > stop+1e-10*step {
				break
			}
			g = append(g, v)
		}
		return g, nil
	}
	var g []float64
	for _, part := range strings.Split(s, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(part), 64)
		if err != nil {
			return nil, usagef("--quantiles: %q is not a number", part)
		}
		g = append(g, v)
	}
	return g, nil
}

// parseRanges parses a:b[,c:d…] into ranges.
func parseRanges(s string) ([][]float64, error) {
	if s == "" {
		return nil, nil
	}
	var out [][]float64
	for _, part := range strings.Split(s, ",") {
		a, b, ok := strings.Cut(part, ":")
		lo, e1 := strconv.ParseFloat(a, 64)
		hi, e2 := strconv.ParseFloat(b, 64)
		if !ok || e1 != nil || e2 != nil || hi <= lo {
			return nil, usagef("--test-ranges %q: write a:b[,c:d…] with a < b", s)
		}
		out = append(out, []float64{lo, hi})
	}
	return out, nil
}

// readMultipliers reads an n × B CSV of multipliers; a first row that is
// not numeric is a header.
func readMultipliers(path string) (*mat.Dense, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("--multipliers: %v", err)
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		return nil, usagef("--multipliers %s: %v", path, err)
	}
	if len(recs) > 0 {
		if _, err := strconv.ParseFloat(strings.TrimSpace(recs[0][0]), 64); err != nil {
			recs = recs[1:]
		}
	}
	if len(recs) == 0 {
		return nil, usagef("--multipliers %s: no rows", path)
	}
	m := mat.NewDense(len(recs), len(recs[0]), nil)
	for i, r := range recs {
		for j, cell := range r {
			v, err := strconv.ParseFloat(strings.TrimSpace(cell), 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, usagef("--multipliers %s: row %d, column %d: %q is not a finite number", path, i+1, j+1, cell)
			}
			m.Set(i, j, v)
		}
	}
	return m, nil
}

func (f *r3dFlags) options() (rdd.R3DOptions, error) {
	o := rdd.DefaultR3DOptions()
	o.Cutoff, o.P, o.S, o.HDen, o.Coverage, o.Compat, o.Seed, o.Workers = f.cutoff, f.p, f.s, f.hDen, f.coverage, f.compat, f.seed, f.workers
	o.Level = f.level / 100
	var err error
	if o.Method, err = rdd.ParseR3DMethod(f.method); err != nil {
		return o, usageError{fmt.Errorf("--method: %w", err)}
	}
	if o.Kernel, err = estimators.ParseKernel(f.kernel); err != nil {
		return o, usageError{fmt.Errorf("--kernel: %w", err)}
	}
	if o.Grid, err = parseGrid(f.quantiles); err != nil {
		return o, err
	}
	o.H = f.h
	switch {
	case f.bootstrap < 0:
		return o, usagef("--bootstrap %d: give a number of replicates, or 0 for none", f.bootstrap)
	case f.bootstrap == 0:
		o.NoBootstrap = true
	default:
		o.Reps = f.bootstrap
	}
	o.Multiplier = f.multiplier
	if f.multipliers != "" {
		if o.Xi, err = readMultipliers(f.multipliers); err != nil {
			return o, err
		}
	}
	o.Tests = nil
	if f.tests != "" {
		o.Tests = strings.Split(f.tests, ",")
	} else {
		o.Tests = []string{}
	}
	if o.TestRanges, err = parseRanges(f.testRanges); err != nil {
		return o, err
	}
	return o, nil
}

func (f *r3dFlags) run(cmd *cobra.Command) error {
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
	spec, err := f.spec()
	if err != nil {
		return err
	}
	st, err := f.streamFlags.streamer(cmd, &f.commonFlags, len(spec.Numeric)+len(spec.Categorical)+len(spec.Lists))
	if err != nil {
		return err
	}
	var (
		d     *rdd.DistData
		qd    *rdd.QuantileData
		input estimators.Input
	)
	if st != nil {
		qd, input, err = f.streamUnits(st, opt)
	} else {
		d, input, err = f.loadUnits(cmd)
	}
	if err != nil {
		return err
	}
	x, cl := func() ([]float64, []int) {
		if d != nil {
			return d.X, d.Cluster
		}
		return qd.X, qd.Cluster
	}()
	if opt.Xi != nil {
		want := len(x)
		if cl != nil {
			want = countCodes(cl)
		}
		if r, _ := opt.Xi.Dims(); r != want {
			return usagef("--multipliers has %d rows; need one per unit (or per cluster): %d", r, want)
		}
	}
	var r *rdd.R3DResult
	if d != nil {
		r, err = rdd.R3D(d, opt)
	} else {
		r, err = rdd.R3DFromQuantiles(qd, opt)
	}
	if err != nil {
		return err
	}
	type curve struct {
		Quantile float64 `json:"quantile"`
		Estimate float64 `json:"estimate"`
		ConfLow  float64 `json:"conf_low"`
		ConfHigh float64 `json:"conf_high"`
		H        float64 `json:"h"`
		MPlus    float64 `json:"m_plus"`
		MMinus   float64 `json:"m_minus"`
	}
	curves := make([]curve, len(r.Grid))
	for j, q := range r.Grid {
		curves[j] = curve{q, r.Tau[j], r.Low[j], r.High[j], r.H[j], r.MPlus[j], r.MMinus[j]}
	}
	type test struct {
		Name          string     `json:"name"`
		Range         [2]float64 `json:"range"`
		Statistic     float64    `json:"statistic"`
		CriticalValue float64    `json:"critical_value"`
		PValue        float64    `json:"p_value"`
	}
	tests := make([]test, len(r.Tests))
	for i, t := range r.Tests {
		tests[i] = test{t.Name, t.Range, t.Statistic, t.CriticalValue, t.PValue}
	}
	var den any // null in a sharp design
	if r.Fuzzy {
		den = r.HDen
	}
	res := &result{
		Command:       "r3d",
		Method:        r.Method.String(),
		N:             r.N,
		Estimates:     r.Tidy(),
		Bandwidth:     map[string]any{"num": r.H, "den": den},
		Curves:        curves,
		CriticalValue: r.CriticalValue, // NaN (null) without the bootstrap
		Tests:         tests,
		Diagnostics: map[string]any{"mode": r.Mode, "kernel": r.Kernel.String(), "p": r.P, "s": r.S, "cutoff": r.Cutoff,
			"reps": r.Reps, "multiplier": r.Multiplier, "n_plus": r.Diagnostics.NPlus, "n_minus": r.Diagnostics.NMinus,
			"negative_weight_share": r.Diagnostics.NegativeWeightShare, "bootstrap_units": r.Diagnostics.BootstrapUnits,
			"fallbacks": r.Diagnostics.Fallbacks, "notes": r.Notes, "selected": r.Selected},
		Provenance: estimators.NewProvenance(Version(), f.seed, optionsOf(cmd)),
		title:      "Distributional regression discontinuity (R3D, " + r.Method.String() + ")",
		statCol:    "Z-stat",
	}
	if r.Fuzzy {
		res.FirstStageJump = r.FirstStage
	}
	if r.Clusters > 0 {
		res.Diagnostics["clusters"] = r.Clusters
	}
	res.Provenance.Input = &input
	res.summary = [][2]string{
		{"Units", strconv.Itoa(r.N)},
		{"Cutoff", strconv.FormatFloat(r.Cutoff, 'g', -1, 64)},
		{"Method", r.Method.String()},
		{"Mode", r.Mode},
		{"Order (p|s)", fmt.Sprintf("%d | %d", r.P, r.S)},
		{"Kernel", r.Kernel.String()},
		{"Quantiles", strconv.Itoa(len(r.Grid))},
		{"Bootstrap", fmt.Sprintf("%d %s", r.Reps, r.Multiplier)},
		{"Critical value", num(r.CriticalValue, 4)},
		{"Band level", fmt.Sprintf("%g%%", f.level)},
	}
	for _, t := range r.Tests {
		res.notes = append(res.notes, fmt.Sprintf("Test %-12s [%g, %g]: statistic %s, critical value %s, p = %s",
			t.Name, t.Range[0], t.Range[1], num(t.Statistic, 4), num(t.CriticalValue, 4), pval(t.PValue)))
	}
	res.notes = append(res.notes, "Confidence limits are the uniform band τ(q) ± critical value (not studentised).")
	if r.Mode != "compat" {
		f.notef(cmd, "default mode: the reference's quirks are corrected (diagnostics.notes lists how); --compat reproduces R3D 0.1.0")
	}
	if f.plot != "" {
		format, _ := plot.FormatFromPath(f.plot)
		fig := plot.QuantileData{Q: r.Grid, Tau: r.Tau, Low: r.Low, High: r.High, MPlus: r.MPlus, MMinus: r.MMinus}
		if err := ckio.WriteFileAtomic(f.plot, func(w stdio.Writer) error { return plot.QuantileEffects(w, fig, format) }); err != nil {
			return err
		}
	}
	return f.emit(cmd, res)
}

// spec returns the columns of the units' table.
func (f *r3dFlags) spec() (ckio.FrameSpec, error) {
	numeric := []string{f.x}
	if f.fuzzy != "" {
		numeric = append(numeric, f.fuzzy)
	}
	var cats []string
	if f.cluster != "" {
		cats = append(cats, f.cluster)
	}
	spec := ckio.FrameSpec{Categorical: cats}
	if f.unit != "" {
		numeric = append(numeric, f.y)
		if f.weights != "" {
			numeric = append(numeric, f.weights)
		}
		spec.Categorical = append(spec.Categorical, f.unit)
	} else {
		if f.weights != "" {
			return spec, usagef("--weights (draw weights) needs the long format (--unit)")
		}
		spec.Lists = []string{f.y}
	}
	spec.Numeric = numeric
	return spec, nil
}

// loadUnits reads the units: long format (unit, x, y, [t], [w], [cluster])
// grouped by unit in order of first appearance, or one row per unit with a
// list<double> outcome.
func (f *r3dFlags) loadUnits(cmd *cobra.Command) (*rdd.DistData, estimators.Input, error) {
	spec, err := f.spec()
	if err != nil {
		return nil, estimators.Input{}, err
	}
	numeric := spec.Numeric
	frame, input, t, err := f.loadSpec(cmd, spec)
	if err != nil {
		return nil, input, err
	}
	defer t.Release()
	d := &rdd.DistData{}
	x := frame.Float64(f.x)
	var tr []float64
	if f.fuzzy != "" {
		tr = frame.Float64(f.fuzzy)
	}
	var cl []int
	if f.cluster != "" {
		cl, _ = frame.Codes(f.cluster)
	}
	if f.unit == "" {
		ys := frame.List(f.y)
		for i := range frame.N {
			d.Y = append(d.Y, ys.Row(i))
		}
		d.X, d.T = x, tr
		if cl != nil {
			d.Cluster = cl
		}
		return d, input, nil
	}
	// Long format: every unit must keep at least one draw (only rows with
	// missing values can remove a unit).
	_, levels := frame.Codes(f.unit)
	if frame.Dropped > 0 {
		all, err := t.Categorical(f.unit, ckio.FirstAppearance)
		if err != nil {
			return nil, input, err
		}
		kept := make(map[string]bool, len(levels))
		for _, l := range levels {
			kept[l] = true
		}
		for _, l := range all.Levels {
			if !kept[l] {
				return nil, input, estimators.InputErrorf("r3d: unit %q has no draws with complete values of %s; remove the unit or fill its values", l, strings.Join(numeric, ", "))
			}
		}
	}
	y := frame.Float64(f.y)
	var w []float64
	if f.weights != "" {
		w = frame.Float64(f.weights)
	}
	for u, rows := range frame.Groups(f.unit) {
		first := rows[0]
		ys := make([]float64, len(rows))
		var ws []float64
		if w != nil {
			ws = make([]float64, len(rows))
		}
		for k, i := range rows {
			if x[i] != x[first] {
				return nil, input, estimators.InputErrorf("r3d: --x %q varies within unit %q (rows %d and %d); the running variable must be constant within a unit", f.x, levels[u], frame.Rows[first]+1, frame.Rows[i]+1)
			}
			if tr != nil && tr[i] != tr[first] {
				return nil, input, estimators.InputErrorf("r3d: --fuzzy %q varies within unit %q", f.fuzzy, levels[u])
			}
			if cl != nil && cl[i] != cl[first] {
				return nil, input, estimators.InputErrorf("r3d: --cluster %q varies within unit %q", f.cluster, levels[u])
			}
			ys[k] = y[i]
			if ws != nil {
				ws[k] = w[i]
			}
		}
		d.X = append(d.X, x[first])
		d.Y = append(d.Y, ys)
		if ws != nil {
			d.W = append(d.W, ws)
		}
		if tr != nil {
			d.T = append(d.T, tr[first])
		}
		if cl != nil {
			d.Cluster = append(d.Cluster, cl[first])
		}
	}
	return d, input, nil
}

func countCodes(c []int) int {
	seen := map[int]bool{}
	for _, v := range c {
		seen[v] = true
	}
	return len(seen)
}
