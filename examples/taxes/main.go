// Command taxes estimates average marginal component effects (AMCEs) in the
// taxes conjoint of Ballard-Rosa, Martin and Scheve (2016) with the library
// API: respondents chose between two tax plans that differ in six bracket
// rates and the revenue they raise. conjoint.AMCE regresses the choice on the
// level indicators of every attribute, with the first level of each (in
// natural order, so "5%" before "15%") as its baseline and errors clustered
// by respondent (CR1, as cregg with sandwich's HC1). The program prints the
// AMCEs of the lowest bracket's rate and of the revenue raised.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/causalkit/causalkit/conjoint"
	"github.com/causalkit/causalkit/estimators"
	"github.com/causalkit/causalkit/internal/exampledata"
	"github.com/causalkit/causalkit/internal/exampleio"
	"github.com/causalkit/causalkit/internal/natural"
	ckio "github.com/causalkit/causalkit/io"
)

var attrs = []string{"taxrate1", "taxrate2", "taxrate3", "taxrate4", "taxrate5", "taxrate6", "taxrev"}

// estimate returns the AMCEs of every level of every attribute.
func estimate() (*conjoint.AMCEResult, error) {
	t, err := exampleio.Read(context.Background(), "taxes.csv", exampledata.TaxesCSV(), ckio.ReadOptions{})
	if err != nil {
		return nil, err
	}
	defer t.Release()
	f, err := t.Frame(ckio.FrameSpec{Numeric: []string{"chose_plan"}, Categorical: append([]string{"ID"}, attrs...)})
	if err != nil {
		return nil, err
	}
	x := &conjoint.Data{Y: f.Float64("chose_plan")}
	x.Respondent, _ = f.Codes("ID")
	levels := make([][]string, len(attrs))
	for a, name := range attrs {
		codes, lv := f.Codes(name)
		levels[a] = natural.Sort(slices.Clone(lv))
		col := make([]int, len(codes))
		for i, c := range codes {
			col[i] = slices.Index(levels[a], lv[c])
		}
		x.Levels = append(x.Levels, col)
	}
	return conjoint.AMCE(conjoint.NewDesign(attrs, levels), x, conjoint.AMCEOptions{Cov: estimators.CR1})
}

func run(w io.Writer) error {
	r, err := estimate()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "AMCEs on choosing a tax plan (%d profiles, %d respondents, CR1 errors)\n", r.N, r.Clusters)
	fmt.Fprintf(w, "%-10s %-12s %9s %9s %21s\n", "attribute", "level", "AMCE", "se", "95% CI")
	for _, e := range r.Estimates {
		switch {
		case e.Attribute != "taxrate1" && e.Attribute != "taxrev":
		case e.Estimate == 0 && e.StdError != e.StdError: // NaN: the baseline
			fmt.Fprintf(w, "%-10s %-12s %9s\n", e.Attribute, e.Level, "baseline")
		default:
			fmt.Fprintf(w, "%-10s %-12s %9.4f %9.4f  [%8.4f, %8.4f]\n", e.Attribute, e.Level, e.Estimate, e.StdError, e.ConfLow, e.ConfHigh)
		}
	}
	return nil
}

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "taxes:", err)
		os.Exit(1)
	}
}
