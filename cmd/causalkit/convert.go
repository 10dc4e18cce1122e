package main

import (
	"os"

	"github.com/spf13/cobra"

	ckio "github.com/causalkit/causalkit/io"
)

func newConvertCmd() *cobra.Command {
	var (
		data, dataFormat, out, schema, compression string
		rowGroup                                   int
	)
	cmd := &cobra.Command{
		Use:   "convert --data FILE --out FILE.parquet",
		Short: "Convert CSV or Arrow IPC to Parquet (or between any two formats)",
		Long: `convert reads a table (CSV types are inferred over a sample of rows, or given with
--schema) and writes it in the format of --out's extension, atomically.`,
		Example: "  causalkit convert --data card.csv --out card.parquet --compression zstd",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opt := ckio.ReadOptions{}
			var err error
			if opt.Format, err = ckio.ParseFormat(dataFormat); err != nil {
				return usagef("--data-format: %v", err)
			}
			if schema != "" {
				f, err := os.Open(schema)
				if err != nil {
					return usagef("--schema: %v", err)
				}
				opt.Schema, err = ckio.ParseSchema(f)
				f.Close()
				if err != nil {
					return err
				}
			}
			switch compression {
			case "zstd", "snappy", "none":
			default:
				return usagef("--compression %q: use zstd, snappy or none", compression)
			}
			if rowGroup < 1 {
				return usagef("--row-group-size %d: must be positive", rowGroup)
			}
			t, err := ckio.Read(cmd.Context(), data, opt)
			if err != nil {
				return err
			}
			defer t.Release()
			return ckio.WriteTable(cmd.Context(), out, t, ckio.WriteOptions{RowGroupSize: rowGroup, Compression: compression})
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&data, "data", "", "input table: .csv, .arrow/.feather or .parquet")
	fs.StringVar(&dataFormat, "data-format", "", "input format, overriding the extension")
	fs.StringVar(&out, "out", "", "output file; the format follows the extension")
	fs.StringVar(&schema, "schema", "", "CSV column types as a JSON object {\"col\": \"float64\", …}")
	fs.StringVar(&compression, "compression", "zstd", "Parquet compression: zstd, snappy or none")
	fs.IntVar(&rowGroup, "row-group-size", 1<<20, "rows per Parquet row group")
	_ = cmd.MarkFlagRequired("data")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}
