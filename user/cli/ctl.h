/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * cli/ctl.h - `nadxdp status` and `nadxdp rules`: the running instance seen
 * through its pinned maps (NAD_PIN_DIR) and its instance file.
 *
 * Both need root (the pins live in bpffs). With nothing pinned they print
 * "no running nadxdp instance (nothing pinned under /sys/fs/bpf/nadxdp)" and
 * exit 1. Usage errors exit 2, before any privilege check. With only the
 * rule maps an instance kept on exit (--keep-rules) pinned, `rules list` and
 * `rules del` work on them; status and `rules add` say no instance runs.
 *
 * Manual rules carry origin NAD_ORIGIN_MANUAL, created_ns = now and
 * expires_ns = now + ttl (0 = never) on CLOCK_MONOTONIC, the clock of
 * bpf_ktime_get_ns(). Adding a rule that exists updates its expiry and
 * origin and keeps its hit counters.
 */
#ifndef NAD_CTL_H
#define NAD_CTL_H

/* The daemon's instance file: lines key=value (pid, ifname, ifindex, xdp_mode, started_unix). */
#define NAD_INSTANCE_FILE "/run/nadxdp/instance"

struct opts_cmd;

extern const struct opts_cmd status_opts, rules_opts;

/* Subcommand entry: argv[0] is the subcommand name. Returns an exit code (cli.h). */
int ctl_status_cmd(int argc, char **argv);
/* Subcommand entry: argv[0] is the subcommand name. Returns an exit code (cli.h). */
int ctl_rules_cmd(int argc, char **argv);

#endif
