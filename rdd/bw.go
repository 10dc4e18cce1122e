package rdd

import (
	"fmt"
	"math"
	"slices"
	"sync"

	"gonum.org/v1/gonum/mat"
)

// bwTerms are the pieces of one plug-in step on one side: the variance
// constant V, the bias constant B, the regularisation R and the rate, so
// that a bandwidth is (V / (B² + scaleregul·R))^rate.
type bwTerms struct {
	V, B, R, rate float64
}

// bwStep estimates the variance of the order-o fit's ν-th derivative at the
// pilot bandwidth hV and the bias from an order-oB fit at hB (rdrobust's
// rdrobust_bw): V = (2ν+1)·hV^(2ν+1)·Var, B = √(2(o+1−ν))·C_B·β_{o+1},
// R = scale·2(o+1−ν)·3·C_B²·Var(β_{o+1}).
func (st *state) bwStep(s *side, o, nu, oB int, hV, hB, scale float64) (bwTerms, error) {
	v, err := st.pilot(s, o, nu, hV)
	if err != nil {
		return bwTerms{}, err
	}
	sv, vv, bconst := v.sv, v.vv, v.bconst
	wb := s.window(st.c, hB, st.opt.Kernel)
	fb, err := st.polyFit(s, wb, hB, oB, false)
	if err != nil {
		return bwTerms{}, err
	}
	var reg float64
	if scale > 0 {
		reg = 3 * bconst * bconst * st.variance(s, wb, fb, sv, o+1)
	}
	var sb float64
	for l, b := range fb.beta {
		sb += sv[l] * b[o+1]
	}
	k := float64(o + 1 - nu)
	return bwTerms{
		V:    float64(2*nu+1) * math.Pow(hV, float64(2*nu+1)) * vv,
		B:    math.Sqrt(2*k) * bconst * sb,
		R:    scale * 2 * k * reg,
		rate: 1 / float64(2*o+3),
	}, nil
}

// pilotTerms are the variance part of a plug-in step: the column weights
// of the estimand, the variance of the ν-th derivative and the bias
// constant C_B.
type pilotTerms struct {
	sv         []float64
	vv, bconst float64
}

type pilotKey struct {
	o, nu int
	h     float64
}

// pilot computes the variance part of bwStep at the pilot bandwidth hV;
// the selectors ask for the same one several times, so the side keeps it.
func (st *state) pilot(s *side, o, nu int, hV float64) (pilotTerms, error) {
	key := pilotKey{o, nu, hV}
	if v, ok := s.pilots[key]; ok {
		return v, nil
	}
	wv := s.window(st.c, hV, st.opt.Kernel)
	fv, err := st.polyFit(s, wv, hV, o, true)
	if err != nil {
		return pilotTerms{}, err
	}
	nOut := 1
	if s.t != nil {
		nOut = 2
	}
	var gamma *mat.Dense
	if len(s.z) > 0 {
		if gamma, err = covGamma(covParts(fv, nOut)); err != nil {
			return pilotTerms{}, err
		}
	}
	f := factorial(nu)
	tauY := f * adjusted(fv.beta, nu, 0, nOut, gamma)
	tauT := 0.0
	if s.t != nil {
		tauT = f * adjusted(fv.beta, nu, 1, nOut, gamma)
	}
	sv := adjustment(tauY, tauT, s.t != nil, gamma)
	// C_B = (H ∘ G⁻¹ Σ w_i r_i u_i^(o+1))[ν], H_j = hV^j.
	var giv mat.VecDense
	giv.MulVec(fv.inv, mat.NewVecDense(o+1, fv.l))
	v := pilotTerms{sv: sv, vv: st.variance(s, wv, fv, sv, nu), bconst: math.Pow(hV, float64(nu)) * giv.AtVec(nu)}
	if s.pilots == nil {
		s.pilots = map[pilotKey]pilotTerms{}
	}
	s.pilots[key] = v
	return v, nil
}

// Bandwidths returns the bandwidths of every selector, as rdbwselect with
// all = TRUE: for each, (h left, h right, b left, b right).
func Bandwidths(d *Data, opt Options) (map[BWSelect][4]float64, error) {
	st, err := prepare(d, opt)
	if err != nil {
		return nil, err
	}
	if st.sharpBW {
		st = st.withoutTreatment()
	}
	all, err := st.selectAll()
	if err != nil {
		return nil, fmt.Errorf("rdd: bandwidth selection: %w", err)
	}
	return all, nil
}

// selectAll computes the bandwidths of every selector (rdbwselect with
// all = TRUE): the pilot, the order-(q+1) step for the bias pilot d, then
// b and h for the common (rd), sum and two-sided criteria, their
// combinations and coverage-error versions.
func (st *state) selectAll() (map[BWSelect][4]float64, error) {
	o := st.opt
	p, q, nu := o.P, o.Q, o.Deriv
	l, r := st.l, st.r
	sum := st.sum
	// Pilot: C_K·min(sd, IQR/1.349)·N^(−1/5) (distinct values under
	// mass-point adjustment), capped by the data range and raised to the
	// bwcheck-th nearest distinct value on each side.
	bwp := math.Min(sum.sd(), (sum.quartile(1)-sum.quartile(0))/1.349)
	ck := map[string]float64{"triangular": 2.576, "epanechnikov": 2.34, "uniform": 1.843}[o.Kernel.String()]
	cbw := ck * bwp * math.Pow(float64(st.n), -0.2)
	if o.MassPoints == Adjust {
		cbw = ck * bwp * math.Pow(float64(st.mUniq), -0.2)
	}
	maxL, maxR := math.Abs(st.c-sum.xmin), math.Abs(st.c-sum.xmax)
	bwMax := math.Max(maxL, maxR)
	if o.BWRestrict {
		cbw = math.Min(cbw, bwMax)
	}
	minL, minR := 0.0, 0.0
	if st.bwcheck > 0 {
		minL, minR = sum.nearest(0, st.c, st.bwcheck), sum.nearest(1, st.c, st.bwcheck)
		cbw = math.Max(cbw, math.Max(minL, minR))
	}
	restrict := func(h, hmax float64) float64 {
		if o.BWRestrict {
			return math.Min(h, hmax)
		}
		return h
	}
	check := func(h float64, mins ...float64) float64 {
		if st.bwcheck > 0 {
			for _, m := range mins {
				h = math.Max(h, m)
			}
		}
		return h
	}
	reg := o.ScaleRegul
	var dl, dr bwTerms
	err := bothSides(func() (err error) {
		dl, err = st.bwStep(l, q+1, q+1, q+2, cbw, maxL, 0)
		return err
	}, func() (err error) {
		dr, err = st.bwStep(r, q+1, q+1, q+2, cbw, maxR, 0)
		return err
	})
	if err != nil {
		return nil, err
	}
	pow := func(v, b, r, rate float64) float64 { return math.Pow(v/(b*b+reg*r), rate) }
	// Two-sided (separate) bandwidths.
	two := func(s *side, d bwTerms, hmax, hmin float64) (h, b float64, err error) {
		dbw := check(restrict(math.Pow(d.V/(d.B*d.B), d.rate), hmax), hmin)
		cb, err := st.bwStep(s, q, p+1, q+1, cbw, dbw, reg)
		if err != nil {
			return 0, 0, err
		}
		b = restrict(pow(cb.V, cb.B, cb.R, cb.rate), hmax)
		ch, err := st.bwStep(s, p, nu, q, cbw, b, reg)
		if err != nil {
			return 0, 0, err
		}
		return restrict(pow(ch.V, ch.B, ch.R, ch.rate), hmax), b, nil
	}
	var hTwoL, bTwoL, hTwoR, bTwoR float64
	err = bothSides(func() (err error) {
		hTwoL, bTwoL, err = two(l, dl, maxL, minL)
		return err
	}, func() (err error) {
		hTwoR, bTwoR, err = two(r, dr, maxR, minR)
		return err
	})
	if err != nil {
		return nil, err
	}
	// Common bandwidths for the sum (sign +) and the difference (sign −).
	common := func(sign float64) (h, b float64, err error) {
		dd := check(restrict(math.Pow((dl.V+dr.V)/sq(dr.B+sign*dl.B), dl.rate), bwMax), minL, minR)
		var cbl, cbr, chl, chr bwTerms
		err = bothSides(func() (err error) {
			cbl, err = st.bwStep(l, q, p+1, q+1, cbw, dd, reg)
			return err
		}, func() (err error) {
			cbr, err = st.bwStep(r, q, p+1, q+1, cbw, dd, reg)
			return err
		})
		if err != nil {
			return 0, 0, err
		}
		b = restrict(pow(cbl.V+cbr.V, cbr.B+sign*cbl.B, cbl.R+cbr.R, cbl.rate), bwMax)
		err = bothSides(func() (err error) {
			chl, err = st.bwStep(l, p, nu, q, cbw, b, reg)
			return err
		}, func() (err error) {
			chr, err = st.bwStep(r, p, nu, q, cbw, b, reg)
			return err
		})
		if err != nil {
			return 0, 0, err
		}
		return restrict(pow(chl.V+chr.V, chr.B+sign*chl.B, chl.R+chr.R, chl.rate), bwMax), b, nil
	}
	hRD, bRD, err := common(-1)
	if err != nil {
		return nil, err
	}
	hSum, bSum, err := common(1)
	if err != nil {
		return nil, err
	}
	median := func(a, b, c float64) float64 {
		v := []float64{a, b, c}
		slices.Sort(v)
		return v[1]
	}
	out := map[BWSelect][4]float64{
		MSERD:    {hRD, hRD, bRD, bRD},
		MSETwo:   {hTwoL, hTwoR, bTwoL, bTwoR},
		MSESum:   {hSum, hSum, bSum, bSum},
		MSEComb1: {math.Min(hRD, hSum), math.Min(hRD, hSum), math.Min(bRD, bSum), math.Min(bRD, bSum)},
		MSEComb2: {median(hRD, hSum, hTwoL), median(hRD, hSum, hTwoR), median(bRD, bSum, bTwoL), median(bRD, bSum, bTwoR)},
	}
	// Coverage-error rule: h·N^(−p/((3+p)(3+2p))) (N = clusters when
	// clustered), b unchanged.
	nc := float64(st.n)
	if st.clusters > 0 {
		nc = float64(st.clusters)
	}
	cer := math.Pow(nc, -float64(p)/float64((3+p)*(3+2*p)))
	for mse, c := range map[BWSelect]BWSelect{MSERD: CERRD, MSETwo: CERTwo, MSESum: CERSum, MSEComb1: CERComb1, MSEComb2: CERComb2} {
		v := out[mse]
		out[c] = [4]float64{v[0] * cer, v[1] * cer, v[2], v[3]}
	}
	return out, nil
}

func sq(v float64) float64 { return v * v }

// bothSides runs the computations of the two sides concurrently (they
// share nothing mutable) and returns the left one's error first.
func bothSides(left, right func() error) error {
	var errR error
	var wg sync.WaitGroup
	wg.Go(func() { errR = right() })
	errL := left()
	wg.Wait()
	if errL != nil {
		return errL
	}
	return errR
}
