// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers/domcheck.h"
#include "views/dashstate.h"

const char *const domcheck_views[] = { "view-rate",  "view-timeline",	"view-severity",
				       "view-sizes", "view-types",	"view-kernel",
				       "view-rules", "view-thresholds", "view-alerts" };
const size_t domcheck_n_views = sizeof(domcheck_views) / sizeof(domcheck_views[0]);

void domcheck_views_rendered(const char *dom)
{
	for (size_t i = 0; i < domcheck_n_views; i++) {
		char id[64];
		const char *p, *tag_end, *items;

		snprintf(id, sizeof(id), "id=\"%s\"", domcheck_views[i]);
		p = strstr(dom, id);
		cr_assert_not_null(p, "no %s in the DOM", domcheck_views[i]);
		tag_end = strchr(p, '>');
		items = strstr(p, "data-items=\"");
		cr_assert(items && items < tag_end, "%s was not rendered", domcheck_views[i]);
		cr_assert_gt(atoi(items + 12), 0, "%s rendered without data", domcheck_views[i]);
	}
}

/* The HTML entities the page's text escaping produces, back to characters. */
static void unescape(char *s)
{
	static const char *const ent[][2] = { { "&lt;", "<" },
					      { "&gt;", ">" },
					      { "&quot;", "\"" },
					      { "&#39;", "'" },
					      { "&amp;", "&" } };
	char *w = s;

	while (*s) {
		size_t i;

		for (i = 0; i < sizeof(ent) / sizeof(*ent); i++)
			if (!strncmp(s, ent[i][0], strlen(ent[i][0]))) {
				*w++ = ent[i][1][0];
				s += strlen(ent[i][0]);
				break;
			}
		if (i == sizeof(ent) / sizeof(*ent))
			*w++ = *s++;
	}
	*w = '\0';
}

unsigned domcheck_compare(const char *dom, struct json_object *state, double tol)
{
	unsigned n = 0;

	for (const char *p = strstr(dom, "data-k=\""); p; p = strstr(p + 1, "data-k=\"")) {
		char path[128], text[512];
		const char *q = p + 8, *end = strchr(q, '"'), *gt, *lt;
		struct json_object *v;

		cr_assert_not_null(end);
		cr_assert_lt((size_t)(end - q), sizeof(path));
		memcpy(path, q, (size_t)(end - q));
		path[end - q] = '\0';
		gt = strchr(end, '>');
		lt = gt ? strchr(gt, '<') : NULL;
		cr_assert_not_null(lt);
		cr_assert_lt((size_t)(lt - gt - 1), sizeof(text));
		memcpy(text, gt + 1, (size_t)(lt - gt - 1));
		text[lt - gt - 1] = '\0';
		if (!strcmp(path, "json.path")) /* the page's own comment about data-k */
			continue;
		unescape(text);
		v = dashstate_json_get(state, path);
		cr_assert_not_null(v, "DOM shows %s which the JSON lacks", path);
		if (json_object_is_type(v, json_type_int)) {
			cr_assert_eq(strtoll(text, NULL, 10), json_object_get_int64(v),
				     "%s: DOM %s, JSON %lld", path, text,
				     (long long)json_object_get_int64(v));
			cr_assert_neq(text[0], '\0', "%s is empty in the DOM", path);
		} else if (json_object_is_type(v, json_type_double)) {
			cr_assert_float_eq(strtod(text, NULL), json_object_get_double(v), tol,
					   "%s: DOM %s", path, text);
		} else {
			cr_assert_str_eq(text, json_object_get_string(v), "%s", path);
		}
		n++;
	}
	return n;
}
