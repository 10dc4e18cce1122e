package main

import (
	"fmt"
	stdio "io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/causalkit/causalkit/estimators"
	ckio "github.com/causalkit/causalkit/io"
	"github.com/causalkit/causalkit/plot"
)

// commonFlags are the flags every estimation command shares (CLI.md).
type commonFlags struct {
	data, dataFormat, schema string
	format, out              string
	outputs                  string // hidden: PREFIX for PREFIX.json/.csv/.txt (used by run)
	level                    float64
	seed                     uint64
	quiet                    bool
	weights                  string
	na                       string
	workers                  int
	sharding                 bool // a --shard run: its output is a partial, never a result
}

func (c *commonFlags) register(cmd *cobra.Command, weights bool) {
	fs := cmd.Flags()
	fs.StringVar(&c.data, "data", "", "input table: .parquet, .csv (or gzip-compressed .csv.gz), .arrow/.feather (Arrow IPC); or a directory or quoted glob of Parquet files, read as one table")
	fs.StringVar(&c.dataFormat, "data-format", "", "input format, overriding the extension: parquet, csv or arrow")
	fs.StringVar(&c.schema, "schema", "", "CSV column types: a JSON object {\"col\": \"float64\"|\"int64\"|\"bool\"|\"string\"}; other columns are inferred")
	fs.StringVar(&c.format, "format", "table", "output format: table, json or csv")
	fs.StringVar(&c.out, "out", "", "write the result to this file (atomically) instead of stdout")
	fs.Float64Var(&c.level, "level", 95, "confidence level in percent")
	fs.Uint64Var(&c.seed, "seed", 1, "seed for every random draw")
	fs.BoolVar(&c.quiet, "quiet", false, "no progress bar or notes on stderr")
	fs.StringVar(&c.na, "na", "drop", "rows with missing values in the used columns: drop (with a note) or error")
	fs.IntVar(&c.workers, "workers", 0, "goroutines for bootstrap replicates (0 = all cores); results do not depend on it")
	fs.StringVar(&c.outputs, "outputs", "", "write PREFIX.json, PREFIX.csv and PREFIX.txt (used by causalkit run)")
	_ = fs.MarkHidden("outputs")
	if weights {
		fs.StringVar(&c.weights, "weights", "", "observation weights column")
	}
	_ = cmd.MarkFlagRequired("data")
}

// validate checks the flags that do not depend on the data, so that a bad
// flag fails before any work.
func (c *commonFlags) validate() error {
	if !slices.Contains([]string{"table", "json", "csv"}, c.format) {
		return usagef("--format %q: use table, json or csv", c.format)
	}
	if !(c.level > 0 && c.level < 100) {
		return usagef("--level %g: give a percentage strictly between 0 and 100, e.g. 95", c.level)
	}
	if c.na != "drop" && c.na != "error" {
		return usagef("--na %q: use drop or error", c.na)
	}
	if c.workers < 0 {
		return usagef("--workers %d: must be 0 (all cores) or positive", c.workers)
	}
	return nil
}

// load reads the columns an estimator uses and applies the missing-value
// policy. The caller must call release when done with the frame.
func (c *commonFlags) load(cmd *cobra.Command, numeric, categorical []string) (frame *ckio.Frame, input estimators.Input, release func(), err error) {
	frame, input, t, err := c.loadSpec(cmd, ckio.FrameSpec{Numeric: numeric, Categorical: categorical})
	if err != nil {
		return nil, input, nil, err
	}
	return frame, input, t.Release, nil
}

// loadSpec reads the columns of spec (its NA policy comes from --na) and
// returns the frame and the table, which the caller releases.
func (c *commonFlags) loadSpec(cmd *cobra.Command, spec ckio.FrameSpec) (frame *ckio.Frame, input estimators.Input, t *ckio.Table, err error) {
	numeric, categorical := spec.Numeric, spec.Categorical
	opt := ckio.ReadOptions{Columns: dedupe(slices.Concat(numeric, categorical, spec.Lists))}
	if opt.Format, err = ckio.ParseFormat(c.dataFormat); err != nil {
		return nil, input, nil, usagef("--data-format: %v", err)
	}
	if c.schema != "" {
		f, err := os.Open(c.schema)
		if err != nil {
			return nil, input, nil, usagef("--schema: %v", err)
		}
		opt.Schema, err = ckio.ParseSchema(f)
		f.Close()
		if err != nil {
			return nil, input, nil, fmt.Errorf("--schema %s: %w", c.schema, err)
		}
	}
	t, err = ckio.Read(cmd.Context(), c.data, opt)
	if err != nil {
		return nil, input, nil, err
	}
	spec.NA = c.naPolicy()
	frame, err = t.Frame(spec)
	if err != nil {
		t.Release()
		return nil, input, nil, err
	}
	src := t.Source()
	input = estimators.Input{Path: src.Path, SHA256: src.SHA256, Rows: src.Rows, Used: frame.N, Dropped: frame.Dropped}
	if frame.Dropped > 0 {
		c.notef(cmd, "dropped %d of %d rows with missing values in %s (use --na error to stop instead)",
			frame.Dropped, src.Rows, strings.Join(opt.Columns, ", "))
	}
	return frame, input, t, nil
}

// naPolicy is the --na flag's policy.
func (c *commonFlags) naPolicy() ckio.NAPolicy {
	if c.na == "error" {
		return ckio.NAError
	}
	return ckio.NADrop
}

// expandColumns expands ranges written name1..name9 (a common prefix and two
// integer suffixes) in a list of column names: "reg662..reg669" stands for
// reg662, reg663, …, reg669.
func expandColumns(flag string, names []string) ([]string, error) {
	var out []string
	for _, n := range names {
		a, b, ok := strings.Cut(n, "..")
		if !ok {
			out = append(out, n)
			continue
		}
		pa, na := splitSuffix(a)
		pb, nb := splitSuffix(b)
		if pa != pb || na < 0 || nb < na {
			return nil, usagef("--%s: %q is not a range like x1..x10 (same prefix, increasing numbers)", flag, n)
		}
		if nb-na >= 100_000 {
			return nil, usagef("--%s: %q names %d columns; at most 100000", flag, n, nb-na+1)
		}
		for i := na; i <= nb; i++ {
			out = append(out, pa+strconv.Itoa(i))
		}
	}
	return out, nil
}

// splitSuffix splits "reg662" into ("reg", 662); -1 when there is no number.
func splitSuffix(s string) (string, int) {
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	if i == len(s) {
		return s, -1
	}
	v, err := strconv.Atoi(s[i:])
	if err != nil {
		return s, -1
	}
	return s[:i], v
}

func dedupe(s []string) []string {
	var out []string
	for _, v := range s {
		if v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// notef writes a note to stderr unless --quiet.
func (c *commonFlags) notef(cmd *cobra.Command, format string, args ...any) {
	if !c.quiet {
		fmt.Fprintf(cmd.ErrOrStderr(), "note: "+format+"\n", args...)
	}
}

// checkPlot checks that a --plot file name asks for a format we draw
// (PNG or SVG), so that a bad name fails before any work; "" is no figure.
func checkPlot(path string) error {
	if path == "" {
		return nil
	}
	if _, err := plot.FormatFromPath(path); err != nil {
		return usageError{err}
	}
	return nil
}

// renderer is a result that renders itself as "json", "csv" or "table".
type renderer interface {
	write(w stdio.Writer, format string) error
}

// emit writes the result in the chosen format to --out (atomically) or
// stdout.
func (c *commonFlags) emit(cmd *cobra.Command, res renderer) error {
	if c.sharding {
		return usagef("--stage already holds every pass this estimate needs: combine the partials of the previous round instead of running the shards again")
	}
	return emit(cmd, res, c.format, c.out, c.outputs)
}

// emit writes res in format to the file out (atomically) or stdout; with
// outputs (set by causalkit run), in every format to outputs.json, .csv
// and .txt instead.
func emit(cmd *cobra.Command, res renderer, format, out, outputs string) error {
	if outputs != "" {
		for _, ext := range []string{"json", "csv", "txt"} {
			format := map[string]string{"txt": "table"}[ext]
			if format == "" {
				format = ext
			}
			if err := ckio.WriteFileAtomic(outputs+"."+ext, func(w stdio.Writer) error { return res.write(w, format) }); err != nil {
				return err
			}
		}
		return nil
	}
	write := func(w stdio.Writer) error { return res.write(w, format) }
	if out != "" {
		return ckio.WriteFileAtomic(out, write)
	}
	return write(cmd.OutOrStdout())
}

// write renders the result in a format: json, csv or table.
func (res *result) write(w stdio.Writer, format string) error {
	switch format {
	case "json":
		return ckio.WriteJSON(w, res)
	case "csv":
		return ckio.WriteCSV(w, rowColumns(res.Estimates))
	}
	return res.writeTable(w)
}

// progress returns a function to call once per finished unit of work and a
// function to call at the end. The bar is drawn on stderr only when stderr
// is a terminal and --quiet is not set.
func (c *commonFlags) progress(cmd *cobra.Command, total int, what string) (step, done func()) {
	f, ok := cmd.ErrOrStderr().(*os.File)
	if c.quiet || !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, func() {}
	}
	bar := progressbar.NewOptions(total,
		progressbar.OptionSetWriter(f),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
	)
	return func() { _ = bar.Add(1) }, func() { _ = bar.Finish() }
}
