// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * capture/abi_check.c - pins the size and layout of everything in bpf/nad_abi.h.
 * A change to the shared header that moves a field fails here, at build time,
 * instead of corrupting records at run time.
 */
#include <stddef.h>
#include <linux/types.h>

#include "nad_abi.h"

_Static_assert(sizeof(struct nad_rec) == 80, "nad_rec is 80 bytes");
_Static_assert(offsetof(struct nad_rec, saddr) == 16, "nad_rec.saddr");
_Static_assert(offsetof(struct nad_rec, daddr) == 32, "nad_rec.daddr");
_Static_assert(offsetof(struct nad_rec, eth_proto) == 48, "nad_rec.eth_proto");
_Static_assert(offsetof(struct nad_rec, dir) == 66, "nad_rec.dir");
_Static_assert(sizeof(struct nad_stats) == 128, "nad_stats is 128 bytes");
_Static_assert(sizeof(struct nad_src_key) == 16, "nad_src_key is 16 bytes");
_Static_assert(sizeof(struct nad_src_stats) == 40, "nad_src_stats is 40 bytes");
_Static_assert(sizeof(struct nad_lpm4_key) == 8, "nad_lpm4_key is 8 bytes");
_Static_assert(sizeof(struct nad_lpm6_key) == 20, "nad_lpm6_key is 20 bytes");
_Static_assert(sizeof(struct nad_rule) == 40, "nad_rule is 40 bytes");
_Static_assert(sizeof(struct nad_allow) == 8, "nad_allow is 8 bytes");
_Static_assert(sizeof(struct nad_rate_key) == 36, "nad_rate_key is 36 bytes");
_Static_assert(offsetof(struct nad_rate_key, saddr) == 16, "nad_rate_key.saddr");
_Static_assert(offsetof(struct nad_rate_key, dport) == 32, "nad_rate_key.dport");
_Static_assert(offsetof(struct nad_rate_key, proto) == 34, "nad_rate_key.proto");
_Static_assert(sizeof(struct nad_rate) == 56, "nad_rate is 56 bytes");
_Static_assert(offsetof(struct nad_rate, rate_pps) == 40, "nad_rate.rate_pps");
_Static_assert(sizeof(struct nad_rate_state) == 8, "nad_rate_state is 8 bytes");
_Static_assert(NAD_MAL_MAX < 256, "malformed reason fits nad_rec.malformed");
