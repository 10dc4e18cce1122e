# Run: ICP_SRC=…/R OUT=. Rscript icp_reference.R
# Reference outputs of R InvariantCausalPrediction 0.8 (sourced from the CRAN
# 0.8 sources; selection "all" needs neither glmnet nor mboost), R 4.2.2.
src <- Sys.getenv("ICP_SRC", "/tmp/icp/R")  # the R/ folder of the CRAN InvariantCausalPrediction 0.8 sources
for (f in c("ICP.R","getpval.R","pvalfunc.R","getblanketall.R","hiddenICP.R")) source(file.path(src, f))
library(jsonlite)
out <- Sys.getenv("OUT", ".")  # then gzip -9 icp_example1.csv
res <- list()
icpout <- function(icp) list(accepted = lapply(icp$acceptedSets, function(s) as.integer(s)),
  conf_high = if (is.null(icp$ConfInt)) NULL else unname(icp$ConfInt[1,]),
  conf_low = if (is.null(icp$ConfInt)) NULL else unname(icp$ConfInt[2,]),
  maximin = if (is.null(icp$maximinCoefficients)) NULL else unname(icp$maximinCoefficients),
  pvalues = icp$pvalues, model_reject = icp$modelReject, best = icp$bestModel)
wcsv <- function(X, Y, E, file) { d <- data.frame(X, Y = Y, E = E); names(d) <- c(paste0("X", 1:ncol(X)), "Y", "E")
  d[] <- lapply(d, function(v) sprintf("%.17g", v))
  write.csv(d, file.path(out, file), row.names = FALSE, quote = FALSE) }
q <- function(x) capture.output(x)

## Case 1: the package's example 1.
set.seed(1)
n <- 4000; p <- 5
X <- matrix(rnorm(n*p), nrow=n)
ExpInd <- c(rep(1,n/2), rep(2,n/2))
X[ExpInd==2,] <- sweep(X[ExpInd==2,], 2, 5*rnorm(p), FUN="*")
beta <- c(1,1,rep(0,p-2))
Y <- as.numeric(X %*% beta + rnorm(n))
X[,p] <- 0.3*Y + rnorm(n)
colnames(X) <- paste0("X", 1:p)
wcsv(X, Y, ExpInd, "icp_example1.csv")
invisible(q(a <- ICP(X, Y, ExpInd)))
invisible(q(b <- ICP(X, Y, ExpInd, alpha = 0.05, test = "ks")))
res$example1_normal <- icpout(a)
res$example1_ks <- icpout(b)

## Case 2: three environments of 100 rows (spec 5.6 case 2's design).
set.seed(20230601)
ne <- 100; env <- rep(1:3, each = ne)
shift <- c(0, 2, -1)[env]; scale <- c(1, 2, 0.5)[env]
X1 <- shift + rnorm(3*ne); X2 <- scale * rnorm(3*ne)
Y2 <- 1.5*X1 - 0.8*X2 + rnorm(3*ne)
X3 <- 0.7*Y2 + 0.5*rnorm(3*ne); X4 <- rnorm(3*ne)
X2m <- cbind(X1, X2, X3, X4)
wcsv(X2m, Y2, env, "icp_case2.csv")
invisible(q(a <- ICP(X2m, Y2, env)))
invisible(q(b <- ICP(X2m, Y2, env, alpha = 0.1, test = "exact")))
invisible(q(c <- ICP(X2m, Y2, env, alpha = 0.1, test = "ks")))
h <- hiddenICP(X2m, Y2, env, alpha = 0.1)
hi <- hiddenICP(X2m, Y2, env, alpha = 0.1, intercept = TRUE)
res$case2_normal <- icpout(a); res$case2_exact <- icpout(b); res$case2_ks <- icpout(c)
# p-value of every candidate set, R's order (getblanketall, empty set first).
sets <- getblanketall(X2m, Y2)
res$case2_setp <- sapply(sets, function(s) getpval(Y2, cbind(1, X2m)[, c(1, 1 + s), drop = FALSE], lapply(1:3, function(k) which(env == k)), test = "normal")$pval)
hout <- function(h) list(beta = h$betahat, conf_high = unname(h$ConfInt[1,]), conf_low = unname(h$ConfInt[2,]), maximin = h$maximinCoefficients, pvalues = pmin(1, h$pvalues))
res$case2_hidden <- hout(h); res$case2_hidden_intercept <- hout(hi)

## Case 3: small environments with ties (exact KS path, ties in psmirnov).
set.seed(3)
ne <- 30; env <- rep(1:3, each = ne)
Z1 <- round(rnorm(3*ne) + c(0, 1, 0)[env], 1); Z2 <- round(rnorm(3*ne), 1)
Y3 <- round(Z1 + rnorm(3*ne) * c(1, 1, 2)[env], 1)
X3m <- cbind(Z1, Z2)
wcsv(X3m, Y3, env, "icp_case3.csv")
invisible(q(a <- ICP(X3m, Y3, env, alpha = 0.05, test = "ks")))
invisible(q(b <- ICP(X3m, Y3, env, alpha = 0.05, test = "exact")))
res$case3_ks <- icpout(a); res$case3_exact <- icpout(b)
h2 <- hiddenICP(X2m[1:200,], Y2[1:200], rep(1:2, each = 100), alpha = 0.1)
res$case2_first2_hidden <- hout(h2)

## Two-sample tests (stats, R 4.2.2).
set.seed(4)
x <- round(rnorm(40), 1); y <- round(rnorm(55, 0.3, 1.4), 1); u <- rnorm(150); v <- rnorm(120, 0.2)
res$tests <- list(x = x, y = y, u = u, v = v,
  ks_xy = ks.test(x, y)$p.value, ks_uv = ks.test(u, v)$p.value, ks_x5 = ks.test(x[1:5], y[1:7])$p.value,
  ks_uv_exact = ks.test(u[1:60], v[1:50])$p.value,
  t_uv = t.test(u, v)$p.value, var_uv = var.test(u, v)$p.value, var_vu = var.test(v, u)$p.value)
writeLines(toJSON(res, digits = NA, auto_unbox = TRUE, null = "null", na = "null"), file.path(out, "icp_reference.json"))
print(res$example1_normal)
