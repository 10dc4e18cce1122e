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
