package iv

import (
	"encoding/json"
	"testing"

	"github.com/causalkit/causalkit/estimators"
)

func TestQuick(t *testing.T) {
	for _, spec := range []string{"CARD1", "CARD2", "CARD3"} {
		d := cardData(t, spec)
		f, err := Estimate(d, Options{Method: TSLS})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range []estimators.CovOptions{{}, {Type: estimators.HC0}} {
			dg, err := f.Diagnose(o, 0.95)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(dg)
			t.Logf("%s %s", spec, b)
		}
	}
	d, cl := housingData(t)
	f, _ := Estimate(d, Options{Method: TSLS})
	for _, o := range []estimators.CovOptions{{}, {Type: estimators.HC0}, {Type: estimators.CR0, Cluster: cl}} {
		dg, err := f.Diagnose(o, 0.95)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(dg)
		t.Logf("HSNG %s", b)
	}
}
