package estimators

import (
	"bytes"
	"encoding/csv"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/causalkit/causalkit/internal/exampledata"
)

// readCSV reads the numeric columns of a CSV file.
func readCSV(t testing.TB, data []byte) map[string][]float64 {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	cols := make(map[string][]float64)
	for j, name := range recs[0] {
		v := make([]float64, len(recs)-1)
		for i, rec := range recs[1:] {
			if v[i], err = strconv.ParseFloat(rec[j], 64); err != nil {
				t.Fatalf("%s row %d: %v", name, i+1, err)
			}
		}
		cols[name] = v
	}
	return cols
}

// cardTerms is the regressor list of the reference regression.
var cardTerms = []string{"(Intercept)", "educ", "exper", "expersq", "black", "smsa", "south", "smsa66",
	"reg662", "reg663", "reg664", "reg665", "reg666", "reg667", "reg668", "reg669"}

// cardDesign returns the design columns of lwage ~ educ + exper + … + reg669.
func cardDesign(t testing.TB) (x [][]float64, y []float64, d map[string][]float64) {
	d = readCSV(t, exampledata.CardCSV)
	y = d["lwage"]
	ones := make([]float64, len(y))
	for i := range ones {
		ones[i] = 1
	}
	x = [][]float64{ones}
	for _, name := range cardTerms[1:] {
		x = append(x, d[name])
	}
	return x, y, d
}

func relErr(got, want float64) float64 {
	return math.Abs(got-want) / math.Abs(want)
}

func TestWLSCard(t *testing.T) {
	x, y, _ := cardDesign(t)
	ls, err := WLS(x, y, cardTerms, LSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Reference values quoted in issue 2 (statsmodels / R lm + sandwich).
	cases := []struct {
		term      string
		coef, hc1 float64
		classical float64 // small-sample, s² = RSS/(n−k); 0 = not given
	}{
		{"educ", 0.0746932507735888, 0.00364624779725322, 0.00349834563410109},
		{"exper", 0.0848320319380444, 0.00675479260257241, 0},
	}
	hc1, err := ls.Cov(CovOptions{Type: HC1})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := ls.Cov(CovOptions{Type: Classical, Small: true})
	if err != nil {
		t.Fatal(err)
	}
	seHC1, seCl := hc1.SE(ls), cl.SE(ls)
	for _, c := range cases {
		j := index(cardTerms, c.term)
		if e := relErr(ls.Coef[j], c.coef); e > 1e-9 {
			t.Errorf("%s: coef %.17g, want %.17g (rel err %.2g)", c.term, ls.Coef[j], c.coef, e)
		}
		if e := relErr(seHC1[j], c.hc1); e > 1e-9 {
			t.Errorf("%s: HC1 se %.17g, want %.17g (rel err %.2g)", c.term, seHC1[j], c.hc1, e)
		}
		if c.classical != 0 {
			if e := relErr(seCl[j], c.classical); e > 1e-9 {
				t.Errorf("%s: classical se %.17g, want %.17g (rel err %.2g)", c.term, seCl[j], c.classical, e)
			}
		}
	}
}

func index(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	panic("no " + v)
}

// naiveSandwich computes a cluster-robust covariance the textbook way, as an
// independent check: (X'WX)⁻¹ from an explicit inverse, and the meat as a
// double loop over clusters and rows, in the original (not the QR) basis.
func naiveSandwich(x [][]float64, w, e []float64, cluster []int, factor float64) *mat.Dense {
	n, p := len(e), len(x)
	xtx := mat.NewDense(p, p, nil)
	for a := range p {
		for b := range p {
			var s float64
			for i := range n {
				wi := 1.0
				if w != nil {
					wi = w[i]
				}
				s += wi * x[a][i] * x[b][i]
			}
			xtx.Set(a, b, s)
		}
	}
	var bread mat.Dense
	if err := bread.Inverse(xtx); err != nil {
		panic(err)
	}
	sums := map[int][]float64{}
	for i := range n {
		wi := 1.0
		if w != nil {
			wi = w[i]
		}
		if sums[cluster[i]] == nil {
			sums[cluster[i]] = make([]float64, p)
		}
		for a := range p {
			sums[cluster[i]][a] += wi * x[a][i] * e[i]
		}
	}
	meat := mat.NewDense(p, p, nil)
	for _, s := range sums {
		v := mat.NewVecDense(p, s)
		meat.RankOne(meat, 1, v, v)
	}
	var v mat.Dense
	v.Product(&bread, meat, &bread)
	v.Scale(factor, &v)
	return &v
}

func regionCodes(d map[string][]float64) []int {
	n := len(d["reg661"])
	codes := make([]int, n)
	for i := range n {
		for k := 1; k <= 9; k++ {
			if d["reg66"+strconv.Itoa(k)][i] == 1 {
				codes[i] = k - 1
			}
		}
	}
	return codes
}

func TestClusterAgainstNaive(t *testing.T) {
	x, y, d := cardDesign(t)
	region := regionCodes(d)
	for _, weighted := range []bool{false, true} {
		var w []float64
		if weighted {
			w = d["weight"]
		}
		ls, err := WLS(x, y, cardTerms, LSOptions{Weights: w})
		if err != nil {
			t.Fatal(err)
		}
		n, k, g := float64(ls.N), float64(ls.Rank), 9.0
		for _, c := range []struct {
			typ    CovType
			factor float64
		}{
			{CR1, g / (g - 1) * (n - 1) / (n - k)},
			{CR0G, g / (g - 1)},
		} {
			cov, err := ls.Cov(CovOptions{Type: c.typ, Cluster: region})
			if err != nil {
				t.Fatal(err)
			}
			if cov.Groups != 9 {
				t.Errorf("groups %d, want 9", cov.Groups)
			}
			want := naiveSandwich(x, w, ls.Resid, region, c.factor)
			for a := range len(x) {
				for b := range len(x) {
					if e := relErr(cov.V.At(a, b), want.At(a, b)); e > 1e-8 && math.Abs(want.At(a, b)) > 1e-14 {
						t.Fatalf("weighted=%v %s: V[%d,%d] = %g, naive %g (rel err %.2g)", weighted, c.typ, a, b, cov.V.At(a, b), want.At(a, b), e)
					}
				}
			}
		}
	}
}

func TestWLSCollinear(t *testing.T) {
	x, y, d := cardDesign(t)
	// exper + educ is a new column that repeats information already present.
	sum := make([]float64, len(y))
	for i := range sum {
		sum[i] = d["educ"][i] + d["exper"][i]
	}
	names := append(append([]string{}, cardTerms[:4]...), "educ_plus_exper")
	xs := append(append([][]float64{}, x[:4]...), sum)
	_, err := WLS(xs, y, names, LSOptions{})
	if !errors.Is(err, ErrInput) {
		t.Fatalf("err = %v, want ErrInput", err)
	}
	if want := `"educ_plus_exper"`; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not name %s", err, want)
	}
	ls, err := WLS(xs, y, names, LSOptions{DropCollinear: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(ls.Dropped) != 1 || ls.Dropped[0] != "educ_plus_exper" || !math.IsNaN(ls.Coef[4]) || ls.Rank != 4 {
		t.Errorf("dropped %v, coef %v, rank %d", ls.Dropped, ls.Coef, ls.Rank)
	}
	full, err := WLS(x[:4], y, cardTerms[:4], LSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for j := range 4 {
		if e := relErr(ls.Coef[j], full.Coef[j]); e > 1e-12 {
			t.Errorf("coef %d: %g vs %g", j, ls.Coef[j], full.Coef[j])
		}
	}
}

func TestWLSBadInput(t *testing.T) {
	ones := []float64{1, 1, 1}
	cases := []struct {
		name string
		x    [][]float64
		y    []float64
		opt  LSOptions
	}{
		{"nan in y", [][]float64{ones}, []float64{1, math.NaN(), 2}, LSOptions{}},
		{"inf in x", [][]float64{{1, math.Inf(1), 2}}, []float64{1, 2, 3}, LSOptions{}},
		{"negative weight", [][]float64{ones}, []float64{1, 2, 3}, LSOptions{Weights: []float64{1, -1, 1}}},
		{"no rows", [][]float64{{}}, []float64{}, LSOptions{}},
		{"too few rows", [][]float64{ones, {1, 2, 3}, {1, 4, 9}}, []float64{1, 2, 3}, LSOptions{}},
		{"zero column", [][]float64{ones, {0, 0, 0}}, []float64{1, 2, 3}, LSOptions{}},
	}
	for _, c := range cases {
		names := make([]string, len(c.x))
		for j := range names {
			names[j] = "x" + strconv.Itoa(j)
		}
		if _, err := WLS(c.x, c.y, names, c.opt); !errors.Is(err, ErrInput) {
			t.Errorf("%s: err = %v, want ErrInput", c.name, err)
		}
	}
}
