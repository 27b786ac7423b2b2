// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * capture/dispatcher.c - nad_xdp in libxdp's multi-program dispatcher (see
 * dispatcher.h).
 *
 * libxdp builds the dispatcher and puts each program in a slot by loading it
 * as an extension of that slot, so it only takes a program it loads itself
 * from a bpf_object. The skeleton's object is loaded already (and must stay
 * an XDP program for the direct attach and bpf_prog_test_run), so the
 * program that joins comes from a second bpf_object opened from the
 * skeleton's embedded ELF, with nad_xdp alone to load and every map reusing
 * the skeleton's (the frozen .rodata included, so the verifier sees the same
 * constants): both copies count into the same maps and enforce the same
 * rules.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "capture/dispatcher.h"
#include "chain_probe.skel.h"
#include "common/log.h"

#define MAX_STALE 10 /* a dispatcher has ten slots */

struct dispatcher {
	struct bpf_object *obj; /* the copy: nad_xdp alone, on the skeleton's maps */
	struct xdp_program *prog;
	int ifindex;
	enum xdp_attach_mode mode;
	bool attached;
};

/* libxdp warns about what the caller handles (a fallback it takes, for one): one level down. */
static int libxdp_print(enum libxdp_print_level level, const char *fmt, va_list ap)
{
	enum log_level ours = level == LIBXDP_WARN ? LOG_INFO : LOG_DEBUG;

	if (ours > log_get_level())
		return 0;
	fputs("libxdp: ", stderr);
	return vfprintf(stderr, fmt, ap);
}

static void hook_libxdp(void)
{
	static bool done;

	if (!done)
		libxdp_set_print(libxdp_print);
	done = true;
}

/* Loads the probe's target, then its extension into the target's slot, and attaches it. */
static int probe_freplace(void)
{
	struct chain_probe_bpf *tgt = NULL, *ext = NULL;
	struct bpf_link *link = NULL;
	int err, tgt_fd;

	tgt = chain_probe_bpf__open();
	ext = chain_probe_bpf__open();
	if (!tgt || !ext) {
		err = -errno;
		goto out;
	}
	bpf_program__set_autoload(tgt->progs.nad_probe_ext, false);
	err = chain_probe_bpf__load(tgt);
	if (err)
		goto out;
	tgt_fd = bpf_program__fd(tgt->progs.nad_probe_xdp);
	bpf_program__set_autoload(ext->progs.nad_probe_xdp, false);
	err = bpf_program__set_attach_target(ext->progs.nad_probe_ext, tgt_fd, "nad_probe_slot");
	if (!err)
		err = chain_probe_bpf__load(ext);
	if (err)
		goto out;
	link = bpf_program__attach_freplace(ext->progs.nad_probe_ext, tgt_fd, "nad_probe_slot");
	if (!link)
		err = -errno;
out:
	bpf_link__destroy(link);
	chain_probe_bpf__destroy(ext);
	chain_probe_bpf__destroy(tgt);
	return err;
}

int dispatcher_probe(void)
{
	static int result = 1; /* 1: not probed yet */
	libbpf_print_fn_t print;

	if (result <= 0)
		return result;
	/* A refusal is the answer, not an error to print. */
	print = libbpf_set_print(NULL);
	result = probe_freplace();
	libbpf_set_print(print);
	if (result)
		pr_debug("This kernel cannot chain XDP programs (freplace: %s)\n",
			 strerror(-result));
	return result;
}

/* Appends "name (id N)" to p->names, ", "-separated; the last entry that does not fit is cut. */
static void add_name(struct dispatcher_peers *p, const struct xdp_program *prog)
{
	size_t len = strlen(p->names);

	snprintf(p->names + len, sizeof(p->names) - len, "%s%s (id %u)", len ? ", " : "",
		 xdp_program__name(prog), xdp_program__id(prog));
}

int dispatcher_find_peers(int ifindex, struct dispatcher_peers *p)
{
	struct xdp_multiprog *mp;
	struct xdp_program *prog = NULL;
	int err;

	memset(p, 0, sizeof(*p));
	hook_libxdp();
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	err = (int)libxdp_get_error(mp);
	if (err)
		return err == -ENOENT ? 0 : err; /* ENOENT: no XDP program */
	p->skb = xdp_multiprog__attach_mode(mp) == XDP_MODE_SKB;
	p->in_dispatcher = !xdp_multiprog__is_legacy(mp);
	if (!p->in_dispatcher) {
		prog = xdp_multiprog__main_prog(mp);
		if (!prog)
			prog = xdp_multiprog__hw_prog(mp);
		if (prog) {
			p->n_progs = 1;
			add_name(p, prog);
		}
	}
	while (p->in_dispatcher && (prog = xdp_multiprog__next_prog(prog, mp))) {
		p->n_progs++;
		add_name(p, prog);
	}
	xdp_multiprog__close(mp);
	return 0;
}

/* Makes m (of the copy) obj's map of the same name. */
static int share_map(const struct bpf_object *obj, struct bpf_map *m)
{
	const struct bpf_map *orig = bpf_object__find_map_by_name(obj, bpf_map__name(m));
	int err = orig ? bpf_map__reuse_fd(m, bpf_map__fd(orig)) : -ENOENT;

	if (err)
		pr_debug("Failed to share map %s with the dispatcher's nad_xdp: %s\n",
			 bpf_map__name(m), strerror(-err));
	return err;
}

/* A second bpf_object of orig's ELF: nad_xdp the only program to load, every map orig's. */
static struct bpf_object *open_copy(const struct bpf_object *orig, const void *elf, size_t sz)
{
	LIBBPF_OPTS(bpf_object_open_opts, o, .object_name = bpf_object__name(orig));
	struct bpf_object *obj;
	struct bpf_program *p;
	struct bpf_map *m;
	int err = 0;

	obj = bpf_object__open_mem(elf, sz, &o);
	if (!obj)
		return NULL;
	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoload(p, !strcmp(bpf_program__name(p), "nad_xdp"));
	for (m = bpf_object__next_map(obj, NULL); m && !err; m = bpf_object__next_map(obj, m))
		err = share_map(orig, m);
	if (err) {
		bpf_object__close(obj);
		errno = -err;
		return NULL;
	}
	return obj;
}

/* Attaches d's program; refuses (EBUSY, EEXIST) what libxdp would replace or fail on. */
static int join(struct dispatcher *d)
{
	struct dispatcher_peers peers;
	int err;

	err = dispatcher_find_peers(d->ifindex, &peers);
	if (err)
		return err;
	if (peers.n_progs && !peers.in_dispatcher)
		return -EBUSY;
	if (peers.n_progs && peers.skb != (d->mode == XDP_MODE_SKB))
		return -EEXIST;
	/*
	 * nad_xdp returns XDP_PASS or XDP_DROP: PASS goes on to the next
	 * program (libxdp's default chain-call action, set here all the same),
	 * DROP is the verdict.
	 */
	err = xdp_program__set_run_prio(d->prog, DISPATCHER_RUN_PRIO);
	/* nad_xdp takes multi-buffer frames (xdp.frags), which libbpf 1.1 does not tell libxdp. */
	if (!err)
		err = xdp_program__set_xdp_frags_support(d->prog, true);
	if (!err)
		err = xdp_program__set_chain_call_enabled(d->prog, XDP_PASS, true);
	if (!err)
		err = xdp_program__set_chain_call_enabled(d->prog, XDP_DROP, false);
	if (!err)
		err = xdp_program__attach(d->prog, d->ifindex, d->mode, 0);
	if (err)
		return err;
	d->attached = true;
	/* Where libxdp cannot build a dispatcher it attaches a lone program: not what we want. */
	err = dispatcher_find_peers(d->ifindex, &peers);
	if (!err && !peers.in_dispatcher)
		err = -EOPNOTSUPP;
	return err;
}

struct dispatcher *dispatcher_join(const struct bpf_object *obj, const void *elf, size_t elf_sz,
				   int ifindex, bool skb)
{
	DECLARE_LIBXDP_OPTS(xdp_program_opts, po, .prog_name = "nad_xdp");
	struct dispatcher *d;
	int err;

	hook_libxdp();
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->ifindex = ifindex;
	d->mode = skb ? XDP_MODE_SKB : XDP_MODE_NATIVE;
	d->obj = open_copy(obj, elf, elf_sz);
	if (!d->obj) {
		err = -errno;
		goto fail;
	}
	po.obj = d->obj;
	d->prog = xdp_program__create(&po);
	if (!d->prog) {
		err = -errno;
		goto fail;
	}
	err = join(d);
	if (err)
		goto fail;
	return d;
fail:
	dispatcher_leave(d);
	errno = -err;
	return NULL;
}

unsigned int dispatcher_prog_id(const struct dispatcher *d)
{
	return xdp_program__id(d->prog);
}

int dispatcher_leave(struct dispatcher *d)
{
	int err = 0;

	if (!d)
		return 0;
	if (d->attached) {
		/* The mode: a lone program (libxdp's fallback) is detached in it. */
		err = xdp_program__detach(d->prog, d->ifindex, d->mode, 0);
		/* The interface is gone (and the dispatcher with it): only pins are left. */
		if (err == -ENOENT || err == -ENODEV)
			err = libxdp_clean_references(d->ifindex);
		if (err)
			pr_debug(
				"Failed to remove nad_xdp (id %u) from the dispatcher on ifindex %d: %s\n",
				xdp_program__id(d->prog), d->ifindex, strerror(-err));
	}
	xdp_program__close(d->prog); /* made from an object of ours: leaves it open */
	bpf_object__close(d->obj);
	free(d);
	return err;
}

/* Ids of the maps pinned in dir (at most max); returns how many. */
static size_t pinned_map_ids(const char *dir, __u32 *ids, size_t max)
{
	char path[PATH_MAX];
	struct dirent *e;
	size_t n = 0;
	DIR *d = opendir(dir);

	while (d && n < max && (e = readdir(d))) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);
		int fd;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len))
			ids[n++] = info.id;
		close(fd);
	}
	if (d)
		closedir(d);
	return n;
}

/* Whether the program uses one of the maps in ids. */
static bool uses_map(int prog_fd, const __u32 *ids, size_t n_ids)
{
	__u32 maps[64];
	struct bpf_prog_info info = { .nr_map_ids = 64, .map_ids = (__u64)(unsigned long)maps };
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		return false;
	for (__u32 i = 0; i < info.nr_map_ids && i < 64; i++)
		for (size_t j = 0; j < n_ids; j++)
			if (maps[i] == ids[j])
				return true;
	return false;
}

int dispatcher_remove_stale(int ifindex, const char *pin_dir)
{
	struct xdp_program *prog = NULL, *stale[MAX_STALE];
	size_t n_maps, n_stale = 0;
	struct xdp_multiprog *mp;
	__u32 map_ids[32];
	int err = 0;

	hook_libxdp();
	n_maps = pinned_map_ids(pin_dir, map_ids, 32);
	if (!n_maps)
		return 0;
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	err = (int)libxdp_get_error(mp);
	if (err)
		return err == -ENOENT ? 0 : err;
	while (!xdp_multiprog__is_legacy(mp) && n_stale < MAX_STALE &&
	       (prog = xdp_multiprog__next_prog(prog, mp))) {
		if (!strcmp(xdp_program__name(prog), "nad_xdp") &&
		    uses_map(xdp_program__fd(prog), map_ids, n_maps))
			stale[n_stale++] = prog;
	}
	/*
	 * One at a time (each detach rebuilds the dispatcher without it, by
	 * program id), with mp, which owns the programs, still open.
	 */
	for (size_t i = 0; i < n_stale && !err; i++)
		err = xdp_program__detach(stale[i], ifindex, XDP_MODE_UNSPEC, 0);
	xdp_multiprog__close(mp);
	return err ? err : (int)n_stale;
}
