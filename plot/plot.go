// Package plot draws causalkit's standard figures with gonum/plot: the
// regression-discontinuity plot (binned means with confidence intervals and
// the fitted polynomial on each side of the cutoff), and the figures of the
// other methods as they land. Figures are rendered to an io.Writer as PNG
// or SVG (both deterministic); the caller decides where the bytes go.
package plot

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Size of the figures.
const (
	Width  = 7 * vg.Inch
	Height = 4.5 * vg.Inch
)

// FormatFromPath returns "png" or "svg" from a file name.
func FormatFromPath(path string) (string, error) {
	switch {
	case strings.HasSuffix(strings.ToLower(path), ".png"):
		return "png", nil
	case strings.HasSuffix(strings.ToLower(path), ".svg"):
		return "svg", nil
	}
	return "", fmt.Errorf("plot: %q: the figure file must end in .png or .svg", path)
}

// RDData is what the regression-discontinuity plot shows.
type RDData struct {
	Title, XLabel, YLabel string
	Cutoff                float64
	// Bins: mean of x and of y in each bin and the confidence interval of
	// the mean of y (NaN bounds draw no bar).
	BinX, BinY, BinLow, BinHigh []float64
	// Curves: the fitted polynomial on each side, as x and y points.
	CurveX, CurveY [2][]float64
}

var (
	binColor   = color.RGBA{R: 40, G: 80, B: 160, A: 255}
	curveColor = color.RGBA{R: 190, G: 30, B: 45, A: 255}
	gray       = color.RGBA{R: 120, G: 120, B: 120, A: 255}
)

// RD draws the regression-discontinuity plot and writes it to w in format
// ("png" or "svg").
func RD(w io.Writer, d RDData, format string) error {
	p := plot.New()
	p.Title.Text = d.Title
	p.X.Label.Text = d.XLabel
	p.Y.Label.Text = d.YLabel
	p.Add(plotter.NewGrid())

	pts := make(plotter.XYs, len(d.BinX))
	for i := range d.BinX {
		pts[i] = plotter.XY{X: d.BinX[i], Y: d.BinY[i]}
	}
	sc, err := plotter.NewScatter(pts)
	if err != nil {
		return fmt.Errorf("plot: bins: %w", err)
	}
	sc.GlyphStyle.Color = binColor
	sc.GlyphStyle.Shape = draw.CircleGlyph{}
	sc.GlyphStyle.Radius = vg.Points(2.2)

	bars := errorBars{}
	for i := range d.BinX {
		if !math.IsNaN(d.BinLow[i]) && !math.IsNaN(d.BinHigh[i]) {
			bars = append(bars, errorBar{x: d.BinX[i], y: d.BinY[i], low: d.BinLow[i], high: d.BinHigh[i]})
		}
	}
	if len(bars) > 0 {
		eb, err := plotter.NewYErrorBars(bars)
		if err != nil {
			return fmt.Errorf("plot: intervals: %w", err)
		}
		eb.LineStyle.Color = gray
		eb.LineStyle.Width = vg.Points(0.6)
		p.Add(eb)
	}
	p.Add(sc)
	for side := range 2 {
		if len(d.CurveX[side]) == 0 {
			continue
		}
		line := make(plotter.XYs, len(d.CurveX[side]))
		for i := range line {
			line[i] = plotter.XY{X: d.CurveX[side][i], Y: d.CurveY[side][i]}
		}
		l, err := plotter.NewLine(line)
		if err != nil {
			return fmt.Errorf("plot: fitted curve: %w", err)
		}
		l.LineStyle.Color = curveColor
		l.LineStyle.Width = vg.Points(1.6)
		p.Add(l)
	}
	// The cutoff as a dashed vertical line across the data range.
	ymin, ymax := math.Inf(1), math.Inf(-1)
	for i := range d.BinY {
		ymin = math.Min(ymin, math.Min(d.BinY[i], nanTo(d.BinLow[i], d.BinY[i])))
		ymax = math.Max(ymax, math.Max(d.BinY[i], nanTo(d.BinHigh[i], d.BinY[i])))
	}
	if !math.IsInf(ymin, 0) {
		cut, err := plotter.NewLine(plotter.XYs{{X: d.Cutoff, Y: ymin}, {X: d.Cutoff, Y: ymax}})
		if err != nil {
			return err
		}
		cut.LineStyle.Color = gray
		cut.LineStyle.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(cut)
	}
	wt, err := p.WriterTo(Width, Height, format)
	if err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	_, err = wt.WriteTo(w)
	return err
}

func nanTo(v, alt float64) float64 {
	if math.IsNaN(v) {
		return alt
	}
	return v
}

type errorBar struct{ x, y, low, high float64 }

type errorBars []errorBar

func (e errorBars) Len() int                        { return len(e) }
func (e errorBars) XY(i int) (float64, float64)     { return e[i].x, e[i].y }
func (e errorBars) YError(i int) (float64, float64) { return e[i].y - e[i].low, e[i].high - e[i].y }
