package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

func newVersionCmd() *cobra.Command {
	var deps bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, Go version, platform and (with --deps) dependency versions",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "causalkit %s (%s %s/%s)\n", Version(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
			if bi, ok := debug.ReadBuildInfo(); ok && deps {
				for _, d := range bi.Deps {
					fmt.Fprintf(w, "  %s %s\n", d.Path, d.Version)
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&deps, "deps", false, "also list the dependency modules and their versions")
	return cmd
}
