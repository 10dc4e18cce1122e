// Package rdd estimates regression discontinuity designs at parity with
// rdrobust (Calonico, Cattaneo and Titiunik): sharp and fuzzy designs and
// kinks, local polynomials of order p with bias correction of order q,
// conventional, bias-corrected and robust inference, nearest-neighbour,
// HC0–HC3 and cluster (CR1, CR2, CR3) variances, covariate adjustment, and rdrobust's MSE- and
// coverage-error-optimal bandwidth selectors with its pilot,
// regularisation, range restriction and mass-point adjustment.
//
// It also estimates distribution-valued regression discontinuity (R3D, Van
// Dijcke 2025): quantile treatment effects τ(q) when each unit's outcome is a
// distribution, by pointwise local polynomials with monotone rearrangement
// or local Fréchet regression in Wasserstein space, with uniform bands from a
// multiplier bootstrap and tests of nullity, homogeneity and equal Gini
// coefficients (see R3D); and rdplot's binned-means figure data (Plot) and
// the rddensity manipulation test (DensityTest).
//
// Observations below the cutoff (x < c) form the left side and the others
// the right side, as in rdrobust; each side is sorted by the running
// variable, which the nearest-neighbour variance needs.
package rdd
