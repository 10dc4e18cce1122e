package iv

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/causalkit/causalkit/estimators"
)

// Method names a point on the k-class path.
type Method int

// The estimators.
const (
	TSLS   Method = iota // two-stage least squares, κ = 1 (the zero value)
	OLS                  // κ = 0
	LIML                 // κ = κ_LIML
	Fuller               // κ = κ_LIML − a/(n − L)
	KClass               // κ given
	Anchor               // κ = 1 − 1/γ
	IVL                  // κ = 1/(1 + α)
)

var methodNames = [...]string{"2sls", "ols", "liml", "fuller", "kclass", "anchor", "ivl"}

// String returns the name of m.
func (m Method) String() string {
	if m < 0 || int(m) >= len(methodNames) {
		return fmt.Sprintf("Method(%d)", int(m))
	}
	return methodNames[m]
}

// ParseMethod parses a method name as the command line spells it.
func ParseMethod(s string) (Method, error) {
	if i := slices.Index(methodNames[:], s); i >= 0 {
		return Method(i), nil
	}
	return 0, estimators.InputErrorf("unknown method %q; use %s", s, strings.Join(methodNames[:], ", "))
}

// Data is an IV problem as plain columns, all of the same length. Put a
// column of ones among Exog for an intercept.
type Data struct {
	Y               []float64
	Endog           [][]float64 // D, the endogenous regressors
	Exog            [][]float64 // W, the included exogenous regressors
	Instruments     [][]float64 // E, the excluded instruments
	EndogNames      []string
	ExogNames       []string
	InstrumentNames []string
	Weights         []float64 // observation weights; nil means 1
	YName           string    // name of y, for messages
}

// Options selects the estimator. The zero value is 2SLS.
type Options struct {
	Method Method
	// Kappa is κ for KClass.
	Kappa float64
	// FullerAlpha is a for Fuller; 0 means 1, the usual choice.
	FullerAlpha float64
	// Gamma is the anchor strength γ ≥ 0 for Anchor. γ = 1 is OLS and γ → ∞
	// is 2SLS; γ < 1 moves away from IV (γ = 0 regresses M_Z y on M_Z X,
	// with the exogenous regressors partialled out first).
	Gamma float64
	// Alpha is α > 0 for IVL.
	Alpha float64
	// Tol is the relative rank tolerance (0 means
	// estimators.DefaultRankTol).
	Tol float64
}

// Validate checks the options on their own.
func (o Options) Validate() error {
	switch o.Method {
	case TSLS, OLS, LIML:
	case Fuller:
		if o.FullerAlpha < 0 || math.IsNaN(o.FullerAlpha) {
			return estimators.InputErrorf("iv: Fuller a = %g; it must be non-negative", o.FullerAlpha)
		}
	case KClass:
		if math.IsNaN(o.Kappa) || math.IsInf(o.Kappa, 0) {
			return estimators.InputErrorf("iv: κ = %g; give a finite κ", o.Kappa)
		}
	case Anchor:
		if !(o.Gamma >= 0) || math.IsInf(o.Gamma, 0) {
			return estimators.InputErrorf("iv: anchor γ = %g; it must be finite and non-negative", o.Gamma)
		}
	case IVL:
		if !(o.Alpha > 0) || math.IsInf(o.Alpha, 0) {
			return estimators.InputErrorf("iv: IVL α = %g; it must be positive and finite", o.Alpha)
		}
	default:
		return estimators.InputErrorf("iv: unknown method %d", int(o.Method))
	}
	return nil
}

// Fit is an estimated IV model. It is computed eagerly and not modified
// afterwards.
type Fit struct {
	Method Method
	Kappa  float64 // the κ used (κ_LIML for LIML)
	// KappaLIML is κ_LIML for LIML and Fuller, NaN otherwise.
	KappaLIML float64
	Names     []string  // coefficient names: Exog names, then Endog names
	Coef      []float64 // in the order of Names
	Resid     []float64 // y − Xβ
	RSS       float64   // Σ w e²
	N         int       // rows
	L         int       // instruments including the exogenous regressors
	// Identified reports whether rank(P_Z X) = k, which 2SLS, LIML and
	// Fuller require; the k-class path with κ < 1 (anchor γ > 0, IVL) is
	// defined without it.
	Identified bool

	data *Data
	tri  triangle
	// ainv is [Xᵀ(I − κM_Z)X]⁻¹ (for γ = 0 anchor: over all of X after
	// partialling).
	ainv *mat.SymDense
}

// triangle holds the QR factor T of the weighted columns [W, E, D, y] and
// the block sizes. Row blocks: rows [0, nW) span W, [nW, L) the part of E
// orthogonal to W, [L, q) the part orthogonal to Z. Hence for columns a and b,
// ⟨P_Z a, P_Z b⟩ = Σ_{r<L} T[r,a]T[r,b], ⟨M_Z a, M_Z b⟩ = Σ_{r≥L} …, and
// ⟨M_W a, M_W b⟩ = Σ_{r≥nW} ….
type triangle struct {
	t              [][]float64 // column views, length q
	nW, nE, nD, L  int
	k, q           int
	n              int
	norm           []float64 // column norms (before any pivoting)
	zKept, xKept   []int
	identification bool
}

// xcol returns the triangle column of regressor a of X = [W, D].
func (tr *triangle) xcol(a int) int {
	if a < tr.nW {
		return a
	}
	return tr.L + a - tr.nW
}

func (tr *triangle) ycol() int { return tr.q - 1 }

// dot returns Σ_{lo ≤ r < hi} T[r,a]·T[r,b].
func (tr *triangle) dot(a, b, lo, hi int) float64 {
	return floats.Dot(tr.t[a][lo:hi], tr.t[b][lo:hi])
}

// Estimate fits the model.
func Estimate(d *Data, opt Options) (*Fit, error) {
	a, err := NewAccumulator(d)
	if err != nil {
		return nil, err
	}
	if err := a.Add(d); err != nil {
		return nil, err
	}
	f, err := a.Fit(opt)
	if err != nil {
		return nil, err
	}
	f.data = d
	f.Resid = f.residualsOf(d)
	f.RSS = 0
	if d.Weights == nil {
		f.RSS = floats.Dot(f.Resid, f.Resid)
	} else {
		for i, e := range f.Resid {
			f.RSS += d.Weights[i] * e * e
		}
	}
	return f, nil
}

// regressors returns the columns of X = [W, D].
func (d *Data) regressors() [][]float64 {
	return slices.Concat(d.Exog, d.Endog)
}

// instruments returns the columns of Z = [W, E].
func (d *Data) instruments() [][]float64 {
	return slices.Concat(d.Exog, d.Instruments)
}

// Accumulator is the pass over the data of a fit: the QR factor of the
// weighted columns [W, E, D, y], to which chunks of rows (the row groups of
// a Parquet file, shards computed elsewhere) are added or merged. Its Fit
// depends only on the order of Add and Merge calls.
type Accumulator struct {
	names Data // the column names; no values
	tri   triangle
	acc   *estimators.QRAccumulator
}

// NewAccumulator returns an empty accumulator for data with the columns
// (names and roles) of d; d's values are not used.
func NewAccumulator(d *Data) (*Accumulator, error) {
	names := map[string]string{}
	for _, g := range []struct {
		role  string
		cols  [][]float64
		names []string
	}{
		{"endogenous", d.Endog, d.EndogNames},
		{"exogenous", d.Exog, d.ExogNames},
		{"instrument", d.Instruments, d.InstrumentNames},
	} {
		if len(g.cols) != len(g.names) {
			panic("iv: column and name counts differ")
		}
		for _, name := range g.names {
			if prev, ok := names[name]; ok {
				return nil, estimators.InputErrorf("iv: %q is listed twice (as %s and as %s); give each column one role", name, prev, g.role)
			}
			names[name] = g.role
		}
	}
	a := &Accumulator{names: Data{YName: d.YName, EndogNames: d.EndogNames, ExogNames: d.ExogNames, InstrumentNames: d.InstrumentNames}}
	tr := &a.tri
	tr.nW, tr.nE, tr.nD = len(d.Exog), len(d.Instruments), len(d.Endog)
	tr.L = tr.nW + tr.nE
	tr.k = tr.nW + tr.nD
	tr.q = tr.L + tr.nD + 1
	if tr.k == 0 {
		return nil, estimators.InputErrorf("iv: the model has no regressors")
	}
	a.acc = estimators.NewQRAccumulator(tr.q)
	return a, nil
}

// Add adds the rows of d, which has the accumulator's columns.
func (a *Accumulator) Add(d *Data) error {
	n := len(d.Y)
	for _, g := range []struct {
		cols  [][]float64
		names []string
		want  int
	}{{d.Endog, d.EndogNames, a.tri.nD}, {d.Exog, d.ExogNames, a.tri.nW}, {d.Instruments, d.InstrumentNames, a.tri.nE}} {
		if len(g.cols) != g.want {
			panic("iv: Accumulator.Add: the data's columns differ from the accumulator's")
		}
		for j, c := range g.cols {
			if len(c) != n {
				panic(fmt.Sprintf("iv: column %q has length %d, want %d", g.names[j], len(c), n))
			}
			if err := estimators.CheckFinite(g.names[j], c); err != nil {
				return fmt.Errorf("iv: %w", err)
			}
		}
	}
	if err := estimators.CheckFinite(d.YName, d.Y); err != nil {
		return fmt.Errorf("iv: %w", err)
	}
	if d.Weights != nil {
		if len(d.Weights) != n {
			panic("iv: len(Weights) != len(Y)")
		}
		for i, w := range d.Weights {
			if !(w >= 0) || math.IsInf(w, 0) {
				return estimators.InputErrorf("iv: weight %v in row %d; weights must be finite and non-negative", w, i+1)
			}
		}
	}
	a.acc.Add(slices.Concat(d.Exog, d.Instruments, d.Endog, [][]float64{d.Y}), d.Weights)
	return nil
}

// Merge adds the rows that b holds.
func (a *Accumulator) Merge(b *Accumulator) { a.acc.Merge(b.acc) }

// Rows returns the number of rows added.
func (a *Accumulator) Rows() int { return a.acc.Rows() }

// Encode returns the accumulator's state, exactly, for Decode.
func (a *Accumulator) Encode() []float64 { return a.acc.Encode() }

// Decode replaces the accumulator's state by one from Encode.
func (a *Accumulator) Decode(v []float64) error {
	acc, err := estimators.DecodeQRAccumulator(a.tri.q, v)
	if err != nil {
		return fmt.Errorf("iv: %w", err)
	}
	a.acc = acc
	return nil
}

// Fit fits the model to the rows added. The fit has no residuals (Resid
// is nil); its RSS comes from the QR factor, and its robust covariances
// from meats accumulated over the data again (Fit.AddMeat).
func (a *Accumulator) Fit(opt Options) (*Fit, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	tr, err := a.triangle(opt.Tol)
	if err != nil {
		return nil, err
	}
	d := &a.names
	f := &Fit{Method: opt.Method, N: tr.n, L: tr.L, tri: *tr, KappaLIML: math.NaN(),
		Identified: tr.identification}
	f.Names = append(append([]string{}, d.ExogNames...), d.EndogNames...)
	switch opt.Method {
	case OLS:
		f.Kappa = 0
	case TSLS:
		f.Kappa = 1
	case LIML, Fuller:
		kl, err := tr.kappaLIML()
		if err != nil {
			return nil, err
		}
		f.KappaLIML, f.Kappa = kl, kl
		if opt.Method == Fuller {
			a := opt.FullerAlpha
			if a == 0 {
				a = 1
			}
			f.Kappa = kl - a/float64(tr.n-tr.L)
		}
	case KClass:
		f.Kappa = opt.Kappa
	case Anchor:
		if opt.Gamma == 0 {
			f.Kappa = math.Inf(-1)
		} else {
			f.Kappa = 1 - 1/opt.Gamma
		}
	case IVL:
		f.Kappa = 1 / (1 + opt.Alpha)
	}
	if f.Kappa >= 1 && !tr.identification {
		return nil, tr.identificationError(d, opt.Method)
	}
	if f.Coef, f.ainv, err = tr.kclass(f.Kappa); err != nil {
		return nil, fmt.Errorf("iv: %s: %w", opt.Method, err)
	}
	// RSS = ‖T_y − T_X β‖²: the triangle is an orthogonal transform of the
	// weighted data.
	r := slices.Clone(tr.t[tr.ycol()])
	for a := range tr.k {
		floats.AddScaled(r, -f.Coef[a], tr.t[tr.xcol(a)])
	}
	f.RSS = floats.Dot(r, r)
	return f, nil
}

// newTriangle reduces the data d to its checked triangle.
func newTriangle(d *Data, tol float64) (*triangle, error) {
	a, err := NewAccumulator(d)
	if err != nil {
		return nil, err
	}
	if err := a.Add(d); err != nil {
		return nil, err
	}
	return a.triangle(tol)
}

// TotalSS returns the weighted total sum of squares of y, Σ w y², or with
// centred the sum around the weighted mean, which requires the first
// exogenous regressor to be the intercept (a column of ones).
func (f *Fit) TotalSS(centred bool) float64 {
	y := f.tri.t[f.tri.ycol()]
	if centred {
		// Row 0 of the triangle is y's projection on the intercept.
		y = y[1:]
	}
	return floats.Dot(y, y)
}

// triangle checks the ranks of X, Z and P_Z X in the accumulated factor.
func (a *Accumulator) triangle(tol float64) (*triangle, error) {
	if tol == 0 {
		tol = estimators.DefaultRankTol
	}
	d := &a.names
	tr := a.tri
	tr.n = a.acc.Rows()
	if tr.n <= max(tr.k, tr.L) {
		return nil, estimators.InputErrorf("iv: %d rows for %d regressors and %d instruments; need more rows", tr.n, tr.k, tr.L)
	}
	tr.t = make([][]float64, tr.q)
	for j, c := range a.acc.Columns() {
		tr.t[j] = slices.Clone(c)
	}
	tr.norm = make([]float64, tr.q)
	for j := range tr.q {
		tr.norm[j] = floats.Norm(tr.t[j], 2)
	}
	// Z must have full column rank: a collinear instrument or exogenous
	// column is named.
	zNames := slices.Concat(d.ExogNames, d.InstrumentNames)
	if kept := tr.pivot(seq(tr.L), 0, tr.q, tol); len(kept) < tr.L {
		return nil, collinear("instruments (exogenous regressors and excluded instruments)", zNames, kept)
	}
	// X must have full column rank.
	xNames := slices.Concat(d.ExogNames, d.EndogNames)
	xcols := tr.xcols()
	if kept := tr.pivot(xcols, 0, tr.q, tol); len(kept) < tr.k {
		return nil, collinear("regressors", xNames, kept)
	}
	// Identification: rank(P_Z X) = k.
	tr.xKept = tr.pivot(xcols, 0, tr.L, tol)
	tr.identification = len(tr.xKept) == tr.k
	return &tr, nil
}

// pivot runs R's limited-pivoting rank detection on rows [lo, hi) of the
// triangle columns cols and returns the positions (into cols) of the
// columns kept.
func (tr *triangle) pivot(cols []int, lo, hi int, tol float64) []int {
	m := make([][]float64, len(cols))
	norm := make([]float64, len(cols))
	for j, c := range cols {
		m[j] = slices.Clone(tr.t[c][lo:hi])
		norm[j] = floats.Norm(m[j], 2)
	}
	return estimators.PivotedRank(m, tol, norm)
}

func (tr *triangle) identificationError(d *Data, m Method) error {
	if tr.nE < tr.nD {
		return estimators.InputErrorf("iv: %s needs at least as many excluded instruments as endogenous regressors: %d endogenous (%s), %d instruments; add instruments, or use ivl/anchor, which are defined without identification",
			m, tr.nD, strings.Join(d.EndogNames, ", "), tr.nE)
	}
	xNames := slices.Concat(d.ExogNames, d.EndogNames)
	var bad []string
	for a, name := range xNames {
		if !slices.Contains(tr.xKept, a) {
			bad = append(bad, fmt.Sprintf("%q", name))
		}
	}
	return estimators.InputErrorf("iv: %s is not identified: the instruments' projection of %s adds nothing beyond the other regressors (rank(P_Z X) < %d); check that the excluded instruments vary and are related to the endogenous regressors",
		m, strings.Join(bad, ", "), tr.k)
}

func collinear(what string, names []string, kept []int) error {
	var bad []string
	for j, name := range names {
		if !slices.Contains(kept, j) {
			bad = append(bad, fmt.Sprintf("%q", name))
		}
	}
	return estimators.InputErrorf("iv: the %s are collinear: %s is a linear combination of earlier columns (or has no variation); remove it", what, strings.Join(bad, ", "))
}
