/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * features/sketch.h - the small summaries the trackers are made of.
 *
 *   sketch_addr_hash 32-bit FNV-1a of a 16-byte address (features_addr_hash, inline)
 *   sketch_mix       a 32-bit integer hash finaliser (spreads FNV-1a's low bits)
 *   sketch_set/has   one bit of a hashed bit set of nbits bits (bit h % nbits)
 *   sketch_distinct  distinct values in the union of two hashed bit sets of nwords 64-bit
 *                    words (a current and a previous epoch), by linear counting:
 *                    -m ln(zero bits / m), m bits; m ln m once every bit is set
 *   sketch_decay     the factor exp(-dt / tau) of an exponentially decayed count:
 *                    count * decay + weight at each update approximates "how many in the
 *                    last tau seconds" with one double and no ring
 */
#ifndef NAD_SKETCH_H
#define NAD_SKETCH_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

static inline uint32_t sketch_addr_hash(const uint8_t a[16])
{
	uint32_t h = 2166136261u;

	for (int i = 0; i < 16; i++)
		h = (h ^ a[i]) * 16777619u;
	return h;
}

static inline uint32_t sketch_mix(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x7feb352d;
	h ^= h >> 15;
	h *= 0x846ca68b;
	h ^= h >> 16;
	return h;
}

static inline void sketch_set(uint64_t *bm, unsigned nbits, uint32_t h)
{
	h %= nbits;
	bm[h / 64] |= 1ull << (h % 64);
}

static inline bool sketch_has(const uint64_t *bm, unsigned nbits, uint32_t h)
{
	h %= nbits;
	return bm[h / 64] >> (h % 64) & 1;
}

/* b may be NULL (one set). */
static inline unsigned sketch_distinct(const uint64_t *a, const uint64_t *b, unsigned nwords)
{
	unsigned m = nwords * 64, ones = 0;

	for (unsigned i = 0; i < nwords; i++)
		ones += __builtin_popcountll(a[i] | (b ? b[i] : 0));
	if (ones >= m)
		return (unsigned)(m * log((double)m));
	return (unsigned)lround(-(double)m * log((double)(m - ones) / m));
}

static inline double sketch_decay(uint64_t dt_ns, double tau_s)
{
	return exp(-(double)dt_ns / (tau_s * 1e9));
}

#endif /* NAD_SKETCH_H */
