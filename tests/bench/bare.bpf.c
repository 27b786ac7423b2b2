// SPDX-License-Identifier: GPL-2.0-only
/*
 * bare.bpf.c - the baselines of `make bench`: XDP_PASS and nothing else (and
 * its TC twin, for what a hook costs on the test bed), and the floor of
 * nadxdp's own work: the timestamp and the parse every record needs (the same
 * nad_parse() nadxdp runs), no counters, maps or ring; and the timestamp
 * alone (nad_clock), what one bpf_ktime_get_ns costs.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "nad_abi.h"
#include "nad_parse.h"

SEC("xdp")
int nad_bare(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("tc")
int nad_bare_tc(struct __sk_buff *skb)
{
	return 0; /* TC_ACT_OK */
}

/* Where the floor program leaves its record, so the compiler keeps the work. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nad_rec);
} nad_floor_rec SEC(".maps");

/* Global, like nadxdp's nad_account: the parse is verified and laid out alike. */
__noinline int nad_floor_keep(struct nad_rec *rec)
{
	struct nad_rec *out;
	__u32 zero = 0;

	if (!rec)
		return 0;
	out = bpf_map_lookup_elem(&nad_floor_rec, &zero);
	if (out)
		__builtin_memcpy(out, rec, sizeof(*rec));
	return 0;
}

/* The clock read alone; the value goes to a map so the call is kept. */
SEC("xdp")
int nad_clock(struct xdp_md *ctx)
{
	struct nad_rec *out;
	__u32 zero = 0;
	__u64 t = bpf_ktime_get_ns();

	out = bpf_map_lookup_elem(&nad_floor_rec, &zero);
	if (out)
		out->ts_ns = t;
	return XDP_PASS;
}

SEC("xdp.frags")
int nad_floor(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct nad_rec rec = {};

	rec.ts_ns = bpf_ktime_get_ns();
	nad_parse(data, data_end, (__u32)(data_end - data), &rec);
	return nad_floor_keep(&rec) ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
