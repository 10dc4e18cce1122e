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
			desc, err := describe(cmd, &c)
			if err != nil {
				return err
			}
			write := func(w stdio.Writer) error {
				if c.format == "json" {
					return ckio.WriteJSON(w, desc)
				}
				var b strings.Builder
				fmt.Fprintf(&b, "%s: %d rows, %d columns (sha256 %s)\n", desc.Path, desc.Rows, len(desc.Columns), desc.SHA256)
				if desc.RowGroups > 0 {
					fmt.Fprintf(&b, "Parquet: %d file(s), %d row groups\n", desc.Files, desc.RowGroups)
				}
				b.WriteString("\n")
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

// description is what describe reports.
type description struct {
	ckio.Source
	Files     int               `json:"files,omitempty"`      // Parquet files
	RowGroups int               `json:"row_groups,omitempty"` // Parquet row groups
	Columns   []ckio.ColumnInfo `json:"columns"`
}

// describe describes the data: Parquet from its footers, a row group of
// one column at a time at most (any size, several files); other formats
// by reading them.
func describe(cmd *cobra.Command, c *commonFlags) (*description, error) {
	format, err := ckio.ParseFormat(c.dataFormat)
	if err != nil {
		return nil, usagef("--data-format: %v", err)
	}
	multi := ckio.IsPlan(c.data)
	if format == ckio.FormatAuto {
		if f, err := ckio.FormatFromPath(c.data); err == nil {
			format = f
		}
	}
	if multi || format == ckio.FormatParquet {
		plan, err := ckio.NewPlan(c.data)
		if err != nil {
			return nil, err
		}
		cols, err := plan.Describe(cmd.Context())
		if err != nil {
			return nil, err
		}
		d := &description{Source: ckio.Source{Path: c.data, Rows: int(plan.Rows())}, Files: len(plan.Files), RowGroups: len(plan.Units), Columns: cols}
		if len(plan.Files) == 1 {
			d.SHA256, err = ckio.FileSHA256(cmd.Context(), plan.Files[0].Path)
		} else {
			d.SHA256 = "plan:" + plan.Fingerprint
		}
		return d, err
	}
	t, err := ckio.Read(cmd.Context(), c.data, ckio.ReadOptions{Format: format})
	if err != nil {
		return nil, err
	}
	defer t.Release()
	return &description{Source: t.Source(), Columns: t.Describe()}, nil
}
