package invariance

import (
	"slices"

	"github.com/causalkit/causalkit/estimators"
	"github.com/causalkit/causalkit/internal/natural"
)

// Regen is a node regenerated from its structural equation when simulating
// an intervention, with the parents the equation takes (in the graph after
// the intervention, natural order).
type Regen struct {
	Node    string   `json:"node"`
	Parents []string `json:"parents"`
}

// Components are the parts of an augmented causal graph that the minimax
// search uses (spec §1.2). Every list is in natural order except the Regen
// lists, which are in topological order.
type Components struct {
	Target string `json:"target"`
	Env    string `json:"env"`
	// Mutable is X_M = Ch(E): the variables whose mechanisms the
	// environment changes.
	Mutable []string `json:"mutable"`
	// Stable is X_S: every node but the target, the environment and X_M.
	Stable []string `json:"stable"`
	// MutableParents maps each mutable m to Pa(m) \ {E}, the inputs of the
	// adversary's intervention function for m.
	MutableParents map[string][]string `json:"mutable_parents"`
	// TargetChildren is Ch(Y).
	TargetChildren []string `json:"target_children"`
	// MutableChildren is X_M⁰ = X_M ∩ Ch(Y).
	MutableChildren []string `json:"mutable_children"`
	// K is De(X_M⁰) \ X_M⁰ (strict descendants).
	K []string `json:"k"`
	// WholeSetOptimal is the graphical condition K ∩ Ch(Y) = ∅ (spec
	// §1.5): when it holds the whole stable set is minimax optimal.
	WholeSetOptimal bool `json:"whole_set_optimal"`
	// DoStar is X_do* = X_M⁰ ∪ (De(X_M⁰) \ Ch(Y)), intervened on when the
	// stable predictors are estimated.
	DoStar []string `json:"do_star"`
	// DoStarRegen are the descendants of X_do* in G_do(X_do*) with their
	// parents there: the nodes regenerated when simulating do(X_do*).
	DoStarRegen []Regen `json:"do_star_regen"`
	// MutableRegen are the descendants of X_M in G_do(X_M) with their
	// parents there: the nodes regenerated when the adversary sets X_M.
	MutableRegen []Regen `json:"mutable_regen"`
}

// CheckAugmented validates an augmented graph for the target and the
// environment node: both must be nodes, no edge may point into the
// environment, and the target must not be a child of the environment (its
// mechanism must be stable).
func CheckAugmented(g *Graph, target, env string) error {
	if err := g.checkNodes("target", target); err != nil {
		return err
	}
	if err := g.checkNodes("environment", env); err != nil {
		return err
	}
	if target == env {
		return estimators.InputErrorf("graph: the target and the environment are the same node %q", target)
	}
	if pa := g.Parents(env); len(pa) > 0 {
		return estimators.InputErrorf("graph: edge %s → %s points into the environment node; the environment must be a root", pa[0], env)
	}
	if slices.Contains(g.Children(env), target) {
		return estimators.InputErrorf("graph: the target %q is a child of the environment %q; its mechanism must be stable across environments", target, env)
	}
	return nil
}

// NewComponents computes the components of the augmented graph g for the
// target and the environment node (spec §1.2), after CheckAugmented.
func NewComponents(g *Graph, target, env string) (*Components, error) {
	if err := CheckAugmented(g, target, env); err != nil {
		return nil, err
	}
	c := &Components{Target: target, Env: env}
	c.Mutable = g.Children(env)
	c.Stable = minus(g.Nodes(), append([]string{target, env}, c.Mutable...))
	c.MutableParents = map[string][]string{}
	for _, m := range c.Mutable {
		c.MutableParents[m] = minus(g.Parents(m), []string{env})
	}
	c.TargetChildren = g.Children(target)
	c.MutableChildren = intersect(c.Mutable, c.TargetChildren)
	de := g.Descendants(c.MutableChildren...)
	c.K = minus(de, c.MutableChildren)
	c.WholeSetOptimal = len(intersect(c.K, c.TargetChildren)) == 0
	c.DoStar = natural.Sort(append(slices.Clone(c.MutableChildren), minus(de, c.TargetChildren)...))
	c.DoStar = slices.Compact(c.DoStar)
	c.DoStarRegen = regenSet(g, c.DoStar)
	c.MutableRegen = regenSet(g, c.Mutable)
	return c, nil
}

// regenSet lists, in topological order, the descendants of targets in
// G_do(targets) with their parents there.
func regenSet(g *Graph, targets []string) []Regen {
	h := g.Do(targets...)
	de := minus(h.Descendants(targets...), targets)
	out := []Regen{}
	for _, v := range h.Topo() {
		if slices.Contains(de, v) {
			out = append(out, Regen{Node: v, Parents: h.Parents(v)})
		}
	}
	return out
}

// StableGraph returns the graph on which the equivalence classes are
// searched: g without the environment and the mutable variables.
func (c *Components) StableGraph(g *Graph) *Graph {
	return g.Remove(append([]string{c.Env}, c.Mutable...)...)
}

// minus returns the elements of a not in b, in the order of a.
func minus(a, b []string) []string {
	out := []string{}
	for _, v := range a {
		if !slices.Contains(b, v) {
			out = append(out, v)
		}
	}
	return out
}

// intersect returns the elements of a that are in b, in the order of a.
func intersect(a, b []string) []string {
	out := []string{}
	for _, v := range a {
		if slices.Contains(b, v) {
			out = append(out, v)
		}
	}
	return out
}
