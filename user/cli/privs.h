/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * cli/privs.h - `nadxdp run --user NAME`: started as root, the daemon becomes an
 * unprivileged user once attached. What it does afterwards needs no privilege: the
 * ring buffer, the maps (rules, counters) and the output files are open descriptors.
 * The teardown does: the capabilities it needs stay permitted but not effective, and
 * privs_raise() makes them effective for it.
 */
#ifndef NAD_CLI_PRIVS_H
#define NAD_CLI_PRIVS_H

#include <stdint.h>
#include <sys/types.h>

/* A capability's bit in the masks below (CAP_BPF, CAP_NET_ADMIN, ... of linux/capability.h). */
#define PRIVS_CAP(c) (1ULL << (c))

struct privs_user {
	uid_t uid;
	gid_t gid;
};

/* Looks name up. Returns 0, -ENOENT for no such user, or another -errno. */
int privs_lookup(const char *name, struct privs_user *u);

/*
 * Becomes u for good (real, effective and saved ids; u's group as the only group) and
 * keeps the capabilities of keep that the process has as permitted, none effective, none
 * inheritable or ambient. Needs CAP_SETUID and CAP_SETGID. Returns 0 or -errno (then the
 * process may be half-changed: the caller stops).
 */
int privs_drop(const struct privs_user *u, uint64_t keep);

/* Makes the permitted capabilities effective. Returns 0 or -errno. */
int privs_raise(void);

/* The effective and permitted capability masks of the process (0 on error). */
uint64_t privs_effective(void);
uint64_t privs_permitted(void);

#endif /* NAD_CLI_PRIVS_H */
