/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * capture/loader.h - loads nadxdp's BPF programs and attaches them to an interface.
 *
 * loader_new() does the whole start or nothing: preflight checks (root,
 * kernel BTF, interface, single instance), load, pin the maps under
 * NAD_PIN_DIR, attach ingress and TC egress (tcx link; clsact filter on
 * kernels without tcx), then write the instance file. On failure it logs
 * one line naming the cause and leaves nothing attached and nothing pinned
 * that it created. loader_free() undoes it all.
 *
 * XDP ingress joins libxdp's multi-program dispatcher (capture/dispatcher.h)
 * where the kernel can chain XDP programs: first, beside the programs
 * already there or loaded later through libxdp (xdp-filter, xdp-loader),
 * and loader_free() removes nadxdp's program only. Elsewhere it is a link
 * of its own, as long as the interface has no XDP program. An interface
 * with XDP programs nadxdp cannot join is refused (EBUSY), naming them; TC
 * ingress (--mode tc) runs after them and needs no XDP.
 *
 * Rule maps (nad_drop4, nad_drop6, nad_rate and its per-CPU buckets
 * nad_rate_state) outlive a run when asked (loader_set_keep_rules): the
 * next start reuses a pinned rule map if its type, key and value sizes,
 * max_entries and flags match this build, so its rules are enforced again as
 * soon as XDP is attached (each still expires by its expires_ns). A pinned
 * rule map that does not match is replaced if empty and refused if it holds
 * rules (EEXIST: delete the pin). Every other pin an earlier run left (a
 * killed instance's) is removed at start.
 */
#ifndef NAD_LOADER_H
#define NAD_LOADER_H

#include <stdbool.h>

#define LOADER_RUN_DIR "/run/nadxdp"
#define LOADER_LOCK_PATH LOADER_RUN_DIR "/lock"
/*
 * Lines `key=value`: pid, ifname, ifindex, xdp_mode, xdp_attach, tc_mode,
 * pin_dir, started_unix.
 */
#define LOADER_INSTANCE_PATH LOADER_RUN_DIR "/instance"

/* The ingress hook asked for (`nadxdp run --mode`). */
enum loader_ingress_mode {
	/*
	 * Native XDP; TC ingress on a veth or a driver without native XDP;
	 * beside XDP programs, XDP in their mode.
	 */
	LOADER_INGRESS_AUTO = 0,
	LOADER_XDP_NATIVE,
	LOADER_XDP_SKB,
	LOADER_TC, /* ingress at TC (the XDP program's logic in nad_tc_in) */
};

struct loader_opts {
	const char *ifname;
	enum loader_ingress_mode mode;
	/* the ring buffer's bytes: a power of two in NAD_RINGBUF_MIN..MAX (EINVAL otherwise);
	 * 0: NAD_RINGBUF_BYTES */
	__u32 ring_bytes;
};

struct loader;
struct nadxdp_bpf;

/*
 * The checks loader_new() starts with, for a caller to make before it touches anything:
 * a valid interface name, root (CAP_BPF and CAP_NET_ADMIN), kernel BTF, the interface
 * exists. 0, or the -errno below with the cause logged in one line.
 */
int loader_preflight(const char *ifname);

/*
 * Returns NULL and sets errno on failure, the cause logged with pr_warn():
 * EINVAL bad interface name; ENODEV no such interface; EPERM not privileged;
 * ENOTSUP no kernel BTF; EBUSY another instance runs or the interface has XDP
 * programs nadxdp cannot join;
 * anything else a BPF load, pin or attach failure.
 */
struct loader *loader_new(const struct loader_opts *opts);

/*
 * With keep, loader_free() leaves the rule maps pinned if any of them holds
 * a rule (automatic or manual); the rest is unpinned all the same. Default
 * off. A failed loader_new() removes the pins it made and keeps those it reused.
 */
void loader_set_keep_rules(struct loader *l, bool keep);

/* Detaches, unpins (see loader_set_keep_rules), removes the instance file. Accepts NULL. */
void loader_free(struct loader *l);

/*
 * The name of the ingress mode the kernel gave us: "native" or "skb" (XDP), or "tc";
 * the instance file's xdp_mode.
 */
const char *loader_ingress_mode_name(const struct loader *l);
/* "XDP native", "XDP skb", "TC", ...: a loader_ingress_mode_name() value for people. */
const char *loader_ingress_name(const char *mode_name);
/*
 * How XDP ingress is attached: "dispatcher" (libxdp's), "link" (alone), or
 * "none" (ingress at TC).
 */
const char *loader_xdp_attach(const struct loader *l);
/* How egress is attached: "tcx" or "clsact". */
const char *loader_tc_mode(const struct loader *l);

struct nadxdp_bpf *loader_skel(const struct loader *l);

/* The record ring buffer's and the per-CPU counters' map fds, for capture_new(). */
void loader_capture_fds(const struct loader *l, int *events_fd, int *stats_fd);

#endif /* NAD_LOADER_H */
