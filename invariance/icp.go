package invariance

import (
	"context"
	"fmt"
	"math/bits"
	"slices"

	"github.com/causalkit/causalkit/estimators"
)

// ICPTest is the invariance test of ICP.
type ICPTest int

const (
	// TestNormal compares the residuals of each environment with the
	// others by 2·min(Welch t-test, F-test of variances) p-values (R's
	// test = "normal", and "ranks", which is identical in version 0.8).
	TestNormal ICPTest = iota
	// TestKS uses the two-sample Kolmogorov–Smirnov test.
	TestKS
	// TestExact predicts each environment from an OLS fit on the others
	// and tests the prediction errors with an exact F statistic; at most
	// MaxNoObs rows of an environment enter (a subsample drawn from the
	// seed).
	TestExact
)

var icpTestNames = [...]string{"normal", "ks", "exact"}

// String returns the name of t.
func (t ICPTest) String() string { return icpTestNames[t] }

// ParseICPTest parses "normal" (or its R alias "ranks"), "ks" or "exact".
func ParseICPTest(s string) (ICPTest, error) {
	if s == "ranks" {
		return TestNormal, nil
	}
	if i := slices.Index(icpTestNames[:], s); i >= 0 {
		return ICPTest(i), nil
	}
	return 0, estimators.InputErrorf("icp: unknown test %q; use normal, ks or exact", s)
}

// ICPOptions configures ICP. The zero value gives R InvariantCausalPrediction
// 0.8's defaults for up to 8 variables (alpha 0.01, test "normal",
// selection "all", maxNoObs 200, gof max(0.01, alpha)).
type ICPOptions struct {
	Alpha    float64 // level; 0 means 0.01
	Test     ICPTest
	MaxNoObs int     // TestExact: rows per environment at most; 0 means 200
	GOF      float64 // the model is rejected when no set has p > GOF; 0 means max(0.01, Alpha)
	// MaxSetSize limits the candidate sets to this many variables (0: no
	// limit; every subset is tested, R's selection = "all").
	MaxSetSize int
	Seed       uint64 // TestExact subsampling: set s draws from estimators.Stream(Seed, s)
	Workers    int    // goroutines; 0 means GOMAXPROCS. Results do not depend on it.
}

// SetTest is the outcome for one candidate set.
type SetTest struct {
	Set      []string  `json:"set"` // in the order of the variables given
	PValue   float64   `json:"p_value"`
	Accepted bool      `json:"accepted"`
	Coef     []float64 `json:"coef"`      // pooled OLS coefficients of the set's variables
	StdError []float64 `json:"std_error"` // their classical standard errors (RSS/(n−k))
}

// ICPResult is the outcome of invariant causal prediction. The per-variable
// slices follow the order of the variables given; the intervals and the
// maximin coefficients are NaN when the model is rejected (R: NULL).
type ICPResult struct {
	Names        []string   `json:"names"`
	Test         string     `json:"test"`
	Alpha        float64    `json:"alpha"`
	AcceptedSets [][]string `json:"accepted_sets"`
	// Sets lists every candidate set in R's order (by size, then by the
	// binary counter over the variables), the empty set first.
	Sets          []SetTest `json:"sets"`
	ConfLow       []float64 `json:"conf_low"`
	ConfHigh      []float64 `json:"conf_high"`
	Maximin       []float64 `json:"maximin"`
	PValues       []float64 `json:"p_values"`
	ModelRejected bool      `json:"model_rejected"`
	BestModel     float64   `json:"best_model"` // the largest set p-value
	Environments  int       `json:"environments"`
}

// ICP runs invariant causal prediction (Peters, Bühlmann and Meinshausen
// 2016) exactly as R's InvariantCausalPrediction 0.8 computes it for a
// numeric target with selection "all" (spec §3): for every candidate set S,
// the pooled OLS fit of y on [1, X_S] and the test of equal residual
// distributions in each environment against the others, p_S = min(1,
// (K−1)·min_k p_k) (K·min_k p_k for TestExact); S is accepted when p_S >
// Alpha; the confidence interval of each variable is the union over
// accepted sets of β̂ ± qnorm(1 − α/4)·se (0 for sets without it); the
// variable p-value is the largest p-value among sets without it and the
// empty set.
//
// x holds the variables column by column; env labels the environment of
// each row (any integers). Sets are tested in parallel and collected by
// index: the result does not depend on Workers.
func ICP(ctx context.Context, x [][]float64, names []string, y []float64, env []int, opt ICPOptions) (*ICPResult, error) {
	p := len(x)
	if len(names) != p {
		panic("invariance: ICP: len(names) != len(x)")
	}
	if opt.Alpha == 0 {
		opt.Alpha = 0.01
	}
	if !(opt.Alpha > 0 && opt.Alpha < 1) {
		return nil, estimators.InputErrorf("icp: alpha %g must lie in (0, 1)", opt.Alpha)
	}
	if opt.GOF == 0 {
		opt.GOF = max(0.01, opt.Alpha)
	}
	if opt.MaxNoObs == 0 {
		opt.MaxNoObs = 200
	}
	if opt.MaxSetSize <= 0 || opt.MaxSetSize > p {
		opt.MaxSetSize = p
	}
	if p > 20 {
		return nil, estimators.InputErrorf("icp: %d variables; testing every subset supports at most 20 (select variables first)", p)
	}
	if opt.MaxNoObs < 0 {
		return nil, estimators.InputErrorf("icp: MaxNoObs %d must be positive", opt.MaxNoObs)
	}
	groups, err := envGroups(env, len(y), p)
	if err != nil {
		return nil, fmt.Errorf("icp: %w", err)
	}
	for j := range x {
		if len(x[j]) != len(y) {
			panic("invariance: ICP: column length differs from len(y)")
		}
	}

	// Candidate sets as bit masks, R's order: by size, then by counter.
	var masks []uint64
	for m := uint64(0); m < 1<<p; m++ {
		if bits.OnesCount64(m) <= opt.MaxSetSize {
			masks = append(masks, m)
		}
	}
	slices.SortStableFunc(masks, func(a, b uint64) int { return bits.OnesCount64(a) - bits.OnesCount64(b) })

	// The triangle R of the QR decomposition of [1, X, y]: every set's
	// least-squares fit is the fit of the R columns of its variables (the
	// same coefficients, residual sum of squares and (XᵀX)⁻¹), so the data
	// are reduced once and each set costs O(np) for its residuals.
	acc := estimators.NewQRAccumulator(p + 2)
	acc.Add(slices.Concat([][]float64{constant(len(y))}, x, [][]float64{y}), nil)
	tri := acc.Columns()
	envOf := make([]int, len(y))
	for k, g := range groups {
		for _, i := range g {
			envOf[i] = k
		}
	}
	fits := make([]setFit, len(masks))
	err = parallelFor(ctx, len(masks), opt.Workers, func(s int) error {
		return fits[s].run(masks[s], x, y, tri, groups, envOf, opt, estimators.Stream(opt.Seed, uint64(s)))
	})
	if err != nil {
		return nil, err
	}
	return summarizeICP(names, masks, fits, len(groups), opt), nil
}
