package rdd

import (
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/causalkit/causalkit/estimators"
)

// r3dSimulate draws a design of the spec's §7 Monte Carlo: X ~ U(−1, 1) and
// draws per unit from DGP 1 (y ~ N(5 + 5X + Δ·1{X≥0}, max(|1+X|, 0.1)²)) or
// DGP 2 (y = N(2X + Δ·1{X≥0}, 1) + 2·Exp(λ), λ = clamp(1 + 0.5X, 0.5, 1.5)),
// both with τ(q) ≡ Δ. With fuzzy, T ~ Bern(0.1 + 0.8·1{X≥0}) and the shift
// is Δ·T.
func r3dSimulate(rng *rand.Rand, dgp, n, draws int, delta float64, fuzzy bool) *DistData {
	d := &DistData{X: make([]float64, n), Y: make([][]float64, n)}
	if fuzzy {
		d.T = make([]float64, n)
	}
	for i := range n {
		x := 2*rng.Float64() - 1
		d.X[i] = x
		shift := 0.0
		if x >= 0 {
			shift = delta
		}
		if fuzzy {
			p := 0.1
			if x >= 0 {
				p = 0.9
			}
			shift = 0
			if rng.Float64() < p {
				d.T[i], shift = 1, delta
			}
		}
		y := make([]float64, draws)
		for k := range y {
			switch dgp {
			case 1:
				y[k] = 5 + 5*x + shift + math.Max(math.Abs(1+x), 0.1)*rng.NormFloat64()
			case 2:
				lam := math.Min(math.Max(1+0.5*x, 0.5), 1.5)
				y[k] = 2*x + shift + rng.NormFloat64() + 2*rng.ExpFloat64()/lam
			}
		}
		d.Y[i] = y
	}
	return d
}

func TestR3DInputErrors(t *testing.T) {
	rng := estimators.Stream(3, 0)
	base := r3dSimulate(rng, 1, 120, 20, 1, false)
	fz := r3dSimulate(rng, 1, 120, 20, 1, true)
	clone := func(d *DistData) *DistData {
		c := *d
		c.X = slices.Clone(d.X)
		c.Y = slices.Clone(d.Y)
		c.T = slices.Clone(d.T)
		return &c
	}
	deciles := []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9}
	cases := []struct {
		name string
		data func() *DistData
		opt  R3DOptions
		want string
	}{
		{"one side", func() *DistData {
			d := clone(base)
			for i := range d.X {
				d.X[i] = math.Abs(d.X[i])
			}
			return d
		}, R3DOptions{}, "both sides"},
		{"no draws", func() *DistData { d := clone(base); d.Y[7] = nil; return d }, R3DOptions{}, "unit 7 has no draws"},
		{"one-point grid", func() *DistData { return base }, R3DOptions{Grid: []float64{0.5}}, "at least 2 quantiles"},
		{"grid outside (0,1)", func() *DistData { return base }, R3DOptions{Grid: []float64{0, 0.5}}, "not in (0, 1)"},
		{"no first-stage jump", func() *DistData {
			d := clone(fz)
			for i := range d.T {
				d.T[i] = 1
			}
			return d
		}, R3DOptions{Grid: deciles, H: []float64{0.5}, HDen: 0.5}, "first-stage jump"},
		{"small bandwidth", func() *DistData { return base }, R3DOptions{Grid: deciles, H: []float64{0.01}}, "needs at least 3"},
		{"small first-stage bandwidth", func() *DistData { return fz }, R3DOptions{Grid: deciles, H: []float64{0.5}, HDen: 0.01}, "first-stage bandwidth"},
		{"NaN x", func() *DistData { d := clone(base); d.X[3] = math.NaN(); return d }, R3DOptions{}, "X[3]"},
		{"Inf draw", func() *DistData {
			d := clone(base)
			d.Y[2] = append(slices.Clone(d.Y[2]), math.Inf(1))
			return d
		}, R3DOptions{}, "must be finite"},
		{"NaN treatment", func() *DistData { d := clone(fz); d.T[0] = math.NaN(); return d }, R3DOptions{}, "T[0]"},
		{"too few replicates", func() *DistData { return base }, R3DOptions{Reps: 10}, "too few"},
		{"bandwidth count", func() *DistData { return base }, R3DOptions{Grid: deciles, H: []float64{0.5, 0.6}}, "H has 2 values"},
		{"negative bandwidth", func() *DistData { return base }, R3DOptions{H: []float64{-1}}, "H[0]"},
		{"unknown test", func() *DistData { return base }, R3DOptions{Tests: []string{"nullity", "kolmogorov"}}, "unknown test"},
		{"unknown multiplier", func() *DistData { return base }, R3DOptions{Multiplier: "poisson"}, "Multiplier"},
		{"test range", func() *DistData { return base }, R3DOptions{Grid: deciles, TestRanges: [][]float64{{0.2, 0.25}}}, "fewer than 2 grid points"},
		{"level", func() *DistData { return base }, R3DOptions{Level: 1.5}, "Level"},
		{"order", func() *DistData { return base }, R3DOptions{P: -1}, "P = -1"},
		{"xi rows", func() *DistData { return base }, R3DOptions{Grid: deciles, Xi: mat.NewDense(5, 100, nil)}, "Xi has 5 rows"},
		{"weights", func() *DistData { d := clone(base); d.W = make([][]float64, len(d.Y)); return d }, R3DOptions{}, "draws and 0 weights"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := R3D(tc.data(), tc.opt)
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, estimators.ErrInput) {
				t.Errorf("error %v does not wrap ErrInput", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

// TestR3DDeterminism checks that the default-mode estimate, band, tests and
// draws are bit-identical for any GOMAXPROCS and number of workers, for each
// multiplier distribution and with clusters.
func TestR3DDeterminism(t *testing.T) {
	d := r3dSimulate(estimators.Stream(5, 0), 2, 400, 30, 1, true)
	d.Cluster = make([]int, len(d.X))
	for i := range d.Cluster {
		d.Cluster[i] = i / 3
	}
	grid := make([]float64, 19)
	for k := range grid {
		grid[k] = 0.05 * float64(k+1)
	}
	for _, mult := range []string{"gaussian", "rademacher", "mammen"} {
		for _, method := range []R3DMethod{R3DSimple, R3DFrechet} {
			var ref []uint64
			for _, procs := range []int{1, 2, 5} {
				for _, workers := range []int{0, 1, 3} {
					old := runtime.GOMAXPROCS(procs)
					res, err := R3D(d, R3DOptions{Method: method, Multiplier: mult, Seed: 11, Reps: 150, Workers: workers,
						KeepDraws: true, Grid: grid})
					runtime.GOMAXPROCS(old)
					if err != nil {
						t.Fatal(err)
					}
					bits := r3dBits(res)
					if ref == nil {
						ref = bits
					} else if !slices.Equal(bits, ref) {
						t.Fatalf("%s/%s: results differ with GOMAXPROCS %d, %d workers", mult, method, procs, workers)
					}
				}
			}
		}
	}
}

// r3dBits returns the bit patterns of every number of a result.
func r3dBits(r *R3DResult) []uint64 {
	var v []float64
	v = append(v, r.Tau...)
	v = append(v, r.Low...)
	v = append(v, r.High...)
	v = append(v, r.H...)
	v = append(v, r.MPlus...)
	v = append(v, r.MMinus...)
	v = append(v, r.CriticalValue, r.HDen, r.FirstStage)
	for _, t := range r.Tests {
		v = append(v, t.Statistic, t.CriticalValue, t.PValue, t.GiniPlus, t.GiniMinus)
	}
	for _, g := range r.Draws {
		v = append(v, g...)
	}
	bits := make([]uint64, len(v))
	for i, x := range v {
		bits[i] = math.Float64bits(x)
	}
	return bits
}

// TestR3DClusters checks the clustered bootstrap: singleton clusters give
// the unclustered result bit for bit, and clustered multipliers equal
// unit-level multipliers that are constant within clusters.
func TestR3DClusters(t *testing.T) {
	d := r3dSimulate(estimators.Stream(6, 0), 1, 300, 25, 0.5, false)
	grid := []float64{0.1, 0.25, 0.5, 0.75, 0.9}
	opt := R3DOptions{Grid: grid, Seed: 3, KeepDraws: true}
	plain, err := R3D(d, opt)
	if err != nil {
		t.Fatal(err)
	}
	single := *d
	single.Cluster = make([]int, len(d.X))
	for i := range single.Cluster {
		single.Cluster[i] = 10 * i
	}
	res, err := R3D(&single, opt)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r3dBits(res), r3dBits(plain)) || res.Clusters != len(d.X) {
		t.Errorf("singleton clusters differ from no clusters")
	}

	g, reps := 40, 200
	clustered := *d
	clustered.Cluster = make([]int, len(d.X))
	xiG := r3dLCG(g, reps, 99)
	xiU := mat.NewDense(len(d.X), reps, nil)
	for i := range clustered.Cluster {
		clustered.Cluster[i] = (i * 7) % g
		xiU.SetRow(i, xiG.RawRowView(clustered.Cluster[i]))
	}
	opt.Xi = xiG
	rc, err := R3D(&clustered, opt)
	if err != nil {
		t.Fatal(err)
	}
	opt.Xi = xiU
	ru, err := R3D(d, opt)
	if err != nil {
		t.Fatal(err)
	}
	if rc.Clusters != g {
		t.Errorf("%d clusters, want %d", rc.Clusters, g)
	}
	r3dCompare(t, "clustered critical value", []float64{rc.CriticalValue}, []float64{ru.CriticalValue})
	for b := range reps {
		r3dCompare(t, "clustered draws", rc.Draws[b], ru.Draws[b])
	}
}

// TestR3DModes checks what distinguishes the modes on one design: the
// estimate is the same when the bandwidths are, the default bootstrap uses
// more units and gives a wider band, the fuzzy first-stage term differs,
// and each result says which mode ran.
func TestR3DModes(t *testing.T) {
	d := r3dSimulate(estimators.Stream(8, 0), 1, 400, 40, 1, true)
	grid := []float64{0.1, 0.3, 0.5, 0.7, 0.9}
	for _, method := range []R3DMethod{R3DSimple, R3DFrechet} {
		opt := R3DOptions{Method: method, Grid: grid, H: []float64{0.4}, HDen: 0.5, Seed: 1}
		def, err := R3D(d, opt)
		if err != nil {
			t.Fatal(err)
		}
		opt.Compat = true
		cmp, err := R3D(d, opt)
		if err != nil {
			t.Fatal(err)
		}
		if def.Mode != "default" || cmp.Mode != "compat" {
			t.Errorf("modes %q and %q", def.Mode, cmp.Mode)
		}
		if !slices.Equal(def.Tau, cmp.Tau) {
			t.Errorf("%s: estimates differ between modes with the same bandwidths", method)
		}
		if def.Diagnostics.BootstrapUnits <= cmp.Diagnostics.BootstrapUnits {
			t.Errorf("%s: default bootstrap uses %d units, compat %d", method, def.Diagnostics.BootstrapUnits, cmp.Diagnostics.BootstrapUnits)
		}
		if def.CriticalValue <= cmp.CriticalValue {
			t.Errorf("%s: default critical value %g not above compat %g", method, def.CriticalValue, cmp.CriticalValue)
		}
		if s := def.Diagnostics.NegativeWeightShare; !(s > 0.1 && s < 0.6) {
			t.Errorf("negative weight share %g", s)
		}
		for _, r := range []*R3DResult{def, cmp} {
			if !strings.Contains(strings.Join(r.Notes, "\n"), r.Mode) {
				t.Errorf("notes do not name the mode %q: %q", r.Mode, r.Notes)
			}
		}
	}
}

// TestR3DFromQuantiles checks that the quantile-matrix entry point gives
// the same result as the unit-level one, and that the Gini test of the
// default mode is recentred (its draws are centred at zero, so with no
// inequality difference the p-value is not stuck near 0.5).
func TestR3DFromQuantiles(t *testing.T) {
	d := r3dSimulate(estimators.Stream(9, 0), 2, 300, 30, 0, false)
	opt := R3DOptions{Method: R3DFrechet, Seed: 4}
	a, err := R3D(d, opt)
	if err != nil {
		t.Fatal(err)
	}
	q, err := QuantileMatrix(d.Y, nil, DefaultR3DGrid())
	if err != nil {
		t.Fatal(err)
	}
	b, err := R3DFromQuantiles(&QuantileData{X: d.X, Q: q}, opt)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(r3dBits(a), r3dBits(b)) {
		t.Error("R3DFromQuantiles differs from R3D")
	}
	if len(a.Tests) != 3 || a.Tests[2].Name != "gini" || math.IsNaN(a.Tests[2].PValue) {
		t.Fatalf("tests %+v", a.Tests)
	}
	rows := a.Tidy()
	if len(rows) != 99 || rows[0].ConfLow != a.Low[0] || rows[98].Estimate != a.Tau[98] {
		t.Errorf("tidy rows %+v", rows[0])
	}
	if _, err := estimators.MarshalJSON(a); err != nil {
		t.Errorf("JSON: %v", err)
	}
}

// TestR3DGini checks the Gini coefficient of a quantile curve against
// closed forms: 0 for a constant curve, and for the uniform distribution on
// [0, 1] (Q(q) = q, Gini 1/3) the trapezoid approximation on a fine grid.
func TestR3DGini(t *testing.T) {
	grid := make([]float64, 999)
	for k := range grid {
		grid[k] = float64(k+1) / 1000
	}
	if g := r3dGini(grid, slices.Repeat([]float64{2}, len(grid))); math.Abs(g) > 1e-15 {
		t.Errorf("constant curve: Gini %g", g)
	}
	if g := r3dGini(grid, grid); math.Abs(g-1.0/3) > 1e-5 {
		t.Errorf("uniform: Gini %g, want 1/3", g)
	}
	if g := r3dGini(grid, slices.Repeat([]float64{-1}, len(grid))); !math.IsNaN(g) {
		t.Errorf("negative mean: Gini %g, want NaN", g)
	}
}
