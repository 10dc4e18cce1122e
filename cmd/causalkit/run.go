package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	stdio "io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/spf13/cobra"

	ckio "github.com/causalkit/causalkit/io"
)

// analysis is an analysis file: named steps, each a causalkit command.
//
//	name = "card"
//	seed = 1
//
//	[[step]]
//	name = "ols"
//	command = "lm"
//	data = "card.csv"                # relative to the analysis file
//	args = ["--y", "lwage", "--x", "educ,exper", "--vce", "hc1"]
//	files = { "--schema" = "card-schema.json" }   # other inputs, by flag
//
// A step whose command is "simulate …" writes the file named by out into the
// output folder; later steps read it with data = "out/NAME".
type analysis struct {
	Name  string `toml:"name"`
	Seed  uint64 `toml:"seed"`
	Steps []step `toml:"step"`
}

type step struct {
	Name    string   `toml:"name"`
	Command string   `toml:"command"`
	Data    string   `toml:"data"`
	Out     string   `toml:"out"`
	Plot    string   `toml:"plot"` // figure file in the output folder (commands with --plot)
	Args    []string `toml:"args"`
	// Files are other input files by flag, such as {"--design" = "design.csv"}.
	Files map[string]string `toml:"files"`
	// Seed, when set, replaces the analysis seed for this step (to
	// reproduce a reference that fixes its own).
	Seed *uint64 `toml:"seed"`
}

// manifest records a run so that it can be verified.
type manifest struct {
	Tool     toolInfo       `json:"causalkit"`
	Analysis fileRecord     `json:"analysis"`
	Seed     uint64         `json:"seed"`
	Steps    []stepManifest `json:"steps"`
}

type toolInfo struct {
	Version      string       `json:"version"`
	GoVersion    string       `json:"go_version"`
	Platform     string       `json:"platform"`
	Dependencies []fileRecord `json:"dependencies"`
}

// fileRecord is a path with its sha256 (dependencies: module path and
// version).
type fileRecord struct {
	Path    string `json:"path"`
	SHA256  string `json:"sha256,omitempty"`
	Version string `json:"version,omitempty"`
	Rows    int    `json:"rows,omitempty"`
}

type stepManifest struct {
	Name    string       `json:"name"`
	Command []string     `json:"command"`
	Inputs  []fileRecord `json:"inputs"`
	Outputs []fileRecord `json:"outputs"`
}

func newRunCmd() *cobra.Command {
	var out string
	var quiet bool
	cmd := &cobra.Command{
		Use:   "run ANALYSIS --out DIR",
		Short: "Run an analysis file and write every output with a manifest",
		Long: `run executes the named steps of an analysis file (TOML) in order. Each estimation step
writes STEP.json, STEP.csv and STEP.txt into DIR; simulate steps write their data
file there. DIR/manifest.json records the tool and dependency versions, the Go
version and platform, the seed, every input's sha256 and row count, every
step's full command line, and every output's sha256; DIR/report.html shows
every step's table and diagnostics and the manifest in one self-contained page.
causalkit verify re-runs the analysis and checks every output against it.`,
		Example: "  causalkit run examples/card.toml --out results/card\n  causalkit verify results/card/manifest.json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usagef("--out DIR is required")
			}
			m, err := runAnalysis(cmd, args[0], out, quiet)
			if err != nil {
				return err
			}
			if err := ckio.WriteFileAtomic(filepath.Join(out, "manifest.json"), func(w stdio.Writer) error {
				return ckio.WriteJSON(w, m)
			}); err != nil {
				return err
			}
			name := strings.TrimSuffix(filepath.Base(args[0]), filepath.Ext(args[0]))
			return ckio.WriteFileAtomic(filepath.Join(out, "report.html"), func(w stdio.Writer) error {
				return writeReport(w, out, m, name)
			})
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "output folder (created if needed)")
	cmd.Flags().BoolVar(&quiet, "quiet", false, "no progress notes on stderr")
	return cmd
}

// runAnalysis runs the analysis file at path into the folder out.
func runAnalysis(cmd *cobra.Command, path, out string, quiet bool) (*manifest, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, usageError{err}
	}
	var a analysis
	md, err := toml.Decode(string(raw), &a)
	if err != nil {
		return nil, usagef("%s: %v", path, err)
	}
	if un := md.Undecoded(); len(un) > 0 {
		return nil, usagef("%s: unknown key %q (known: name, seed, and per [[step]] name, command, data, out, plot, args, files, seed)", path, un[0].String())
	}
	if len(a.Steps) == 0 {
		return nil, usagef("%s: no [[step]] entries", path)
	}
	if !md.IsDefined("seed") {
		a.Seed = 1
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, usageError{err}
	}
	base := filepath.Dir(path)
	// The analysis path is recorded relative to the output folder, where the
	// manifest lives, so that verify finds it from anywhere.
	rec := path
	if absA, err := filepath.Abs(path); err == nil {
		if absO, err := filepath.Abs(out); err == nil {
			if r, err := filepath.Rel(absO, absA); err == nil {
				rec = r
			}
		}
	}
	m := &manifest{Tool: currentTool(), Analysis: fileRecord{Path: rec, SHA256: sha(raw)}, Seed: a.Seed}
	seen := map[string]bool{}
	for i, st := range a.Steps {
		if st.Name == "" || strings.ContainsAny(st.Name, `/\ `) || seen[st.Name] {
			return nil, usagef("%s: step %d: give each step a distinct name without spaces or slashes", path, i+1)
		}
		seen[st.Name] = true
		words := strings.Fields(st.Command)
		if len(words) == 0 {
			return nil, usagef("%s: step %q has no command", path, st.Name)
		}
		args := slices.Concat(words, st.Args)
		sm := stepManifest{Name: st.Name}
		// The data and every other input file (files: flag → path) are
		// resolved against the analysis file, or out/ for what an earlier
		// step wrote, and hashed into the manifest.
		inputs := [][2]string{}
		if st.Data != "" {
			inputs = append(inputs, [2]string{"--data", st.Data})
		}
		for _, flag := range slices.Sorted(maps.Keys(st.Files)) {
			if !strings.HasPrefix(flag, "--") {
				return nil, usagef("%s: step %q: files keys are flags such as \"--models\", not %q", path, st.Name, flag)
			}
			inputs = append(inputs, [2]string{flag, st.Files[flag]})
		}
		for _, in := range inputs {
			dp := in[1]
			if rest, ok := strings.CutPrefix(dp, "out/"); ok {
				dp = filepath.Join(out, rest)
			} else if !filepath.IsAbs(dp) {
				dp = filepath.Join(base, dp)
			}
			rec, err := recordFile(dp)
			if err != nil {
				return nil, usagef("step %q: %s: %v", st.Name, strings.TrimPrefix(in[0], "--"), err)
			}
			sm.Inputs = append(sm.Inputs, fileRecord{Path: in[1], SHA256: rec.SHA256})
			args = append(args, in[0], dp)
		}
		var outputs []string
		seed := a.Seed
		if st.Seed != nil {
			seed = *st.Seed
		}
		switch {
		case words[0] == "simulate":
			if st.Out == "" {
				return nil, usagef("step %q: a simulate step needs out = \"FILE\"", st.Name)
			}
			args = append(args, "--out", filepath.Join(out, st.Out), "--seed", strconv.FormatUint(seed, 10), "--quiet")
			outputs = []string{st.Out}
		default:
			prefix := filepath.Join(out, st.Name)
			args = append(args, "--outputs", prefix, "--quiet")
			if c, _, err := newRootCmd().Find(words); err == nil && c.Flags().Lookup("seed") != nil {
				args = append(args, "--seed", strconv.FormatUint(seed, 10)) // commands without randomness have none
			}
			outputs = []string{st.Name + ".json", st.Name + ".csv", st.Name + ".txt"}
			if st.Plot != "" {
				args = append(args, "--plot", filepath.Join(out, st.Plot))
				outputs = append(outputs, st.Plot)
			}
		}
		sm.Command = relativeArgs(args, out, base)
		if !quiet {
			fmt.Fprintf(cmd.ErrOrStderr(), "step %s: causalkit %s\n", st.Name, strings.Join(sm.Command, " "))
		}
		if err := execute(cmd, args); err != nil {
			return nil, fmt.Errorf("step %q: %w", st.Name, err)
		}
		for _, o := range outputs {
			rec, err := recordFile(filepath.Join(out, o))
			if err != nil {
				return nil, err
			}
			rec.Path = o
			sm.Outputs = append(sm.Outputs, rec)
		}
		if st.Data != "" {
			sm.Inputs[0].Rows = inputRows(filepath.Join(out, st.Name+".json"))
		}
		m.Steps = append(m.Steps, sm)
	}
	return m, nil
}

// relativeArgs writes paths inside the output folder as out/NAME and paths
// next to the analysis file relative to it, so that manifests do not
// depend on where the folders are.
func relativeArgs(args []string, out, base string) []string {
	r := slices.Clone(args)
	for i, a := range r {
		if rel, err := filepath.Rel(out, a); err == nil && !strings.HasPrefix(rel, "..") && a != rel {
			r[i] = "out/" + rel
		} else if rel, err := filepath.Rel(base, a); err == nil && !strings.HasPrefix(rel, "..") && a != rel && filepath.IsAbs(a) == filepath.IsAbs(base) {
			r[i] = rel
		}
	}
	return r
}

// inputRows reads the input row count that an estimation step recorded.
func inputRows(jsonPath string) int {
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		return 0
	}
	var r struct {
		Provenance struct {
			Input struct {
				Rows int `json:"rows"`
			} `json:"input"`
		} `json:"provenance"`
	}
	_ = json.Unmarshal(b, &r)
	return r.Provenance.Input.Rows
}

// recordFile hashes a file in pieces (inputs can be larger than memory);
// a directory or glob of Parquet files gets the SHA-256 of its files'
// SHA-256s in plan order.
func recordFile(path string) (fileRecord, error) {
	ctx := context.Background()
	if !ckio.IsPlan(path) {
		sum, err := ckio.FileSHA256(ctx, path)
		return fileRecord{Path: path, SHA256: sum}, err
	}
	plan, err := ckio.NewPlan(path)
	if err != nil {
		return fileRecord{}, err
	}
	h := sha256.New()
	for _, f := range plan.Files {
		sum, err := ckio.FileSHA256(ctx, f.Path)
		if err != nil {
			return fileRecord{}, err
		}
		fmt.Fprintln(h, sum)
	}
	return fileRecord{Path: path, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func currentTool() toolInfo {
	t := toolInfo{Version: Version(), GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			t.Dependencies = append(t.Dependencies, fileRecord{Path: d.Path, Version: d.Version})
		}
	}
	return t
}

func newVerifyCmd() *cobra.Command {
	var tol float64
	cmd := &cobra.Command{
		Use:   "verify MANIFEST",
		Short: "Re-run an analysis and report whether every output is identical",
		Long: `verify re-runs the analysis a manifest.json records (the analysis file at the
recorded path, relative to the manifest's folder) into a temporary folder and compares, step by step, the inputs' and outputs' sha256.
Outputs that differ are compared number by number: on the platform that made
the manifest numbers must have identical bits; on another platform they may
differ by the relative tolerance --tolerance. The exit status is 2 when
anything differs, with a line per difference.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return verify(cmd, args[0], tol)
		},
	}
	cmd.Flags().Float64Var(&tol, "tolerance", 1e-9, "relative tolerance for numbers when the platform or Go version differs")
	return cmd
}

func verify(cmd *cobra.Command, manifestPath string, tol float64) error {
	raw, err := os.ReadFile(manifestPath)
	if err != nil {
		return usageError{err}
	}
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return usagef("%s: not a causalkit manifest: %v", manifestPath, err)
	}
	w := cmd.OutOrStdout()
	var problems []string
	analysisPath := m.Analysis.Path
	if !filepath.IsAbs(analysisPath) {
		analysisPath = filepath.Join(filepath.Dir(manifestPath), analysisPath)
	}
	analysisRaw, err := os.ReadFile(analysisPath)
	if err != nil {
		return usagef("the analysis file %s: %v", analysisPath, err)
	}
	if sha(analysisRaw) != m.Analysis.SHA256 {
		problems = append(problems, fmt.Sprintf("analysis file %s changed", m.Analysis.Path))
	}
	tmp, err := os.MkdirTemp("", "causalkit-verify-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	again, err := runAnalysis(cmd, analysisPath, tmp, true)
	if err != nil {
		return fmt.Errorf("re-running the analysis: %w", err)
	}
	samePlatform := again.Tool.Platform == m.Tool.Platform && again.Tool.GoVersion == m.Tool.GoVersion
	steps := map[string]stepManifest{}
	for _, s := range again.Steps {
		steps[s.Name] = s
	}
	for _, old := range m.Steps {
		cur, ok := steps[old.Name]
		if !ok {
			problems = append(problems, fmt.Sprintf("step %s: no longer in the analysis", old.Name))
			continue
		}
		for i, in := range old.Inputs {
			if i < len(cur.Inputs) && cur.Inputs[i].SHA256 != in.SHA256 {
				problems = append(problems, fmt.Sprintf("step %s: input %s changed (sha256 %s… was %s…)", old.Name, in.Path, cur.Inputs[i].SHA256[:12], in.SHA256[:12]))
			}
		}
		for _, o := range old.Outputs {
			status := "identical"
			var newRec fileRecord
			for _, r := range cur.Outputs {
				if r.Path == o.Path {
					newRec = r
				}
			}
			if newRec.SHA256 != o.SHA256 {
				diff := compareOutputs(filepath.Join(filepath.Dir(manifestPath), o.Path), filepath.Join(tmp, o.Path), samePlatform, tol)
				switch {
				case diff == "" && samePlatform:
					status = "identical values (only file paths in the provenance differ)"
				case diff == "":
					status = fmt.Sprintf("within tolerance %g (platform or Go version differs)", tol)
				default:
					status = "DIFFERS: " + diff
					problems = append(problems, fmt.Sprintf("step %s: %s %s", old.Name, o.Path, diff))
				}
			}
			fmt.Fprintf(w, "%-12s %-28s %s\n", old.Name, o.Path, status)
		}
	}
	if len(problems) > 0 {
		return usagef("verification failed:\n  %s", strings.Join(problems, "\n  "))
	}
	fmt.Fprintln(w, "verified: every output is reproduced")
	return nil
}

// compareOutputs explains how two output files differ ("" when they agree
// up to the tolerance allowed). JSON files are compared value by value,
// ignoring provenance paths; others byte by byte.
func compareOutputs(oldPath, newPath string, samePlatform bool, tol float64) string {
	a, err := os.ReadFile(oldPath)
	if err != nil {
		return "the recorded output is missing: " + err.Error()
	}
	b, err := os.ReadFile(newPath)
	if err != nil {
		return "not produced: " + err.Error()
	}
	if !strings.HasSuffix(oldPath, ".json") {
		if bytes.Equal(a, b) || !samePlatform {
			return ""
		}
		return "contents differ"
	}
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return "not valid JSON"
	}
	return jsonDiff("", va, vb, samePlatform, tol)
}

// samePathOption reports whether an option of the provenance names the same
// input file in both runs, from different folders (--models, --design, …;
// the manifest hashes the files themselves).
func samePathOption(path string, a, b any) bool {
	sa, okA := a.(string)
	sb, okB := b.(string)
	return okA && okB && strings.HasPrefix(path, ".provenance.options.") && strings.ContainsRune(sa+sb, filepath.Separator) &&
		filepath.Base(sa) == filepath.Base(sb)
}

func jsonDiff(path string, a, b any, exact bool, tol float64) string {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return path + ": type changed"
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			p := path + "." + k
			if p == ".provenance.input.path" || p == ".provenance.version" || samePathOption(p, x[k], y[k]) {
				continue
			}
			if d := jsonDiff(p, x[k], y[k], exact, tol); d != "" {
				return d
			}
		}
		return ""
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return path + ": length changed"
		}
		for i := range x {
			if d := jsonDiff(fmt.Sprintf("%s[%d]", path, i), x[i], y[i], exact, tol); d != "" {
				return d
			}
		}
		return ""
	case float64:
		y, ok := b.(float64)
		if !ok {
			return path + ": type changed"
		}
		if x == y || (!exact && math.Abs(x-y) <= tol*math.Max(math.Abs(x), math.Abs(y))) {
			return ""
		}
		return fmt.Sprintf("%s: %v, now %v", path, x, y)
	}
	if fmt.Sprint(a) != fmt.Sprint(b) {
		return fmt.Sprintf("%s: %v, now %v", path, a, b)
	}
	return ""
}
