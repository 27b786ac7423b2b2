// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_vector.c - the model vector: its names and the one vectoriser the engine uses too.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>

#include "detect/engine.h"
#include "features/features.h"
#include "features/vector.h"
#include "helpers/recstream.h"

#define T0 1700000000000000000ull
#define MS 1000000ull
#define SEC 1000000000ull

Test(vector, names_start_with_the_twelve_features_but_the_address_hashes_in_their_order)
{
	for (int i = FEAT_PACKET_SIZE; i < FEAT_N_BASE; i++)
		cr_expect_str_eq(vector_names[i - FEAT_PACKET_SIZE], features_names[i],
				 "feature %d", i);
	cr_expect_str_eq(vector_names[VEC_SRC_DST_PORTS], "src_dst_ports");
	cr_expect_str_eq(vector_names[VEC_SRC_DST_HOSTS], "src_dst_hosts");
	cr_expect_str_eq(vector_names[VEC_SRC_HOME], "src_home");
	cr_expect_str_eq(vector_names[VEC_SRC_PAIR_AUTH_FAILS], "src_pair_auth_fails");
	cr_expect_eq(VECTOR_DIM, 19);
	cr_expect_eq(features_sample_group(vector_names, VECTOR_DIM), VEC_PROTOCOL,
		     "the forest's samples of the model vector are grouped by protocol");
	for (int i = 0; i < VECTOR_DIM; i++)
		for (int j = 0; j < i; j++)
			cr_expect_str_neq(vector_names[i], vector_names[j]);
}

/* The engine's vectors (what --vectors-out writes and training reads) are the vectoriser's. */
Test(vector, a_vectorizer_of_its_own_gives_the_engines_vectors)
{
	struct recstream rs, f;
	struct engine_opts o;
	struct engine *e;
	struct vectorizer *vz = vectorizer_new(NULL);
	float *ve, v[VECTOR_DIM];
	size_t diff = 0;

	cr_assert_not_null(vz);
	rs_init(&rs, T0);
	rs_benign(&rs, 5, 60, 7);
	rs_init(&f, T0 + 10 * SEC);
	rs_attacks(&f);
	rs_merge(&rs, &f);
	engine_opts_default(&o);
	o.summary_interval_s = -1;
	e = engine_new(&o, NULL, NULL);
	cr_assert_not_null(e);
	ve = calloc(rs.n * VECTOR_DIM, sizeof(float));
	cr_assert_not_null(ve);
	engine_process_batch(e, rs.recs, rs.n, NULL, ve);
	for (size_t i = 0; i < rs.n; i++) {
		vectorizer_next(vz, &rs.recs[i], v, NULL);
		diff += memcmp(v, &ve[i * VECTOR_DIM], sizeof(v)) != 0;
	}
	cr_expect_eq(diff, 0, "%zu of %zu vectors differ", diff, rs.n);
	free(ve);
	engine_free(e);
	vectorizer_free(vz);
	rs_free(&f);
	rs_free(&rs);
}

Test(vector, context_features_are_the_logged_ports_and_hosts)
{
	struct vectorizer *vz = vectorizer_new(NULL);
	struct context_figures fig;
	struct recstream rs;
	float v[VECTOR_DIM];

	cr_assert_not_null(vz);
	rs_init(&rs, T0);
	for (unsigned p = 1; p <= 40; p++)
		rs_add(&rs, MS, "203.0.113.66", "192.168.1.10", IPPROTO_TCP, 50000, (uint16_t)p,
		       0x02, 0);
	for (size_t i = 0; i < rs.n; i++)
		vectorizer_next(vz, &rs.recs[i], v, &fig);
	cr_expect_float_eq(v[VEC_SRC_DST_PORTS], (float)log1p(fig.src_dst_ports), 1e-6);
	cr_expect_float_eq(v[VEC_SRC_DST_HOSTS], (float)log1p(1), 1e-6);
	cr_expect_geq(fig.src_dst_ports, 35);
	cr_expect_leq(fig.src_dst_ports, 45);
	cr_expect_eq(v[VEC_DST_PORT], 40);
	vectorizer_free(vz);
	rs_free(&rs);
}

/* Roles and directions: a SYN, its SYN-ACK and the completing ACK; a SYN-ACK nobody asked for. */
Test(vector, role_features_follow_the_connection)
{
	struct vectorizer *vz = vectorizer_new(NULL);
	struct recstream rs;
	float v[4][VECTOR_DIM];

	cr_assert_not_null(vz);
	rs_init(&rs, T0);
	rs_add(&rs, MS, "192.168.1.10", "203.0.113.5", IPPROTO_TCP, 40000, 443, 0x02, 0);
	rs_add(&rs, MS, "203.0.113.5", "192.168.1.10", IPPROTO_TCP, 443, 40000, 0x12, 0);
	rs_add(&rs, MS, "192.168.1.10", "203.0.113.5", IPPROTO_TCP, 40000, 443, 0x10, 0);
	rs_add(&rs, MS, "198.51.100.7", "192.168.1.10", IPPROTO_TCP, 80, 41000, 0x12, 0);
	for (size_t i = 0; i < rs.n; i++)
		vectorizer_next(vz, &rs.recs[i], v[i], NULL);
	cr_expect_eq(v[0][VEC_SRC_HOME], 1);
	cr_expect_eq(v[0][VEC_DST_HOME], 0);
	cr_expect_eq(v[0][VEC_FROM_CLIENT], 1);
	cr_expect_eq(v[0][VEC_ESTABLISHED], 0);
	cr_expect_eq(v[1][VEC_SRC_HOME], 0);
	cr_expect_eq(v[1][VEC_FROM_CLIENT], 0, "the server answers");
	cr_expect_eq(v[1][VEC_UNSOLICITED], 0);
	cr_expect_eq(v[2][VEC_FROM_CLIENT], 1);
	cr_expect_eq(v[2][VEC_ESTABLISHED], 1, "the client completed the handshake");
	cr_expect_eq(v[3][VEC_UNSOLICITED], 1, "a SYN-ACK nobody asked for");
	cr_expect_float_eq(v[2][VEC_SRC_PAIR_CONNS], v[0][VEC_SRC_PAIR_CONNS], 0.05);
	cr_expect_gt(v[0][VEC_SRC_PAIR_CONNS], 0);
	vectorizer_free(vz);
	rs_free(&rs);
}

/* A record older than the newest counts at the newest time: its interval is 0. */
Test(vector, time_never_runs_backwards)
{
	struct vectorizer *vz = vectorizer_new(NULL);
	struct recstream rs;
	float v[VECTOR_DIM];

	cr_assert_not_null(vz);
	rs_init(&rs, T0);
	rs_add(&rs, 0, "192.168.1.2", "192.168.1.1", IPPROTO_UDP, 40000, 53, 0, 30);
	rs_add(&rs, SEC, "192.168.1.2", "192.168.1.1", IPPROTO_UDP, 40000, 53, 0, 30);
	rs_add(&rs, SEC, "192.168.1.2", "192.168.1.1", IPPROTO_UDP, 40000, 53, 0, 30);
	rs.recs[2].ts_ns = T0; /* two seconds early */
	vectorizer_next(vz, &rs.recs[0], v, NULL);
	vectorizer_next(vz, &rs.recs[1], v, NULL);
	cr_expect_float_eq(v[VEC_INTERVAL], 1.0f, 1e-6);
	vectorizer_next(vz, &rs.recs[2], v, NULL);
	cr_expect_eq(v[VEC_INTERVAL], 0.0f);
	vectorizer_free(vz);
	rs_free(&rs);
}
