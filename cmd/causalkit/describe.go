package main

import (
	"fmt"
	stdio "io"
	"strings"

	"github.com/spf13/cobra"

	ckio "github.com/causalkit/causalkit/io"
)

func newDescribeCmd() *cobra.Command {
	var c commonFlags
	cmd := &cobra.Command{
		Use:     "describe --data FILE",
		Short:   "Show a table's schema, row count and missing values per column",
		Example: "  causalkit describe --data card.parquet --format json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if c.format == "csv" {
				return usagef("--format csv is not available for describe; use table or json")
			}
			if err := c.validate(); err != nil {
				return err
			}
			opt := ckio.ReadOptions{}
			var err error
			if opt.Format, err = ckio.ParseFormat(c.dataFormat); err != nil {
				return usagef("--data-format: %v", err)
			}
			t, err := ckio.Read(cmd.Context(), c.data, opt)
			if err != nil {
				return err
			}
			defer t.Release()
			desc := struct {
				ckio.Source
				Columns []ckio.ColumnInfo `json:"columns"`
			}{t.Source(), t.Describe()}
			write := func(w stdio.Writer) error {
				if c.format == "json" {
					return ckio.WriteJSON(w, desc)
				}
				var b strings.Builder
				fmt.Fprintf(&b, "%s: %d rows, %d columns (sha256 %s)\n\n", desc.Path, desc.Rows, len(desc.Columns), desc.SHA256)
				w0 := len("column")
				for _, ci := range desc.Columns {
					w0 = max(w0, len(ci.Name))
				}
				fmt.Fprintf(&b, "%-*s  %-24s %10s\n", w0, "column", "type", "missing")
				for _, ci := range desc.Columns {
					fmt.Fprintf(&b, "%-*s  %-24s %10d\n", w0, ci.Name, ci.Type, ci.Nulls)
				}
				_, err := stdio.WriteString(w, b.String())
				return err
			}
			if c.out != "" {
				return ckio.WriteFileAtomic(c.out, write)
			}
			return write(cmd.OutOrStdout())
		},
	}
	c.register(cmd, false)
	return cmd
}
