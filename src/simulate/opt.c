/* SPDX-License-Identifier: MIT */
/* Options of lumen simulate: defaults, the arm-shift list, range checks. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "simulate_internal.h"

void lm_sim_opt_init(lm_sim_opt_t *opt)
{
    memset(opt, 0, sizeof(*opt));
    opt->reference = LM_SIM_DEFAULT_REFERENCE;
    opt->subjects = 12;
    opt->reads = 5000;
    opt->seed = LM_DEFAULT_SEED;
    opt->primers = "v4";
    opt->max_mismatch = 2;
    opt->read_length = 250;
    opt->poor_tail_rate = 0.03;
    opt->taxa = 200;
    opt->threads = 1;
    /* Interferon is reported to favour Bifidobacterium and Akkermansia and to reduce
     * Enterobacteriaceae; the defaults follow that direction with clear effect sizes. */
    static const lm_sim_shift_t dflt[] = {
        {"Bifidobacterium", 1.5}, {"Akkermansia", 2.0}, {"Escherichia", -1.5}};
    opt->n_shifts = 3;
    memcpy(opt->shifts, dflt, sizeof(dflt));
    opt->hr_arm = 0.6;
    opt->hr_shannon = 0.75;
    opt->hbsag_genus = "Bacteroides";
    opt->hbsag_rho = 0.5;
    opt->missing_rate = 0.02;
}

int lm_sim_opt_set_shifts(lm_sim_opt_t *opt, const char *spec, lm_err_t *err)
{
    opt->n_shifts = 0;
    const char *p = spec;
    while (*p) {
        const char *comma = strchr(p, ','), *end = comma ? comma : p + strlen(p);
        const char *colon = memchr(p, ':', (size_t)(end - p));
        if (!colon || colon == p || (size_t)(colon - p) >= sizeof(opt->shifts[0].genus))
            return lm_err_set(err, LM_EUSAGE, NULL, 0, 0, "--arm-shift: '%.*s' is not GENUS:LOG2FC",
                              (int)(end - p), p);
        if (opt->n_shifts == LM_SIM_MAX_SHIFTS)
            return lm_err_set(err, LM_EUSAGE, NULL, 0, 0, "--arm-shift: more than %d genera",
                              LM_SIM_MAX_SHIFTS);
        char num[64];
        size_t nl = (size_t)(end - colon - 1);
        if (nl == 0 || nl >= sizeof(num))
            return lm_err_set(err, LM_EUSAGE, NULL, 0, 0, "--arm-shift: bad fold in '%.*s'",
                              (int)(end - p), p);
        memcpy(num, colon + 1, nl);
        num[nl] = '\0';
        char *e;
        errno = 0;
        double v = strtod(num, &e);
        if (errno || *e || !isfinite(v) || fabs(v) > 10)
            return lm_err_set(err, LM_EUSAGE, NULL, 0, 0,
                              "--arm-shift: fold '%s' is no number in [-10, 10] (log2)", num);
        lm_sim_shift_t *s = &opt->shifts[opt->n_shifts++];
        memcpy(s->genus, p, (size_t)(colon - p));
        s->genus[colon - p] = '\0';
        s->log2fc = v;
        p = comma ? comma + 1 : end;
    }
    return 0;
}

int lm_sim_opt_check(const lm_sim_opt_t *opt, lm_err_t *err)
{
#define BAD(...) lm_err_set(err, LM_EUSAGE, NULL, 0, 0, __VA_ARGS__)
    if (!opt->out || !*opt->out) return BAD("--out is required");
    if (!opt->reference || !*opt->reference) return BAD("--reference is empty");
    if (opt->subjects < 1 || opt->subjects > 9999)
        return BAD("--subjects must be from 1 to 9999, not %d", opt->subjects);
    if (opt->reads < 1 || opt->reads > 100000000)
        return BAD("--reads must be from 1 to 100000000, not %ld", opt->reads);
    if (!opt->primers || !lm_primer_preset(opt->primers) ||
        (strcmp(opt->primers, "v4") != 0 && strcmp(opt->primers, "v3v4") != 0))
        return BAD("--primers must be v4 or v3v4, not '%s'", opt->primers ? opt->primers : "");
    if (opt->max_mismatch < 0 || opt->max_mismatch > 5)
        return BAD("--max-mismatch must be from 0 to 5");
    if (opt->read_length < 50 || opt->read_length > 1000)
        return BAD("--read-length must be from 50 to 1000, not %d", opt->read_length);
    if (!(opt->chimera_rate >= 0 && opt->chimera_rate <= 0.5))
        return BAD("--chimera-rate must be from 0 to 0.5");
    if (!(opt->poor_tail_rate >= 0 && opt->poor_tail_rate <= 1))
        return BAD("--poor-tails must be from 0 to 1");
    if (opt->taxa < 2 || opt->taxa > 100000) return BAD("--taxa must be from 2 to 100000");
    if (opt->threads < 1) return BAD("--threads must be at least 1");
    if (!(opt->hr_arm > 0 && opt->hr_arm < 100)) return BAD("--hr-arm must be in (0, 100)");
    if (!(opt->hr_shannon > 0 && opt->hr_shannon < 100))
        return BAD("--hr-shannon must be in (0, 100)");
    if (!(opt->hbsag_rho >= -1 && opt->hbsag_rho <= 1))
        return BAD("--hbsag-rho must be from -1 to 1");
    if (!opt->hbsag_genus || !*opt->hbsag_genus) return BAD("--hbsag-genus is empty");
    if (!(opt->missing_rate >= 0 && opt->missing_rate <= 0.5))
        return BAD("--missing must be from 0 to 0.5");
    if (!(opt->genus_hbsag >= -5 && opt->genus_hbsag <= 5))
        return BAD("--genus-hbsag must be from -5 to 5");
    if (opt->sites < 0 || opt->sites > 99) return BAD("--sites must be from 0 to 99");
    return 0;
#undef BAD
}
