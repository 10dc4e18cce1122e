// Command senate estimates the incumbency advantage in U.S. Senate
// elections by regression discontinuity with the library API: the
// Democratic vote share in the next election (vote) jumps where the
// Democratic margin of victory (margin) crosses zero. rdd.Estimate with
// rdd.DefaultOptions reproduces rdrobust's defaults (MSE-optimal common
// bandwidth, triangular kernel, local linear fit with a quadratic bias
// correction, nearest-neighbour variance) and prints rdrobust's three lines:
// conventional, bias-corrected and robust.
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/causalkit/causalkit/internal/exampledata"
	"github.com/causalkit/causalkit/internal/exampleio"
	ckio "github.com/causalkit/causalkit/io"
	"github.com/causalkit/causalkit/rdd"
)

// estimate runs rdrobust's default RD on the bundled Senate data (rows
// with a missing vote are dropped).
func estimate() (*rdd.Result, error) {
	t, err := exampleio.Read(context.Background(), "senate.csv", exampledata.SenateCSV, ckio.ReadOptions{Columns: []string{"vote", "margin"}})
	if err != nil {
		return nil, err
	}
	defer t.Release()
	f, err := t.Frame(ckio.FrameSpec{Numeric: []string{"vote", "margin"}})
	if err != nil {
		return nil, err
	}
	return rdd.Estimate(&rdd.Data{Y: f.Float64("vote"), X: f.Float64("margin")}, rdd.DefaultOptions())
}

func run(w io.Writer) error {
	r, err := estimate()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Senate incumbency RD: N = %d (left) + %d (right), h = %.4f, b = %.4f\n", r.N[0], r.N[1], r.H[0], r.B[0])
	fmt.Fprintf(w, "%-15s %9s %9s %9s %21s\n", "method", "coef", "se", "p", "95% CI")
	for _, l := range []struct {
		name string
		rdd.Line
	}{{"Conventional", r.Conventional}, {"Bias-corrected", r.BiasCorrected}, {"Robust", r.Robust}} {
		fmt.Fprintf(w, "%-15s %9.4f %9.4f %9.4f  [%8.4f, %8.4f]\n", l.name, l.Coef, l.SE, l.P, l.Low, l.High)
	}
	return nil
}

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "senate:", err)
		os.Exit(1)
	}
}
