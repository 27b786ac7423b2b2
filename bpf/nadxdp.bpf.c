// SPDX-License-Identifier: GPL-2.0-only
/* Placeholder: the XDP ingress and TC egress programs land with the pipeline. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "nad_abi.h"

SEC("xdp")
int nad_xdp(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
