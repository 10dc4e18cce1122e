package estimators

import (
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// DefaultRankTol is the relative tolerance of the rank detection in LS: a
// column whose norm, after removing its projection on the preceding accepted
// columns, is below DefaultRankTol times its original norm is collinear. It is
// the tolerance of R's lm (dqrdc2).
const DefaultRankTol = 1e-7

// LSOptions configures a weighted least-squares fit. The zero value is an
// unweighted fit that rejects collinear designs.
type LSOptions struct {
	// Weights are observation weights (nil means 1 for every row). They
	// must be finite and non-negative; the fit minimises Σ w (y − Xb)².
	Weights []float64
	// DropCollinear drops columns that are linear combinations of earlier
	// columns, as R's lm does, instead of returning an error. Dropped
	// columns get a NaN coefficient and are listed in LS.Dropped.
	DropCollinear bool
	// Tol is the relative rank tolerance; 0 means DefaultRankTol.
	Tol float64
}

// LS is a fitted (weighted) least-squares regression. It is computed eagerly
// by WLS and is not modified afterwards.
type LS struct {
	Names   []string  // column names, in the order given
	Coef    []float64 // one per column; NaN for dropped columns
	Dropped []string  // names of the columns dropped as collinear
	Kept    []int     // indices of the columns that were kept, in order
	N       int       // rows used
	Rank    int       // number of kept columns
	Resid   []float64 // y − Xb (unweighted residuals)
	RSS     float64   // Σ w e², the weighted residual sum of squares
	TSS     float64   // Σ w (y − ȳ_w)² if the design has an intercept, else Σ w y²

	x         [][]float64 // the design columns as given (not copied)
	y         []float64
	w         []float64 // weights or nil
	tol       float64
	rinv      *mat.TriDense
	intercept bool
}

// WLS fits y on the columns of x by weighted least squares, using a
// Householder QR decomposition with R's limited column pivoting: columns are
// taken in order and one that adds nothing beyond the previous columns (up
// to the rank tolerance) is flagged collinear. Without
// LSOptions.DropCollinear a collinear design is an error naming the columns.
//
// x holds the design column by column (each of length len(y)); names names
// them. x and y are not modified and must not be modified while the LS is in
// use, because covariance computations read them.
func WLS(x [][]float64, y []float64, names []string, opt LSOptions) (*LS, error) {
	n, p := len(y), len(x)
	if len(names) != p {
		panic("estimators: WLS: len(names) != len(x)")
	}
	for j := range x {
		if len(x[j]) != n {
			panic(fmt.Sprintf("estimators: WLS: column %d has length %d, want %d", j, len(x[j]), n))
		}
	}
	if opt.Weights != nil && len(opt.Weights) != n {
		panic("estimators: WLS: len(Weights) != len(y)")
	}
	if p == 0 {
		return nil, InputErrorf("least squares: the design has no columns")
	}
	if err := CheckFinite("y", y); err != nil {
		return nil, fmt.Errorf("least squares: %w", err)
	}
	for j := range x {
		if err := CheckFinite(names[j], x[j]); err != nil {
			return nil, fmt.Errorf("least squares: %w", err)
		}
	}
	if opt.Weights != nil {
		for i, v := range opt.Weights {
			if !(v >= 0) || math.IsInf(v, 0) {
				return nil, InputErrorf("least squares: weight %v in row %d; weights must be finite and non-negative", v, i+1)
			}
		}
	}
	var ws lsWorkspace
	coef, kept, err := ws.fit(x, y, opt.Weights, opt.Tol)
	if err != nil {
		return nil, err
	}
	if len(kept) < p && !opt.DropCollinear {
		return nil, collinearError(names, kept)
	}
	if n <= len(kept) {
		return nil, InputErrorf("least squares: %d rows for %d coefficients; need more rows than coefficients", n, len(kept))
	}
	ls := &LS{
		Names: names,
		Coef:  coef,
		Kept:  kept,
		N:     n,
		Rank:  len(kept),
		x:     x,
		y:     y,
		w:     opt.Weights,
		tol:   opt.Tol,
		rinv:  ws.rInverse(),
	}
	for j := range p {
		if math.IsNaN(coef[j]) {
			ls.Dropped = append(ls.Dropped, names[j])
		}
	}
	ls.Resid = make([]float64, n)
	copy(ls.Resid, y)
	for _, j := range kept {
		floats.AddScaled(ls.Resid, -coef[j], x[j])
	}
	ls.RSS = weightedSumSq(ls.Resid, opt.Weights)
	ls.intercept = hasConstant(x, kept)
	ls.TSS = totalSS(y, opt.Weights, ls.intercept)
	return ls, nil
}

// R2 is the coefficient of determination 1 − RSS/TSS (centred when the
// design contains a constant column, as in R's summary.lm).
func (ls *LS) R2() float64 { return 1 - ls.RSS/ls.TSS }

// DFResid is the residual degrees of freedom n − rank.
func (ls *LS) DFResid() int { return ls.N - ls.Rank }

// HasIntercept reports whether a kept column is constant and non-zero.
func (ls *LS) HasIntercept() bool { return ls.intercept }

// Bread returns (X'WX)⁻¹ over the kept columns, in the order of LS.Kept.
func (ls *LS) Bread() *mat.SymDense {
	r := ls.Rank
	b := mat.NewSymDense(r, nil)
	// (R'R)⁻¹ = R⁻¹ R⁻ᵀ.
	for i := range r {
		for j := i; j < r; j++ {
			var s float64
			for k := j; k < r; k++ {
				s += ls.rinv.At(i, k) * ls.rinv.At(j, k)
			}
			b.SetSym(i, j, s)
		}
	}
	return b
}

// MaxAbs bounds the magnitude of data values: beyond it, the squares,
// cross-products and polynomial powers that estimators form overflow
// float64 (or lose every digit of the smaller terms).
const MaxAbs = 1e100

// Unusable reports whether v cannot be a data value: NaN, ±Inf, or beyond
// ±MaxAbs.
func Unusable(v float64) bool { return !(math.Abs(v) <= MaxAbs) }

// unusableError explains why value v of column name at where is rejected.
func unusableError(name string, v float64, where string) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return InputErrorf("column %q has %v in %s; remove or impute non-finite values", name, v, where)
	}
	return InputErrorf("column %q has %v in %s; values beyond ±1e100 overflow the squares and products estimators form: rescale the column", name, v, where)
}

// CheckFinite returns an input error naming the column and the first row
// (1-based) that holds NaN or ±Inf, or nil.
func CheckFinite(name string, v []float64) error {
	for i, f := range v {
		if Unusable(f) {
			return unusableError(name, f, fmt.Sprintf("row %d", i+1))
		}
	}
	return nil
}

func collinearError(names []string, kept []int) error {
	var bad []string
	k := 0
	for j := range names {
		if k < len(kept) && kept[k] == j {
			k++
			continue
		}
		bad = append(bad, names[j])
	}
	return InputErrorf("least squares: the design is rank deficient: %s is a linear combination of earlier columns; remove it, or ask for collinear columns to be dropped", strings.Join(quoteAll(bad), ", "))
}

func quoteAll(s []string) []string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = fmt.Sprintf("%q", v)
	}
	return q
}

func weightedSumSq(e, w []float64) float64 {
	if w == nil {
		return floats.Dot(e, e)
	}
	var s float64
	for i, v := range e {
		s += w[i] * v * v
	}
	return s
}

func totalSS(y, w []float64, centred bool) float64 {
	var mean float64
	if centred {
		var sw float64
		for i, v := range y {
			wi := 1.0
			if w != nil {
				wi = w[i]
			}
			mean += wi * v
			sw += wi
		}
		mean /= sw
	}
	var s float64
	for i, v := range y {
		wi := 1.0
		if w != nil {
			wi = w[i]
		}
		d := v - mean
		s += wi * d * d
	}
	return s
}

func hasConstant(x [][]float64, kept []int) bool {
	for _, j := range kept {
		c := x[j]
		if len(c) > 0 && c[0] != 0 && floats.Min(c) == floats.Max(c) {
			return true
		}
	}
	return false
}

// blockRows is the number of rows processed at a time by the row-blocked
// passes (QR reduction, covariance scores): small enough that a block of a
// dozen columns stays in cache.
const blockRows = 1024

// QRAccumulator is a mergeable sufficient statistic for least squares: the
// q×q upper-triangular factor R of the QR decomposition of the weighted rows
// [√w·c₁ … √w·c_q] added so far. Rows are taken in blocks below the current
// triangle and each block is reduced by Householder reflections (a
// tall-skinny QR), so RᵀR equals the cross-product matrix of the rows
// without ever forming it: cross-products lose half the digits of a
// badly conditioned design, R keeps them. The data are read once, block by
// block, in a fixed order, and two accumulators of disjoint row sets merge
// into the accumulator of their union; the result depends only on the order
// of Add and Merge calls.
type QRAccumulator struct {
	q    int
	n    int         // rows added
	t    []float64   // R, column-major q × q
	tc   [][]float64 // column views of t
	blk  []float64   // block buffer, column-major (q+blockRows) × q
	cols [][]float64
	sw   []float64 // √w of a block's rows
	kept []int
	diag []float64
}

// NewQRAccumulator returns an empty accumulator for q columns.
func NewQRAccumulator(q int) *QRAccumulator {
	a := &QRAccumulator{q: q}
	a.Reset()
	return a
}

// Reset empties the accumulator, keeping its buffers.
func (a *QRAccumulator) Reset() {
	a.n = 0
	a.t = grow(a.t, a.q*a.q)
	clear(a.t)
	a.tc = columns(a.tc, a.t, a.q, a.q)
}

// Rows returns the number of rows added.
func (a *QRAccumulator) Rows() int { return a.n }

// Add adds the rows of the columns cols (q columns of equal length), each
// row multiplied by √w (w nil means 1).
func (a *QRAccumulator) Add(cols [][]float64, w []float64) {
	if len(cols) != a.q {
		panic(fmt.Sprintf("estimators: QRAccumulator.Add: %d columns, want %d", len(cols), a.q))
	}
	n := len(cols[0])
	for i0 := 0; i0 < n; i0 += blockRows {
		i1 := min(i0+blockRows, n)
		if w != nil {
			a.sw = grow(a.sw, i1-i0)
			for i := range a.sw {
				a.sw[i] = math.Sqrt(w[i0+i])
			}
		}
		a.reduce(i1-i0, func(j int, dst []float64) {
			if w == nil {
				copy(dst, cols[j][i0:i1])
			} else {
				floats.MulTo(dst, a.sw, cols[j][i0:i1])
			}
		})
	}
	a.n += n
}

// Merge adds the rows that b holds.
func (a *QRAccumulator) Merge(b *QRAccumulator) {
	if a.q != b.q {
		panic("estimators: QRAccumulator.Merge: column counts differ")
	}
	a.reduce(a.q, func(j int, dst []float64) { copy(dst, b.tc[j]) })
	a.n += b.n
}

// reduce stacks m new rows (written by fill, column by column) below the
// current triangle and reduces the stack to a new triangle.
func (a *QRAccumulator) reduce(m int, fill func(j int, dst []float64)) {
	q := a.q
	rows := q + m
	a.blk = grow(a.blk, rows*q)
	a.cols = columns(a.cols, a.blk, rows, q)
	for j, col := range a.cols {
		copy(col[:q], a.tc[j])
		fill(j, col[q:])
	}
	// Plain Householder (no pivoting); a skipped column is exactly zero
	// below the current row.
	a.kept, a.diag = a.kept[:0], a.diag[:0]
	householder(a.cols, q, 0, nil, &a.kept, &a.diag)
	// The new triangle: the reduced block's upper triangle, with the
	// reflector storage below the diagonal replaced by zeros.
	clear(a.t)
	for k, j := range a.kept {
		a.tc[j][k] = a.diag[k]
		for jj := j + 1; jj < q; jj++ {
			a.tc[jj][k] = a.cols[jj][k]
		}
	}
}

// Encode returns the accumulator's state (rows added, then the triangle
// column by column), exactly, for DecodeQRAccumulator.
func (a *QRAccumulator) Encode() []float64 {
	return append([]float64{float64(a.n)}, a.t...)
}

// DecodeQRAccumulator rebuilds an accumulator of q columns from Encode's
// output.
func DecodeQRAccumulator(q int, v []float64) (*QRAccumulator, error) {
	if len(v) != 1+q*q || v[0] < 0 || v[0] != math.Trunc(v[0]) {
		return nil, InputErrorf("estimators: DecodeQRAccumulator: %d numbers do not hold a %d-column state", len(v), q)
	}
	a := NewQRAccumulator(q)
	a.n = int(v[0])
	copy(a.t, v[1:])
	return a, nil
}

// R returns the triangle as a q×q matrix (a copy).
func (a *QRAccumulator) R() *mat.Dense {
	r := mat.NewDense(a.q, a.q, nil)
	for j, col := range a.tc {
		for i := 0; i <= j; i++ {
			r.Set(i, j, col[i])
		}
	}
	return r
}

// Columns returns the columns of the triangle (entries below the diagonal
// are zero). They alias the accumulator and change with the next Add.
func (a *QRAccumulator) Columns() [][]float64 { return a.tc }

// lsWorkspace holds the buffers of a least-squares fit so that repeated
// fits (bootstrap replicates) do not allocate. The fit reduces [√w X | √w y]
// to its QR triangle T with a QRAccumulator, then runs R's limited column
// pivoting (dqrdc2: a column whose norm after removing earlier columns falls
// below tol times its original norm is collinear) on T alone.
type lsWorkspace struct {
	acc  *QRAccumulator
	all  [][]float64 // the columns of X, then y
	norm []float64   // original column norms (of T)
	diag []float64   // R's diagonal, one per kept column
	r    []float64   // R over kept columns, row-major rank × rank
	c    []float64   // coefficients of the kept columns
	kept []int
	coef []float64
}

// fit computes the coefficients of y on x with weights w (nil = 1). It
// returns coef (NaN for collinear columns) and the kept column indices;
// both alias the workspace and are overwritten by the next fit.
func (ws *lsWorkspace) fit(x [][]float64, y, w []float64, tol float64) (coef []float64, kept []int, err error) {
	if tol == 0 {
		tol = DefaultRankTol
	}
	p := len(x)
	if len(y) == 0 {
		return nil, nil, InputErrorf("least squares: no rows")
	}
	if ws.acc == nil || ws.acc.q != p+1 {
		ws.acc = NewQRAccumulator(p + 1)
	} else {
		ws.acc.Reset()
	}
	ws.all = append(append(ws.all[:0], x...), y)
	ws.acc.Add(ws.all, w)
	tc := ws.acc.Columns()
	// Limited pivoting QR of T over the p regressors, carrying y along.
	ws.norm = grow(ws.norm, p)
	for j := range p {
		ws.norm[j] = floats.Norm(tc[j], 2)
	}
	ws.kept = ws.kept[:0]
	ws.diag = ws.diag[:0]
	householder(tc, p, tol, ws.norm, &ws.kept, &ws.diag)
	r := len(ws.kept)
	ws.r = grow(ws.r, r*r)
	clear(ws.r)
	for a, j := range ws.kept {
		for b := range a {
			ws.r[b*r+a] = tc[j][b]
		}
		ws.r[a*r+a] = ws.diag[a]
	}
	// Back substitution R c = (Qᵀỹ)[:r].
	qty := tc[p]
	ws.c = grow(ws.c, r)
	for a := r - 1; a >= 0; a-- {
		s := qty[a]
		for b := a + 1; b < r; b++ {
			s -= ws.r[a*r+b] * ws.c[b]
		}
		ws.c[a] = s / ws.r[a*r+a]
	}
	ws.coef = grow(ws.coef, p)
	for j := range ws.coef {
		ws.coef[j] = math.NaN()
	}
	for a, j := range ws.kept {
		ws.coef[j] = ws.c[a]
	}
	return ws.coef, ws.kept, nil
}

// householder reduces the first ncols of cols (equal-length columns) by
// Householder reflections H = I − τuuᵀ, applying each to every later
// column of cols. A column whose norm below the current row is zero, or at
// most tol·norm[j] when norm is given, is skipped (it adds no rank). The
// reflector u is stored in place below and on the diagonal; the diagonal of
// R is appended to diag and the processed column's index to kept.
func householder(cols [][]float64, ncols int, tol float64, norm []float64, kept *[]int, diag *[]float64) {
	for j := range ncols {
		k := len(*kept)
		if k >= len(cols[j]) {
			return
		}
		v := cols[j][k:]
		nrm := floats.Norm(v, 2)
		if nrm == 0 || (norm != nil && nrm <= tol*norm[j]) {
			continue
		}
		// u = v − α e₁ with α = −sign(v₀)‖v‖; τ = 2/(uᵀu) = −1/(α u₀).
		alpha := -math.Copysign(nrm, v[0])
		v[0] -= alpha
		tau := -1 / (alpha * v[0])
		for _, c := range cols[j+1:] {
			t := c[k:]
			floats.AddScaled(t, -tau*floats.Dot(v, t), v)
		}
		*kept = append(*kept, j)
		*diag = append(*diag, alpha)
	}
}

// PivotedRank runs R's limited-pivoting rank detection (dqrdc2) on the
// columns cols (equal lengths; overwritten) and returns the indices of the
// columns kept: a column whose norm, after removing its projection on the
// kept columns before it, is at most tol times norm[j] adds no rank. tol 0
// means DefaultRankTol; norm nil means the columns' own norms.
func PivotedRank(cols [][]float64, tol float64, norm []float64) []int {
	if tol == 0 {
		tol = DefaultRankTol
	}
	if norm == nil {
		norm = make([]float64, len(cols))
		for j, c := range cols {
			norm[j] = floats.Norm(c, 2)
		}
	}
	var kept []int
	var diag []float64
	householder(cols, len(cols), tol, norm, &kept, &diag)
	return kept
}

// columns returns views of the q columns of length m of the column-major buf.
func columns(dst [][]float64, buf []float64, m, q int) [][]float64 {
	dst = dst[:0]
	for j := range q {
		dst = append(dst, buf[j*m:(j+1)*m])
	}
	return dst
}

// rInverse returns R⁻¹ of the last fit as an upper-triangular matrix.
func (ws *lsWorkspace) rInverse() *mat.TriDense {
	r := len(ws.kept)
	inv := mat.NewTriDense(r, mat.Upper, nil)
	// Column by column back substitution of R·inv = I.
	for c := range r {
		inv.SetTri(c, c, 1/ws.r[c*r+c])
		for a := c - 1; a >= 0; a-- {
			var s float64
			for b := a + 1; b <= c; b++ {
				s += ws.r[a*r+b] * inv.At(b, c)
			}
			inv.SetTri(a, c, -s/ws.r[a*r+a])
		}
	}
	return inv
}

// grow returns s resliced to length n, reallocating only when needed.
func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}
