// Package conjoint analyses conjoint (factorial survey) experiments: the
// standard toolbox of cregg and cjoint — average marginal component effects
// (AMCEs) by least squares on level indicators with respondent-clustered
// errors, marginal means, subgroup differences, interaction effects (ACIEs),
// restricted designs and diagnostics — and the optimal and adversarial
// stochastic interventions of Jerzak, Chandra and Hazra (2025): the product
// distribution over candidate attributes that maximises expected support,
// for one party or for two parties playing against each other with
// primaries.
//
// # Data layout
//
// One row per profile (candidate) shown. A Design lists the attributes, their
// levels, the reference (baseline) level of each, the randomisation
// probabilities and the restricted level pairs. Data holds plain columns: the
// outcome, respondent codes (0 … G−1, the clusters), optional task, profile
// position and pair codes, survey weights, and one level-code column per
// attribute. Nothing here reads files: the command line builds these values.
//
// # Standard errors
//
// Every AMCE and marginal-mean covariance is clustered by respondent: CR1,
// G/(G−1)·(n−1)/(n−k), as cjoint, Stata and sandwich::vcovCL(type = "HC1"),
// or CR0G, G/(G−1) only, as cregg and survey::svyglm (see estimators.CR1 and
// estimators.CR0G).
//
// # Policies
//
// A stochastic intervention π = (π_1, …, π_D) draws each attribute d
// independently from the categorical distribution π_d over its levels. The
// value of a policy is Q(π) = E_{T∼π} h(T) for the fitted outcome model h;
// because T has a product law, Q is multilinear in the blocks π_d, which makes
// exact evaluation (closed forms or enumeration of all profiles) and exact
// block-coordinate ascent possible. The penalised problem maximises
// Q(π) − λ·Pen(π, p) with Pen the squared L2 distance to the design p or
// KL(p‖π). No Monte Carlo and no label smoothing enter the reported optima.
package conjoint
