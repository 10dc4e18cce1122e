package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	stdio "io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/causalkit/causalkit/conjoint"
	"github.com/causalkit/causalkit/estimators"
	"github.com/causalkit/causalkit/internal/natural"
	ckio "github.com/causalkit/causalkit/io"
	"github.com/causalkit/causalkit/plot"
)

// newConjointCmd is `causalkit conjoint`: AMCEs, marginal means,
// diagnostics, and optimal and adversarial stochastic interventions
// (CLI.md, section "causalkit conjoint").
func newConjointCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "conjoint",
		Short: "Conjoint analysis: AMCEs, marginal means, diagnostics, optimal and adversarial policies",
		Long: `Conjoint (factorial survey) experiments, one row per profile shown.

Subcommands share --outcome, --respondent and --attributes; the respondent
is the cluster of every standard error (--se cr1: G/(G−1)·(n−1)/(n−k) as
cjoint, Stata and sandwich; --se survey: G/(G−1) as cregg and survey).
Levels are ordered as in --design, else in natural order (numbers inside
names compare by value: "5%" before "15%"); the first is the baseline unless
--baseline attr=level says otherwise.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newConjointAMCECmd(), newConjointMMCmd(), newConjointDiagnoseCmd(),
		newConjointOptimizeCmd(), newConjointAdversarialCmd())
	return cmd
}

// conjointFlags are the flags every conjoint subcommand shares.
type conjointFlags struct {
	commonFlags
	outcome, respondent, task, profile, pair string
	attributes                               []string
	design, restrictions                     string
	baseline                                 []string
	se                                       string
	plot                                     string
}

func (f *conjointFlags) register(cmd *cobra.Command) {
	f.commonFlags.register(cmd, true)
	fs := cmd.Flags()
	fs.StringVar(&f.outcome, "outcome", "", "outcome column (choice indicator or rating)")
	fs.StringVar(&f.respondent, "respondent", "", "respondent identifier column (the clusters)")
	fs.StringSliceVar(&f.attributes, "attributes", nil, "attribute columns (comma-separated; ranges like taxrate1..taxrate6)")
	fs.StringVar(&f.task, "task", "", "task column (choice task within respondent)")
	fs.StringVar(&f.profile, "profile", "", "profile position column (1 = first/left)")
	fs.StringVar(&f.pair, "pair", "", "choice pair column (default: respondent × task)")
	fs.StringVar(&f.design, "design", "", "design file: CSV attribute,level,prob (level order and randomisation probabilities); default uniform over observed levels")
	fs.StringSliceVar(&f.baseline, "baseline", nil, "reference levels: attr=level,... (default: the first level)")
	fs.StringVar(&f.se, "se", "cr1", "clustered errors: cr1 (cjoint, Stata, sandwich HC1) or survey (G/(G−1), cregg)")
	_ = cmd.MarkFlagRequired("outcome")
	_ = cmd.MarkFlagRequired("respondent")
	_ = cmd.MarkFlagRequired("attributes")
}

func (f *conjointFlags) registerRestrictions(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.restrictions, "restrictions", "", "restrictions file: CSV attribute1,level1,attribute2,level2 (pairs of levels never shown together)")
}

func (f *conjointFlags) registerPlot(cmd *cobra.Command, what string) {
	cmd.Flags().StringVar(&f.plot, "plot", "", "draw "+what+" to FILE.png or FILE.svg")
}

func (f *conjointFlags) covType() (estimators.CovType, error) {
	switch f.se {
	case "cr1":
		return estimators.CR1, nil
	case "survey", "cr0g":
		return estimators.CR0G, nil
	}
	return 0, usagef("--se %q: use cr1 or survey", f.se)
}

// loaded is the data of a conjoint command.
type loaded struct {
	design  *conjoint.Design
	data    *conjoint.Data
	frame   *ckio.Frame
	input   estimators.Input
	release func()
}

// load reads the columns, builds the design (level order, probabilities,
// baselines, restrictions) and the data.
func (f *conjointFlags) load(cmd *cobra.Command, numeric, categorical []string) (*loaded, error) {
	if err := f.validate(); err != nil {
		return nil, err
	}
	if err := checkPlot(f.plot); err != nil {
		return nil, err
	}
	var err error
	if f.attributes, err = expandColumns("attributes", f.attributes); err != nil {
		return nil, err
	}
	if len(f.attributes) == 0 {
		return nil, usagef("--attributes: name at least one attribute column")
	}
	if _, err := f.covType(); err != nil {
		return nil, err
	}
	num := append([]string{f.outcome}, numeric...)
	if f.weights != "" {
		num = append(num, f.weights)
	}
	cat := append([]string{f.respondent}, f.attributes...)
	for _, c := range []string{f.task, f.profile, f.pair} {
		if c != "" {
			cat = append(cat, c)
		}
	}
	cat = append(cat, categorical...)
	frame, input, release, err := f.loadSorted(cmd, num, cat)
	if err != nil {
		return nil, err
	}
	l := &loaded{frame: frame, input: input, release: release}
	defer func() {
		if err != nil {
			release()
		}
	}()
	levels := make([][]string, len(f.attributes))
	codes := make([][]int, len(f.attributes))
	for a, name := range f.attributes {
		codes[a], levels[a] = naturalOrder(frame.Codes(name))
	}
	d := conjoint.NewDesign(f.attributes, levels)
	if f.design != "" {
		if err = applyDesignFile(f.design, d, codes); err != nil {
			return nil, err
		}
	}
	for _, b := range f.baseline {
		attr, lvl, ok := strings.Cut(b, "=")
		if !ok {
			err = usagef("--baseline %q: write attribute=level", b)
			return nil, err
		}
		if err = d.SetBaseline(attr, lvl); err != nil {
			return nil, fmt.Errorf("--baseline: %w", err)
		}
	}
	if f.restrictions != "" {
		if err = applyRestrictions(f.restrictions, d); err != nil {
			return nil, err
		}
	}
	x := &conjoint.Data{Y: frame.Float64(f.outcome), Levels: codes}
	x.Respondent, _ = frame.Codes(f.respondent)
	if f.task != "" {
		x.Task, _ = frame.Codes(f.task)
	}
	if f.profile != "" {
		x.Profile, _ = frame.Codes(f.profile)
	}
	if f.pair != "" {
		x.Pair, _ = frame.Codes(f.pair)
	}
	if f.weights != "" {
		x.Weights = frame.Float64(f.weights)
	}
	if err = x.Validate(d); err != nil {
		return nil, err
	}
	l.design, l.data = d, x
	return l, nil
}

// loadSorted is commonFlags.load with levels of categorical columns sorted
// (numerically for numbers), so that tasks and positions keep their order.
func (f *conjointFlags) loadSorted(cmd *cobra.Command, numeric, categorical []string) (*ckio.Frame, estimators.Input, func(), error) {
	opt := ckio.ReadOptions{Columns: dedupe(append(slices.Clone(numeric), categorical...))}
	var err error
	if opt.Format, err = ckio.ParseFormat(f.dataFormat); err != nil {
		return nil, estimators.Input{}, nil, usagef("--data-format: %v", err)
	}
	if f.schema != "" {
		r, err := os.Open(f.schema)
		if err != nil {
			return nil, estimators.Input{}, nil, usagef("--schema: %v", err)
		}
		opt.Schema, err = ckio.ParseSchema(r)
		r.Close()
		if err != nil {
			return nil, estimators.Input{}, nil, fmt.Errorf("--schema %s: %w", f.schema, err)
		}
	}
	t, err := ckio.Read(cmd.Context(), f.data, opt)
	if err != nil {
		return nil, estimators.Input{}, nil, err
	}
	na := ckio.NADrop
	if f.na == "error" {
		na = ckio.NAError
	}
	frame, err := t.Frame(ckio.FrameSpec{Numeric: numeric, Categorical: categorical, NA: na, Order: ckio.Sorted})
	if err != nil {
		t.Release()
		return nil, estimators.Input{}, nil, err
	}
	src := t.Source()
	input := estimators.Input{Path: src.Path, SHA256: src.SHA256, Rows: src.Rows, Used: frame.N, Dropped: frame.Dropped}
	if frame.Dropped > 0 {
		f.notef(cmd, "dropped %d of %d rows with missing values in %s (use --na error to stop instead)",
			frame.Dropped, src.Rows, strings.Join(opt.Columns, ", "))
	}
	return frame, input, t.Release, nil
}

// readCSVRecords reads a small CSV file; a first row equal to header (case
// insensitive) is skipped.
func readCSVRecords(path string, header []string) ([][]string, error) {
	r, err := os.Open(path)
	if err != nil {
		return nil, estimators.InputErrorf("%v", err)
	}
	defer r.Close()
	recs, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, estimators.InputErrorf("%s: %v", path, err)
	}
	if len(recs) > 0 && len(recs[0]) == len(header) {
		same := true
		for i, h := range header {
			if !strings.EqualFold(strings.TrimSpace(recs[0][i]), h) {
				same = false
			}
		}
		if same {
			recs = recs[1:]
		}
	}
	for i, rec := range recs {
		if len(rec) != len(header) {
			return nil, estimators.InputErrorf("%s: line %d has %d fields; want %s", path, i+1, len(rec), strings.Join(header, ","))
		}
	}
	return recs, nil
}

// applyDesignFile reorders the levels of the design's attributes as the
// design file lists them and sets their probabilities; codes are recoded.
func applyDesignFile(path string, d *conjoint.Design, codes [][]int) error {
	recs, err := readCSVRecords(path, []string{"attribute", "level", "prob"})
	if err != nil {
		return fmt.Errorf("--design: %w", err)
	}
	levels := map[string][]string{}
	probs := map[string][]float64{}
	for i, r := range recs {
		p, err := strconv.ParseFloat(strings.TrimSpace(r[2]), 64)
		if err != nil {
			return estimators.InputErrorf("--design %s: line %d: probability %q is not a number", path, i+1, r[2])
		}
		levels[r[0]] = append(levels[r[0]], r[1])
		probs[r[0]] = append(probs[r[0]], p)
	}
	for name, lv := range levels {
		a := d.Attr(name)
		if a < 0 {
			return estimators.InputErrorf("--design %s: attribute %q is not among --attributes", path, name)
		}
		old := d.Attributes[a].Levels
		recode := make([]int, len(old))
		for i, o := range old {
			recode[i] = slices.Index(lv, o)
			if recode[i] < 0 {
				return estimators.InputErrorf("--design %s: attribute %q: level %q of the data is not in the design", path, name, o)
			}
		}
		for i, c := range codes[a] {
			codes[a][i] = recode[c]
		}
		d.Attributes[a].Levels = lv
		d.Attributes[a].Prob = probs[name]
	}
	return nil
}

func applyRestrictions(path string, d *conjoint.Design) error {
	recs, err := readCSVRecords(path, []string{"attribute1", "level1", "attribute2", "level2"})
	if err != nil {
		return fmt.Errorf("--restrictions: %w", err)
	}
	for i, r := range recs {
		if err := d.Restrict(r[0], r[1], r[2], r[3]); err != nil {
			return fmt.Errorf("--restrictions %s: line %d: %w", path, i+1, err)
		}
	}
	return nil
}

// conjointResult is the JSON shape of the conjoint commands: the fields
// every estimation command shares (CLI.md) with rows that carry the
// attribute and level, plus the policy fields of optimize and adversarial.
type conjointResult struct {
	Command     string                `json:"command"`
	Method      string                `json:"method"`
	N           any                   `json:"n"`
	Estimates   []conjoint.Estimate   `json:"estimates"`
	Policy      []conjoint.PolicyRow  `json:"policy,omitempty"`
	Policies    map[string]any        `json:"policies,omitempty"`
	Value       any                   `json:"value,omitempty"`
	DesignValue any                   `json:"design_value,omitempty"`
	NashGap     any                   `json:"nash_gap,omitempty"`
	Diagnostics map[string]any        `json:"diagnostics"`
	Provenance  estimators.Provenance `json:"provenance"`

	title   string
	summary [][2]string
	notes   []string
	figure  *plot.EffectsData // drawn to --plot
}

func newConjointResult(cmd *cobra.Command, f *conjointFlags, method string, n any, input *estimators.Input) *conjointResult {
	res := &conjointResult{Command: "conjoint " + cmd.Name(), Method: method, N: n, Estimates: []conjoint.Estimate{},
		Diagnostics: map[string]any{}, Provenance: estimators.NewProvenance(Version(), f.seed, optionsOf(cmd))}
	res.Provenance.Input = input
	return res
}

// emit draws the figure when --plot asks for it, then writes the result.
func (f *conjointFlags) emit(cmd *cobra.Command, res *conjointResult) error {
	if f.plot != "" && res.figure != nil {
		format, _ := plot.FormatFromPath(f.plot)
		if err := ckio.WriteFileAtomic(f.plot, func(w stdio.Writer) error { return plot.Effects(w, *res.figure, format) }); err != nil {
			return err
		}
	}
	return f.commonFlags.emit(cmd, res)
}

func (r *conjointResult) write(w stdio.Writer, format string) error {
	switch format {
	case "json":
		return ckio.WriteJSON(w, r)
	case "csv":
		return ckio.WriteCSV(w, conjointColumns(r.Estimates))
	}
	return r.writeTable(w)
}

// effectsFigure is the dot-and-whisker plot of estimate rows; the levels of
// conditional estimates carry their group.
func effectsFigure(title, xlabel string, rows []conjoint.Estimate, ref float64) *plot.EffectsData {
	d := &plot.EffectsData{Title: title, XLabel: xlabel, Reference: ref, HasReference: true}
	for _, e := range rows {
		level := e.Level
		if e.Group != "" {
			level += " (" + e.Group + ")"
		}
		d.Rows = append(d.Rows, plot.Effect{Attribute: e.Attribute, Level: level, Estimate: e.Estimate,
			Low: e.ConfLow, High: e.ConfHigh, Compare: math.NaN()})
	}
	return d
}

func conjointColumns(rows []conjoint.Estimate) []ckio.Column {
	n := len(rows)
	term, attr, level, group := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	vals := make([][]float64, 6)
	for k := range vals {
		vals[k] = make([]float64, n)
	}
	for i, r := range rows {
		term[i], attr[i], level[i], group[i] = r.Term, r.Attribute, r.Level, r.Group
		for k, v := range []float64{r.Estimate, r.StdError, r.Statistic, r.PValue, r.ConfLow, r.ConfHigh} {
			vals[k][i] = v
		}
	}
	cols := []ckio.Column{{Name: "term", String: term}, {Name: "attribute", String: attr}, {Name: "level", String: level}}
	if slices.ContainsFunc(group, func(s string) bool { return s != "" }) {
		cols = append(cols, ckio.Column{Name: "group", String: group})
	}
	for k, name := range []string{"estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high"} {
		cols = append(cols, ckio.Column{Name: name, Float64: vals[k]})
	}
	return cols
}

func (r *conjointResult) writeTable(w stdio.Writer) error {
	var b strings.Builder
	heading(&b, r.title)
	for _, kv := range r.summary {
		fmt.Fprintf(&b, "%-23s %s\n", kv[0]+":", kv[1])
	}
	if len(r.Estimates) > 0 {
		nameW, levW := 9, 5
		for _, e := range r.Estimates {
			nameW = max(nameW, len([]rune(e.Attribute)))
			levW = max(levW, len([]rune(e.Level)))
		}
		levW = min(levW, 40)
		b.WriteString("\n")
		hasGroup := slices.ContainsFunc(r.Estimates, func(e conjoint.Estimate) bool { return e.Group != "" })
		head := fmt.Sprintf("%-*s %-*s", nameW, "Attribute", levW, "Level")
		if hasGroup {
			head += fmt.Sprintf(" %-16s", "Group")
		}
		fmt.Fprintf(&b, "%s %10s %10s %8s %8s %10s %10s\n", head, "Estimate", "Std. Err.", "Z-stat", "P-value", "Lower CI", "Upper CI")
		b.WriteString(strings.Repeat("-", max(tableWidth, len([]rune(head))+62)) + "\n")
		for _, e := range r.Estimates {
			line := fmt.Sprintf("%-*s %-*s", nameW, e.Attribute, levW, e.Level)
			if hasGroup {
				line += fmt.Sprintf(" %-16s", e.Group)
			}
			fmt.Fprintf(&b, "%s %10s %10s %8s %8s %10s %10s\n", line, num(e.Estimate, 4), num(e.StdError, 4),
				num(e.Statistic, 3), pval(e.PValue), num(e.ConfLow, 4), num(e.ConfHigh, 4))
		}
	}
	for _, n := range r.notes {
		b.WriteString("\n" + n)
	}
	b.WriteString("\n")
	_, err := stdio.WriteString(w, b.String())
	return err
}

// groupOf reads a subgroup column as a conjoint.Group.
func groupOf(frame *ckio.Frame, col string) conjoint.Group {
	codes, names := frame.Codes(col)
	return conjoint.Group{Codes: codes, Names: names}
}

func seName(t estimators.CovType) string {
	if t == estimators.CR0G {
		return "survey (CR0G: G/(G−1))"
	}
	return "CR1: G/(G−1)·(n−1)/(n−k)"
}

// ---- amce ----

type amceFlags struct {
	conjointFlags
	interactions []string
	averaging    string
	by           string
	diffs        bool
	compare      []string
}

func newConjointAMCECmd() *cobra.Command {
	var f amceFlags
	cmd := &cobra.Command{
		Use:   "amce --data FILE --outcome COL --respondent COL --attributes COLS",
		Short: "Average marginal component effects with respondent-clustered errors",
		Long: `AMCEs: least squares of the outcome on the level indicators of every
attribute (survey weights with --weights), respondent-clustered errors.

Restricted designs (--restrictions) get the full interaction of linked
attributes, and AMCEs averaged over the other attribute's levels:
--averaging uniform (cregg: uniform over supported levels) or design
(cjoint: design-weighted). --interactions A:B adds ACIEs. --by COL estimates
conditional AMCEs per group; with --diffs, their differences from the first
group. --compare 'A:l1 - A:l2' tests that two levels' AMCEs differ.`,
		Example: `  causalkit conjoint amce --data taxes.csv --outcome chose_plan --respondent ID --attributes taxrate1..taxrate6,taxrev --se survey
  causalkit conjoint amce --data immigration.csv --outcome ChosenImmigrant --respondent CaseID --attributes Gender,Education,Job --restrictions restr.csv`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return f.run(cmd) },
	}
	f.register(cmd)
	f.registerRestrictions(cmd)
	f.registerPlot(cmd, "the AMCEs (dot-and-whisker)")
	fs := cmd.Flags()
	fs.StringSliceVar(&f.interactions, "interactions", nil, "ACIEs: attribute pairs A:B,...")
	fs.StringVar(&f.averaging, "averaging", "uniform", "AMCE of restricted or interacted attributes: uniform (cregg) or design (cjoint)")
	fs.StringVar(&f.by, "by", "", "subgroup column: conditional AMCEs per group")
	fs.BoolVar(&f.diffs, "diffs", false, "with --by: differences of AMCEs from the first group (one interacted regression)")
	fs.StringArrayVar(&f.compare, "compare", nil, "test that two levels differ: 'attr:level1 - attr:level2' (repeatable)")
	return cmd
}

func (f *amceFlags) run(cmd *cobra.Command) error {
	opt := conjoint.AMCEOptions{Level: f.level / 100}
	var err error
	if opt.Cov, err = f.covType(); err != nil {
		return err
	}
	switch f.averaging {
	case "uniform":
	case "design":
		opt.Averaging = conjoint.DesignWeighted
	default:
		return usagef("--averaging %q: use uniform or design", f.averaging)
	}
	for _, s := range f.interactions {
		a, b, ok := strings.Cut(s, ":")
		if !ok {
			return usagef("--interactions %q: write A:B", s)
		}
		opt.Interactions = append(opt.Interactions, [2]string{a, b})
	}
	if f.diffs && f.by == "" {
		return usagef("--diffs needs --by COL")
	}
	var cat []string
	if f.by != "" {
		cat = append(cat, f.by)
	}
	l, err := f.load(cmd, nil, cat)
	if err != nil {
		return err
	}
	defer l.release()
	res := newConjointResult(cmd, &f.conjointFlags, "ols", l.data.N(), &l.input)
	res.title = "Conjoint AMCE (OLS on level indicators)"
	res.Diagnostics["se"] = f.se
	res.Diagnostics["averaging"] = opt.Averaging.String()
	switch {
	case f.by != "" && f.diffs:
		rows, err := conjoint.AMCEDiffs(l.design, l.data, groupOf(l.frame, f.by), opt)
		if err != nil {
			return fmt.Errorf("conjoint amce: %w", err)
		}
		res.Estimates = rows
		res.Method = "ols-differences"
	case f.by != "":
		by, err := conjoint.AMCEBy(l.design, l.data, groupOf(l.frame, f.by), opt)
		if err != nil {
			return fmt.Errorf("conjoint amce: %w", err)
		}
		for _, r := range by {
			res.Estimates = append(res.Estimates, r.Estimates...)
		}
	default:
		r, err := conjoint.AMCE(l.design, l.data, opt)
		if err != nil {
			return fmt.Errorf("conjoint amce: %w", err)
		}
		res.Estimates = r.Estimates
		res.Diagnostics["intercept"] = r.Intercept
		res.Diagnostics["clusters"] = r.Clusters
		if len(r.Dropped) > 0 {
			res.Diagnostics["not_estimable"] = r.Dropped
		}
		var cmps []conjoint.Estimate
		for _, c := range f.compare {
			a, b, ok := strings.Cut(c, " - ")
			if !ok {
				return usagef("--compare %q: write 'attr:level1 - attr:level2'", c)
			}
			i, j := findTerm(r.Estimates, a), findTerm(r.Estimates, b)
			if i < 0 || j < 0 {
				return usagef("--compare %q: no such term", c)
			}
			e, err := r.Compare(i, j, opt.Level)
			if err != nil {
				return fmt.Errorf("conjoint amce: %w", err)
			}
			cmps = append(cmps, e)
		}
		if cmps != nil {
			res.Diagnostics["comparisons"] = cmps
		}
		res.summary = append(res.summary, [2]string{"Respondents", strconv.Itoa(r.Clusters)})
	}
	res.summary = append([][2]string{{"Outcome", f.outcome}, {"Rows", strconv.Itoa(l.data.N())}, {"Std. errors", seName(opt.Cov)}}, res.summary...)
	res.figure = effectsFigure("AMCE", "change in "+f.outcome+" from the baseline level", res.Estimates, 0)
	return f.emit(cmd, res)
}

func findTerm(rows []conjoint.Estimate, term string) int {
	return slices.IndexFunc(rows, func(e conjoint.Estimate) bool { return e.Term == strings.TrimSpace(term) })
}

// ---- mm ----

type mmFlags struct {
	conjointFlags
	h0    float64
	by    string
	diffs bool
}

func newConjointMMCmd() *cobra.Command {
	var f mmFlags
	cmd := &cobra.Command{
		Use:   "mm --data FILE --outcome COL --respondent COL --attributes COLS",
		Short: "Marginal means with respondent-clustered errors",
		Long: `Marginal means: the mean outcome at every level. Their clustered errors come
from the regression of the outcome on all of one attribute's level indicators
without intercept (as cregg's mm). --h0 0.5 for forced choice: the statistic
is (estimate − h0)/std_error. --by COL gives means per group; with --diffs,
differences from the first group.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return f.run(cmd) },
	}
	f.register(cmd)
	f.registerRestrictions(cmd)
	f.registerPlot(cmd, "the marginal means (dot-and-whisker)")
	fs := cmd.Flags()
	fs.Float64Var(&f.h0, "h0", 0, "null value of the tests (0.5 for forced choice)")
	fs.StringVar(&f.by, "by", "", "subgroup column")
	fs.BoolVar(&f.diffs, "diffs", false, "with --by: differences from the first group")
	return cmd
}

func (f *mmFlags) run(cmd *cobra.Command) error {
	opt := conjoint.MMOptions{Level: f.level / 100, H0: f.h0}
	var err error
	if opt.Cov, err = f.covType(); err != nil {
		return err
	}
	if f.diffs && f.by == "" {
		return usagef("--diffs needs --by COL")
	}
	var cat []string
	if f.by != "" {
		cat = append(cat, f.by)
	}
	l, err := f.load(cmd, nil, cat)
	if err != nil {
		return err
	}
	defer l.release()
	res := newConjointResult(cmd, &f.conjointFlags, "marginal-means", l.data.N(), &l.input)
	res.title = "Conjoint marginal means"
	res.Diagnostics["se"] = f.se
	res.Diagnostics["h0"] = f.h0
	switch {
	case f.by != "" && f.diffs:
		rows, err := conjoint.MMDiffs(l.design, l.data, groupOf(l.frame, f.by), opt)
		if err != nil {
			return fmt.Errorf("conjoint mm: %w", err)
		}
		res.Estimates = rows
		res.Method = "marginal-mean-differences"
	case f.by != "":
		by, err := conjoint.MarginalMeansBy(l.design, l.data, groupOf(l.frame, f.by), opt)
		if err != nil {
			return fmt.Errorf("conjoint mm: %w", err)
		}
		for _, r := range by {
			res.Estimates = append(res.Estimates, r.Estimates...)
		}
	default:
		r, err := conjoint.MarginalMeans(l.design, l.data, opt)
		if err != nil {
			return fmt.Errorf("conjoint mm: %w", err)
		}
		res.Estimates = r.Estimates
		res.Diagnostics["clusters"] = r.Clusters
	}
	res.summary = [][2]string{{"Outcome", f.outcome}, {"Rows", strconv.Itoa(l.data.N())}, {"Std. errors", seName(opt.Cov)}, {"h0", num(f.h0, 2)}}
	res.figure = effectsFigure("Marginal means", "mean of "+f.outcome, res.Estimates, f.h0)
	return f.emit(cmd, res)
}

// ---- diagnose ----

type diagnoseFlags struct {
	conjointFlags
	covariates []string
}

func newConjointDiagnoseCmd() *cobra.Command {
	var f diagnoseFlags
	cmd := &cobra.Command{
		Use:   "diagnose --data FILE --outcome COL --respondent COL --attributes COLS [--task COL] [--profile COL]",
		Short: "Carryover, profile order, balance and display-frequency diagnostics",
		Long: `Diagnostics of a conjoint experiment: carryover (nested-model F test of
attribute × task interactions, as cregg's cj_anova by task; needs --task),
profile order (mean outcome by position and the Wald test that they are
equal; needs --profile), balance of respondent covariates (--covariates:
Wald χ² that a covariate does not vary with the displayed levels, with the
--se covariance), and display frequencies with χ² tests against the design.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return f.run(cmd) },
	}
	f.register(cmd)
	f.registerRestrictions(cmd)
	cmd.Flags().StringSliceVar(&f.covariates, "covariates", nil, "numeric respondent covariates for the balance tests")
	return cmd
}

func (f *diagnoseFlags) run(cmd *cobra.Command) error {
	ct, err := f.covType()
	if err != nil {
		return err
	}
	l, err := f.load(cmd, nil, nil)
	if err != nil {
		return err
	}
	defer l.release()
	res := newConjointResult(cmd, &f.conjointFlags, "diagnostics", l.data.N(), &l.input)
	res.title = "Conjoint diagnostics"
	res.summary = [][2]string{{"Outcome", f.outcome}, {"Rows", strconv.Itoa(l.data.N())}, {"Std. errors", seName(ct)}}
	if l.data.Task != nil {
		t, err := conjoint.Carryover(l.design, l.data)
		if err != nil {
			return fmt.Errorf("conjoint diagnose: carryover: %w", err)
		}
		res.Diagnostics["carryover"] = t
		res.summary = append(res.summary, [2]string{"Carryover F", fmt.Sprintf("%s on (%g, %g) df, p = %s", num(t.Statistic, 4), t.DF1, t.DF2, pval(t.PValue))})
	}
	if l.data.Profile != nil {
		po, err := conjoint.ProfileOrder(l.design, l.data, ct)
		if err != nil {
			return fmt.Errorf("conjoint diagnose: profile order: %w", err)
		}
		_, names := l.frame.Codes(f.profile)
		type pos struct {
			Profile  any     `json:"profile"`
			Estimate float64 `json:"estimate"`
			StdError float64 `json:"std_error"`
			N        int     `json:"n"`
		}
		var list []pos
		for k, m := range po.Means {
			var label any = names[k]
			if v, err := strconv.ParseFloat(names[k], 64); err == nil {
				label = v
			}
			list = append(list, pos{label, m.Estimate, m.StdError, m.N})
			res.summary = append(res.summary, [2]string{"Mean at profile " + names[k], num(m.Estimate, 4)})
		}
		res.Diagnostics["profile_order"] = list
		res.Diagnostics["profile_order_test"] = po.Test
	}
	if len(f.covariates) > 0 {
		// Covariates are read separately so that a missing covariate
		// drops rows only from its own test.
		covs := make([][]float64, len(f.covariates))
		for k, c := range f.covariates {
			covs[k], err = readCovariate(cmd, &f.conjointFlags, c, l.frame)
			if err != nil {
				return err
			}
		}
		bal, err := conjoint.Balance(l.design, l.data, f.covariates, covs, ct)
		if err != nil {
			return fmt.Errorf("conjoint diagnose: balance: %w", err)
		}
		res.Diagnostics["balance"] = bal
		for _, b := range bal {
			res.summary = append(res.summary, [2]string{"Balance " + b.Term, fmt.Sprintf("χ²(%g) = %s, p = %s", b.DF, num(b.Statistic, 3), pval(b.PValue))})
		}
	}
	freqs, tests, err := conjoint.Frequencies(l.design, l.data)
	if err != nil {
		return fmt.Errorf("conjoint diagnose: %w", err)
	}
	res.Diagnostics["frequencies"] = freqs
	res.Diagnostics["frequency_tests"] = tests
	return f.emit(cmd, res)
}

// readCovariate reads a numeric column for the rows of frame (NaN where it
// is missing).
func readCovariate(cmd *cobra.Command, f *conjointFlags, col string, frame *ckio.Frame) ([]float64, error) {
	t, err := ckio.Read(cmd.Context(), f.data, ckio.ReadOptions{Columns: []string{col}})
	if err != nil {
		return nil, err
	}
	defer t.Release()
	c, err := t.Float64(col)
	if err != nil {
		return nil, err
	}
	out := make([]float64, frame.N)
	for k, i := range frame.Rows {
		out[k] = c.Values[i]
		if c.Valid != nil && !c.Valid[i] {
			out[k] = math.NaN()
		}
	}
	return out, nil
}

// ---- optimize ----

type optimizeFlags struct {
	conjointFlags
	lambda       float64
	lambdaSelect string
	lambdas      []float64
	folds        int
	penalty      string
	model        string
	pairwise     bool
	interactions bool
	restarts     int
	crossfit     int
}

func newConjointOptimizeCmd() *cobra.Command {
	var f optimizeFlags
	cmd := &cobra.Command{
		Use:   "optimize --data FILE --outcome COL --respondent COL --attributes COLS (--lambda L | --lambda-select cv)",
		Short: "Optimal stochastic intervention (Jerzak, Chandra and Hazra)",
		Long: `The product distribution over attribute levels that maximises the expected
outcome Q(π) − λ·Pen(π, design): --penalty l2 (squared distance) or kl
(KL(design‖π)); --model linear or logit (default: logit for a 0/1 outcome),
--interactions for all two-way interactions, --pairwise for the difference
model on forced-choice pairs (the first profile is position 1 of --profile;
the intercept is kept, so the value is the win rate when shown first, against
an opponent drawn from the design). Values are exact (closed form or
enumeration of all profiles; no Monte Carlo, no label smoothing); standard
errors by the delta method (implicit-function theorem at the optimum).
--lambda-select cv chooses λ by cross-validation over folds of respondents.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return f.run(cmd) },
	}
	f.register(cmd)
	f.registerRestrictions(cmd)
	f.registerPlot(cmd, "the optimal policy against the design")
	fs := cmd.Flags()
	fs.Float64Var(&f.lambda, "lambda", 0, "penalty weight λ")
	fs.StringVar(&f.lambdaSelect, "lambda-select", "", "cv: choose λ by cross-validation on held-out expected outcome")
	fs.Float64SliceVar(&f.lambdas, "lambdas", nil, "λ grid for --lambda-select cv (default 10^{-4..0}·sd(Y))")
	fs.IntVar(&f.folds, "folds", 2, "cross-validation folds (of respondents)")
	fs.StringVar(&f.penalty, "penalty", "kl", "penalty: l2 or kl (KL(design‖π))")
	fs.StringVar(&f.model, "model", "", "outcome model: linear or logit (default logit for a 0/1 outcome, else linear)")
	fs.BoolVar(&f.pairwise, "pairwise", false, "difference model on forced-choice pairs")
	fs.BoolVar(&f.interactions, "interactions", false, "all two-way interactions of attributes")
	fs.IntVar(&f.restarts, "restarts", 2, "extra random starting points of the solver")
	fs.IntVar(&f.crossfit, "crossfit", 0, "K ≥ 2: also estimate the policy's value out of fold (doubly robust, K folds of respondents)")
	return cmd
}

func parsePenalty(s string) (conjoint.Penalty, error) {
	switch s {
	case "l2":
		return conjoint.L2, nil
	case "kl":
		return conjoint.KL, nil
	}
	return 0, usagef("--penalty %q: use l2 or kl", s)
}

func (f *optimizeFlags) run(cmd *cobra.Command) error {
	pen, err := parsePenalty(f.penalty)
	if err != nil {
		return err
	}
	switch {
	case f.lambdaSelect == "" && f.lambda <= 0:
		return usagef("give --lambda L (> 0) or --lambda-select cv")
	case f.lambdaSelect != "" && f.lambdaSelect != "cv":
		return usagef("--lambda-select %q: use cv", f.lambdaSelect)
	}
	l, err := f.load(cmd, nil, nil)
	if err != nil {
		return err
	}
	defer l.release()
	mopt := conjoint.ModelOptions{Pairwise: f.pairwise, Interactions: f.interactions}
	if mopt.Cov, err = f.covType(); err != nil {
		return err
	}
	switch f.model {
	case "linear":
	case "logit":
		mopt.Link = conjoint.Logit
	case "":
		binary := !slices.ContainsFunc(l.data.Y, func(v float64) bool { return v != 0 && v != 1 })
		if binary {
			mopt.Link = conjoint.Logit
		}
	default:
		return usagef("--model %q: use linear or logit", f.model)
	}
	popt := conjoint.PolicyOptions{Lambda: f.lambda, Penalty: pen, Restarts: f.restarts, Seed: f.seed, Level: f.level / 100}
	res := newConjointResult(cmd, &f.conjointFlags, "optimal-policy", l.data.N(), &l.input)
	if f.lambdaSelect == "cv" {
		cv, err := conjoint.SelectLambda(l.design, l.data, mopt, popt, conjoint.CVOptions{Lambdas: f.lambdas, Folds: f.folds, Seed: f.seed})
		if err != nil {
			return fmt.Errorf("conjoint optimize: %w", err)
		}
		popt.Lambda = cv.Lambda
		res.Diagnostics["cv"] = cv
	}
	m, err := conjoint.FitModel(l.design, l.data, mopt)
	if err != nil {
		return fmt.Errorf("conjoint optimize: %w", err)
	}
	pr, err := conjoint.Optimize(m, popt)
	if err != nil {
		return fmt.Errorf("conjoint optimize: %w", err)
	}
	if f.crossfit > 0 {
		if f.crossfit < 2 {
			return usagef("--crossfit %d: give at least 2 folds", f.crossfit)
		}
		cf, err := conjoint.Crossfit(l.design, l.data, mopt, popt, f.crossfit, f.seed)
		if err != nil {
			return fmt.Errorf("conjoint optimize: crossfit: %w", err)
		}
		res.Diagnostics["crossfit"] = map[string]any{"folds": cf.Folds, "dr_hajek": cf.Policy, "design": cf.Design,
			"gain": cf.Gain, "ips": cf.IPS, "snips": cf.SNIPS, "plug_in": cf.PlugIn, "dr": cf.DR, "ess": cf.ESS, "units": cf.N}
	}
	if len(l.design.Restrictions) > 0 {
		f.notef(cmd, "the policy is a product of independent attribute laws and ignores the design's restrictions (as strategize does)")
	}
	res.Policy = pr.Rows
	res.Value, res.DesignValue = pr.Value, pr.DesignValue
	for _, r := range pr.Rows {
		e := conjoint.Estimate{Term: r.Attribute + ":" + r.Level, Attribute: r.Attribute, Level: r.Level,
			Estimate: r.Probability, StdError: r.StdError, ConfLow: r.ConfLow, ConfHigh: r.ConfHigh,
			Statistic: math.NaN(), PValue: math.NaN()}
		res.Estimates = append(res.Estimates, e)
	}
	model := make([]estimators.Row, len(m.Names))
	se := make([]float64, len(m.Names))
	for j := range se {
		se[j] = math.Sqrt(m.Cov.At(j, j))
	}
	copy(model, estimators.Tidy(m.Names, m.Coef, se, estimators.Normal, f.level/100))
	d := res.Diagnostics
	d["lambda"], d["penalty"], d["model"], d["pairwise"], d["interactions"] = popt.Lambda, pen.String(), mopt.Link.String(), f.pairwise, f.interactions
	d["solver"], d["sweeps"], d["residual"], d["local_optima"], d["objective"] = pr.Method, pr.Sweeps, pr.Residual, pr.Optima, pr.Objective
	d["outcome_model"] = model
	d["model_rows"] = m.N
	res.title = "Optimal stochastic intervention"
	res.summary = [][2]string{{"Outcome model", fmt.Sprintf("%s%s%s", mopt.Link, map[bool]string{true: ", pairwise"}[f.pairwise], map[bool]string{true: ", interactions"}[f.interactions])},
		{"Penalty", fmt.Sprintf("%s, λ = %.4g", pen, popt.Lambda)},
		{"Value Q(π*)", fmt.Sprintf("%s (%s)", num(pr.Value.Estimate, 4), num(pr.Value.StdError, 4))},
		{"Design value Q(p)", fmt.Sprintf("%s (%s)", num(pr.DesignValue.Estimate, 4), num(pr.DesignValue.StdError, 4))},
		{"Solver", pr.Method}}
	res.notes = append(res.notes, "Estimates are the optimal probabilities of each level (delta-method errors).")
	res.figure = &plot.EffectsData{Title: "Optimal stochastic intervention", XLabel: "probability",
		EstimateName: "optimal policy", CompareName: "design"}
	for _, r := range pr.Rows {
		res.figure.Rows = append(res.figure.Rows, plot.Effect{Attribute: r.Attribute, Level: r.Level,
			Estimate: r.Probability, Low: r.ConfLow, High: r.ConfHigh, Compare: r.Design})
	}
	return f.emit(cmd, res)
}

// ---- adversarial ----

type adversarialFlags struct {
	conjointFlags
	respondentGroup, candidateGroup, matchup string
	strength                                 float64
	noPrimaries                              bool
	penalty                                  string
	lambda                                   float64
	models                                   string
	restarts                                 int
}

func newConjointAdversarialCmd() *cobra.Command {
	var f adversarialFlags
	cmd := &cobra.Command{
		Use:   "adversarial (--data FILE --outcome COL --respondent COL --attributes COLS --respondent-group COL --candidate-group COL --matchup COL | --models FILE) --lambda L",
		Short: "Two-party equilibrium policies with primaries",
		Long: `The restricted Nash equilibrium of two parties choosing product policies over
candidate profiles, with primaries: from data (four pairwise logit models:
general-election models per respondent group on "different" matchups,
primary models per party on "same" matchups), or from --models FILE (JSON,
see CLI.md) without data. Solved by extragradient play with exact gradients;
the Nash gap (largest best-response gain) certifies the solution and
--restarts random starts detect non-unique equilibria.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return f.run(cmd) },
	}
	f.commonFlags.register(cmd, true)
	fs := cmd.Flags()
	fs.StringVar(&f.outcome, "outcome", "", "outcome column (choice indicator)")
	fs.StringVar(&f.respondent, "respondent", "", "respondent identifier column")
	fs.StringSliceVar(&f.attributes, "attributes", nil, "attribute columns")
	fs.StringVar(&f.task, "task", "", "task column")
	fs.StringVar(&f.profile, "profile", "", "profile position column")
	fs.StringVar(&f.pair, "pair", "", "choice pair column (default: respondent × task)")
	fs.StringVar(&f.design, "design", "", "design file: CSV attribute,level,prob")
	fs.StringSliceVar(&f.baseline, "baseline", nil, "reference levels: attr=level,...")
	fs.StringVar(&f.se, "se", "cr1", "clustered errors of the fitted models: cr1 or survey")
	fs.StringVar(&f.respondentGroup, "respondent-group", "", "respondent's party (two groups; the first in sorted order is party A)")
	fs.StringVar(&f.candidateGroup, "candidate-group", "", "candidate's party (same labels)")
	fs.StringVar(&f.matchup, "matchup", "", "matchup type per row: same (primary) or different (general election)")
	fs.Float64Var(&f.strength, "primary-strength", 1, "primary strength ρ")
	fs.BoolVar(&f.noPrimaries, "no-primaries", false, "no primaries: each party's entrant is its nominee")
	fs.StringVar(&f.penalty, "penalty", "kl", "penalty: l2 or kl (KL(design‖π))")
	fs.Float64Var(&f.lambda, "lambda", 0, "penalty weight λ (> 0)")
	fs.StringVar(&f.models, "models", "", "JSON file with the fitted outcome models (instead of --data)")
	fs.IntVar(&f.restarts, "restarts", 4, "extra random starting points")
	// --data is required unless --models is given.
	fl := fs.Lookup("data")
	delete(fl.Annotations, cobra.BashCompOneRequiredFlag)
	return cmd
}

func (f *adversarialFlags) run(cmd *cobra.Command) error {
	pen, err := parsePenalty(f.penalty)
	if err != nil {
		return err
	}
	if !(f.lambda > 0) {
		return usagef("--lambda %v: give a positive penalty weight", f.lambda)
	}
	if err := f.commonFlags.validate(); err != nil {
		return err
	}
	var g *conjoint.Game
	var res *conjointResult
	parties := []string{"A", "B"}
	switch {
	case f.models != "" && f.data != "":
		return usagef("give --data or --models, not both")
	case f.models != "":
		g, parties, err = readGameModels(f.models)
		if err != nil {
			return err
		}
		res = newConjointResult(cmd, &f.conjointFlags, "equilibrium", nil, nil)
	case f.data != "":
		for _, c := range []struct{ flag, v string }{{"outcome", f.outcome}, {"respondent", f.respondent}, {"respondent-group", f.respondentGroup}, {"candidate-group", f.candidateGroup}, {"matchup", f.matchup}} {
			if c.v == "" {
				return usagef("--%s is required with --data", c.flag)
			}
		}
		l, err := f.load(cmd, nil, []string{f.respondentGroup, f.candidateGroup, f.matchup})
		if err != nil {
			return err
		}
		defer l.release()
		rg, rNames := l.frame.Codes(f.respondentGroup)
		cg, cNames := l.frame.Codes(f.candidateGroup)
		if len(rNames) != 2 {
			return estimators.InputErrorf("--respondent-group %s has %d groups; the game needs exactly two", f.respondentGroup, len(rNames))
		}
		cand := make([]int, len(cg))
		for i, c := range cg {
			cand[i] = slices.Index(rNames, cNames[c])
			if cand[i] < 0 {
				return estimators.InputErrorf("--candidate-group: party %q is not a respondent group (%q)", cNames[c], rNames)
			}
		}
		mc, mNames := l.frame.Codes(f.matchup)
		same := make([]bool, len(mc))
		for i, c := range mc {
			switch strings.ToLower(mNames[c]) {
			case "same":
				same[i] = true
			case "different":
			default:
				return estimators.InputErrorf("--matchup: value %q; use same or different", mNames[c])
			}
		}
		g, err = conjoint.FitGame(l.design, l.data, conjoint.GameData{RespondentGroup: rg, CandidateGroup: cand, Same: same}, conjoint.Logit)
		if err != nil {
			return fmt.Errorf("conjoint adversarial: %w", err)
		}
		parties = rNames
		res = newConjointResult(cmd, &f.conjointFlags, "equilibrium", l.data.N(), &l.input)
	default:
		return usagef("give --data (with the model columns) or --models FILE")
	}
	if cmd.Flags().Changed("primary-strength") || f.models == "" {
		g.Strength = f.strength
	}
	g.NoPrimaries = g.NoPrimaries || f.noPrimaries
	e, err := conjoint.SolveGame(g, conjoint.GameOptions{Lambda: f.lambda, Penalty: pen, Restarts: f.restarts, Seed: f.seed, Level: f.level / 100})
	if err != nil {
		return fmt.Errorf("conjoint adversarial: %w", err)
	}
	res.Policies = map[string]any{parties[0]: e.Rows[0], parties[1]: e.Rows[1]}
	res.Value = e.Value
	res.DesignValue = e.DesignValue
	res.NashGap = e.NashGap
	for k := range 2 {
		for _, r := range e.Rows[k] {
			res.Estimates = append(res.Estimates, conjoint.Estimate{Term: r.Attribute + ":" + r.Level, Attribute: r.Attribute,
				Level: r.Level, Group: parties[k], Estimate: r.Probability, StdError: r.StdError, Statistic: math.NaN(),
				PValue: math.NaN(), ConfLow: r.ConfLow, ConfHigh: r.ConfHigh})
		}
	}
	d := res.Diagnostics
	d["lambda"], d["penalty"], d["primaries"], d["primary_strength"] = f.lambda, pen.String(), !g.NoPrimaries, g.Strength
	d["gaps"] = map[string]float64{parties[0]: e.Gaps[0], parties[1]: e.Gaps[1]}
	d["residual"], d["iterations"], d["equilibria"], d["spread"] = e.Residual, e.Iterations, e.Equilibria, e.Spread
	d["unconverged_restarts"] = e.Unconverged
	d["non_adversarial"] = map[string]any{"value": e.VsDesignValue, "policy": e.VsDesign}
	d["group_shares"] = map[string]float64{parties[0]: g.Shares[0], parties[1]: g.Shares[1]}
	d["value_std_error"] = e.ValueSE
	res.title = "Adversarial equilibrium with primaries"
	res.summary = [][2]string{{"Penalty", fmt.Sprintf("%s, λ = %g", pen, f.lambda)},
		{"Value V(π*_A, π*_B)", num(e.Value, 6)}, {"Design value V(p, p)", num(e.DesignValue, 6)},
		{"Nash gap", fmt.Sprintf("%.2g", e.NashGap)}, {"Equilibria found", fmt.Sprintf("%d (%d of %d restarts did not converge)", e.Equilibria, e.Unconverged, f.restarts)}}
	res.notes = append(res.notes, "Estimates are each party's equilibrium probabilities (Group = party).")
	return f.emit(cmd, res)
}

// gameFile is the --models JSON (CLI.md).
type gameFile struct {
	Attributes []struct {
		Name   string   `json:"name"`
		Levels []string `json:"levels"`
	} `json:"attributes"`
	Design          map[string][]float64            `json:"design"`
	GroupShares     map[string]float64              `json:"group_shares"`
	Link            string                          `json:"link"`
	PrimaryStrength *float64                        `json:"primary_strength"`
	General         map[string]gameFileModel        `json:"general"`
	Primary         map[string]gameFileModel        `json:"primary"`
	Slates          map[string]map[string][]float64 `json:"slates"`
}

type gameFileModel struct {
	Intercept float64              `json:"intercept"`
	Utility   map[string][]float64 `json:"utility"`
}

// readGameModels reads a --models file into a game; parties are the two
// keys of group_shares in sorted order.
func readGameModels(path string) (*conjoint.Game, []string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, estimators.InputErrorf("--models: %v", err)
	}
	var gf gameFile
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&gf); err != nil {
		return nil, nil, estimators.InputErrorf("--models %s: %v", path, err)
	}
	var names []string
	var levels [][]string
	for _, a := range gf.Attributes {
		names, levels = append(names, a.Name), append(levels, a.Levels)
	}
	d := conjoint.NewDesign(names, levels)
	for name, p := range gf.Design {
		a := d.Attr(name)
		if a < 0 {
			return nil, nil, estimators.InputErrorf("--models: design: no attribute %q", name)
		}
		d.Attributes[a].Prob = p
	}
	parties := make([]string, 0, 2)
	for k := range gf.GroupShares {
		parties = append(parties, k)
	}
	slices.Sort(parties)
	if len(parties) != 2 {
		return nil, nil, estimators.InputErrorf("--models: group_shares must name exactly two parties")
	}
	g := &conjoint.Game{Design: d, Link: conjoint.Logit, Strength: 1}
	switch gf.Link {
	case "", "logit":
	case "identity", "linear":
		g.Link = conjoint.Identity
	default:
		return nil, nil, estimators.InputErrorf("--models: link %q: use logit or identity", gf.Link)
	}
	if gf.PrimaryStrength != nil {
		g.Strength = *gf.PrimaryStrength
	}
	util := func(what string, m gameFileModel) (conjoint.PartyModel, error) {
		pm := conjoint.PartyModel{Intercept: m.Intercept, Utility: make([][]float64, len(names))}
		for a := range names {
			pm.Utility[a] = make([]float64, len(levels[a]))
		}
		for name, u := range m.Utility {
			a := d.Attr(name)
			if a < 0 {
				return pm, estimators.InputErrorf("--models: %s: no attribute %q", what, name)
			}
			if len(u) != len(levels[a]) {
				return pm, estimators.InputErrorf("--models: %s: attribute %q has %d utilities for %d levels", what, name, len(u), len(levels[a]))
			}
			pm.Utility[a] = u
		}
		return pm, nil
	}
	for k, party := range parties {
		g.Shares[k] = gf.GroupShares[party]
		gm, ok := gf.General[party]
		if !ok {
			return nil, nil, estimators.InputErrorf("--models: general has no model for %q", party)
		}
		if g.General[k], err = util("general "+party, gm); err != nil {
			return nil, nil, err
		}
		if gf.Primary == nil {
			g.NoPrimaries = true
		} else {
			pm, ok := gf.Primary[party]
			if !ok {
				return nil, nil, estimators.InputErrorf("--models: primary has no model for %q", party)
			}
			if g.Primary[k], err = util("primary "+party, pm); err != nil {
				return nil, nil, err
			}
		}
		if s, ok := gf.Slates[party]; ok {
			sl := make([][]float64, len(names))
			for a := range names {
				sl[a] = d.Probs()[a]
			}
			for name, p := range s {
				a := d.Attr(name)
				if a < 0 || len(p) != len(levels[a]) {
					return nil, nil, estimators.InputErrorf("--models: slate of %q: bad attribute %q", party, name)
				}
				sl[a] = p
			}
			g.Slates[k] = sl
		}
	}
	return g, parties, nil
}

// naturalOrder reorders levels in natural order ("5%" before "15%", "<75%"
// before "75-95%"), recoding a copy of codes.
func naturalOrder(codes []int, levels []string) ([]int, []string) {
	idx := make([]int, len(levels))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return natural.Compare(levels[a], levels[b]) })
	recode := make([]int, len(levels))
	out := make([]string, len(levels))
	for k, i := range idx {
		recode[i] = k
		out[k] = levels[i]
	}
	c := make([]int, len(codes))
	for i, v := range codes {
		c[i] = recode[v]
	}
	return c, out
}
