package iv

import "testing"

func TestQuick(t *testing.T) {
	for _, spec := range []string{"CARD1", "CARD2", "CARD3"} {
		d := cardData(t, spec)
		for _, m := range []Options{{Method: TSLS}, {Method: LIML}, {Method: Fuller}, {Method: OLS}, {Method: Anchor, Gamma: 0}, {Method: Anchor, Gamma: 2}, {Method: IVL, Alpha: 1}, {Method: IVL, Alpha: 1e-2}} {
			f, err := Estimate(d, m)
			if err != nil {
				t.Fatal(spec, m.Method, err)
			}
			t.Logf("%s %s(%v,%v) educ %.15g kappa %.15g", spec, m.Method, m.Gamma, m.Alpha, f.Coef[len(d.Exog)], f.Kappa)
		}
	}
	d, _ := housingData(t)
	for _, m := range []Method{TSLS, LIML} {
		f, err := Estimate(d, Options{Method: m})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("HSNG %s %v kappa %.12g", m, f.Coef, f.Kappa)
	}
}
