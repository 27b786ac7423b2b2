// SPDX-License-Identifier: GPL-2.0-only
/*
 * chain_probe.bpf.c - whether this kernel lets one XDP program replace a
 * function of another (freplace, BPF_PROG_TYPE_EXT), which libxdp's
 * dispatcher needs to chain XDP programs on one interface. Loaded once at
 * start (capture/dispatcher.c): nad_probe_ext replaces nad_probe_slot, the
 * global function nad_probe_xdp calls, the way libxdp puts a program in a
 * dispatcher slot.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

/* Global and not inlined: a function freplace can target (volatile keeps the body). */
__noinline int nad_probe_slot(struct xdp_md *ctx)
{
	volatile int ret = XDP_PASS;

	if (!ctx)
		return XDP_ABORTED;
	return ret;
}

SEC("xdp")
int nad_probe_xdp(struct xdp_md *ctx)
{
	return nad_probe_slot(ctx);
}

SEC("freplace/nad_probe_slot")
int nad_probe_ext(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
