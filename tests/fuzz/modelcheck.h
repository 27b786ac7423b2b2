/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * modelcheck.h - what the model-file targets check on every load, accepted or refused.
 */
#ifndef NAD_MODELCHECK_H
#define NAD_MODELCHECK_H

#include <stddef.h>

/*
 * Loads the image with modelset_load_mem(). Refused: errno and a one-line reason. Accepted:
 * the model scores a few rows (forest scores in [-1, 0]), and saves to an image that loads
 * and saves again to the same bytes; if payload is not NULL, the saved payload is exactly
 * payload[plen] (the format has one encoding per model).
 */
void modelcheck_load(const void *img, size_t len, const void *payload, size_t plen);

#endif /* NAD_MODELCHECK_H */
