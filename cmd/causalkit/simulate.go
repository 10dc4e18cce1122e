package main

import (
	"fmt"
	stdio "io"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/causalkit/causalkit/estimators"
	ckio "github.com/causalkit/causalkit/io"
	"github.com/causalkit/causalkit/iv"
)

// simFlags are the flags every simulate subcommand shares.
type simFlags struct {
	n     int
	seed  uint64
	out   string
	quiet bool
}

func newSimulateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "simulate",
		Short: "Write data from documented data-generating processes with known truth",
		Long: `simulate writes synthetic data sets with known true effects, for demos, tests and
benchmarks. The output format follows the --out extension (.parquet, .csv,
.arrow). The same --seed gives the same file.`,
	}
	cmd.AddCommand(newSimulateLmCmd(), newSimulateIVCmd(), newSimulateRDDCmd(), newSimulateR3DCmd(), newSimulateConjointCmd(),
		newSimulateInvarianceCmd())
	return cmd
}

func (s *simFlags) register(cmd *cobra.Command, n int) {
	fs := cmd.Flags()
	fs.IntVar(&s.n, "n", n, "number of rows")
	fs.Uint64Var(&s.seed, "seed", 1, "random seed")
	fs.StringVar(&s.out, "out", "", "output file (.parquet, .csv or .arrow)")
	fs.BoolVar(&s.quiet, "quiet", false, "no notes on stderr")
	_ = cmd.MarkFlagRequired("out")
}

func (s *simFlags) write(cmd *cobra.Command, cols []ckio.Column, truth string) error {
	done := false
	return s.writeChunks(cmd, func(int) []ckio.Column {
		if done {
			return nil
		}
		done = true
		return cols
	}, truth)
}

// writeChunks writes the rows that rows generates, a row group at a time,
// so that any --n fits in memory.
func (s *simFlags) writeChunks(cmd *cobra.Command, rows func(n int) []ckio.Column, truth string) error {
	const chunk = 1 << 20
	left := s.n
	next := func() ([]ckio.Column, error) {
		if left == 0 {
			return nil, nil
		}
		m := min(left, chunk)
		left -= m
		return rows(m), cmd.Context().Err()
	}
	if err := ckio.WriteColumnChunks(s.out, next, ckio.WriteOptions{}); err != nil {
		return err
	}
	if !s.quiet {
		fmt.Fprintf(cmd.ErrOrStderr(), "note: wrote %d rows to %s; %s\n", s.n, s.out, truth)
	}
	return nil
}

// SimulateLM draws the linear-model design of `simulate lm`: n rows of
// y = 1 + Σ_j β_j x_j + u_g + ε with β_j = (−1)^(j+1)·j/2 for the p standard
// normal regressors x_j, cluster effects u_g ~ N(0, 0.5²) for g = 1 … G,
// and heteroskedastic noise ε ~ N(0, (1 + |x_1|)²/4). Everything comes from
// the stream (seed, 0).
func SimulateLM(n, p, g int, seed uint64) (y []float64, x [][]float64, cluster []int64, beta []float64) {
	rng := estimators.Stream(seed, 0)
	beta = make([]float64, p)
	for j := range beta {
		beta[j] = float64(j+1) / 2
		if j%2 == 1 {
			beta[j] = -beta[j]
		}
	}
	u := make([]float64, g)
	for k := range u {
		u[k] = 0.5 * rng.NormFloat64()
	}
	y = make([]float64, n)
	x = make([][]float64, p)
	for j := range x {
		x[j] = make([]float64, n)
	}
	cluster = make([]int64, n)
	for i := range n {
		c := rng.IntN(g)
		cluster[i] = int64(c + 1)
		yi := 1 + u[c]
		for j := range x {
			x[j][i] = rng.NormFloat64()
			yi += beta[j] * x[j][i]
		}
		y[i] = yi + 0.5*(1+math.Abs(x[0][i]))*rng.NormFloat64()
	}
	return y, x, cluster, beta
}

func newSimulateLmCmd() *cobra.Command {
	var s simFlags
	var p, g int
	cmd := &cobra.Command{
		Use:   "lm --n N --out FILE",
		Short: "Linear model with clustered, heteroskedastic errors: y, x1…xp, g",
		Long: `Writes y, x1 … xp and the cluster id g, where
  y = 1 + Σ_j β_j x_j + u_g + ε,  β_j = (−1)^(j+1)·j/2  (0.5, −1, 1.5, …),
x_j ~ N(0,1), u_g ~ N(0, 0.5²) for g = 1 … G, ε ~ N(0, (1+|x1|)²/4).`,
		Example: "  causalkit simulate lm --n 1000000 --p 10 --out lm.parquet",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if s.n < 1 || p < 1 || g < 1 {
				return usagef("--n, --p and --groups must be positive (got %d, %d, %d)", s.n, p, g)
			}
			y, x, cluster, beta := SimulateLM(s.n, p, g, s.seed)
			cols := []ckio.Column{{Name: "y", Float64: y}}
			for j := range x {
				cols = append(cols, ckio.Column{Name: "x" + strconv.Itoa(j+1), Float64: x[j]})
			}
			cols = append(cols, ckio.Column{Name: "g", Int64: cluster})
			return s.write(cmd, cols, fmt.Sprintf("true intercept 1, slopes %v", beta))
		},
	}
	s.register(cmd, 10000)
	cmd.Flags().IntVar(&p, "p", 5, "number of regressors")
	cmd.Flags().IntVar(&g, "groups", 50, "number of clusters")
	return cmd
}

// SimulateIV draws the IV design of `simulate iv`: w1…w10 and z1…z3 standard
// normal, first-stage error v ~ N(0,1), structural error u = 0.6v + 0.8e
// (corr(u, v) = 0.6, so d is endogenous), d = 0.5z1 + 0.3z2 + 0.2z3 +
// 0.1·Σw + v, and y = 1 + 2d + 0.1·Σw + u. The true effect of d is 2.
func SimulateIV(n int, seed uint64) []ckio.Column {
	return ivRows(estimators.Stream(seed, 0))(n)
}

// ivRows returns a generator of consecutive rows of SimulateIV's design
// drawn from rng: chunks of any sizes give the rows of one call.
func ivRows(rng *rand.Rand) func(n int) []ckio.Column {
	pi := []float64{0.5, 0.3, 0.2}
	return func(n int) []ckio.Column {
		y, d := make([]float64, n), make([]float64, n)
		z := make([][]float64, 3)
		w := make([][]float64, 10)
		for j := range z {
			z[j] = make([]float64, n)
		}
		for j := range w {
			w[j] = make([]float64, n)
		}
		for i := range n {
			var sw float64
			for j := range w {
				w[j][i] = rng.NormFloat64()
				sw += w[j][i]
			}
			di := 0.1 * sw
			for j := range z {
				z[j][i] = rng.NormFloat64()
				di += pi[j] * z[j][i]
			}
			v := rng.NormFloat64()
			u := 0.6*v + 0.8*rng.NormFloat64()
			d[i] = di + v
			y[i] = 1 + 2*d[i] + 0.1*sw + u
		}
		cols := []ckio.Column{{Name: "y", Float64: y}, {Name: "d", Float64: d}}
		for j := range z {
			cols = append(cols, ckio.Column{Name: "z" + strconv.Itoa(j+1), Float64: z[j]})
		}
		for j := range w {
			cols = append(cols, ckio.Column{Name: "w" + strconv.Itoa(j+1), Float64: w[j]})
		}
		return cols
	}
}

func newSimulateIVCmd() *cobra.Command {
	var s simFlags
	var design string
	var dx, dc int
	var kappa, gamma float64
	cmd := &cobra.Command{
		Use:   "iv --n N --out FILE",
		Short: "IV designs: a classic endogenous regressor, or the DA-as-instrument simulation",
		Long: `--design standard (default) writes y, d, z1–z3, w1–w10 with
  d = 0.5z1 + 0.3z2 + 0.2z3 + 0.1·Σw + v,  y = 1 + 2d + 0.1·Σw + u,  corr(u, v) = 0.6:
the true effect of d is 2 and OLS is biased upwards.

--design da writes the linear simulation of Akbar et al. (NeurIPS 2025): one SEM with
--dx regressors and --confounders confounders, X = C·W_CX + 0.1·N, y = X·f + κ·C·w_CY + 0.1·N
(κ = --kappa), the null-space translation augmentation GX = X + γ·G·B (γ = --gamma), as
columns y, x1…, gx1…, g1…; f is printed on stderr. Fit it with
  causalkit iv --data da.parquet --y y --endog gx1..gx32 --instruments g1..g31 --no-intercept \
      --method ivl --alpha-select cv --alpha-eval x1..x32`,
		Example: "  causalkit simulate iv --n 100000 --out iv.parquet\n  causalkit simulate iv --design da --n 2048 --out da.parquet",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if s.n < 2 {
				return usagef("--n %d: need at least 2 rows", s.n)
			}
			switch design {
			case "standard":
				return s.writeChunks(cmd, ivRows(estimators.Stream(s.seed, 0)), "true effect of d: 2")
			case "da":
				if dx < 2 || dc < 1 {
					return usagef("--dx must be at least 2 and --confounders at least 1")
				}
				rng := estimators.Stream(s.seed, 0)
				sem := iv.NewLinearSEM(dx, dc, rng)
				x, y := sem.Sample(s.n, kappa, rng)
				gx, g := iv.NullSpaceTranslation(sem.F, gamma)(x, estimators.Stream(s.seed, 1))
				cols := []ckio.Column{{Name: "y", Float64: y}}
				for j := range x {
					cols = append(cols, ckio.Column{Name: "x" + strconv.Itoa(j+1), Float64: x[j]})
				}
				for j := range gx {
					cols = append(cols, ckio.Column{Name: "gx" + strconv.Itoa(j+1), Float64: gx[j]})
				}
				for j := range g {
					cols = append(cols, ckio.Column{Name: "g" + strconv.Itoa(j+1), Float64: g[j]})
				}
				return s.write(cmd, cols, fmt.Sprintf("true f = %v", sem.F))
			}
			return usagef("--design %q: use standard or da", design)
		},
	}
	s.register(cmd, 10000)
	fs := cmd.Flags()
	fs.StringVar(&design, "design", "standard", "standard or da")
	fs.IntVar(&dx, "dx", 32, "da: number of regressors")
	fs.IntVar(&dc, "confounders", 32, "da: number of confounders")
	fs.Float64Var(&kappa, "kappa", 1, "da: confounding strength κ")
	fs.Float64Var(&gamma, "gamma", 1, "da: augmentation strength γ")
	return cmd
}

// SimulateRDD draws the sharp RD design of `simulate rdd`: x ~ U(−1, 1),
// y = 1 + 0.8x − 0.5x² + 0.5·1{x ≥ 0} + 0.3ε with ε ~ N(0, 1). The jump at
// the cutoff 0 is 0.5.
func SimulateRDD(n int, seed uint64) (y, x []float64) {
	rng := estimators.Stream(seed, 0)
	y, x = make([]float64, n), make([]float64, n)
	for i := range n {
		xi := 2*rng.Float64() - 1
		yi := 1 + 0.8*xi - 0.5*xi*xi + 0.3*rng.NormFloat64()
		if xi >= 0 {
			yi += 0.5
		}
		x[i], y[i] = xi, yi
	}
	return y, x
}

func newSimulateRDDCmd() *cobra.Command {
	var s simFlags
	cmd := &cobra.Command{
		Use:   "rdd --n N --out FILE",
		Short: "Sharp RD design with a known jump: y, x (cutoff 0)",
		Long: `Writes y and x with x ~ U(−1, 1) and y = 1 + 0.8x − 0.5x² + 0.5·1{x ≥ 0} + 0.3ε,
ε ~ N(0, 1): the jump at the cutoff 0 is 0.5.`,
		Example: "  causalkit simulate rdd --n 1000000 --out rdd.parquet",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if s.n < 20 {
				return usagef("--n %d: need at least 20 rows", s.n)
			}
			y, x := SimulateRDD(s.n, s.seed)
			return s.write(cmd, []ckio.Column{{Name: "y", Float64: y}, {Name: "x", Float64: x}}, "true jump at 0: 0.5")
		},
	}
	s.register(cmd, 10000)
	return cmd
}

// SimulateR3D draws the long-format distributional RD design of
// `simulate r3d` (DGP 1 of the R3D paper's simulations): n units with
// X ~ U(−1, 1) and draws draws each from N(5 + 5X + 2.27·1{X ≥ 0},
// max(|1 + X|, 0.1)²). Every quantile of the outcome jumps by 2.27 at 0.
func SimulateR3D(n, draws int, seed uint64) []ckio.Column {
	rng := estimators.Stream(seed, 0)
	unit := make([]int64, 0, n*draws)
	x := make([]float64, 0, n*draws)
	y := make([]float64, 0, n*draws)
	for i := range n {
		xi := 2*rng.Float64() - 1
		mu := 5 + 5*xi
		if xi >= 0 {
			mu += 2.27
		}
		sd := math.Max(math.Abs(1+xi), 0.1)
		for range draws {
			unit = append(unit, int64(i+1))
			x = append(x, xi)
			y = append(y, mu+sd*rng.NormFloat64())
		}
	}
	return []ckio.Column{{Name: "unit", Int64: unit}, {Name: "x", Float64: x}, {Name: "y", Float64: y}}
}

func newSimulateR3DCmd() *cobra.Command {
	var s simFlags
	var draws int
	cmd := &cobra.Command{
		Use:   "r3d --n UNITS --out FILE",
		Short: "Distributional RD design in long format: unit, x, y (every quantile jumps by 2.27 at 0)",
		Long: `Writes one row per within-unit draw: unit, x (constant within a unit) and y, with
X ~ U(−1, 1) per unit and draws ~ N(5 + 5X + 2.27·1{X ≥ 0}, max(|1+X|, 0.1)²): the
quantile treatment effect is 2.27 at every quantile. --n is the number of units.`,
		Example: "  causalkit simulate r3d --n 10000 --draws 200 --out firms.parquet",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if s.n < 5 || draws < 1 {
				return usagef("--n must be at least 5 units and --draws at least 1")
			}
			return s.write(cmd, SimulateR3D(s.n, draws, s.seed), "true quantile effect: 2.27 at every quantile")
		},
	}
	s.register(cmd, 500)
	cmd.Flags().IntVar(&draws, "draws", 50, "draws per unit")
	return cmd
}

// conjointTruth is the design of `simulate conjoint`: each attribute's
// levels (the first is the baseline) and their true AMCEs.
var conjointTruth = []struct {
	name   string
	levels []string
	amce   []float64
}{
	{"price", []string{"$10", "$20", "$30"}, []float64{0, -0.08, -0.16}},
	{"brand", []string{"A", "B", "C"}, []float64{0, 0.05, 0.10}},
	{"rating", []string{"3 stars", "4 stars", "5 stars"}, []float64{0, 0.04, 0.12}},
}

// SimulateConjoint draws the forced-choice conjoint of `simulate conjoint`:
// n respondents see tasks pairs of profiles whose attributes are drawn
// uniformly and independently; the first profile is chosen with
// probability 1/2 + Σ_a δ_a(t₁) − Σ_a δ_a(t₂), with δ the true AMCEs of
// conjointTruth, so that every AMCE is δ exactly (a linear probability
// model; the probabilities stay in [0.12, 0.88]).
func SimulateConjoint(n, tasks int, seed uint64) []ckio.Column {
	rng := estimators.Stream(seed, 0)
	rows := 2 * n * tasks
	respondent, task, profile := make([]int64, 0, rows), make([]int64, 0, rows), make([]int64, 0, rows)
	chosen := make([]float64, 0, rows)
	attr := make([][]string, len(conjointTruth))
	for i := range n {
		for k := range tasks {
			var lv [2][3]int
			p := 0.5
			for j := range 2 {
				for a, t := range conjointTruth {
					lv[j][a] = rng.IntN(len(t.levels))
					p += float64(1-2*j) * t.amce[lv[j][a]]
				}
			}
			first := 0.0
			if rng.Float64() < p {
				first = 1
			}
			for j := range 2 {
				respondent = append(respondent, int64(i+1))
				task = append(task, int64(k+1))
				profile = append(profile, int64(j+1))
				chosen = append(chosen, math.Abs(float64(j)-first))
				for a, t := range conjointTruth {
					attr[a] = append(attr[a], t.levels[lv[j][a]])
				}
			}
		}
	}
	cols := []ckio.Column{{Name: "respondent", Int64: respondent}, {Name: "task", Int64: task},
		{Name: "profile", Int64: profile}, {Name: "chosen", Float64: chosen}}
	for a, t := range conjointTruth {
		cols = append(cols, ckio.Column{Name: t.name, String: attr[a]})
	}
	return cols
}

func newSimulateConjointCmd() *cobra.Command {
	var s simFlags
	var tasks int
	cmd := &cobra.Command{
		Use:   "conjoint --n RESPONDENTS --out FILE",
		Short: "Forced-choice conjoint with known AMCEs: respondent, task, profile, chosen, price, brand, rating",
		Long: `Writes one row per profile shown: --n respondents each choose between two
profiles in --tasks tasks. Attributes are drawn uniformly and independently;
the first profile of a pair is chosen with probability
1/2 + Σ δ(profile 1) − Σ δ(profile 2). The true AMCEs δ are
price: $20 −0.08, $30 −0.16; brand: B 0.05, C 0.10; rating: 4 stars 0.04,
5 stars 0.12 (baselines $10, A, 3 stars).`,
		Example: "  causalkit simulate conjoint --n 2000 --tasks 5 --out conjoint.parquet",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if s.n < 2 || tasks < 1 {
				return usagef("--n must be at least 2 respondents and --tasks at least 1")
			}
			cols := SimulateConjoint(s.n, tasks, s.seed)
			s.n = len(cols[0].Int64)
			return s.write(cmd, cols, "true AMCEs: price $20 −0.08, $30 −0.16; brand B 0.05, C 0.10; rating 4 stars 0.04, 5 stars 0.12")
		},
	}
	s.register(cmd, 1000)
	cmd.Flags().Lookup("n").Usage = "number of respondents"
	cmd.Flags().IntVar(&tasks, "tasks", 5, "choice tasks per respondent")
	return cmd
}

// invarianceGraph is the causal graph of `simulate invariance` (DOT).
const invarianceGraph = `// simulate invariance: E shifts X1 and X2 (the parents of Y) and X3 (a child of Y).
digraph invariance {
  E -> X1; E -> X2; E -> X3;
  X1 -> Y; X2 -> Y;
  Y -> X3; X1 -> X4;
}
`

// SimulateInvariance draws the multi-environment design of `simulate
// invariance`: rows cycle through envs environments e = 0 … envs−1;
// X1 = 0.5e + (1 + 0.3e)ε₁, X2 = (1 + 0.5e)ε₂, Y = X1 + 0.5·X2 + ε_Y,
// X3 = (1 + 0.5e)·Y + 0.5ε₃, X4 = X1 + ε₄, all ε standard normal. The
// causal parents of Y are {X1, X2} with coefficients 1 and 0.5, invariant
// across environments (and identifiable by ICP, since E shifts both); X3
// is a mutable child of Y.
func SimulateInvariance(n, envs int, seed uint64) []ckio.Column {
	rng := estimators.Stream(seed, 0)
	x := make([][]float64, 4)
	for j := range x {
		x[j] = make([]float64, n)
	}
	y, env := make([]float64, n), make([]int64, n)
	for i := range n {
		e := float64(i % envs)
		x1 := 0.5*e + (1+0.3*e)*rng.NormFloat64()
		x2 := (1 + 0.5*e) * rng.NormFloat64()
		yi := x1 + 0.5*x2 + rng.NormFloat64()
		x[0][i], x[1][i], y[i], env[i] = x1, x2, yi, int64(i%envs)
		x[2][i] = (1+0.5*e)*yi + 0.5*rng.NormFloat64()
		x[3][i] = x1 + rng.NormFloat64()
	}
	cols := make([]ckio.Column, 0, 6)
	for j := range x {
		cols = append(cols, ckio.Column{Name: fmt.Sprintf("X%d", j+1), Float64: x[j]})
	}
	return append(cols, ckio.Column{Name: "Y", Float64: y}, ckio.Column{Name: "E", Int64: env})
}

func newSimulateInvarianceCmd() *cobra.Command {
	var s simFlags
	var envs int
	var graphOut string
	cmd := &cobra.Command{
		Use:   "invariance --n N --out FILE [--graph-out FILE.dot]",
		Short: "Multi-environment data with known causal parents: X1…X4, Y, E",
		Long: `Writes X1…X4, Y and the environment E (rows cycle through --envs environments e):
X1 = 0.5e + (1 + 0.3e)ε₁, X2 = (1 + 0.5e)ε₂, Y = X1 + 0.5·X2 + ε_Y,
X3 = (1 + 0.5e)·Y + 0.5ε₃, X4 = X1 + ε₄. The causal parents of Y are {X1, X2}
(coefficients 1 and 0.5); E shifts X1, X2 and X3, so X3 is a mutable child of Y. --graph-out writes the graph as DOT.`,
		Example: `  causalkit simulate invariance --n 2000 --out inv.csv --graph-out inv.dot
  causalkit invariance icp --data inv.csv --target Y --env E --features X1..X4`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if envs < 2 || s.n < 10*envs {
				return usagef("--envs must be at least 2 and --n at least 10 rows per environment")
			}
			if graphOut != "" {
				if err := ckio.WriteFileAtomic(graphOut, func(w stdio.Writer) error {
					_, err := stdio.WriteString(w, invarianceGraph)
					return err
				}); err != nil {
					return err
				}
			}
			return s.write(cmd, SimulateInvariance(s.n, envs, s.seed), "causal parents of Y: X1 (coefficient 1) and X2 (0.5)")
		},
	}
	s.register(cmd, 2000)
	cmd.Flags().IntVar(&envs, "envs", 5, "number of environments")
	cmd.Flags().StringVar(&graphOut, "graph-out", "", "also write the causal graph (DOT) to this file")
	return cmd
}
