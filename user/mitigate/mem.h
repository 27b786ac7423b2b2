/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * mitigate/mem.h - an in-memory mitigation backend (struct mitigate_ops) for
 * tests: the same entries the BPF maps would hold, with helpers to inspect
 * them and to play the kernel's part (count hits, fail writes).
 */
#ifndef NAD_MITIGATE_MEM_H
#define NAD_MITIGATE_MEM_H

#include <stdbool.h>
#include <stddef.h>

#include "mitigate/policy.h"

struct mitigate_mem;

extern const struct mitigate_ops mitigate_mem_ops;

/* Holds up to cap drop rules, cap rate rules and cap allow entries. NULL + errno on failure. */
struct mitigate_mem *mitigate_mem_new(size_t cap);
void mitigate_mem_free(struct mitigate_mem *mm);

size_t mitigate_mem_n_drop(const struct mitigate_mem *mm);
size_t mitigate_mem_n_rate(const struct mitigate_mem *mm);
size_t mitigate_mem_n_allow(const struct mitigate_mem *mm);
/* Copies the drop rule for p (exact prefix) into *out if present. */
bool mitigate_mem_drop(const struct mitigate_mem *mm, const struct addr_prefix *p,
		       struct nad_rule *out);
bool mitigate_mem_rate(const struct mitigate_mem *mm, const struct nad_rate_key *k,
		       struct nad_rate *out);
bool mitigate_mem_allow(const struct mitigate_mem *mm, const struct addr_prefix *p);
/*
 * What the kernel would do with a packet from addr at now: true if a live
 * drop rule (longest prefix) takes it and no allow entry covers it; counts
 * the hit on the rule like the XDP program.
 */
bool mitigate_mem_packet(struct mitigate_mem *mm, const __u8 addr[16], __u32 bytes, __u64 now);
/*
 * The rate rule a flood packet from src to dst:dport/proto at now is held to, as the
 * kernel picks it: the source's own rule, else the destination's aggregate one (an
 * expired rule holds nothing). Copies its key into *out (if not NULL); false if none.
 */
bool mitigate_mem_rate_holding(const struct mitigate_mem *mm, const __u8 src[16],
			       const __u8 dst[16], __u16 dport, __u8 proto, __u64 now,
			       struct nad_rate_key *out);
/* Adds n hits to the rate rule k. Returns false if there is none. */
bool mitigate_mem_rate_hit(struct mitigate_mem *mm, const struct nad_rate_key *k, __u64 n);
/* Makes every later write (put/add) fail with err (0 to stop). */
void mitigate_mem_fail_writes(struct mitigate_mem *mm, int err);

#endif /* NAD_MITIGATE_MEM_H */
