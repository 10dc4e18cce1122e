package plot

import (
	"bytes"
	"flag"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func sampleRD() RDData {
	d := RDData{Title: "RD plot", XLabel: "x", YLabel: "y", Cutoff: 0}
	for i := range 20 {
		x := -1 + 0.1*float64(i) + 0.05
		y := 1 + 0.8*x
		if x >= 0 {
			y += 0.5
		}
		d.BinX = append(d.BinX, x)
		d.BinY = append(d.BinY, y)
		d.BinLow = append(d.BinLow, y-0.1)
		d.BinHigh = append(d.BinHigh, y+0.1)
	}
	d.BinLow[3], d.BinHigh[3] = math.NaN(), math.NaN() // a bin without an interval
	for side, lo := range []float64{-1, 0} {
		for i := range 50 {
			x := lo + float64(i)/49
			y := 1 + 0.8*x
			if side == 1 {
				y += 0.5
			}
			d.CurveX[side] = append(d.CurveX[side], x)
			d.CurveY[side] = append(d.CurveY[side], y)
		}
	}
	return d
}

func TestFormatFromPath(t *testing.T) {
	for path, want := range map[string]string{"a.png": "png", "b.SVG": "svg", "c.pdf": ""} {
		got, err := FormatFromPath(path)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("%s: %q, %v", path, got, err)
		}
	}
}

func sampleQuantiles() QuantileData {
	var d QuantileData
	for j := 1; j < 20; j++ {
		q := float64(j) / 20
		d.Q = append(d.Q, q)
		d.Tau = append(d.Tau, 0.5+q)
		d.Low = append(d.Low, 0.2+q)
		d.High = append(d.High, 0.8+q)
		d.MMinus = append(d.MMinus, 2*q)
		d.MPlus = append(d.MPlus, 2*q+0.5+q)
	}
	return d
}

func sampleEffects() EffectsData {
	return EffectsData{Title: "Optimal policy", XLabel: "probability", EstimateName: "policy", CompareName: "design",
		Reference: 0.25, HasReference: true, Rows: []Effect{
			{"price", "$10", 0.5, 0.4, 0.6, 1.0 / 3},
			{"price", "$20", 0.3, 0.2, 0.4, 1.0 / 3},
			{"price", "$30", 0.2, math.NaN(), math.NaN(), 1.0 / 3},
			{"brand", "A", 0.7, 0.6, 0.8, 0.5},
			{"brand", "B", 0.3, 0.2, 0.4, 0.5},
		}}
}

// TestGolden renders every figure as SVG, deterministic and equal to its
// golden file (regenerate with go test ./plot -update and review the
// diff), and as a valid PNG.
func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		golden string
		draw   func(w io.Writer, format string) error
	}{
		{"rd_golden.svg", func(w io.Writer, f string) error { return RD(w, sampleRD(), f) }},
		{"r3d_golden.svg", func(w io.Writer, f string) error { return QuantileEffects(w, sampleQuantiles(), f) }},
		{"effects_golden.svg", func(w io.Writer, f string) error { return Effects(w, sampleEffects(), f) }},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			var a, b bytes.Buffer
			if err := tc.draw(&a, "svg"); err != nil {
				t.Fatal(err)
			}
			if err := tc.draw(&b, "svg"); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Fatal("SVG output is not deterministic")
			}
			golden := filepath.Join("testdata", tc.golden)
			if *update {
				if err := os.WriteFile(golden, a.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a.Bytes(), want) {
				t.Errorf("SVG differs from %s (run go test ./plot -update and review the diff)", golden)
			}
			var png bytes.Buffer
			if err := tc.draw(&png, "png"); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(png.String(), "\x89PNG") {
				t.Error("not a PNG")
			}
		})
	}
	if err := Effects(io.Discard, EffectsData{}, "svg"); err == nil {
		t.Error("Effects with no rows: no error")
	}
}
