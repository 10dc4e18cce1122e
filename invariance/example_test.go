package invariance_test

import (
	"fmt"

	"github.com/causalkit/causalkit/invariance"
)

// Example reads the IMPC graph of the causal minimax paper's appendix
// experiment and reports its components and the equivalence classes of
// stable subsets: X_5 is mutable (a child of E and of Y), so the whole
// stable set is not minimax optimal, and 9 classes cover the 16 subsets.
func Example() {
	g, err := invariance.ParseGraph([]byte(`digraph {
  E -> X_5; Y -> X_5;
  X_1 -> X_2; X_3 -> X_2; X_5 -> X_2; Y -> X_2;
  X_2 -> X_4;
}`), invariance.FormatAuto)
	if err != nil {
		panic(err)
	}
	c, err := invariance.NewComponents(g, "Y", "E")
	if err != nil {
		panic(err)
	}
	classes, err := invariance.EquivalenceClasses(c.StableGraph(g), "Y")
	if err != nil {
		panic(err)
	}
	fmt.Println("mutable:", c.Mutable, "whole set optimal:", c.WholeSetOptimal)
	for _, cl := range classes[:3] {
		fmt.Println(cl.Representative, "free", cl.Free)
	}
	fmt.Println(len(classes), "classes")
	// Output:
	// mutable: [X_5] whole set optimal: false
	// [] free [X_1 X_3]
	// [X_2] free [X_4]
	// [X_4] free []
	// 9 classes
}
