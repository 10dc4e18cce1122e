package plot

import (
	"bytes"
	"flag"
	"math"
	"os"
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

// TestRDGolden renders the RD plot as SVG and compares it with the golden
// file (regenerate with go test ./plot -update and review the diff); the
// PNG must be a valid PNG and both must be deterministic.
func TestRDGolden(t *testing.T) {
	var a, b bytes.Buffer
	if err := RD(&a, sampleRD(), "svg"); err != nil {
		t.Fatal(err)
	}
	if err := RD(&b, sampleRD(), "svg"); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("SVG output is not deterministic")
	}
	const golden = "testdata/rd_golden.svg"
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
		t.Error("SVG differs from testdata/rd_golden.svg (run go test ./plot -update and review the diff)")
	}
	var png bytes.Buffer
	if err := RD(&png, sampleRD(), "png"); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(png.String(), "\x89PNG") {
		t.Error("not a PNG")
	}
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

// TestQuantileEffectsGolden renders the distributional RD figure as SVG,
// deterministic and equal to the golden file, and as a PNG.
func TestQuantileEffectsGolden(t *testing.T) {
	var a, b bytes.Buffer
	if err := QuantileEffects(&a, sampleQuantiles(), "svg"); err != nil {
		t.Fatal(err)
	}
	if err := QuantileEffects(&b, sampleQuantiles(), "svg"); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("SVG output is not deterministic")
	}
	const golden = "testdata/r3d_golden.svg"
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
		t.Error("SVG differs from testdata/r3d_golden.svg (run go test ./plot -update and review the diff)")
	}
	var png bytes.Buffer
	if err := QuantileEffects(&png, sampleQuantiles(), "png"); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(png.String(), "\x89PNG") {
		t.Error("not a PNG")
	}
}
