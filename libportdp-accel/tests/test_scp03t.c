// SPDX-License-Identifier: Apache-2.0
/*
 * SCP03t and the SGP.22 KDF against vectors/bsp.json, plus round trips at
 * every size, the exact segment limits, tampering and replay.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/evp.h>

#include "portdp/accel.h"
#include "portdp/scp03t.h"
#include "test_util.h"

static json_t *vectors;

static int load_vectors(void **state)
{
	json_error_t err;

	(void)state;
	vectors = json_load_file(td_path("vectors/bsp.json"), 0, &err);
	if (!vectors)
		fprintf(stderr, "# bsp.json: %s\n", err.text);
	return vectors ? 0 : -1;
}

static int free_vectors(void **state)
{
	(void)state;
	json_decref(vectors);
	return 0;
}

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	assert_non_null(s);
	return s;
}

static void test_kdf_vectors(void **state)
{
	json_t *arr = json_object_get(vectors, "kdf"), *v;
	size_t i;

	(void)state;
	assert_true(json_array_size(arr) >= 2);
	json_array_foreach(arr, i, v)
	{
		uint8_t eid[16], enc[16], mac[16], mcv[16], *z, *host;
		size_t zlen, hlen;
		struct pdp_scp03t s;

		assert_string_equal(str(v, "key_type"), "88");
		assert_int_equal(json_integer_value(json_object_get(v, "key_length")), 16);
		z = td_unhex(str(v, "shared_secret"), &zlen);
		host = td_unhex(str(v, "host_id"), &hlen);
		td_unhex_into(str(v, "eid"), eid, 16);
		td_unhex_into(str(v, "s_enc"), enc, 16);
		td_unhex_into(str(v, "s_mac"), mac, 16);
		td_unhex_into(str(v, "initial_mac_chaining_value"), mcv, 16);
		assert_int_equal(pdp_sgp22_derive(z, zlen, host, hlen, eid, &s), 0);
		assert_memory_equal(s.s_enc, enc, 16);
		assert_memory_equal(s.s_mac, mac, 16);
		assert_memory_equal(s.mcv, mcv, 16);
		assert_int_equal(s.counter, 1);
		/* A different EID must give different keys. */
		eid[15] ^= 1;
		assert_int_equal(pdp_sgp22_derive(z, zlen, host, hlen, eid, &s), 0);
		assert_memory_not_equal(s.s_enc, enc, 16);
		free(z);
		free(host);
	}
}

static void test_kdf_bad_args(void **state)
{
	uint8_t z[32] = {1}, host[17] = {0}, eid[16] = {0}, out[48];
	struct pdp_scp03t s;

	(void)state;
	assert_int_equal(pdp_sgp22_derive(z, 32, host, 0, eid, &s), -EINVAL);
	assert_int_equal(pdp_sgp22_derive(z, 32, host, 17, eid, &s), -EINVAL);
	assert_int_equal(pdp_sgp22_derive(z, 32, NULL, 8, eid, &s), -EINVAL);
	assert_int_equal(pdp_x963_kdf_sha256(z, 0, NULL, 0, out, 48), -EINVAL);
	assert_int_equal(pdp_x963_kdf_sha256(z, 32, NULL, 0, out, 48), 0);
}

/* Steps run in order; a step with new keys starts a fresh instance (ciphering_note). */
static void test_ciphering_vectors(void **state)
{
	json_t *arr = json_object_get(vectors, "ciphering"), *v;
	struct pdp_scp03t s = {0}, peer = {0};
	uint8_t enc[16], mac[16], mcv[16];
	size_t i;
	int have = 0;

	(void)state;
	assert_true(json_array_size(arr) >= 5);
	json_array_foreach(arr, i, v)
	{
		uint8_t *plain, *exp, out[PDP_BSP_MAX_SEGMENT], back[PDP_BSP_MAX_SEGMENT], tag;
		size_t plen, elen, olen = sizeof(out), blen = sizeof(back);
		const char *op = str(v, "op");
		unsigned t;

		td_unhex_into(str(v, "s_enc"), enc, 16);
		td_unhex_into(str(v, "s_mac"), mac, 16);
		td_unhex_into(str(v, "mac_chaining_value"), mcv, 16);
		if (!have || memcmp(enc, s.s_enc, 16) || memcmp(mac, s.s_mac, 16)) {
			pdp_scp03t_init(&s, enc, mac, mcv);
			pdp_scp03t_init(&peer, enc, mac, mcv);
			have = 1;
		}
		assert_int_equal(sscanf(str(v, "tag"), "%x", &t), 1);
		plain = td_unhex(str(v, "plaintext"), &plen);
		exp = td_unhex(str(v, "expected"), &elen);
		if (!strcmp(op, "mac_only"))
			assert_int_equal(t, PDP_BSP_TAG_MAC);
		else
			assert_true(!strcmp(op, "encrypt_and_mac") ||
				    !strcmp(op, "encrypt_and_mac_one"));
		assert_int_equal(pdp_scp03t_seal(&s, t, plain, plen, out, &olen), 0);
		assert_int_equal(olen, elen);
		assert_memory_equal(out, exp, elen);
		/* The eUICC side recovers the plaintext from the expected bytes. */
		assert_int_equal(pdp_scp03t_open(&peer, exp, elen, &tag, back, &blen), 0);
		assert_int_equal(tag, t);
		assert_int_equal(blen, plen);
		assert_memory_equal(back, plain, plen);
		assert_int_equal(peer.counter, s.counter);
		free(plain);
		free(exp);
	}
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 31 + seed);
}

static void test_round_trip_all_sizes(void **state)
{
	static const uint8_t tags[] = {0x86, 0x87, 0x88};
	uint8_t k1[16], k2[16], k3[16], in[1100], out[1100], back[1100], tag;
	struct pdp_scp03t a, b;
	size_t t, n;

	(void)state;
	fill(k1, 16, 1);
	fill(k2, 16, 2);
	fill(k3, 16, 3);
	pdp_scp03t_init(&a, k1, k2, k3);
	pdp_scp03t_init(&b, k1, k2, k3);
	for (t = 0; t < sizeof(tags); t++) {
		size_t max = pdp_bsp_max_plain(tags[t]);

		assert_int_equal(max, tags[t] == 0x88 ? 1008 : 1007);
		for (n = 1; n <= max; n++) {
			size_t olen = sizeof(out), blen = sizeof(back);

			fill(in, n, n + t);
			assert_int_equal(pdp_scp03t_seal(&a, tags[t], in, n, out, &olen), 0);
			assert_int_equal(olen, pdp_bsp_segment_len(tags[t], n));
			assert_true(olen <= PDP_BSP_MAX_SEGMENT);
			assert_int_equal(out[0], tags[t]);
			if (tags[t] != 0x88)
				assert_memory_not_equal(out + olen - 8 - 16,
							in + (n > 16 ? n - 16 : 0),
							n > 16 ? 16 : n);
			assert_int_equal(pdp_scp03t_open(&b, out, olen, &tag, back, &blen), 0);
			assert_int_equal(tag, tags[t]);
			assert_int_equal(blen, n);
			assert_memory_equal(back, in, n);
		}
		/* The limit fills a whole 1020-byte segment exactly. */
		assert_int_equal(pdp_bsp_segment_len(tags[t], max), PDP_BSP_MAX_SEGMENT);
	}
	assert_int_equal(a.counter, 1 + 1007 + 1007 + 1008);
	assert_int_equal(b.counter, a.counter);
	assert_memory_equal(a.mcv, b.mcv, 16);
}

static void test_limits_rejected(void **state)
{
	uint8_t k[16] = {0}, in[1100] = {0}, out[1100];
	struct pdp_scp03t s, saved;
	size_t olen;

	(void)state;
	pdp_scp03t_init(&s, k, k, k);
	saved = s;
	olen = sizeof(out);
	assert_int_equal(pdp_scp03t_seal(&s, 0x86, in, 1008, out, &olen), -EINVAL);
	assert_int_equal(pdp_scp03t_seal(&s, 0x87, in, 1008, out, &olen), -EINVAL);
	assert_int_equal(pdp_scp03t_seal(&s, 0x88, in, 1009, out, &olen), -EINVAL);
	assert_int_equal(pdp_scp03t_seal(&s, 0x87, in, 0, out, &olen), -EINVAL);
	assert_int_equal(pdp_scp03t_seal(&s, 0x85, in, 10, out, &olen), -EINVAL);
	olen = 1019;
	assert_int_equal(pdp_scp03t_seal(&s, 0x86, in, 1007, out, &olen), -ENOSPC);
	assert_memory_equal(&s, &saved, sizeof(s)); /* nothing changed */
	olen = 1020;
	assert_int_equal(pdp_scp03t_seal(&s, 0x86, in, 1007, out, &olen), 0);
	assert_int_equal(olen, 1020);
	assert_int_equal(s.counter, 2);
	assert_int_equal(pdp_bsp_max_plain(0x89), 0);
}

static void test_tamper_and_replay(void **state)
{
	static const uint8_t tags[] = {0x86, 0x87, 0x88};
	uint8_t k1[16], k2[16], k3[16], in[300], seg[400], bad[400], back[400], tag;
	struct pdp_scp03t a, b, saved;
	size_t t, i, olen, blen;

	(void)state;
	fill(k1, 16, 7);
	fill(k2, 16, 8);
	fill(k3, 16, 9);
	fill(in, sizeof(in), 5);
	pdp_scp03t_init(&a, k1, k2, k3);
	pdp_scp03t_init(&b, k1, k2, k3);
	for (t = 0; t < sizeof(tags); t++) {
		olen = sizeof(seg);
		assert_int_equal(pdp_scp03t_seal(&a, tags[t], in, 200, seg, &olen), 0);
		saved = b;
		/* Every flipped bit after the header must fail the MAC. */
		for (i = 3; i < olen; i++) {
			memcpy(bad, seg, olen);
			bad[i] ^= 0x01 << (i % 8);
			blen = sizeof(back);
			assert_int_equal(pdp_scp03t_open(&b, bad, olen, &tag, back, &blen),
					 -EBADMSG);
			assert_memory_equal(&b, &saved, sizeof(b));
		}
		/* Another tag with the same bytes is another MAC input. */
		memcpy(bad, seg, olen);
		bad[0] = tags[(t + 1) % 3];
		blen = sizeof(back);
		if (tags[t] != 0x88 && bad[0] != 0x88)
			assert_int_equal(pdp_scp03t_open(&b, bad, olen, &tag, back, &blen),
					 -EBADMSG);
		/* Truncated / lengthened: malformed. */
		blen = sizeof(back);
		assert_int_equal(pdp_scp03t_open(&b, seg, olen - 1, &tag, back, &blen), -EINVAL);
		blen = 10;
		assert_int_equal(pdp_scp03t_open(&b, seg, olen, &tag, back, &blen), -ENOSPC);
		assert_memory_equal(&b, &saved, sizeof(b));
		blen = sizeof(back);
		assert_int_equal(pdp_scp03t_open(&b, seg, olen, &tag, back, &blen), 0);
		assert_int_equal(blen, 200);
		/* Replaying the same segment fails: the chaining value moved on. */
		blen = sizeof(back);
		assert_int_equal(pdp_scp03t_open(&b, seg, olen, &tag, back, &blen), -EBADMSG);
	}
}

/* ---- The whole-BPP trace (bpp_decode): decoding it must work with open(). */

struct tlv {
	unsigned tag;
	const uint8_t *val, *start;
	size_t len, total;
};

static int tlv_next(const uint8_t *p, size_t n, struct tlv *t)
{
	size_t h = 1, len;

	if (n < 2)
		return -1;
	t->tag = p[0];
	if ((p[0] & 0x1f) == 0x1f) {
		t->tag = t->tag << 8 | p[1];
		h = 2;
	}
	if (p[h] < 0x80) {
		len = p[h];
		h += 1;
	} else if (p[h] == 0x81) {
		len = p[h + 1];
		h += 2;
	} else if (p[h] == 0x82) {
		len = (size_t)p[h + 1] << 8 | p[h + 2];
		h += 3;
	} else {
		return -1;
	}
	if (h + len > n)
		return -1;
	t->start = p;
	t->val = p + h;
	t->len = len;
	t->total = h + len;
	return 0;
}

static uint8_t *b64(const char *s, size_t *len)
{
	size_t n = strlen(s);
	uint8_t *out = malloc(n);
	int m;

	assert_non_null(out);
	m = EVP_DecodeBlock(out, (const uint8_t *)s, n);
	assert_true(m > 0);
	while (n && s[n - 1] == '=') {
		m--;
		n--;
	}
	*len = m;
	return out;
}

/*
 * Open every segment inside one of A0/A1/A3. The trace wraps each segment once
 * more ([n] OCTET STRING holding the whole 8x TLV), so unwrap one level.
 */
static size_t open_all(struct pdp_scp03t *s, const struct tlv *box, uint8_t *out)
{
	size_t off = 0, total = 0;
	struct tlv outer, inner;

	while (off < box->len) {
		uint8_t tag;
		size_t n = 2048;

		assert_int_equal(tlv_next(box->val + off, box->len - off, &outer), 0);
		assert_int_equal(tlv_next(outer.val, outer.len, &inner), 0);
		assert_int_equal(inner.total, outer.len);
		assert_int_equal(
		    pdp_scp03t_open(s, inner.start, inner.total, &tag, out + total, &n), 0);
		assert_int_equal(tag, outer.tag);
		total += n;
		off += outer.total;
	}
	return total;
}

static void test_bpp_decode_trace(void **state)
{
	json_t *v = json_object_get(vectors, "bpp_decode");
	uint8_t enc[16], mac[16], mcv[16], *bpp, *upp, *exp, *buf;
	struct tlv top, t;
	size_t bpp_len, upp_len, elen, off, n;
	struct pdp_scp03t sess, ppk;
	int seen = 0;

	(void)state;
	assert_non_null(v);
	bpp = b64(str(v, "bpp_base64"), &bpp_len);
	upp = b64(str(v, "upp_base64"), &upp_len);
	buf = malloc(bpp_len);
	assert_non_null(buf);
	td_unhex_into(str(v, "session_s_enc"), enc, 16);
	td_unhex_into(str(v, "session_s_mac"), mac, 16);
	td_unhex_into(str(v, "session_mac_chaining_value"), mcv, 16);
	pdp_scp03t_init(&sess, enc, mac, mcv);
	td_unhex_into(str(v, "ppk_enc"), enc, 16);
	td_unhex_into(str(v, "ppk_mac"), mac, 16);
	td_unhex_into(str(v, "ppk_mac_chaining_value"), mcv, 16);
	pdp_scp03t_init(&ppk, enc, mac, mcv);

	assert_int_equal(tlv_next(bpp, bpp_len, &top), 0);
	assert_int_equal(top.tag, 0xbf36);
	for (off = 0; off < top.len; off += t.total) {
		assert_int_equal(tlv_next(top.val + off, top.len - off, &t), 0);
		switch (t.tag) {
		case 0xa0:
			n = open_all(&sess, &t, buf);
			exp = td_unhex(str(v, "configure_isdp_plain"), &elen);
			assert_int_equal(n, elen);
			assert_memory_equal(buf, exp, elen);
			free(exp);
			seen |= 1;
			break;
		case 0xa1:
			n = open_all(&sess, &t, buf);
			exp = td_unhex(str(v, "store_metadata_plain"), &elen);
			assert_int_equal(n, elen);
			assert_memory_equal(buf, exp, elen);
			free(exp);
			seen |= 2;
			break;
		case 0xa3:
			n = open_all(&ppk, &t, buf);
			assert_int_equal(n, upp_len);
			assert_memory_equal(buf, upp, upp_len);
			seen |= 4;
			break;
		}
	}
	assert_int_equal(seen, 7);
	free(buf);
	free(bpp);
	free(upp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kdf_vectors),	      cmocka_unit_test(test_kdf_bad_args),
	    cmocka_unit_test(test_ciphering_vectors), cmocka_unit_test(test_round_trip_all_sizes),
	    cmocka_unit_test(test_limits_rejected),   cmocka_unit_test(test_tamper_and_replay),
	    cmocka_unit_test(test_bpp_decode_trace),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, load_vectors, free_vectors);
}
