// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "capture/ring.h"
#include "helpers/bpfrun.h"
#include "nadxdp.skel.h"

static int on_sample(void *ctx, void *data, size_t size)
{
	struct bpfrun *r = ctx;

	if (size < sizeof(r->last) || size % sizeof(r->last))
		return -EINVAL;
	r->n_samples++;
	for (const char *p = data; size; p += sizeof(r->last), size -= sizeof(r->last)) {
		memcpy(&r->last, p, sizeof(r->last));
		r->n_recs++;
		r->n_weight += r->last.weight;
	}
	return 0;
}

int bpfrun_open_staged(struct bpfrun *r, uint32_t stage_recs, uint64_t flush_ns)
{
	int err;

	memset(r, 0, sizeof(*r));
	r->skel = nadxdp_bpf__open();
	if (!r->skel)
		return -errno;
	r->skel->rodata->nad_stage_recs = stage_recs;
	r->skel->rodata->nad_stage_flush_ns = flush_ns;
	err = nadxdp_bpf__load(r->skel);
	if (err) {
		nadxdp_bpf__destroy(r->skel);
		r->skel = NULL;
		return err;
	}
	r->rb = ring_buffer__new(bpf_map__fd(r->skel->maps.nad_events), on_sample, r, NULL);
	if (!r->rb) {
		err = -errno;
		nadxdp_bpf__destroy(r->skel);
		r->skel = NULL;
		return err;
	}
	return 0;
}

int bpfrun_open(struct bpfrun *r)
{
	return bpfrun_open_staged(r, 1, NAD_STAGE_FLUSH_NS);
}

void bpfrun_close(struct bpfrun *r)
{
	ring_buffer__free(r->rb);
	nadxdp_bpf__destroy(r->skel);
	memset(r, 0, sizeof(*r));
}

static int run(int prog_fd, const void *frame, uint32_t len, uint32_t repeat, uint32_t *retval)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = len,
		    .repeat = repeat);
	int err = bpf_prog_test_run_opts(prog_fd, &o);

	if (err)
		return -errno;
	*retval = o.retval;
	return 0;
}

int bpfrun_xdp(struct bpfrun *r, const void *frame, uint32_t len, uint32_t repeat, uint32_t *retval)
{
	return run(bpf_program__fd(r->skel->progs.nad_xdp), frame, len, repeat, retval);
}

int bpfrun_tc(struct bpfrun *r, int dir, const void *frame, uint32_t len, uint32_t *retval)
{
	struct bpf_program *p = dir == NAD_DIR_IN ? r->skel->progs.nad_tc_in :
						    r->skel->progs.nad_tc;

	return run(bpf_program__fd(p), frame, len, 1, retval);
}

int bpfrun_consume(struct bpfrun *r)
{
	return ring_buffer__consume(r->rb);
}

int bpfrun_stats(struct bpfrun *r, struct nad_stats *out)
{
	return capture_read_stats_fd(bpf_map__fd(r->skel->maps.nad_stats), out);
}
