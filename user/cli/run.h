/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * cli/run.h - `nadxdp [run] IFNAME` (live: attach, detect, mitigate, views) and
 * `nadxdp [run] --pcap FILE` (offline: detect in a capture, optionally an HTML report).
 */
#ifndef NAD_CLI_RUN_H
#define NAD_CLI_RUN_H

/*
 * The live daemon's state directory, its models directory unless --models says otherwise:
 * created (mode 0700) when missing. The environment variable NADXDP_STATE_DIR replaces it,
 * for the tests, which must not touch /var/lib.
 */
#define RUN_STATE_DIR "/var/lib/nadxdp"

struct analyze_opts;
struct opts_cmd;

extern const struct opts_cmd run_opts;

/* Subcommand entry: argv[0] is the subcommand name. Returns an exit code (cli.h). */
int run_cmd(int argc, char **argv);

/*
 * The offline run: an->pcap through the detection pipeline, the dashboard views to
 * report_path as one HTML file (NULL: none). Returns an exit code.
 */
int run_offline(const struct analyze_opts *an, const char *report_path);

#endif
