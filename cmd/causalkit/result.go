package main

import (
	"fmt"
	stdio "io"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/causalkit/causalkit/estimators"
	ckio "github.com/causalkit/causalkit/io"
)

// result is the JSON shape every estimation command shares (CLI.md), plus
// the lines of the readable table.
type result struct {
	Command   string `json:"command"`
	Method    string `json:"method"`
	N         any    `json:"n"` // a count, or an object of counts (rdd)
	Bandwidth any    `json:"bandwidth,omitempty"`
	// Fields of distributional RD (r3d), fixed by CLI.md.
	Curves         any                   `json:"curves,omitempty"`
	CriticalValue  any                   `json:"critical_value,omitempty"`
	FirstStageJump any                   `json:"first_stage_jump,omitempty"`
	Tests          any                   `json:"tests,omitempty"`
	Estimates      []estimators.Row      `json:"estimates"`
	Diagnostics    map[string]any        `json:"diagnostics"`
	Provenance     estimators.Provenance `json:"provenance"`

	title   string      // table title
	summary [][2]string // label/value pairs shown above the estimates
	statCol string      // name of the statistic column ("T-stat", "Z-stat")
	notes   []string    // lines shown below the estimates
}

// writeTable renders the result like linearmodels' summary: a two-column
// block of model facts, then the parameter table.
func (r *result) writeTable(w stdio.Writer) error {
	var b strings.Builder
	heading(&b, r.title)
	half := (len(r.summary) + 1) / 2
	// A 38-column cell: the label left, the value right, at least one
	// space between them when the two are long.
	cell := func(kv [2]string) string {
		label := kv[0] + ":"
		pad := 38 - utf8.RuneCountInString(label) - utf8.RuneCountInString(kv[1])
		return label + strings.Repeat(" ", max(1, pad)) + kv[1]
	}
	for i := range half {
		line := cell(r.summary[i])
		if j := i + half; j < len(r.summary) {
			line += "    " + cell(r.summary[j])
		}
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	b.WriteString("\n")
	heading(&b, "Parameter Estimates")
	nameW := 12
	for _, row := range r.Estimates {
		nameW = max(nameW, len([]rune(row.Term)))
	}
	fmt.Fprintf(&b, "%-*s %11s %10s %9s %8s %10s %10s\n", nameW, "", "Parameter", "Std. Err.", r.statCol, "P-value", "Lower CI", "Upper CI")
	b.WriteString(strings.Repeat("-", max(tableWidth, nameW+68)) + "\n")
	for _, row := range r.Estimates {
		fmt.Fprintf(&b, "%-*s %11s %10s %9s %8s %10s %10s\n", nameW, row.Term,
			num(row.Estimate, 4), num(row.StdError, 4), num(row.Statistic, 3), pval(row.PValue),
			num(row.ConfLow, 4), num(row.ConfHigh, 4))
	}
	for _, n := range r.notes {
		b.WriteString("\n" + n)
	}
	b.WriteString("\n")
	_, err := stdio.WriteString(w, b.String())
	return err
}

// tableWidth is the width of the readable tables.
const tableWidth = 80

// heading writes a title centred over a rule of '=', as linearmodels does.
func heading(b *strings.Builder, title string) {
	pad := max(0, (tableWidth-len([]rune(title)))/2)
	b.WriteString(strings.Repeat(" ", pad) + title + "\n" + strings.Repeat("=", tableWidth) + "\n")
}

// num formats a number for the table with prec decimals, switching to
// exponent form for very large or small magnitudes; NaN prints as "—".
func num(v float64, prec int) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "—"
	case v != 0 && (math.Abs(v) >= 1e7 || math.Abs(v) < math.Pow(10, -float64(prec))):
		return fmt.Sprintf("%.*e", prec-1, v)
	}
	return fmt.Sprintf("%.*f", prec, v)
}

// pval formats a p-value with four decimals, as linearmodels does.
func pval(p float64) string {
	if math.IsNaN(p) {
		return "—"
	}
	return fmt.Sprintf("%.4f", p)
}

// rowColumns is the CSV view of tidy rows.
func rowColumns(rows []estimators.Row) []ckio.Column {
	n := len(rows)
	term := make([]string, n)
	vals := make([][]float64, 6)
	for k := range vals {
		vals[k] = make([]float64, n)
	}
	for i, r := range rows {
		term[i] = r.Term
		for k, v := range []float64{r.Estimate, r.StdError, r.Statistic, r.PValue, r.ConfLow, r.ConfHigh} {
			vals[k][i] = v
		}
	}
	cols := []ckio.Column{{Name: "term", String: term}}
	for k, name := range []string{"estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high"} {
		cols = append(cols, ckio.Column{Name: name, Float64: vals[k]})
	}
	return cols
}
