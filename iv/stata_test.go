package iv

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/causalkit/causalkit/estimators"
)

// stataRun is one block of testdata/stata-iv-housing-results.txt.
type stataRun struct {
	b map[string]float64
	v map[[2]string]float64
}

// readStata parses the Stata 13 output blocks, keyed "2sls-robust-small".
func readStata(t *testing.T) map[string]stataRun {
	f, err := os.Open("testdata/stata-iv-housing-results.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	runs := map[string]stataRun{}
	var cur stataRun
	var header []string
	inV := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "##########"):
			name := strings.Trim(strings.Fields(line)[1], "!")
			cur = stataRun{b: map[string]float64{}, v: map[[2]string]float64{}}
			runs[name] = cur
			inV, header = false, nil
			continue
		case strings.HasPrefix(line, "********* Variance"):
			inV = true
			continue
		case strings.HasPrefix(line, "*********"): // the GMM weight matrix
			inV = false
			continue
		}
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if !inV {
			if len(fields) == 2 && (fields[0] == "hsngval" || fields[0] == "pcturban" || fields[0] == "_cons") {
				v, _ := strconv.ParseFloat(fields[1], 64)
				cur.b[fields[0]] = v
			}
			continue
		}
		if fields[0] == "V" {
			continue
		}
		if header == nil {
			header = fields
			continue
		}
		for j, s := range fields[1:] {
			v, _ := strconv.ParseFloat(s, 64)
			cur.v[[2]string{fields[0], header[j]}] = v
		}
	}
	return runs
}

// TestStataHousing compares every 2SLS and LIML coefficient and covariance
// entry with Stata 13's ivregress output (coefficients with 9–11 significant
// digits, covariances with 7–11): unadjusted ↔ classical, robust ↔ HC0 (HC1
// with small), cluster ↔ CR0 (CR1 with small).
func TestStataHousing(t *testing.T) {
	runs := readStata(t)
	d, division := housingData(t)
	stataName := map[string]string{"(Intercept)": "_cons", "pcturban": "pcturban", "hsngval": "hsngval"}
	vce := map[string]func(small bool) estimators.CovOptions{
		"unadjusted": func(small bool) estimators.CovOptions {
			return estimators.CovOptions{Type: estimators.Classical, Small: small}
		},
		"robust": func(small bool) estimators.CovOptions {
			if small {
				return estimators.CovOptions{Type: estimators.HC1}
			}
			return estimators.CovOptions{Type: estimators.HC0}
		},
		"cluster": func(small bool) estimators.CovOptions {
			if small {
				return estimators.CovOptions{Type: estimators.CR1, Cluster: division}
			}
			return estimators.CovOptions{Type: estimators.CR0, Cluster: division}
		},
	}
	checked := 0
	for _, m := range []Method{TSLS, LIML} {
		fit, err := Estimate(d, Options{Method: m})
		if err != nil {
			t.Fatal(err)
		}
		for kind, opt := range vce {
			for _, small := range []bool{true, false} {
				name := m.String() + "-" + kind + "-" + map[bool]string{true: "small", false: "asymptotic"}[small]
				run, ok := runs[name]
				if !ok {
					t.Fatalf("no Stata block %s", name)
				}
				cov, err := fit.Cov(opt(small))
				if err != nil {
					t.Fatal(name, err)
				}
				for a, na := range fit.Names {
					// Stata prints 9 to 11 significant digits.
					if e := relErr(fit.Coef[a], run.b[stataName[na]]); e > 1e-8 {
						t.Errorf("%s %s: coef %.12g, Stata %.12g", name, na, fit.Coef[a], run.b[stataName[na]])
					}
					for b, nb := range fit.Names {
						want := run.v[[2]string{stataName[na], stataName[nb]}]
						if e := relErr(cov.V.At(a, b), want); e > 2e-6 {
							t.Errorf("%s V[%s,%s] = %.10g, Stata %.10g (rel %.2g)", name, na, nb, cov.V.At(a, b), want, e)
						}
						checked++
					}
				}
			}
		}
	}
	if checked != 2*3*2*9 {
		t.Errorf("checked %d covariance entries", checked)
	}
}
