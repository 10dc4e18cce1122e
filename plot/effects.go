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
)

// Effect is one row of a dot-and-whisker plot: a level of an attribute,
// its estimate and interval (NaN bounds draw no whisker), and an optional
// comparison value (NaN for none), such as the design probability that an
// optimal policy replaces.
type Effect struct {
	Attribute, Level string
	Estimate         float64
	Low, High        float64
	Compare          float64
}

// EffectsData is what the dot-and-whisker plot shows: rows grouped by
// attribute, top to bottom in the given order, as cregg's plots of AMCEs
// and marginal means.
type EffectsData struct {
	Title, XLabel string
	Rows          []Effect
	// Reference draws a dashed vertical line at x = Reference (0 for
	// AMCEs, h0 for marginal means) when HasReference is set.
	Reference    float64
	HasReference bool
	// EstimateName and CompareName label the legend when some row has a
	// comparison value.
	EstimateName, CompareName string
}

var compareColor = color.RGBA{R: 110, G: 110, B: 110, A: 255}

// Effects draws the dot-and-whisker plot and writes it to w as "png" or
// "svg". Each attribute gets a heading row; the figure grows with the
// number of rows.
func Effects(w io.Writer, d EffectsData, format string) error {
	if len(d.Rows) == 0 {
		return fmt.Errorf("plot: effects: no rows to draw")
	}
	p := plot.New()
	p.Title.Text = d.Title
	p.X.Label.Text = d.XLabel
	p.Add(plotter.NewGrid())

	var (
		ticks            []plot.Tick
		est, cmp         plotter.XYs
		bars             xErrorBars
		xmin, xmax       = math.Inf(1), math.Inf(-1)
		y                float64
		prev             string
		hasCmp, hasFirst bool
	)
	extend := func(v float64) {
		if !math.IsNaN(v) {
			xmin, xmax = math.Min(xmin, v), math.Max(xmax, v)
		}
	}
	for _, r := range d.Rows {
		if !hasFirst || r.Attribute != prev {
			y--
			ticks = append(ticks, plot.Tick{Value: y, Label: r.Attribute + ":"})
			prev, hasFirst = r.Attribute, true
		}
		y--
		ticks = append(ticks, plot.Tick{Value: y, Label: "  " + r.Level})
		est = append(est, plotter.XY{X: r.Estimate, Y: y})
		extend(r.Estimate)
		if !math.IsNaN(r.Low) && !math.IsNaN(r.High) {
			bars = append(bars, xErrorBar{x: r.Estimate, y: y, low: r.Low, high: r.High})
			extend(r.Low)
			extend(r.High)
		}
		if !math.IsNaN(r.Compare) {
			cmp = append(cmp, plotter.XY{X: r.Compare, Y: y})
			extend(r.Compare)
			hasCmp = true
		}
	}
	if len(bars) > 0 {
		eb, err := plotter.NewXErrorBars(bars)
		if err != nil {
			return fmt.Errorf("plot: intervals: %w", err)
		}
		eb.LineStyle.Color = binColor
		eb.LineStyle.Width = vg.Points(1)
		eb.CapWidth = vg.Points(3)
		p.Add(eb)
	}
	if d.HasReference {
		ref, err := plotter.NewLine(plotter.XYs{{X: d.Reference, Y: y - 0.5}, {X: d.Reference, Y: -0.5}})
		if err != nil {
			return err
		}
		ref.LineStyle.Color = gray
		ref.LineStyle.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(ref)
		extend(d.Reference)
	}
	sc, err := plotter.NewScatter(est)
	if err != nil {
		return fmt.Errorf("plot: estimates: %w", err)
	}
	sc.GlyphStyle.Color = binColor
	sc.GlyphStyle.Shape = draw.CircleGlyph{}
	sc.GlyphStyle.Radius = vg.Points(2.5)
	p.Add(sc)
	if hasCmp {
		c, err := plotter.NewScatter(cmp)
		if err != nil {
			return fmt.Errorf("plot: comparison: %w", err)
		}
		c.GlyphStyle.Color = compareColor
		c.GlyphStyle.Shape = draw.RingGlyph{}
		c.GlyphStyle.Radius = vg.Points(3)
		p.Add(c)
		p.Legend.Add(d.EstimateName, sc)
		p.Legend.Add(d.CompareName, c)
		p.Legend.Top = true
	}
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	p.Y.Min, p.Y.Max = y-0.7, -0.3
	if !math.IsInf(xmin, 0) {
		pad := 0.05 * math.Max(xmax-xmin, 1e-9)
		p.X.Min, p.X.Max = xmin-pad, xmax+pad
	}
	height := max(Height*0.6, vg.Length(-y)*0.2*vg.Inch+1.2*vg.Inch)
	wt, err := p.WriterTo(Width, height, format)
	if err != nil {
		return fmt.Errorf("plot: %w", err)
	}
	_, err = wt.WriteTo(w)
	return err
}

type xErrorBar struct{ x, y, low, high float64 }

type xErrorBars []xErrorBar

func (e xErrorBars) Len() int                        { return len(e) }
func (e xErrorBars) XY(i int) (float64, float64)     { return e[i].x, e[i].y }
func (e xErrorBars) XError(i int) (float64, float64) { return e[i].x - e[i].low, e[i].high - e[i].x }
