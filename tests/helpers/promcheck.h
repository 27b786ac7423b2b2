/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * promcheck.h - a strict checker of the Prometheus text exposition format
 * (0.0.4) plus nadxdp's naming rules, for the tests: every family has one
 * HELP and one TYPE before its samples and its samples are contiguous; names
 * are `nadxdp_*`; counters end in `_total`, nothing else does; histograms
 * have cumulative `_bucket`s with increasing `le`, a `+Inf` bucket equal to
 * `_count`, and `_sum`; label syntax and escapes; no duplicate series; no
 * address-like labels; no non-base units; values parse as floats.
 */
#ifndef NAD_TEST_PROMCHECK_H
#define NAD_TEST_PROMCHECK_H

#include <stddef.h>

/* 0 when text passes; otherwise -1 and the first violation in err. *n_samples counts samples. */
int promcheck(const char *text, char *err, size_t errlen, unsigned *n_samples);

/* Value of the sample `series` (name plus labels exactly as written), or -1 if absent. */
double promcheck_value(const char *text, const char *series);

#endif
