// Command invariance runs invariant causal prediction (Peters, Bühlmann and
// Meinshausen 2016) with the library API on the IMPC haematology
// experiment: 614 mice in 14 genotypes (environment E, 0 = wild type),
// target Y and five blood-count features X_1…X_5. invariance.ICP tests, for
// every subset of the features, whether the residuals of the pooled
// regression of Y on it are distributed alike in every genotype (level 0.01,
// as R's InvariantCausalPrediction), and prints the number of accepted sets
// and each feature's confidence interval and p-value: an interval that
// excludes 0 marks a feature as a causal parent of Y.
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/causalkit/causalkit/internal/exampledata"
	"github.com/causalkit/causalkit/internal/exampleio"
	"github.com/causalkit/causalkit/invariance"
	ckio "github.com/causalkit/causalkit/io"
)

var features = []string{"X_1", "X_2", "X_3", "X_4", "X_5"}

// estimate runs ICP with R's defaults.
func estimate() (*invariance.ICPResult, error) {
	t, err := exampleio.Read(context.Background(), "impc.csv", exampledata.IMPCCSV, ckio.ReadOptions{})
	if err != nil {
		return nil, err
	}
	defer t.Release()
	f, err := t.Frame(ckio.FrameSpec{Numeric: append([]string{"Y", "E"}, features...)})
	if err != nil {
		return nil, err
	}
	x := make([][]float64, len(features))
	for j, name := range features {
		x[j] = f.Float64(name)
	}
	env := make([]int, f.N)
	for i, e := range f.Float64("E") {
		env[i] = int(e)
	}
	return invariance.ICP(context.Background(), x, features, f.Float64("Y"), env, invariance.ICPOptions{})
}

func run(w io.Writer) error {
	r, err := estimate()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "ICP on IMPC (%d environments, alpha %g): %d of %d sets accepted, model rejected: %t\n",
		r.Environments, r.Alpha, len(r.AcceptedSets), len(r.Sets), r.ModelRejected)
	fmt.Fprintf(w, "%-8s %21s %9s\n", "feature", "confidence interval", "p-value")
	for j, name := range r.Names {
		fmt.Fprintf(w, "%-8s  [%8.4f, %8.4f] %9.4f\n", name, r.ConfLow[j], r.ConfHigh[j], r.PValues[j])
	}
	return nil
}

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "invariance:", err)
		os.Exit(1)
	}
}
