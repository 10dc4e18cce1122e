package invariance

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
)

// impcSplits are the authors' 45 training splits of the IMPC experiment
// (which_invariance impc/extract.py): the genotypes 0 (wild type), 2, 4 and
// 7 plus two of {1, 3, 5, 6, 8, 9, 10, 11, 12, 13}; the other eight are the
// test environments. Genotype k is the k-th of the authors' list
// 0, 1797_1, 1796_1, 1798_1, 727_1, 1550_1, 1799_1, 3157_1, 3621_1,
// 3803_1, 3805_1, 3887_1, 4045_1, 4047_1 (internal/exampledata/impc.csv column E).
func impcSplits() []Split {
	rest := []int{1, 3, 5, 6, 8, 9, 10, 11, 12, 13}
	var out []Split
	for a := range rest {
		for b := a + 1; b < len(rest); b++ {
			sp := Split{Train: []int{0, 2, 4, 7, rest[a], rest[b]}}
			for k, e := range rest {
				if k != a && k != b {
					sp.Test = append(sp.Test, e)
				}
			}
			out = append(out, sp)
		}
	}
	return out
}

// TestIMPC runs the IMPC experiment over the authors' 45 splits with the
// reference code's IMPC settings (ReferenceIMPC, seed 1234 as its
// impc/findoptset.py) and compares with their record (spec §5.2;
// testdata/impc_record_by_split.json) split by split: every class
// representative's ĥ within 2e-3 of the record's (the reference computes
// in float32; seen here: at most 2e-4), the mean ĥ of ∅ and {X_4} within
// 1e-3 of 1.0680 and 1.0728, ∅ selected, and Spearman(ĥ, worst held-out
// MSE) over the classes at least 0.8 (here 0.967). Long (7 minutes):
// CAUSALKIT_LONG=1.
func TestIMPC(t *testing.T) {
	if os.Getenv("CAUSALKIT_LONG") == "" {
		t.Skip("long: set CAUSALKIT_LONG=1")
	}
	b, err := os.ReadFile("testdata/impc.dot")
	if err != nil {
		t.Fatal(err)
	}
	g, err := ParseGraph(b, FormatDOT)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("testdata/impc_record_by_split.json")
	if err != nil {
		t.Fatal(err)
	}
	var record map[string]map[string]struct {
		H         float64 `json:"h"`
		WorstTest float64 `json:"worst_test"`
	}
	if err := json.Unmarshal(raw, &record); err != nil {
		t.Fatal(err)
	}
	data := readTable(t, "../internal/exampledata/impc.csv", "E", nil, nil)
	opt := ReferenceIMPC()
	opt.Seed = 1234
	splits := impcSplits()
	res, err := SelectSplits(context.Background(), g, "Y", "E", data, splits, opt)
	if err != nil {
		t.Fatal(err)
	}
	for s, sp := range splits {
		name := ""
		for _, e := range sp.Train {
			name += strconv.Itoa(e)
		}
		for _, c := range res.Splits[s].Classes {
			key := strings.Join(c.Representative, ",")
			if key == "" {
				key = "empty"
			}
			want, ok := record[name][key]
			if !ok {
				t.Fatalf("split %s: %s not in the record", name, key)
			}
			if math.Abs(c.WorstCaseRisk-want.H) > 2e-3 {
				t.Errorf("split %s, %s: ĥ %.5f, authors %.5f", name, key, c.WorstCaseRisk, want.H)
			}
		}
	}
	mean := map[string]float64{}
	for _, c := range res.Classes {
		t.Logf("%-16s free %-16s mean h = %.4f  mean worst test MSE = %.4f", setName(c.Representative), setName(c.Free), c.MeanWorstCaseRisk, c.MeanWorstTestMSE)
		mean[setName(c.Representative)] = c.MeanWorstCaseRisk
	}
	t.Logf("chosen %v, Spearman %.3f", res.Subset, res.Spearman)
	if math.Abs(mean["{}"]-1.0680) > 1e-3 || math.Abs(mean["{X_4}"]-1.0728) > 1e-3 {
		t.Errorf("mean ĥ: ∅ %.4f, {X_4} %.4f; authors 1.0680, 1.0728", mean["{}"], mean["{X_4}"])
	}
	if len(res.Subset) != 0 {
		t.Errorf("chosen %v, want the empty set (the authors' choice)", res.Subset)
	}
	if !(res.Spearman >= 0.8) {
		t.Errorf("Spearman %.3f, want ≥ 0.8 (authors: 0.926 over subsets)", res.Spearman)
	}
}
