/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * capture/dispatcher.h - nadxdp's XDP program in libxdp's multi-program
 * dispatcher, so that it shares an interface with other XDP programs loaded
 * through libxdp (xdp-filter, xdp-loader, load balancers built on libxdp).
 *
 * The dispatcher is an XDP program of libxdp's that calls up to ten
 * programs in turn, each replacing one of its functions (freplace); a
 * program's return value either goes on to the next program (its chain-call
 * actions) or is the verdict. nad_xdp joins first (run priority
 * DISPATCHER_RUN_PRIO), so its counters and drop rules see every packet;
 * its XDP_PASS goes on to the next program, its XDP_DROP ends the chain.
 *
 * What joins is a second copy of nad_xdp, loaded from the skeleton's
 * embedded ELF as an extension program and sharing every map of the
 * skeleton's object (a program loaded as XDP cannot be put in a dispatcher
 * slot), so the skeleton's own nad_xdp stays an XDP program that can be
 * tested or attached directly.
 *
 * libxdp attaches the dispatcher with netlink and pins it and its programs
 * under <bpffs>/xdp/ (LIBXDP_BPFFS moves <bpffs>): unlike nadxdp's links,
 * they outlive a killed nadxdp. dispatcher_leave() removes nad_xdp only,
 * and the dispatcher with it when nad_xdp was alone; a killed instance's
 * nad_xdp is removed by dispatcher_remove_stale() at the next start.
 *
 * Library-like: logs at debug level only (libxdp's own messages are
 * demoted one level, as libbpf's); the loader reports.
 */
#ifndef NAD_DISPATCHER_H
#define NAD_DISPATCHER_H

#include <stdbool.h>
#include <stddef.h>

/* nad_xdp's run priority: lower runs earlier; libxdp's default is 50, xdp-filter's 10. */
#define DISPATCHER_RUN_PRIO 1

struct bpf_object;
struct dispatcher;

/* The XDP programs on an interface, as libxdp sees them. */
struct dispatcher_peers {
	int n_progs; /* programs on the interface: the dispatcher's, or 1 outside one; 0: none */
	bool in_dispatcher; /* attached through libxdp's dispatcher */
	bool skb; /* attached in skb (generic) mode, else native (or offloaded) */
	char names[256]; /* "xdpfilt_dny_all (id 42)", "a (id 7), b (id 9)" in run order */
};

/*
 * 0 if this kernel can chain XDP programs (loads and attaches an extension
 * program to an XDP program), else a negative errno, EPERM for a kernel
 * that refuses extension programs. Probed once per process.
 */
int dispatcher_probe(void);

/* Fills *p with what is on ifindex. Returns 0 or a negative errno. */
int dispatcher_find_peers(int ifindex, struct dispatcher_peers *p);

/*
 * Adds a copy of nad_xdp to the dispatcher on ifindex, creating it, in skb
 * or native mode: opened from elf (nadxdp's, the skeleton's embedded bytes),
 * every map obj's (nadxdp's object, loaded). Returns NULL and sets errno on
 * failure, nothing left attached: EBUSY an XDP program outside a dispatcher
 * is there; EEXIST the dispatcher runs in the other mode; EOPNOTSUPP libxdp
 * could not use its dispatcher; anything else a load or attach failure.
 */
struct dispatcher *dispatcher_join(const struct bpf_object *obj, const void *elf, size_t elf_sz,
				   int ifindex, bool skb);

/* The kernel's id of the nad_xdp copy in the dispatcher. */
unsigned int dispatcher_prog_id(const struct dispatcher *d);

/*
 * Removes nad_xdp from the dispatcher, leaving the other programs attached.
 * Returns 0 or a negative errno (nad_xdp then stays attached). The
 * program's copy is freed either way. Accepts NULL.
 */
int dispatcher_leave(struct dispatcher *d);

/*
 * Removes from the dispatcher on ifindex every nad_xdp that uses a map
 * pinned in pin_dir: one a killed instance left, whose pins the caller
 * (holding the instance lock) is about to clean. Returns how many it
 * removed, or a negative errno.
 */
int dispatcher_remove_stale(int ifindex, const char *pin_dir);

#endif /* NAD_DISPATCHER_H */
