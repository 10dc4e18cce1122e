# Reference values for the conjoint tests. Run from this folder with
#   Rscript make_reference.R /path/to/cregg/R
# needs R (4.2.2 used), survey 4.1-1, sandwich, lmtest, jsonlite, cjoint 2.1.1,
# and the R sources of cregg 0.3.7 (leeper/cregg @0906890; sourced, not
# installed, because its plotting dependency ggstance is unavailable).
# Writes reference.json.
suppressMessages({library(survey); library(sandwich); library(lmtest); library(jsonlite)})
args <- commandArgs(TRUE)
for (f in list.files(args[1], full.names = TRUE)) if (!grepl("plot_", f)) source(f)
lev <- read.csv("levels.csv", stringsAsFactors = FALSE)
fac <- function(d) {
  for (f in unique(lev$feature)) if (f %in% names(d)) {
    l <- lev[lev$feature == f, ]; l <- l[order(l$level_index), ]
    d[[f]] <- factor(d[[f]], levels = l$level)
  }
  d
}
taxes <- fac(read.csv(gzfile("../../internal/exampledata/taxes.csv.gz"), stringsAsFactors = FALSE))
immigration <- fac(read.csv(gzfile("immigration.csv.gz"), stringsAsFactors = FALSE))
tab <- function(x, est = "estimate", se = "std.error", extra = NULL) {
  out <- data.frame(feature = as.character(x$feature), level = as.character(x$level),
                    estimate = x[[est]], std_error = x[[se]], stringsAsFactors = FALSE)
  for (e in extra) out[[e]] <- as.character(x[[e]])
  out
}
ref <- list()
ft <- chose_plan ~ taxrate1 + taxrate2 + taxrate3 + taxrate4 + taxrate5 + taxrate6 + taxrev
# 1. cregg README AMCE table (survey = CR0G) and the same model with CR1 (sandwich HC1).
ref$taxes_amce_cr0g <- tab(amce(taxes, ft, id = ~ID))
fit <- lm(ft, data = taxes)
v1 <- vcovCL(fit, cluster = ~ID, type = "HC1")
ref$taxes_amce_cr1 <- data.frame(term = names(coef(fit)), estimate = unname(coef(fit)), std_error = unname(sqrt(diag(v1))))
# Wald test that <10k: 15% and <10k: 25% have equal AMCEs (CR1).
r <- setNames(rep(0, length(coef(fit))), names(coef(fit))); r["taxrate1<10k: 15%"] <- 1; r["taxrate1<10k: 25%"] <- -1
d <- sum(r * coef(fit)); s <- sqrt(drop(t(r) %*% v1 %*% r))
ref$taxes_compare_cr1 <- list(estimate = d, std_error = s)
# 2. survey weights.
ref$taxes_amce_weighted_cr0g <- tab(amce(taxes, ft, id = ~ID, weights = ~weight))
# 3. marginal means, h0 = 0.5, unweighted and weighted.
ref$taxes_mm_cr0g <- tab(mm(taxes, ft, id = ~ID, h0 = 0.5))
ref$taxes_mm_weighted_cr0g <- tab(mm(taxes, ft, id = ~ID, weights = ~weight))
fi <- ChosenImmigrant ~ Gender + Education + LanguageSkills + CountryOfOrigin + Job + JobExperience + JobPlans + ReasonForApplication + PriorEntry
ref$immigration_mm_cr0g <- tab(mm(immigration, fi, id = ~CaseID))
# 4. restricted design, cregg's rule.
fc <- ChosenImmigrant ~ Gender + Education * Job + LanguageSkills + CountryOfOrigin * ReasonForApplication + JobExperience + JobPlans + PriorEntry
ref$immigration_constrained_cr0g <- tab(amce(immigration, fc, id = ~CaseID))
# 5. subgroups: conditional AMCEs, AMCE differences, MM differences by party.
taxp <- taxes[!is.na(taxes$partyid), ]; taxp$partyid <- factor(taxp$partyid)  # drop NA party first: survey would keep their clusters (G = 2000)
f3 <- chose_plan ~ taxrate1 + taxrate2 + taxrate3
ref$taxes_amce_by_party_cr0g <- tab(cj(taxp, f3, id = ~ID, by = ~partyid), extra = "BY")
ref$taxes_amce_diffs_cr0g <- tab(amce_diffs(taxp, f3, by = ~partyid, id = ~ID), extra = "BY")
ref$taxes_mm_diffs_cr0g <- tab(mm_diffs(taxp, f3, by = ~partyid, id = ~ID), extra = "BY")
# 6. diagnostics: carryover (cj_anova by task), balance, position.
imm <- immigration; imm$contest_no <- factor(imm$contest_no)
a <- cj_anova(imm, ChosenImmigrant ~ Gender + Education + LanguageSkills, by = ~contest_no)
ref$immigration_carryover <- list(F = a$F[2], df1 = a$Df[2], df2 = a[["Resid. Df"]][2], p = a[["Pr(>F)"]][2])
ib <- immigration[!is.na(immigration$ethnocentrism), ]
bf <- lm(ethnocentrism ~ Gender + Education + LanguageSkills, data = ib)
wald <- function(v) { b <- coef(bf)[-1]; vv <- v[-1, -1]; st <- drop(t(b) %*% solve(vv, b)); c(st, pchisq(st, length(b), lower.tail = FALSE)) }
ref$immigration_balance <- list(n = nrow(ib), cr1 = wald(vcovCL(bf, cluster = ~CaseID, type = "HC1")),
                                cr0g = wald(vcovCL(bf, cluster = ~CaseID, type = "HC0")), df = length(coef(bf)) - 1)
ref$immigration_position <- as.list(tapply(immigration$ChosenImmigrant, immigration$profile, mean))
fr <- cj_freqs(immigration, fi, id = ~CaseID)
ref$immigration_freqs <- data.frame(feature = as.character(fr$feature), level = as.character(fr$level), n = fr$estimate)
# 7. cjoint 2.1.1's design-weighted AMCEs for the restricted immigration design
#    (its own data and design object, the example of its documentation).
suppressMessages(library(cjoint))
data("immigrationconjoint", package = "cjoint"); data("immigrationdesign", package = "cjoint")
cr <- cjoint::amce(Chosen_Immigrant ~ Gender + Education + `Language Skills` + `Country of Origin` + Job + `Job Experience` + `Job Plans` + `Reason for Application` + `Prior Entry`,
                   data = immigrationconjoint, cluster = TRUE, respondent.id = "CaseID", design = immigrationdesign)
s <- summary(cr)$amce
ref$immigration_cjoint <- data.frame(feature = s$Attribute, level = s$Level, estimate = s$Estimate, std_error = s[["Std. Err"]])
# 8. cjoint ACIE: Gender x Language Skills, uniform design.
ca <- summary(cjoint::amce(Chosen_Immigrant ~ Gender + Education + `Language Skills` + Gender:`Language Skills`,
                           data = immigrationconjoint, cluster = TRUE, respondent.id = "CaseID"))
ref$immigration_cjoint_acie <- rbind(
  data.frame(feature = ca$amce$Attribute, level = ca$amce$Level, estimate = ca$amce$Estimate, std_error = ca$amce[["Std. Err"]]),
  data.frame(feature = ca$acie$Attribute, level = ca$acie$Level, estimate = ca$acie$Estimate, std_error = ca$acie[["Std. Err"]]))
writeLines(toJSON(ref, digits = NA, auto_unbox = TRUE, pretty = TRUE), "reference.json")
# 9. Outcome models for the optimal policy on taxes (taxrate1..6, first level
#    reference): profile-level and pairwise (first = profile 1) logit, CR1.
fr <- chose_plan ~ taxrate1 + taxrate2 + taxrate3 + taxrate4 + taxrate5 + taxrate6
X <- model.matrix(fr, taxes)
o <- order(taxes$pair_id, taxes$profile)
tx <- taxes[o, ]; Xo <- X[o, ]
f1 <- seq(1, nrow(tx), 2); f2 <- f1 + 1
stopifnot(all(tx$profile[f1] == 1), all(tx$pair_id[f1] == tx$pair_id[f2]))
D <- Xo[f1, -1] - Xo[f2, -1]
pl <- glm(tx$chose_plan[f1] ~ D, family = binomial())
ref$taxes_pairwise_logit <- data.frame(term = colnames(X), estimate = unname(coef(pl)),
  std_error = unname(sqrt(diag(vcovCL(pl, cluster = tx$ID[f1], type = "HC1")))))
gl <- glm(fr, data = taxes, family = binomial())
ref$taxes_profile_logit <- data.frame(term = colnames(X), estimate = unname(coef(gl)),
  std_error = unname(sqrt(diag(vcovCL(gl, cluster = ~ID, type = "HC1")))))
writeLines(toJSON(ref, digits = NA, auto_unbox = TRUE, pretty = TRUE), "reference.json")
