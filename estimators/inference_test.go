package estimators

import (
	"encoding/json"
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestDist(t *testing.T) {
	// Reference values from R 4.2.2 (print(…, digits = 17)): qnorm(0.975),
	// qt(0.975, 10), 2*pt(-2, 5), 2*pnorm(-1.5). (scipy 1.10.1's t.ppf is
	// off in the 11th digit here.)
	cases := []struct {
		got, want float64
	}{
		{Normal.Quantile(0.975), 1.959963984540054},
		{Dist{DF: 10}.Quantile(0.975), 2.2281388519862739},
		{Dist{DF: 5}.PValue(2), 0.10193947882985828},
		{Normal.PValue(-1.5), 0.1336144025377161},
	}
	for i, c := range cases {
		if e := relErr(c.got, c.want); e > 1e-12 {
			t.Errorf("case %d: %.16g, want %.16g", i, c.got, c.want)
		}
	}
}

// TestWaldDiagonal checks the Wald statistic against its closed form for a
// diagonal covariance: W = Σ (b_j − r_j)² / V_jj.
func TestWaldDiagonal(t *testing.T) {
	b := []float64{1, 2, 3}
	v := mat.NewSymDense(3, []float64{4, 0, 0, 0, 1, 0, 0, 0, 0.25})
	r := mat.NewDense(2, 3, []float64{1, 0, 0, 0, 0, 1})
	test, err := Wald(b, v, r, []float64{0, 2})
	if err != nil {
		t.Fatal(err)
	}
	want := 1.0/4 + 1/0.25
	if e := relErr(test.Statistic, want); e > 1e-14 || test.DF1 != 2 {
		t.Errorf("W = %g (df %g), want %g", test.Statistic, test.DF1, want)
	}
	// χ²(2) survival is exp(−W/2).
	if e := relErr(test.PValue, math.Exp(-want/2)); e > 1e-12 {
		t.Errorf("p = %g, want %g", test.PValue, math.Exp(-want/2))
	}
	f := test.AsF(30)
	if f.DF2 != 30 || f.Statistic != want/2 {
		t.Errorf("F = %+v", f)
	}
	if _, err := Wald(b, v, mat.NewDense(2, 3, []float64{1, 0, 0, 2, 0, 0}), nil); err == nil {
		t.Error("dependent restrictions: no error")
	}
}

func TestTestJSON(t *testing.T) {
	for _, c := range []struct {
		test Test
		want string
	}{
		{Test{Statistic: 3.5, DF1: 2, PValue: 0.1}, `{"statistic":3.5,"df":2,"p_value":0.1}`},
		{Test{Statistic: 1.5, DF1: 2, DF2: 40, PValue: 0.2}, `{"statistic":1.5,"df":[2,40],"p_value":0.2}`},
		{Test{Statistic: math.NaN(), DF1: 1, PValue: math.NaN()}, `{"statistic":null,"df":1,"p_value":null}`},
	} {
		b, err := json.Marshal(c.test)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != c.want {
			t.Errorf("got %s, want %s", b, c.want)
		}
		var back Test
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if back.DF1 != c.test.DF1 || back.DF2 != c.test.DF2 {
			t.Errorf("round trip %+v", back)
		}
	}
}

func TestRowJSON(t *testing.T) {
	b, err := json.Marshal(Row{Term: "x", Estimate: 1, StdError: math.NaN(), Statistic: math.Inf(1)})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"term":"x","estimate":1,"std_error":null,"statistic":null,"p_value":0,"conf_low":0,"conf_high":0}`
	if string(b) != want {
		t.Errorf("got %s", b)
	}
}
