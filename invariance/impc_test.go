package invariance

import (
	"context"
	"os"
	"slices"
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
// reference code's IMPC settings (ReferenceIMPC) and compares with their
// record (shared/data/invariance/which_invariance_impc/record_authors.json,
// spec §5.2): there the empty set has the smallest mean estimated
// worst-case risk (1.068, {X_4} next at 1.073) and the smallest mean
// held-out worst-environment MSE (0.952), every subset with X_2 has ĥ
// 4.09–4.86, and Spearman(ĥ, max MSE) = 0.926.
//
// Here (seed 1): Spearman over the 9 classes 0.967; ĥ 1.046 for {X_4},
// 1.084 for ∅ (held out: 0.951 and 0.956, so both rankings put {X_4} a
// hair ahead of ∅, where the authors' put ∅ a hair ahead of {X_4}); the
// X_2 classes 4.62–5.07. Checked: Spearman ≥ 0.8, the chosen class within
// 0.05 of ∅'s ĥ and among the two best held out, every X_2 class at least
// three times ∅'s ĥ. Long (8 minutes): CAUSALKIT_LONG=1.
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
	data := readTable(t, "../internal/exampledata/impc.csv", "E", nil, nil)
	opt := ReferenceIMPC()
	opt.Seed = 1
	res, err := SelectSplits(context.Background(), g, "Y", "E", data, impcSplits(), opt)
	if err != nil {
		t.Fatal(err)
	}
	var empty SplitClass
	for _, c := range res.Classes {
		t.Logf("%-16s free %-16s mean h = %.4f  mean worst test MSE = %.4f", setName(c.Representative), setName(c.Free), c.MeanWorstCaseRisk, c.MeanWorstTestMSE)
		if len(c.Representative) == 0 {
			empty = c
		}
	}
	t.Logf("chosen %v, Spearman %.3f", res.Subset, res.Spearman)
	if !(res.Spearman >= 0.8) {
		t.Errorf("Spearman %.3f, want ≥ 0.8 (authors: 0.926)", res.Spearman)
	}
	chosen := res.Classes[res.Chosen]
	if chosen.MeanWorstCaseRisk < empty.MeanWorstCaseRisk-0.05 {
		t.Errorf("chosen %v with ĥ %.4f, far below ∅'s %.4f", chosen.Representative, chosen.MeanWorstCaseRisk, empty.MeanWorstCaseRisk)
	}
	better := 0
	for _, cl := range res.Classes {
		if cl.MeanWorstTestMSE < chosen.MeanWorstTestMSE {
			better++
		}
		if slices.Contains(cl.Representative, "X_2") && !(cl.MeanWorstCaseRisk > 3*empty.MeanWorstCaseRisk) {
			t.Errorf("class %v: ĥ %.4f, want far above ∅'s %.4f", cl.Representative, cl.MeanWorstCaseRisk, empty.MeanWorstCaseRisk)
		}
	}
	if better > 1 {
		t.Errorf("the chosen class %v is %d-th by held-out worst MSE", chosen.Representative, better+1)
	}
}
