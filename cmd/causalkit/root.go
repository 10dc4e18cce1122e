package main

import (
	"runtime/debug"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// version is the release version, set at build time with
// -ldflags "-X main.version=v0.1.0"; otherwise taken from the module's build
// information.
var version = ""

// Version returns the version string recorded in every result.
func Version() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "causalkit",
		Short: "Causal inference and estimation from Parquet, CSV and Arrow files",
		Long: `causalkit estimates causal effects straight from Parquet, CSV and Arrow IPC files,
with the numbers of the trusted R and Python references.

Results go to stdout as a table (default), JSON or CSV; notes and progress go
to stderr. Exit status: 0 success, 2 bad input or usage, 1 internal error.`,
		SilenceUsage:      true,
		SilenceErrors:     true,
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(
		newLmCmd(),
		newIVCmd(),
		newRDDCmd(),
		newR3DCmd(),
		newConjointCmd(),
		newInvarianceCmd(),
		newSimulateCmd(),
		newDescribeCmd(),
		newConvertCmd(),
		newDemoCmd(),
		newVersionCmd(),
		newCombineCmd(),
		newRunCmd(),
		newVerifyCmd(),
	)
	return root
}

// optionsOf records the value of every flag of cmd except those that only
// choose where output goes, for the provenance of a result.
func optionsOf(cmd *cobra.Command) map[string]any {
	skip := map[string]bool{"data": true, "out": true, "format": true, "quiet": true, "help": true, "workers": true, "outputs": true, "plot": true,
		"shard": true, "stage": true, "memory-limit": true}
	opts := make(map[string]any)
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if skip[f.Name] {
			return
		}
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			opts[f.Name] = sv.GetSlice()
			return
		}
		opts[f.Name] = f.Value.String()
	})
	return opts
}
