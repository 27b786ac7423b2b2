/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * domcheck.h - checks of the dashboard page as a browser rendered it (chromium
 * --dump-dom) against the /api/state JSON it was drawn from, for the browser and
 * live tests.
 */
#ifndef NAD_TEST_DOMCHECK_H
#define NAD_TEST_DOMCHECK_H

#include <stddef.h>
#include <json-c/json.h>

/* The views of the page, by element id. */
extern const char *const domcheck_views[];
extern const size_t domcheck_n_views;

/* Asserts every view is in the DOM and rendered at least one item (data-items). */
void domcheck_views_rendered(const char *dom);

/*
 * Asserts that every element carrying data-k="path" shows the JSON's value at path:
 * integers and strings exactly, doubles within tol. Returns how many were compared.
 */
unsigned domcheck_compare(const char *dom, struct json_object *state, double tol);

#endif
