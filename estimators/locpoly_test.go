package estimators

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// Reference data for TestLocPolyAgainstR, computed with R 4.2.2 (weighted
// least squares by lm.wfit, an implementation independent of this package):
//
//	set.seed(11); n <- 40
//	x <- round(runif(n, -1, 1), 4); x[1:4] <- c(0, 0.9, -0.5, 0.35)
//	y <- round(sin(2*x) + 0.3*(x >= 0) + rnorm(n, sd = 0.2), 4)
//	w <- round(runif(n, 0.5, 2), 3)
//	K <- list(tri = function(u) pmax(0, 1 - abs(u)), epa = function(u) 0.75*pmax(0, 1 - u^2),
//	          uni = function(u) 0.5*(abs(u) <= 1))
//	fit <- function(side, h, P, kern, obsw) {
//	  sel <- switch(side, above = x >= 0, below = x < 0, both = rep(TRUE, n))
//	  u <- x/h; k <- K[[kern]](u) * sel * obsw; X <- outer(u, 0:P, `^`); i <- k > 0
//	  m <- lm.wfit(X[i, , drop = FALSE], y[i], k[i])
//	  Mi <- solve(crossprod(X[i, , drop = FALSE] * k[i], X[i, , drop = FALSE]))
//	  ek <- rep(0, n); ek[i] <- (Mi %*% t(X[i, , drop = FALSE] * k[i]))[1, ]
//	  list(N = sum(i), coef = m$coefficients, weights = ek)
//	}
//	fit("above", 0.7, 2, "tri", w); fit("below", 0.5, 1, "epa", 1)
//	fit("above", 0.9, 3, "uni", 1); fit("both", 0.6, 2, "epa", w)
//
// printed with sprintf("%.17g").
var (
	lpRefX = []float64{
		0, 0.90000000000000002, -0.5, 0.34999999999999998, -0.87060000000000004, 0.90969999999999995,
		-0.82699999999999996, -0.41999999999999998, 0.76139999999999997, -0.75360000000000005,
		-0.64980000000000004, -0.11849999999999999, 0.81440000000000001, 0.70209999999999995, 0.46800000000000003,
		0.1474, -0.036499999999999998, -0.33879999999999999, -0.68469999999999998, -0.039699999999999999,
		-0.59260000000000002, 0.36070000000000002, -0.27239999999999998, -0.29930000000000001, -0.876,
		-0.034000000000000002, -0.20169999999999999, -0.96760000000000002, -0.74980000000000002,
		-0.20369999999999999, 0.0097999999999999997, -0.34460000000000002, -0.1764, -0.59519999999999995,
		0.62529999999999997, 0.28410000000000002, -0.44629999999999997, -0.79290000000000005, -0.48799999999999999,
		-0.88429999999999997,
	}
	lpRefY = []float64{
		0.16350000000000001, 1.2706999999999999, -0.93000000000000005, 1.0146999999999999, -0.97089999999999999,
		1.2706999999999999, -1.0341, -0.89780000000000004, 1.2545999999999999, -1.1947000000000001,
		-1.1842999999999999, -0.4224, 1.4339999999999999, 0.97070000000000001, 0.93120000000000003, 0.6875,
		-0.1101, -0.31780000000000003, -1.1021000000000001, -0.1489, -1.2539, 0.96450000000000002,
		-0.33989999999999998, -0.73799999999999999, -0.80559999999999998, -0.13669999999999999,
		-0.82989999999999997, -0.75829999999999997, -0.85270000000000001, -0.3523, 0.47760000000000002,
		-0.68189999999999995, -0.50919999999999999, -0.8286, 1.2809999999999999, 0.9466, -0.81000000000000005,
		-0.91210000000000002, -0.53069999999999995, -0.96850000000000003,
	}
	lpRefW = []float64{
		0.79700000000000004, 0.93400000000000005, 1.986, 0.75600000000000001, 1.1779999999999999,
		0.60799999999999998, 0.53800000000000003, 1.7849999999999999, 1.5569999999999999, 1.446,
		1.9319999999999999, 1.5229999999999999, 0.82199999999999995, 1.2869999999999999, 0.71199999999999997,
		1.2230000000000001, 0.90700000000000003, 1.5640000000000001, 1.6619999999999999, 1.99, 1.512,
		1.3380000000000001, 1.1759999999999999, 1.532, 0.83399999999999996, 1.2929999999999999, 1.385, 0.997,
		1.8029999999999999, 0.95599999999999996, 1.343, 1.647, 0.86799999999999999, 1.649, 1.512, 1.464,
		0.71399999999999997, 0.77700000000000002, 1.484, 1.3500000000000001,
	}
)

var lpRefCases = []struct {
	name    string
	side    Side
	h       float64
	p       int
	k       Kernel
	obsw    bool // use lpRefW as observation weights
	n       int
	coef    []float64
	weights []float64
}{
	{
		name: "above/h0.7/p2/tri/weighted", side: Above, h: 0.7, p: 2, k: Triangular, obsw: true, n: 8,
		coef: []float64{0.34617486898995103, 1.7910670986875141, -0.99604161527932966},
		weights: []float64{
			0.38117553304879898, 0, 0, -0.028173670696042347, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -0.0082491540506258454,
			0.11901558088213554, 0, 0, 0, 0, 0, -0.049057641353469461, 0, 0, 0, 0, 0, 0, 0, 0, 0.59475531890670952, 0,
			0, 0, 0.031460323793426392, -0.040926290530933052, 0, 0, 0, 0,
		},
	},
	{
		name: "below/h0.5/p1/epa", side: Below, h: 0.5, p: 1, k: Epanechnikov, obsw: false, n: 14,
		coef: []float64{-0.14374590182478381, 0.7552514193929023},
		weights: []float64{
			0, 0, 0, 0, 0, 0, 0, -0.056782889255240956, 0, 0, 0, 0.17277085925227786, 0, 0, 0, 0, 0.28377523388312892,
			-0.04955955877328555, 0, 0.27953215826313693, 0, 0, -0.0062159283785851727, -0.027194450796428488, 0,
			0.28707911281332299, 0.066406847635111926, 0, 0, 0.064069785859540124, 0, -0.051903479384442702,
			0.097060917268726038, 0, 0, 0, -0.045870699557041608, 0, -0.013167908830220849, 0,
		},
	},
	{
		name: "above/h0.9/p3/uni (x = h included)", side: Above, h: 0.9, p: 3, k: Uniform, obsw: false, n: 12,
		coef: []float64{0.30639073231001662, 2.9105847592378025, -3.8578508592662915, 1.9975289374912908},
		weights: []float64{
			0.50513435921380967, -0.048039252015657841, 0, -0.048889489799487568, 0, 0, 0, 0, 0.035644241274592092, 0,
			0, 0, 0.019262451314018492, 0.03664170958326296, -0.037187261641745517, 0.12383681763104992, 0, 0, 0, 0,
			0, -0.050197100455208449, 0, 0, 0, 0, 0, 0, 0, 0, 0.47115443868342882, 0, 0, 0, 0.019120006039553772,
			-0.026480919827624974, 0, 0, 0, 0,
		},
	},
	{
		name: "both/h0.6/p2/epa/weighted", side: Both, h: 0.6, p: 2, k: Epanechnikov, obsw: true, n: 24,
		coef: []float64{0.041231102413936828, 1.4694536406891761, 0.41521803475908298},
		weights: []float64{
			0.07065787836580073, 0, -0.041180015413712578, 0.012541188776483039, 0, 0, 0, -0.021185021992863096, 0, 0,
			0, 0.11395572731890921, 0, 0, -0.0079165281313632319, 0.091109008385468232, 0.078681201476760651,
			0.015310781211944693, 0, 0.17209131114738066, -0.0047730071097479322, 0.017907807156144318,
			0.036833310108693201, 0.034420111205504235, 0, 0.11242491363691395, 0.074346216395308667, 0, 0,
			0.050750939128247102, 0.11924815142699108, 0.013175790744958393, 0.052847084106560215,
			-0.0034326158205834176, 0, 0.054510949201797901, -0.011835807008501158, 0, -0.030489374317094455, 0,
		},
	},
}

func TestLocPolyAgainstR(t *testing.T) {
	const tol = 1e-12
	for _, tc := range lpRefCases {
		t.Run(tc.name, func(t *testing.T) {
			var w []float64
			if tc.obsw {
				w = lpRefW
			}
			fit, err := LocPoly(lpRefX, lpRefY, w, tc.h, tc.p, tc.side, tc.k)
			if err != nil {
				t.Fatal(err)
			}
			if fit.N != tc.n {
				t.Errorf("N = %d, want %d", fit.N, tc.n)
			}
			if !floats.EqualApprox(fit.Coef, tc.coef, tol) {
				t.Errorf("Coef = %v\nwant   %v", fit.Coef, tc.coef)
			}
			if !floats.EqualApprox(fit.Weights, tc.weights, tol) {
				t.Errorf("Weights = %v\nwant      %v", fit.Weights, tc.weights)
			}
			if fit.Bandwidth != tc.h || fit.Order != tc.p || fit.Side != tc.side || fit.Kernel != tc.k {
				t.Errorf("fit header = %v %v %v %v", fit.Bandwidth, fit.Order, fit.Side, fit.Kernel)
			}
			wts, n, err := LocPolyWeights(nil, lpRefX, w, tc.h, tc.p, tc.side, tc.k)
			if err != nil || n != tc.n || !floats.Equal(wts, fit.Weights) {
				t.Errorf("LocPolyWeights = %v, %d, %v; want the fit's weights", wts, n, err)
			}
		})
	}
}

// lpTestData returns n points with x uniform on (−1, 1) and a smooth y.
func lpTestData(n int, seed uint64) (x, y, w []float64) {
	rng := rand.New(rand.NewPCG(seed, 1))
	x, y, w = make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range x {
		x[i] = 2*rng.Float64() - 1
		y[i] = math.Cos(3*x[i]) + 0.5*rng.NormFloat64()
		w[i] = 0.5 + rng.Float64()
	}
	return x, y, w
}

// TestLocPolyEquivalentKernelMoments checks the defining moment conditions of
// the equivalent kernel, Σ_i W[v,i] u_i^j = 1{j = v} for j = 0..P, and that
// its rows reproduce the coefficients, for every kernel, side and order.
// The tolerance grows with the order like the condition number of the Gram
// matrix in the monomial basis (about 1e2, 1e4, 1e6 at P = 2, 3, 4 for a
// one-sided uniform kernel).
func TestLocPolyEquivalentKernelMoments(t *testing.T) {
	tols := []float64{1e-14, 1e-14, 1e-13, 1e-11, 1e-9}
	x, y, w := lpTestData(500, 3)
	const h = 0.4
	var ek mat.Dense
	for _, k := range []Kernel{Triangular, Epanechnikov, Uniform} {
		for _, s := range []Side{Above, Below, Both} {
			for p := range 5 {
				for _, obsw := range [][]float64{nil, w} {
					name := fmt.Sprintf("%v/%v/p%d/weighted=%t", k, s, p, obsw != nil)
					fit, err := LocPoly(x, y, obsw, h, p, s, k)
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					ek.Reset()
					n, err := LocPolyEquivalentKernel(&ek, x, obsw, h, p, s, k)
					if err != nil || n != fit.N {
						t.Fatalf("%s: LocPolyEquivalentKernel n = %d, err = %v; want %d", name, n, err, fit.N)
					}
					if !floats.Equal(ek.RawRowView(0), fit.Weights) {
						t.Errorf("%s: equivalent kernel row 0 differs from Weights", name)
					}
					inWindow := 0
					for i, xi := range x {
						in := s.Contains(xi) && math.Abs(xi/h) < 1
						if in {
							inWindow++
						}
						if !in && fit.Weights[i] != 0 {
							t.Fatalf("%s: weight %d = %v outside the window", name, i, fit.Weights[i])
						}
					}
					if fit.N != inWindow {
						t.Errorf("%s: N = %d, want %d", name, fit.N, inWindow)
					}
					for v := 0; v <= p; v++ {
						row := ek.RawRowView(v)
						for j := 0; j <= p; j++ {
							var m float64
							for i, xi := range x {
								m += row[i] * math.Pow(xi/h, float64(j))
							}
							want := 0.0
							if j == v {
								want = 1
							}
							if math.Abs(m-want) > tols[p] {
								t.Errorf("%s: Σ W[%d,i] u_i^%d = %v, want %v", name, v, j, m, want)
							}
						}
						if got := floats.Dot(row, y); math.Abs(got-fit.Coef[v]) > 100*tols[p] {
							t.Errorf("%s: Σ W[%d,i] y_i = %v, Coef[%d] = %v", name, v, got, v, fit.Coef[v])
						}
					}
				}
			}
		}
	}
}

// TestLocPolyReproducesPolynomials: a polynomial of degree ≤ P is fitted
// exactly, so Derivative returns its derivatives at 0 and Predict its values.
func TestLocPolyReproducesPolynomials(t *testing.T) {
	x, _, w := lpTestData(300, 5)
	c := []float64{1.5, -2, 0.75, 3} // m(x) = 1.5 − 2x + 0.75x² + 3x³
	m := func(x float64) float64 { return c[0] + x*(c[1]+x*(c[2]+x*c[3])) }
	y := make([]float64, len(x))
	for i, xi := range x {
		y[i] = m(xi)
	}
	// m^(v)(0) = v!·c_v.
	deriv := []float64{1.5, -2, 1.5, 18}
	tols := map[int]float64{3: 1e-10, 4: 1e-8, 5: 1e-6} // see TestLocPolyEquivalentKernelMoments
	for _, s := range []Side{Above, Below} {
		for p := 3; p <= 5; p++ {
			tol := tols[p]
			fit, err := LocPoly(x, y, w, 0.8, p, s, Epanechnikov)
			if err != nil {
				t.Fatal(err)
			}
			for v := 0; v <= p; v++ {
				want := 0.0
				if v < len(deriv) {
					want = deriv[v]
				}
				if got := fit.Derivative(v); math.Abs(got-want) > tol {
					t.Errorf("%v p=%d: Derivative(%d) = %v, want %v", s, p, v, got, want)
				}
			}
			for _, xv := range []float64{-0.5, 0, 0.3, 2} {
				if got := fit.Predict(xv); math.Abs(got-m(xv)) > tol {
					t.Errorf("%v p=%d: Predict(%v) = %v, want %v", s, p, xv, got, m(xv))
				}
			}
		}
	}
}

func TestLocPolyErrors(t *testing.T) {
	x := []float64{-0.3, -0.2, -0.1, 0, 0.1, 0.2, 0.3}
	y := []float64{1, 2, 3, 4, 5, 6, 7}
	nan := math.NaN()
	tests := []struct {
		name    string
		x, y, w []float64
		h       float64
		p       int
		s       Side
		k       Kernel
		msg     string // substring of the error message
	}{
		{"zero bandwidth", x, y, nil, 0, 1, Above, Triangular, "bandwidth 0"},
		{"negative bandwidth", x, y, nil, -1, 1, Above, Triangular, "bandwidth -1"},
		{"NaN bandwidth", x, y, nil, nan, 1, Above, Triangular, "bandwidth NaN"},
		{"infinite bandwidth", x, y, nil, math.Inf(1), 1, Above, Triangular, "bandwidth +Inf"},
		{"negative order", x, y, nil, 1, -1, Above, Triangular, "order -1"},
		{"zero side", x, y, nil, 1, 1, 0, Triangular, "invalid side"},
		{"zero kernel", x, y, nil, 1, 1, Above, 0, "invalid kernel"},
		{"empty window", x, y, nil, 0.05, 1, Below, Triangular, "side below, bandwidth 0.05): no observations"},
		{"empty input", nil, nil, nil, 1, 0, Above, Uniform, "no observations"},
		// Above with h = 0.25: x = 0, 0.1, 0.2 are inside, 3 distinct < p+1 = 4.
		{"too few distinct", x, y, nil, 0.25, 3, Above, Epanechnikov, "side above, bandwidth 0.25): 3 observations in the window with 3 distinct x values, order 3 needs at least 4"},
		{"ties", []float64{0.1, 0.1, 0.1, 0.2, 0.2}, y[:5], nil, 1, 2, Above, Uniform, "2 distinct x values"},
		{"all weights zero", x, y, []float64{0, 0, 0, 0, 0, 0, 0}, 1, 0, Both, Uniform, "no observations"},
		{"negative weight", x, y, []float64{1, 1, 1, 1, -1, 1, 1}, 1, 1, Above, Uniform, "weight 4 is -1"},
		{"NaN weight", x, y, []float64{1, 1, 1, 1, nan, 1, 1}, 1, 1, Above, Uniform, "weight 4 is NaN"},
		{"NaN outcome", x, []float64{1, 2, 3, nan, 5, 6, 7}, nil, 1, 1, Above, Uniform, "outcome 3 is NaN"},
		{"near-singular", []float64{0.5, 0.5 + 1e-9, 0.9}, y[:3], nil, 1, 2, Above, Uniform, "ill-conditioned"},
	}
	for _, tc := range tests {
		_, err := LocPoly(tc.x, tc.y, tc.w, tc.h, tc.p, tc.s, tc.k)
		if !errors.Is(err, ErrInput) {
			t.Errorf("%s: error %v, want ErrInput", tc.name, err)
			continue
		}
		if !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: error %q does not contain %q", tc.name, err, tc.msg)
		}
		if tc.name == "NaN outcome" {
			continue // LocPolyWeights does not read y
		}
		if _, _, err := LocPolyWeights(nil, tc.x, tc.w, tc.h, tc.p, tc.s, tc.k); !errors.Is(err, ErrInput) {
			t.Errorf("%s: LocPolyWeights error %v, want ErrInput", tc.name, err)
		}
	}

	// Values off the side or outside the window are never read.
	yOut := []float64{nan, nan, nan, 4, 5, 6, math.Inf(1)}
	wOut := []float64{-1, nan, -1, 1, 1, 1, -5}
	if _, err := LocPoly(x, yOut, wOut, 0.25, 1, Above, Triangular); err != nil {
		t.Errorf("values outside the window: %v", err)
	}
	// NaN x is ignored.
	if fit, err := LocPoly([]float64{nan, 0, 0.1, 0.2}, []float64{9, 1, 2, 3}, nil, 1, 1, Above, Uniform); err != nil || fit.N != 3 {
		t.Errorf("NaN x: N = %d, err = %v", fit.N, err)
	}
}

func TestLocPolyPanics(t *testing.T) {
	x := []float64{0, 0.1, 0.2}
	MustPanic(t, map[string]func(){
		"len(y)":      func() { LocPoly(x, []float64{1, 2}, nil, 1, 1, Above, Uniform) },
		"len(w)":      func() { LocPoly(x, x, []float64{1}, 1, 1, Above, Uniform) },
		"len(dst)":    func() { LocPolyWeights(make([]float64, 2), x, nil, 1, 1, Above, Uniform) },
		"dst shape":   func() { LocPolyEquivalentKernel(mat.NewDense(3, 3, nil), x, nil, 1, 1, Above, Uniform) },
		"derivative":  func() { (&LocPolyFit{Order: 1, Coef: []float64{1, 2}, Bandwidth: 1}).Derivative(2) },
		"apply rows":  func() { ApplyWeights(nil, x, mat.NewDense(2, 2, nil)) },
		"apply dst":   func() { ApplyWeights(make([]float64, 3), x, mat.NewDense(3, 2, nil)) },
		"weights len": func() { LocPolyWeights(nil, x, []float64{1, 1}, 1, 1, Above, Uniform) },
	})
}

// rowsOnly hides the RawMatrixer implementation of a matrix.
type rowsOnly struct{ mat.Matrix }

func TestApplyWeights(t *testing.T) {
	x, _, _ := lpTestData(400, 9)
	const m = 7
	rng := rand.New(rand.NewPCG(2, 2))
	q := mat.NewDense(len(x), m, nil)
	for i := range len(x) {
		for j := range m {
			q.Set(i, j, float64(j)+x[i]+0.1*rng.NormFloat64())
		}
	}
	wts, _, err := LocPolyWeights(nil, x, nil, 0.5, 2, Above, Triangular)
	if err != nil {
		t.Fatal(err)
	}
	got := ApplyWeights(nil, wts, q)
	generic := ApplyWeights(make([]float64, m), wts, rowsOnly{q})
	var ek mat.Dense
	if _, err := LocPolyEquivalentKernel(&ek, x, nil, 0.5, 2, Above, Triangular); err != nil {
		t.Fatal(err)
	}
	var coef mat.Dense
	coef.Mul(&ek, q)
	for j := range m {
		fit, err := LocPoly(x, mat.Col(nil, j, q), nil, 0.5, 2, Above, Triangular)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []float64{got[j], generic[j], coef.At(0, j)} {
			if math.Abs(v-fit.Coef[0]) > 1e-12 {
				t.Errorf("column %d: intercept %v, LocPoly gives %v", j, v, fit.Coef[0])
			}
		}
		for v := range 3 {
			if math.Abs(coef.At(v, j)-fit.Coef[v]) > 1e-12 {
				t.Errorf("column %d: coefficient %d = %v, LocPoly gives %v", j, v, coef.At(v, j), fit.Coef[v])
			}
		}
	}
	// Rows with zero weight are skipped: a NaN there does not propagate.
	q.Set(0, 0, math.NaN())
	wts[0] = 0
	if v := ApplyWeights(nil, wts, q)[0]; math.IsNaN(v) {
		t.Error("NaN in a zero-weight row propagated")
	}
}

func TestLocPolyWeightsNoAlloc(t *testing.T) {
	x, _, w := lpTestData(1000, 4)
	dst := make([]float64, len(x))
	var ek mat.Dense
	LocPolyEquivalentKernel(&ek, x, w, 0.3, 2, Below, Epanechnikov)
	allocs := testing.AllocsPerRun(10, func() {
		if _, _, err := LocPolyWeights(dst, x, w, 0.3, 2, Below, Epanechnikov); err != nil {
			t.Fatal(err)
		}
		if _, err := LocPolyEquivalentKernel(&ek, x, w, 0.3, 2, Below, Epanechnikov); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("LocPolyWeights and LocPolyEquivalentKernel allocate %v times with caller-owned outputs", allocs)
	}
}

func TestLocPolyHighOrder(t *testing.T) {
	// Orders above the stack workspace use a heap workspace and still satisfy
	// the moment conditions.
	x, y, _ := lpTestData(2000, 6)
	p := lpStackOrder + 1
	fit, err := LocPoly(x, y, nil, 1, p, Both, Uniform)
	if err != nil {
		t.Fatal(err)
	}
	for j := 0; j <= p; j++ {
		var m float64
		for i, xi := range x {
			m += fit.Weights[i] * math.Pow(xi, float64(j))
		}
		want := 0.0
		if j == 0 {
			want = 1
		}
		if math.Abs(m-want) > 1e-8 {
			t.Errorf("Σ w_i u_i^%d = %v, want %v", j, m, want)
		}
	}
}

func TestSide(t *testing.T) {
	tests := []struct {
		s    Side
		x    float64
		want bool
	}{
		{Above, 0, true}, {Above, 1e-300, true}, {Above, -1e-300, false}, {Above, math.NaN(), false},
		{Below, 0, false}, {Below, -1e-300, true}, {Below, math.NaN(), false},
		{Both, 0, true}, {Both, -5, true}, {Both, math.NaN(), false},
		{0, 0, false},
	}
	for _, tc := range tests {
		if got := tc.s.Contains(tc.x); got != tc.want {
			t.Errorf("%v.Contains(%v) = %t", tc.s, tc.x, got)
		}
	}
	if Above.String() != "above" || Below.String() != "below" || Both.String() != "both" || Side(0).String() != "Side(0)" {
		t.Error("Side.String")
	}
}
