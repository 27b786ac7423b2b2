// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cli/privs.c - dropping to a user after attaching (contract in privs.h). The raw
 * capget/capset system calls, as capture/loader.c's privilege check uses, rather than
 * one more library for four calls.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "cli/privs.h"

int privs_lookup(const char *name, struct privs_user *u)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	int err;

	err = getpwnam_r(name, &pw, buf, sizeof(buf), &res);
	if (err)
		return -err;
	if (!res)
		return -ENOENT;
	u->uid = pw.pw_uid;
	u->gid = pw.pw_gid;
	return 0;
}

static int caps_get(struct __user_cap_data_struct d[2])
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };

	return syscall(SYS_capget, &hdr, d) ? -errno : 0;
}

static int caps_set(uint64_t effective, uint64_t permitted)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = {
		{ (__u32)effective, (__u32)permitted, 0 },
		{ (__u32)(effective >> 32), (__u32)(permitted >> 32), 0 },
	};

	return syscall(SYS_capset, &hdr, d) ? -errno : 0;
}

uint64_t privs_effective(void)
{
	struct __user_cap_data_struct d[2] = {};

	return caps_get(d) ? 0 : (uint64_t)d[1].effective << 32 | d[0].effective;
}

uint64_t privs_permitted(void)
{
	struct __user_cap_data_struct d[2] = {};

	return caps_get(d) ? 0 : (uint64_t)d[1].permitted << 32 | d[0].permitted;
}

int privs_drop(const struct privs_user *u, uint64_t keep)
{
	uid_t r, e, s;
	int err;

	keep &= privs_permitted();
	/* Keep the permitted set across the change of uid; the kernel clears the effective one. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0))
		return -errno;
	if (setgroups(1, &u->gid) || setresgid(u->gid, u->gid, u->gid) ||
	    setresuid(u->uid, u->uid, u->uid))
		return -errno;
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) ||
	    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0))
		return -errno;
	err = caps_set(0, keep);
	if (err)
		return err;
	/* No way back: not to the old ids, and no capability beyond keep. */
	if (getresuid(&r, &e, &s) || r != u->uid || e != u->uid || s != u->uid ||
	    privs_permitted() & ~keep)
		return -EPERM;
	return 0;
}

int privs_raise(void)
{
	return caps_set(privs_permitted(), privs_permitted());
}
