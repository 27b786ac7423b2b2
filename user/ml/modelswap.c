// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * ml/modelswap.c - hazard-pointer model publication (contract in modelswap.h).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "ml/modelswap.h"

struct modelswap {
	_Atomic(struct modelset *) cur;
	_Atomic(const struct modelset *) hazard[MODELSWAP_MAX_READERS];
	atomic_int n_readers;
	atomic_uint_fast64_t generation;
	pthread_mutex_t publish_lock; /* one publisher at a time */
};

struct modelswap *modelswap_new(struct modelset *m)
{
	struct modelswap *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	atomic_init(&h->cur, m);
	for (int i = 0; i < MODELSWAP_MAX_READERS; i++)
		atomic_init(&h->hazard[i], NULL);
	atomic_init(&h->n_readers, 0);
	atomic_init(&h->generation, 1);
	pthread_mutex_init(&h->publish_lock, NULL);
	return h;
}

void modelswap_free(struct modelswap *h)
{
	if (!h)
		return;
	modelset_free(atomic_load(&h->cur));
	pthread_mutex_destroy(&h->publish_lock);
	free(h);
}

int modelswap_reader_add(struct modelswap *h)
{
	int i = atomic_fetch_add(&h->n_readers, 1);

	if (i >= MODELSWAP_MAX_READERS) {
		atomic_fetch_sub(&h->n_readers, 1);
		return -ENOSPC;
	}
	return i;
}

const struct modelset *modelswap_acquire(struct modelswap *h, int slot, uint64_t *generation)
{
	struct modelset *m;
	uint64_t g;

	/*
	 * Announce, then re-check: once the slot holds m and cur still equals m, a publisher
	 * that swaps afterwards will see the slot and wait (both sides are seq_cst).
	 */
	do {
		g = atomic_load(&h->generation);
		m = atomic_load(&h->cur);
		atomic_store(&h->hazard[slot], m);
	} while (atomic_load(&h->cur) != m || atomic_load(&h->generation) != g);
	if (generation)
		*generation = g;
	return m;
}

void modelswap_release(struct modelswap *h, int slot)
{
	atomic_store(&h->hazard[slot], NULL);
}

void modelswap_publish(struct modelswap *h, struct modelset *m)
{
	struct modelset *old;
	int n;

	pthread_mutex_lock(&h->publish_lock);
	old = atomic_exchange(&h->cur, m);
	atomic_fetch_add(&h->generation, 1);
	n = atomic_load(&h->n_readers);
	if (n > MODELSWAP_MAX_READERS)
		n = MODELSWAP_MAX_READERS;
	for (int i = 0; old && i < n; i++) {
		while (atomic_load(&h->hazard[i]) == old)
			sched_yield();
	}
	modelset_free(old);
	pthread_mutex_unlock(&h->publish_lock);
}

uint64_t modelswap_generation(const struct modelswap *h)
{
	return atomic_load(&((struct modelswap *)h)->generation);
}
