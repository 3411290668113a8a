# SPDX-License-Identifier: MIT
# The R side of the adjusted-survival checks of tests/e2e/test_models_oracle.sh:
#   Rscript survival_oracle.R COHORT_DIR OUT.tsv COVARIATES(comma list) [OUT.tsv COVARIATES ...]
# Writes rows keyed like lumen's survival_adjusted.tsv and iptw_balance.tsv (analysis x y
# group) with n estimate ci_low ci_high statistic p: coxph (Efron) of RFS/OS on arm +
# baseline alpha per SD + covariates; glm(arm ~ covariates, binomial); stabilised IPTW
# weights (quantile type 7 per arm); standardised mean differences (denominator from the
# unweighted groups); coxph(Surv ~ arm, weights = w, robust = TRUE); time to HBsAg loss
# by arm: survfit at weeks 24, 48, 96, survdiff, coxph.
# With SITE=COLUMN in the environment (lumen stats --site COLUMN): every Cox model gets
# + strata(COLUMN) and the propensity model + COLUMN (a factor); the time to HBsAg loss
# stays by arm alone.
suppressMessages(library(survival))
a <- commandArgs(trailingOnly = TRUE)
site <- Sys.getenv("SITE")
dir <- a[1]
rd <- function(f) read.delim(file.path(dir, f), check.names = FALSE, stringsAsFactors = FALSE,
                             na.strings = c("", "NA"))
subj <- rd("subjects.tsv"); meta <- rd("metadata.tsv"); alpha <- rd("diversity/alpha.tsv")
names(alpha)[1] <- "sample-id"
am <- merge(alpha, meta[, c("sample-id", "subject-id", "week")], by = "sample-id", sort = FALSE)
am <- am[match(alpha$`sample-id`, am$`sample-id`), ]
base <- am[am$week == 0, ] # the first week-0 sample of each subject, in alpha.tsv order
base <- base[!duplicated(base$`subject-id`), ]
subj0 <- subj
run_job <- function() {
subj <- subj0
subj$arm <- factor(subj$arm)
for (cv in covs) if (is.character(subj[[cv]])) subj[[cv]] <- factor(subj[[cv]])
if (nchar(site)) subj[[site]] <- factor(subj[[site]])
sitec <- if (nchar(site)) site else character(0)
strf <- if (nchar(site)) paste0(" + strata(", site, ")") else ""
rows <- list()
add <- function(analysis, x, y, group, n, est, lo, hi, st, p)
  rows[[length(rows) + 1]] <<- data.frame(analysis, x, y, group, n, estimate = est, ci_low = lo,
                                          ci_high = hi, statistic = st, p)
covf <- paste0(paste(c("", covs), collapse = " + "), strf) # Cox models
pcovf <- paste(c("", covs, sitec), collapse = " + ")         # the propensity model
# a Cox fit, or NULL when coxph warns (no convergence, an infinite coefficient): lumen
# skips such models (models_skipped.tsv), so no rows are expected from them
cox_or_null <- function(expr) {
  warned <- FALSE
  fit <- withCallingHandlers(expr, warning = function(w) {
    warned <<- TRUE
    invokeRestart("muffleWarning")
  })
  if (warned) NULL else fit
}
for (ep in c("rfs", "os")) for (m in names(alpha)[-1]) {
  d <- merge(subj, base[, c("subject-id", m)], by = "subject-id")
  d$time <- d[[paste0(ep, "_months")]]; d$ev <- d[[paste0(ep, "_event")]]
  d <- d[complete.cases(d[, c("time", "ev", "arm", m, covs, sitec)]), ]
  d[[paste0(m, "_per_sd")]] <- d[[m]] / sd(d[[m]])
  f <- as.formula(paste0("Surv(time, ev) ~ arm + ", m, "_per_sd", covf))
  fit <- cox_or_null(coxph(f, data = d, ties = "efron"))
  if (is.null(fit)) next
  s <- summary(fit)
  for (k in rownames(s$coefficients))
    add(paste0("cox_", ep, "_adjusted"), k, m, "NA", nrow(d), s$conf.int[k, 1], s$conf.int[k, 3],
        s$conf.int[k, 4], s$coefficients[k, 4], s$coefficients[k, 5])
}
# landmark at week 24 (5.5195 months): subjects with time > L, time from L; arm + metric at
# week 0 per SD + its change to week 24 per SD + HBsAg decline to week 24 + covariates
L <- 24 * 7 * 12 / 365.25
w24 <- am[am$week == 24, ]
w24 <- w24[!duplicated(w24$`subject-id`), ]
v0 <- rd("visits.tsv")
hb <- function(v) { if (is.character(v)) { b <- grepl("^<", v); x <- suppressWarnings(as.numeric(sub("^<", "", v))); x[b] <- x[b] / 2; x } else v }
v0$h <- log10(hb(v0$hbsag_iu_ml))
dec <- merge(v0[v0$week == 0, c("subject-id", "h")], v0[v0$week == 24, c("subject-id", "h")],
             by = "subject-id")
dec$hbsag_decline_w24 <- dec$h.x - dec$h.y
for (ep in c("rfs", "os")) for (m in names(alpha)[-1]) {
  d <- merge(subj, base[, c("subject-id", m)], by = "subject-id")
  d <- merge(d, setNames(w24[, c("subject-id", m)], c("subject-id", "m24")), by = "subject-id")
  d <- merge(d, dec[, c("subject-id", "hbsag_decline_w24")], by = "subject-id")
  d$time <- d[[paste0(ep, "_months")]]; d$ev <- d[[paste0(ep, "_event")]]
  d <- d[complete.cases(d[, c("time", "ev", "arm", m, "m24", "hbsag_decline_w24", covs, sitec)]), ]
  d <- d[d$time > L, ]
  d[[paste0(m, "_w0_per_sd")]] <- d[[m]] / sd(d[[m]])
  ch <- d$m24 - d[[m]]
  d[[paste0(m, "_change_w24_per_sd")]] <- ch / sd(ch)
  d$t2 <- d$time - L
  f <- as.formula(paste0("Surv(t2, ev) ~ arm + ", m, "_w0_per_sd + ", m, "_change_w24_per_sd",
                         " + hbsag_decline_w24", covf))
  fit <- cox_or_null(coxph(f, data = d, ties = "efron"))
  if (is.null(fit)) next
  s <- summary(fit)
  for (k in rownames(s$coefficients))
    add(paste0("cox_", ep, "_landmark24"), k, m, "NA", nrow(d), s$conf.int[k, 1],
        s$conf.int[k, 3], s$conf.int[k, 4], s$coefficients[k, 4], s$coefficients[k, 5])
}
S <- subj[complete.cases(subj[, c("arm", covs, sitec)]), ]
S$arm <- droplevels(S$arm)
treated <- levels(S$arm)[2]
S$a <- as.integer(S$arm == treated)
g <- glm(as.formula(paste("a ~ 1", pcovf)), family = binomial, data = S,
         control = glm.control(epsilon = 1e-14, maxit = 100))
cf <- summary(g)$coefficients
for (k in rownames(cf))
  add("propensity", k, treated, "NA", nrow(S), cf[k, 1], cf[k, 1] - qnorm(0.975) * cf[k, 2],
      cf[k, 1] + qnorm(0.975) * cf[k, 2], cf[k, 3], cf[k, 4])
ps <- fitted(g); pa <- mean(S$a)
S$w <- ifelse(S$a == 1, pa / ps, (1 - pa) / (1 - ps))
for (lv in levels(S$arm)) {
  w <- S$w[S$arm == lv]
  q <- c(min(w), quantile(w, c(0.25, 0.5, 0.75), type = 7), max(w), mean(w))
  nm <- c("min", "p25", "median", "p75", "max", "mean")
  for (k in 1:6) add("iptw_weight", nm[k], "stabilised weight", lv, length(w), q[k], NA, NA, NA, NA)
}
X <- model.matrix(as.formula(paste("~ 1", pcovf)), S)
for (k in colnames(X)[-1]) {
  x <- X[, k]; t <- S$a == 1
  den <- sqrt((var(x[t]) + var(x[!t])) / 2)
  add("smd", k, treated, "unweighted", nrow(S), (mean(x[t]) - mean(x[!t])) / den, NA, NA, NA, NA)
  add("smd", k, treated, "iptw", nrow(S),
      (weighted.mean(x[t], S$w[t]) - weighted.mean(x[!t], S$w[!t])) / den, NA, NA, NA, NA)
}
for (ep in c("rfs", "os")) {
  d <- S; d$time <- d[[paste0(ep, "_months")]]; d$ev <- d[[paste0(ep, "_event")]]
  d <- d[complete.cases(d[, c("time", "ev")]), ]
  s <- summary(coxph(as.formula(paste0("Surv(time, ev) ~ arm", strf)), data = d, weights = w,
                     robust = TRUE, ties = "efron"))
  k <- rownames(s$coefficients)[1]
  add(paste0("cox_", ep, "_iptw"), k, "arm (IPTW)", "NA", nrow(d), s$conf.int[k, 1],
      s$conf.int[k, 3], s$conf.int[k, 4], s$coefficients[k, "z"], s$coefficients[k, "Pr(>|z|)"])
}
# time to HBsAg loss (< 0.05 IU/mL; "<x" is x/2): first visit week with loss, else
# censored at the last visit with a known HBsAg
vis <- rd("visits.tsv")
h <- vis$hbsag_iu_ml
if (is.character(h)) {
  b <- grepl("^<", h); h <- suppressWarnings(as.numeric(sub("^<", "", h))); h[b] <- h[b] / 2
}
vis$h <- h
vis <- vis[!is.na(vis$h), ]
lt <- do.call(rbind, lapply(split(vis, vis$`subject-id`), function(v) {
  l <- v$week[v$h < 0.05]
  data.frame(`subject-id` = v$`subject-id`[1], t = if (length(l)) min(l) else max(v$week),
             e = as.integer(length(l) > 0), check.names = FALSE)
}))
lt <- merge(lt, subj[, c("subject-id", "arm")], by = "subject-id")
lt <- lt[!is.na(lt$arm), ]
for (lv in levels(droplevels(lt$arm))) {
  sm <- summary(survfit(Surv(t, e) ~ 1, data = lt[lt$arm == lv, ]), times = c(24, 48, 96),
                extend = FALSE)
  for (k in seq_along(sm$time))
    add("hbsag_loss_km", paste0("week_", sm$time[k]), "arm", lv, sm$n.risk[k], sm$surv[k],
        sm$lower[k], sm$upper[k], NA, NA)
}
sd <- survdiff(Surv(t, e) ~ arm, data = lt)
add("hbsag_loss_logrank", "arm", "NA", paste(levels(droplevels(lt$arm)), collapse = " vs "),
    nrow(lt), NA, NA, NA, sd$chisq, pchisq(sd$chisq, length(sd$n) - 1, lower.tail = FALSE))
fit <- cox_or_null(coxph(Surv(t, e) ~ arm, data = lt, ties = "efron"))
if (!is.null(fit)) {
  s <- summary(fit)
  k <- rownames(s$coefficients)[1]
  add("hbsag_loss_cox", k, "arm", "NA", nrow(lt), s$conf.int[k, 1], s$conf.int[k, 3],
      s$conf.int[k, 4], s$coefficients[k, "z"], s$coefficients[k, "Pr(>|z|)"])
}
write.table(do.call(rbind, rows), out, sep = "\t", quote = FALSE, row.names = FALSE, na = "NA")
}
for (j in seq(2, length(a) - 1, by = 2)) {
  out <- a[j]; covs <- strsplit(a[j + 1], ",")[[1]]
  rows <- list()
  run_job()
}
