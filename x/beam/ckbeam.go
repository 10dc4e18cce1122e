// Package ckbeam runs causalkit's streamed linear models (OLS, 2SLS,
// LIML, Fuller, k-class; unadjusted, HC and one-way cluster errors) as
// Apache Beam pipelines, for data beyond one machine: Dataflow, Flink and
// Spark through Beam's portable runners, and Prism for local runs and
// tests.
//
// The pipeline follows the command line's streaming mode: the Parquet
// plan's row groups are the elements; a worker reads its row group and
// reduces it to the same per-unit state as `causalkit lm|iv` does
// (internal/linstream); the states are collected and merged in row-group
// order, never in the runner's merge order, so the result has the same
// bits as the streamed command-line run (on the same platform), however
// the runner splits and merges the work. A robust or cluster covariance
// takes a second pass whose workers refit from the first pass's states (a
// side input).
//
// Workers must see the data at the same paths as the launcher (a shared
// file system or a mounted bucket); the plan's fingerprint (sizes and
// Parquet footers) is checked on every worker.
package ckbeam

import (
	"context"
	"fmt"
	"slices"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/causalkit/causalkit/estimators"
	"github.com/causalkit/causalkit/internal/linstream"
	ckio "github.com/causalkit/causalkit/io"
	"github.com/causalkit/causalkit/iv"
)

// Options describe the estimate, with the command line's names.
type Options struct {
	Data        string   // a Parquet file, a directory or a glob, as causalkit --data
	Y           string   // outcome
	Exog        []string // exogenous regressors
	Endog       []string // endogenous regressors (none: OLS)
	Instruments []string // excluded instruments
	NoIntercept bool
	Weights     string // observation weights column
	Cluster     string // cluster column, for VCE "cluster"
	Method      string // ols, 2sls (default with Endog), liml, fuller, kclass
	Kappa       float64
	VCE         string // unadjusted (default), hc0, hc1, hc2, hc3, cluster (CR1 with Small, else CR0)
	Small       bool   // small-sample corrections as Stata's small
	NAError     bool   // a missing value is an error instead of dropping the row
	Fingerprint string // set by Fit: the plan the workers must find
}

// States are the states of every row group, in row-group order.
type States struct {
	States []ckio.PartialState // what each row group contributed to a pass
}

// Result is the fitted model.
type Result struct {
	Names       []string
	Coef, SE    []float64
	N, Dropped  int
	VCE         string
	Clusters    int
	Fingerprint string
}

func init() {
	register.DoFn3x1[context.Context, int, func(ckio.PartialState), error](&firstFn{})
	register.DoFn4x1[context.Context, int, States, func(ckio.PartialState), error](&secondFn{})
	register.DoFn3x1[States, States, func(Result), error](&finishFn{})
	register.Combiner3[States, ckio.PartialState, States](&collectFn{})
	register.Emitter1[ckio.PartialState]()
	register.Emitter1[Result]()
}

// Fit adds the estimate of opt to the pipeline and returns its result: a
// PCollection of one Result. It reads the plan of opt.Data on the
// launcher.
func Fit(s beam.Scope, opt Options) (beam.PCollection, error) {
	if _, _, err := opt.model(); err != nil {
		return beam.PCollection{}, err
	}
	plan, err := ckio.NewPlan(opt.Data)
	if err != nil {
		return beam.PCollection{}, err
	}
	opt.Fingerprint = plan.Fingerprint
	s = s.Scope("causalkit")
	units := make([]int, len(plan.Units))
	for i := range units {
		units[i] = i
	}
	elems := beam.CreateList(s, units)
	first := beam.Combine(s, &collectFn{}, beam.ParDo(s, &firstFn{Opt: opt}, elems))
	second := beam.Combine(s, &collectFn{}, beam.ParDo(s, &secondFn{Opt: opt}, elems, beam.SideInput{Input: first}))
	return beam.ParDo(s, &finishFn{Opt: opt}, first, beam.SideInput{Input: second}), nil
}

// model maps the options to the streamed model, its fit options and the
// covariance type.
func (o Options) model() (*linstream.Model, iv.Options, error) {
	m := &linstream.Model{Y: o.Y, Intercept: !o.NoIntercept, Exog: o.Exog, Endog: o.Endog,
		Instruments: o.Instruments, Weights: o.Weights}
	method := o.Method
	if method == "" {
		method = "ols"
		if len(o.Endog) > 0 {
			method = "2sls"
		}
	}
	mt, err := iv.ParseMethod(method)
	if err != nil {
		return nil, iv.Options{}, fmt.Errorf("ckbeam: Method: %w", err)
	}
	opt := iv.Options{Method: mt, Kappa: o.Kappa}
	if err := opt.Validate(); err != nil {
		return nil, opt, fmt.Errorf("ckbeam: %w", err)
	}
	if o.VCE == "cluster" {
		if o.Cluster == "" {
			return nil, opt, estimators.InputErrorf("ckbeam: VCE cluster needs a Cluster column")
		}
		m.Cluster = o.Cluster
	}
	return m, opt, nil
}

func (o Options) covType() (estimators.CovType, error) {
	switch o.VCE {
	case "", "unadjusted":
		return estimators.Classical, nil
	case "cluster":
		if o.Small {
			return estimators.CR1, nil
		}
		return estimators.CR0, nil
	}
	t, ok := map[string]estimators.CovType{"hc0": estimators.HC0, "hc1": estimators.HC1, "hc2": estimators.HC2, "hc3": estimators.HC3}[o.VCE]
	if !ok {
		return 0, estimators.InputErrorf("ckbeam: VCE %q: use unadjusted, hc0–hc3 or cluster", o.VCE)
	}
	return t, nil
}

// readUnit reads row group u on a worker, after checking that the worker
// sees the launcher's data.
func (o Options) readUnit(ctx context.Context, m *linstream.Model, u int) (*ckio.Plan, *ckio.Frame, func(), error) {
	plan, err := ckio.NewPlan(o.Data)
	if err != nil {
		return nil, nil, nil, err
	}
	if plan.Fingerprint != o.Fingerprint {
		return nil, nil, nil, fmt.Errorf("ckbeam: the worker sees other data at %s than the launcher (plan fingerprint %s, want %s)", o.Data, plan.Fingerprint, o.Fingerprint)
	}
	spec := m.Spec(ckio.NADrop)
	if o.NAError {
		spec.NA = ckio.NAError
	}
	spec.AllowEmpty = true
	t, err := plan.ReadUnit(ctx, u, slices.Concat(spec.Numeric, spec.Categorical))
	if err != nil {
		return nil, nil, nil, err
	}
	fr, err := t.Frame(spec)
	if err != nil {
		t.Release()
		return nil, nil, nil, err
	}
	return plan, fr, t.Release, nil
}

// firstFn reduces a row group to its first-pass state.
type firstFn struct {
	Opt Options
}

func (f *firstFn) ProcessElement(ctx context.Context, u int, emit func(ckio.PartialState)) error {
	m, _, err := f.Opt.model()
	if err != nil {
		return err
	}
	plan, fr, release, err := f.Opt.readUnit(ctx, m, u)
	if err != nil {
		return err
	}
	defer release()
	vals, err := m.First(fr, plan.Units[u], nil)
	if err != nil {
		return fmt.Errorf("%s: %w", plan.Name(u), err)
	}
	emit(ckio.PartialState{Round: 1, Unit: u, Vals: vals, Rows: fr.N, Dropped: fr.Dropped})
	return nil
}

// fit refits the model from the first pass's states, identically on every
// worker.
func (o Options) fit(first States) (*linstream.Model, *linstream.Second, error) {
	m, opt, err := o.model()
	if err != nil {
		return nil, nil, err
	}
	fit, err := m.Fit(first.States, opt, nil)
	if err != nil {
		return nil, nil, err
	}
	cov, err := o.covType()
	if err != nil {
		return nil, nil, err
	}
	second, err := m.Second(fit, cov, nil, false)
	return m, second, err
}

// secondFn reduces a row group to its second-pass state (an empty one
// when the covariance needs no second pass).
type secondFn struct {
	Opt Options
}

func (f *secondFn) ProcessElement(ctx context.Context, u int, first States, emit func(ckio.PartialState)) error {
	m, second, err := f.Opt.fit(first)
	if err != nil {
		return err
	}
	if !second.Needed() {
		// An empty state all the same: Beam's global combine of an empty
		// collection emits nothing, and the finish needs its side input.
		emit(ckio.PartialState{Round: 2, Unit: u})
		return nil
	}
	plan, fr, release, err := f.Opt.readUnit(ctx, m, u)
	if err != nil {
		return err
	}
	defer release()
	vals, keys, err := second.Unit(fr, plan.Units[u])
	if err != nil {
		return fmt.Errorf("%s: %w", plan.Name(u), err)
	}
	emit(ckio.PartialState{Round: 2, Unit: u, Vals: vals, Keys: keys})
	return nil
}

// finishFn merges the passes into the result.
type finishFn struct {
	Opt Options
}

func (f *finishFn) ProcessElement(first, second States, emit func(Result)) error {
	_, pass2, err := f.Opt.fit(first)
	if err != nil {
		return err
	}
	fit := pass2.Fit()
	cov, _, _, err := pass2.Finish(second.States)
	if err != nil {
		return err
	}
	r := Result{Names: fit.Names, Coef: fit.Coef, N: fit.N, VCE: f.Opt.VCE, Fingerprint: f.Opt.Fingerprint}
	for _, s := range first.States {
		r.Dropped += s.Dropped
	}
	if cov != nil {
		r.SE = iv.SE(cov)
		r.Clusters = cov.Groups
	}
	emit(r)
	return nil
}

// collectFn gathers states and sorts them by row group, so that merging
// them does not depend on the runner's order.
type collectFn struct{}

func (*collectFn) CreateAccumulator() States { return States{} }

func (*collectFn) AddInput(a States, s ckio.PartialState) States {
	a.States = append(a.States, s)
	return a
}

func (*collectFn) MergeAccumulators(a, b States) States {
	a.States = append(a.States, b.States...)
	return a
}

func (*collectFn) ExtractOutput(a States) States {
	slices.SortFunc(a.States, func(x, y ckio.PartialState) int { return x.Unit - y.Unit })
	return a
}
