package rdd

import (
	"fmt"
	"math"
	"slices"

	"github.com/causalkit/causalkit/estimators"
	"github.com/causalkit/causalkit/internal/spill"
)

// summary holds what the checks and the bandwidth selection need from all
// rows of both sides (zero weights included), gathered in one sorted pass.
type summary struct {
	n          int
	nSide      [2]int // below, above the cutoff
	xmin, xmax float64
	mean, m2   float64 // Welford's running moments of x
	qpos       [4]int  // positions of the order statistics of the quartiles
	q          [4]float64
	distinct   [2]int
	// near holds the kNear distinct values nearest the cutoff: below, the
	// last ones (ascending); above, the first ones.
	near       [2][]float64
	kNear      int
	tmin, tmax [2]float64
	clusters   [2]map[int]bool
	prev       float64
}

func newSummary(n, kNear int, clustered bool) *summary {
	s := &summary{kNear: kNear}
	// R's quantile(type = 2) at p uses the order statistics j−1 and j,
	// j = ⌊np⌋ (0-based, clamped).
	for k, p := range []float64{0.25, 0.75} {
		j := int(math.Floor(float64(n) * p))
		s.qpos[2*k], s.qpos[2*k+1] = max(0, min(n-1, j-1)), max(0, min(n-1, j))
	}
	if clustered {
		s.clusters = [2]map[int]bool{{}, {}}
	}
	return s
}

// add records the next row in sorted order.
func (s *summary) add(side int, x, t float64, cl int) {
	if s.n == 0 {
		s.xmin = x
	}
	s.xmax = x
	s.n++
	d := x - s.mean
	s.mean += d / float64(s.n)
	s.m2 += d * (x - s.mean)
	for k, p := range s.qpos {
		if p == s.n-1 {
			s.q[k] = x
		}
	}
	first := s.nSide[side] == 0
	if first || x != s.prev {
		s.distinct[side]++
		near := s.near[side]
		switch {
		case side == 1 && len(near) < s.kNear:
			s.near[1] = append(near, x)
		case side == 0 && len(near) < s.kNear:
			s.near[0] = append(near, x)
		case side == 0:
			copy(near, near[1:])
			near[len(near)-1] = x
		}
	}
	if first || t < s.tmin[side] {
		s.tmin[side] = t
	}
	if first || t > s.tmax[side] {
		s.tmax[side] = t
	}
	if s.clusters[side] != nil {
		s.clusters[side][cl] = true
	}
	s.nSide[side]++
	s.prev = x
}

// sd is the sample standard deviation of x.
func (s *summary) sd() float64 { return math.Sqrt(s.m2 / float64(s.n-1)) }

// quartile returns R's quantile(x, p, type = 2) for p = 0.25 (k = 0) or
// 0.75 (k = 1): the inverse of the empirical CDF, averaging at
// discontinuities.
func (s *summary) quartile(k int) float64 {
	np := float64(s.n) * []float64{0.25, 0.75}[k]
	if np-math.Floor(np) > 1e-12*np { // R compares with a fuzz of 4·eps·n
		return s.q[2*k+1]
	}
	return (s.q[2*k] + s.q[2*k+1]) / 2
}

// nearest returns the distance from the cutoff to the k-th nearest
// distinct value on a side (the last one if there are fewer), plus 1e-8.
func (s *summary) nearest(side int, c float64, k int) float64 {
	near := s.near[side]
	k = min(k, len(near))
	v := near[k-1]
	if side == 0 {
		v = near[len(near)-k]
	}
	return math.Abs(v-c) + 1e-8
}

// column is where a side's sorted column lives: memory, or a spilled file
// mapped back into memory.
type column[T spill.Number] interface {
	Append(v T)
	Map() ([]T, error)
	Close() error
}

type memColumn[T spill.Number] struct{ v []T }

func (c *memColumn[T]) Append(v T)        { c.v = append(c.v, v) }
func (c *memColumn[T]) Map() ([]T, error) { return c.v, nil }
func (c *memColumn[T]) Close() error      { return nil }

// builder assembles the state from rows given in sorted order of x (ties
// in input order): the summary over all rows, and each side's columns of
// the rows with positive weight with the runs of equal x (rdrobust's dups
// and dupsid over all rows).
type builder struct {
	st       *state
	cols     SampleColumns
	dir      string // where columns spill; "" keeps them in memory
	sides    [2]*sideColumns
	closers  []func() error
	sum      *summary
	run      struct{ len, kept int } // the current run of equal x
	rows     int
	expected int
	covs     *covariateQR
}

// covariateQR accumulates the QR factor of the covariates over all rows,
// in rdrobust's order (by length of name, stably), for its collinearity
// check: R's pivoted rank detection on the triangle makes the decisions it
// makes on the data (the residual norms are those of the data), so the
// rows need not be held.
type covariateQR struct {
	order []int // covariate indices by length of name
	acc   *estimators.QRAccumulator
	block [][]float64
}

func newCovariateQR(names []string) *covariateQR {
	c := &covariateQR{order: make([]int, len(names)), acc: estimators.NewQRAccumulator(len(names)), block: make([][]float64, len(names))}
	for j := range c.order {
		c.order[j] = j
	}
	slices.SortStableFunc(c.order, func(a, b int) int { return len(names[a]) - len(names[b]) })
	return c
}

func (c *covariateQR) add(z []float64) {
	for j, k := range c.order {
		c.block[j] = append(c.block[j], z[k])
	}
	if len(c.block[0]) == 1024 {
		c.flush()
	}
}

func (c *covariateQR) flush() {
	if len(c.block[0]) > 0 {
		c.acc.Add(c.block, nil)
		for j := range c.block {
			c.block[j] = c.block[j][:0]
		}
	}
}

// covariatesKept runs the collinearity check on covariate columns.
func covariatesKept(names []string, covs [][]float64) (keep []int, dropped []string) {
	c := newCovariateQR(names)
	z := make([]float64, len(covs))
	for i := range covs[0] {
		for j, col := range covs {
			z[j] = col[i]
		}
		c.add(z)
	}
	return c.kept(names)
}

// kept returns the covariates to use, in rdrobust's order, and the names
// of those dropped as linear combinations of the preceding ones (R's QR
// rank detection with tolerance 1e-7).
func (c *covariateQR) kept(names []string) (keep []int, dropped []string) {
	c.flush()
	r := make([][]float64, len(c.order))
	for j, col := range c.acc.Columns() {
		r[j] = slices.Clone(col)
	}
	kept := estimators.PivotedRank(r, 1e-7, nil)
	for j, k := range c.order {
		if slices.Contains(kept, j) {
			keep = append(keep, k)
		} else {
			dropped = append(dropped, names[k])
		}
	}
	return keep, dropped
}

type sideColumns struct {
	x, y, t, w   column[float64]
	z            []column[float64]
	cl           column[int]
	dups, dupsid column[int32]
}

// releaser returns a function that releases rows of every spilled
// column, or nil for columns in memory.
func (sc *sideColumns) releaser() func(lo, hi int) {
	type releaser interface{ Release(lo, hi int) }
	var rs []releaser
	for _, c := range []any{sc.x, sc.y, sc.t, sc.w, sc.cl, sc.dups, sc.dupsid} {
		if r, ok := c.(releaser); ok {
			rs = append(rs, r)
		}
	}
	for _, c := range sc.z {
		if r, ok := c.(releaser); ok {
			rs = append(rs, r)
		}
	}
	if len(rs) == 0 {
		return nil
	}
	return func(lo, hi int) {
		for _, r := range rs {
			r.Release(lo, hi)
		}
	}
}

// SampleColumns says which optional columns a SortedSample has.
type SampleColumns struct {
	Fuzzy, Weights, Cluster bool
	// Covs names the covariates of covariate-adjusted estimation (their
	// values are Add's covs, in this order); collinear ones are dropped
	// and named in Result.DroppedCovs.
	Covs []string
}

func newColumn[T spill.Number](b *builder) (column[T], error) {
	if b.dir == "" {
		return &memColumn[T]{}, nil
	}
	c, err := spill.New[T](b.dir)
	if err != nil {
		return nil, err
	}
	b.closers = append(b.closers, c.Close)
	return c, nil
}

// newBuilder starts the state of n rows; spillDir "" keeps the columns in
// memory.
func newBuilder(opt Options, n int, cols SampleColumns, spillDir string) (*builder, error) {
	if err := opt.validate(); err != nil {
		return nil, err
	}
	b := &builder{st: &state{opt: opt, c: opt.Cutoff, vce: opt.VCE, n: n}, cols: cols, dir: spillDir, expected: n}
	if len(cols.Covs) > 0 {
		b.covs = newCovariateQR(cols.Covs)
	}
	b.sum = newSummary(n, max(opt.BWCheck, 10), cols.Cluster)
	for k := range b.sides {
		sc := &sideColumns{}
		var err error
		add := func(c *column[float64], want bool) {
			if want && err == nil {
				*c, err = newColumn[float64](b)
			}
		}
		add(&sc.x, true)
		add(&sc.y, true)
		add(&sc.t, cols.Fuzzy)
		add(&sc.w, cols.Weights)
		sc.z = make([]column[float64], len(cols.Covs))
		for j := range sc.z {
			add(&sc.z[j], true)
		}
		if err == nil && cols.Cluster {
			sc.cl, err = newColumn[int](b)
		}
		if err == nil {
			sc.dups, err = newColumn[int32](b)
		}
		if err == nil {
			sc.dupsid, err = newColumn[int32](b)
		}
		if err != nil {
			b.close()
			return nil, fmt.Errorf("rdd: %w", err)
		}
		b.sides[k] = sc
	}
	return b, nil
}

// add adds the next row (row is its 0-based input position, for messages).
func (b *builder) add(row int, x, y, t, w float64, cl int, z []float64) error {
	if b.rows > 0 && x < b.sum.prev {
		return fmt.Errorf("rdd: row %d: the running variable %g is below the previous row's %g; rows must be added in increasing order", row+1, x, b.sum.prev)
	}
	if b.rows == b.expected {
		return fmt.Errorf("rdd: more rows than the %d announced", b.expected)
	}
	if w < 0 || math.IsNaN(w) {
		return estimators.InputErrorf("rdd: weight %g in row %d; weights must be non-negative", w, row+1)
	}
	k := 1
	if x < b.st.c {
		k = 0
	}
	if b.rows == 0 || x != b.sum.prev {
		b.endRun()
	}
	b.sum.add(k, x, t, cl)
	if b.covs != nil {
		b.covs.add(z)
	}
	b.rows++
	b.run.len++
	if b.cols.Weights && w == 0 {
		return nil
	}
	sc := b.sides[k]
	sc.x.Append(x)
	sc.y.Append(y)
	if b.cols.Fuzzy {
		sc.t.Append(t)
	}
	if b.cols.Weights {
		sc.w.Append(w)
	}
	for j, v := range z {
		sc.z[j].Append(v)
	}
	if b.cols.Cluster {
		sc.cl.Append(cl)
	}
	sc.dupsid.Append(int32(b.run.len))
	b.run.kept++
	return nil
}

// endRun writes the size of the run that ends for its kept rows.
func (b *builder) endRun() {
	if b.run.kept > 0 {
		k := 1
		if b.sum.prev < b.st.c {
			k = 0
		}
		for range b.run.kept {
			b.sides[k].dups.Append(int32(b.run.len))
		}
	}
	b.run.len, b.run.kept = 0, 0
}

func (b *builder) close() error {
	var err error
	for _, c := range b.closers {
		if e := c(); err == nil {
			err = e
		}
	}
	b.closers = nil
	return err
}

// finish maps the columns and checks the sample.
func (b *builder) finish() (*state, error) {
	if b.rows != b.expected {
		return nil, fmt.Errorf("rdd: %d rows added of the %d announced", b.rows, b.expected)
	}
	b.endRun()
	st, sum := b.st, b.sum
	st.sum, st.fuzzy, st.clustered = sum, b.cols.Fuzzy, b.cols.Cluster
	var keep []int
	if b.covs != nil {
		keep, st.droppedCovs = b.covs.kept(b.cols.Covs)
	}
	for k, sc := range b.sides {
		s := &side{left: k == 0}
		var err error
		get := func(c column[float64]) []float64 {
			if c == nil || err != nil {
				return nil
			}
			var v []float64
			v, err = c.Map()
			return v
		}
		s.x, s.y, s.t, s.w = get(sc.x), get(sc.y), get(sc.t), get(sc.w)
		for _, j := range keep {
			s.z = append(s.z, get(sc.z[j]))
		}
		if sc.cl != nil && err == nil {
			s.cl, err = sc.cl.Map()
		}
		if err == nil {
			s.dups, err = sc.dups.Map()
		}
		if err == nil {
			s.dupsid, err = sc.dupsid.Map()
		}
		if err != nil {
			return nil, fmt.Errorf("rdd: %w", err)
		}
		s.release = sc.releaser()
		if k == 0 {
			st.l = s
		} else {
			st.r = s
		}
	}
	opt := st.opt
	if st.n == 0 || st.c <= sum.xmin || st.c >= sum.xmax {
		return nil, estimators.InputErrorf("rdd: the cutoff %g is outside the range of the running variable; it must lie strictly inside the data", st.c)
	}
	if sum.nSide[0] < opt.P+2 || sum.nSide[1] < opt.P+2 {
		return nil, estimators.InputErrorf("rdd: %d observations below and %d above the cutoff; need at least %d on each side", sum.nSide[0], sum.nSide[1], opt.P+2)
	}
	if len(st.l.x) <= opt.P || len(st.r.x) <= opt.P {
		return nil, estimators.InputErrorf("rdd: %d observations with positive weight below and %d above the cutoff; need at least %d on each side", len(st.l.x), len(st.r.x), opt.P+1)
	}
	if b.cols.Fuzzy {
		constL, constR := sum.tmin[0] == sum.tmax[0], sum.tmin[1] == sum.tmax[1]
		if constL && constR && math.Abs(sum.tmin[0]-sum.tmin[1]) < 1.5e-8 {
			return nil, estimators.InputErrorf("rdd: fuzzy design: the treatment has no variation and no jump at the cutoff; the fuzzy estimator is not identified")
		}
		// Perfect compliance on one side: rdrobust selects the bandwidths
		// as for the sharp design (the fuzzy variance constants divide by
		// a first-stage jump estimated without noise on that side).
		st.sharpBW = constL || constR || opt.SharpBW
	}
	if b.cols.Cluster {
		// rdrobust's mapping: nn, hc0, hc1 → CR1; hc2 → CR2; hc3 → CR3,
		// all on raw residuals.
		switch opt.VCE {
		case NN, HC0, HC1:
			st.vce = HC1 // CR1: the factor is in the meat
		case HC2:
			st.vce, st.crv = HC0, 2
		case HC3:
			st.vce, st.crv = HC0, 3
		}
		st.clusters = len(sum.clusters[0]) + len(sum.clusters[1])
		all := len(sum.clusters[0])
		for g := range sum.clusters[1] {
			if !sum.clusters[0][g] {
				all++
			}
		}
		if all < 2 {
			return nil, estimators.InputErrorf("rdd: the cluster column has %d distinct value(s); cluster-robust variances need at least 2 clusters", all)
		}
	}
	st.bwcheck = opt.BWCheck
	if opt.MassPoints != Off || opt.BWCheck > 0 {
		ml, mr := sum.distinct[0], sum.distinct[1]
		st.mUniq = ml + mr
		if opt.MassPoints != Off {
			if 1-float64(ml)/float64(sum.nSide[0]) >= 0.2 || 1-float64(mr)/float64(sum.nSide[1]) >= 0.2 {
				st.warnings = append(st.warnings, "mass points detected in the running variable")
				if opt.MassPoints == Adjust && st.bwcheck == 0 {
					st.bwcheck = 10
				}
			}
		}
	}
	return st, nil
}

// SortedSample is an RD sample whose rows arrive in increasing order of
// the running variable (ties in input order), for data larger than memory:
// with a spill directory its columns go to temporary files there and are
// memory-mapped for the estimation, so the heap holds only per-window
// accumulators. Estimate on it equals Estimate on the same rows in memory.
type SortedSample struct {
	b  *builder
	st *state
}

// NewSortedSample starts a sample of n rows with the given optional
// columns; spillDir "" keeps the columns in memory, otherwise they are
// spilled to temporary files under spillDir (removed by Close).
func NewSortedSample(opt Options, n int, cols SampleColumns, spillDir string) (*SortedSample, error) {
	b, err := newBuilder(opt, n, cols, spillDir)
	if err != nil {
		return nil, err
	}
	return &SortedSample{b: b}, nil
}

// Add adds the next row: running variable x, outcome y, and the treatment
// t, weight w, cluster code and covariates of the optional columns (ignored
// when the sample lacks them). row numbers the row in the input, for
// messages.
func (s *SortedSample) Add(row int, x, y, t, w float64, cluster int, covs []float64) error {
	if !s.b.cols.Weights {
		w = 1
	}
	if len(covs) != len(s.b.cols.Covs) {
		return fmt.Errorf("rdd: row %d: %d covariates, want %d", row+1, len(covs), len(s.b.cols.Covs))
	}
	return s.b.add(row, x, y, t, w, cluster, covs)
}

// Estimate estimates after the last row, as Estimate.
func (s *SortedSample) Estimate() (*Result, error) {
	if s.st == nil {
		st, err := s.b.finish()
		if err != nil {
			return nil, err
		}
		s.st = st
	}
	return s.st.run()
}

// Close releases the spilled files.
func (s *SortedSample) Close() error { return s.b.close() }
