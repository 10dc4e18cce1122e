package rdd

// Distribution-valued regression discontinuity (R3D; Van Dijcke 2025,
// "Regression Discontinuity Design with Distribution-Valued Outcomes",
// arXiv:2504.03992), following the reference R package R3D 0.1.0
// (specs/r3d.md). Files: r3d.go (types, options, the pipeline),
// r3d_quantile.go (unit quantile functions), r3d_fit.go (one-sided local
// polynomial fits on the grid, first stage), r3d_bw.go (bandwidth selector),
// r3d_boot.go (multiplier bootstrap, uniform band, tests).

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"strconv"

	"gonum.org/v1/gonum/mat"

	"github.com/causalkit/causalkit/estimators"
)

// R3DMethod is the estimator of the average quantile functions at the
// cutoff.
type R3DMethod int

const (
	// R3DSimple fits a local polynomial to each quantile separately (one
	// bandwidth per quantile) and makes each intercept curve monotone by the
	// 1001-point rearrangement of the reference package (spec §2.5).
	R3DSimple R3DMethod = iota
	// R3DFrechet is local Fréchet regression in the 2-Wasserstein space: one
	// bandwidth for all quantiles, the intercept curve projected onto the
	// non-decreasing functions by isotonic regression (spec §2.6).
	R3DFrechet
)

var r3dMethodNames = [...]string{"simple", "frechet"}

// String returns "simple" or "frechet".
func (m R3DMethod) String() string {
	if m < 0 || int(m) >= len(r3dMethodNames) {
		return fmt.Sprintf("R3DMethod(%d)", int(m))
	}
	return r3dMethodNames[m]
}

// ParseR3DMethod parses "simple" or "frechet".
func ParseR3DMethod(s string) (R3DMethod, error) {
	if i := slices.Index(r3dMethodNames[:], s); i >= 0 {
		return R3DMethod(i), nil
	}
	return 0, estimators.InputErrorf("rdd: r3d: unknown method %q; use simple or frechet", s)
}

// MarshalText encodes the method by name.
func (m R3DMethod) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// DistData is an R3D sample with one row per unit: the running variable X,
// the within-unit draws Y[i] of unit i's outcome distribution (n_i ≥ 1 draws,
// n_i may differ across units), optional within-unit draw weights W[i] (same
// lengths as Y[i]; nil for unweighted quantiles), the treatment T of a fuzzy
// design (nil for a sharp design), and optional cluster codes (one
// multiplier per cluster in the bootstrap).
type DistData struct {
	X       []float64
	Y       [][]float64
	W       [][]float64
	T       []float64
	Cluster []int
}

// QuantileData is an R3D sample given by its n × m matrix of unit quantile
// functions, Q[i,j] = Q̂_{Y_i}(q_j) on the grid of R3DOptions.Grid (see
// QuantileMatrix); X, T and Cluster are as in DistData.
type QuantileData struct {
	X       []float64
	Q       *mat.Dense
	T       []float64
	Cluster []int
	// Weighted records that Q holds weighted quantiles (for the notes);
	// QSelect, when set, holds the unweighted ones, from which compat mode
	// selects bandwidths as the reference does (quirk 7).
	Weighted bool
	QSelect  *mat.Dense
}

// R3DOptions configure R3D. The zero value gives the defaults of the
// reference function r3d(): simple method, p = 2, s = 1, the grid 0.01,
// 0.02, …, 0.99, the Epanechnikov kernel, automatic bandwidths, and a
// Gaussian multiplier bootstrap with 200 replicates at 95 %, running the
// nullity, homogeneity and Gini tests on the whole grid, in the corrected
// (default) mode.
type R3DOptions struct {
	// Cutoff c: units with X ≥ c are treated (the "plus" side).
	Cutoff float64
	Method R3DMethod
	// P is the order of the local polynomial of the estimate (0 means 2);
	// S is the order for which the bandwidths are MSE-optimal (0 means 1).
	// Estimating with p = s+1 at the order-s bandwidth is the reference's
	// robust bias correction with ρ = 1 (spec §2.8).
	P, S int
	// Grid is the increasing quantile grid in (0, 1) with at least two
	// points (nil means 0.01, 0.02, …, 0.99).
	Grid []float64
	// Kernel (0 means Epanechnikov).
	Kernel estimators.Kernel
	// PilotKernel is the kernel of the bandwidth selector's pilot local
	// fits. 0 means Triangular in Compat mode (the reference's r3d() always
	// uses it, spec §2.13 item 4) and Kernel otherwise.
	PilotKernel estimators.Kernel
	// H are user bandwidths of the outcome fits: nil (select), one value
	// (all quantiles) or one per grid point. HDen is the first-stage
	// bandwidth of a fuzzy design (0: select).
	H    []float64
	HDen float64
	// Coverage shrinks selected bandwidths by the coverage-error rule of
	// thumb h·n^{−s/((2s+3)(s+3))} (Calonico, Cattaneo and Farrell).
	Coverage bool

	// Reps is the number of bootstrap replicates B (0 means 200);
	// NoBootstrap skips the bootstrap (no band, no tests).
	Reps        int
	NoBootstrap bool
	// Level of the uniform band and the tests (0 means 0.95).
	Level float64
	// Multiplier is the distribution of the bootstrap multipliers:
	// "gaussian" (the default, also ""), "rademacher" or "mammen".
	Multiplier string
	// Xi, when set, are the multipliers themselves: one column per
	// replicate, one row per unit (or per cluster, in increasing order of
	// the cluster codes). Reps is then its number of columns.
	Xi *mat.Dense
	// Seed of the multipliers: replicate b draws from
	// estimators.Stream(Seed, b), so bands do not depend on Workers.
	Seed uint64
	// Tests to run: "nullity", "homogeneity", "gini" (nil means all three).
	Tests []string
	// TestRanges are the quantile ranges of the nullity and homogeneity
	// tests; a range of more than two points [a, b, c, …] stands for
	// [a, b], [b, c], … (nil means the whole grid). The Gini test always
	// uses the whole grid.
	TestRanges [][]float64

	// Residuals is the small-sample correction of the bootstrap residuals
	// in the default mode: "hc3" (the default, also ""), e_i/(1 − ℓ_i);
	// "hc2", e_i/√(1 − ℓ_i); or "hc0", none (the paper's residuals). ℓ_i is
	// unit i's leverage K(u_i)·r_p(u_i)ᵀM⁻¹r_p(u_i) in the local fit, as in
	// rdrobust's vce = "hc2"/"hc3"; it vanishes as the window fills, but in
	// windows of a few hundred units the uncorrected residuals make the band
	// too narrow (see TestR3DMonteCarlo). Compat uses hc0.
	Residuals string

	// Compat reproduces R3D 0.1.0 exactly, quirks included (spec §2.13
	// items 1, 2, 4, 5, 6, 7, 10); the default mode corrects them. The
	// differences are listed in R3DResult.Notes.
	Compat bool
	// KeepDraws stores the bootstrap process draws in R3DResult.Draws.
	KeepDraws bool
	// Workers is the number of goroutines (0 means GOMAXPROCS); results do
	// not depend on it.
	Workers int
}

// DefaultR3DGrid returns the default quantile grid 0.01, 0.02, …, 0.99,
// computed as R's seq(0.01, 0.99, 0.01) (0.01 + k·0.01).
func DefaultR3DGrid() []float64 {
	g := make([]float64, 99)
	for k := range g {
		g[k] = 0.01 + float64(k)*0.01
	}
	return g
}

// DefaultR3DOptions returns the zero value's defaults written out.
func DefaultR3DOptions() R3DOptions {
	return R3DOptions{P: 2, S: 1, Grid: DefaultR3DGrid(), Kernel: estimators.Epanechnikov, Reps: 200,
		Level: 0.95, Multiplier: "gaussian"}
}

// r3dConfig holds resolved options.
type r3dConfig struct {
	R3DOptions
	mult   estimators.Multiplier
	hcExp  float64 // residuals are divided by (1 − ℓ)^hcExp
	tests  []string
	ranges [][2]float64
}

// resolve fills in defaults and validates the options, naming the bad
// field in its error.
func (o R3DOptions) resolve() (r3dConfig, error) {
	c := r3dConfig{R3DOptions: o}
	bad := func(format string, args ...any) (r3dConfig, error) {
		return c, estimators.InputErrorf("rdd: r3d: "+format, args...)
	}
	if c.P == 0 {
		c.P = 2
	}
	if c.S == 0 {
		c.S = 1
	}
	if c.Grid == nil {
		c.Grid = DefaultR3DGrid()
	}
	if c.Kernel == 0 {
		c.Kernel = estimators.Epanechnikov
	}
	if c.PilotKernel == 0 {
		c.PilotKernel = c.Kernel
		if c.Compat {
			c.PilotKernel = estimators.Triangular
		}
	}
	if c.Reps == 0 {
		c.Reps = 200
	}
	if c.Xi != nil {
		_, c.Reps = c.Xi.Dims()
	}
	if c.Level == 0 {
		c.Level = 0.95
	}
	switch {
	case math.IsNaN(c.Cutoff) || math.IsInf(c.Cutoff, 0):
		return bad("Cutoff %v is not finite", c.Cutoff)
	case c.Method != R3DSimple && c.Method != R3DFrechet:
		return bad("Method %v is not simple or frechet", c.Method)
	case c.P < 1 || c.P > 7:
		return bad("P = %d; the polynomial order must be between 1 and 7", c.P)
	case c.S < 1 || c.S > 6:
		return bad("S = %d; the bandwidth order must be between 1 and 6", c.S)
	case !c.Kernel.Valid() || !c.PilotKernel.Valid():
		return bad("invalid Kernel or PilotKernel")
	case !(c.Level > 0 && c.Level < 1):
		return bad("Level %v must be in (0, 1)", c.Level)
	case c.HDen < 0 || math.IsNaN(c.HDen) || math.IsInf(c.HDen, 0):
		return bad("HDen %v must be positive and finite", c.HDen)
	}
	if len(c.Grid) < 2 {
		return bad("Grid has %d point(s); need at least 2 quantiles", len(c.Grid))
	}
	for j, q := range c.Grid {
		if !(q > 0 && q < 1) {
			return bad("Grid[%d] = %v is not in (0, 1)", j, q)
		}
		if j > 0 && !(q > c.Grid[j-1]) {
			return bad("Grid is not strictly increasing at %d (%v after %v)", j, q, c.Grid[j-1])
		}
	}
	if c.H != nil && len(c.H) != 1 && len(c.H) != len(c.Grid) {
		return bad("H has %d values; give one or one per grid point (%d)", len(c.H), len(c.Grid))
	}
	for j, h := range c.H {
		if !(h > 0) || math.IsInf(h, 1) {
			return bad("H[%d] = %v; bandwidths must be positive and finite", j, h)
		}
	}
	mult := c.Multiplier
	if mult == "" {
		mult = "gaussian"
	}
	var err error
	if c.mult, err = estimators.ParseMultiplier(mult); err != nil {
		return bad("Multiplier: %v", err)
	}
	if !c.NoBootstrap {
		if c.Reps < 1 {
			return bad("Reps = %d; need at least 1 replicate", c.Reps)
		}
		if k := r3dOrderIndex(c.Level, c.Reps); k > c.Reps {
			return bad("Reps = %d replicates are too few for a %g band: the critical value is order statistic %d", c.Reps, c.Level, k)
		}
	}
	switch c.Residuals {
	case "", "hc3":
		c.hcExp = 1
	case "hc2":
		c.hcExp = 0.5
	case "hc0":
	default:
		return bad("Residuals %q; use hc0, hc2 or hc3", c.Residuals)
	}
	if c.Compat {
		c.hcExp = 0
	}
	c.tests = c.Tests
	if c.tests == nil {
		c.tests = []string{"nullity", "homogeneity", "gini"}
	}
	for _, t := range c.tests {
		if t != "nullity" && t != "homogeneity" && t != "gini" {
			return bad("Tests: unknown test %q; use nullity, homogeneity or gini", t)
		}
	}
	// Ranges as r3d() and r3d_bootstrap(): sorted, longer vectors split
	// into consecutive pairs.
	lo, hi := c.Grid[0], c.Grid[len(c.Grid)-1]
	if c.TestRanges == nil {
		c.ranges = [][2]float64{{lo, hi}}
	}
	for k, r := range c.TestRanges {
		if len(r) < 2 {
			return bad("TestRanges[%d] has %d value(s); need at least 2", k, len(r))
		}
		r = slices.Sorted(slices.Values(r))
		if r[0] < lo || r[len(r)-1] > hi {
			return bad("TestRanges[%d] = %v is not inside the grid [%v, %v]", k, r, lo, hi)
		}
		for i := 0; i+1 < len(r); i++ {
			pair := [2]float64{r[i], r[i+1]}
			if len(r3dRangeIndex(c.Grid, pair)) < 2 {
				return bad("TestRanges[%d]: [%v, %v] contains fewer than 2 grid points", k, pair[0], pair[1])
			}
			c.ranges = append(c.ranges, pair)
		}
	}
	if c.Workers <= 0 {
		c.Workers = runtime.GOMAXPROCS(0)
	}
	return c, nil
}

// r3dOrderIndex is the 1-based order statistic ⌈level·(B+1)⌉ of the sup
// statistics that gives the critical value of the uniform band.
func r3dOrderIndex(level float64, reps int) int {
	return int(math.Ceil(level * float64(reps+1)))
}

// r3dRangeIndex returns the grid indices j with r[0] ≤ q_j ≤ r[1].
func r3dRangeIndex(grid []float64, r [2]float64) []int {
	var idx []int
	for j, q := range grid {
		if q >= r[0] && q <= r[1] {
			idx = append(idx, j)
		}
	}
	return idx
}

// R3DTest is a bootstrap test: nullity (H0: τ(q) = 0 on the range),
// homogeneity (H0: τ(q) constant on the range) or gini (H0: the Gini
// coefficients of m₊ and m₋ are equal; GiniPlus and GiniMinus are set).
type R3DTest struct {
	Name          string     `json:"name"`
	Range         [2]float64 `json:"range"`
	Statistic     float64    `json:"statistic"`
	CriticalValue float64    `json:"critical_value"`
	PValue        float64    `json:"p_value"`
	GiniPlus      float64    `json:"gini_plus,omitempty"`
	GiniMinus     float64    `json:"gini_minus,omitempty"`
}

// R3DDiagnostics describe the fit.
type R3DDiagnostics struct {
	// NPlus[j] and NMinus[j] count the units with positive kernel weight
	// at grid point j above and below the cutoff.
	NPlus  []int `json:"n_plus"`
	NMinus []int `json:"n_minus"`
	// NegativeWeightShare is the share of (unit, grid point) pairs in the
	// kernel windows whose intercept weight is negative; Compat mode leaves
	// them out of the bootstrap (spec §2.13 item 1).
	NegativeWeightShare float64 `json:"negative_weight_share"`
	// BootstrapUnits is the number of units whose residuals enter the
	// bootstrap.
	BootstrapUnits int `json:"bootstrap_units"`
	// Fallbacks lists the bandwidth selector's fallbacks (Silverman's rule
	// where a bias term vanished, unit variances of failed pilot fits).
	Fallbacks []string `json:"fallbacks,omitempty"`
	// GiniUndefined counts bootstrap draws whose Gini coefficient was
	// undefined (a curve with non-positive mean); they are left out.
	GiniUndefined int `json:"gini_undefined,omitempty"`
}

// R3DResult is an R3D estimate.
type R3DResult struct {
	// Mode is "compat" (reference behaviour) or "default" (corrected).
	Mode   string            `json:"mode"`
	Method R3DMethod         `json:"method"`
	Kernel estimators.Kernel `json:"kernel"`
	P      int               `json:"p"`
	S      int               `json:"s"`
	Cutoff float64           `json:"cutoff"`
	Fuzzy  bool              `json:"fuzzy"`
	N      int               `json:"n"`
	// Clusters is the number of clusters of the bootstrap (0 without).
	Clusters int `json:"clusters,omitempty"`

	Grid []float64 `json:"quantiles"`
	// Tau is τ̂(q_j) = (m̂₊(q_j) − m̂₋(q_j)) / D, D = 1 in a sharp design.
	Tau []float64 `json:"estimate"`
	// Low and High are the uniform band τ̂ ∓ CriticalValue.
	Low           []float64 `json:"conf_low"`
	High          []float64 `json:"conf_high"`
	CriticalValue float64   `json:"critical_value"`
	Level         float64   `json:"level"`
	Reps          int       `json:"reps"`
	Multiplier    string    `json:"multiplier"`

	// H are the outcome bandwidths per grid point, HDen the first-stage
	// bandwidth (NaN in a sharp design); Selected reports whether the
	// selector ran (for the bandwidths not given), with its internals in
	// Bandwidth.
	H         []float64              `json:"h"`
	HDen      float64                `json:"h_den"`
	Selected  bool                   `json:"selected"`
	Bandwidth *R3DBandwidthSelection `json:"bandwidth_selection,omitempty"`

	// MPlus and MMinus are the monotone (rearranged or projected)
	// intercept curves: the average quantile functions at c₊ and c₋.
	MPlus  []float64 `json:"m_plus"`
	MMinus []float64 `json:"m_minus"`
	// CoefPlus[v][j] and CoefMinus[v][j] are the raw local polynomial
	// coefficients α̂_v(q_j) in units of x/h (before monotonisation).
	CoefPlus  [][]float64 `json:"coef_plus"`
	CoefMinus [][]float64 `json:"coef_minus"`
	// FirstStage is the jump D = b₊ − b₋ of E[T | X] (fuzzy; NaN if sharp).
	FirstStage      float64 `json:"first_stage_jump"`
	FirstStagePlus  float64 `json:"first_stage_plus"`
	FirstStageMinus float64 `json:"first_stage_minus"`

	Tests       []R3DTest      `json:"tests"`
	Diagnostics R3DDiagnostics `json:"diagnostics"`
	// Draws[b][j] is bootstrap draw b of the limiting process G_b(q_j)
	// (only with KeepDraws).
	Draws [][]float64 `json:"draws,omitempty"`
	// Notes document the mode's choices where it differs from the other.
	Notes []string `json:"notes"`
}

// Tidy returns one row per grid point, term "tau(q)", with the uniform band
// as the confidence limits (no standard errors: the band is not
// studentised).
func (r *R3DResult) Tidy() []estimators.Row {
	rows := make([]estimators.Row, len(r.Grid))
	for j, q := range r.Grid {
		// Labels round the grid value (R's seq gives 0.30000000000000004).
		rows[j] = estimators.Row{Term: "tau(" + strconv.FormatFloat(q, 'g', 12, 64) + ")", Estimate: r.Tau[j], StdError: math.NaN(),
			Statistic: math.NaN(), PValue: math.NaN(), ConfLow: math.NaN(), ConfHigh: math.NaN()}
		if r.Low != nil {
			rows[j].ConfLow, rows[j].ConfHigh = r.Low[j], r.High[j]
		}
	}
	return rows
}

// R3D estimates the local average quantile treatment effect
//
//	τ(q) = E[Q_{Y¹}(q) − Q_{Y⁰}(q) | X = c] = m₊(q) − m₋(q),
//	m_±(q) = lim_{x→c±} E[Q_Y(q) | X = x],
//
// (divided by the first-stage jump in a fuzzy design) from units with
// distribution-valued outcomes. It computes the unit quantile functions on
// the grid (QuantileMatrix: type 7, or Hmisc's weighted quantiles when W is
// given) and continues as R3DFromQuantiles.
func R3D(d *DistData, opt R3DOptions) (*R3DResult, error) {
	cfg, err := opt.resolve()
	if err != nil {
		return nil, err
	}
	if len(d.Y) != len(d.X) {
		return nil, estimators.InputErrorf("rdd: r3d: %d units in Y, %d in X", len(d.Y), len(d.X))
	}
	if d.W != nil && len(d.W) != len(d.Y) {
		return nil, estimators.InputErrorf("rdd: r3d: %d units in W, %d in Y", len(d.W), len(d.Y))
	}
	q, err := QuantileMatrix(d.Y, d.W, cfg.Grid)
	if err != nil {
		return nil, err
	}
	qd := &QuantileData{X: d.X, Q: q, T: d.T, Cluster: d.Cluster, Weighted: d.W != nil}
	if cfg.Compat && d.W != nil && (cfg.H == nil || (d.T != nil && cfg.HDen == 0)) {
		if qd.QSelect, err = QuantileMatrix(d.Y, nil, cfg.Grid); err != nil {
			return nil, err
		}
	}
	return R3DFromQuantiles(qd, opt)
}

// R3DFromQuantiles is R3D from a precomputed n × m quantile matrix whose
// columns follow opt.Grid. The steps (spec §2.4–2.11):
//
//  1. bandwidths h_j: given, or chosen by R3DBandwidths;
//  2. on each side S ∈ {+, −}, the local polynomial fit of order p of the
//     column Q[·,j] on u = (X−c)/h_j with intercept weights w_{S,i}(j), so
//     that α̂_{S,0}(q_j) = Σ_i w_{S,i}(j) Q[i,j] (estimators.LocPoly);
//  3. m̂_S = the 1001-point rearrangement (simple) or the isotonic
//     projection (frechet) of the intercept curve α̂_{S,0}(·);
//  4. τ̂ = m̂₊ − m̂₋, divided in a fuzzy design by D = b₊ − b₋, the jump of
//     the order-p fit of T at the first-stage bandwidth h_den;
//  5. the multiplier bootstrap of the process and the tests (r3d_boot.go).
func R3DFromQuantiles(d *QuantileData, opt R3DOptions) (*R3DResult, error) {
	cfg, err := opt.resolve()
	if err != nil {
		return nil, err
	}
	if d.Q == nil {
		return nil, estimators.InputErrorf("rdd: r3d: no quantile matrix")
	}
	qbw := d.Q
	if cfg.Compat && d.QSelect != nil {
		qbw = d.QSelect
	}
	res, err := r3dEstimate(cfg, d.X, d.Q, qbw, d.T, d.Cluster)
	if err == nil && d.Weighted {
		if cfg.Compat {
			res.Notes = append(res.Notes, "weighted quantiles for the estimate, unweighted quantiles for the bandwidth selector (reference quirk 7)")
		} else {
			res.Notes = append(res.Notes, "weighted quantiles for the estimate and the bandwidth selector (the reference selects from unweighted quantiles, quirk 7)")
		}
	}
	return res, err
}

// r3dSides are the plus side (index 0, X ≥ c) and the minus side (1).
var r3dSides = [2]estimators.Side{estimators.Above, estimators.Below}

// r3dCheckData validates the running variable, the quantile matrix and the
// treatment, and returns the centred running variable.
func r3dCheckData(cfg *r3dConfig, x []float64, q *mat.Dense, t []float64) ([]float64, error) {
	n := len(x)
	if r, c := q.Dims(); r != n || c != len(cfg.Grid) {
		return nil, estimators.InputErrorf("rdd: r3d: quantile matrix is %d×%d; want %d units × %d grid points", r, c, n, len(cfg.Grid))
	}
	if t != nil && len(t) != n {
		return nil, estimators.InputErrorf("rdd: r3d: %d treatment values for %d units", len(t), n)
	}
	xc := make([]float64, n)
	var above, below int
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, estimators.InputErrorf("rdd: r3d: X[%d] = %v is not finite", i, v)
		}
		xc[i] = v - cfg.Cutoff
		if xc[i] >= 0 {
			above++
		} else {
			below++
		}
		for j, qv := range q.RawRowView(i) {
			if math.IsNaN(qv) || math.IsInf(qv, 0) {
				return nil, estimators.InputErrorf("rdd: r3d: quantile %d of unit %d is %v", j, i, qv)
			}
		}
		if t != nil && (math.IsNaN(t[i]) || math.IsInf(t[i], 0)) {
			return nil, estimators.InputErrorf("rdd: r3d: T[%d] = %v is not finite", i, t[i])
		}
	}
	if above == 0 || below == 0 {
		return nil, estimators.InputErrorf("rdd: r3d: %d units below and %d at or above the cutoff %g; need units on both sides", below, above, cfg.Cutoff)
	}
	return xc, nil
}

// r3dEstimate runs the estimator on validated options. qbw is the quantile
// matrix of the bandwidth selector (q itself except in compat mode with
// weights).
func r3dEstimate(cfg r3dConfig, x []float64, q, qbw *mat.Dense, t []float64, cluster []int) (*R3DResult, error) {
	xc, err := r3dCheckData(&cfg, x, q, t)
	if err != nil {
		return nil, err
	}
	n, m := q.Dims()
	fuzzy := t != nil
	if cluster != nil && len(cluster) != n {
		return nil, estimators.InputErrorf("rdd: r3d: %d cluster codes for %d units", len(cluster), n)
	}
	res := &R3DResult{Mode: "default", Method: cfg.Method, Kernel: cfg.Kernel, P: cfg.P, S: cfg.S, Cutoff: cfg.Cutoff,
		Fuzzy: fuzzy, N: n, Grid: slices.Clone(cfg.Grid), Level: cfg.Level, HDen: math.NaN(),
		FirstStage: math.NaN(), FirstStagePlus: math.NaN(), FirstStageMinus: math.NaN(), CriticalValue: math.NaN()}
	if cfg.Compat {
		res.Mode = "compat"
	}

	// 1. Bandwidths.
	h := make([]float64, m)
	if cfg.H == nil || (fuzzy && cfg.HDen == 0) {
		bw, err := r3dSelect(&cfg, xc, qbw, t)
		if err != nil {
			return nil, err
		}
		res.Bandwidth, res.Selected = bw, true
		res.Diagnostics.Fallbacks = bw.Fallbacks
		copy(h, bw.H)
		res.HDen = bw.HDen
	}
	switch len(cfg.H) {
	case 1:
		for j := range h {
			h[j] = cfg.H[0]
		}
	case m:
		copy(h, cfg.H)
	}
	if fuzzy && cfg.HDen > 0 {
		res.HDen = cfg.HDen
	}
	res.H = h

	// 2. Local polynomial fits on each side.
	var fits [2]*r3dSideFit
	for s, sd := range r3dSplit(xc) {
		leverage := cfg.hcExp != 0 && !cfg.NoBootstrap
		if fits[s], err = r3dFitSide(sd, q, h, cfg.P, cfg.Kernel, cfg.Workers, leverage); err != nil {
			return nil, err
		}
	}
	res.CoefPlus, res.CoefMinus = fits[0].coef, fits[1].coef
	res.Diagnostics.NPlus, res.Diagnostics.NMinus = fits[0].n, fits[1].n
	var inWindow int
	for j := range m {
		inWindow += fits[0].n[j] + fits[1].n[j]
	}
	res.Diagnostics.NegativeWeightShare = float64(fits[0].neg+fits[1].neg) / float64(inWindow)

	// 3. Monotone intercept curves.
	mono := func(a []float64) []float64 {
		if cfg.Method == R3DFrechet {
			return estimators.Isotonic(nil, a, nil)
		}
		return estimators.Rearrange(nil, cfg.Grid, a)
	}
	res.MPlus, res.MMinus = mono(fits[0].coef[0]), mono(fits[1].coef[0])

	// 4. Effect, with the first stage of a fuzzy design.
	res.Tau = make([]float64, m)
	for j := range m {
		res.Tau[j] = res.MPlus[j] - res.MMinus[j]
	}
	var first *r3dFirstStage
	if fuzzy {
		if first, err = r3dFitFirstStage(xc, t, res.HDen, cfg.P, cfg.Kernel); err != nil {
			return nil, err
		}
		res.FirstStagePlus, res.FirstStageMinus = first.coef[0][0], first.coef[1][0]
		res.FirstStage = first.jump
		if math.Abs(first.jump) < 1e-14 {
			return nil, estimators.InputErrorf("rdd: r3d: first-stage jump %g at the cutoff (|D| < 1e-14); the fuzzy design is not identified", first.jump)
		}
		for j := range res.Tau {
			res.Tau[j] /= first.jump
		}
	}
	res.Notes = r3dNotes(&cfg, fuzzy)

	// 5. Bootstrap and tests.
	if cfg.NoBootstrap {
		return res, nil
	}
	if err := r3dBootstrap(&cfg, res, xc, q, t, cluster, h, fits, first); err != nil {
		return nil, err
	}
	return res, nil
}

// r3dNotes documents the choices of the mode that ran.
func r3dNotes(cfg *r3dConfig, fuzzy bool) []string {
	var notes []string
	if cfg.Compat {
		notes = append(notes,
			"compat: reproduces R3D 0.1.0 including its quirks",
			"bootstrap residuals only for units with a positive intercept weight; in-window units with negative weights are left out (quirk 1)",
			"bandwidth selector: residual variance over units with a positive pilot weight (quirk 2), kernel constants by a Riemann sum with weight 2/1000 (quirk 5)")
		if cfg.Method == R3DFrechet {
			notes = append(notes, "bootstrap: each unit's fitted curve is made monotone by isotonic regression before the residuals are taken")
		}
		if fuzzy {
			notes = append(notes, "fuzzy bootstrap: the first-stage term uses the outcome weights of the first grid point (quirk 6)")
		}
		if slices.Contains(cfg.tests, "gini") {
			notes = append(notes, "Gini test not recentred: |draw| is compared with the estimated difference, so its size is not controlled (quirk 10)")
		}
	} else {
		notes = append(notes,
			"default mode: corrects the reference's quirks (use Compat to reproduce R3D 0.1.0)",
			"bootstrap residuals for every unit with positive kernel weight, including those with negative intercept weights (reference: positive weights only, quirk 1)",
			"bandwidth selector: kernel-weighted residual variance over the pilot window (quirk 2), exact kernel constants (quirk 5)")
		switch cfg.hcExp {
		case 1:
			notes = append(notes, "bootstrap residuals divided by 1 − leverage (hc3; the reference uses raw residuals)")
		case 0.5:
			notes = append(notes, "bootstrap residuals divided by √(1 − leverage) (hc2; the reference uses raw residuals)")
		}
		if cfg.Method == R3DFrechet {
			notes = append(notes, "bootstrap: residuals from the unprojected local fits (no row-wise isotonic step)")
		}
		if fuzzy {
			notes = append(notes, "fuzzy bootstrap: first-stage residuals and intercept weights at the first-stage bandwidth in the delta method (reference: outcome weights of the first grid point, quirk 6)")
		}
		if slices.Contains(cfg.tests, "gini") {
			notes = append(notes, "Gini test recentred: draws minus the estimated difference (quirk 10)")
		}
	}
	pilot := fmt.Sprintf("bandwidth selector: pilot fits with the %s kernel", cfg.PilotKernel)
	if cfg.Compat && cfg.PilotKernel == estimators.Triangular && cfg.Kernel != estimators.Triangular {
		pilot += " (r3d() always uses it, quirk 4)"
	}
	notes = append(notes, pilot)
	notes = append(notes, "bandwidth selector: bias from the order-s pilot coefficient over (s+1)!, without kernel constants, as the reference (quirk 3, both modes)")
	return notes
}
