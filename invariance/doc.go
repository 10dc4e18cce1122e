// Package invariance implements prediction that transfers across
// environments: causal graphs with an environment node, the causal minimax
// subset search of Liu, Zheng, Sun, Fang and Wang ("Which Invariance Should
// We Transfer? A Causal Minimax Learning Approach", ICML 2023), and the
// invariant causal prediction family (ICP and hiddenICP at parity with R's
// InvariantCausalPrediction 0.8). Anchor regression lives in package iv
// (method iv.Anchor, `causalkit iv --method anchor`).
//
// # Graphs
//
// ParseGraph reads a DAG from DOT, GML (as networkx writes it) or a JSON
// edge list; NewGraph builds one from edges. Graphs are validated (no
// cycles, no self-loops) and CheckAugmented validates the environment node
// (a root) and the target (not a child of the environment). Graph offers
// ancestors, descendants, topological order, do-surgery (Do), induced
// subgraphs (Remove), d-separation (DSeparated) and adjacency in the
// maximal ancestral graph with latent and selection sets (MAGAdjacent, via
// the ancestral separating set; InducingPath searches inducing paths
// explicitly). Every list of names is in natural order (X2 before X10).
//
// # Causal minimax search
//
// NewComponents computes the parts of the augmented graph that the method
// uses: the mutable variables X_M = Ch(E), the stable ones X_S, X_M⁰ = X_M ∩
// Ch(Y), K = De(X_M⁰) \ X_M⁰, the graphical condition K ∩ Ch(Y) = ∅ under which
// the whole stable set is minimax optimal (WholeSetOptimal), the set X_do*
// intervened on to estimate stable predictors, and the nodes regenerated
// under do(X_do*) and do(X_M). EquivalenceClasses partitions the stable
// subsets into classes {B ∪ A : A ⊆ R} with the same stable predictor, by
// the recursion over the target's neighbours in marginal/conditional MAGs.
//
// Minimax evaluates one representative per class: it fits the structural
// equations of the regenerated nodes, simulates do(X_do*) (joint
// permutation of X_do*, regeneration of the descendants), fits the
// predictor f_B = E[Y | X_B, do(X_M)] (a one-hidden-layer sigmoid network
// trained by Adam with hand-written gradients, or least squares), and
// estimates its worst-case risk by gradient ascent over intervention
// functions X_M := J(PA_M) (WorstCaseRisk). The class with the smallest
// estimate is chosen; SelectSplits averages over train/test splits of the
// environments. Classes run in parallel, each from its own random streams
// (estimators.Stream), so results do not depend on the number of workers.
//
// Defaults are sound rather than faithful: random initialisation from the
// seed, regeneration with resampled residuals (noise-free regeneration
// hides the very effect the method targets: on the closed-form case of the
// specification it gives h*({X_S}) = E[Y²] instead of 1.0786), training
// stopped at the best held-out loss, and an unpenalised ascent with four
// hidden units. MinimaxOptions.Compat reproduces the reference code
// (lmz123321/which_invariance): every network starts from weights 1 and
// biases 0, regeneration is noise-free, the predictors stop on the training
// loss, and the ascent uses the weight penalty 0.01·Σ‖W‖_F.
//
// ReferenceIMPC gives the reference code's IMPC variant (Compat with every
// network trained by plain gradient descent, five hidden units, its step
// counts, no early stopping and no penalty; seed 1234 for its
// permutation).
//
// Status: the graph components and classes match the specification exactly,
// and the closed-form case is recovered within two standard errors. On the
// authors' 45 IMPC train/test splits, ReferenceIMPC with seed 1234
// reproduces their record split by split: every class's estimated
// worst-case risk within 2e-4 of theirs (they compute in float32), ∅
// selected (mean 1.0680 against {X_4}'s 1.0728), and the classes ranked by
// estimated risk as by held-out worst-environment MSE (Spearman 0.967; the
// paper: 0.926). The default options rank the IMPC classes less well
// (Spearman 0.4–0.6). The estimates are lower bounds that stop with the
// ascent.
//
// # ICP
//
// ICP tests every subset of the variables for invariance of the residual
// distribution across environments (tests "normal", "ks" and "exact") and
// returns the accepted sets, the confidence intervals of the causal
// coefficients, maximin coefficients, per-variable p-values and the model
// rejection flag exactly as R's ICP with selection "all" computes them
// (checked to 1e-9 against R 4.2.2). The exact test's random subsample of at
// most MaxNoObs rows per environment is drawn from the seed (and kept in
// row order, which R does not do when it subsamples). HiddenICP is R's
// hiddenICP; its p-values are capped at 1.
package invariance
