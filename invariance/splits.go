package invariance

import (
	"context"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat"

	"github.com/causalkit/causalkit/estimators"
)

// Split names the training and test environments of one train/test split.
type Split struct {
	Train []int `json:"train"`
	Test  []int `json:"test"`
}

// SplitClass summarises one equivalence class over the splits.
type SplitClass struct {
	Class
	MeanWorstCaseRisk float64 `json:"mean_worst_case_risk"`
	MeanWorstTestMSE  float64 `json:"mean_worst_test_mse"` // NaN without test environments
}

// SplitsResult is the outcome of SelectSplits.
type SplitsResult struct {
	Subset          []string         `json:"subset"`
	WholeSetOptimal bool             `json:"whole_set_optimal"`
	Classes         []SplitClass     `json:"classes"`
	Chosen          int              `json:"chosen"`
	Splits          []*MinimaxResult `json:"-"`
	// Spearman is the rank correlation over classes between the mean
	// estimated worst-case risk and the mean held-out worst-environment
	// MSE (NaN without test environments).
	Spearman float64 `json:"spearman"`
}

// SelectSplits runs Minimax on several train/test splits of the
// environments of data and chooses the class with the smallest mean
// estimated worst-case risk (spec §1.7). Split s uses the seed
// opt.Seed + s (with Compat every split uses opt.Seed, as the reference
// does); splits run one after the other, each with its classes in
// parallel.
func SelectSplits(ctx context.Context, g *Graph, target, env string, data Table, splits []Split, opt MinimaxOptions) (*SplitsResult, error) {
	if len(splits) == 0 {
		return nil, estimators.InputErrorf("minimax: no splits")
	}
	res := &SplitsResult{}
	for s, sp := range splits {
		train, test := subsetEnvs(data, sp.Train), subsetEnvs(data, sp.Test)
		if len(train.Env) == 0 {
			return nil, estimators.InputErrorf("minimax: split %d: no rows in the training environments %v", s+1, sp.Train)
		}
		o := opt
		if !opt.Compat {
			o.Seed = opt.Seed + uint64(s)
		}
		var tp *Table
		if len(test.Env) > 0 {
			tp = &test
		}
		r, err := Minimax(ctx, g, target, env, train, tp, o)
		if err != nil {
			return nil, fmt.Errorf("split %d: %w", s+1, err)
		}
		res.Splits = append(res.Splits, r)
	}
	first := res.Splits[0]
	res.WholeSetOptimal = first.WholeSetOptimal
	var hs, ms []float64
	for c, cl := range first.Classes {
		var h, m float64
		for _, r := range res.Splits {
			h += r.Classes[c].WorstCaseRisk / float64(len(splits))
			m += r.Classes[c].WorstTestMSE / float64(len(splits))
		}
		res.Classes = append(res.Classes, SplitClass{Class: cl.Class, MeanWorstCaseRisk: h, MeanWorstTestMSE: m})
		hs, ms = append(hs, h), append(ms, m)
		if h < res.Classes[res.Chosen].MeanWorstCaseRisk {
			res.Chosen = c
		}
	}
	res.Subset = res.Classes[res.Chosen].Representative
	res.Spearman = Spearman(hs, ms)
	return res, nil
}

// subsetEnvs keeps the rows of t whose environment is in envs.
func subsetEnvs(t Table, envs []int) Table {
	out := Table{Names: t.Names, Columns: make([][]float64, len(t.Columns))}
	for i, e := range t.Env {
		if slices.Contains(envs, e) {
			out.Env = append(out.Env, e)
			for j := range t.Columns {
				out.Columns[j] = append(out.Columns[j], t.Columns[j][i])
			}
		}
	}
	return out
}

// Spearman is the rank correlation of x and y (average ranks for ties);
// NaN if either has a NaN or fewer than two values.
func Spearman(x, y []float64) float64 {
	if len(x) < 2 || slices.ContainsFunc(x, math.IsNaN) || slices.ContainsFunc(y, math.IsNaN) {
		return math.NaN()
	}
	return stat.Correlation(ranks(x), ranks(y), nil)
}

func ranks(x []float64) []float64 {
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case x[a] < x[b]:
			return -1
		case x[a] > x[b]:
			return 1
		}
		return 0
	})
	r := make([]float64, len(x))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && x[idx[j+1]] == x[idx[i]] {
			j++
		}
		for k := i; k <= j; k++ {
			r[idx[k]] = float64(i+j)/2 + 1
		}
		i = j + 1
	}
	return r
}
