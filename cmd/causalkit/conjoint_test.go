package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/causalkit/causalkit/internal/exampledata"
)

// taxesFile writes the bundled taxes conjoint to a temporary CSV file.
func taxesFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "taxes.csv")
	if err := os.WriteFile(path, exampledata.TaxesCSV(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

type conjointRow struct {
	Term        string   `json:"term"`
	Attribute   string   `json:"attribute"`
	Level       string   `json:"level"`
	Estimate    float64  `json:"estimate"`
	StdError    *float64 `json:"std_error"`
	Probability float64  `json:"probability"`
	Design      float64  `json:"design"`
}

// TestConjointTaxes checks the command end to end against cregg 0.3.7
// (amce(taxes, ...), survey errors) and lm + sandwich::vcovCL(type = "HC1"),
// the numbers of conjoint/testdata/reference.json. The level order comes
// from natural ordering alone, and must give R's reference levels.
func TestConjointTaxes(t *testing.T) {
	data := taxesFile(t)
	args := []string{"conjoint", "amce", "--data", data, "--outcome", "chose_plan", "--respondent", "ID",
		"--attributes", "taxrate1..taxrate6,taxrev", "--format", "json", "--quiet"}
	for _, tc := range []struct {
		se   string
		want map[string][2]float64 // term → estimate, std. error
	}{
		{"survey", map[string][2]float64{
			"taxrate1:<10k: 5%": {-0.0139987267386844, 0.00836771830489379},
			"taxrev:>125%":      {0.0866358183216428, 0.0277420836808189},
			"taxrev:75-95%":     {0.0155562019495788, 0.011532459481458},
		}},
		{"cr1", map[string][2]float64{"taxrate1:<10k: 5%": {-0.0139987267386844, 0.00837098896359114}}},
	} {
		code, out, stderr := runCLI(t, append(args, "--se", tc.se)...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var r struct {
			Command   string        `json:"command"`
			N         int           `json:"n"`
			Estimates []conjointRow `json:"estimates"`
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		if r.Command != "conjoint amce" || r.N != 32000 || len(r.Estimates) != 32 || r.Estimates[0].Term != "taxrate1:<10k: 0%" {
			t.Fatalf("%s: %d rows, first %+v", tc.se, len(r.Estimates), r.Estimates[0])
		}
		found := 0
		for _, e := range r.Estimates {
			w, ok := tc.want[e.Term]
			if !ok {
				continue
			}
			found++
			if e.Term != e.Attribute+":"+e.Level || math.Abs(e.Estimate-w[0]) > 1e-9*math.Abs(w[0]) ||
				e.StdError == nil || math.Abs(*e.StdError-w[1]) > 1e-8*w[1] {
				t.Errorf("%s %s: %+v, want %v", tc.se, e.Term, e, w)
			}
		}
		if found != len(tc.want) {
			t.Errorf("%s: %d of %d reference terms found", tc.se, found, len(tc.want))
		}
	}
}

// TestConjointOptimizeKKT checks the KL-penalised optimum of one attribute
// under the linear model by its optimality condition: with μ_l the fitted
// mean at level l and p the design, π maximises Σ π_l μ_l − λ·KL(p‖π) on
// the simplex iff μ_l + λ p_l/π_l is the same for every level.
func TestConjointOptimizeKKT(t *testing.T) {
	const lambda = 0.05
	fig := filepath.Join(t.TempDir(), "policy.svg")
	code, out, stderr := runCLI(t, "conjoint", "optimize", "--data", taxesFile(t), "--outcome", "chose_plan", "--respondent", "ID",
		"--attributes", "taxrev", "--model", "linear", "--penalty", "kl", "--lambda", "0.05", "--format", "json", "--quiet", "--plot", fig)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if b, err := os.ReadFile(fig); err != nil || !strings.Contains(string(b), "&gt;125%") {
		t.Errorf("figure: %v", err)
	}
	var r struct {
		Policy []conjointRow `json:"policy"`
		Value  struct {
			Estimate float64 `json:"estimate"`
		} `json:"value"`
		Diagnostics struct {
			OutcomeModel []conjointRow `json:"outcome_model"`
		} `json:"diagnostics"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if len(r.Policy) != 5 || len(r.Diagnostics.OutcomeModel) != 5 {
		t.Fatalf("policy %d rows, model %d terms", len(r.Policy), len(r.Diagnostics.OutcomeModel))
	}
	coef := map[string]float64{}
	for _, m := range r.Diagnostics.OutcomeModel {
		coef[m.Term] = m.Estimate
	}
	var sum, value, first float64
	for i, p := range r.Policy {
		mu := coef["(Intercept)"] + coef[p.Attribute+":"+p.Level]
		g := mu + lambda*p.Design/p.Probability
		if i == 0 {
			first = g
		} else if math.Abs(g-first) > 1e-9 {
			t.Errorf("%s: μ + λp/π = %.12g, first level %.12g", p.Level, g, first)
		}
		sum += p.Probability
		value += p.Probability * mu
	}
	if math.Abs(sum-1) > 1e-12 || math.Abs(value-r.Value.Estimate) > 1e-12 {
		t.Errorf("Σπ = %g, Σπμ = %.12g, value %.12g", sum, value, r.Value.Estimate)
	}
}

// TestConjointErrors checks that bad input exits with status 2 and says
// what is wrong.
func TestConjointErrors(t *testing.T) {
	data := taxesFile(t)
	base := []string{"--data", data, "--respondent", "ID", "--quiet"}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"amce", "--outcome", "chose_plan", "--attributes", "taxrev,nosuch"}, `column "nosuch" not found`},
		{[]string{"amce", "--outcome", "taxrev", "--attributes", "taxrate1"}, `column "taxrev" is string`},
		{[]string{"amce", "--outcome", "chose_plan", "--attributes", "taxrev", "--se", "hc9"}, "--se"},
		{[]string{"amce", "--outcome", "chose_plan", "--attributes", "taxrev", "--baseline", "taxrev=none"}, "none"},
		{[]string{"optimize", "--outcome", "chose_plan", "--attributes", "taxrev"}, "--lambda"},
		{[]string{"amce", "--outcome", "chose_plan", "--attributes", "taxrev", "--plot", "amce.pdf"}, ".png or .svg"},
	} {
		code, _, stderr := runCLI(t, append(append([]string{"conjoint"}, tc.args...), base...)...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
}

// TestSimulateConjointTruth fits the simulated conjoint and checks that
// every AMCE is within four standard errors of its true value.
func TestSimulateConjointTruth(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cj.parquet")
	if code, _, stderr := runCLI(t, "simulate", "conjoint", "--n", "3000", "--seed", "7", "--out", path, "--quiet"); code != 0 {
		t.Fatal(stderr)
	}
	code, out, stderr := runCLI(t, "conjoint", "amce", "--data", path, "--outcome", "chosen", "--respondent", "respondent",
		"--attributes", "price,brand,rating", "--format", "json", "--quiet")
	if code != 0 {
		t.Fatal(stderr)
	}
	var r struct {
		N         int           `json:"n"`
		Estimates []conjointRow `json:"estimates"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.N != 30000 || len(r.Estimates) != 9 {
		t.Fatalf("n %d, %d rows", r.N, len(r.Estimates))
	}
	k := 0
	for _, tr := range conjointTruth {
		for l, lv := range tr.levels {
			e := r.Estimates[k]
			k++
			if e.Attribute != tr.name || e.Level != lv {
				t.Fatalf("row %d is %s:%s, want %s:%s", k, e.Attribute, e.Level, tr.name, lv)
			}
			if l == 0 {
				continue
			}
			if z := (e.Estimate - tr.amce[l]) / *e.StdError; math.Abs(z) > 4 {
				t.Errorf("%s: %g, truth %g (z = %.2f)", e.Term, e.Estimate, tr.amce[l], z)
			}
		}
	}
}

// TestConjointAdversarialRestarts: on per-party taxes models over 120
// profiles (taxrate1, taxrev, taxrate6, fitted as examples/README.md
// describes for taxes_election.json), some random restarts cycle instead
// of converging. They must not count as further equilibria: the converged
// starts agree (spread ≈ 0) and the best-response check certifies the one
// equilibrium.
func TestConjointAdversarialRestarts(t *testing.T) {
	code, out, stderr := runCLI(t, "conjoint", "adversarial", "--models", "testdata/taxes_game_120.json", "--lambda", "0.05", "--format", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var r struct {
		NashGap     float64 `json:"nash_gap"`
		Diagnostics struct {
			Equilibria  int     `json:"equilibria"`
			Unconverged int     `json:"unconverged_restarts"`
			Spread      float64 `json:"spread"`
		} `json:"diagnostics"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if d := r.Diagnostics; d.Equilibria != 1 || d.Spread > 1e-9 || !(r.NashGap < 1e-9) {
		t.Errorf("equilibria %d (spread %g, %d restarts unconverged), Nash gap %g", d.Equilibria, d.Spread, d.Unconverged, r.NashGap)
	}
}
