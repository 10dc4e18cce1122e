// Package iv estimates linear instrumental-variables models: OLS, two-stage
// least squares, LIML, Fuller and general k-class estimators, anchor
// regression and IV-like (IVL) regression, with classical, robust and
// cluster-robust inference and the weak-instrument, over-identification and
// endogeneity diagnostics users of Stata's ivregress, linearmodels and AER
// expect.
//
// The model is y = Xβ + u with X = [W, D]: W are the included exogenous
// regressors (a constant column among them for an intercept) and D the
// endogenous ones; Z = [W, E] are the instruments, E the excluded ones. Every
// estimator is a k-class estimator
//
//	β(κ) = [Xᵀ(I − κM_Z)X]⁻¹ Xᵀ(I − κM_Z)y,
//
// with κ = 0 for OLS, 1 for 2SLS, the smallest root κ_LIML of
// det(Y*ᵀM_W Y* − κ Y*ᵀM_Z Y*) = 0 (Y* = [y, D]) for LIML, κ_LIML − a/(n − L)
// for Fuller(a), 1 − 1/γ for anchor regression with strength γ (minimising
// ‖y − Xb‖² + (γ − 1)‖P_Z(y − Xb)‖²), and 1/(1 + α) for IVL regression
// (minimising ‖P_Z(y − Xb)‖² + α‖y − Xb‖²; Akbar et al., NeurIPS 2025).
//
// Everything is computed from the R factor of a single QR decomposition of
// the weighted columns [W, E, D, y] (an estimators.QRAccumulator), never from
// n × n matrices or squared cross-products: the projections on Z and on W
// are blocks of that triangle. The data are read once for the triangle and
// once more for the residuals and robust scores.
package iv
