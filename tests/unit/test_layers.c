// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * scripts/check-layers.sh on trees the test writes into a temp folder: a small
 * clean tree passes, and each planted breach (an upward include, a warning
 * from ml/, a map call from views/) fails with file:line and the rule; the
 * checkout's own user/, copied, fails on an upward include planted in it.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers/tmpdir.h"

static char dir[64];
static char out[1 << 16];

static void setup(void)
{
	tmpdir_make(dir, sizeof(dir), "layers");
}

static void teardown(void)
{
	tmpdir_remove(dir);
}

TestSuite(layers, .init = setup, .fini = teardown);

static const char *root(void)
{
	const char *r = getenv("NADXDP_ROOT");

	return r ? r : ".";
}

/* Writes text to dir/rel, making its folders. */
static void put(const char *rel, const char *text)
{
	char path[256], cmd[320];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	cr_assert_eq(system(cmd), 0);
	f = fopen(path, "a");
	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	fclose(f);
}

/* Runs the checker on dir; its output in out; returns its exit code. */
static int check(void)
{
	char cmd[512];
	FILE *p;
	size_t n;
	int st;

	snprintf(cmd, sizeof(cmd), "bash '%s/scripts/check-layers.sh' '%s' 2>&1", root(), dir);
	p = popen(cmd, "r");
	cr_assert_not_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	st = pclose(p);
	cr_assert(WIFEXITED(st), "%s", cmd);
	return WEXITSTATUS(st);
}

static void clean_tree(void)
{
	put("bpf/nad_abi.h", "/* the ABI */\n");
	put("user/common/log.h", "void pr_warn(const char *s);\n");
	put("user/ml/iforest.h", "#include \"common/log.h\"\n#include \"nad_abi.h\"\n");
	put("user/ml/iforest.c", "#include <stdio.h>\n#include \"ml/iforest.h\"\n"
				 "/* pr_warn(\"in a comment\") */\n"
				 "static const char *s = \"pr_warn( in a string, argv\";\n"
				 "void f(void) { pr_debug(\"fine\"); }\n");
	put("user/capture/loader.c", "#include \"nadxdp.skel.h\"\nint g(int fd) "
				     "{ return bpf_map_update_elem(fd, 0, 0, 0); }\n");
	put("user/cli/run.c", "#include <getopt.h>\n#include \"ml/iforest.h\"\n"
			      "int run(int argc, char **argv) { return EXIT_OK; }\n");
	put("user/main.c", "#include \"cli/run.h\"\n");
}

Test(layers, a_clean_tree_passes)
{
	clean_tree();
	cr_assert_eq(check(), 0, "%s", out);
	cr_assert_eq(out[0], '\0', "%s", out);
}

Test(layers, an_upward_include_fails_with_file_line_and_rule)
{
	clean_tree();
	put("user/ml/iforest.c", "#include \"detect/engine.h\"\n");
	cr_assert_eq(check(), 1, "%s", out);
	cr_assert_not_null(strstr(out, "user/ml/iforest.c:6: includes detect/engine.h: ml/ may "
				       "include only common, capture, features, ml"),
			   "%s", out);
	cr_assert_not_null(strstr(out, "1 violation\n"), "%s", out);
}

Test(layers, logging_maps_skeleton_options_and_bare_includes_are_each_caught)
{
	clean_tree();
	put("user/ml/scaler.c", "void h(void) { pr_warn(\"x\"); }\n");
	put("user/features/features.c", "int k(int argc) { return argc; }\n");
	put("user/views/tui.c", "int v(int fd) { return bpf_map_lookup_elem(fd, 0, 0); }\n");
	put("user/detect/engine.c", "#include \"nadxdp.skel.h\"\nint e(void) { return EXIT_BPF; }\n"
				    "#include \"iforest.h\"\n");
	cr_assert_eq(check(), 1, "%s", out);
	cr_assert_not_null(strstr(out, "user/ml/scaler.c:1: ml/ never logs above debug"), "%s",
			   out);
	cr_assert_not_null(strstr(out, "user/features/features.c:1: features/ never sees argv"),
			   "%s", out);
	cr_assert_not_null(strstr(out, "user/views/tui.c:1: bpf_map_* call"), "%s", out);
	cr_assert_not_null(strstr(out, "user/detect/engine.c:1: includes nadxdp.skel.h"), "%s",
			   out);
	cr_assert_not_null(strstr(out, "user/detect/engine.c:2: exit code (EXIT_*)"), "%s", out);
	cr_assert_not_null(strstr(out, "user/detect/engine.c:3: includes \"iforest.h\": name the "
				       "stage folder"),
			   "%s", out);
	cr_assert_not_null(strstr(out, "6 violations\n"), "%s", out);
}

Test(layers, the_checkouts_tree_fails_on_a_planted_upward_include)
{
	char cmd[512], *before;
	size_t n_before;

	snprintf(cmd, sizeof(cmd), "cp -r '%s/user' '%s/bpf' '%s/'", root(), root(), dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	check();
	before = strdup(out);
	n_before = strlen(before);
	/* common is the leftmost stage: nothing of cli/ may reach it */
	put("user/common/planted.c", "#include \"common/log.h\"\n#include \"cli/run.h\"\n");
	cr_assert_eq(check(), 1, "%s", out);
	cr_assert_not_null(strstr(out, "user/common/planted.c:2: includes cli/run.h: common/ may "
				       "include only common (cli/ is downstream)"),
			   "%s", out);
	cr_assert_gt(strlen(out), n_before);
	free(before);
}
