package invariance

import (
	"errors"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/causalkit/causalkit/estimators"
)

// simGraph reads testdata/gtaug.gml, the authors' ground-truth augmented
// graph of the paper's simulation (which_invariance@707f277 data/gtaug.gml,
// copied from shared/data/invariance/which_invariance_sim).
func simGraph(t testing.TB) *Graph {
	t.Helper()
	b, err := os.ReadFile("testdata/gtaug.gml")
	if err != nil {
		t.Fatal(err)
	}
	g, err := ParseGraph(b, FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestSimComponents checks every component of spec §1.2's worked example
// (the spec's values are the authors' cached graphparse.json).
func TestSimComponents(t *testing.T) {
	g := simGraph(t)
	c, err := NewComponents(g, "Y", "E")
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, got, want any) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	check("Mutable", c.Mutable, []string{"X9", "X10"})
	check("Stable", c.Stable, []string{"X1", "X2", "X3", "X4", "X5", "X6", "X7", "X8"})
	check("MutableParents", c.MutableParents, map[string][]string{"X9": {"Y"}, "X10": {"X3", "X5", "X8"}})
	check("TargetChildren", c.TargetChildren, []string{"X1", "X9"})
	check("MutableChildren", c.MutableChildren, []string{"X9"})
	check("De(X_M0)", g.Descendants("X9"), []string{"X1", "X2", "X3", "X4", "X10"})
	check("K", c.K, []string{"X1", "X2", "X3", "X4", "X10"})
	check("WholeSetOptimal", c.WholeSetOptimal, false)
	check("DoStar", c.DoStar, []string{"X2", "X3", "X4", "X9", "X10"})
	check("DoStarRegen", c.DoStarRegen, []Regen{{"X1", []string{"X5", "X6", "X9", "Y"}}})
	check("MutableRegen", c.MutableRegen, []Regen{
		{"X1", []string{"X5", "X6", "X9", "Y"}}, {"X3", []string{"X1"}},
		{"X2", []string{"X3", "X8"}}, {"X4", []string{"X2", "X7", "X8"}}})
}

// TestSimClasses checks the equivalence classes of spec §5.4 (identical to
// the authors' cached eqclses.json): 45 classes partitioning the 256 stable
// subsets, with the class sizes and the examples the spec lists.
func TestSimClasses(t *testing.T) {
	g := simGraph(t)
	c, _ := NewComponents(g, "Y", "E")
	classes, err := EquivalenceClasses(c.StableGraph(g), "Y")
	if err != nil {
		t.Fatal(err)
	}
	if len(classes) != 45 {
		t.Fatalf("%d classes, want 45", len(classes))
	}
	sizes := map[int]int{}
	for _, cl := range classes {
		sizes[cl.Size()]++
	}
	if want := map[int]int{32: 4, 16: 5, 4: 4, 1: 32}; !reflect.DeepEqual(sizes, want) {
		t.Errorf("class sizes %v, want %v", sizes, want)
	}
	// Partition: every subset of X1..X8 in exactly one class.
	stable := c.Stable
	for mask := range 1 << len(stable) {
		var s []string
		for k, v := range stable {
			if mask>>k&1 == 1 {
				s = append(s, v)
			}
		}
		n := 0
		for _, cl := range classes {
			if cl.Contains(s) {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("subset %v is in %d classes", s, n)
		}
	}
	examples := []Class{
		{[]string{}, []string{"X5", "X6", "X7", "X8"}},
		{[]string{"X1"}, []string{"X2", "X3", "X4", "X7", "X8"}},
		{[]string{"X3"}, []string{"X2", "X4", "X7", "X8"}},
		{[]string{"X2", "X8"}, []string{"X4", "X7"}},
	}
	for _, ex := range examples {
		if !slices.ContainsFunc(classes, func(cl Class) bool { return reflect.DeepEqual(cl, ex) }) {
			t.Errorf("class %v missing", ex)
		}
	}
	if !reflect.DeepEqual(classes[0], examples[0]) {
		t.Errorf("first class %v, want the empty representative", classes[0])
	}
	// Every class containing X1 in its representative has 32 members
	// (spec: 4 classes of 32, B ⊇ {X1}).
	for _, cl := range classes {
		if slices.Contains(cl.Representative, "X1") && cl.Size() != 32 {
			t.Errorf("class %v: size %d, want 32", cl, cl.Size())
		}
	}
}

// randomDAG draws a DAG on n nodes with edge probability p (edges from
// lower to higher index in a random order).
func randomDAG(rng *rand.Rand, n int, p float64) *Graph {
	perm := rng.Perm(n)
	names := make([]string, n)
	for i := range names {
		names[i] = "V" + string(rune('a'+perm[i]))
	}
	var edges []Edge
	for i := range n {
		for j := i + 1; j < n; j++ {
			if rng.Float64() < p {
				edges = append(edges, Edge{names[i], names[j]})
			}
		}
	}
	g, err := NewGraph(names, edges)
	if err != nil {
		panic(err)
	}
	return g
}

// TestMAGAdjacencyCriteria checks that the separation criterion of
// MAGAdjacent agrees with an explicit inducing-path search and with the
// definition "no Z ⊆ O \ {a, b} separates a and b given Z ∪ S", on random
// DAGs with random latent and selection sets.
func TestMAGAdjacencyCriteria(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for trial := range 300 {
		n := 3 + rng.IntN(5)
		g := randomDAG(rng, n, 0.2+0.5*rng.Float64())
		nodes := g.Nodes()
		var lat, sel, obs []string
		for _, v := range nodes[2:] {
			switch rng.IntN(3) {
			case 0:
				lat = append(lat, v)
			case 1:
				sel = append(sel, v)
			default:
				obs = append(obs, v)
			}
		}
		a, b := nodes[0], nodes[1]
		adj := g.MAGAdjacent(a, b, lat, sel)
		path := g.InducingPath(a, b, lat, sel)
		sep := false
		for mask := range 1 << len(obs) {
			z := slices.Clone(sel)
			for k, v := range obs {
				if mask>>k&1 == 1 {
					z = append(z, v)
				}
			}
			if g.DSeparated([]string{a}, []string{b}, z) {
				sep = true
				break
			}
		}
		if adj != (path != nil) || adj == sep {
			t.Fatalf("trial %d: edges %v latent %v selection %v: adjacent %v, inducing path %v, separable %v",
				trial, g.Edges(), lat, sel, adj, path, sep)
		}
	}
}

func TestDSeparation(t *testing.T) {
	g, err := NewGraph(nil, []Edge{{"A", "C"}, {"B", "C"}, {"C", "D"}, {"A", "E"}, {"E", "B"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		x, y string
		z    []string
		want bool
	}{
		{"A", "B", nil, false},                // A → E → B
		{"A", "B", []string{"E"}, true},       // chain blocked, collider C closed
		{"A", "B", []string{"E", "D"}, false}, // descendant of the collider opens it
		{"D", "E", []string{"A", "C"}, true},
		{"D", "E", []string{"C"}, true}, // both paths run through C
		{"D", "E", nil, false},          // D ← C ← A → E
	} {
		if got := g.DSeparated([]string{tc.x}, []string{tc.y}, tc.z); got != tc.want {
			t.Errorf("%s ⊥ %s | %v: got %v, want %v", tc.x, tc.y, tc.z, got, tc.want)
		}
	}
	if got := g.Ancestors("D"); !reflect.DeepEqual(got, []string{"A", "B", "C", "E"}) {
		t.Errorf("Ancestors(D) = %v", got)
	}
	if got := g.Do("C").Parents("C"); len(got) != 0 {
		t.Errorf("Do(C) keeps parents %v", got)
	}
	if got := g.Topo(); !reflect.DeepEqual(got, []string{"A", "E", "B", "C", "D"}) {
		t.Errorf("Topo = %v", got)
	}
}

// TestGraphFormats reads the simulation graph written in DOT and JSON and
// checks it equals the GML file.
func TestGraphFormats(t *testing.T) {
	want := simGraph(t).Edges()
	var dot, js strings.Builder
	dot.WriteString("// simulation graph\nstrict digraph \"G aug\" {\n  node [shape=circle]; rankdir=LR\n")
	js.WriteString(`{"directed": true, "nodes": ["Y", {"id": "E"}], "edges": [`)
	for k, e := range want {
		dot.WriteString("  \"" + e.From + "\" -> " + e.To + " [color=red];\n")
		if k > 0 {
			js.WriteString(",")
		}
		if k%2 == 0 {
			js.WriteString(`["` + e.From + `","` + e.To + `"]`)
		} else {
			js.WriteString(`{"source":"` + e.From + `","target":"` + e.To + `"}`)
		}
	}
	dot.WriteString("  /* a chain and a group */ X6 -> {X5} \n}\n")
	js.WriteString("]}")
	for name, src := range map[string]string{"dot": dot.String(), "json": js.String()} {
		g, err := ParseGraph([]byte(src), FormatAuto)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := g.Edges(); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: edges %v, want %v", name, got, want)
		}
	}
	g, err := ParseGraph([]byte("digraph { a -> b -> c; {a b} -> d; subgraph s { e } }"), FormatDOT)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(g.Edges()); got != 4 || !g.Has("e") {
		t.Errorf("chain/group DOT: %v", g.Edges())
	}
}

// TestGraphErrors checks that bad graphs are input errors with a message
// naming the problem.
func TestGraphErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src, target, env, want string
	}{
		{"cycle", "digraph { Y -> A; A -> B; B -> A; E -> A }", "Y", "E", "directed cycle"},
		{"into env", "digraph { Y -> A; A -> E; E -> B }", "Y", "E", "points into the environment"},
		{"target mutable", "digraph { E -> Y; Y -> A }", "Y", "E", "child of the environment"},
		{"no target", "digraph { E -> A }", "Y", "E", "target \"Y\" is not a node"},
		{"undirected", "graph { a -- b }", "Y", "E", "undirected"},
		{"undirected edge", "digraph { a -- b }", "Y", "E", "undirected edge"},
		{"gml undirected", "graph [ node [ id 0 ] ]", "Y", "E", "directed 1"},
		{"gml bad edge", "graph [ directed 1 node [ id 0 label \"Y\" ] edge [ source 0 target 3 ] ]", "Y", "E", "unknown node"},
		{"json", `{"edges": [["Y"]]}`, "Y", "E", "edge 1 has 1 entries"},
		{"self loop", `[["A","A"]]`, "Y", "E", "self-loop"},
		{"syntax", "digraph { a -> ; }", "Y", "E", "line 1"},
	} {
		g, err := ParseGraph([]byte(tc.src), FormatAuto)
		if err == nil {
			_, err = NewComponents(g, tc.target, tc.env)
		}
		if err == nil || !errors.Is(err, estimators.ErrInput) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want an input error containing %q", tc.name, err, tc.want)
		}
	}
}

// TestWholeSetOptimal: without a mutable child of Y the condition holds
// (spec §1.5, special case X_M⁰ = ∅).
func TestWholeSetOptimal(t *testing.T) {
	g, _ := NewGraph(nil, []Edge{{"E", "M"}, {"M", "X1"}, {"X1", "Y"}, {"Y", "X2"}})
	c, err := NewComponents(g, "Y", "E")
	if err != nil {
		t.Fatal(err)
	}
	if !c.WholeSetOptimal || len(c.DoStar) != 0 {
		t.Errorf("components %+v", c)
	}
}

func fuzzParse(f *testing.F, format GraphFormat, seeds ...string) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		g, err := ParseGraph([]byte(src), format)
		if err != nil {
			if !errors.Is(err, estimators.ErrInput) {
				t.Fatalf("not an input error: %v", err)
			}
			return
		}
		if g.findCycle() != nil {
			t.Fatal("accepted a cyclic graph")
		}
		_ = g.Topo()
	})
}

func FuzzParseDOT(f *testing.F) {
	fuzzParse(f, FormatDOT, "digraph { a -> b -> c; {a b} -> d [x=1]; }", "strict digraph g { \"x y\":p:n -> <b> }",
		"digraph { subgraph s { a; b } -> c /* c */ }", "digraph{a->b;b->a}")
}

func FuzzParseGML(f *testing.F) {
	b, _ := os.ReadFile("testdata/gtaug.gml")
	fuzzParse(f, FormatGML, string(b), "graph [ directed 1 node [ id 1 ] edge [ source 1 target 1 ] ]")
}

func FuzzParseJSON(f *testing.F) {
	fuzzParse(f, FormatJSON, `[["a","b"]]`, `{"nodes":["a"],"links":[{"from":"a","to":"b"}]}`, `{"edges":[[1,2]]}`)
}
