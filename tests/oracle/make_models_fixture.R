# SPDX-License-Identifier: MIT
# A small trial cohort for tests/e2e/test_models_oracle.sh: Rscript make_models_fixture.R DIR
# writes DIR/{metadata,subjects,visits}.tsv and DIR/diversity/alpha.tsv from a fixed seed.
# On purpose: unbalanced arms, missing visits, a subject with one visit, a response whose
# between-subject variance is 0 at the optimum (singular fit: within-subject errors made
# negatively correlated), a constant column (rank-deficient design), tied survival times,
# a study site column (lumen stats --site).
args <- commandArgs(trailingOnly = TRUE)
out <- args[1]
dir.create(file.path(out, "diversity"), recursive = TRUE, showWarnings = FALSE)
set.seed(20261126)
ns <- 46
id <- sprintf("S%03d", seq_len(ns))
arm <- ifelse(seq_len(ns) %% 3 == 0, "PegIFN+NAs", "NAs") # unbalanced
subj <- data.frame(`subject-id` = id, arm = arm, age = round(runif(ns, 25, 64)),
                   sex = sample(c("F", "M"), ns, TRUE),
                   na_drug = sample(c("TDF", "TAF", "TMF"), ns, TRUE),
                   cnlc_stage = sample(c("Ia", "Ib", "IIa"), ns, TRUE),
                   rfs_months = round(rexp(ns, 1 / 30)), rfs_event = rbinom(ns, 1, 0.6),
                   os_months = round(rexp(ns, 1 / 50)), os_event = rbinom(ns, 1, 0.4),
                   const_site = 1, check.names = FALSE)
# a study site (three sites, both arms in each; no random draw, so nothing else moves)
subj$site <- c("HZ", "NB", "WZ")[(seq_len(ns) * 5) %/% 7 %% 3 + 1]
subj$rfs_months[subj$rfs_months == 0] <- 1
subj$os_months <- pmax(subj$os_months, subj$rfs_months)
peg <- subj$arm == "PegIFN+NAs"
weeks <- c(0, 12, 24, 48)
v <- expand.grid(w = seq_along(weeks), s = seq_len(ns))
v$week <- weeks[v$w]
u <- rnorm(ns, 0, 0.5)
us <- rnorm(ns, 0, 0.004)
lh <- 3 + u[v$s] + us[v$s] * v$week - 0.004 * v$week - 0.02 * peg[v$s] * v$week +
  0.01 * (subj$age[v$s] - 45) + rnorm(nrow(v), 0, 0.25)
cyt <- function(mu, sd) round(10^(mu + rnorm(ns, 0, sd)[v$s] + rnorm(nrow(v), 0, 0.2)), 3)
vis <- data.frame(`subject-id` = id[v$s], week = v$week, hbsag_iu_ml = signif(10^lh, 8),
                  anti_hbs_miu_ml = 1, hbv_dna_iu_ml = NA, hbeag = "negative",
                  il2 = cyt(1, 0.2), il4 = cyt(0.8, 0.1), il6 = cyt(1.2, 0.3),
                  il10 = cyt(0.5, 0.2), tnfa = cyt(1.1, 0.1), ifng = cyt(1.3, 0.25),
                  check.names = FALSE)
# values below the assays' detection limits, written "<x" (lumen: x/2, flagged)
low <- vis$il10 < 2.2
vis$il10 <- as.character(vis$il10)
vis$il10[low] <- "<2.2"
# HBsAg loss (< 0.05 IU/mL, written "<0.05") from week 24 or 48 in some subjects
lost <- (vis$`subject-id` %in% id[c(3, 6, 9, 12, 15, 30, 33)] & vis$week >= 24) |
  (vis$`subject-id` %in% id[c(4, 10, 20)] & vis$week >= 48)
vis$hbsag_iu_ml <- as.character(vis$hbsag_iu_ml)
vis$hbsag_iu_ml[lost] <- "<0.05"
drop <- sample(which(vis$week > 0), 30) # missing visits
one <- which(vis$`subject-id` == "S007" & vis$week > 0) # a subject with one visit
vis <- vis[-unique(c(drop, one)), ]
write.table(subj, file.path(out, "subjects.tsv"), sep = "\t", quote = FALSE, row.names = FALSE)
write.table(vis, file.path(out, "visits.tsv"), sep = "\t", quote = FALSE, row.names = FALSE,
            na = "NA")
sw <- c(0, 24, 48)
m <- expand.grid(w = seq_along(sw), s = seq_len(ns))
m$week <- sw[m$w]
m <- m[-sample(nrow(m), 20), ]
m$sample <- sprintf("%s-W%02d", id[m$s], m$week)
meta <- data.frame(`sample-id` = m$sample, `subject-id` = id[m$s], week = m$week,
                   arm = subj$arm[m$s], check.names = FALSE)
e <- rnorm(nrow(m), 0, 0.3)
e <- e - 0.7 * ave(e, m$s) # negatively correlated within subject: singular fit
alpha <- data.frame(`sample-id` = m$sample,
                    shannon = round(3 + rnorm(ns, 0, 0.4)[m$s] - 0.004 * m$week * peg[m$s] +
                                      rnorm(nrow(m), 0, 0.2), 6),
                    evenness_flat = round(0.8 + e, 6), check.names = FALSE)
write.table(meta, file.path(out, "metadata.tsv"), sep = "\t", quote = FALSE, row.names = FALSE)
write.table(alpha, file.path(out, "diversity", "alpha.tsv"), sep = "\t", quote = FALSE,
            row.names = FALSE)
# a genus table (counts; zeros; one genus too rare for the 10% prevalence filter), one
# genus tied to the subject's HBsAg level
dir.create(file.path(out, "taxa"), showWarnings = FALSE)
gen <- c("Blautia", "Bacteroides", "Faecalibacterium", "Prevotella", "Akkermansia",
         "Roseburia", "Rarella")
mu <- c(200, 300, 150, 60, 20, 40, 0.02)
cnt <- sapply(seq_len(nrow(m)), function(i) {
  lam <- mu * exp(rnorm(length(mu), 0, 0.6))
  lam[5] <- lam[5] * exp(0.8 * u[m$s[i]])
  rnbinom(length(mu), size = 2, mu = lam)
})
cnt[7, ] <- 0
cnt[7, 1:3] <- c(1, 2, 1)
tab <- data.frame(`#OTU ID` = paste0("k__Bacteria;p__P;c__C;o__O;f__F;g__", gen), cnt,
                  check.names = FALSE)
names(tab)[-1] <- m$sample
write.table(tab, file.path(out, "taxa", "level-6.tsv"), sep = "\t", quote = FALSE,
            row.names = FALSE)
