package conjoint

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat"

	"github.com/causalkit/causalkit/estimators"
)

// CVOptions configures SelectLambda.
type CVOptions struct {
	// Lambdas is the grid; nil means 10^{−4, −3, −2, −1, 0}·sd(Y), as
	// strategize's cv_strategize.
	Lambdas []float64
	Folds   int    // folds of respondents; 0 means 2 (cv_strategize's default)
	Seed    uint64 // seed of the fold assignment
}

// CVPoint is the cross-validated value of one λ.
type CVPoint struct {
	Lambda float64   `json:"lambda"`
	Value  float64   `json:"value"` // mean held-out value over folds
	Folds  []float64 `json:"folds"` // held-out value per fold
}

// CVResult is the outcome of SelectLambda.
type CVResult struct {
	Lambda float64   `json:"lambda"` // the λ with the largest mean held-out value
	Points []CVPoint `json:"points"`
	Folds  int       `json:"folds"`
}

// SelectLambda chooses λ by K-fold cross-validation on held-out expected
// outcome (cv_strategize's rule, with folds of respondents so that held-out
// data are independent of the training data): respondents are split at
// random into K folds; for each fold k and each λ, the policy is learned
// from the model fitted without fold k, and its value Q(π) is evaluated
// with the model fitted on fold k alone. The λ with the largest mean
// held-out value wins (ties: the larger λ, the policy closer to the
// design).
func SelectLambda(d *Design, x *Data, mopt ModelOptions, popt PolicyOptions, cv CVOptions) (*CVResult, error) {
	if err := x.Validate(d); err != nil {
		return nil, err
	}
	k := cv.Folds
	if k == 0 {
		k = 2
	}
	lambdas := cv.Lambdas
	if lambdas == nil {
		sd := stat.StdDev(x.Y, nil)
		for e := -4; e <= 0; e++ {
			lambdas = append(lambdas, math.Pow(10, float64(e))*sd)
		}
	}
	for _, l := range lambdas {
		if !(l > 0) || math.IsInf(l, 0) {
			return nil, estimators.InputErrorf("conjoint: λ grid value %v must be positive and finite", l)
		}
	}
	resp, g := dense(x.Respondent)
	if g < 2*k {
		return nil, estimators.InputErrorf("conjoint: %d respondents for %d folds; each fold needs at least two", g, k)
	}
	// Random fold per respondent: a seeded permutation, dealt round-robin.
	perm := estimators.Stream(cv.Seed, 0).Perm(g)
	fold := make([]int, g)
	for r, q := range perm {
		fold[q] = r % k
	}
	res := &CVResult{Folds: k}
	for _, l := range lambdas {
		res.Points = append(res.Points, CVPoint{Lambda: l, Folds: make([]float64, k)})
	}
	p := d.Probs()
	for f := range k {
		var train, test []int
		for i, r := range resp {
			if fold[r] == f {
				test = append(test, i)
			} else {
				train = append(train, i)
			}
		}
		mTrain, err := FitModel(d, x.subset(train), mopt)
		if err != nil {
			return nil, fmt.Errorf("conjoint: cross-validation fold %d (training): %w", f+1, err)
		}
		mTest, err := FitModel(d, x.subset(test), mopt)
		if err != nil {
			return nil, fmt.Errorf("conjoint: cross-validation fold %d (held out): %w", f+1, err)
		}
		objTrain, err := valueObjective(mTrain, mTrain.Coef, p)
		if err != nil {
			return nil, err
		}
		objTest, err := valueObjective(mTest, mTest.Coef, p)
		if err != nil {
			return nil, err
		}
		for j, l := range lambdas {
			o := popt
			o.Lambda = l
			var pi [][]float64
			if cf, ok := closedForm(mTrain, p, o.Penalty, l); ok {
				pi = cf
			} else {
				r, err := optimizeObj(objTrain, p, o)
				if err != nil {
					return nil, fmt.Errorf("conjoint: cross-validation fold %d, λ = %g: %w", f+1, l, err)
				}
				pi = r.Pi
			}
			res.Points[j].Folds[f] = objTest.value(pi)
		}
	}
	best := -1
	for j := range res.Points {
		res.Points[j].Value = stat.Mean(res.Points[j].Folds, nil)
		if best < 0 || res.Points[j].Value > res.Points[best].Value ||
			(res.Points[j].Value == res.Points[best].Value && res.Points[j].Lambda > res.Points[best].Lambda) {
			best = j
		}
	}
	res.Lambda = res.Points[best].Lambda
	return res, nil
}
