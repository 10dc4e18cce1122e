package estimators

import (
	"context"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

// mix is the SplitMix64 finaliser, used to derive independent stream seeds.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// Stream returns the random stream of work item b (a bootstrap replicate, a
// simulation draw) under seed. Streams of different items are independent,
// and a stream depends only on (seed, b), never on which goroutine runs it.
func Stream(seed, b uint64) *rand.Rand {
	return rand.New(rand.NewPCG(mix(seed), mix(seed^mix(b+1))))
}

// Multiplier is the distribution of the weights of wild and multiplier
// bootstraps; each has mean 0 and variance 1.
type Multiplier int

const (
	Rademacher Multiplier = iota // ±1 with probability ½ each
	Mammen                       // two-point: −(√5−1)/2 w.p. (√5+1)/(2√5), (√5+1)/2 otherwise
	Gaussian                     // standard normal
)

var multiplierNames = [...]string{"rademacher", "mammen", "gaussian"}

// String returns the name of m.
func (m Multiplier) String() string { return multiplierNames[m] }

// ParseMultiplier parses "rademacher", "mammen" or "gaussian".
func ParseMultiplier(s string) (Multiplier, error) {
	if i := slices.Index(multiplierNames[:], s); i >= 0 {
		return Multiplier(i), nil
	}
	return 0, InputErrorf("unknown multiplier %q; use rademacher, mammen or gaussian", s)
}

// Fill draws len(dst) multipliers from rng.
func (m Multiplier) Fill(rng *rand.Rand, dst []float64) {
	switch m {
	case Rademacher:
		for i := range dst {
			if rng.Uint64()&1 == 0 {
				dst[i] = -1
			} else {
				dst[i] = 1
			}
		}
	case Mammen:
		s5 := math.Sqrt(5)
		lo, hi := -(s5-1)/2, (s5+1)/2
		pLo := (s5 + 1) / (2 * s5)
		for i := range dst {
			if rng.Float64() < pLo {
				dst[i] = lo
			} else {
				dst[i] = hi
			}
		}
	case Gaussian:
		for i := range dst {
			dst[i] = rng.NormFloat64()
		}
	default:
		panic("estimators: unknown multiplier")
	}
}

// ResampleCounts draws len(counts) units with replacement and stores how
// often each unit was drawn (a multinomial draw), so that a pairs or
// cluster bootstrap replicate is the original fit with weights multiplied
// by the counts.
func ResampleCounts(rng *rand.Rand, counts []float64) {
	clear(counts)
	n := uint64(len(counts))
	for range counts {
		counts[rng.Uint64N(n)]++
	}
}

// ResampleWeights draws a pairs (groups nil: len(counts) rows) or cluster
// (len(counts) = len(groups)) bootstrap resample and writes it as row
// weights: dst[i] is the number of times row i (or its cluster) was drawn,
// times base[i] when base is not nil.
func ResampleWeights(rng *rand.Rand, counts []float64, groups [][]int, base, dst []float64) {
	ResampleCounts(rng, counts)
	if groups == nil {
		copy(dst, counts)
	} else {
		for g, rows := range groups {
			for _, i := range rows {
				dst[i] = counts[g]
			}
		}
	}
	if base != nil {
		for i, b := range base {
			dst[i] *= b
		}
	}
}

// BootOptions configures Replicates.
type BootOptions struct {
	Reps int    // number of replicates B (must be positive)
	Seed uint64 // replicate b draws from Stream(Seed, b)
	// Workers is the number of goroutines; 0 means GOMAXPROCS. Results do
	// not depend on it.
	Workers int
	// Progress, when set, is called once after each finished replicate,
	// possibly from several goroutines at once.
	Progress func()
}

// ReplicateFunc computes one replicate's statistics into dst from its own
// random stream. An error marks the replicate as failed (its row becomes
// NaN), for example a resample on which the estimator is undefined.
type ReplicateFunc func(rng *rand.Rand, dst []float64) error

// Replicates runs opt.Reps replicates of a k-dimensional statistic on a
// pool of workers and returns them as the rows of a Reps × k matrix, with
// the number of failed replicates. newWorker is called once per worker to
// give it its own scratch state; the rows are collected by replicate index,
// so the result is bit-identical for any number of workers. A cancelled ctx
// stops the work and returns ctx.Err().
func Replicates(ctx context.Context, opt BootOptions, k int, newWorker func() ReplicateFunc) (*mat.Dense, int, error) {
	if opt.Reps <= 0 {
		return nil, 0, InputErrorf("bootstrap: %d replicates; need at least 1", opt.Reps)
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, opt.Reps)
	out := mat.NewDense(opt.Reps, k, nil)
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := newWorker()
			for {
				b := int(next.Add(1) - 1)
				if b >= opt.Reps || ctx.Err() != nil {
					return
				}
				row := out.RawRowView(b)
				if err := f(Stream(opt.Seed, uint64(b)), row); err != nil {
					failed.Add(1)
					for j := range row {
						row[j] = math.NaN()
					}
				}
				if opt.Progress != nil {
					opt.Progress()
				}
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	return out, int(failed.Load()), nil
}

// Interval is the kind of a bootstrap confidence interval.
type Interval int

const (
	Percentile     Interval = iota // quantiles of the replicates
	Basic                          // 2θ̂ − quantiles (reflected percentile)
	NormalInterval                 // θ̂ ± z·se_boot
)

var intervalNames = [...]string{"percentile", "basic", "normal"}

// String returns the name of iv.
func (iv Interval) String() string { return intervalNames[iv] }

// ParseInterval parses "percentile", "basic" or "normal".
func ParseInterval(s string) (Interval, error) {
	if i := slices.Index(intervalNames[:], s); i >= 0 {
		return Interval(i), nil
	}
	return 0, InputErrorf("unknown bootstrap interval %q; use percentile, basic or normal", s)
}

// BootSummary summarises replicates of a k-dimensional statistic.
type BootSummary struct {
	SE        []float64 // standard deviation of the replicates (divisor B−1)
	Low, High []float64 // confidence limits of the chosen Interval
	Valid     int       // replicates used (failed ones are left out)
}

// Summarize computes bootstrap standard errors and intervals at level (0.95
// for 95 %) for the estimates est from the replicate rows of reps, ignoring
// failed (NaN) rows. Quantiles are R's type 7.
func Summarize(est []float64, reps *mat.Dense, level float64, kind Interval) BootSummary {
	B, k := reps.Dims()
	s := BootSummary{SE: make([]float64, k), Low: make([]float64, k), High: make([]float64, k)}
	col := make([]float64, 0, B)
	z := Normal.Quantile(0.5 + level/2)
	for j := range k {
		col = col[:0]
		for b := range B {
			if v := reps.At(b, j); !math.IsNaN(v) {
				col = append(col, v)
			}
		}
		s.Valid = len(col)
		if len(col) < 2 {
			s.SE[j], s.Low[j], s.High[j] = math.NaN(), math.NaN(), math.NaN()
			continue
		}
		s.SE[j] = sampleSD(col)
		slices.Sort(col)
		lo, hi := Quantile7(col, (1-level)/2), Quantile7(col, (1+level)/2)
		switch kind {
		case Percentile:
			s.Low[j], s.High[j] = lo, hi
		case Basic:
			s.Low[j], s.High[j] = 2*est[j]-hi, 2*est[j]-lo
		case NormalInterval:
			s.Low[j], s.High[j] = est[j]-z*s.SE[j], est[j]+z*s.SE[j]
		}
	}
	return s
}

// SupT returns the critical value of a sup-t uniform band at level: the
// type-7 quantile over valid replicates of max_j |θ*_j − θ̂_j| / se_j. The
// band is θ̂_j ± crit·se_j.
func SupT(est, se []float64, reps *mat.Dense, level float64) float64 {
	B, k := reps.Dims()
	sup := make([]float64, 0, B)
	for b := range B {
		row := reps.RawRowView(b)
		m := 0.0
		ok := true
		for j := range k {
			if math.IsNaN(row[j]) {
				ok = false
				break
			}
			m = math.Max(m, math.Abs(row[j]-est[j])/se[j])
		}
		if ok {
			sup = append(sup, m)
		}
	}
	if len(sup) == 0 {
		return math.NaN()
	}
	slices.Sort(sup)
	return Quantile7(sup, level)
}

// ReplicateCov returns the sample covariance (divisor B−1) of the columns
// cols of the replicate rows, leaving out failed (NaN) replicates.
func ReplicateCov(reps *mat.Dense, cols []int) (*mat.SymDense, error) {
	B, _ := reps.Dims()
	var ok []float64
	valid := 0
	for b := range B {
		row := reps.RawRowView(b)
		if slices.ContainsFunc(cols, func(j int) bool { return math.IsNaN(row[j]) }) {
			continue
		}
		for _, j := range cols {
			ok = append(ok, row[j])
		}
		valid++
	}
	if valid < 2 {
		return nil, InputErrorf("bootstrap: %d valid replicates; need at least 2", valid)
	}
	c := mat.NewSymDense(len(cols), nil)
	stat.CovarianceMatrix(c, mat.NewDense(valid, len(cols), ok), nil)
	return c, nil
}

func sampleSD(x []float64) float64 {
	var mean float64
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	var ss float64
	for _, v := range x {
		d := v - mean
		ss += d * d
	}
	return math.Sqrt(ss / float64(len(x)-1))
}
