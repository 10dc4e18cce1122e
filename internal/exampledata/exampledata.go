// Package exampledata embeds the small public data sets that the demo,
// the examples and the tests share, so that each exists once in the
// repository.
package exampledata

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"io"
)

// CardCSV is Card (1995), NLS Young Men 1976 (3,010 rows): the columns
// lwage, educ, exper, expersq, black, smsa, south, smsa66, reg661–reg669,
// weight, age, nearc2 and nearc4 of ../shared/data/iv/card.csv, which linearmodels
// distributes (NCSA licence).
//
//go:embed card.csv
var CardCSV []byte

// SenateCSV is the U.S. Senate elections data of rdrobust (1390 rows; vote,
// margin, state, year, class, termshouse, termssenate, population), as in
// ../shared/data/rdd/rdrobust_senate.csv.
//
//go:embed senate.csv
var SenateCSV []byte

// taxesCSVGz is cregg's taxes conjoint (Ballard-Rosa, Martin & Scheve
// 2016; 32,000 profiles of 2,000 respondents), ../shared/data/conjoint/taxes.csv
// gzip-compressed.
//
//go:embed taxes.csv.gz
var taxesCSVGz []byte

// TaxesCSV returns the taxes conjoint as CSV.
func TaxesCSV() []byte {
	r, err := gzip.NewReader(bytes.NewReader(taxesCSVGz))
	if err != nil {
		panic("exampledata: taxes.csv.gz: " + err.Error()) // embedded at build time, so a bug
	}
	b, err := io.ReadAll(r)
	if err != nil {
		panic("exampledata: taxes.csv.gz: " + err.Error())
	}
	return b
}

// IMPCCSV is the IMPC haematology extract of the causal minimax paper's
// appendix experiment (614 mice, 14 genotypes): X_1…X_5, the target Y and
// the genotype index E (0 = wild type); invariance/testdata/README.md lists
// its source columns.
//
//go:embed impc.csv
var IMPCCSV []byte
