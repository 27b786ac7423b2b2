// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * views/metrics.c - Prometheus text exposition of a snapshot, written into one
 * open_memstream buffer (a scrape is ~6 KiB; never built under the lock).
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "views/dashstate.h"
#include "views/metrics.h"

#ifndef NADXDP_VERSION
#define NADXDP_VERSION "0.1.0"
#endif

static void family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value with \, " and newline escaped as the format wants. */
static void label_value(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(f, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

static void number(FILE *f, double v)
{
	if (isnan(v))
		fputs("NaN", f);
	else if (isinf(v))
		fputs(v > 0 ? "+Inf" : "-Inf", f);
	else
		fprintf(f, "%.17g", v);
}

static void dir_counter(FILE *f, const char *name, const char *help, const __u64 *v)
{
	family(f, name, "counter", help);
	fprintf(f, "%s{direction=\"in\"} %llu\n", name, (unsigned long long)v[NAD_DIR_IN]);
	fprintf(f, "%s{direction=\"out\"} %llu\n", name, (unsigned long long)v[NAD_DIR_OUT]);
}

/* One unlabelled sample of type ("counter" or "gauge"), with its family lines. */
static void sample(FILE *f, const char *name, const char *type, const char *help, __u64 v)
{
	family(f, name, type, help);
	fprintf(f, "%s %llu\n", name, (unsigned long long)v);
}

static void counter(FILE *f, const char *name, const char *help, __u64 v)
{
	sample(f, name, "counter", help, v);
}

static void gauge(FILE *f, const char *name, const char *help, __u64 v)
{
	sample(f, name, "gauge", help, v);
}

/* One family over the bounded tables: a field of each row (off), by table. */
static void table_family(FILE *f, const struct dashstate_snap *s, const char *name,
			 const char *type, const char *help, size_t off)
{
	family(f, name, type, help);
	for (unsigned i = 0; i < s->n_tables; i++) {
		const struct limit_table *t = &s->tables[i];

		fprintf(f, "%s{table=\"", name);
		label_value(f, t->name);
		fprintf(f, "\"} %llu\n",
			(unsigned long long)*(const uint64_t *)((const char *)t + off));
	}
}

static void tables_families(FILE *f, const struct dashstate_snap *s)
{
	static const struct {
		const char *name, *type, *help;
		size_t off;
	} fam[] = {
		{ "nadxdp_table_capacity", "gauge", "Entries a bounded table holds at most.",
		  offsetof(struct limit_table, cap) },
		{ "nadxdp_table_entries", "gauge", "Entries in a bounded table now.",
		  offsetof(struct limit_table, used) },
		{ "nadxdp_table_evictions_total", "counter",
		  "Entries a full table dropped to make room for new ones.",
		  offsetof(struct limit_table, evicted) },
		{ "nadxdp_table_refusals_total", "counter",
		  "New entries a full table did not take.", offsetof(struct limit_table, refused) },
		{ "nadxdp_table_memory_bytes", "gauge", "Memory a bounded table holds.",
		  offsetof(struct limit_table, bytes) },
	};

	for (size_t i = 0; i < sizeof(fam) / sizeof(fam[0]); i++)
		table_family(f, s, fam[i].name, fam[i].type, fam[i].help, fam[i].off);
}

/* One family over the EVE outputs: a field per output (off; -1: up), by kind and target. */
static void output_family(FILE *f, const struct dashstate_snap *s, const char *name,
			  const char *type, const char *help, size_t off)
{
	family(f, name, type, help);
	for (unsigned i = 0; i < s->n_outputs; i++) {
		const struct dashstate_output *o = &s->outputs[i];
		__u64 v = off == (size_t)-1 ? (__u64)o->up :
					      *(const __u64 *)((const char *)o + off);

		fprintf(f, "%s{output=\"", name);
		label_value(f, o->kind);
		fputs("\",target=\"", f);
		label_value(f, o->target);
		fprintf(f, "\"} %llu\n", (unsigned long long)v);
	}
}

static void outputs_families(FILE *f, const struct dashstate_snap *s)
{
	static const struct {
		const char *name, *type, *help;
		size_t off;
	} fam[] = {
		{ "nadxdp_eve_events_total", "counter",
		  "EVE events an output delivered (written, sent, acknowledged).",
		  offsetof(struct dashstate_output, events) },
		{ "nadxdp_eve_dropped_events_total", "counter",
		  "EVE events an output lost (queue full, socket full, write or command error).",
		  offsetof(struct dashstate_output, dropped) },
		{ "nadxdp_eve_reconnects_total", "counter",
		  "Connections an EVE output made again after losing one.",
		  offsetof(struct dashstate_output, reconnects) },
		{ "nadxdp_eve_queued_events", "gauge", "EVE events waiting in an output's queue.",
		  offsetof(struct dashstate_output, queued) },
		{ "nadxdp_eve_output_up", "gauge", "1 when an EVE output is open or connected.",
		  (size_t)-1 },
	};

	for (size_t i = 0; i < sizeof(fam) / sizeof(fam[0]); i++)
		output_family(f, s, fam[i].name, fam[i].type, fam[i].help, fam[i].off);
}

char *metrics_render(const struct dashstate_snap *s, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	__u64 cum = 0, count = 0;
	FILE *f = open_memstream(&buf, &n);

	if (!f)
		return NULL;

	family(f, "nadxdp_info", "gauge", "Version, mode and profile of this nadxdp; always 1.");
	fprintf(f, "nadxdp_info{version=\"%s\",mode=\"", NADXDP_VERSION);
	label_value(f, s->mode);
	fputs("\",profile=\"", f);
	label_value(f, s->profile);
	fputs("\"} 1\n", f);

	if (s->start_ns) {
		family(f, "nadxdp_start_time_seconds", "gauge",
		       "Unix time of the first packet or tick seen.");
		fputs("nadxdp_start_time_seconds ", f);
		number(f, ((double)s->start_ns + (double)s->wall_offset_ns) / 1e9);
		fputc('\n', f);
	}

	dir_counter(f, "nadxdp_packets_total", "Packets analysed in userspace (record weights).",
		    s->pkts_total);
	dir_counter(f, "nadxdp_bytes_total", "Bytes analysed in userspace.", s->bytes_total);

	family(f, "nadxdp_packet_size_bytes", "histogram",
	       "Wire size of the packets analysed in userspace.");
	for (int b = 0; b < DASH_N_SIZE_BINS; b++) {
		cum += s->size_bins[b];
		if (b < DASH_N_SIZE_BINS - 1)
			fprintf(f, "nadxdp_packet_size_bytes_bucket{le=\"%u\"} %llu\n",
				dash_size_bin_le[b], (unsigned long long)cum);
		else
			fprintf(f, "nadxdp_packet_size_bytes_bucket{le=\"+Inf\"} %llu\n",
				(unsigned long long)cum);
	}
	count = cum;
	fprintf(f, "nadxdp_packet_size_bytes_sum %llu\n", (unsigned long long)s->size_sum);
	fprintf(f, "nadxdp_packet_size_bytes_count %llu\n", (unsigned long long)count);

	family(f, "nadxdp_alerts_total", "counter", "Alerts raised, by anomaly class.");
	for (int c = CLASS_NONE + 1; c < CLASS_N; c++)
		fprintf(f, "nadxdp_alerts_total{class=\"%s\",severity=\"%s\"} %llu\n",
			names_class(c), names_severity(names_class_severity(c)),
			(unsigned long long)s->alerts_by_class[c]);

	gauge(f, "nadxdp_drop_rules", "Drop rules installed now.", s->n_rules_total);

	counter(f, "nadxdp_records_lost_total", "Records userspace lost before analysis.",
		s->recs_lost);

	if (s->n_thresh) {
		family(f, "nadxdp_threshold", "gauge", "Detection thresholds in force, by name.");
		for (unsigned i = 0; i < s->n_thresh; i++) {
			fputs("nadxdp_threshold{name=\"", f);
			label_value(f, s->thresh[i].name);
			fputs("\"} ", f);
			number(f, s->thresh[i].value);
			fputc('\n', f);
		}
	}

	if (s->have_kernel) {
		const struct nad_stats *k = &s->kernel;

		dir_counter(f, "nadxdp_kernel_packets_total", "Packets seen by the XDP/TC programs.",
			    k->pkts);
		dir_counter(f, "nadxdp_kernel_bytes_total", "Bytes seen by the XDP/TC programs.",
			    k->bytes);
		counter(f, "nadxdp_kernel_records_emitted_total",
			"Records committed to the ring buffer.", k->recs_emitted);
		counter(f, "nadxdp_kernel_shed_packets_total",
			"Packets not recorded individually (carried by a later record's weight).",
			k->recs_shed);
		counter(f, "nadxdp_kernel_malformed_packets_total", "Malformed packets seen.",
			k->malformed);
		counter(f, "nadxdp_kernel_rule_dropped_packets_total",
			"Packets dropped by a drop rule.", k->dropped_rule);
		counter(f, "nadxdp_kernel_allowlisted_packets_total",
			"Packets the allowlist saved from a drop or rate rule.", k->allowed_rule);
		counter(f, "nadxdp_kernel_rate_dropped_packets_total",
			"Packets dropped by a rate rule (SYN, UDP, ICMP echo).",
			k->dropped_rate);
		gauge(f, "nadxdp_kernel_pending_packets", "Packets seen but not yet in any record.",
		      k->pending);
		gauge(f, "nadxdp_kernel_staged_packets",
		      "Packets whose records wait in a CPU's stage for the ring.", k->staged);
	}

	if (s->n_tables)
		tables_families(f, s);
	if (s->n_outputs)
		outputs_families(f, s);

	if (ferror(f) || fclose(f)) {
		free(buf);
		errno = ENOMEM;
		return NULL;
	}
	if (len)
		*len = n;
	return buf;
}
