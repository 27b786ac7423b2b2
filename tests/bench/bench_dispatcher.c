// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bench_dispatcher.c - what libxdp's dispatcher adds to nadxdp's XDP cost,
 * in ns per packet (bpf_prog_test_run_opts, opts.duration, 1,000,000 runs
 * of a TCP SYN per figure).
 *
 * Where the kernel can chain XDP programs, nadxdp joins a dispatcher on
 * the loopback of a private network namespace (private bpffs for libxdp's
 * pins) and the dispatcher itself is run: nad_xdp through the dispatcher
 * against nad_xdp run alone. Everywhere, the dispatcher with an empty slot
 * (libxdp's xdp-dispatcher.o loaded as a plain XDP program, one slot
 * enabled, its stub in it) against a bare XDP_PASS program: the
 * dispatcher's own work (its config checks and one call), which is what
 * it adds in front of nad_xdp, the jump into the slot aside.
 *
 * ROUNDS interleaved rounds (each runs every program back to back, so a
 * noisy neighbour hits them alike); prints the median and the spread
 * (min-max) of each figure and of each difference, taken round by round.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <sys/mount.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include <xdp/prog_dispatcher.h>

#include "bench/bare.skel.h"
#include "capture/dispatcher.h"
#include "nad_abi.h"
#include "nadxdp.skel.h"
/* The Makefile links benchmarks with the user/ objects only; the builder is tiny. */
#include "helpers/pktbuild.c"
#include "testrun.h"

#define ROUNDS 7

enum { BARE, STUB, NAD, NAD_DISP, N_FIG };
static const char *const fig_name[N_FIG] = {
	"bare XDP_PASS",
	"dispatcher, empty slot",
	"nad_xdp alone",
	"nad_xdp in the dispatcher",
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void print_row(const char *name, const double v[ROUNDS])
{
	double s[ROUNDS];

	memcpy(s, v, sizeof(s));
	qsort(s, ROUNDS, sizeof(s[0]), cmp_double);
	printf("  %-34s %8.1f   %8.1f .. %-8.1f\n", name, s[ROUNDS / 2], s[0], s[ROUNDS - 1]);
}

/* libxdp's dispatcher object, one slot enabled, its stub in it, loaded as plain XDP. */
static struct xdp_program *load_stub_dispatcher(int *fd)
{
	struct xdp_dispatcher_config cfg = {
		.magic = XDP_DISPATCHER_MAGIC,
		.dispatcher_version = XDP_DISPATCHER_VERSION,
		.num_progs_enabled = 1,
		.chain_call_actions = { 1u << XDP_PASS | 1u << XDP_DISPATCHER_RETVAL },
		.run_prios = { DISPATCHER_RUN_PRIO },
	};
	struct xdp_program *p = xdp_program__find_file("xdp-dispatcher.o", NULL, NULL);
	struct bpf_object *obj;
	struct bpf_program *prog;

	if (libxdp_get_error(p))
		return NULL;
	obj = xdp_program__bpf_obj(p);
	bpf_object__for_each_program(prog, obj)
		bpf_program__set_autoload(prog, !strcmp(bpf_program__name(prog), "xdp_dispatcher"));
	if (bpf_map__set_initial_value(bpf_object__next_map(obj, NULL), &cfg, sizeof(cfg)) ||
	    bpf_object__load(obj)) {
		xdp_program__close(p);
		return NULL;
	}
	*fd = bpf_program__fd(bpf_object__find_program_by_name(obj, "xdp_dispatcher"));
	return p;
}

/*
 * nad_xdp in a dispatcher on the loopback of a private network namespace
 * (and private bpffs): the dispatcher's fd, or -errno.
 */
static int join_on_loopback(struct nadxdp_bpf *skel, struct dispatcher **d)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int err = dispatcher_probe();
	size_t sz;
	const void *elf = nadxdp_bpf__elf_bytes(&sz);

	if (err)
		return err;
	if (unshare(CLONE_NEWNS | CLONE_NEWNET) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL) || system("ip link set lo up"))
		return -errno ? -errno : -EIO;
	*d = dispatcher_join(skel->obj, elf, sz, 1, true);
	if (!*d)
		return -errno;
	if (bpf_xdp_query(1, XDP_FLAGS_SKB_MODE, &q))
		return -errno;
	err = bpf_prog_get_fd_by_id(q.prog_id);
	return err < 0 ? -errno : err;
}

int main(void)
{
	double v[N_FIG][ROUNDS], diff[ROUNDS];
	struct nadxdp_bpf *skel = NULL;
	struct xdp_program *stub = NULL;
	struct dispatcher *d = NULL;
	struct ring_buffer *rb = NULL;
	struct bare_bpf *bare = NULL;
	int fd[N_FIG], disp_fd = -1, ret = 1;
	struct pktb b;

	if (geteuid() != 0) {
		printf("bench_dispatcher: skipped, needs root (loads BPF programs, test_run)\n");
		return 0;
	}
	libbpf_set_print(NULL);
	libxdp_set_print(NULL);
	bare = bare_bpf__open_and_load();
	skel = nadxdp_bpf__open_and_load();
	stub = load_stub_dispatcher(&fd[STUB]);
	rb = skel ? ring_buffer__new(bpf_map__fd(skel->maps.nad_events), testrun_drop_sample, NULL,
				     NULL) :
		    NULL;
	if (!bare || !skel || !stub || !rb) {
		fprintf(stderr, "bench_dispatcher: loading the programs failed\n");
		goto cleanup;
	}
	fd[BARE] = bpf_program__fd(bare->progs.nad_bare);
	fd[NAD] = bpf_program__fd(skel->progs.nad_xdp);
	disp_fd = join_on_loopback(skel, &d);
	fd[NAD_DISP] = disp_fd;
	pktb_init(&b);
	pktb_eth(&b, 0x0800);
	pktb_ip4(&b, 6, PKTB_IP4(198, 18, 0, 1), PKTB_IP4(198, 18, 0, 2), 0);
	pktb_tcp(&b, 40000, 80, 0x02, 20);
	pktb_finish(&b);
	for (int r = 0; r < ROUNDS; r++) {
		for (int f = 0; f < N_FIG; f++) {
			if (f == NAD_DISP && disp_fd < 0)
				continue;
			v[f][r] = f >= NAD ? testrun_record_path_ns(fd[f], rb, &b) :
					     testrun_ns(fd[f], &b, TESTRUN_REPEAT);
			if (v[f][r] < 0) {
				fprintf(stderr, "bench_dispatcher: test_run of %s: %s\n",
					fig_name[f], strerror((int)-v[f][r]));
				goto cleanup;
			}
		}
	}
	printf("XDP cost per packet (TCP SYN), bpf_prog_test_run_opts, %u runs each, %d "
	       "interleaved rounds (ns/packet)\n",
	       TESTRUN_REPEAT, ROUNDS);
	printf("  %-34s %8s   %s\n", "", "median", "min .. max");
	for (int f = 0; f < N_FIG; f++)
		if (f != NAD_DISP || disp_fd >= 0)
			print_row(fig_name[f], v[f]);
	for (int r = 0; r < ROUNDS; r++)
		diff[r] = v[STUB][r] - v[BARE][r];
	print_row("dispatcher's own work (- bare)", diff);
	if (disp_fd >= 0) {
		for (int r = 0; r < ROUNDS; r++)
			diff[r] = v[NAD_DISP][r] - v[NAD][r];
		print_row("dispatcher on nad_xdp (- alone)", diff);
	} else {
		printf("nad_xdp in the dispatcher: not measured, %s\n",
		       disp_fd == -EPERM || dispatcher_probe() ?
			       "this kernel cannot chain XDP programs (freplace refused)" :
			       strerror(-disp_fd));
	}
	ret = 0;
cleanup:
	if (disp_fd >= 0)
		close(disp_fd);
	dispatcher_leave(d);
	ring_buffer__free(rb);
	xdp_program__close(stub);
	nadxdp_bpf__destroy(skel);
	bare_bpf__destroy(bare);
	return ret;
}
