package iv

import (
	"bytes"
	"math"
	"os"
	"strconv"
	"testing"

	"github.com/causalkit/causalkit/internal/exampledata"
	"github.com/causalkit/causalkit/internal/testcsv"
)

// table reads a CSV into numeric columns (non-numeric cells become NaN)
// and string columns.
func table(t testing.TB, data []byte) (num map[string][]float64, str map[string][]string) {
	t.Helper()
	recs := testcsv.Parse(t, bytes.NewReader(data))
	num, str = map[string][]float64{}, map[string][]string{}
	for j, name := range recs[0] {
		v := make([]float64, len(recs)-1)
		s := make([]string, len(recs)-1)
		for i, rec := range recs[1:] {
			s[i] = rec[j]
			var err error
			if v[i], err = strconv.ParseFloat(rec[j], 64); err != nil {
				v[i] = math.NaN()
			}
		}
		num[name], str[name] = v, s
	}
	return num, str
}

var cardExog = []string{"exper", "expersq", "black", "smsa", "south", "smsa66",
	"reg662", "reg663", "reg664", "reg665", "reg666", "reg667", "reg668", "reg669"}

// cardData builds the Card (1995) specifications of specs/iv.md §7.3.
func cardData(t testing.TB, spec string) *Data {
	num, _ := table(t, exampledata.CardCSV)
	n := len(num["lwage"])
	d := &Data{Y: num["lwage"], YName: "lwage", Exog: [][]float64{ones(n)}, ExogNames: []string{"(Intercept)"}}
	exog := cardExog
	switch spec {
	case "CARD1", "CARD2":
		d.Endog, d.EndogNames = [][]float64{num["educ"]}, []string{"educ"}
	case "CARD3":
		exog = cardExog[2:]
		d.Endog, d.EndogNames = [][]float64{num["educ"], num["exper"], num["expersq"]}, []string{"educ", "exper", "expersq"}
	}
	for _, c := range exog {
		d.Exog, d.ExogNames = append(d.Exog, num[c]), append(d.ExogNames, c)
	}
	switch spec {
	case "CARD1":
		d.Instruments, d.InstrumentNames = [][]float64{num["nearc4"]}, []string{"nearc4"}
	case "CARD2":
		d.Instruments, d.InstrumentNames = [][]float64{num["nearc2"], num["nearc4"]}, []string{"nearc2", "nearc4"}
	case "CARD3":
		age2 := make([]float64, n)
		for i, a := range num["age"] {
			age2[i] = a * a
		}
		d.Instruments = [][]float64{num["nearc2"], num["nearc4"], num["age"], age2}
		d.InstrumentNames = []string{"nearc2", "nearc4", "age", "age2"}
	}
	return d
}

// housingData builds Stata's example: rent on pcturban and hsngval,
// hsngval instrumented by faminc and the region dummies (base NE); it also
// returns the division cluster codes.
func housingData(t testing.TB) (*Data, []int) {
	b, err := os.ReadFile("testdata/housing.csv")
	if err != nil {
		t.Fatal(err)
	}
	num, str := table(t, b)
	n := len(num["rent"])
	d := &Data{Y: num["rent"], YName: "rent",
		Exog: [][]float64{ones(n), num["pcturban"]}, ExogNames: []string{"(Intercept)", "pcturban"},
		Endog: [][]float64{num["hsngval"]}, EndogNames: []string{"hsngval"},
		Instruments: [][]float64{num["faminc"]}, InstrumentNames: []string{"faminc"}}
	for _, r := range []string{"N Cntrl", "South", "West"} {
		dummy := make([]float64, n)
		for i, v := range str["region"] {
			if v == r {
				dummy[i] = 1
			}
		}
		d.Instruments, d.InstrumentNames = append(d.Instruments, dummy), append(d.InstrumentNames, "region:"+r)
	}
	codes := map[string]int{}
	cl := make([]int, n)
	for i, v := range str["division"] {
		c, ok := codes[v]
		if !ok {
			c = len(codes)
			codes[v] = c
		}
		cl[i] = c
	}
	return d, cl
}

func relErr(got, want float64) float64 {
	if want == 0 {
		return math.Abs(got)
	}
	return math.Abs(got-want) / math.Abs(want)
}
