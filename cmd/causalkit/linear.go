package main

import (
	"gonum.org/v1/gonum/mat"

	"github.com/causalkit/causalkit/estimators"
	"github.com/causalkit/causalkit/internal/linstream"
	ckio "github.com/causalkit/causalkit/io"
	"github.com/causalkit/causalkit/iv"
)

// streamFit is a streamed fit: the coefficients, their covariance (nil
// without analytic errors) and the wild bootstrap replicates (nil unless
// asked for).
type streamFit struct {
	fit    *iv.Fit
	cov    *estimators.Covariance
	reps   *mat.Dense         // bootstrap replicates (wild or Poisson pairs)
	failed int                // replicates whose refit failed
	diag   []*estimators.Meat // the robust IV diagnostics' meats, when asked for
	input  estimators.Input
}

// streamLinear fits m over the streamer's row groups: pass 1 reduces each
// row group to its QR factor; a robust or cluster covariance, or a wild
// bootstrap, takes pass 2 (see linstream), which with diagnostics also
// accumulates the robust IV diagnostics' meats.
func streamLinear(s *streamer, data string, m *linstream.Model, opt iv.Options, covType estimators.CovType,
	wild *linstream.Wild, rs *linstream.Resample, diagnostics bool) (*streamFit, error) {
	out := &streamFit{}
	spec := m.Spec(s.c.naPolicy())
	first, err := s.pass(1, spec, func(u int, _ *ckio.Table, fr *ckio.Frame) (unitResult, error) {
		vals, err := m.First(fr, s.plan.Units[u], rs)
		return unitResult{vals: vals}, err
	})
	if err != nil {
		return nil, err
	}
	out.input = s.input(data, first)
	if out.input.Dropped > 0 {
		s.notef("dropped %d of %d rows with missing values (use --na error to stop instead)", out.input.Dropped, out.input.Rows)
	}
	if out.fit, err = m.Fit(first, opt, rs); err != nil {
		return nil, err
	}
	if rs != nil {
		if out.reps, out.failed, err = m.Resampled(first, opt, rs); err != nil {
			return nil, err
		}
	}
	second, err := m.Second(out.fit, covType, wild, diagnostics)
	if err != nil {
		return nil, err
	}
	var st2 []ckio.PartialState
	if second.Needed() {
		st2, err = s.pass(2, spec, func(u int, _ *ckio.Table, fr *ckio.Frame) (unitResult, error) {
			vals, keys, err := second.Unit(fr, s.plan.Units[u])
			return unitResult{vals: vals, keys: keys}, err
		})
		if err != nil {
			return nil, err
		}
	}
	var reps *mat.Dense
	if out.cov, reps, out.diag, err = second.Finish(st2); reps != nil {
		out.reps = reps
	}
	return out, err
}
