package conjoint

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/causalkit/causalkit/internal/exampledata"
	"github.com/causalkit/causalkit/internal/testcsv"
)

// table is a CSV file read as strings by column.
type table struct {
	cols map[string][]string
	n    int
}

var tableCache sync.Map

// readTable reads testdata/name (gzip-compressed if it ends in .gz).
func readTable(t testing.TB, name string) *table {
	if v, ok := tableCache.Load(name); ok {
		return v.(*table)
	}
	var recs [][]string
	if name == "taxes.csv" {
		// The demo's copy, shared so that the data exist once.
		recs = testcsv.Parse(t, bytes.NewReader(exampledata.TaxesCSV()))
	} else {
		recs = testcsv.Read(t, filepath.Join("testdata", name))
	}
	tb := &table{cols: map[string][]string{}, n: len(recs) - 1}
	for j, h := range recs[0] {
		col := make([]string, tb.n)
		for i := range col {
			col[i] = recs[i+1][j]
		}
		tb.cols[h] = col
	}
	tableCache.Store(name, tb)
	return tb
}

func (tb *table) floats(t testing.TB, name string) []float64 {
	out := make([]float64, tb.n)
	for i, s := range tb.cols[name] {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			v = math.NaN()
		}
		out[i] = v
	}
	return out
}

func (tb *table) codes(name string) ([]int, []string) {
	var levels []string
	idx := map[string]int{}
	out := make([]int, tb.n)
	for i, s := range tb.cols[name] {
		k, ok := idx[s]
		if !ok {
			k = len(levels)
			idx[s] = k
			levels = append(levels, s)
		}
		out[i] = k
	}
	return out, levels
}

// loadConjoint builds the design (levels in the order of levels.csv, the R
// factor order, so that the first level is R's reference) and the data of a
// conjoint file.
func loadConjoint(t testing.TB, file, outcome, respondent, task, profile string, attrs []string) (*Design, *Data) {
	tb := readTable(t, file)
	lv := readTable(t, "levels.csv")
	levels := make([][]string, len(attrs))
	for i, f := range lv.cols["feature"] {
		if a := slices.Index(attrs, f); a >= 0 {
			levels[a] = append(levels[a], lv.cols["level"][i])
		}
	}
	d := NewDesign(attrs, levels)
	x := &Data{Y: tb.floats(t, outcome)}
	x.Respondent, _ = tb.codes(respondent)
	if task != "" {
		x.Task, _ = tb.codes(task)
	}
	if profile != "" {
		x.Profile, _ = tb.codes(profile)
	}
	for a, name := range attrs {
		col := make([]int, tb.n)
		for i, s := range tb.cols[name] {
			col[i] = slices.Index(levels[a], s)
			if col[i] < 0 {
				t.Fatalf("%s: level %q of %s not in levels.csv", file, s, name)
			}
		}
		x.Levels = append(x.Levels, col)
	}
	return d, x
}

var taxAttrs = []string{"taxrate1", "taxrate2", "taxrate3", "taxrate4", "taxrate5", "taxrate6", "taxrev"}

func loadTaxes(t testing.TB, attrs []string) (*Design, *Data) {
	return loadConjoint(t, "taxes.csv", "chose_plan", "ID", "task", "profile", attrs)
}

// refRow is a row of testdata/reference.json.
type refRow struct {
	Feature  string   `json:"feature"`
	Level    string   `json:"level"`
	Term     string   `json:"term"`
	Estimate float64  `json:"estimate"`
	StdError *float64 `json:"std_error"`
	By       string   `json:"BY"`
	N        float64  `json:"n"`
}

var refOnce struct {
	sync.Once
	m   map[string]json.RawMessage
	err error
}

// reference decodes one entry of testdata/reference.json (written by
// testdata/make_reference.R with cregg 0.3.7, survey 4.1-1 and sandwich).
func reference(t testing.TB, key string, dst any) {
	refOnce.Do(func() {
		b, err := os.ReadFile("testdata/reference.json")
		if err != nil {
			refOnce.err = err
			return
		}
		refOnce.err = json.Unmarshal(b, &refOnce.m)
	})
	if refOnce.err != nil {
		t.Fatal(refOnce.err)
	}
	raw, ok := refOnce.m[key]
	if !ok {
		t.Fatalf("reference.json has no %q", key)
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		t.Fatalf("%s: %v", key, err)
	}
}

func near(a, b, tol float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= tol
}
