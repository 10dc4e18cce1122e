package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/sync/errgroup"

	"github.com/causalkit/causalkit/estimators"
	ckio "github.com/causalkit/causalkit/io"
)

// streamFlags are the flags of the commands that can stream their data
// row group by row group (lm, iv, r3d).
type streamFlags struct {
	memoryLimit string
	shard       string
	stage       string
	// preferMemory reads a directory or glob that fits the budget into
	// memory rather than streaming it (for options that need all rows).
	preferMemory bool
}

func (s *streamFlags) register(cmd *cobra.Command) {
	s.registerMemory(cmd)
	fs := cmd.Flags()
	fs.StringVar(&s.shard, "shard", "", "compute shard i of N (1-based, e.g. 3/8) of the Parquet row groups and write a partial result to --out; finish with causalkit combine")
	fs.StringVar(&s.stage, "stage", "", "the stage file of a multi-round sharded run (written by causalkit combine), for the next round of --shard")
}

// registerMemory registers --memory-limit alone, for commands that stream
// but do not shard.
func (s *streamFlags) registerMemory(cmd *cobra.Command) {
	cmd.Flags().StringVar(&s.memoryLimit, "memory-limit", "", "memory budget, e.g. 512MiB or 4GB (default: a quarter of RAM); Parquet data that would not fit is streamed row group by row group")
}

// partialHeader describes a partial result: the command and flags that
// made it, the data it covers, and which units it holds.
type partialHeader struct {
	Format      int      `json:"format"`
	Version     string   `json:"version"`
	Command     []string `json:"command"`
	Args        []string `json:"args"`
	Fingerprint string   `json:"plan_sha256"`
	Units       int      `json:"units"`
	Shard       int      `json:"shard"`  // 1-based; 0 for a stage file
	Shards      int      `json:"shards"` // 0 for a stage file
	Round       int      `json:"round"`  // the last round it holds states of
}

// combineState is what causalkit combine hands to the re-run command.
type combineState struct {
	header partialHeader
	states map[int][]ckio.PartialState // by round, in unit order
	out    string                      // where a stage file goes
}

type combineKey struct{}

// errShardWritten ends a --shard run (or a combine that wrote a stage
// file) successfully: its output is a partial, not a result.
var errShardWritten = errors.New("partial written")

// streamer runs the passes of a streamed estimate over a plan.
type streamer struct {
	cmd     *cobra.Command
	plan    *ckio.Plan
	lo, hi  int // units this process computes
	shard   int // 1-based; 0 when not sharding
	shards  int
	out     string
	stage   map[int][]ckio.PartialState // rounds given by a stage file or partials
	combine *combineState
	workers int
	limit   int64 // the memory budget
	c       *commonFlags
}

// parseSize parses a memory size: a number with an optional unit B, KB,
// MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024).
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, func(r rune) bool { return !(r >= '0' && r <= '9' || r == '.') })
	num, unit := t, ""
	if i >= 0 {
		num, unit = t[:i], strings.TrimSpace(t[i:])
	}
	v, err := strconv.ParseFloat(num, 64)
	mult, ok := map[string]float64{"": 1, "B": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12,
		"KIB": 1 << 10, "MIB": 1 << 20, "GIB": 1 << 30, "TIB": 1 << 40, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}[strings.ToUpper(unit)]
	b := v * mult
	if err != nil || !ok || !(b >= 1 && b < 1<<62) {
		return 0, fmt.Errorf("%q is not a memory size; write e.g. 512MiB or 4GB", s)
	}
	return int64(b), nil
}

// streamer decides whether the command streams its data and returns the
// streamer, or nil to read the data into memory. It streams when sharding,
// combining, reading several files (a directory or a glob), or when the
// columns of a Parquet file would not fit the memory budget.
func (s *streamFlags) streamer(cmd *cobra.Command, c *commonFlags, columns int) (*streamer, error) {
	cs, _ := cmd.Context().Value(combineKey{}).(*combineState)
	st := &streamer{cmd: cmd, workers: c.workers, combine: cs, c: c}
	if st.workers == 0 {
		st.workers = runtime.GOMAXPROCS(0)
	}
	limit := ckio.PhysicalMemory() / 4
	if limit == 0 {
		limit = 4 << 30
	}
	if s.memoryLimit != "" {
		var err error
		if limit, err = parseSize(s.memoryLimit); err != nil {
			return nil, usagef("--memory-limit: %v", err)
		}
	}
	if s.shard != "" {
		i, n, ok := strings.Cut(s.shard, "/")
		var err1, err2 error
		st.shard, err1 = strconv.Atoi(i)
		st.shards, err2 = strconv.Atoi(n)
		if !ok || err1 != nil || err2 != nil || st.shards < 1 || st.shard < 1 || st.shard > st.shards {
			return nil, usagef("--shard %q: write i/N with 1 ≤ i ≤ N, e.g. 3/8", s.shard)
		}
		if c.out == "" {
			return nil, usagef("--shard writes a partial result: give --out FILE.arrow")
		}
		if f := cmd.Flags().Lookup("plot"); f != nil && f.Changed {
			return nil, usagef("--shard writes no figure: give --plot to causalkit combine")
		}
		st.out = c.out
		c.sharding = true
	} else if s.stage != "" {
		return nil, usagef("--stage goes with --shard i/N")
	}
	format, _ := ckio.ParseFormat(c.dataFormat)
	multi := ckio.IsPlan(c.data)
	isParquet := format == ckio.FormatParquet
	if format == ckio.FormatAuto {
		f, err := ckio.FormatFromPath(c.data)
		isParquet = multi || err == nil && f == ckio.FormatParquet
	}
	if !isParquet {
		if st.shard > 0 || cs != nil || multi {
			return nil, usagef("--data %s: streaming, --shard and combine read Parquet row groups; convert the data with causalkit convert --out FILE.parquet", c.data)
		}
		return nil, nil
	}
	plan, err := ckio.NewPlan(c.data)
	if err != nil {
		return nil, err
	}
	// Arrow buffers, the Go copies and the estimator's columns: about four
	// copies of the used columns.
	need := plan.Rows() * int64(columns) * 8 * 4
	if st.shard == 0 && cs == nil && (!multi || s.preferMemory) && need <= limit {
		return nil, nil
	}
	if cs != nil {
		if cs.header.Fingerprint != plan.Fingerprint || cs.header.Units != len(plan.Units) {
			return nil, estimators.InputErrorf("the partials were computed from other data than %s (its row groups or footers differ); rerun the shards", c.data)
		}
		st.stage = cs.states
	}
	st.plan, st.limit = plan, limit
	st.lo, st.hi = 0, len(plan.Units)
	// Keep the heap within the budget (less an eighth for what the runtime
	// holds outside it; never below 32 MiB, where the collector would run
	// without pause for no gain), and read row groups in parallel only as
	// far as about four copies of each fit allow.
	debug.SetMemoryLimit(max(limit-limit/8, 32<<20))
	var largest int64
	for _, u := range plan.Units {
		largest = max(largest, u.Rows)
	}
	if per := largest * int64(columns) * 8 * 4; per > 0 {
		st.workers = int(max(1, min(int64(st.workers), limit/per)))
	}
	if st.shard > 0 {
		st.lo, st.hi = plan.Shard(st.shard-1, st.shards)
		if s.stage != "" {
			h, states, err := ckio.ReadPartial(s.stage)
			if err != nil {
				return nil, fmt.Errorf("--stage: %w", err)
			}
			if h2, err := decodeHeader(s.stage, h); err != nil {
				return nil, err
			} else if h2.Fingerprint != plan.Fingerprint {
				return nil, estimators.InputErrorf("--stage %s was computed from other data than %s", s.stage, c.data)
			} else if !slices.Equal(h2.Args, streamArgs(cmd)) {
				return nil, usagef("--stage %s was made by a run with other options (%s); use the same flags in every round", s.stage, strings.Join(h2.Args, " "))
			}
			st.stage = byRound(states)
		}
	} else if cs == nil {
		st.notef("streaming %s: %d rows in %d row groups (about %s in memory; --memory-limit %s)",
			c.data, plan.Rows(), len(plan.Units), humanSize(need), humanSize(limit))
	}
	return st, nil
}

func humanSize(b int64) string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.1fGiB", float64(b)/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.0fMiB", float64(b)/(1<<20))
	}
	return fmt.Sprintf("%dKiB", b>>10)
}

func byRound(states []ckio.PartialState) map[int][]ckio.PartialState {
	m := map[int][]ckio.PartialState{}
	for _, s := range states {
		m[s.Round] = append(m[s.Round], s)
	}
	for r := range m {
		slices.SortStableFunc(m[r], func(a, b ckio.PartialState) int { return a.Unit - b.Unit })
	}
	return m
}

// streamArgs returns the flags of cmd that define the estimate: every flag
// set except those that choose the output, the sharding and the workers.
func streamArgs(cmd *cobra.Command) []string {
	skip := map[string]bool{"out": true, "format": true, "quiet": true, "workers": true, "outputs": true,
		"shard": true, "stage": true, "memory-limit": true, "plot": true}
	var args []string
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if skip[f.Name] {
			return
		}
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			for _, v := range sv.GetSlice() {
				args = append(args, "--"+f.Name+"="+v)
			}
			return
		}
		args = append(args, "--"+f.Name+"="+f.Value.String())
	})
	return args
}

func decodeHeader(path string, b []byte) (partialHeader, error) {
	var h partialHeader
	if err := json.Unmarshal(b, &h); err != nil || h.Format != 1 {
		return h, estimators.InputErrorf("%s: unreadable partial header; was it written by this causalkit version (%s)?", path, Version())
	}
	return h, nil
}

// unitResult is one unit's statistic of a pass.
type unitResult struct {
	vals []float64
	keys []string
}

// pass returns the states of every unit of round r, in unit order: from
// the stage or partials when they hold the round, else computed by fn on
// each unit's frame (spec's columns), units in parallel. A --shard run
// computes its units, writes its partial and returns errShardWritten.
func (s *streamer) pass(r int, spec ckio.FrameSpec, fn func(u int, t *ckio.Table, fr *ckio.Frame) (unitResult, error)) ([]ckio.PartialState, error) {
	if got, ok := s.stage[r]; ok {
		if err := s.complete(r, got); err != nil {
			return nil, err
		}
		return got, nil
	}
	if s.combine != nil {
		// The partials end before round r: write the stage file for the
		// shards' next round.
		return nil, s.writeStage(r)
	}
	states := make([]ckio.PartialState, s.hi-s.lo)
	cols := dedupe(slices.Concat(spec.Numeric, spec.Categorical, spec.Lists))
	spec.AllowEmpty = true
	ctx := s.cmd.Context()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.workers)
	var mu sync.Mutex
	step, finish := s.c.progress(s.cmd, s.hi-s.lo, fmt.Sprintf("pass %d over the row groups", r))
	for u := s.lo; u < s.hi; u++ {
		g.Go(func() error {
			t, err := s.plan.ReadUnit(gctx, u, cols)
			if err != nil {
				return err
			}
			defer t.Release()
			fr, err := t.Frame(spec)
			if err != nil {
				return err
			}
			res, err := fn(u, t, fr)
			if err != nil {
				return fmt.Errorf("%s: %w", s.plan.Name(u), err)
			}
			states[u-s.lo] = ckio.PartialState{Round: r, Unit: u, Rows: fr.N, Dropped: fr.Dropped, Vals: res.vals, Keys: res.keys}
			if step != nil {
				mu.Lock()
				step()
				mu.Unlock()
			}
			return nil
		})
	}
	err := g.Wait()
	finish()
	if err != nil {
		return nil, err
	}
	if s.shard > 0 {
		return nil, s.writePartial(r, states)
	}
	return states, nil
}

// complete checks that states hold every unit of the plan once.
func (s *streamer) complete(r int, states []ckio.PartialState) error {
	var missing []string
	next := 0
	for _, st := range states {
		if st.Unit < next {
			return estimators.InputErrorf("round %d: row group %s is in two partials; give each shard's partial once", r, s.plan.Name(st.Unit))
		}
		for ; next < st.Unit; next++ {
			missing = append(missing, s.plan.Name(next))
		}
		next = st.Unit + 1
	}
	for ; next < len(s.plan.Units); next++ {
		missing = append(missing, s.plan.Name(next))
	}
	if len(missing) > 0 {
		if len(missing) > 3 {
			missing = append(missing[:3], fmt.Sprintf("and %d more", len(missing)-3))
		}
		return estimators.InputErrorf("round %d: the partials miss %s; combine the partials of every shard", r, strings.Join(missing, ", "))
	}
	return nil
}

func (s *streamer) header(round, shard, shards int) []byte {
	h := partialHeader{Format: 1, Version: Version(), Command: strings.Fields(s.cmd.CommandPath())[1:],
		Args: streamArgs(s.cmd), Fingerprint: s.plan.Fingerprint, Units: len(s.plan.Units), Shard: shard, Shards: shards, Round: round}
	b, _ := json.Marshal(h)
	return b
}

// staged returns the states of the rounds before r (from the stage file
// or the partials).
func (s *streamer) staged(r int) []ckio.PartialState {
	var all []ckio.PartialState
	for q := 1; q < r; q++ {
		all = append(all, s.stage[q]...)
	}
	return all
}

// writePartial writes the stage's rounds and this shard's round r.
func (s *streamer) writePartial(r int, states []ckio.PartialState) error {
	if err := ckio.WritePartial(s.out, s.header(r, s.shard, s.shards), append(s.staged(r), states...)); err != nil {
		return err
	}
	s.notef("shard %d/%d: round %d of row groups %d–%d written to %s", s.shard, s.shards, r, s.lo+1, s.hi, s.out)
	return errShardWritten
}

// writeStage writes the rounds before r for the shards' round r.
func (s *streamer) writeStage(r int) error {
	if s.combine.out == "" {
		return usagef("round %d of the estimate needs another pass over the data: give combine --out STAGE.arrow, then run each shard again with --stage STAGE.arrow", r)
	}
	if err := ckio.WritePartial(s.combine.out, s.header(r-1, 0, 0), s.staged(r)); err != nil {
		return err
	}
	s.notef("round %d of %s needs another pass over the data: run each shard again with --stage %s, then combine those partials",
		r, strings.Join(s.combine.header.Command, " "), s.combine.out)
	return errShardWritten
}

func (s *streamer) notef(format string, args ...any) { s.c.notef(s.cmd, format, args...) }

// rowsOf sums the rows used and dropped over states.
func rowsOf(states []ckio.PartialState) (used, dropped int) {
	for _, s := range states {
		used += s.Rows
		dropped += s.Dropped
	}
	return used, dropped
}

// input describes the streamed data for the provenance: the plan's
// fingerprint stands for the files' hash.
func (s *streamer) input(data string, states []ckio.PartialState) estimators.Input {
	used, dropped := rowsOf(states)
	return estimators.Input{Path: data, SHA256: "plan:" + s.plan.Fingerprint, Rows: int(s.plan.Rows()), Used: used, Dropped: dropped}
}

func newCombineCmd() *cobra.Command {
	var format, out, plotFile string
	var quiet bool
	cmd := &cobra.Command{
		Use:   "combine PARTIAL...",
		Short: "Finish an estimate from the partial results of --shard runs",
		Long: `Finish an estimate from the partial results that causalkit lm|iv ... --shard i/N
wrote, one per shard. The result is the same, bit for bit, as a single run of the
command on the whole data.

Robust and cluster standard errors need a second pass over the data: the first
combine then writes a stage file to --out; run every shard again with the same
flags plus --stage STAGE, and combine those partials.`,
		Example: `  for i in 1 2 3 4; do causalkit iv --data 'years/*.parquet' --y y --endog d --instruments z1,z2 \
      --vce hc1 --shard $i/4 --out part$i.arrow; done
  causalkit combine part*.arrow --out stage.arrow
  for i in 1 2 3 4; do causalkit iv ... --vce hc1 --shard $i/4 --stage stage.arrow --out final$i.arrow; done
  causalkit combine final*.arrow --format json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, paths []string) error {
			var cs *combineState
			for _, p := range paths {
				b, states, err := ckio.ReadPartial(p)
				if err != nil {
					return err
				}
				h, err := decodeHeader(p, b)
				if err != nil {
					return err
				}
				if cs == nil {
					cs = &combineState{header: h, states: map[int][]ckio.PartialState{}, out: out}
				} else if !slices.Equal(h.Command, cs.header.Command) || !slices.Equal(h.Args, cs.header.Args) || h.Fingerprint != cs.header.Fingerprint {
					return estimators.InputErrorf("%s comes from another run (%s %s) than %s (%s %s); combine the partials of one run",
						p, strings.Join(h.Command, " "), strings.Join(h.Args, " "), paths[0], strings.Join(cs.header.Command, " "), strings.Join(cs.header.Args, " "))
				} else if h.Round != cs.header.Round || h.Shards == 0 {
					return estimators.InputErrorf("%s holds round %d (shard %d/%d), %s round %d; combine the partials of one round of --shard runs",
						p, h.Round, h.Shard, h.Shards, paths[0], cs.header.Round)
				}
				for r, st := range byRound(states) {
					if r < h.Round && len(cs.states[r]) > 0 {
						continue // the earlier rounds come with every partial of a later one
					}
					cs.states[r] = append(cs.states[r], st...)
				}
			}
			for r := range cs.states {
				slices.SortStableFunc(cs.states[r], func(a, b ckio.PartialState) int { return a.Unit - b.Unit })
			}
			args := slices.Concat(cs.header.Command, cs.header.Args, []string{"--format", format})
			if out != "" {
				args = append(args, "--out", out)
			}
			if quiet {
				args = append(args, "--quiet")
			}
			if plotFile != "" {
				args = append(args, "--plot", plotFile)
			}
			sub := newRootCmd()
			sub.SetArgs(args)
			sub.SetOut(cmd.OutOrStdout())
			sub.SetErr(cmd.ErrOrStderr())
			err := sub.ExecuteContext(context.WithValue(cmd.Context(), combineKey{}, cs))
			if errors.Is(err, errShardWritten) {
				return nil
			}
			return err
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&format, "format", "table", "output format: table, json or csv")
	fs.StringVar(&out, "out", "", "write the result (or the stage file of the next round) there, atomically")
	fs.BoolVar(&quiet, "quiet", false, "no notes on stderr")
	fs.StringVar(&plotFile, "plot", "", "draw the command's figure (r3d) to FILE.png or FILE.svg")
	return cmd
}
