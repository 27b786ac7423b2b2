// SPDX-License-Identifier: GPL-2.0-only
/* bare.bpf.c - XDP_PASS and nothing else: the baseline of `make bench`. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("xdp")
int nad_bare(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
