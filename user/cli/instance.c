// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cli/instance.c - the running instance's pins and instance file (contract in instance.h).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "capture/loader.h"
#include "cli/instance.h"
#include "common/log.h"
#include "mitigate/bpf.h"

#define KEPT_ONLY_MSG                                                                          \
	"no running nadxdp instance (rules kept by --keep-rules are pinned under " NAD_PIN_DIR \
	": nadxdp rules list shows them)\n"

bool instance_need_root(const char *cmd)
{
	if (geteuid() == 0)
		return true;
	pr_warn("%s: needs root (the counters and rules are BPF maps pinned under %s)\n", cmd,
		NAD_PIN_DIR);
	return false;
}

int instance_open_pin(const char *name)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", NAD_PIN_DIR, name);
	fd = bpf_obj_get(path);
	if (fd < 0) {
		fd = -errno;
		if (fd != -ENOENT)
			pr_warn("cannot open %s: %s\n", path, strerror(-fd));
	}
	return fd;
}

/* No counters pinned, but a drop map is: rules kept by --keep-rules, no daemon. */
static bool kept_rules_only(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", NAD_PIN_DIR,
		 mitigate_bpf_map_names[MITIGATE_MAP_DROP4]);
	return access(path, F_OK) == 0;
}

void instance_warn_absent(void)
{
	pr_warn(kept_rules_only() ? KEPT_ONLY_MSG : INSTANCE_NONE_MSG);
}

void instance_read(struct instance *in)
{
	char line[256];
	FILE *f;

	memset(in, 0, sizeof(*in));
	f = fopen(LOADER_INSTANCE_PATH, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '='), *val, *nl;

		if (!eq)
			continue;
		*eq = '\0';
		val = eq + 1;
		nl = strchr(val, '\n');
		if (nl)
			*nl = '\0';
		if (!strcmp(line, "pid"))
			in->pid = strtol(val, NULL, 10);
		else if (!strcmp(line, "ifname"))
			snprintf(in->ifname, sizeof(in->ifname), "%s", val);
		else if (!strcmp(line, "ifindex"))
			in->ifindex = strtol(val, NULL, 10);
		else if (!strcmp(line, "xdp_mode"))
			snprintf(in->xdp_mode, sizeof(in->xdp_mode), "%s", val);
		else if (!strcmp(line, "started_unix"))
			in->started_unix = strtoll(val, NULL, 10);
	}
	fclose(f);
	in->have = in->pid > 0;
	in->alive = in->have && (kill((pid_t)in->pid, 0) == 0 || errno == EPERM);
}
