package invariance

// DSeparated reports whether every node of xs is d-separated from every node
// of ys given zs. It runs the reachability ("Bayes ball") algorithm: linear
// in the number of edges. Nodes of xs or ys that are in zs count as
// separated.
func (g *Graph) DSeparated(xs, ys, zs []string) bool {
	reach := g.dReachable(g.indices(xs), g.mask(zs))
	for _, y := range g.indices(ys) {
		if reach[y] {
			return false
		}
	}
	return true
}

// dReachable marks the nodes d-connected to some source given the
// conditioning set cond (a node mask). Conditioned nodes are never marked.
func (g *Graph) dReachable(src []int, cond []bool) []bool {
	n := len(g.names)
	// anc: conditioned nodes and their ancestors (colliders there are open).
	anc := g.reach(trueIndices(cond), g.pa)
	for i, c := range cond {
		anc[i] = anc[i] || c
	}
	const up, down = 0, 1 // arrived from a child (against the edge) / from a parent
	visited := make([][2]bool, n)
	reached := make([]bool, n)
	type state struct{ v, dir int }
	var stack []state
	for _, s := range src {
		if !cond[s] {
			stack = append(stack, state{s, up})
		}
	}
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if visited[s.v][s.dir] {
			continue
		}
		visited[s.v][s.dir] = true
		if !cond[s.v] {
			reached[s.v] = true
		}
		if s.dir == up && !cond[s.v] {
			for _, p := range g.pa[s.v] {
				stack = append(stack, state{p, up})
			}
			for _, c := range g.ch[s.v] {
				stack = append(stack, state{c, down})
			}
		}
		if s.dir == down {
			if !cond[s.v] {
				for _, c := range g.ch[s.v] {
					stack = append(stack, state{c, down})
				}
			}
			if anc[s.v] {
				for _, p := range g.pa[s.v] {
					stack = append(stack, state{p, up})
				}
			}
		}
	}
	return reached
}

func trueIndices(m []bool) []int {
	var out []int
	for i, ok := range m {
		if ok {
			out = append(out, i)
		}
	}
	return out
}

// MAGAdjacent reports whether a and b are adjacent in the maximal ancestral
// graph obtained from g by marginalising the latent nodes and conditioning
// on the selection nodes, that is, whether g has an inducing path between a
// and b relative to (latent, selection): a path on which every inner node
// outside latent is a collider and every collider is an ancestor of
// {a, b} ∪ selection.
//
// It uses the equivalent separation criterion (Richardson and Spirtes 2002,
// Theorem 4.2 with the ancestral separating set): a and b are adjacent
// unless they are d-separated by S ∪ (An({a, b} ∪ S) ∩ O) \ {a, b}, where S
// is the selection set and O the remaining observed nodes. The test suite
// checks it against an explicit inducing-path search (InducingPath).
func (g *Graph) MAGAdjacent(a, b string, latent, selection []string) bool {
	ia, ib := g.mustIndex(a), g.mustIndex(b)
	lat, sel := g.mask(latent), g.mask(selection)
	anc := g.ancestralMask(append([]int{ia, ib}, trueIndices(sel)...))
	cond := make([]bool, len(g.names))
	for i := range cond {
		cond[i] = sel[i] || (anc[i] && !lat[i] && i != ia && i != ib)
	}
	return g.dReachable([]int{ia}, cond)[ib]
}

// ancestralMask marks the nodes of vs and their ancestors.
func (g *Graph) ancestralMask(vs []int) []bool {
	m := g.reach(vs, g.pa)
	for _, v := range vs {
		m[v] = true
	}
	return m
}

// InducingPath returns an inducing path between a and b relative to
// (latent, selection) (see MAGAdjacent) as a list of nodes from a to b, or
// nil when there is none. It enumerates simple paths (exponential in the
// worst case) and serves to check MAGAdjacent on small graphs.
func (g *Graph) InducingPath(a, b string, latent, selection []string) []string {
	ia, ib := g.mustIndex(a), g.mustIndex(b)
	lat := g.mask(latent)
	anc := g.ancestralMask(append([]int{ia, ib}, g.indices(selection)...))
	on := make([]bool, len(g.names))
	path := []int{ia}
	on[ia] = true
	isParent := func(p, c int) bool {
		for _, q := range g.pa[c] {
			if q == p {
				return true
			}
		}
		return false
	}
	var found []int
	var dfs func(v int) bool
	dfs = func(v int) bool {
		var nbrs []int
		nbrs = append(append(nbrs, g.pa[v]...), g.ch[v]...)
		for _, w := range nbrs {
			if on[w] {
				continue
			}
			if v != ia { // v is an inner node of the path …prev, v, w…
				prev := path[len(path)-2]
				collider := isParent(prev, v) && isParent(w, v)
				if !collider && !lat[v] {
					continue
				}
				if collider && !anc[v] {
					continue
				}
			}
			if w == ib {
				found = append(slices0(path), w)
				return true
			}
			on[w] = true
			path = append(path, w)
			if dfs(w) {
				return true
			}
			path = path[:len(path)-1]
			on[w] = false
		}
		return false
	}
	if !dfs(ia) {
		return nil
	}
	return g.namesOf(found)
}

func slices0(p []int) []int { return append([]int(nil), p...) }
