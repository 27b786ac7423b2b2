/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * bpfrun.h - the real nadxdp programs, loaded (not attached), run on
 * crafted or captured frames with bpf_prog_test_run_opts(); the records
 * they emit read back from the ring buffer. Needs root.
 */
#ifndef NAD_BPFRUN_H
#define NAD_BPFRUN_H

#include <stdint.h>
#include <linux/types.h>

#include "nad_abi.h"

struct nadxdp_bpf;

struct bpfrun {
	struct nadxdp_bpf *skel;
	struct ring_buffer *rb;
	struct nad_rec last; /* the last record consumed */
	uint64_t n_samples;  /* ring samples consumed (a stage of records each) */
	uint64_t n_recs;     /* records consumed */
	uint64_t n_weight;   /* sum of their weights */
};

/*
 * Opens and loads the skeleton, committing every record to the ring at once
 * (a stage of one). Returns 0 or a negative errno.
 */
int bpfrun_open(struct bpfrun *r);
/*
 * The same with stage_recs records per commit (the daemon's NAD_STAGE_RECS)
 * and a partial stage committed flush_ns after its first record.
 */
int bpfrun_open_staged(struct bpfrun *r, uint32_t stage_recs, uint64_t flush_ns);
void bpfrun_close(struct bpfrun *r);

/*
 * Runs the XDP program, or a TC program (dir NAD_DIR_IN: nad_tc_in, the
 * ingress hook of TC mode; NAD_DIR_OUT: nad_tc, egress), once on frame;
 * *retval gets its verdict.
 */
int bpfrun_xdp(struct bpfrun *r, const void *frame, uint32_t len, uint32_t repeat,
	       uint32_t *retval);
int bpfrun_tc(struct bpfrun *r, int dir, const void *frame, uint32_t len, uint32_t *retval);

/* Consumes every record in the ring. Returns how many, or a negative errno. */
int bpfrun_consume(struct bpfrun *r);

/* The per-CPU nad_stats, summed. */
int bpfrun_stats(struct bpfrun *r, struct nad_stats *out);

/* Largest frame the kernel's XDP test_run puts in one linear buffer (more: multi-buffer). */
#define BPFRUN_XDP_MAX_FRAME 3520

#endif /* NAD_BPFRUN_H */
