package invariance

import (
	"context"
	"errors"
	"math"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/causalkit/causalkit/estimators"
)

// quick are small iteration budgets for tests of the machinery (not of the
// estimates).
var quick = MinimaxOptions{Iters: 300, EqIters: 300, Ascent: AscentOptions{Iters: 200}, Seed: 7}

// TestMinimaxDeterministic: the search on the simulation split gives the
// same result for one worker and for four, evaluates the 45 classes, and
// changes with the seed.
func TestMinimaxDeterministic(t *testing.T) {
	g := simGraph(t)
	train, test := simData(t)
	run := func(workers int, seed uint64) *MinimaxResult {
		o := quick
		o.Workers, o.Seed = workers, seed
		res, err := Minimax(context.Background(), g, "Y", "E", train, &test, o)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	a, b := run(1, 7), run(4, 7)
	if len(a.Classes) != 45 || a.WholeSetOptimal {
		t.Fatalf("%d classes, whole set optimal %v", len(a.Classes), a.WholeSetOptimal)
	}
	for c := range a.Classes {
		if a.Classes[c].WorstCaseRisk != b.Classes[c].WorstCaseRisk || !reflect.DeepEqual(a.Classes[c].TestMSE, b.Classes[c].TestMSE) {
			t.Fatalf("class %v differs between 1 and 4 workers", a.Classes[c].Representative)
		}
		if len(a.Classes[c].TestMSE) != 10 {
			t.Fatalf("class %v: %d test environments, want 10", a.Classes[c].Representative, len(a.Classes[c].TestMSE))
		}
	}
	if c := run(2, 8); c.Classes[0].WorstCaseRisk == a.Classes[0].WorstCaseRisk {
		t.Error("the seed does not change the estimates")
	}
	// Predict on the raw scale: the chosen predictor's inputs are the
	// subset then the mutable variables.
	if !reflect.DeepEqual(a.Inputs, append(slices.Clone(a.Subset), "X9", "X10")) {
		t.Errorf("inputs %v for subset %v", a.Inputs, a.Subset)
	}
	in := make([][]float64, len(a.Inputs))
	for j, v := range a.Inputs {
		in[j] = train.Columns[slices.Index(train.Names, v)][:5]
	}
	for _, p := range a.Predict(in) {
		if math.IsNaN(p) {
			t.Fatal("NaN prediction")
		}
	}
}

// TestMinimaxLinearCompat runs the linear regressor and the parity mode on
// the simulation split (cheap settings).
func TestMinimaxLinearCompat(t *testing.T) {
	g := simGraph(t)
	train, _ := simData(t)
	for _, o := range []MinimaxOptions{{Regressor: RegressorLinear, Ascent: AscentOptions{Iters: 200}}, func() MinimaxOptions { q := quick; q.Compat = true; return q }()} {
		res, err := Minimax(context.Background(), g, "Y", "E", train, nil, o)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range res.Classes {
			if !(c.WorstCaseRisk > 0) || !math.IsNaN(c.WorstTestMSE) {
				t.Fatalf("class %v: risk %v, worst test %v", c.Representative, c.WorstCaseRisk, c.WorstTestMSE)
			}
		}
	}
}

// TestMinimaxWholeSet: when the graphical condition holds only the whole
// stable set is evaluated and chosen.
func TestMinimaxWholeSet(t *testing.T) {
	g, _ := NewGraph(nil, []Edge{{"E", "M"}, {"M", "X1"}, {"X1", "Y"}, {"Y", "X2"}})
	rng := estimators.Stream(3, 0)
	n := 300
	tab := Table{Names: []string{"M", "X1", "X2", "Y"}, Columns: make([][]float64, 4)}
	for i := range n {
		e := i % 3
		m := float64(e) + rng.NormFloat64()
		x1 := m + rng.NormFloat64()
		y := x1 + rng.NormFloat64()
		x2 := y + rng.NormFloat64()
		for j, v := range []float64{m, x1, x2, y} {
			tab.Columns[j] = append(tab.Columns[j], v)
		}
		tab.Env = append(tab.Env, e)
	}
	res, err := Minimax(context.Background(), g, "Y", "E", tab, nil, quick)
	if err != nil {
		t.Fatal(err)
	}
	if !res.WholeSetOptimal || !reflect.DeepEqual(res.Subset, []string{"X1", "X2"}) || len(res.Classes) != 1 {
		t.Errorf("whole set optimal %v, subset %v, %d classes", res.WholeSetOptimal, res.Subset, len(res.Classes))
	}
}

// TestMinimaxInputErrors: bad data are input errors naming the problem.
func TestMinimaxInputErrors(t *testing.T) {
	g := simGraph(t)
	train, _ := simData(t)
	drop := func(name string) Table {
		k := slices.Index(train.Names, name)
		return Table{Names: slices.Delete(slices.Clone(train.Names), k, k+1), Columns: slices.Delete(slices.Clone(train.Columns), k, k+1), Env: train.Env}
	}
	extra := Table{Names: append(slices.Clone(train.Names), "Z"), Columns: append(slices.Clone(train.Columns), train.Columns[0]), Env: train.Env}
	one := train
	one.Env = make([]int, len(train.Env))
	small := train
	small.Env = slices.Clone(train.Env)
	small.Env[0] = 99
	for _, tc := range []struct {
		name string
		g    *Graph
		tab  Table
		want string
	}{
		{"missing column", g, drop("X3"), `graph variable "X3" is not in the data`},
		{"extra column", g, extra, `column "Z" of the data is not a variable of the graph`},
		{"one environment", g, one, "only one environment"},
		{"small environment", g, small, "environment 99 has 1 rows"},
	} {
		_, err := Minimax(context.Background(), tc.g, "Y", "E", tc.tab, nil, quick)
		if err == nil || !errors.Is(err, estimators.ErrInput) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	if _, err := ParseGraph([]byte("digraph { E -> A; A -> B; B -> A; Y -> A }"), FormatDOT); !errors.Is(err, estimators.ErrInput) {
		t.Errorf("cyclic graph: %v", err)
	}
}

// TestSimulationRanking runs the full default search on the simulation
// split 134581011151617 (long: CAUSALKIT_LONG=1). Expected behaviour (spec
// §5.5): the classes containing X1, the stable child of Y below the mutable
// child X9, have larger estimated worst-case risks than the empty set's
// class, and the chosen class does not contain X1.
func TestSimulationRanking(t *testing.T) {
	if os.Getenv("CAUSALKIT_LONG") == "" {
		t.Skip("long: set CAUSALKIT_LONG=1")
	}
	g := simGraph(t)
	train, test := simData(t)
	res, err := Minimax(context.Background(), g, "Y", "E", train, &test, MinimaxOptions{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var h, m []float64
	for _, c := range res.Classes {
		t.Logf("%-24s h = %.4f  worst test MSE = %.4f", setName(c.Representative), c.WorstCaseRisk, c.WorstTestMSE)
		h, m = append(h, c.WorstCaseRisk), append(m, c.WorstTestMSE)
	}
	t.Logf("chosen %v; Spearman(h, worst test MSE) = %.3f", res.Subset, Spearman(h, m))
	if slices.Contains(res.Subset, "X1") {
		t.Errorf("chosen subset %v contains X1", res.Subset)
	}
	for _, c := range res.Classes {
		if len(c.Representative) == 1 && c.Representative[0] == "X1" && !(c.WorstCaseRisk > res.Classes[0].WorstCaseRisk) {
			t.Errorf("h({X1}) = %.4f not above h(∅) = %.4f", c.WorstCaseRisk, res.Classes[0].WorstCaseRisk)
		}
	}
}

func setName(s []string) string { return "{" + strings.Join(s, ",") + "}" }
