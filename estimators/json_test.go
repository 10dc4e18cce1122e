package estimators

import (
	"encoding/json"
	"math"
	"testing"
)

func TestMarshalJSON(t *testing.T) {
	type inner struct {
		A float64 `json:"a"`
	}
	type outer struct {
		inner
		B    float64            `json:"b,omitempty"`
		C    []float64          `json:"c"`
		M    map[string]float64 `json:"m"`
		Skip int                `json:"-"`
		T    Test               `json:"t"`
		P    *float64           `json:"p"`
	}
	v := outer{inner: inner{A: math.NaN()}, C: []float64{1, math.Inf(-1)}, M: map[string]float64{"z": 1, "a": math.NaN()},
		T: Test{Statistic: 2, DF1: 1, PValue: 0.5}}
	got, err := MarshalJSON(v)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"a":null,"c":[1,null],"m":{"a":null,"z":1},"t":{"statistic":2,"df":1,"p_value":0.5},"p":null}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// Finite values encode exactly as encoding/json does.
	w := struct {
		X float64   `json:"x"`
		Y []float64 `json:"y"`
	}{0.1 + 0.2, []float64{1e21, 1e-7, 123456789}}
	a, _ := MarshalJSON(w)
	b, _ := json.Marshal(w)
	if string(a) != string(b) {
		t.Errorf("%s != %s", a, b)
	}
}
