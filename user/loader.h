/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * loader.h - loads nadxdp's BPF programs and attaches them to an interface.
 *
 * loader_new() does the whole start or nothing: preflight checks (root,
 * kernel BTF, interface, single instance, no XDP program already there),
 * load, pin the maps under NAD_PIN_DIR, attach XDP ingress (link) and TC
 * egress (tcx link; clsact filter on kernels without tcx), then write the
 * instance file. On failure it logs one line naming the cause and leaves
 * nothing attached or pinned. loader_free() undoes it all.
 */
#ifndef NAD_LOADER_H
#define NAD_LOADER_H

#include <stdbool.h>

#define LOADER_RUN_DIR "/run/nadxdp"
#define LOADER_LOCK_PATH LOADER_RUN_DIR "/lock"
/* Lines `key=value`: pid, ifname, ifindex, xdp_mode, tc_mode, pin_dir, started_unix. */
#define LOADER_INSTANCE_PATH LOADER_RUN_DIR "/instance"

enum loader_xdp_mode {
	LOADER_XDP_AUTO = 0, /* native, falling back to skb */
	LOADER_XDP_NATIVE,
	LOADER_XDP_SKB,
};

struct loader_opts {
	const char *ifname;
	enum loader_xdp_mode mode;
};

struct loader;
struct nadxdp_bpf;

/*
 * Returns NULL and sets errno on failure, the cause logged with pr_warn():
 * ENODEV no such interface; EPERM not privileged; ENOTSUP no kernel BTF;
 * EBUSY another instance runs or the interface already has an XDP program;
 * anything else a BPF load, pin or attach failure.
 */
struct loader *loader_new(const struct loader_opts *opts);

/* Detaches, unpins, removes the instance file. Accepts NULL. */
void loader_free(struct loader *l);

/* "native" or "skb": the XDP mode the kernel gave us. */
const char *loader_xdp_mode(const struct loader *l);
/* "tcx" or "clsact". */
const char *loader_tc_mode(const struct loader *l);

struct nadxdp_bpf *loader_skel(const struct loader *l);

/* Parses "native" / "skb" / "auto". Returns 0 or -EINVAL. */
int loader_parse_mode(const char *s, enum loader_xdp_mode *mode);

#endif /* NAD_LOADER_H */
