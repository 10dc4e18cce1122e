package invariance

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/causalkit/causalkit/internal/natural"
	"github.com/causalkit/causalkit/internal/testcsv"
)

// readTable reads a CSV with a header into a Table; the column named env
// becomes the environment labels. Rows with an empty or "NA" cell in a used
// column are an error.
func readTable(t testing.TB, path, env string, rename map[string]string, keep []string) Table {
	t.Helper()
	recs := testcsv.Read(t, path)
	hdr := recs[0]
	var tab Table
	var idx []int
	envIdx := -1
	for j, h := range hdr {
		name := h
		if r, ok := rename[h]; ok {
			name = r
		}
		if h == env {
			envIdx = j
			continue
		}
		if keep != nil && !slices.Contains(keep, name) {
			continue
		}
		tab.Names = append(tab.Names, name)
		idx = append(idx, j)
	}
	if envIdx < 0 {
		t.Fatalf("%s: no column %s", path, env)
	}
	tab.Columns = make([][]float64, len(idx))
	for _, rec := range recs[1:] {
		for k, j := range idx {
			tab.Columns[k] = append(tab.Columns[k], parseF(t, rec[j]))
		}
		tab.Env = append(tab.Env, int(parseF(t, rec[envIdx])))
	}
	return tab
}

// simData returns the training split 134581011151617 of the paper's
// simulation (environments 1,3,4,5,8,10,11,15,16,17; 1,000 rows) and its
// ten held-out environments, as shipped by the authors (which_invariance
// @707f277, data/simulation; copied from shared/data/invariance).
func simData(t testing.TB) (train, test Table) {
	train = readTable(t, "testdata/sim/train.csv", "E", nil, nil)
	files, _ := filepath.Glob("testdata/sim/test/*.csv")
	slices.SortFunc(files, func(a, b string) int { return natural.Compare(a, b) })
	for _, f := range files {
		part := readTable(t, f, "E", nil, nil)
		if test.Names == nil {
			test.Names, test.Columns = part.Names, make([][]float64, len(part.Names))
		}
		for j := range part.Names {
			test.Columns[j] = append(test.Columns[j], part.Columns[j]...)
		}
		env := int(parseF(t, strings.TrimSuffix(filepath.Base(f), ".csv")))
		for range part.Env {
			test.Env = append(test.Env, env)
		}
	}
	return train, test
}
