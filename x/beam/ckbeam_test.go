package ckbeam

import (
	"context"
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"

	"github.com/causalkit/causalkit/estimators"
	ckio "github.com/causalkit/causalkit/io"
	"github.com/causalkit/causalkit/iv"
)

func TestMain(m *testing.M) { ptest.MainWithDefault(m, "prism") }

func init() {
	register.DoFn1x1[Result, error](&writeFn{})
}

// writeFn writes the result as JSON to Path (the test runs Prism in
// loopback mode: workers share the test's file system).
type writeFn struct {
	Path string
}

func (w *writeFn) ProcessElement(r Result) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return os.WriteFile(w.Path, b, 0o644)
}

// ivData writes an IV design to Parquet in row groups of 700 rows (with a
// few missing outcomes) and returns it as columns too.
func ivData(t *testing.T) (path string, d *iv.Data, cluster []string) {
	t.Helper()
	const n = 5000
	rng := rand.New(rand.NewPCG(1, 2))
	cols := map[string][]float64{"y": make([]float64, n), "d": make([]float64, n), "z1": make([]float64, n), "z2": make([]float64, n), "w": make([]float64, n)}
	valid := make([]bool, n)
	g := make([]string, n)
	for i := range n {
		z1, z2, w, v := rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()
		dd := 0.5*z1 + 0.3*z2 + 0.2*w + v
		cols["z1"][i], cols["z2"][i], cols["w"][i], cols["d"][i] = z1, z2, w, dd
		cols["y"][i] = 1 + 2*dd - w + 0.6*v + rng.NormFloat64()
		valid[i] = i%97 != 5
		g[i] = string(rune('a' + i%17))
	}
	path = filepath.Join(t.TempDir(), "iv.parquet")
	var out []ckio.Column
	for _, name := range []string{"y", "d", "z1", "z2", "w"} {
		c := ckio.Column{Name: name, Float64: cols[name]}
		if name == "y" {
			c.Valid = valid
		}
		out = append(out, c)
	}
	out = append(out, ckio.Column{Name: "g", String: g})
	if err := ckio.WriteColumns(path, out, ckio.WriteOptions{RowGroupSize: 700}); err != nil {
		t.Fatal(err)
	}
	// The complete rows, for the in-memory fit.
	keep := func(v []float64) []float64 {
		var k []float64
		for i, x := range v {
			if valid[i] {
				k = append(k, x)
			}
		}
		return k
	}
	for i, ok := range valid {
		if ok {
			cluster = append(cluster, g[i])
		}
	}
	y := keep(cols["y"])
	one := make([]float64, len(y))
	for i := range one {
		one[i] = 1
	}
	d = &iv.Data{Y: y, YName: "y", Exog: [][]float64{one, keep(cols["w"])}, ExogNames: []string{"(Intercept)", "w"},
		Endog: [][]float64{keep(cols["d"])}, EndogNames: []string{"d"},
		Instruments: [][]float64{keep(cols["z1"]), keep(cols["z2"])}, InstrumentNames: []string{"z1", "z2"}}
	return path, d, cluster
}

// TestPrism runs the pipeline on Beam's Prism runner and checks it against
// the same passes run in order here (bit for bit) and against the
// in-memory fit (1e-12).
func TestPrism(t *testing.T) {
	data, d, cluster := ivData(t)
	for _, opt := range []Options{
		{Data: data, Y: "y", Exog: []string{"w"}, Endog: []string{"d"}, Instruments: []string{"z1", "z2"}},
		{Data: data, Y: "y", Exog: []string{"w"}, Endog: []string{"d"}, Instruments: []string{"z1", "z2"}, VCE: "hc1"},
		{Data: data, Y: "y", Exog: []string{"w"}, Endog: []string{"d"}, Instruments: []string{"z1", "z2"}, VCE: "cluster", Cluster: "g", Small: true},
	} {
		out := filepath.Join(t.TempDir(), "result.json")
		p, s := beam.NewPipelineWithRoot()
		res, err := Fit(s, opt)
		if err != nil {
			t.Fatal(err)
		}
		beam.ParDo0(s, &writeFn{Path: out}, res)
		if err := ptest.Run(p); err != nil {
			t.Fatalf("%s: %v", opt.VCE, err)
		}
		b, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		var got Result
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}

		want := sequential(t, opt)
		if !slices.Equal(got.Coef, want.Coef) || !slices.Equal(got.SE, want.SE) || got.N != want.N {
			t.Errorf("%s: Prism %+v, sequential passes %+v", opt.VCE, got, want)
		}

		fit, err := iv.Estimate(d, iv.Options{Method: iv.TSLS})
		if err != nil {
			t.Fatal(err)
		}
		covOpt := estimators.CovOptions{Type: estimators.Classical}
		switch opt.VCE {
		case "hc1":
			covOpt.Type = estimators.HC1
		case "cluster":
			covOpt.Type = estimators.CR1
			idx := map[string]int{}
			for _, c := range cluster {
				if _, ok := idx[c]; !ok {
					idx[c] = len(idx)
				}
				covOpt.Cluster = append(covOpt.Cluster, idx[c])
			}
		}
		cov, err := fit.Cov(covOpt)
		if err != nil {
			t.Fatal(err)
		}
		se := iv.SE(cov)
		if got.N != fit.N {
			t.Errorf("%s: n %d, in memory %d", opt.VCE, got.N, fit.N)
		}
		for j := range fit.Coef {
			if math.Abs(got.Coef[j]-fit.Coef[j]) > 1e-12*math.Abs(fit.Coef[j]) || math.Abs(got.SE[j]-se[j]) > 1e-12*se[j] {
				t.Errorf("%s: %s: %.17g (%.17g), in memory %.17g (%.17g)", opt.VCE, fit.Names[j], got.Coef[j], got.SE[j], fit.Coef[j], se[j])
			}
		}
	}
}

// sequential runs the pipeline's functions in row-group order in this
// process, as causalkit's streaming mode does.
func sequential(t *testing.T, opt Options) Result {
	t.Helper()
	plan, err := ckio.NewPlan(opt.Data)
	if err != nil {
		t.Fatal(err)
	}
	opt.Fingerprint = plan.Fingerprint
	var first, second States
	collect := func(dst *States) func(ckio.PartialState) {
		return func(s ckio.PartialState) { dst.States = append(dst.States, s) }
	}
	for u := range plan.Units {
		if err := (&firstFn{Opt: opt}).ProcessElement(context.Background(), u, collect(&first)); err != nil {
			t.Fatal(err)
		}
	}
	for u := range plan.Units {
		if err := (&secondFn{Opt: opt}).ProcessElement(context.Background(), u, first, collect(&second)); err != nil {
			t.Fatal(err)
		}
	}
	var r Result
	if err := (&finishFn{Opt: opt}).ProcessElement(first, second, func(x Result) { r = x }); err != nil {
		t.Fatal(err)
	}
	return r
}
