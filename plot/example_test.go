package plot_test

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/causalkit/causalkit/plot"
)

// ExampleQuantileEffects draws a distributional RD's τ(q) with its uniform
// band next to the two average quantile functions, as `causalkit r3d
// --plot` does, into an SVG document.
func ExampleQuantileEffects() {
	q := []float64{0.1, 0.25, 0.5, 0.75, 0.9}
	d := plot.QuantileData{
		Q: q, Tau: []float64{2.2, 2.3, 2.25, 2.3, 2.28},
		Low: []float64{2.1, 2.2, 2.15, 2.2, 2.18}, High: []float64{2.3, 2.4, 2.35, 2.4, 2.38},
		MPlus: []float64{6, 7, 8, 9, 10}, MMinus: []float64{3.8, 4.7, 5.75, 6.7, 7.72},
	}
	var buf bytes.Buffer
	if err := plot.QuantileEffects(&buf, d, "svg"); err != nil {
		panic(err)
	}
	svg := buf.String()
	fmt.Println(strings.Contains(svg, "<svg"), strings.Count(svg, "</svg>"))
	// Output:
	// true 1
}

// ExampleFormatFromPath chooses the figure format from a file name.
func ExampleFormatFromPath() {
	for _, p := range []string{"rd.png", "effects.SVG", "figure.pdf"} {
		f, err := plot.FormatFromPath(p)
		fmt.Printf("%s: %q %v\n", p, f, err != nil)
	}
	// Output:
	// rd.png: "png" false
	// effects.SVG: "svg" false
	// figure.pdf: "" true
}
