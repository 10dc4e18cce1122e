package iv

import (
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"

	"github.com/causalkit/causalkit/estimators"
)

// block returns rows [lo, hi) of the triangle columns cols as a matrix.
func (tr *triangle) block(cols []int, lo, hi int) *mat.Dense {
	m := mat.NewDense(hi-lo, len(cols), nil)
	for j, c := range cols {
		for r := lo; r < hi; r++ {
			m.Set(r-lo, j, tr.t[c][r])
		}
	}
	return m
}

// rzz returns R_ZZ, the triangle's block of the instruments: Z = Q_Z R_ZZ.
func (tr *triangle) rzz() *mat.TriDense {
	return upperOf(tr.block(seq(tr.L), 0, tr.L))
}

func (tr *triangle) xcols() []int {
	c := make([]int, tr.k)
	for a := range c {
		c[a] = tr.xcol(a)
	}
	return c
}

// kappaLIML returns the smallest root of det(S_W − κ S_Z) = 0 with
// S_W = Y*ᵀM_W Y*, S_Z = Y*ᵀM_Z Y*, Y* = [D, y]. With B_W and B_Z the
// triangle rows of Y* below W and below Z (so S_W = B_WᵀB_W, S_Z = B_ZᵀB_Z)
// and B_W = Q R_W, κ = 1/σ²_max(B_Z R_W⁻¹): the symmetric-definite problem
// solved without forming S_Z, which is singular when an endogenous regressor
// is an exact function of the others and the instruments (Card: exper =
// age − educ − 6).
func (tr *triangle) kappaLIML() (float64, error) {
	ys := make([]int, tr.nD+1)
	for j := range tr.nD {
		ys[j] = tr.L + j
	}
	ys[tr.nD] = tr.ycol()
	bw := tr.block(ys, tr.nW, tr.q)
	var qr mat.QR
	qr.Factorize(bw)
	rw := rFactor(&qr, tr.nD+1)
	m := tr.nD + 1
	for i := range m {
		if math.Abs(rw.At(i, i)) <= 1e-12*math.Abs(rw.At(0, 0)) {
			return 0, estimators.InputErrorf("iv: LIML: y and the endogenous regressors are collinear given the exogenous regressors")
		}
	}
	bz := tr.block(ys, tr.L, tr.q)
	// C = B_Z R_W⁻¹ by solving Cᵀ: R_Wᵀ Cᵀ = B_Zᵀ.
	var ct mat.Dense
	if err := ct.Solve(rw.TTri(), bz.T()); err != nil {
		return 0, estimators.InputErrorf("iv: LIML: %v", err)
	}
	var svd mat.SVD
	if !svd.Factorize(&ct, mat.SVDNone) {
		return 0, estimators.InputErrorf("iv: LIML: singular value decomposition failed")
	}
	s := svd.Values(nil)[0]
	return 1 / (s * s), nil
}

// kclass returns β(κ) and [Xᵀ(I − κM_Z)X]⁻¹ (nil when κ = −∞, the γ = 0
// anchor, which has no such bread).
func (tr *triangle) kclass(kappa float64) ([]float64, *mat.SymDense, error) {
	xc := tr.xcols()
	y := tr.ycol()
	switch {
	case math.IsInf(kappa, -1):
		return tr.anchorZero()
	case kappa <= 1:
		// Least squares on the stacked rows [T_P; √(1−κ) T_M], whose
		// cross-products are Xᵀ(I − κM_Z)X and Xᵀ(I − κM_Z)y.
		s := math.Sqrt(1 - kappa)
		a := tr.block(xc, 0, tr.q)
		b := tr.block([]int{y}, 0, tr.q)
		for r := tr.L; r < tr.q; r++ {
			for j := range tr.k {
				a.Set(r, j, s*a.At(r, j))
			}
			b.Set(r, 0, s*b.At(r, 0))
		}
		return lsSolve(a, b)
	}
	// κ > 1: with T_P,X = Q₁R₁ and G = T_M,X R₁⁻¹, Xᵀ(I − κM_Z)X =
	// R₁ᵀ(I − cGᵀG)R₁ with c = κ − 1, which keeps the conditioning of R₁.
	c := kappa - 1
	tp := tr.block(xc, 0, tr.L)
	var qr mat.QR
	qr.Factorize(tp)
	r1 := rFactor(&qr, tr.k)
	var q1 mat.Dense
	qr.QTo(&q1)
	q1k := q1.Slice(0, tr.L, 0, tr.k)
	tm := tr.block(xc, tr.L, tr.q)
	var g mat.Dense
	if err := g.Solve(r1.TTri(), tm.T()); err != nil { // Gᵀ = R₁⁻ᵀ T_Mᵀ
		return nil, nil, estimators.InputErrorf("not identified: %v", err)
	}
	gt := g // k × (q−L), this is Gᵀ
	yp := tr.block([]int{y}, 0, tr.L)
	ym := tr.block([]int{y}, tr.L, tr.q)
	var u, gy mat.Dense
	u.Mul(q1k.T(), yp)
	gy.Mul(&gt, ym)
	gy.Scale(c, &gy)
	u.Sub(&u, &gy)
	mm := mat.NewSymDense(tr.k, nil)
	mm.SymOuterK(-c, &gt)
	for i := range tr.k {
		mm.SetSym(i, i, 1+mm.At(i, i))
	}
	var chol mat.Cholesky
	if !chol.Factorize(mm) {
		return nil, nil, estimators.InputErrorf("Xᵀ(I − κM_Z)X is not positive definite at κ = %g", kappa)
	}
	var v mat.Dense
	if err := chol.SolveTo(&v, &u); err != nil {
		return nil, nil, estimators.InputErrorf("%v", err)
	}
	var beta mat.Dense
	if err := beta.Solve(r1, &v); err != nil {
		return nil, nil, estimators.InputErrorf("%v", err)
	}
	var minv mat.SymDense
	if err := chol.InverseTo(&minv); err != nil {
		return nil, nil, estimators.InputErrorf("%v", err)
	}
	// A⁻¹ = R₁⁻¹ M⁻¹ R₁⁻ᵀ.
	var r1inv mat.TriDense
	if err := r1inv.InverseTri(r1); err != nil {
		return nil, nil, estimators.InputErrorf("%v", err)
	}
	return mat.Col(nil, 0, &beta), congruence(&r1inv, &minv), nil
}

// anchorZero is the γ → 0 limit of anchor regression: among the
// minimisers of ‖M_Z(y − Xb)‖² it takes the one that minimises
// ‖P_Z(y − Xb)‖². The M_Z part involves only D (M_Z W = 0): its minimisers
// are b_D = b₀ + N t with b₀ the minimum-norm solution on the rows below Z
// and N a basis of the null space of M_Z D (empty when M_Z D has full rank,
// which is the usual case); W's coefficients c and t then solve the least
// squares problem on the rows of Z.
func (tr *triangle) anchorZero() ([]float64, *mat.SymDense, error) {
	dc := make([]int, tr.nD)
	for j := range dc {
		dc[j] = tr.L + j
	}
	y := tr.ycol()
	b0 := make([]float64, tr.nD)
	var null *mat.Dense
	if tr.nD > 0 {
		tm := tr.block(dc, tr.L, tr.q)
		var svd mat.SVD
		if !svd.Factorize(tm, mat.SVDFull) {
			return nil, nil, estimators.InputErrorf("SVD failed")
		}
		rank := svd.Rank(1e-10)
		var sol mat.Dense
		svd.SolveTo(&sol, tr.block([]int{y}, tr.L, tr.q), rank)
		copy(b0, mat.Col(nil, 0, &sol))
		if rank < tr.nD {
			var v mat.Dense
			svd.VTo(&v)
			null = mat.DenseCopyOf(v.Slice(0, tr.nD, rank, tr.nD))
		}
	}
	// Rows of Z: Tp_y − Tp_D b₀ ≈ [Tp_W, Tp_D N] [c; t].
	rhs := tr.block([]int{y}, 0, tr.L)
	tpD := tr.block(dc, 0, tr.L)
	if tr.nD > 0 {
		var db mat.Dense
		db.Mul(tpD, mat.NewVecDense(tr.nD, b0))
		rhs.Sub(rhs, &db)
	}
	nt := 0
	if null != nil {
		_, nt = null.Dims()
	}
	beta := make([]float64, tr.k)
	copy(beta[tr.nW:], b0)
	if tr.nW+nt > 0 {
		a := mat.NewDense(tr.L, tr.nW+nt, nil)
		for j := range tr.nW {
			for r := range tr.L {
				a.Set(r, j, tr.t[j][r])
			}
		}
		if nt > 0 {
			var dn mat.Dense
			dn.Mul(tpD, null)
			a.Slice(0, tr.L, tr.nW, tr.nW+nt).(*mat.Dense).Copy(&dn)
		}
		sol, _, err := lsSolve(a, rhs)
		if err != nil {
			return nil, nil, err
		}
		copy(beta, sol[:tr.nW])
		if nt > 0 {
			var shift mat.VecDense
			shift.MulVec(null, mat.NewVecDense(nt, sol[tr.nW:]))
			floats.Add(beta[tr.nW:], shift.RawVector().Data)
		}
	}
	return beta, nil, nil
}

// lsSolve solves min ‖a x − b‖ by QR and returns x and (aᵀa)⁻¹.
func lsSolve(a, b *mat.Dense) ([]float64, *mat.SymDense, error) {
	var qr mat.QR
	qr.Factorize(a)
	var x mat.Dense
	if err := qr.SolveTo(&x, false, b); err != nil {
		return nil, nil, estimators.InputErrorf("singular design: %v", err)
	}
	_, k := a.Dims()
	var rinv mat.TriDense
	if err := rinv.InverseTri(rFactor(&qr, k)); err != nil {
		return nil, nil, estimators.InputErrorf("singular design: %v", err)
	}
	return mat.Col(nil, 0, &x), congruence(&rinv, nil), nil
}

// rFactor returns the leading k×k upper triangle of a QR factorisation's R.
func rFactor(qr *mat.QR, k int) *mat.TriDense {
	var r mat.Dense
	qr.RTo(&r)
	t := mat.NewTriDense(k, mat.Upper, nil)
	for i := range k {
		for j := i; j < k; j++ {
			t.SetTri(i, j, r.At(i, j))
		}
	}
	return t
}

// congruence returns B M Bᵀ (M nil means the identity), exactly symmetric.
func congruence(b mat.Matrix, m mat.Matrix) *mat.SymDense {
	var t, full mat.Dense
	if m == nil {
		full.Mul(b, b.T())
	} else {
		t.Mul(b, m)
		full.Mul(&t, b.T())
	}
	k, _ := full.Dims()
	s := mat.NewSymDense(k, nil)
	for i := range k {
		for j := i; j < k; j++ {
			s.SetSym(i, j, 0.5*(full.At(i, j)+full.At(j, i)))
		}
	}
	return s
}
