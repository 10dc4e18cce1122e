package invariance

import (
	"slices"

	"github.com/causalkit/causalkit/estimators"
	"github.com/causalkit/causalkit/internal/natural"
)

// Class is an equivalence class of stable subsets (spec §1.6): every subset
// B ∪ A with A ⊆ Free has the same stable predictor, because Y ⊥ Free | B in
// the stable graph. Representative (B) is the smallest member.
type Class struct {
	Representative []string `json:"representative"`
	Free           []string `json:"free"`
}

// Size is the number of subsets in the class, 2^|Free|.
func (c Class) Size() int { return 1 << len(c.Free) }

// Contains reports whether subset (any order) is a member of the class.
func (c Class) Contains(subset []string) bool {
	for _, v := range c.Representative {
		if !slices.Contains(subset, v) {
			return false
		}
	}
	for _, v := range subset {
		if !slices.Contains(c.Representative, v) && !slices.Contains(c.Free, v) {
			return false
		}
	}
	return true
}

// EquivalenceClasses partitions the subsets of the nodes of the stable graph
// other than target into equivalence classes by the recursion of spec §1.6:
//
//	rec(L, B): O = nodes \ ({Y} ∪ L ∪ B);
//	           N = {v ∈ O adjacent to Y in the MAG of the stable graph with latent L, selection B};
//	           if N = ∅ emit (B, O) else for every T ⊆ N: rec(L ∪ (N \ T), B ∪ T).
//
// The classes are returned ordered by the size of the representative, then
// by the representative in natural order, so the output is deterministic.
func EquivalenceClasses(stable *Graph, target string) ([]Class, error) {
	if err := stable.checkNodes("target", target); err != nil {
		return nil, err
	}
	if n := len(stable.names) - 1; n > 40 {
		return nil, estimators.InputErrorf("graph: %d stable variables; the class search supports at most 40", n)
	}
	var out []Class
	var rec func(lat, sel []string)
	rec = func(lat, sel []string) {
		o := minus(stable.Nodes(), append(append([]string{target}, lat...), sel...))
		var nb []string
		for _, v := range o {
			if stable.MAGAdjacent(v, target, lat, sel) {
				nb = append(nb, v)
			}
		}
		if len(nb) == 0 {
			out = append(out, Class{Representative: natural.Sort(append([]string{}, sel...)), Free: o})
			return
		}
		for mask := 0; mask < 1<<len(nb); mask++ {
			keep, drop := []string{}, []string{}
			for k, v := range nb {
				if mask>>k&1 == 1 {
					keep = append(keep, v)
				} else {
					drop = append(drop, v)
				}
			}
			rec(append(slices.Clone(lat), drop...), append(slices.Clone(sel), keep...))
		}
	}
	rec(nil, nil)
	slices.SortStableFunc(out, func(a, b Class) int {
		if len(a.Representative) != len(b.Representative) {
			return len(a.Representative) - len(b.Representative)
		}
		return slices.CompareFunc(a.Representative, b.Representative, natural.Compare)
	})
	return out, nil
}
