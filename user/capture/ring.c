// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * capture/ring.c - ring buffer consumer and the kernel's per-CPU counters summed.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "capture/ring.h"

struct capture {
	struct ring_buffer *rb;
	int stats_fd;
	capture_record_fn on_record;
	void *ctx;
	struct capture_totals totals;
};

/* One ring sample: a CPU's stage of 1 to NAD_STAGE_RECS records. */
static int on_sample(void *ctx, void *data, size_t size)
{
	struct capture *cap = ctx;
	const struct nad_rec *rec = data;

	/* A partial record would be a kernel/user ABI mismatch: skip it, don't crash. */
	for (; size >= sizeof(*rec); size -= sizeof(*rec), rec++) {
		cap->totals.n_records++;
		cap->totals.n_weight += rec->weight;
		if (cap->on_record)
			cap->on_record(rec, cap->ctx);
	}
	return 0;
}

struct capture *capture_new(int events_fd, int stats_fd, capture_record_fn on_record, void *ctx)
{
	struct capture *cap = calloc(1, sizeof(*cap));
	int err;

	if (!cap)
		return NULL;
	cap->stats_fd = stats_fd;
	cap->on_record = on_record;
	cap->ctx = ctx;
	cap->rb = ring_buffer__new(events_fd, on_sample, cap, NULL);
	if (!cap->rb) {
		err = errno;
		free(cap);
		errno = err;
		return NULL;
	}
	return cap;
}

void capture_free(struct capture *cap)
{
	if (!cap)
		return;
	ring_buffer__free(cap->rb);
	free(cap);
}

/* libbpf counts ring samples; a sample holds several records. */
static int records_since(const struct capture *cap, uint64_t before, int err)
{
	uint64_t n = cap->totals.n_records - before;

	if (err < 0)
		return err;
	return n > INT_MAX ? INT_MAX : (int)n;
}

int capture_drain(struct capture *cap)
{
	uint64_t before = cap->totals.n_records;

	return records_since(cap, before, ring_buffer__consume(cap->rb));
}

int capture_poll(struct capture *cap, int timeout_ms)
{
	uint64_t before = cap->totals.n_records;
	int err;

	err = ring_buffer__poll(cap->rb, timeout_ms);
	if (err < 0)
		return err;
	/* Records submitted without a wake-up are not signalled: take them too. */
	return records_since(cap, before, ring_buffer__consume(cap->rb));
}

void capture_get_totals(const struct capture *cap, struct capture_totals *out)
{
	*out = cap->totals;
}

int capture_read_stats_fd(int stats_fd, struct nad_stats *out)
{
	int n_cpus = libbpf_num_possible_cpus();
	struct nad_stats *per_cpu;
	__u32 zero = 0;
	int err = 0;

	memset(out, 0, sizeof(*out));
	if (n_cpus <= 0)
		return n_cpus ? n_cpus : -EINVAL;
	per_cpu = calloc((size_t)n_cpus, sizeof(*per_cpu));
	if (!per_cpu)
		return -ENOMEM;
	if (bpf_map_lookup_elem(stats_fd, &zero, per_cpu)) {
		err = -errno;
		goto cleanup;
	}
	for (int c = 0; c < n_cpus; c++) {
		const struct nad_stats *s = &per_cpu[c];

		for (int d = 0; d < NAD_N_DIRS; d++) {
			out->pkts[d] += s->pkts[d];
			out->bytes[d] += s->bytes[d];
		}
		out->recs_emitted += s->recs_emitted;
		out->recs_shed += s->recs_shed;
		out->malformed += s->malformed;
		out->dropped_rule += s->dropped_rule;
		out->allowed_rule += s->allowed_rule;
		out->dropped_rate += s->dropped_rate;
		out->pending += s->pending;
		out->staged += s->staged;
	}
cleanup:
	free(per_cpu);
	return err;
}

int capture_read_stats(const struct capture *cap, struct nad_stats *out)
{
	if (cap->stats_fd < 0)
		return -EBADF;
	return capture_read_stats_fd(cap->stats_fd, out);
}

static int cmp_src_pkts(const void *a, const void *b)
{
	const struct capture_source *x = a, *y = b;

	if (x->st.pkts != y->st.pkts)
		return x->st.pkts < y->st.pkts ? 1 : -1;
	return memcmp(x->key.addr, y->key.addr, 16);
}

/* A source's counters summed over the CPUs: first_ns the earliest set, last_ns the latest. */
static void sum_source(const struct nad_src_stats *per_cpu, int n_cpus, struct nad_src_stats *out)
{
	*out = per_cpu[0];
	for (int c = 1; c < n_cpus; c++) {
		const struct nad_src_stats *s = &per_cpu[c];

		out->pkts += s->pkts;
		out->bytes += s->bytes;
		out->syns += s->syns;
		if (s->first_ns && (!out->first_ns || s->first_ns < out->first_ns))
			out->first_ns = s->first_ns;
		if (s->last_ns > out->last_ns)
			out->last_ns = s->last_ns;
	}
}

int capture_read_sources(int fd, struct capture_source **out, size_t *n_out)
{
	struct bpf_map_info info = { 0 };
	__u32 info_len = sizeof(info);
	struct nad_src_key key, next;
	struct capture_source *v = NULL;
	size_t n = 0, cap = 0, limit;
	void *prev = NULL;
	int err = 0, ncpu = 1;
	bool percpu;
	struct nad_src_stats *val = NULL;

	*out = NULL;
	*n_out = 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &info_len))
		return -errno;
	percpu = info.type == BPF_MAP_TYPE_LRU_PERCPU_HASH || info.type == BPF_MAP_TYPE_PERCPU_HASH;
	if (percpu)
		ncpu = libbpf_num_possible_cpus();
	if (ncpu <= 0)
		return -EINVAL;
	val = calloc((size_t)ncpu, sizeof(*val));
	if (!val)
		return -ENOMEM;
	limit = (size_t)info.max_entries * 2 + 16;
	while (n < limit && !bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(fd, &key, val))
			continue; /* evicted between the two calls */
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			struct capture_source *nv = realloc(v, ncap * sizeof(*v));

			if (!nv) {
				err = -ENOMEM;
				goto cleanup;
			}
			v = nv;
			cap = ncap;
		}
		v[n].key = key;
		sum_source(val, ncpu, &v[n].st);
		n++;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_src_pkts);
	*out = v;
	*n_out = n;
	v = NULL;
cleanup:
	free(v);
	free(val);
	return err;
}
