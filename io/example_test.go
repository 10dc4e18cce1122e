package io_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	ckio "github.com/causalkit/causalkit/io"
)

func Example_read() {
	dir, err := os.MkdirTemp("", "ckio-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "wages.csv")
	data := "wage,educ,region\n12.5,12,north\nNA,16,south\n20,16,south\n9.75,10,north\n"
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		log.Fatal(err)
	}

	tbl, err := ckio.Read(context.Background(), path, ckio.ReadOptions{})
	if err != nil {
		log.Fatal(err)
	}
	defer tbl.Release()
	for _, c := range tbl.Describe() {
		fmt.Printf("%-6s %-7s %d nulls\n", c.Name, c.Type, c.Nulls)
	}

	f, err := tbl.Frame(ckio.FrameSpec{Numeric: []string{"wage", "educ"}, Categorical: []string{"region"}})
	if err != nil {
		log.Fatal(err)
	}
	codes, levels := f.Codes("region")
	fmt.Println("kept rows:", f.Rows, "dropped:", f.Dropped)
	fmt.Println("wage:", f.Float64("wage"))
	fmt.Println("region:", codes, levels)
	// Output:
	// wage   float64 1 nulls
	// educ   int64   0 nulls
	// region string  0 nulls
	// kept rows: [0 2 3] dropped: 1
	// wage: [12.5 20 9.75]
	// region: [0 1 0] [north south]
}

// ExamplePlan lists the row groups of a Parquet file and reads one of
// them: the units of streamed and sharded estimation.
func ExamplePlan() {
	dir, err := os.MkdirTemp("", "ckio-plan")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "x.parquet")
	x := []float64{1, 2, 3, 4, 5, 6, 7}
	if err := ckio.WriteColumns(path, []ckio.Column{{Name: "x", Float64: x}}, ckio.WriteOptions{RowGroupSize: 3}); err != nil {
		log.Fatal(err)
	}
	plan, err := ckio.NewPlan(path)
	if err != nil {
		log.Fatal(err)
	}
	for u, unit := range plan.Units {
		fmt.Printf("unit %d: row group %d, rows %d from row %d\n", u, unit.RowGroup, unit.Rows, unit.Offset)
	}
	lo, hi := plan.Shard(1, 2)
	fmt.Printf("shard 2 of 2: units %d–%d\n", lo, hi-1)
	t, err := plan.ReadUnit(context.Background(), 2, []string{"x"})
	if err != nil {
		log.Fatal(err)
	}
	defer t.Release()
	c, _ := t.Float64("x")
	fmt.Println(c.Values)
	// Output:
	// unit 0: row group 0, rows 3 from row 0
	// unit 1: row group 1, rows 3 from row 3
	// unit 2: row group 2, rows 1 from row 6
	// shard 2 of 2: units 1–2
	// [7]
}
