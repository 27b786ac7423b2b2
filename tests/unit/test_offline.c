// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_offline.c - `nadxdp features` (and --vector) as a user runs it (the built binary,
 * NADXDP_BIN).
 *
 * Reference numbers come from Wireshark's capinfos/tshark on the bundled
 * captures (tests/data/PROVENANCE.md), not from nadxdp itself.
 */
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>
#include <criterion/criterion.h>

#include "capture/offline.h"
#include "cli/features.h"
#include "features/features.h"
#include "features/vector.h"
#include "helpers/cmd_run.h"

#define SSH_PCAP "tests/data/bruteforce_ssh_zeek_sshguess.pcap"
#define SSH_N_PKTS 431 /* capinfos -c */
#define SSH_DATA_BYTES 84001 /* capinfos -d: sum of original frame lengths */
#define SSH_N_SYN 11 /* tshark -Y "tcp.flags==0x002" */
#define SSH_N_TO_22 254 /* tshark -Y "tcp.dstport==22" */
#define SSH_TCP_PAYLOAD 55335 /* sum of tshark tcp.len */
#define SLL_PCAP "tests/data/intrusion_log4shell_SLL.pcap"
#define SLL_N_PKTS 426
#define SLL_DATA_BYTES 34794 /* with the 16-byte SLL header; Ethernet view is 2 bytes less each */

static const char *const header =
	"ts,dir,src_ip_hash,dst_ip_hash,packet_size,protocol,src_port,dst_port,interval,"
	"tcp_flags,udp_length,payload_size,header_ratio,transport_layer_hash\n";

static char tmpdir[64];

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/nadxdp-offline-XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
}

static void teardown(void)
{
	nftw(tmpdir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

TestSuite(offline, .init = setup, .fini = teardown);

static struct cmd_result features(const char *a1, const char *a2, const char *a3, const char *a4)
{
	char *argv[8] = { (char *)cmd_nadxdp_bin(),
			  "features",
			  (char *)a1,
			  (char *)a2,
			  (char *)a3,
			  (char *)a4,
			  NULL };
	struct cmd_result r;

	cr_assert_eq(cmd_run(argv, &r), 0);
	return r;
}

/* Sums column col (0-based) of a CSV body (header skipped); counts rows and fields. */
static double sum_column(const char *csv, int col, size_t *n_rows, int *min_fields, int *max_fields)
{
	const char *line = strchr(csv, '\n');
	double sum = 0;

	*n_rows = 0;
	*min_fields = 1000;
	*max_fields = 0;
	while (line && line[1]) {
		const char *p = line + 1;
		int field = 0;

		line = strchr(p, '\n');
		(*n_rows)++;
		for (const char *q = p; q && q < (line ? line : q + strlen(q)); field++) {
			if (field == col)
				sum += strtod(q, NULL);
			q = strchr(q, ',');
			if (q && line && q > line)
				q = NULL;
			if (q)
				q++;
		}
		if (field < *min_fields)
			*min_fields = field;
		if (field > *max_fields)
			*max_fields = field;
	}
	return sum;
}

Test(offline, features_writes_a_header_and_one_row_per_packet)
{
	struct cmd_result r = features("--pcap", cmd_repo_path(SSH_PCAP), NULL, NULL);
	int minf, maxf;
	size_t rows;
	double bytes;

	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	cr_expect_eq(r.err_len, 0, "nothing on stderr: %s", r.err);
	cr_assert_eq(strncmp(r.out, header, strlen(header)), 0, "header: %.200s", r.out);
	cr_expect_eq(cmd_count_lines(r.out), SSH_N_PKTS + 1);
	bytes = sum_column(r.out, 2 + FEAT_PACKET_SIZE, &rows, &minf, &maxf);
	cr_expect_eq(rows, SSH_N_PKTS);
	cr_expect_eq(minf, 14, "every row has ts, dir and 12 features");
	cr_expect_eq(maxf, 14);
	cr_expect_float_eq(bytes, SSH_DATA_BYTES, 0.5, "packet_size sums to capinfos' data size");
	/* first packet: tshark frame.time_epoch 1427726689.213953000, frame.len 78 */
	cr_expect_eq(strncmp(r.out + strlen(header), "1427726689.213953,in,", 21), 0, "%.60s",
		     r.out + strlen(header));
	cmd_result_free(&r);
}

/* Counts rows whose column col equals v. */
static size_t count_eq(const char *csv, int col, double v)
{
	const char *line = strchr(csv, '\n');
	size_t n = 0;

	while (line && line[1]) {
		const char *p = line + 1;

		for (int i = 0; i < col && p; i++) {
			p = strchr(p, ',');
			if (p)
				p++;
		}
		if (p && strtod(p, NULL) == v)
			n++;
		line = strchr(line + 1, '\n');
	}
	return n;
}

Test(offline, features_agree_with_tshark_on_the_bundled_capture)
{
	struct cmd_result r = features("--pcap", cmd_repo_path(SSH_PCAP), NULL, NULL);
	int minf, maxf;
	size_t rows;

	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_expect_eq(count_eq(r.out, 2 + FEAT_TCP_FLAGS, 2), SSH_N_SYN, "bare SYNs");
	cr_expect_eq(count_eq(r.out, 2 + FEAT_DST_PORT, 22), SSH_N_TO_22, "packets to port 22");
	cr_expect_eq(count_eq(r.out, 2 + FEAT_PROTOCOL, 6), SSH_N_PKTS, "all TCP");
	cr_expect_eq(count_eq(r.out, 2 + FEAT_TRANSPORT_LAYER_HASH, FEAT_TL_TCP), SSH_N_PKTS);
	cr_expect_float_eq(sum_column(r.out, 2 + FEAT_PAYLOAD_SIZE, &rows, &minf, &maxf),
			   SSH_TCP_PAYLOAD, 0.5, "TCP payload bytes");
	cmd_result_free(&r);
}

Test(offline, out_option_writes_the_same_csv_to_a_file)
{
	struct cmd_result a = features("--pcap", cmd_repo_path(SSH_PCAP), NULL, NULL);
	char path[128];
	struct cmd_result b;
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/out.csv", tmpdir);
	b = features("--pcap", cmd_repo_path(SSH_PCAP), "--out", path);
	cr_assert_eq(b.status, 0, "%s", b.err);
	cr_expect_eq(b.out_len, 0, "stdout stays empty with --out");
	f = fopen(path, "r");
	cr_assert_not_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	cr_expect_str_eq(buf, a.out);
	free(buf);
	cmd_result_free(&a);
	cmd_result_free(&b);
}

Test(offline, gzip_compressed_capture_gives_the_identical_csv)
{
	struct cmd_result a = features("--pcap", cmd_repo_path(SSH_PCAP), NULL, NULL);
	char gzpath[128], buf[8192];
	struct cmd_result b;
	FILE *in;
	gzFile gz;
	size_t n;

	snprintf(gzpath, sizeof(gzpath), "%s/ssh.pcap.gz", tmpdir);
	in = fopen(cmd_repo_path(SSH_PCAP), "rb");
	gz = gzopen(gzpath, "wb9");
	cr_assert(in && gz);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		cr_assert_eq(gzwrite(gz, buf, (unsigned)n), (int)n);
	fclose(in);
	cr_assert_eq(gzclose(gz), Z_OK);

	b = features("--pcap", gzpath, NULL, NULL);
	cr_assert_eq(b.status, 0, "%s", b.err);
	cr_expect_str_eq(b.out, a.out);
	cmd_result_free(&a);
	cmd_result_free(&b);
}

Test(offline, linux_cooked_capture_is_read_with_ethernet_sizes)
{
	struct cmd_result r = features("--pcap", cmd_repo_path(SLL_PCAP), NULL, NULL);
	int minf, maxf;
	size_t rows;
	double bytes;

	cr_assert_eq(r.status, 0, "%s", r.err);
	bytes = sum_column(r.out, 2 + FEAT_PACKET_SIZE, &rows, &minf, &maxf);
	cr_expect_eq(rows, SLL_N_PKTS);
	cr_expect_float_eq(bytes, SLL_DATA_BYTES - 2.0 * SLL_N_PKTS, 0.5);
	cmd_result_free(&r);
}

static void expect_one_line(const struct cmd_result *r)
{
	cr_expect_eq(cmd_count_lines(r->err), 1, "one line on stderr: %s", r->err);
	cr_expect_eq(strncmp(r->err, "nadxdp: ", 8), 0, "%s", r->err);
}

Test(offline, unknown_flag_is_a_usage_error_in_one_line)
{
	struct cmd_result r = features("--pcap", cmd_repo_path(SSH_PCAP), "--bogus", NULL);

	cr_expect_eq(r.status, 2);
	expect_one_line(&r);
	cr_expect_not_null(strstr(r.err, "--bogus"), "%s", r.err);
	cr_expect_eq(r.out_len, 0);
	cmd_result_free(&r);
}

Test(offline, missing_pcap_option_and_missing_argument_are_usage_errors)
{
	struct cmd_result r = features(NULL, NULL, NULL, NULL);

	cr_expect_eq(r.status, 2);
	expect_one_line(&r);
	cr_expect_not_null(strstr(r.err, "--pcap"), "%s", r.err);
	cmd_result_free(&r);

	r = features("--pcap", NULL, NULL, NULL);
	cr_expect_eq(r.status, 2);
	expect_one_line(&r);
	cmd_result_free(&r);

	r = features("--pcap", cmd_repo_path(SSH_PCAP), "stray", NULL);
	cr_expect_eq(r.status, 2);
	expect_one_line(&r);
	cmd_result_free(&r);
}

Test(offline, help_exits_zero_on_stdout)
{
	struct cmd_result r = features("--help", NULL, NULL, NULL);

	cr_expect_eq(r.status, 0);
	cr_expect_not_null(strstr(r.out, "--pcap"));
	cmd_result_free(&r);
}

Test(offline, missing_file_exits_1_in_one_line_and_writes_no_output)
{
	char in[128], out[128];
	struct cmd_result r;
	struct stat st;

	snprintf(in, sizeof(in), "%s/absent.pcap", tmpdir);
	snprintf(out, sizeof(out), "%s/out.csv", tmpdir);
	r = features("--pcap", in, "--out", out);
	cr_expect_eq(r.status, 1);
	expect_one_line(&r);
	cr_expect_not_null(strstr(r.err, "absent.pcap"), "%s", r.err);
	cr_expect_neq(stat(out, &st), 0, "no output file for a refused capture");
	cmd_result_free(&r);
}

Test(offline, non_capture_file_exits_1_in_one_line)
{
	struct cmd_result r = features("--pcap", cmd_repo_path("Makefile"), NULL, NULL);

	cr_expect_eq(r.status, 1);
	expect_one_line(&r);
	cr_expect_not_null(strstr(r.err, "not a pcap or pcapng capture"), "%s", r.err);
	cr_expect_eq(r.out_len, 0);
	cmd_result_free(&r);
}

Test(offline, truncated_capture_keeps_rows_before_the_cut_and_exits_1)
{
	char path[128];
	struct cmd_result r;
	FILE *in, *out;
	char buf[40000];
	size_t n;

	/* The first 40,000 bytes of the capture end inside a packet. */
	snprintf(path, sizeof(path), "%s/cut.pcap", tmpdir);
	in = fopen(cmd_repo_path(SSH_PCAP), "rb");
	out = fopen(path, "wb");
	cr_assert(in && out);
	n = fread(buf, 1, sizeof(buf), in);
	cr_assert_eq(n, sizeof(buf));
	cr_assert_eq(fwrite(buf, 1, n, out), n);
	fclose(in);
	fclose(out);

	r = features("--pcap", path, NULL, NULL);
	cr_expect_eq(r.status, 1);
	expect_one_line(&r);
	cr_expect_not_null(strstr(r.err, "truncated"), "%s", r.err);
	cr_expect_gt(cmd_count_lines(r.out), 100, "rows before the cut are kept");
	cr_expect_lt(cmd_count_lines(r.out), SSH_N_PKTS + 1);
	{
		/* the message states how many were kept, and that matches the rows */
		char want[64];

		snprintf(want, sizeof(want), "kept the %zu packets", cmd_count_lines(r.out) - 1);
		cr_expect_not_null(strstr(r.err, want), "%s / %s", r.err, want);
	}
	cmd_result_free(&r);
}

Test(offline, unwritable_output_exits_1_in_one_line)
{
	struct cmd_result r = features("--pcap", cmd_repo_path(SSH_PCAP), "--out", "/dev/full");

	cr_expect_eq(r.status, 1);
	expect_one_line(&r);
	cr_expect_not_null(strstr(r.err, "/dev/full"), "%s", r.err);
	cmd_result_free(&r);
}

/* The CSV body's rows, past ts and dir, as text (each line's tail after the second comma). */
static const char *row_tail(const char *line)
{
	return strchr(strchr(line, ',') + 1, ',') + 1;
}

Test(offline, vector_rows_are_the_detectors_vectors)
{
	struct cmd_result v = features("--pcap", cmd_repo_path(SSH_PCAP), "--vector", NULL);
	char path[128], *argv[10], *csv, head[2048] = "ts,dir";
	const char *lv, *lc;
	struct cmd_result d;
	size_t len;
	FILE *f;

	cr_assert_eq(v.status, 0, "stderr: %s", v.err);
	/* the header names the model vector, in vector order */
	for (size_t i = 0; i < VECTOR_DIM; i++) {
		strcat(head, ",");
		strcat(head, vector_names[i]);
	}
	strcat(head, "\n");
	cr_expect(!strncmp(v.out, head, strlen(head)), "header: %.300s", v.out);
	cr_expect_eq(cmd_count_lines(v.out), SSH_N_PKTS + 1);
	/* and the rows are what the detector writes with --vectors-out */
	snprintf(path, sizeof(path), "%s/v.csv", tmpdir);
	argv[0] = (char *)cmd_nadxdp_bin();
	argv[1] = "--pcap";
	argv[2] = (char *)cmd_repo_path(SSH_PCAP);
	argv[3] = "--vectors-out";
	argv[4] = path;
	argv[5] = "--quiet";
	argv[6] = NULL;
	cr_assert_eq(cmd_run(argv, &d), 0);
	cr_assert_eq(d.status, 0, "stderr: %s", d.err);
	f = fopen(path, "r");
	cr_assert_not_null(f);
	csv = cmd_slurp(fileno(f), &len);
	fclose(f);
	lv = strchr(v.out, '\n') + 1;
	lc = strchr(csv, '\n') + 1;
	for (size_t i = 0; i < SSH_N_PKTS; i++) {
		const char *b = row_tail(lv);
		size_t n = strcspn(lc, "\n");

		cr_assert(!strncmp(lc, b, n) && b[n] == '\n', "row %zu", i);
		lc += n + 1;
		lv = strchr(lv, '\n') + 1;
	}
	free(csv);
	cmd_result_free(&d);
	cmd_result_free(&v);
}

Test(offline, vector_rows_of_a_missing_file_are_refused_in_one_line)
{
	struct cmd_result r = features("--pcap", "/nonexistent/x.pcap", "--vector", NULL);

	cr_expect_eq(r.status, 1);
	cr_expect_eq(cmd_count_lines(r.err), 1, "stderr: %s", r.err);
	cr_expect_eq(r.out[0], 0, "stdout: %s", r.out);
	cmd_result_free(&r);
}
