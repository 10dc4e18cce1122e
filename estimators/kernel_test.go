package estimators

import (
	"encoding/json"
	"errors"
	"math"
	"testing"
)

func TestKernelWeight(t *testing.T) {
	// Expected values are the closed forms of spec §2.3, evaluated by hand.
	tests := []struct {
		k    Kernel
		u    float64
		want float64
	}{
		{Triangular, 0, 1},
		{Triangular, 0.25, 0.75},
		{Triangular, -0.25, 0.75},
		{Triangular, 1, 0},
		{Triangular, -1, 0},
		{Triangular, 1.5, 0},
		{Epanechnikov, 0, 0.75},
		{Epanechnikov, 0.5, 0.5625},
		{Epanechnikov, -0.5, 0.5625},
		{Epanechnikov, 1, 0},
		{Epanechnikov, -2, 0},
		{Uniform, 0, 0.5},
		{Uniform, 0.999, 0.5},
		{Uniform, 1, 0.5}, // support is inclusive
		{Uniform, -1, 0.5},
		{Uniform, math.Nextafter(1, 2), 0},
		{Uniform, math.Inf(1), 0},
		{Uniform, math.NaN(), 0},
		{Triangular, math.NaN(), 0},
	}
	for _, tc := range tests {
		if got := tc.k.Weight(tc.u); got != tc.want {
			t.Errorf("%v.Weight(%v) = %v, want %v", tc.k, tc.u, got, tc.want)
		}
	}
}

func TestKernelIntegratesToOne(t *testing.T) {
	// ∫K = 1 for every kernel (midpoint rule, error O(1/n²)).
	const n = 200000
	for _, k := range []Kernel{Triangular, Epanechnikov, Uniform} {
		var s float64
		for i := range n {
			s += k.Weight(-1 + (float64(i)+0.5)*2/n)
		}
		if got := s * 2 / n; math.Abs(got-1) > 1e-9 {
			t.Errorf("∫%v = %v, want 1", k, got)
		}
	}
}

func TestParseKernel(t *testing.T) {
	tests := []struct {
		in   string
		want Kernel
	}{
		{"triangular", Triangular}, {"tri", Triangular}, {" TRI ", Triangular},
		{"epanechnikov", Epanechnikov}, {"epa", Epanechnikov}, {"Epanechnikov", Epanechnikov},
		{"uniform", Uniform}, {"uni", Uniform},
	}
	for _, tc := range tests {
		got, err := ParseKernel(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseKernel(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
		if back, _ := ParseKernel(got.String()); back != got {
			t.Errorf("ParseKernel(%v.String()) = %v", got, back)
		}
	}
	for _, bad := range []string{"", "gaussian", "triang", "epan"} {
		if _, err := ParseKernel(bad); !errors.Is(err, ErrInput) {
			t.Errorf("ParseKernel(%q) error = %v, want ErrInput", bad, err)
		}
	}
}

func TestKernelZeroValue(t *testing.T) {
	var k Kernel
	if k.Valid() {
		t.Fatal("zero Kernel is valid")
	}
	if got := k.String(); got != "Kernel(0)" {
		t.Errorf("zero Kernel String = %q", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("Weight on the zero Kernel did not panic")
		}
	}()
	k.Weight(0.5)
}

func TestKernelJSON(t *testing.T) {
	b, err := json.Marshal(struct{ K Kernel }{Epanechnikov})
	if err != nil || string(b) != `{"K":"epanechnikov"}` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	var v struct{ K Kernel }
	if err := json.Unmarshal([]byte(`{"K":"uni"}`), &v); err != nil || v.K != Uniform {
		t.Fatalf("Unmarshal = %v, %v", v.K, err)
	}
	if err := json.Unmarshal([]byte(`{"K":"cosine"}`), &v); !errors.Is(err, ErrInput) {
		t.Errorf("Unmarshal of an unknown kernel: error %v, want ErrInput", err)
	}
	if _, err := json.Marshal(struct{ K Kernel }{}); err == nil {
		t.Error("Marshal of the zero Kernel succeeded")
	}
}

func FuzzParseKernel(f *testing.F) {
	for _, s := range []string{"triangular", "tri", "EPA", " uniform ", "", "gauss"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseKernel(s)
		if err != nil {
			if !errors.Is(err, ErrInput) || k != 0 {
				t.Fatalf("ParseKernel(%q) = %v, %v", s, k, err)
			}
			return
		}
		if !k.Valid() {
			t.Fatalf("ParseKernel(%q) = invalid %v", s, k)
		}
		if back, err := ParseKernel(k.String()); err != nil || back != k {
			t.Fatalf("round trip of %v: %v, %v", k, back, err)
		}
	})
}
