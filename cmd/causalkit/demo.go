package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/causalkit/causalkit/internal/exampledata"
)

// demos are the commands `causalkit demo` runs on bundled or simulated
// data; every method adds its own as it lands. In args, "DATA" stands for
// the demo's data file, which is the bundled file or what setup wrote.
var demos = []struct {
	title string
	file  string
	data  func() []byte // bundled data, written to file
	setup []string      // or a causalkit command that writes file
	args  []string
}{
	{
		title: "Card (1995): returns to schooling, OLS with HC1 standard errors",
		file:  "card.csv",
		data:  card,
		args:  []string{"lm", "--y", "lwage", "--x", "educ,exper,expersq,black,smsa,south,smsa66,reg662..reg669", "--vce", "hc1", "--small"},
	},
	{
		title: "Card (1995): the same regression, pairs bootstrap (499 replicates, seed 1)",
		file:  "card.csv",
		data:  card,
		args:  []string{"lm", "--y", "lwage", "--x", "educ,exper,expersq,black", "--bootstrap", "499", "--seed", "1"},
	},
	{
		title: "Card (1995): education instrumented by college proximity, LIML with diagnostics",
		file:  "card.csv",
		data:  card,
		args: []string{"iv", "--y", "lwage", "--endog", "educ", "--instruments", "nearc2,nearc4",
			"--exog", "exper,expersq,black,smsa,south,smsa66,reg662..reg669", "--method", "liml", "--vce", "hc1", "--small"},
	},
	{
		title: "U.S. Senate elections: incumbency advantage by regression discontinuity (rdrobust defaults)",
		file:  "senate.csv",
		data:  senate,
		args:  []string{"rdd", "--y", "vote", "--x", "margin"},
	},
	{
		title: "Distributional RD (R3D): quantile treatment effects on simulated firm wage distributions (true effect 2.27)",
		file:  "r3d.parquet",
		setup: []string{"simulate", "r3d", "--n", "500", "--draws", "50", "--seed", "42"},
		args:  []string{"r3d", "--unit", "unit", "--x", "x", "--y", "y", "--quantiles", "0.1:0.9:0.1"},
	},
	{
		title: "Data augmentation as an instrument (Akbar et al. 2025): IVL with α chosen by hold-out CV",
		file:  "da.parquet",
		setup: []string{"simulate", "iv", "--design", "da", "--n", "2048", "--seed", "42"},
		args: []string{"iv", "--y", "y", "--endog", "gx1..gx32", "--instruments", "g1..g31", "--no-intercept",
			"--method", "ivl", "--alpha-select", "cv", "--alpha-eval", "x1..x32"},
	},
	{
		title: "Taxes conjoint (Ballard-Rosa et al. 2016): AMCEs with respondent-clustered errors (cregg's survey errors)",
		file:  "taxes.csv",
		data:  exampledata.TaxesCSV,
		args:  []string{"conjoint", "amce", "--outcome", "chose_plan", "--respondent", "ID", "--attributes", "taxrate1..taxrate6,taxrev", "--se", "survey"},
	},
	{
		title: "Taxes conjoint: the tax plan respondents would most prefer, a KL-penalised stochastic intervention (λ = 0.05)",
		file:  "taxes.csv",
		data:  exampledata.TaxesCSV,
		args: []string{"conjoint", "optimize", "--outcome", "chose_plan", "--respondent", "ID", "--attributes", "taxrate1..taxrate6,taxrev",
			"--model", "linear", "--penalty", "kl", "--lambda", "0.05"},
	},
	{
		title: "IMPC mouse haematology: invariant causal prediction across 14 genotypes (R InvariantCausalPrediction defaults)",
		file:  "impc.csv",
		data:  impc,
		args:  []string{"invariance", "icp", "--target", "Y", "--env", "E", "--features", "X_1..X_5"},
	},
}

func card() []byte   { return exampledata.CardCSV }
func senate() []byte { return exampledata.SenateCSV }
func impc() []byte   { return exampledata.IMPCCSV }

func newDemoCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Run every method on bundled example data and print the results",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := os.MkdirTemp("", "causalkit-demo-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			out := cmd.OutOrStdout()
			for _, d := range demos {
				path := filepath.Join(dir, d.file)
				if d.setup != nil {
					fmt.Fprintf(out, "## %s\n$ causalkit %s --out %s\n", d.title, strings.Join(d.setup, " "), d.file)
					if err := execute(cmd, append(slices.Clone(d.setup), "--out", path, "--quiet")); err != nil {
						return fmt.Errorf("demo %q: %w", d.title, err)
					}
				} else {
					fmt.Fprintf(out, "## %s\n", d.title)
					if err := os.WriteFile(path, d.data(), 0o644); err != nil {
						return err
					}
				}
				fmt.Fprintf(out, "$ causalkit %s --data %s\n\n", strings.Join(d.args, " "), d.file)
				if err := execute(cmd, append(slices.Clone(d.args), "--data", path, "--quiet")); err != nil {
					return fmt.Errorf("demo %q: %w", d.title, err)
				}
				fmt.Fprintln(out)
			}
			return nil
		},
	}
}

// execute runs a causalkit command line with cmd's output streams.
func execute(cmd *cobra.Command, args []string) error {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(cmd.OutOrStdout())
	root.SetErr(cmd.ErrOrStderr())
	return root.ExecuteContext(cmd.Context())
}
