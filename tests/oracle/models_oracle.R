# SPDX-License-Identifier: MIT
# The R side of tests/e2e/test_models_oracle.sh: the mixed models lumen stats fits, fitted
# with lme4::lmer + lmerTest on the same cohort files.
#   Rscript models_oracle.R COHORT_DIR OUT.tsv COVARIATES SLOPE NUMWEEK TRANSFORM [OUT.tsv ...]
# COVARIATES: comma list or ""; SLOPE, NUMWEEK: 0/1; TRANSFORM: clr or log. Several
# groups of five make several tables in one run (R and lme4 load once).
# With COHORT_DIR/taxa/level-6.tsv also the per-genus models (MaAsLin2-style: prevalence
# >= 10%, CLR with 0.5 pseudocount over all genera, or log2 relative abundance with zeros
# as half the genus minimum; + log10_hbsag + th1_th2_ratio at the sample's visit).
# Writes: response term estimate se df t p (variance rows: term var(...), df t p NA).
# The optimiser's tolerances are tightened (lme4's defaults stop ~1e-4 short in theta) so
# that both sides report the optimum itself.
# With DDF=Kenward-Roger in the environment the t-tests are lmerTest's Kenward-Roger ones
# (pbkrtest's adjusted SE and df; lumen stats --df kr).
suppressMessages({ library(lme4); library(lmerTest) })
a <- commandArgs(trailingOnly = TRUE)
ddf <- Sys.getenv("DDF", "Satterthwaite")
# RESPONSES=a,b,... in the environment: only those responses (pbkrtest is slow)
only <- strsplit(Sys.getenv("RESPONSES"), ",")[[1]]
dir <- a[1]
rd <- function(f) read.delim(file.path(dir, f), check.names = FALSE, stringsAsFactors = FALSE,
                             na.strings = c("", "NA"))
subj <- rd("subjects.tsv"); vis <- rd("visits.tsv"); meta <- rd("metadata.tsv")
alpha <- rd("diversity/alpha.tsv")
# "<x": below the detection limit x, used as x/2
lod <- function(v) {
  if (!is.character(v)) return(v)
  b <- grepl("^<", v)
  x <- suppressWarnings(as.numeric(sub("^<", "", v)))
  x[b] <- x[b] / 2
  x
}
for (k in c("hbsag_iu_ml", "il2", "il4", "il6", "il10", "tnfa", "ifng")) vis[[k]] <- lod(vis[[k]])
lg <- function(x) ifelse(x > 0, log10(x), NA)
vis$log10_hbsag <- lg(vis$hbsag_iu_ml)
vis$th1_th2_ratio <- (lg(vis$il2) + lg(vis$ifng) + lg(vis$tnfa)) / 3 -
  (lg(vis$il4) + lg(vis$il6) + lg(vis$il10)) / 3
vis$ifng_il4_ratio <- lg(vis$ifng) - lg(vis$il4)
for (k in c("il2", "il4", "il6", "il10", "tnfa", "ifng")) vis[[paste0("log10_", k)]] <- lg(vis[[k]])
names(alpha)[1] <- "sample-id"
am <- merge(meta[, c("sample-id", "subject-id", "week")], alpha, by = "sample-id")
ctl <- lmerControl(optimizer = "nloptwrap",
                   optCtrl = list(xtol_abs = 1e-12, ftol_abs = 1e-15, xtol_rel = 0, ftol_rel = 0,
                                  maxeval = 1e5))
res <- list()
fit <- function(d, resp, extra = character(0)) {
  if (length(only) && !(resp %in% only)) return(invisible())
  d <- merge(d, subj[, c("subject-id", "arm", covs), drop = FALSE], by = "subject-id")
  d$y <- d[[resp]]
  d <- d[complete.cases(d[, c("y", "arm", covs, extra), drop = FALSE]), ]
  d$subject <- d$`subject-id`
  d$wk <- d$week
  d$arm <- factor(d$arm)
  if (!numweek) d$week <- factor(d$week)
  for (cv in covs) if (is.character(d[[cv]])) d[[cv]] <- factor(d[[cv]])
  rhs <- paste(c("arm * week", covs, extra), collapse = " + ")
  re <- if (slope) "(1 + wk | subject)" else "(1 | subject)"
  f <- as.formula(paste("y ~", rhs, "+", re))
  m <- suppressMessages(suppressWarnings(lmer(f, d, REML = TRUE, control = ctl)))
  s <- coef(summary(m, ddf = ddf))
  tab <- data.frame(response = resp, term = rownames(s), estimate = s[, 1], se = s[, 2],
                    df = s[, 3], t = s[, 4], p = s[, 5])
  vc <- as.data.frame(VarCorr(m))
  nm <- ifelse(vc$grp == "Residual", "var(residual)",
        ifelse(is.na(vc$var2), ifelse(vc$var1 == "(Intercept)", "var(subject)", "var(subject:week)"),
               "cov(subject, subject:week)"))
  tab <- rbind(tab, data.frame(response = resp, term = nm, estimate = vc$vcov, se = NA, df = NA,
                               t = NA, p = NA))
  res[[length(res) + 1]] <<- tab
}
run_job <- function() {
for (r in c("log10_hbsag", "th1_th2_ratio", "ifng_il4_ratio", paste0("log10_", c("il2", "il4", "il6", "il10", "tnfa", "ifng"))))
  fit(vis[, c("subject-id", "week", r)], r)
for (r in names(alpha)[-1]) fit(am[, c("subject-id", "week", r)], r)
tf <- file.path(dir, "taxa", "level-6.tsv")
if (file.exists(tf)) {
  ln <- readLines(tf)
  ln <- ln[!grepl("^# ", ln)] # biom's "# Constructed by ..." line
  tx <- read.delim(text = ln, check.names = FALSE, stringsAsFactors = FALSE, comment.char = "")
  cnt <- as.matrix(tx[, -1]); rownames(cnt) <- tx[[1]]
  if (transform == "clr") {
    val <- log(cnt + 0.5)
    val <- sweep(val, 2, colMeans(val))
  } else {
    ra <- sweep(cnt, 2, colSums(cnt), "/")
    val <- t(apply(ra, 1, function(r) log2(ifelse(r > 0, r, min(r[r > 0]) / 2))))
  }
  keep <- rowSums(cnt > 0) >= 0.1 * ncol(cnt) & rowSums(cnt > 0) > 0
  sm <- meta[match(colnames(cnt), meta$`sample-id`), c("subject-id", "week")]
  cl <- vis[, c("subject-id", "week", "log10_hbsag", "th1_th2_ratio")]
  for (g in rownames(cnt)[keep]) {
    d <- data.frame(sm, val = val[g, ], check.names = FALSE)
    names(d)[3] <- g
    d <- merge(d, cl, by = c("subject-id", "week"))
    fit(d, g, c("log10_hbsag", "th1_th2_ratio"))
  }
}
write.table(do.call(rbind, res), out, sep = "\t", quote = FALSE, row.names = FALSE, na = "NA")
}
for (j in seq(2, length(a) - 4, by = 5)) {
  out <- a[j]
  covs <- if (nchar(a[j + 1])) strsplit(a[j + 1], ",")[[1]] else character(0)
  slope <- a[j + 2] == "1"; numweek <- a[j + 3] == "1"; transform <- a[j + 4]
  res <- list()
  run_job()
}
