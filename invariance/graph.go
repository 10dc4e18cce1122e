package invariance

import (
	"fmt"
	"slices"
	"strings"

	"github.com/causalkit/causalkit/estimators"
	"github.com/causalkit/causalkit/internal/natural"
)

// Graph is a directed acyclic graph over named variables. It is immutable:
// Do and Remove return new graphs. Every list of names it returns is in
// natural order (X2 before X10), except Topo, which is a topological order
// that breaks ties in natural order.
type Graph struct {
	names []string // natural order
	index map[string]int
	pa    [][]int // parents of each node, ascending index
	ch    [][]int // children of each node, ascending index
}

// Edge is a directed edge From → To.
type Edge struct{ From, To string }

// NewGraph builds a DAG from its nodes and edges. Nodes named only in edges
// are added; duplicate edges are merged. A self-loop, an empty name or a
// directed cycle is an input error (the message names the cycle).
func NewGraph(nodes []string, edges []Edge) (*Graph, error) {
	set := map[string]bool{}
	for _, v := range nodes {
		set[v] = true
	}
	for _, e := range edges {
		if e.From == e.To {
			return nil, estimators.InputErrorf("graph: self-loop at %q; a causal DAG has none", e.From)
		}
		set[e.From], set[e.To] = true, true
	}
	if set[""] {
		return nil, estimators.InputErrorf("graph: a node has an empty name")
	}
	names := make([]string, 0, len(set))
	for v := range set {
		names = append(names, v)
	}
	natural.Sort(names)
	g := &Graph{names: names, index: make(map[string]int, len(names))}
	for i, v := range names {
		g.index[v] = i
	}
	g.pa = make([][]int, len(names))
	g.ch = make([][]int, len(names))
	for _, e := range edges {
		a, b := g.index[e.From], g.index[e.To]
		if !slices.Contains(g.ch[a], b) {
			g.ch[a] = append(g.ch[a], b)
			g.pa[b] = append(g.pa[b], a)
		}
	}
	for i := range names {
		slices.Sort(g.pa[i])
		slices.Sort(g.ch[i])
	}
	if cyc := g.findCycle(); cyc != nil {
		return nil, estimators.InputErrorf("graph: directed cycle %s; a causal graph must be acyclic", strings.Join(cyc, " → "))
	}
	return g, nil
}

// findCycle returns the nodes of a directed cycle (first node repeated at
// the end), or nil.
func (g *Graph) findCycle() []string {
	const (
		white = iota
		grey
		black
	)
	color := make([]int, len(g.names))
	parent := make([]int, len(g.names))
	var cyc []string
	var visit func(v int) bool
	visit = func(v int) bool {
		color[v] = grey
		for _, c := range g.ch[v] {
			switch color[c] {
			case grey:
				path := []string{g.names[c]}
				for u := v; u != c; u = parent[u] {
					path = append(path, g.names[u])
				}
				slices.Reverse(path)
				cyc = append([]string{g.names[c]}, path...)
				return true
			case white:
				parent[c] = v
				if visit(c) {
					return true
				}
			}
		}
		color[v] = black
		return false
	}
	for v := range g.names {
		if color[v] == white && visit(v) {
			return cyc
		}
	}
	return nil
}

// Nodes returns the node names in natural order.
func (g *Graph) Nodes() []string { return slices.Clone(g.names) }

// Has reports whether v is a node.
func (g *Graph) Has(v string) bool { _, ok := g.index[v]; return ok }

// Edges returns the edges, ordered by source then target (natural order).
func (g *Graph) Edges() []Edge {
	var out []Edge
	for a, cs := range g.ch {
		for _, b := range cs {
			out = append(out, Edge{g.names[a], g.names[b]})
		}
	}
	return out
}

// Parents returns the parents of v.
func (g *Graph) Parents(v string) []string { return g.namesOf(g.pa[g.mustIndex(v)]) }

// Children returns the children of v.
func (g *Graph) Children(v string) []string { return g.namesOf(g.ch[g.mustIndex(v)]) }

// Descendants returns the strict descendants of the nodes vs (the union over
// vs of the nodes reachable by a directed path of length ≥ 1; a member of vs
// is included when it descends from another member).
func (g *Graph) Descendants(vs ...string) []string {
	return g.maskNames(g.reach(g.indices(vs), g.ch))
}

// Ancestors returns the strict ancestors of the nodes vs (union, as
// Descendants).
func (g *Graph) Ancestors(vs ...string) []string {
	return g.maskNames(g.reach(g.indices(vs), g.pa))
}

// reach marks the nodes reachable from from by one or more steps along next.
func (g *Graph) reach(from []int, next [][]int) []bool {
	seen := make([]bool, len(g.names))
	stack := slices.Clone(from)
	for len(stack) > 0 {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, w := range next[v] {
			if !seen[w] {
				seen[w] = true
				stack = append(stack, w)
			}
		}
	}
	return seen
}

// Topo returns a topological order (parents before children); among nodes
// whose parents are all placed, the naturally smallest comes first.
func (g *Graph) Topo() []string {
	indeg := make([]int, len(g.names))
	for v := range g.names {
		indeg[v] = len(g.pa[v])
	}
	var ready, order []int
	for v, d := range indeg {
		if d == 0 {
			ready = append(ready, v)
		}
	}
	for len(ready) > 0 {
		v := ready[0] // indices are in natural order: the smallest is first
		ready = ready[1:]
		order = append(order, v)
		for _, c := range g.ch[v] {
			if indeg[c]--; indeg[c] == 0 {
				i, _ := slices.BinarySearch(ready, c)
				ready = slices.Insert(ready, i, c)
			}
		}
	}
	return g.namesOf(order)
}

// Do returns the graph of the intervention do(targets): every edge into a
// target is removed.
func (g *Graph) Do(targets ...string) *Graph {
	cut := g.mask(targets)
	var edges []Edge
	for _, e := range g.Edges() {
		if !cut[g.index[e.To]] {
			edges = append(edges, e)
		}
	}
	h, _ := NewGraph(g.names, edges)
	return h
}

// Remove returns the subgraph induced by the nodes other than vs.
func (g *Graph) Remove(vs ...string) *Graph {
	drop := g.mask(vs)
	var nodes []string
	for i, v := range g.names {
		if !drop[i] {
			nodes = append(nodes, v)
		}
	}
	var edges []Edge
	for _, e := range g.Edges() {
		if !drop[g.index[e.From]] && !drop[g.index[e.To]] {
			edges = append(edges, e)
		}
	}
	h, _ := NewGraph(nodes, edges)
	return h
}

// mustIndex returns the index of v; an unknown name is a programmer error.
func (g *Graph) mustIndex(v string) int {
	i, ok := g.index[v]
	if !ok {
		panic(fmt.Sprintf("invariance: %q is not a node of the graph", v))
	}
	return i
}

func (g *Graph) indices(vs []string) []int {
	out := make([]int, len(vs))
	for k, v := range vs {
		out[k] = g.mustIndex(v)
	}
	return out
}

func (g *Graph) mask(vs []string) []bool {
	m := make([]bool, len(g.names))
	for _, v := range vs {
		m[g.mustIndex(v)] = true
	}
	return m
}

func (g *Graph) namesOf(idx []int) []string {
	out := make([]string, len(idx))
	for k, i := range idx {
		out[k] = g.names[i]
	}
	return out
}

// maskNames lists the marked nodes in natural order (never nil).
func (g *Graph) maskNames(m []bool) []string {
	out := []string{}
	for i, ok := range m {
		if ok {
			out = append(out, g.names[i])
		}
	}
	return out
}

// checkNodes returns an input error naming the first of vs that is not a
// node, described by role.
func (g *Graph) checkNodes(role string, vs ...string) error {
	for _, v := range vs {
		if !g.Has(v) {
			return estimators.InputErrorf("graph: %s %q is not a node of the graph (nodes: %s)", role, v, strings.Join(g.names, ", "))
		}
	}
	return nil
}
