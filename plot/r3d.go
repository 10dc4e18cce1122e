package plot

import (
	"fmt"
	"image/color"
	"io"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// QuantileData is what the distributional RD figure shows: the quantile
// treatment effect τ(q) with its uniform band (NaN bounds draw no band), and
// the two average quantile functions at the cutoff, m₊ and m₋.
type QuantileData struct {
	Q, Tau        []float64
	Low, High     []float64
	MPlus, MMinus []float64
}

var (
	bandColor  = color.NRGBA{R: 40, G: 80, B: 160, A: 60}
	minusColor = color.RGBA{R: 40, G: 80, B: 160, A: 255}
)

// QuantileEffects draws τ(q) with its band (left panel) and m₊, m₋ (right
// panel) side by side and writes the figure to w as "png" or "svg".
func QuantileEffects(w io.Writer, d QuantileData, format string) error {
	left := plot.New()
	left.Title.Text = "Quantile treatment effect"
	left.X.Label.Text = "quantile"
	left.Y.Label.Text = "τ(q)"
	left.Add(plotter.NewGrid())
	band := make(plotter.XYs, 0, 2*len(d.Q))
	for j := range d.Q {
		if !math.IsNaN(d.Low[j]) {
			band = append(band, plotter.XY{X: d.Q[j], Y: d.High[j]})
		}
	}
	for j := len(d.Q) - 1; j >= 0; j-- {
		if !math.IsNaN(d.Low[j]) {
			band = append(band, plotter.XY{X: d.Q[j], Y: d.Low[j]})
		}
	}
	if len(band) > 2 {
		poly, err := plotter.NewPolygon(band)
		if err != nil {
			return fmt.Errorf("plot: band: %w", err)
		}
		poly.Color = bandColor
		poly.LineStyle.Width = 0
		left.Add(poly)
		left.Legend.Add("uniform band", poly)
	}
	if err := addLine(left, d.Q, d.Tau, curveColor, "τ(q)"); err != nil {
		return err
	}
	zero, err := plotter.NewLine(plotter.XYs{{X: d.Q[0], Y: 0}, {X: d.Q[len(d.Q)-1], Y: 0}})
	if err != nil {
		return err
	}
	zero.LineStyle.Color = gray
	zero.LineStyle.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	left.Add(zero)
	left.Legend.Top = true
	left.Legend.Left = true

	right := plot.New()
	right.Title.Text = "Average quantile functions at the cutoff"
	right.X.Label.Text = "quantile"
	right.Y.Label.Text = "Q(q)"
	right.Add(plotter.NewGrid())
	if err := addLine(right, d.Q, d.MPlus, curveColor, "m+ (above the cutoff)"); err != nil {
		return err
	}
	if err := addLine(right, d.Q, d.MMinus, minusColor, "m− (below the cutoff)"); err != nil {
		return err
	}
	right.Legend.Top = true
	right.Legend.Left = true

	const cols = 2
	width, height := 2*Width*0.75, Height
	var c draw.Canvas
	var wt io.WriterTo
	switch format {
	case "png":
		img := vgimg.New(width, height)
		c = draw.New(img)
		wt = vgimg.PngCanvas{Canvas: img}
	case "svg":
		s := vgsvg.New(width, height)
		c = draw.New(s)
		wt = s
	default:
		return fmt.Errorf("plot: unknown format %q; use png or svg", format)
	}
	tiles := draw.Tiles{Rows: 1, Cols: cols, PadX: vg.Millimeter * 4, PadTop: vg.Millimeter * 2, PadBottom: vg.Millimeter * 2}
	plots := [][]*plot.Plot{{left, right}}
	canvases := plot.Align(plots, tiles, c)
	for j := range cols {
		plots[0][j].Draw(canvases[0][j])
	}
	_, err = wt.WriteTo(w)
	return err
}

func addLine(p *plot.Plot, x, y []float64, col color.Color, name string) error {
	pts := make(plotter.XYs, 0, len(x))
	for j := range x {
		if !math.IsNaN(y[j]) {
			pts = append(pts, plotter.XY{X: x[j], Y: y[j]})
		}
	}
	l, err := plotter.NewLine(pts)
	if err != nil {
		return fmt.Errorf("plot: %s: %w", name, err)
	}
	l.LineStyle.Color = col
	l.LineStyle.Width = vg.Points(1.6)
	p.Add(l)
	p.Legend.Add(name, l)
	return nil
}
