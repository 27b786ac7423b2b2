// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * views/htmlreport.c - splices the state into the page's
 * <script id="nad-state" type="application/json"> element. Every '<' in the
 * JSON is written as \u003c, so no string in the state (evidence text comes
 * from the network) can close the element or open a comment.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "views/dashstate.h"
#include "views/htmlreport.h"
#include "views/httpd.h"

#define MARKER "<script id=\"nad-state\" type=\"application/json\">null</script>"
#define OPEN_TAG "<script id=\"nad-state\" type=\"application/json\">"

int report_write_json(struct json_object *state, const char *path)
{
	size_t page_len, json_len = 0;
	const char *page = httpd_page(&page_len), *at = strstr(page, MARKER);
	const char *json = json_object_to_json_string_length(state, JSON_C_TO_STRING_PLAIN,
							     &json_len);
	char tmp[4096];
	FILE *f = NULL;
	int err = 0;

	if (!at || !json)
		return -EINVAL;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fwrite(page, 1, (size_t)(at - page), f);
	fputs(OPEN_TAG, f);
	for (size_t i = 0; i < json_len; i++) {
		if (json[i] == '<')
			fputs("\\u003c", f);
		else
			fputc(json[i], f);
	}
	fputs("</script>", f);
	at += strlen(MARKER);
	fwrite(at, 1, page_len - (size_t)(at - page), f);
	if (ferror(f))
		err = -EIO;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

int report_write(struct dashstate *ds, const char *path)
{
	struct dashstate_snap *s = dashstate_snap_new(ds);
	struct json_object *j = NULL;
	int err = -ENOMEM;

	if (!s)
		return -errno;
	err = dashstate_snapshot(ds, s);
	if (!err) {
		j = dashstate_snap_to_json(s);
		err = j ? report_write_json(j, path) : -ENOMEM;
	}
	json_object_put(j);
	dashstate_snap_free(s);
	return err;
}
