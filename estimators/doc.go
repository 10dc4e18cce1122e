// Package estimators is the shared numerical core of causalkit: weighted least
// squares with rank detection, sandwich covariances (HC0–HC3, one- and two-way
// cluster, CR2), Wald tests and reference distributions, kernels and the
// one-sided local polynomial fit shared by the regression-discontinuity
// estimators, small utilities that gonum lacks (isotonic regression, simplex
// projection, monotone rearrangement, quantiles), and a reproducible parallel
// bootstrap engine.
//
// The package imports only gonum and the standard library. It takes plain Go
// values ([]float64 columns, *mat.Dense) so that method packages and library
// users need no Arrow. Nothing here prints, reads files or draws from a global
// random source: every random draw comes from a stream derived from a user
// seed (see Stream), so results are bit-identical for any GOMAXPROCS.
//
// Errors caused by the input (a collinear design, a single cluster, a NaN in a
// column) wrap ErrInput, so that the command line can map them to exit
// status 2.
package estimators
