/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * cli/instance.h - the running nadxdp as `nadxdp status` and `nadxdp rules` see it: its
 * maps pinned under NAD_PIN_DIR (root only: the pins live in bpffs) and its instance
 * file (LOADER_INSTANCE_PATH).
 *
 * With nothing pinned the commands print "no running nadxdp instance (nothing pinned
 * under /sys/fs/bpf/nadxdp)" and exit 1; with only the rule maps an instance kept on
 * exit (--keep-rules), they say so and point to `nadxdp rules list`.
 */
#ifndef NAD_CLI_INSTANCE_H
#define NAD_CLI_INSTANCE_H

#include <stdbool.h>
#include <net/if.h>

#include "nad_abi.h"

#define INSTANCE_NONE_MSG "no running nadxdp instance (nothing pinned under " NAD_PIN_DIR ")\n"

/* What the instance file says. */
struct instance {
	bool have; /* the instance file was readable */
	bool alive; /* its pid exists */
	long pid;
	char ifname[IF_NAMESIZE + 1];
	long ifindex;
	char xdp_mode[16]; /* loader_ingress_mode_name() of the instance */
	long long started_unix;
};

/* Reads the instance file into *in (in->have false when there is none). */
void instance_read(struct instance *in);

/* True as root; else logs "CMD: needs root (...)" and returns false. */
bool instance_need_root(const char *cmd);

/* The pinned map called name: an fd, -ENOENT when nothing is pinned there, or another -errno (logged). */
int instance_open_pin(const char *name);

/*
 * Logs why there is no instance: nothing pinned, or only the rule maps an instance kept
 * on exit (then `nadxdp rules list` shows them).
 */
void instance_warn_absent(void);

#endif
