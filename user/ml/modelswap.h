/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ml/modelswap.h - the published model, swapped while scorers use it.
 *
 * struct modelswap publishes one struct modelset to any number of scorers.
 * A swap is a pointer exchange (C11 atomics, sequentially consistent); each
 * scorer announces the model it is using in its own hazard slot before
 * reading it, and the publisher frees the old model only once no slot holds
 * it. Scorers never block or wait; only the publisher waits (briefly, for a
 * scorer to finish the row it is scoring). A scorer keeps its own
 * modelset_scratch and re-creates it when the generation changes.
 */
#ifndef NAD_ML_MODELSWAP_H
#define NAD_ML_MODELSWAP_H

#include <stdint.h>

#include "ml/modelset.h"

#define MODELSWAP_MAX_READERS 16

struct modelswap;

/* Takes ownership of m (may be NULL: no model yet). NULL + errno. */
struct modelswap *modelswap_new(struct modelset *m);
/* Frees the held model too. No reader may be active. */
void modelswap_free(struct modelswap *h);

/* A hazard slot for one scorer thread: >= 0, or -ENOSPC. */
int modelswap_reader_add(struct modelswap *h);
/* The current model (NULL if none), protected until modelswap_release(h, slot). */
const struct modelset *modelswap_acquire(struct modelswap *h, int slot, uint64_t *generation);
void modelswap_release(struct modelswap *h, int slot);

/* Publishes m (ownership taken), waits until no scorer uses the old one, frees it. */
void modelswap_publish(struct modelswap *h, struct modelset *m);
uint64_t modelswap_generation(const struct modelswap *h);

#endif /* NAD_ML_MODELSWAP_H */
