package main

import (
	"fmt"
	stdio "io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/causalkit/causalkit/estimators"
	"github.com/causalkit/causalkit/invariance"
	ckio "github.com/causalkit/causalkit/io"
)

// newInvarianceCmd returns `causalkit invariance` with the subcommands
// graph, minimax and icp (CLI.md).
func newInvarianceCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "invariance",
		Short: "Invariance under environment shifts: causal graphs, the minimax stable-subset search, ICP",
		Long: `Methods for prediction that transfers across environments.

  graph    components of an augmented causal graph (mutable variables, the graphical
           condition under which the whole stable set is optimal) and the equivalence
           classes of stable subsets (Liu et al., ICML 2023)
  minimax  the causal minimax subset search: the stable subset with the smallest
           estimated worst-case risk over shifts of the mutable mechanisms
  icp      invariant causal prediction (Peters, Bühlmann and Meinshausen) at parity
           with R's InvariantCausalPrediction 0.8; --method hidden for hiddenICP

Anchor regression is 'causalkit iv --method anchor'.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newInvGraphCmd(), newInvMinimaxCmd(), newInvICPCmd())
	return cmd
}

// invResult is the JSON of the invariance commands: the fields every
// estimation command shares, then each command's own fields (inlined from
// Extra). The embedded result renders the table and CSV views.
type invResult struct {
	Command     string                `json:"command"`
	Method      string                `json:"method"`
	N           int                   `json:"n"`
	Estimates   any                   `json:"estimates"`
	Diagnostics map[string]any        `json:"diagnostics"`
	Provenance  estimators.Provenance `json:"provenance"`
	Extra       any                   `json:"-"`
	view        *result
}

// MarshalJSON writes the common fields followed by Extra's fields.
func (r *invResult) MarshalJSON() ([]byte, error) {
	type common invResult
	a, err := estimators.MarshalJSON((*common)(r))
	if err != nil || r.Extra == nil {
		return a, err
	}
	b, err := estimators.MarshalJSON(r.Extra)
	if err != nil {
		return nil, err
	}
	if len(b) <= 2 {
		return a, nil
	}
	return append(append(a[:len(a)-1], ','), b[1:]...), nil
}

// invOut holds the output flags of the invariance commands that read no
// data table (graph); the others use commonFlags.
type invOut struct {
	format, out, outputs string
	quiet                bool
}

func (o *invOut) register(cmd *cobra.Command) {
	fs := cmd.Flags()
	fs.StringVar(&o.format, "format", "table", "output format: table, json or csv")
	fs.StringVar(&o.out, "out", "", "write the result to this file (atomically) instead of stdout")
	fs.BoolVar(&o.quiet, "quiet", false, "no notes on stderr")
	fs.StringVar(&o.outputs, "outputs", "", "write PREFIX.json, PREFIX.csv and PREFIX.txt (used by causalkit run)")
	_ = fs.MarkHidden("outputs")
}

func (o *invOut) validate() error {
	if !slices.Contains([]string{"table", "json", "csv"}, o.format) {
		return usagef("--format %q: use table, json or csv", o.format)
	}
	return nil
}

func (r *invResult) write(w stdio.Writer, format string) error {
	switch format {
	case "json":
		return ckio.WriteJSON(w, r)
	case "csv":
		return ckio.WriteCSV(w, rowColumns(r.view.Estimates))
	}
	return r.view.writeTable(w)
}

// readGraph reads and parses a graph file (format from the extension, else
// detected).
func readGraph(path string) (*invariance.Graph, error) {
	if path == "" {
		return nil, usagef("--graph is required")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	g, err := invariance.ParseGraph(b, invariance.FormatFromPath(path))
	if err != nil {
		return nil, fmt.Errorf("--graph %s: %w", path, err)
	}
	return g, nil
}

func setName(s []string) string {
	if len(s) == 0 {
		return "∅"
	}
	return "{" + strings.Join(s, ", ") + "}"
}

// ---------------------------------------------------------------- graph

func newInvGraphCmd() *cobra.Command {
	var o invOut
	var graph, target, env string
	cmd := &cobra.Command{
		Use:   "graph --graph FILE --target Y --env E",
		Short: "Components of an augmented causal graph and the equivalence classes of stable subsets",
		Long: `Reads a DAG (DOT, GML or a JSON edge list) that includes the environment node
and reports the mutable variables (children of the environment), whether the whole
stable set is minimax optimal (no stable child of the target descends from a mutable
child of it), the set intervened on when estimating stable predictors (X_do*), and the
equivalence classes of stable subsets: each class is a representative B and free
variables R such that every B ∪ A, A ⊆ R, has the same stable predictor. No data needed.`,
		Example: `  causalkit invariance graph --graph gtaug.gml --target Y --env E --format json`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.validate(); err != nil {
				return err
			}
			g, err := readGraph(graph)
			if err != nil {
				return err
			}
			comps, err := invariance.NewComponents(g, target, env)
			if err != nil {
				return err
			}
			classes, err := invariance.EquivalenceClasses(comps.StableGraph(g), target)
			if err != nil {
				return err
			}
			rows := make([]estimators.Row, len(classes))
			for c, cl := range classes {
				rows[c] = estimators.Row{Term: setName(cl.Representative), Estimate: float64(cl.Size()),
					StdError: math.NaN(), Statistic: math.NaN(), PValue: math.NaN(), ConfLow: math.NaN(), ConfHigh: math.NaN()}
			}
			type classRow struct {
				Representative []string `json:"representative"`
				Free           []string `json:"free"`
				Size           int      `json:"size"`
			}
			out := make([]classRow, len(classes))
			for c, cl := range classes {
				out[c] = classRow{cl.Representative, cl.Free, cl.Size()}
			}
			res := &invResult{
				Command: "invariance graph", Method: "graph", N: len(g.Nodes()),
				Estimates:   []estimators.Row{},
				Diagnostics: map[string]any{"components": comps},
				Provenance:  estimators.NewProvenance(Version(), 0, optionsOf(cmd)),
				Extra: struct {
					WholeSetOptimal bool       `json:"whole_set_optimal"`
					Mutable         []string   `json:"mutable"`
					Stable          []string   `json:"stable"`
					DoStar          []string   `json:"do_star"`
					Classes         []classRow `json:"classes"`
				}{comps.WholeSetOptimal, comps.Mutable, comps.Stable, comps.DoStar, out},
				view: &result{
					Estimates: rows, title: "Equivalence classes of stable subsets", statCol: "Stat",
					summary: [][2]string{
						{"Target", target}, {"Environment", env},
						{"Mutable", setName(comps.Mutable)}, {"X_do*", setName(comps.DoStar)},
						{"Whole set optimal", strconv.FormatBool(comps.WholeSetOptimal)},
						{"Classes", strconv.Itoa(len(classes))},
					},
				},
			}
			notes := []string{"Representative → free variables (Parameter = class size):"}
			for _, cl := range classes {
				notes = append(notes, fmt.Sprintf("  %s → %s", setName(cl.Representative), setName(cl.Free)))
			}
			res.view.notes = []string{strings.Join(notes, "\n")}
			return emit(cmd, res, o.format, o.out, o.outputs)
		},
	}
	o.register(cmd)
	fs := cmd.Flags()
	fs.StringVar(&graph, "graph", "", "graph file: .dot/.gv, .gml or .json edge list")
	fs.StringVar(&target, "target", "Y", "target node")
	fs.StringVar(&env, "env", "E", "environment node")
	_ = cmd.MarkFlagRequired("graph")
	return cmd
}

// ---------------------------------------------------------------- minimax

type invMinimaxFlags struct {
	commonFlags
	target, env, graph string
	features           []string
	testEnvs           []string
	trainEnvs          []string // one split per value: training environments, comma-separated
	regressor          string
	compat, noiseFree  bool
	hidden, iters      int
	ascentIters        int
	variant            string
}

func newInvMinimaxCmd() *cobra.Command {
	var f invMinimaxFlags
	cmd := &cobra.Command{
		Use:   "minimax --data FILE --target Y --env E --graph FILE",
		Short: "Causal minimax search: the stable subset with the smallest worst-case risk",
		Long: `Chooses, among the stable subsets of the graph's variables, the one whose stable
predictor E[Y | X_S', do(X_M)] has the smallest worst-case risk over arbitrary shifts
of the mutable mechanisms (Liu, Zheng, Sun, Fang and Wang, ICML 2023). One subset per
equivalence class is evaluated: its predictor is fitted on a simulated do(X_do*)
sample and its worst-case risk estimated by gradient ascent over intervention
functions of the mutable variables. Columns are standardised (pooled mean and sd).

Defaults are the sound ones (random initialisation from --seed, regeneration with
resampled residuals, held-out early stopping); --compat reproduces the reference
code's choices (constant initialisation, noise-free regeneration, λ = 0.01), and
--variant impc its IMPC experiment's settings (--compat with every network trained by
plain gradient descent: five hidden units, steps 0.01 and 0.05 for the adversary,
no early stopping, no penalty), which reproduce the authors' IMPC record split by split.
Under --compat and --variant impc, --seed seeds the reference's permutation of X_do*
(numpy's RandomState, as pandas' sample(frac=1, random_state=seed)); it defaults to the
reference's own: 123, and 1234 for --variant impc.
--test-envs holds environments out as test data: each class then also reports its MSE
on every test environment (standardised separately, as the reference) and the worst.
--train-envs, repeated, runs the search over several train/test splits (each split's
seed is --seed plus its index; with --compat every split uses --seed, as the reference)
and chooses the class with the smallest mean estimated
worst-case risk; the output adds each class's mean held-out worst MSE and the Spearman
correlation of the two over classes.`,
		Example: `  causalkit invariance minimax --data sim.csv --target Y --env E --graph gtaug.gml --format json
  causalkit invariance minimax --data mouse.csv --target Y --env geno --graph impc.dot --test-envs 3,5`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return f.run(cmd) },
	}
	f.commonFlags.register(cmd, false)
	fs := cmd.Flags()
	fs.StringVar(&f.target, "target", "", "target column (a node of the graph)")
	fs.StringVar(&f.env, "env", "", "environment column (the graph's environment node)")
	fs.StringVar(&f.graph, "graph", "", "augmented graph: .dot/.gv, .gml or .json edge list")
	fs.StringSliceVar(&f.features, "features", nil, "feature columns (default: every graph variable but the target and the environment); must cover the graph")
	fs.StringSliceVar(&f.testEnvs, "test-envs", nil, "environments held out as test data")
	fs.StringArrayVar(&f.trainEnvs, "train-envs", nil, "one train/test split: its training environments, comma-separated (the others are its test environments); repeat for several splits, and the subset with the smallest mean estimated worst-case risk is chosen")
	fs.StringVar(&f.regressor, "regressor", "neural", "stable predictors and structural equations: neural or linear")
	fs.BoolVar(&f.compat, "compat", false, "reference parity: constant initialisation, noise-free regeneration, λ = 0.01, numpy's permutation (--seed defaults to the reference's 123)")
	fs.BoolVar(&f.noiseFree, "noise-free", false, "regenerate descendants without residual noise")
	fs.IntVar(&f.hidden, "hidden", 12, "hidden units of the predictors")
	fs.IntVar(&f.iters, "iters", 10000, "maximum Adam iterations of a predictor")
	fs.IntVar(&f.ascentIters, "ascent-iters", 0, "maximum iterations of the worst-case ascent (0: 3000, or 10000 with --compat)")
	fs.StringVar(&f.variant, "variant", "", "impc: the reference's IMPC settings (implies --compat; fixes --hidden, --iters and --ascent-iters)")
	_ = cmd.MarkFlagRequired("target")
	_ = cmd.MarkFlagRequired("env")
	_ = cmd.MarkFlagRequired("graph")
	return cmd
}

func (f *invMinimaxFlags) run(cmd *cobra.Command) error {
	if err := f.validate(); err != nil {
		return err
	}
	reg := map[string]invariance.Regressor{"neural": invariance.RegressorNeural, "linear": invariance.RegressorLinear}
	rg, ok := reg[f.regressor]
	if !ok {
		return usagef("--regressor %q: use neural or linear", f.regressor)
	}
	if f.hidden < 1 || f.iters < 1 || f.ascentIters < 0 {
		return usagef("--hidden and --iters must be positive, --ascent-iters non-negative")
	}
	switch f.variant {
	case "":
	case "impc":
		for _, name := range []string{"hidden", "iters", "ascent-iters"} {
			if cmd.Flags().Changed(name) {
				return usagef("--variant impc fixes the networks' settings; drop --%s", name)
			}
		}
	default:
		return usagef("--variant %q: use impc (or leave it out)", f.variant)
	}
	g, err := readGraph(f.graph)
	if err != nil {
		return err
	}
	if err := invariance.CheckAugmented(g, f.target, f.env); err != nil {
		return err
	}
	if f.features, err = expandColumns("features", f.features); err != nil {
		return err
	}
	if f.features == nil {
		for _, v := range g.Nodes() {
			if v != f.target && v != f.env {
				f.features = append(f.features, v)
			}
		}
	}
	names := append([]string{f.target}, f.features...)
	frame, input, release, err := f.load(cmd, names, []string{f.env})
	if err != nil {
		return err
	}
	defer release()
	codes, levels := frame.Codes(f.env)
	all := invariance.Table{Names: names, Env: codes}
	for _, v := range names {
		all.Columns = append(all.Columns, frame.Float64(v))
	}
	train, test := all, (*invariance.Table)(nil)
	envCodes := func(flag string, envs []string) ([]int, error) {
		var codes []int
		for _, e := range envs {
			k := slices.Index(levels, strings.TrimSpace(e))
			if k < 0 {
				return nil, usagef("--%s: environment %q is not in column %q (levels: %s)", flag, e, f.env, strings.Join(levels, ", "))
			}
			codes = append(codes, k)
		}
		return codes, nil
	}
	testCodes, err := envCodes("test-envs", f.testEnvs)
	if err != nil {
		return err
	}
	if len(testCodes) > 0 {
		tr, te := splitTable(all, testCodes)
		train, test = tr, &te
	}
	opt := invariance.MinimaxOptions{Regressor: rg, Compat: f.compat, NoiseFree: f.noiseFree, Hidden: f.hidden,
		Iters: f.iters, Ascent: invariance.AscentOptions{Iters: f.ascentIters}}
	if f.variant == "impc" {
		opt = invariance.ReferenceIMPC()
		opt.Regressor = rg
		f.compat = true
	}
	if f.compat && !cmd.Flags().Changed("seed") {
		// The reference's random_state: its generic pipeline's, or its
		// IMPC code's.
		f.seed = 123
		if f.variant == "impc" {
			f.seed = 1234
		}
	}
	if f.compat && f.seed > math.MaxUint32 {
		return usagef("--seed %d: with --compat the seed is numpy's (below 2^32)", f.seed)
	}
	opt.Seed, opt.Workers = f.seed, f.workers
	if len(f.trainEnvs) > 0 {
		if len(f.testEnvs) > 0 {
			return usagef("give --train-envs (each split's test environments are the others) or --test-envs, not both")
		}
		var splits []invariance.Split
		for _, tr := range f.trainEnvs {
			codes, err := envCodes("train-envs", strings.Split(tr, ","))
			if err != nil {
				return err
			}
			sp := invariance.Split{Train: codes}
			for k := range levels {
				if !slices.Contains(codes, k) {
					sp.Test = append(sp.Test, k)
				}
			}
			splits = append(splits, sp)
		}
		return f.runSplits(cmd, g, all, splits, levels, opt, input)
	}
	mr, err := invariance.Minimax(cmd.Context(), g, f.target, f.env, train, test, opt)
	if err != nil {
		return fmt.Errorf("invariance minimax: %w", err)
	}
	type classOut struct {
		Representative []string  `json:"representative"`
		Free           []string  `json:"free"`
		WorstCaseRisk  float64   `json:"worst_case_risk"`
		TrainMSE       float64   `json:"train_mse"`
		TestMSE        []float64 `json:"test_mse,omitempty"`
		WorstTestMSE   float64   `json:"worst_test_mse"`
	}
	classes := make([]classOut, len(mr.Classes))
	rows := make([]estimators.Row, len(mr.Classes))
	for c, cr := range mr.Classes {
		classes[c] = classOut{cr.Representative, cr.Free, cr.WorstCaseRisk, cr.TrainMSE, cr.TestMSE, cr.WorstTestMSE}
		rows[c] = estimators.Row{Term: setName(cr.Representative), Estimate: cr.WorstCaseRisk, StdError: math.NaN(),
			Statistic: math.NaN(), PValue: math.NaN(), ConfLow: math.NaN(), ConfHigh: math.NaN()}
	}
	testNames := make([]string, len(mr.Test))
	for k, c := range mr.Test {
		testNames[k] = levels[c]
	}
	method := f.method()
	res := &invResult{
		Command: "invariance minimax", Method: method, N: len(train.Env),
		Estimates: rows,
		Diagnostics: map[string]any{"components": mr.Components, "inputs": mr.Inputs, "regressor": f.regressor,
			"test_environments": testNames, "noise_free": f.compat || f.noiseFree},
		Provenance: estimators.NewProvenance(Version(), f.seed, optionsOf(cmd)),
		Extra: struct {
			Subset          []string   `json:"subset"`
			WholeSetOptimal bool       `json:"whole_set_optimal"`
			Classes         []classOut `json:"classes"`
		}{mr.Subset, mr.WholeSetOptimal, classes},
	}
	res.Provenance.Input = &input
	res.view = &result{Estimates: rows, title: "Causal minimax subset search", statCol: "Stat",
		summary: [][2]string{
			{"Target", f.target}, {"Environments", strconv.Itoa(len(levels))},
			{"Training rows", strconv.Itoa(len(train.Env))}, {"Mutable", setName(mr.Components.Mutable)},
			{"Whole set optimal", strconv.FormatBool(mr.WholeSetOptimal)}, {"Chosen subset", setName(mr.Subset)},
		},
		notes: []string{"Parameter = estimated worst-case risk of each class representative (standardised target)."},
	}
	if test != nil {
		res.view.notes = append(res.view.notes, "Worst test-environment MSE per class:")
		for _, c := range classes {
			res.view.notes = append(res.view.notes, fmt.Sprintf("  %-24s %s", setName(c.Representative), num(c.WorstTestMSE, 4)))
		}
	}
	return f.emit(cmd, res)
}

// method names the settings in the output.
func (f *invMinimaxFlags) method() string {
	switch {
	case f.variant == "impc":
		return "minimax-impc"
	case f.compat:
		return "minimax-compat"
	}
	return "minimax"
}

// runSplits runs the search over several train/test splits.
func (f *invMinimaxFlags) runSplits(cmd *cobra.Command, g *invariance.Graph, all invariance.Table, splits []invariance.Split,
	levels []string, opt invariance.MinimaxOptions, input estimators.Input) error {
	sr, err := invariance.SelectSplits(cmd.Context(), g, f.target, f.env, all, splits, opt)
	if err != nil {
		return fmt.Errorf("invariance minimax: %w", err)
	}
	rows := make([]estimators.Row, len(sr.Classes))
	for c, cl := range sr.Classes {
		rows[c] = estimators.Row{Term: setName(cl.Representative), Estimate: cl.MeanWorstCaseRisk, StdError: math.NaN(),
			Statistic: math.NaN(), PValue: math.NaN(), ConfLow: math.NaN(), ConfHigh: math.NaN()}
	}
	named := make([]map[string][]string, len(splits))
	for s, sp := range splits {
		names := func(codes []int) []string {
			out := make([]string, len(codes))
			for k, c := range codes {
				out[k] = levels[c]
			}
			return out
		}
		named[s] = map[string][]string{"train": names(sp.Train), "test": names(sp.Test)}
	}
	method := f.method()
	res := &invResult{
		Command: "invariance minimax", Method: method, N: len(all.Env), Estimates: rows,
		Diagnostics: map[string]any{"splits": named, "spearman": sr.Spearman, "regressor": f.regressor},
		Provenance:  estimators.NewProvenance(Version(), f.seed, optionsOf(cmd)),
		Extra: struct {
			Subset          []string                `json:"subset"`
			WholeSetOptimal bool                    `json:"whole_set_optimal"`
			Classes         []invariance.SplitClass `json:"classes"`
		}{sr.Subset, sr.WholeSetOptimal, sr.Classes},
	}
	res.Provenance.Input = &input
	res.view = &result{Estimates: rows, title: "Causal minimax subset search over splits", statCol: "Stat",
		summary: [][2]string{
			{"Target", f.target}, {"Environments", strconv.Itoa(len(levels))},
			{"Splits", strconv.Itoa(len(splits))}, {"Spearman (ĥ, test)", num(sr.Spearman, 3)},
			{"Whole set optimal", strconv.FormatBool(sr.WholeSetOptimal)}, {"Chosen subset", setName(sr.Subset)},
		},
		notes: []string{"Parameter = mean estimated worst-case risk over the splits (standardised target).",
			"Mean held-out worst-environment MSE per class:"},
	}
	for _, cl := range sr.Classes {
		res.view.notes = append(res.view.notes, fmt.Sprintf("  %-24s %s", setName(cl.Representative), num(cl.MeanWorstTestMSE, 4)))
	}
	return f.emit(cmd, res)
}

// splitTable splits a table into the rows outside and inside the given
// environment codes.
func splitTable(t invariance.Table, test []int) (train, held invariance.Table) {
	train.Names, held.Names = t.Names, t.Names
	train.Columns, held.Columns = make([][]float64, len(t.Columns)), make([][]float64, len(t.Columns))
	for i, e := range t.Env {
		dst := &train
		if slices.Contains(test, e) {
			dst = &held
		}
		dst.Env = append(dst.Env, e)
		for j := range t.Columns {
			dst.Columns[j] = append(dst.Columns[j], t.Columns[j][i])
		}
	}
	return train, held
}

// ---------------------------------------------------------------- icp

type invICPFlags struct {
	commonFlags
	target, env string
	features    []string
	alpha       float64
	test        string
	method      string
	maxObs      int
	intercept   bool
}

func newInvICPCmd() *cobra.Command {
	var f invICPFlags
	cmd := &cobra.Command{
		Use:   "icp --data FILE --target Y --env E --features COLS",
		Short: "Invariant causal prediction (R InvariantCausalPrediction 0.8 parity)",
		Long: `Tests every subset S of the features for invariance: the residuals of the pooled
regression of the target on S must have the same distribution in every environment
(test normal: Welch t and F tests; ks: Kolmogorov–Smirnov; exact: out-of-environment
prediction errors, at most --max-obs rows per environment drawn from --seed). Accepted
sets, confidence intervals of the causal coefficients (the union over accepted sets),
maximin coefficients and per-variable p-values are computed exactly as R's ICP with
selection "all". --method hidden runs hiddenICP (shift interventions, hidden variables).`,
		Example: `  causalkit invariance icp --data d.csv --target Y --env E --features X1..X5
  causalkit invariance icp --data d.csv --target Y --env E --features X1..X5 --alpha 0.05 --test ks --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return f.run(cmd) },
	}
	f.commonFlags.register(cmd, false)
	fs := cmd.Flags()
	fs.StringVar(&f.target, "target", "", "target column")
	fs.StringVar(&f.env, "env", "", "environment column")
	fs.StringSliceVar(&f.features, "features", nil, "feature columns (comma-separated, or ranges like X1..X5)")
	fs.Float64Var(&f.alpha, "alpha", 0, "level (default 0.01 for icp, 0.1 for hidden, as R)")
	fs.StringVar(&f.test, "test", "normal", "invariance test: normal, ks or exact (ranks is normal)")
	fs.StringVar(&f.method, "method", "icp", "icp, or hidden for hiddenICP")
	fs.IntVar(&f.maxObs, "max-obs", 200, "test exact: rows per environment at most (subsampled from --seed)")
	fs.BoolVar(&f.intercept, "intercept", false, "hidden: include an intercept")
	_ = cmd.MarkFlagRequired("target")
	_ = cmd.MarkFlagRequired("env")
	_ = cmd.MarkFlagRequired("features")
	return cmd
}

// icpRow is one feature's line of the icp JSON.
type icpRow struct {
	Term      string  `json:"term"`
	Estimate  float64 `json:"estimate"`
	StdError  float64 `json:"std_error"`
	Statistic float64 `json:"statistic"`
	PValue    float64 `json:"p_value"`
	ConfLow   float64 `json:"conf_low"`
	ConfHigh  float64 `json:"conf_high"`
	Maximin   float64 `json:"maximin"`
}

func (f *invICPFlags) run(cmd *cobra.Command) error {
	if err := f.validate(); err != nil {
		return err
	}
	test, err := invariance.ParseICPTest(f.test)
	if err != nil {
		return usagef("--test: %v", err)
	}
	if f.method != "icp" && f.method != "hidden" {
		return usagef("--method %q: use icp or hidden", f.method)
	}
	if f.alpha != 0 && !(f.alpha > 0 && f.alpha < 1) {
		return usagef("--alpha %g: give a level in (0, 1)", f.alpha)
	}
	if f.maxObs < 1 {
		return usagef("--max-obs %d: must be positive", f.maxObs)
	}
	if f.features, err = expandColumns("features", f.features); err != nil {
		return err
	}
	if len(f.features) == 0 {
		return usagef("--features is empty")
	}
	frame, input, release, err := f.load(cmd, append([]string{f.target}, f.features...), []string{f.env})
	if err != nil {
		return err
	}
	defer release()
	codes, levels := frame.Codes(f.env)
	x := make([][]float64, len(f.features))
	for j, v := range f.features {
		x[j] = frame.Float64(v)
	}
	y := frame.Float64(f.target)
	res := &invResult{Command: "invariance icp", N: frame.N, Provenance: estimators.NewProvenance(Version(), f.seed, optionsOf(cmd))}
	res.Provenance.Input = &input
	rows := make([]icpRow, len(f.features))
	view := make([]estimators.Row, len(f.features))
	nan := math.NaN()
	var extraSummary [][2]string
	notes := []string{"Parameter = averaged estimate; interval = intersection over environments."}
	if f.method == "hidden" {
		hr, err := invariance.HiddenICP(x, f.features, y, codes, invariance.HiddenICPOptions{Alpha: f.alpha, Intercept: f.intercept})
		if err != nil {
			return err
		}
		for j, v := range f.features {
			rows[j] = icpRow{v, hr.Beta[j], nan, nan, hr.PValues[j], hr.ConfLow[j], hr.ConfHigh[j], hr.Maximin[j]}
		}
		res.Method = "hidden-icp"
		res.Diagnostics = map[string]any{"alpha": or0(f.alpha, 0.1), "environments": len(levels)}
	} else {
		ir, err := invariance.ICP(cmd.Context(), x, f.features, y, codes, invariance.ICPOptions{Alpha: f.alpha, Test: test,
			MaxNoObs: f.maxObs, Seed: f.seed, Workers: f.workers})
		if err != nil {
			return err
		}
		for j, v := range f.features {
			rows[j] = icpRow{v, ir.Maximin[j], nan, nan, ir.PValues[j], ir.ConfLow[j], ir.ConfHigh[j], ir.Maximin[j]}
		}
		type setOut struct {
			Set    []string `json:"set"`
			PValue float64  `json:"p_value"`
		}
		sets := make([]setOut, len(ir.Sets))
		for s, st := range ir.Sets {
			sets[s] = setOut{st.Set, st.PValue}
		}
		res.Method = "icp"
		res.Diagnostics = map[string]any{"alpha": ir.Alpha, "test": ir.Test, "environments": ir.Environments,
			"best_model": ir.BestModel, "sets": sets}
		res.Extra = struct {
			AcceptedSets  [][]string `json:"accepted_sets"`
			ModelRejected bool       `json:"model_rejected"`
		}{ir.AcceptedSets, ir.ModelRejected}
		acc := make([]string, len(ir.AcceptedSets))
		for k, s := range ir.AcceptedSets {
			acc[k] = setName(s)
		}
		extraSummary = [][2]string{{"Model rejected", strconv.FormatBool(ir.ModelRejected)}, {"Alpha", num(ir.Alpha, 4)}}
		notes = []string{"Parameter = maximin coefficient. Accepted sets: " + strings.Join(acc, " ")}
	}
	for j, r := range rows {
		view[j] = estimators.Row{Term: r.Term, Estimate: r.Estimate, StdError: nan, Statistic: nan, PValue: r.PValue, ConfLow: r.ConfLow, ConfHigh: r.ConfHigh}
	}
	res.Estimates = rows
	res.view = &result{Estimates: view, title: "Invariant Causal Prediction", statCol: "Stat",
		summary: [][2]string{{"Target", f.target}, {"Method", res.Method}, {"Environments", strconv.Itoa(len(levels))},
			{"No. Observations", strconv.Itoa(frame.N)}, {"Test", f.test}}, notes: notes}
	res.view.summary = append(res.view.summary, extraSummary...)
	return f.emit(cmd, res)
}

func or0(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}
