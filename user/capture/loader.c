// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * capture/loader.c - start and stop nadxdp's kernel side.
 *
 * Attachments are links wherever the kernel has them (XDP where it does not
 * join libxdp's dispatcher, TC through tcx on kernels >= 6.6): a link lives
 * as long as its fd, so if the process dies, the kernel detaches by itself.
 * In libxdp's dispatcher (attached by netlink, its programs pinned by
 * libxdp), nad_xdp outlives a killed process: the next start removes it.
 * The pinned maps outlive a killed process too; the next start, holding
 * the instance lock, removes them, except the rule maps (drop and rate
 * rules): those it reuses, so that rules kept by --keep-rules (or left by a
 * killed instance) are enforced again as soon as XDP is attached. Every
 * rule carries its own expiry, which the XDP program checks, so a kept rule
 * still lapses on time.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <linux/sockios.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "capture/dispatcher.h"
#include "capture/loader.h"
#include "common/log.h"
#include "nad_abi.h"
#include "nadxdp.skel.h"

#define BPFFS_ROOT "/sys/fs/bpf"
#define KERNEL_BTF "/sys/kernel/btf/vmlinux"

/*
 * libbpf 1.1's uapi headers predate tcx; the kernel's values are fixed ABI
 * (enum bpf_attach_type in vmlinux.h: BPF_TCX_INGRESS = 46, BPF_TCX_EGRESS = 47).
 */
#define NAD_BPF_TCX_INGRESS 46
#define NAD_BPF_TCX_EGRESS 47

/* One TC attachment: a tcx link, or (kernels < 6.6) a filter on clsact. */
struct tc_attach {
	int link_fd; /* tcx */
	bool hook_attached; /* clsact fallback */
	bool hook_created; /* we created the clsact qdisc */
	struct bpf_tc_hook hook;
	struct bpf_tc_opts opts;
	const char *how; /* "tcx", "clsact" or "none" */
};

struct loader {
	char ifname[IF_NAMESIZE];
	int ifindex;
	struct nadxdp_bpf *skel;
	int lock_fd;
	int xdp_link_fd;
	struct dispatcher *disp; /* nad_xdp in libxdp's dispatcher, instead of xdp_link_fd */
	struct tc_attach tc_in; /* ingress, in TC mode */
	struct tc_attach tc_out; /* egress, always */
	bool keep_rules; /* loader_free() leaves the rule maps that hold rules pinned */
	bool failed; /* loader_new() failed: unpin what it pinned, keep what it reused */
	struct bpf_map *maps[16]; /* pinned_maps[i], looked up before load */
	bool map_reused[16]; /* took over the pinned map of an earlier run */
	bool map_pinned[16]; /* pinned by us */
	bool mounted_bpffs;
	bool wrote_instance;
	const char *ingress_mode; /* the ingress hook: "native", "skb" or "tc" */
	const char *xdp_attach; /* "dispatcher", "link" or "none" */
};

/* The maps userspace tools reach through the pins (ctl, status, bpftool). */
static const char *const pinned_maps[] = {
	"nad_events", "nad_stats",  "nad_src",	"nad_drop4",	  "nad_drop6",
	"nad_allow4", "nad_allow6", "nad_rate", "nad_rate_state", /* mitigation: rate rules */
};
#define N_PINNED (sizeof(pinned_maps) / sizeof(pinned_maps[0]))
_Static_assert(N_PINNED <= 16, "struct loader's map arrays");

/*
 * The rule maps: reused across runs, kept on exit by --keep-rules. The
 * allowlist is not among them: the daemon rebuilds it at every start (config,
 * loopback, own addresses, gateways), and a stale entry could spare an
 * address that is no longer ours. nad_rate_state (the per-CPU buckets of
 * the rate rules) goes with nad_rate.
 */
enum { MAP_DROP4 = 3, MAP_DROP6 = 4, MAP_RATE = 7, MAP_RATE_STATE = 8 };

static bool is_rule_map(size_t i)
{
	return i == MAP_DROP4 || i == MAP_DROP6 || i == MAP_RATE || i == MAP_RATE_STATE;
}

/* CAP_SYS_ADMIN, or CAP_BPF together with CAP_NET_ADMIN (both effective). */
static bool privileged(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};
	__u64 eff;

	if (geteuid() == 0)
		return true;
	if (syscall(SYS_capget, &hdr, data))
		return false;
	eff = (__u64)data[1].effective << 32 | data[0].effective;
#ifndef CAP_BPF
#define CAP_BPF 39
#endif
	if (eff & (1ULL << CAP_SYS_ADMIN))
		return true;
	return (eff & (1ULL << CAP_BPF)) && (eff & (1ULL << CAP_NET_ADMIN));
}

static int ensure_bpffs(struct loader *l)
{
	struct statfs st;

	if (!statfs(BPFFS_ROOT, &st) && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", BPFFS_ROOT, "bpf", 0, "mode=0700")) {
		int err = -errno;

		pr_warn("Failed to mount bpffs at %s: %s\n", BPFFS_ROOT, strerror(-err));
		return err;
	}
	l->mounted_bpffs = true;
	pr_info("Mounted bpffs at %s\n", BPFFS_ROOT);
	return 0;
}

static void unpin(size_t i)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", NAD_PIN_DIR, pinned_maps[i]);
	if (unlink(path) && errno != ENOENT)
		pr_warn("Failed to unpin %s: %s\n", path, strerror(errno));
}

/* Removes the pin directory if nothing is left in it (kept rule maps may be). */
static void rmdir_pins(void)
{
	if (rmdir(NAD_PIN_DIR) && errno != ENOENT && errno != ENOTEMPTY)
		pr_warn("Failed to remove %s: %s\n", NAD_PIN_DIR, strerror(errno));
}

/* Entries in the map behind fd (0 on error); stops counting at limit. */
static long count_entries(int fd, __u32 key_size, long limit)
{
	__u8 key[64], next[64];
	long n = 0;

	if (fd < 0 || key_size > sizeof(key))
		return 0;
	if (bpf_map_get_next_key(fd, NULL, next))
		return 0;
	do {
		n++;
		memcpy(key, next, key_size);
	} while (n < limit && !bpf_map_get_next_key(fd, key, next));
	return n;
}

/*
 * Reuses a rule map pinned by an earlier run if it matches this build's
 * definition. A map that does not match is replaced when empty and refused
 * (-EEXIST, logged) when it holds rules: dropping someone's rules silently
 * is worse than asking them to delete the pin.
 */
static int reuse_rule_map(struct loader *l, size_t i)
{
	struct bpf_map *map = l->maps[i];
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX], what[96] = "";
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s", NAD_PIN_DIR, pinned_maps[i]);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		err = errno == ENOENT ? 0 : -errno;
		if (err)
			pr_warn("Failed to open the pinned %s: %s\n", path, strerror(-err));
		return err;
	}
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		err = -errno;
		pr_warn("Failed to inspect the pinned %s: %s\n", path, strerror(-err));
		goto out;
	}
	if (info.type != bpf_map__type(map))
		snprintf(what, sizeof(what), "map type %u, want %u", info.type, bpf_map__type(map));
	else if (info.key_size != bpf_map__key_size(map))
		snprintf(what, sizeof(what), "key size %u, want %u", info.key_size,
			 bpf_map__key_size(map));
	else if (info.value_size != bpf_map__value_size(map))
		snprintf(what, sizeof(what), "value size %u, want %u", info.value_size,
			 bpf_map__value_size(map));
	else if (info.max_entries != bpf_map__max_entries(map))
		snprintf(what, sizeof(what), "%u entries, want %u", info.max_entries,
			 bpf_map__max_entries(map));
	else if (info.map_flags != bpf_map__map_flags(map))
		snprintf(what, sizeof(what), "flags %#x, want %#x", info.map_flags,
			 bpf_map__map_flags(map));
	if (what[0]) {
		if (count_entries(fd, info.key_size, 1)) {
			pr_warn("%s holds rules but does not match this nadxdp (%s); delete it to "
				"start\n",
				path, what);
			err = -EEXIST;
			goto out;
		}
		pr_info("Replacing the empty pinned %s (%s)\n", path, what);
		if (unlink(path)) {
			err = -errno;
			pr_warn("Failed to unpin %s: %s\n", path, strerror(-err));
		}
		goto out;
	}
	err = bpf_map__reuse_fd(map, fd);
	if (err) {
		pr_warn("Failed to reuse the pinned %s: %s\n", path, strerror(-err));
		goto out;
	}
	l->map_reused[i] = true;
out:
	close(fd);
	return err;
}

/*
 * We hold the instance lock: whatever is pinned was left by an earlier run.
 * The rule maps are reused (their rules still expire on their own), the
 * rest is removed.
 */
static int adopt_pins(struct loader *l)
{
	int err;

	for (size_t i = 0; i < N_PINNED; i++) {
		l->maps[i] = bpf_object__find_map_by_name(l->skel->obj, pinned_maps[i]);
		if (!l->maps[i]) {
			pr_warn("The BPF object has no map %s\n", pinned_maps[i]);
			return -ENOENT;
		}
		if (!is_rule_map(i)) {
			unpin(i);
			continue;
		}
		err = reuse_rule_map(l, i);
		if (err)
			return err;
	}
	return 0;
}

/* Reports the rules found in reused maps (after load: the fds are final). */
static void report_kept(const struct loader *l)
{
	long n_drop = 0, n_rate = 0;

	for (size_t i = 0; i < N_PINNED; i++) {
		long n;

		if (!l->map_reused[i] || i == MAP_RATE_STATE)
			continue;
		n = count_entries(bpf_map__fd(l->maps[i]), bpf_map__key_size(l->maps[i]), LONG_MAX);
		if (i == MAP_RATE)
			n_rate += n;
		else
			n_drop += n;
	}
	if (n_drop || n_rate)
		pr_info("Kept rules from an earlier run: %ld drop, %ld rate (in force until they "
			"expire)\n",
			n_drop, n_rate);
}

/*
 * Unpins our maps. With keep, the rule maps stay pinned together if any of
 * them holds a rule (tools then find the set as a running instance leaves
 * it); everything else goes. After a failed start, exactly what it pinned
 * goes and what it reused stays.
 */
static void unpin_ours(struct loader *l, bool keep)
{
	bool any = false;

	if (l->failed) {
		for (size_t i = 0; i < N_PINNED; i++) {
			if (l->map_pinned[i])
				unpin(i);
		}
		rmdir_pins();
		return;
	}
	for (size_t i = 0; keep && i < N_PINNED; i++) {
		if (is_rule_map(i) && i != MAP_RATE_STATE && (l->map_pinned[i] || l->map_reused[i]))
			any = any || count_entries(bpf_map__fd(l->maps[i]),
						   bpf_map__key_size(l->maps[i]), 1) > 0;
	}
	for (size_t i = 0; i < N_PINNED; i++) {
		if ((l->map_pinned[i] || l->map_reused[i]) && !(any && is_rule_map(i)))
			unpin(i);
	}
	rmdir_pins();
}

static bool dir_empty(const char *path)
{
	struct dirent *e;
	bool empty = true;
	DIR *d = opendir(path);

	if (!d)
		return false;
	while ((e = readdir(d))) {
		/* bpffs shows its own preload iterators; they do not count. */
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
		    strcmp(e->d_name, "maps.debug") && strcmp(e->d_name, "progs.debug")) {
			empty = false;
			break;
		}
	}
	closedir(d);
	return empty;
}

static int pin_maps(struct loader *l)
{
	char path[PATH_MAX];
	int err;

	if (mkdir(NAD_PIN_DIR, 0700) && errno != EEXIST) {
		err = -errno;
		pr_warn("Failed to create %s: %s\n", NAD_PIN_DIR, strerror(-err));
		return err;
	}
	for (size_t i = 0; i < N_PINNED; i++) {
		if (l->map_reused[i])
			continue; /* pinned already */
		snprintf(path, sizeof(path), "%s/%s", NAD_PIN_DIR, pinned_maps[i]);
		/* By fd, not bpf_map__pin(): it would refuse a map that libbpf did not pin. */
		if (bpf_obj_pin(bpf_map__fd(l->maps[i]), path)) {
			err = -errno;
			pr_warn("Failed to pin %s: %s\n", path, strerror(-err));
			return err;
		}
		l->map_pinned[i] = true;
	}
	return 0;
}

/* The ifindex in the instance file a dead instance left (0 if none). */
static int stale_instance_ifindex(void)
{
	char line[256];
	int ifindex = 0;
	FILE *f = fopen(LOADER_INSTANCE_PATH, "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "ifindex=%d", &ifindex) == 1)
			break;
	if (f)
		fclose(f);
	return ifindex;
}

/*
 * A killed instance's nad_xdp stays in libxdp's dispatcher, which pins it:
 * remove it from this interface and from the one the dead instance's file
 * names, while its map pins (which tell it from another instance's) are
 * still there. We hold the instance lock.
 */
static void remove_stale_xdp(const struct loader *l)
{
	int ifindex[2] = { l->ifindex, stale_instance_ifindex() };

	for (int i = 0; i < 2; i++) {
		int n;

		if (!ifindex[i] || (i && ifindex[1] == ifindex[0]))
			continue;
		n = dispatcher_remove_stale(ifindex[i], NAD_PIN_DIR);
		if (n > 0)
			pr_info("Removed the nad_xdp a stopped nadxdp left in the XDP dispatcher on "
				"ifindex %d\n",
				ifindex[i]);
		else if (n < 0)
			pr_warn("Failed to remove the nad_xdp a stopped nadxdp left in the XDP "
				"dispatcher on ifindex %d: %s (xdp-loader status shows it)\n",
				ifindex[i], strerror(-n));
	}
}

static int lock_instance(struct loader *l)
{
	char buf[256];
	ssize_t n;
	int err;

	if (mkdir(LOADER_RUN_DIR, 0755) && errno != EEXIST) {
		err = -errno;
		pr_warn("Failed to create %s: %s\n", LOADER_RUN_DIR, strerror(-err));
		return err;
	}
	l->lock_fd = open(LOADER_LOCK_PATH, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (l->lock_fd < 0) {
		err = -errno;
		pr_warn("Failed to open %s: %s\n", LOADER_LOCK_PATH, strerror(-err));
		return err;
	}
	if (flock(l->lock_fd, LOCK_EX | LOCK_NB)) {
		err = errno == EWOULDBLOCK ? -EBUSY : -errno;
		if (err == -EBUSY) {
			int fd = open(LOADER_INSTANCE_PATH, O_RDONLY | O_CLOEXEC);
			const char *line = "";

			n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
			if (fd >= 0)
				close(fd);
			buf[n > 0 ? n : 0] = '\0';
			buf[strcspn(buf, "\n")] = '\0';
			line = buf;
			pr_warn("Another nadxdp instance is running (%s)\n", *line ? line : "lock held");
		} else {
			pr_warn("Failed to lock %s: %s\n", LOADER_LOCK_PATH, strerror(-err));
		}
		return err;
	}
	return 0;
}

static int write_instance(struct loader *l)
{
	char tmp[] = LOADER_INSTANCE_PATH ".XXXXXX";
	FILE *f;
	int fd, err = 0;

	fd = mkstemp(tmp);
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		unlink(tmp);
		goto out;
	}
	fprintf(f,
		"pid=%d\nifname=%s\nifindex=%d\nxdp_mode=%s\nxdp_attach=%s\ntc_mode=%s\npin_dir=%s\n"
		"started_unix=%lld\n",
		(int)getpid(), l->ifname, l->ifindex, l->ingress_mode, l->xdp_attach, l->tc_out.how,
		NAD_PIN_DIR, (long long)time(NULL));
	if (fchmod(fd, 0644) || ferror(f))
		err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, LOADER_INSTANCE_PATH))
		err = -errno;
	if (err)
		unlink(tmp);
out:
	if (err)
		pr_warn("Failed to write %s: %s\n", LOADER_INSTANCE_PATH, strerror(-err));
	else
		l->wrote_instance = true;
	return err;
}

/*
 * True if ifname is a veth. Native XDP on a veth turns every skb the peer sends
 * into an XDP frame, copying it when it lacks headroom or is shared (the
 * profile shows skb_pp_cow_data on the sender's core): on the test bed a bare
 * XDP_PASS program costs 16% of the forwarding rate natively, 5-8% in skb
 * mode and 2-4% at TC ingress (scripts/bench-pipeline.sh). Native only pays
 * off for frames another native XDP program redirected into the veth, which
 * nadxdp does not do.
 */
static bool is_veth(const char *ifname)
{
	struct ethtool_drvinfo info = { .cmd = ETHTOOL_GDRVINFO };
	struct ifreq ifr = { 0 };
	bool veth;
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = (void *)&info;
	veth = !ioctl(fd, SIOCETHTOOL, &ifr) && !strcmp(info.driver, "veth");
	close(fd);
	return veth;
}

static const char *const tc_dir_name[] = { "ingress", "egress" };

/*
 * Attaches prog at TC ingress (egress false) or egress: a tcx link, or where
 * the kernel has no tcx, a filter on clsact, which loader_free() (and only
 * it) detaches.
 */
static int attach_tc(struct loader *l, struct tc_attach *t, struct bpf_program *prog, bool egress)
{
	int prog_fd = bpf_program__fd(prog);
	int fd, err;

	fd = bpf_link_create(
		prog_fd, l->ifindex,
		(enum bpf_attach_type)(egress ? NAD_BPF_TCX_EGRESS : NAD_BPF_TCX_INGRESS), NULL);
	if (fd >= 0) {
		t->link_fd = fd;
		t->how = "tcx";
		return 0;
	}
	pr_info("tcx %s link on %s failed (%s), using a clsact filter\n", tc_dir_name[egress],
		l->ifname, strerror(errno));

	t->hook = (struct bpf_tc_hook){ .sz = sizeof(t->hook),
					.ifindex = l->ifindex,
					.attach_point = egress ? BPF_TC_EGRESS : BPF_TC_INGRESS };
	err = bpf_tc_hook_create(&t->hook);
	if (err && err != -EEXIST) {
		pr_warn("Failed to create clsact on %s: %s\n", l->ifname, strerror(-err));
		return err;
	}
	t->hook_created = !err;
	t->opts = (struct bpf_tc_opts){ .sz = sizeof(t->opts), .prog_fd = prog_fd };
	err = bpf_tc_attach(&t->hook, &t->opts);
	if (err) {
		pr_warn("Failed to attach TC %s to %s: %s\n", tc_dir_name[egress], l->ifname,
			strerror(-err));
		return err;
	}
	t->hook_attached = true;
	t->how = "clsact";
	return 0;
}

static void detach_tc(struct loader *l, struct tc_attach *t)
{
	if (t->hook_attached) {
		t->opts.prog_fd = 0;
		t->opts.prog_id = 0;
		t->opts.flags = 0;
		if (bpf_tc_detach(&t->hook, &t->opts))
			pr_warn("Failed to detach TC %s from %s\n",
				tc_dir_name[t->hook.attach_point == BPF_TC_EGRESS], l->ifname);
	}
	if (t->hook_created) {
		/* Both attach points: the qdisc itself, not only this side's filters. */
		t->hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		bpf_tc_hook_destroy(&t->hook);
	}
	if (t->link_fd >= 0)
		close(t->link_fd);
}

static int attach_xdp_flags(struct loader *l, __u32 flags)
{
	LIBBPF_OPTS(bpf_link_create_opts, o, .flags = flags);
	int fd = bpf_link_create(bpf_program__fd(l->skel->progs.nad_xdp), l->ifindex, BPF_XDP, &o);

	if (fd < 0)
		return -errno;
	l->xdp_link_fd = fd;
	l->xdp_attach = "link";
	return 0;
}

/*
 * Auto mode where XDP programs are on the interface already: join them in
 * their mode, first (TC, the veth's and the fallback's hook, runs after
 * XDP and would miss what they drop). TC mode beside them is the
 * operator's choice; say what it misses.
 */
static enum loader_ingress_mode mode_beside(const struct loader *l, enum loader_ingress_mode mode,
					    const struct dispatcher_peers *p)
{
	if (!p->n_progs)
		return mode;
	if (mode == LOADER_TC)
		pr_info("%s has XDP programs (%s): at TC ingress nadxdp sees only what they pass\n",
			l->ifname, p->names);
	if (mode != LOADER_INGRESS_AUTO)
		return mode;
	pr_info("%s has XDP programs (%s): XDP in their mode (%s), to run first\n", l->ifname,
		p->names, p->skb ? "skb" : "native");
	return p->skb ? LOADER_XDP_SKB : LOADER_XDP_NATIVE;
}

/*
 * XDP through libxdp's dispatcher, first of the interface's XDP programs,
 * so that others can share the interface. Returns 0 joined; 1 where the
 * caller attaches a link of its own instead (a free interface, but this
 * kernel cannot chain XDP programs or the dispatcher failed: no other XDP
 * program can join later); -EBUSY (logged, naming them) where XDP programs
 * nadxdp cannot join are attached, another negative errno (logged) where
 * joining them failed.
 */
static int join_xdp(struct loader *l, bool skb, const struct dispatcher_peers *p)
{
	int chain_err = dispatcher_probe(), err = chain_err;
	const char *progs = p->n_progs > 1 ? "programs" : "program";
	const char *them = p->n_progs > 1 ? "them" : "it";

	if (!chain_err) {
		size_t sz;
		const void *elf = nadxdp_bpf__elf_bytes(&sz);

		l->disp = dispatcher_join(l->skel->obj, elf, sz, l->ifindex, skb);
		if (l->disp) {
			l->xdp_attach = "dispatcher";
			return 0;
		}
		err = -errno;
	}
	if (!p->n_progs) {
		pr_info("%s (%s): nadxdp's XDP on %s stands alone, no other XDP program can join "
			"it\n",
			chain_err ? "This kernel cannot chain XDP programs" :
				    "libxdp's dispatcher failed",
			strerror(-err), l->ifname);
		return 1;
	}
	if (chain_err)
		pr_warn("%s already has XDP %s %s, and this kernel cannot chain XDP programs "
			"(%s): unload %s, or start nadxdp with --mode tc to run after %s\n",
			l->ifname, progs, p->names, strerror(-err), them, them);
	else if (!p->in_dispatcher)
		pr_warn("%s already has XDP program %s outside libxdp's dispatcher: load it with "
			"xdp-loader (or another libxdp tool) for nadxdp to join it, or start nadxdp "
			"with --mode tc to run after it\n",
			l->ifname, p->names);
	else if (err == -EEXIST)
		pr_warn("The XDP %s on %s (%s) run%s in %s mode: start nadxdp with --mode %s to "
			"join %s\n",
			progs, l->ifname, p->names, p->n_progs > 1 ? "" : "s",
			p->skb ? "skb" : "native", p->skb ? "skb" : "native", them);
	else
		pr_warn("Failed to join the XDP %s on %s (%s) in libxdp's dispatcher: %s\n", progs,
			l->ifname, p->names, strerror(-err));
	return chain_err || !p->in_dispatcher || err == -EEXIST ? -EBUSY : err;
}

/*
 * The ingress hook. Explicit XDP mode flags through bpf_link_create():
 * bpf_program__attach_xdp() in libbpf 1.1 takes none, so it could neither
 * force skb mode nor tell a native failure from a fallback.
 *
 * Auto: native XDP, or, where the driver has none (and on a veth, see
 * is_veth()), the same program logic at TC ingress. Generic (skb-mode) XDP
 * is never the fallback: it runs on the same skb as TC, after it, and copies
 * every skb short of XDP's 256 bytes of headroom; on the test bed the empty
 * programs cost 5-8% (skb) against 2-4% (TC) of the forwarding rate. It
 * stays available with --mode skb. Where XDP programs are attached already,
 * auto joins them (mode_beside()).
 *
 * XDP goes through libxdp's dispatcher where it can (join_xdp()), else
 * through a link of nadxdp's own.
 */
static int attach_ingress(struct loader *l, enum loader_ingress_mode mode)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct dispatcher_peers peers;
	int err;

	err = dispatcher_find_peers(l->ifindex, &peers);
	if (err) {
		pr_warn("Failed to query XDP on %s: %s\n", l->ifname, strerror(-err));
		return err;
	}
	mode = mode_beside(l, mode, &peers);
	if (mode == LOADER_INGRESS_AUTO && is_veth(l->ifname)) {
		pr_info("%s is a veth: ingress at TC, cheaper there than XDP (--mode native|skb to "
			"override)\n",
			l->ifname);
		mode = LOADER_TC;
	}
	if (mode == LOADER_INGRESS_AUTO) {
		err = join_xdp(l, false, &peers);
		if (err > 0)
			err = attach_xdp_flags(l, XDP_FLAGS_DRV_MODE);
		if (err) {
			pr_info("Native XDP on %s failed (%s): ingress at TC\n", l->ifname,
				strerror(-err));
			mode = LOADER_TC;
		}
	} else if (mode != LOADER_TC) {
		err = join_xdp(l, mode == LOADER_XDP_SKB, &peers);
		if (err < 0)
			return err;
		if (err > 0)
			err = attach_xdp_flags(l, mode == LOADER_XDP_SKB ? XDP_FLAGS_SKB_MODE :
									   XDP_FLAGS_DRV_MODE);
		if (err) {
			pr_warn("Failed to attach XDP (%s mode) to %s: %s\n",
				mode == LOADER_XDP_SKB ? "skb" : "native", l->ifname,
				strerror(-err));
			return err;
		}
	}
	if (mode == LOADER_TC) {
		err = attach_tc(l, &l->tc_in, l->skel->progs.nad_tc_in, false);
		if (err)
			return err;
		l->ingress_mode = "tc";
		return 0;
	}
	l->ingress_mode = "unknown";
	if (!bpf_xdp_query(l->ifindex, 0, &q)) {
		if (q.attach_mode == XDP_ATTACHED_DRV)
			l->ingress_mode = "native";
		else if (q.attach_mode == XDP_ATTACHED_SKB)
			l->ingress_mode = "skb";
		else if (q.attach_mode == XDP_ATTACHED_HW)
			l->ingress_mode = "hw";
	}
	return 0;
}

/*
 * Whether BPF timers can be pinned to a CPU (BPF_F_TIMER_CPU_PIN, Linux
 * 6.7): a stage's timer must run on the stage's CPU.
 */
static bool timer_cpu_pin(void)
{
	struct utsname u;
	unsigned int major = 0, minor = 0;

	if (uname(&u) || sscanf(u.release, "%u.%u", &major, &minor) != 2)
		return true;
	return major > 6 || (major == 6 && minor >= 7);
}

/*
 * The ring's size, and with it where shedding starts (half of it) and its steps (1/16th):
 * 0 or -EINVAL (said) for a size that is no power of two in NAD_RINGBUF_MIN..MAX.
 */
static int size_ring(struct nadxdp_bpf *skel, __u32 bytes)
{
	if (!bytes)
		return 0;
	if (bytes < NAD_RINGBUF_MIN || bytes > NAD_RINGBUF_MAX || (bytes & (bytes - 1))) {
		pr_warn("Ring buffer of %u bytes: not a power of two from %u to %u\n", bytes,
			NAD_RINGBUF_MIN, NAD_RINGBUF_MAX);
		return -EINVAL;
	}
	bpf_map__set_max_entries(skel->maps.nad_events, bytes);
	skel->rodata->nad_shed_bytes = bytes / 2;
	skel->rodata->nad_rb_step_shift = (__u32)__builtin_ctz(bytes) - 4;
	return 0;
}

int loader_preflight(const char *ifname)
{
	if (!ifname || !*ifname || strlen(ifname) >= IF_NAMESIZE) {
		pr_warn("Invalid interface name\n");
		return -EINVAL;
	}
	if (!privileged()) {
		pr_warn("Monitoring %s needs root (CAP_BPF and CAP_NET_ADMIN)\n", ifname);
		return -EPERM;
	}
	if (access(KERNEL_BTF, R_OK)) {
		pr_warn("This kernel has no BTF (%s missing); nadxdp needs CONFIG_DEBUG_INFO_BTF\n",
			KERNEL_BTF);
		return -ENOTSUP;
	}
	if (!if_nametoindex(ifname)) {
		pr_warn("No such interface: %s\n", ifname);
		return -ENODEV;
	}
	return 0;
}

struct loader *loader_new(const struct loader_opts *opts)
{
	struct loader *l;
	int err, n_cpus;

	l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->lock_fd = -1;
	l->xdp_link_fd = -1;
	l->tc_in = (struct tc_attach){ .link_fd = -1, .how = "none" };
	l->tc_out = l->tc_in;
	l->ingress_mode = "none";
	l->xdp_attach = "none";

	if (!opts) {
		err = -EINVAL;
		goto fail;
	}
	err = loader_preflight(opts->ifname);
	if (err)
		goto fail;
	snprintf(l->ifname, sizeof(l->ifname), "%s", opts->ifname);
	l->ifindex = (int)if_nametoindex(l->ifname);
	if (!l->ifindex) { /* gone since the check */
		err = -ENODEV;
		pr_warn("No such interface: %s\n", l->ifname);
		goto fail;
	}
	err = lock_instance(l);
	if (err)
		goto fail;
	remove_stale_xdp(l);
	err = ensure_bpffs(l);
	if (err)
		goto fail;

	l->skel = nadxdp_bpf__open();
	if (!l->skel) {
		err = -errno;
		pr_warn("Failed to open the BPF object: %s\n", strerror(-err));
		goto fail;
	}
	err = size_ring(l->skel, opts->ring_bytes);
	if (err)
		goto fail;
	/* One record stage per possible CPU: the programs index it by CPU. */
	n_cpus = libbpf_num_possible_cpus();
	if (n_cpus > 0)
		bpf_map__set_max_entries(l->skel->maps.nad_stage, (__u32)n_cpus);
	if (!timer_cpu_pin()) {
		pr_info("Kernel older than 6.7 (no CPU-pinned BPF timers): records go to the ring one at a time\n");
		l->skel->rodata->nad_stage_recs = 1;
	}
	err = adopt_pins(l);
	if (err)
		goto fail;
	err = nadxdp_bpf__load(l->skel);
	if (err) {
		pr_warn("Failed to load the BPF programs: %s%s\n", strerror(-err),
			log_get_level() < LOG_DEBUG ? " (-v shows the verifier log)" : "");
		goto fail;
	}
	report_kept(l);
	err = pin_maps(l);
	if (err)
		goto fail;
	err = attach_ingress(l, opts->mode);
	if (err)
		goto fail;
	err = attach_tc(l, &l->tc_out, l->skel->progs.nad_tc, true);
	if (err)
		goto fail;
	err = write_instance(l);
	if (err)
		goto fail;
	if (!strcmp(l->ingress_mode, "tc"))
		pr_info("Attached to %s (ifindex %d): ingress at TC via %s, egress at TC via %s; maps in %s\n",
			l->ifname, l->ifindex, l->tc_in.how, l->tc_out.how, NAD_PIN_DIR);
	else
		pr_info("Attached to %s (ifindex %d): ingress XDP %s mode%s, egress at TC via %s; maps in %s\n",
			l->ifname, l->ifindex, l->ingress_mode,
			l->disp ? " in libxdp's dispatcher" : "", l->tc_out.how, NAD_PIN_DIR);
	return l;

fail:
	l->failed = true;
	loader_free(l);
	errno = -err;
	return NULL;
}

/* Takes nad_xdp out of libxdp's dispatcher; the other programs stay. */
static void leave_dispatcher(struct loader *l)
{
	unsigned int id;
	int err;

	if (!l->disp)
		return;
	id = dispatcher_prog_id(l->disp);
	err = dispatcher_leave(l->disp);
	l->disp = NULL;
	if (err)
		pr_warn("Failed to remove nadxdp from the XDP dispatcher on %s: %s (xdp-loader "
			"unload %s --id %u removes it)\n",
			l->ifname, strerror(-err), l->ifname, id);
}

void loader_free(struct loader *l)
{
	if (!l)
		return;
	if (l->wrote_instance)
		unlink(LOADER_INSTANCE_PATH);
	/* The side that created a clsact qdisc goes last: its destroy removes it. */
	if (l->tc_in.hook_created) {
		detach_tc(l, &l->tc_out);
		detach_tc(l, &l->tc_in);
	} else {
		detach_tc(l, &l->tc_in);
		detach_tc(l, &l->tc_out);
	}
	if (l->xdp_link_fd >= 0)
		close(l->xdp_link_fd);
	leave_dispatcher(l);
	if (l->skel)
		unpin_ours(l, l->keep_rules);
	nadxdp_bpf__destroy(l->skel);
	if (l->mounted_bpffs) {
		rmdir(BPFFS_ROOT "/xdp"); /* libxdp's state directory, if it left it empty */
		if (dir_empty(BPFFS_ROOT))
			umount2(BPFFS_ROOT, MNT_DETACH);
	}
	if (l->lock_fd >= 0)
		close(l->lock_fd);
	free(l);
}

void loader_set_keep_rules(struct loader *l, bool keep)
{
	l->keep_rules = keep;
}

const char *loader_ingress_mode_name(const struct loader *l)
{
	return l->ingress_mode;
}

const char *loader_ingress_name(const char *mode_name)
{
	static const char *const names[][2] = {
		{ "native", "XDP native" },
		{ "skb", "XDP skb" },
		{ "hw", "XDP offload" },
		{ "tc", "TC" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(mode_name, names[i][0]))
			return names[i][1];
	return mode_name;
}

const char *loader_xdp_attach(const struct loader *l)
{
	return l->xdp_attach;
}

const char *loader_tc_mode(const struct loader *l)
{
	return l->tc_out.how;
}

struct nadxdp_bpf *loader_skel(const struct loader *l)
{
	return l->skel;
}

void loader_capture_fds(const struct loader *l, int *events_fd, int *stats_fd)
{
	*events_fd = bpf_map__fd(l->skel->maps.nad_events);
	*stats_fd = bpf_map__fd(l->skel->maps.nad_stats);
}
