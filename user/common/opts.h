/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * common/opts.h - a command's options as one declarative table over one options struct.
 *
 * Each row names an option (long name, short letter), says what its value is (kind,
 * range or names, metavar), documents it (help line, section, default) and where the
 * value goes (offset and size of a field in the command's options struct, which the
 * command's defaults function fills). The same rows drive getopt_long (opts_parse), the
 * --help text (opts_help), "name=value" settings such as a configuration file's
 * (opts_apply, rows marked OPTS_CONFIG) and the effective settings (opts_format). Man
 * pages are generated from them too, so a table holds data only: every fact about an
 * option is in its row.
 *
 * Nothing here logs or exits: a refused option comes back as one line of text in
 * struct opts_result, which the caller (cli/) prints. An OPTS_STRING field points into
 * the text it was given (argv, or the caller's copy of a configuration line), which
 * must outlive the options struct.
 */
#ifndef NAD_COMMON_OPTS_H
#define NAD_COMMON_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum opts_kind {
	OPTS_HELP = 1, /* prints the help: opts_parse sets res->help and stops; no field */
	OPTS_FLAG, /* bool := true; "name=yes|no" (true/false, on/off, 1/0) */
	OPTS_SET, /* integer := .set when given ("name=yes"), .unset for "name=no" */
	OPTS_STRING, /* const char * := the argument */
	OPTS_UINT, /* unsigned integer (field of 1, 2, 4 or 8 bytes) in [.umin, .umax] */
	OPTS_NUMBER, /* double or float in [.dmin, .dmax] (.open_min: above .dmin) */
	OPTS_SECONDS, /* as OPTS_NUMBER, a duration in seconds */
	OPTS_ENUM, /* int := the value of one of .names */
	OPTS_PREFIX, /* appends a struct addr_prefix (common/addr.h) to the array at the field,
		      * its unsigned count at .count_off, at most .max_count: repeatable */
};

/* Row flags. */
#define OPTS_CONFIG 0x1u /* may be set from a configuration file (opts_apply(.., OPTS_CONFIG)) */

/* One name of an OPTS_ENUM value; a list ends with a NULL name. */
struct opts_name {
	const char *name;
	int value;
	bool alias; /* accepted, but neither listed nor printed */
};

struct opts_entry {
	const char *name; /* long option and configuration key; NULL ends the table */
	char short_name; /* 0: none */
	enum opts_kind kind;
	const char *metavar; /* "FILE"; NULL: from the kind ("N", "S", the names, "CIDR") */
	const char *help; /* one sentence; the help text appends the default */
	const char *deftext; /* shown as the default instead of the field's value; "": none */
	unsigned section; /* index into the command's sections */
	unsigned flags; /* OPTS_CONFIG */
	unsigned scope; /* the command's modes it belongs to (bits the command names); 0: all */
	size_t off, size; /* the field in the options struct (OPTS_FIELD) */
	unsigned long long umin, umax; /* OPTS_UINT */
	double dmin, dmax; /* OPTS_NUMBER, OPTS_SECONDS */
	bool open_min; /* dmin itself is refused */
	long long set, unset; /* OPTS_SET: stored for yes, for no */
	const struct opts_name *names; /* OPTS_ENUM */
	size_t count_off; /* OPTS_PREFIX: offset of the unsigned count */
	unsigned max_count; /* OPTS_PREFIX: length of the array */
};

/* .off and .size of a member of an options struct. */
#define OPTS_FIELD(type, member) .off = offsetof(type, member), .size = sizeof(((type *)0)->member)

struct opts_cmd {
	const char *name; /* "status": error lines and "see nadxdp status --help" */
	const char *synopsis; /* usage lines without "Usage: ", '\n' between */
	const char *description; /* paragraphs after the synopsis, '\n'-terminated; or NULL */
	const char *const *sections; /* titles by opts_entry.section, NULL-terminated; NULL: none */
	const char *const *scopes; /* names of the scope bits, bit 0 first (NULL-terminated) */
	const struct opts_entry *entries;
	const char *footer; /* after the options, '\n'-terminated; or NULL */
	unsigned max_args; /* positional words taken (an interface, rules' verbs) */
	size_t size; /* of the options struct */
	void (*defaults)(void *o); /* fills the options struct with the defaults */
};

#define OPTS_MAX_ENTRIES 64
#define OPTS_MAX_ARGS 8
#define OPTS_ERRLEN 256

struct opts_result {
	bool help; /* --help was given: print opts_help() and stop */
	unsigned n_args;
	char *args[OPTS_MAX_ARGS]; /* the positional words, in order */
	unsigned char seen[OPTS_MAX_ENTRIES]; /* times each row was given (saturates) */
	char err[OPTS_ERRLEN]; /* why the options were refused: one line, no newline */
};

/*
 * Parses argv (argv[0] is the command's name) into o, over what o holds (the defaults,
 * or a configuration applied on top of them); res is cleared first. Options and
 * positional words may be mixed; "--" ends the options. Long options may be
 * abbreviated as getopt_long allows. Returns 0 (res->help set if --help was given,
 * parsing stops there), or -EINVAL with res->err set.
 */
int opts_parse(const struct opts_cmd *c, int argc, char **argv, void *o, struct opts_result *res);

/*
 * Sets the option called name to value through its row's parser, as if given on the
 * command line. need: flags the row must have (OPTS_CONFIG for a configuration file,
 * 0 for any). Counts the row in res->seen. Returns 0; -ENOENT for no such option (or
 * one without need); -EINVAL for a refused value. res->err says why.
 */
int opts_apply(const struct opts_cmd *c, void *o, const char *name, const char *value,
	       unsigned need, struct opts_result *res);

/* The row of a long name, or NULL. */
const struct opts_entry *opts_find(const struct opts_cmd *c, const char *name);

/* How many times the option called name was given (0 for an unknown name). */
unsigned opts_seen(const struct opts_cmd *c, const struct opts_result *res, const char *name);

/* The first row given whose scope does not include the bits of scope, or NULL. */
const struct opts_entry *opts_outside(const struct opts_cmd *c, const struct opts_result *res,
				      unsigned scope);

/*
 * The value of e's field in o as text opts_apply() takes back: "yes"/"no" for flags,
 * an enum's name, a list of prefixes joined by ","; "" for no string. Returns 0, or
 * -ENOSPC when len is too small, -EINVAL for a row without a field.
 */
int opts_format(const struct opts_entry *e, const void *o, char *buf, size_t len);

/*
 * The value's placeholder in the help: the row's metavar, else from its kind ("N", "S",
 * "CIDR", the enum's names joined by '|'); buf (len bytes) may hold it.
 */
const char *opts_metavar(const struct opts_entry *e, char *buf, size_t len);

/*
 * The default the help shows for e into buf: its deftext, else its value in defaults
 * (NULL: none) as opts_format writes it; "" when there is none to show (flags, lists,
 * unset strings).
 */
void opts_default_text(const struct opts_entry *e, const void *defaults, char *buf, size_t len);

/*
 * Writes the --help text to f: "Usage:" and the synopsis, the description, each
 * section's options with their help and default (deftext, else the value in
 * defaults), the footer. Returns 0 or -EIO.
 */
int opts_help(const struct opts_cmd *c, const void *defaults, FILE *f);

/*
 * Checks a table against its options struct: names unique and non-empty, short letters
 * unique, every field inside the struct and of a size its kind stores, ranges ordered,
 * sections and scopes named, at most OPTS_MAX_ENTRIES rows. 0 or -EINVAL with err set.
 */
int opts_check_table(const struct opts_cmd *c, char *err, size_t len);

#endif /* NAD_COMMON_OPTS_H */
