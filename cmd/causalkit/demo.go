package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/causalkit/causalkit/internal/exampledata"
)

// demos are the commands `causalkit demo` runs, each on bundled data; every
// method adds its own as it lands.
var demos = []struct {
	title string
	file  string
	data  []byte
	args  []string
}{
	{
		title: "Card (1995): returns to schooling, OLS with HC1 standard errors",
		file:  "card.csv",
		data:  exampledata.CardCSV,
		args: []string{"lm", "--y", "lwage", "--x", "educ,exper,expersq,black,smsa,south,smsa66,reg662,reg663,reg664,reg665,reg666,reg667,reg668,reg669",
			"--vce", "hc1", "--small"},
	},
	{
		title: "Card (1995): the same regression, pairs bootstrap (499 replicates, seed 1)",
		file:  "card.csv",
		data:  exampledata.CardCSV,
		args:  []string{"lm", "--y", "lwage", "--x", "educ,exper,expersq,black", "--bootstrap", "499", "--seed", "1"},
	},
}

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
				if err := os.WriteFile(path, d.data, 0o644); err != nil {
					return err
				}
				args := append(append([]string{}, d.args...), "--data", path, "--quiet")
				fmt.Fprintf(out, "## %s\n$ causalkit %s\n\n", d.title, shellJoin(d.args, d.file))
				root := newRootCmd()
				root.SetArgs(args)
				root.SetOut(out)
				root.SetErr(cmd.ErrOrStderr())
				if err := root.ExecuteContext(cmd.Context()); err != nil {
					return fmt.Errorf("demo %q: %w", d.title, err)
				}
				fmt.Fprintln(out)
			}
			return nil
		},
	}
}

func shellJoin(args []string, file string) string {
	s := args[0] + " --data " + file
	for _, a := range args[1:] {
		s += " " + a
	}
	return s
}
