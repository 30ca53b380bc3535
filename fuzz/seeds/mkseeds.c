// SPDX-License-Identifier: Apache-2.0
/*
 * mkseeds: writes the generated seed inputs of the fuzz corpora
 * (fuzz/corpus/<harness>/seed-*) from real messages: the rsp tests' sample
 * encoding of every SGP.22 message (real SGP.26 certificates inside), the
 * ES9+ JSON requests and HTTP requests that carry them, and one request of
 * each card opcode, the recorded BPP of testdata/vectors/bsp.json. `make
 * fuzz-seeds` runs it; the output is committed.
 * Usage: mkseeds CORPUS_DIR (with SHARED set to the repository root).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>

#include "b64.h"
#include "card/portdp_card.h"
#include "samples.h"

static const char *root;

static void put(const char *harness, const char *name, const void *p, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, harness);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/seed-%s", root, harness, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, len, f) != len || fclose(f)) {
		fprintf(stderr, "mkseeds: %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

static char *b64(const uint8_t *p, size_t len)
{
	char *t;

	if (rsp_b64_encode(p, len, &t) < 0)
		exit(1);
	return t;
}

/* The harnesses of single messages; sgp22_all gets every sample. */
static const char *const own_harness[] = {
    "euicc_info1", "auth_server_resp",	  "prepare_download_resp", "pending_notification",
    "pir",	   "cancel_session_resp",
};

/* ES9+ request bodies around the samples, as an LPA sends them. */
static char *es9_body(const struct sample *s, const char **path)
{
	static const char tid[] = "0123456789ABCDEF0123456789ABCDEF";
	char *t = b64(s->der, s->len), *body = NULL;
	int n = -1;

	*path = NULL;
	if (!strcmp(s->name, "euicc_info1")) {
		*path = "initiateAuthentication";
		n = asprintf(
		    &body,
		    "{\"euiccChallenge\":\"ZVVJQ0MtY2hhbGxlbmdlIQ==\",\"euiccInfo1\":\"%s\","
		    "\"smdpAddress\":\"testsmdpplus1.example.com\"}",
		    t);
	} else if (!strcmp(s->name, "auth_server_resp")) {
		*path = "authenticateClient";
		n = asprintf(&body,
			     "{\"transactionId\":\"%s\",\"authenticateServerResponse\":\"%s\"}",
			     tid, t);
	} else if (!strcmp(s->name, "prepare_download_resp")) {
		*path = "getBoundProfilePackage";
		n = asprintf(&body, "{\"transactionId\":\"%s\",\"prepareDownloadResponse\":\"%s\"}",
			     tid, t);
	} else if (!strcmp(s->name, "pending_notification")) {
		*path = "handleNotification";
		n = asprintf(&body, "{\"pendingNotification\":\"%s\"}", t);
	} else if (!strcmp(s->name, "cancel_session_resp")) {
		*path = "cancelSession";
		n = asprintf(&body, "{\"transactionId\":\"%s\",\"cancelSessionResponse\":\"%s\"}",
			     tid, t);
	}
	free(t);
	return n < 0 ? NULL : body;
}

static void http_seed(const char *name, const char *path, const char *body, int pipelined)
{
	char *req = NULL;
	int n, i;
	size_t len;

	n = asprintf(
	    &req,
	    "POST /gsma/rsp2/es9plus/%s HTTP/1.1\r\nHost: testsmdpplus1.example.com\r\n"
	    "User-Agent: gsma-rsp-lpad\r\nX-Admin-Protocol: gsma/rsp/v2.2.0\r\n"
	    "Content-Type: application/json;charset=UTF-8\r\nContent-Length: %zu\r\n\r\n%s",
	    path, strlen(body), body);
	if (n < 0)
		exit(1);
	len = 4 + (size_t)n * (pipelined ? 2 : 1);
	{
		uint8_t *buf = malloc(len);

		/* Cut points: mid-header and mid-body. */
		buf[0] = (uint8_t)(n / 3 >> 8), buf[1] = (uint8_t)(n / 3);
		buf[2] = (uint8_t)((n - 5) >> 8), buf[3] = (uint8_t)(n - 5);
		for (i = 0; i < (pipelined ? 2 : 1); i++)
			memcpy(buf + 4 + (size_t)i * n, req, n);
		put("http", name, buf, len);
		free(buf);
	}
	free(req);
}

static void sgp22_seeds(void)
{
	struct sample s[40];
	size_t n = samples_build(s, 40), i, k;

	for (i = 0; i < n; i++) {
		unsigned same = 0; /* earlier samples of this message (ok, then error forms) */
		char name[96];
		const char *path;
		char *body;

		for (k = 0; k < i; k++)
			same += !strcmp(s[k].name, s[i].name);
		snprintf(name, sizeof(name), "%s-%u", s[i].name, same);
		put("sgp22_all", name, s[i].der, s[i].len);
		for (k = 0; k < sizeof(own_harness) / sizeof(own_harness[0]); k++) {
			char h[64];

			snprintf(h, sizeof(h), "sgp22_%s", own_harness[k]);
			if (!strcmp(s[i].name, own_harness[k]))
				put(h, name, s[i].der, s[i].len);
		}
		/* A PIR alone is also what handleNotification carries. */
		if (!strcmp(s[i].name, "pir"))
			put("sgp22_pending_notification", name, s[i].der, s[i].len);
		body = es9_body(&s[i], &path);
		if (body) {
			put("json", name, body, strlen(body));
			http_seed(name, path, body, 0);
			if (!strcmp(s[i].name, "euicc_info1")) {
				char *t = b64(s[i].der, s[i].len);

				put("b64", name, t, strlen(t));
				free(t);
				http_seed("pipelined", path, body, 1);
			}
			free(body);
		}
		if (!strcmp(s[i].name, "cancel_session_resp") ||
		    !strcmp(s[i].name, "prepare_download_resp")) {
			char *t = b64(s[i].der, s[i].len);

			put("b64", name, t, strlen(t));
			free(t);
		}
	}
	samples_free(s, n);
}

/* One message (2-byte length + header + body) of the card harness. */
static size_t card_msg(uint8_t *out, uint16_t opcode, uint32_t tag, const void *body, size_t len)
{
	struct pdc_hdr h = {PDC_MAGIC_REQ, PDC_PROTO_VERSION, opcode, tag, 0, (uint16_t)len};
	size_t n = sizeof(h) + len;

	out[0] = (uint8_t)n, out[1] = (uint8_t)(n >> 8);
	memcpy(out + 2, &h, sizeof(h));
	memcpy(out + 2 + sizeof(h), body, len);
	return 2 + n;
}

static void card_seeds(void)
{
	uint8_t g[PDC_PUBKEY_LEN], buf[4 * PDC_MAX_MSG], data[2048] = {0};
	EC_GROUP *grp = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	size_t n;

	/* A valid peer point: the P-256 generator. */
	if (!grp ||
	    EC_POINT_point2oct(grp, EC_GROUP_get0_generator(grp), POINT_CONVERSION_UNCOMPRESSED, g,
			       sizeof(g), NULL) != sizeof(g))
		exit(1);
	EC_GROUP_free(grp);
#define ONE(name, op, body, len)                                                                   \
	do {                                                                                       \
		n = card_msg(buf, op, 1, body, len);                                               \
		put("card", name, buf, n);                                                         \
	} while (0)
	ONE("get-info", PDC_OP_GET_INFO, NULL, 0);
	ONE("counters", PDC_OP_GET_COUNTERS, NULL, 0);
	ONE("key-list", PDC_OP_KEY_LIST, NULL, 0);
	{
		struct pdc_random_req r = {.len = 32};

		ONE("random", PDC_OP_RANDOM, &r, sizeof(r));
	}
	{
		struct pdc_slot_req r = {.slot = 1};

		ONE("key-public", PDC_OP_KEY_GET_PUBLIC, &r, sizeof(r));
	}
	{
		struct pdc_ecdsa_verify_req v = {.curve = PDC_CURVE_P256, .digest_len = 32};

		memcpy(v.pub, g, sizeof(g));
		ONE("ecdsa-verify", PDC_OP_ECDSA_VERIFY, &v, sizeof(v));
	}
	{
		struct pdc_ecdh_raw_req e = {.curve = PDC_CURVE_P256};

		e.priv[31] = 7;
		memcpy(e.peer_pub, g, sizeof(g));
		ONE("ecdh-raw-shared", PDC_OP_ECDH_RAW_SHARED, &e, sizeof(e));
	}
	{
		uint8_t b[sizeof(struct pdc_aes_cbc_req) + 64] = {0};
		struct pdc_aes_cbc_req a = {.key_len = 16, .dir = 1, .data_len = 64};

		memcpy(b, &a, sizeof(a));
		ONE("aes-cbc", PDC_OP_AES_CBC, b, sizeof(b));
	}
	{
		uint8_t b[sizeof(struct pdc_aes_cmac_req) + 33] = {0};
		struct pdc_aes_cmac_req a = {.key_len = 32, .flags = 1, .data_len = 33};

		memcpy(b, &a, sizeof(a));
		ONE("aes-cmac", PDC_OP_AES_CMAC, b, sizeof(b));
	}
	/* A sequence: a key in slot 5, a signature with it, ECDH with it, a
	 * session (handle guessed as the card's first), a seal, then cleanup. */
	{
		struct pdc_key_generate_req kg = {.slot = 5, .curve = PDC_CURVE_P256};
		struct pdc_ecdsa_sign_req sg = {.slot = 5, .digest_len = 32};
		struct pdc_ecdh_slot_req es = {.slot = 5};
		struct pdc_session_create_req sc = {.curve = PDC_CURVE_P256, .host_id_len = 4};
		struct pdc_bsp_seal_req bs = {.handle = 1, .tag = 0x88, .in_len = 16};
		struct pdc_session_req cl = {.handle = 1};
		struct pdc_slot_req ds = {.slot = 5};
		size_t at = 0;

		memcpy(es.peer_pub, g, sizeof(g));
		memcpy(sc.peer_pub, g, sizeof(g));
		memcpy(sc.host_id, "host", 4);
		memcpy(data, &bs, sizeof(bs));
		at += card_msg(buf + at, PDC_OP_KEY_GENERATE, 2, &kg, sizeof(kg));
		at += card_msg(buf + at, PDC_OP_ECDSA_SIGN, 3, &sg, sizeof(sg));
		at += card_msg(buf + at, PDC_OP_ECDH_SLOT, 4, &es, sizeof(es));
		at += card_msg(buf + at, PDC_OP_SESSION_CREATE, 5, &sc, sizeof(sc));
		at += card_msg(buf + at, PDC_OP_BSP_SEAL, 6, data, sizeof(bs) + 16);
		at += card_msg(buf + at, PDC_OP_SESSION_REPLACE_KEYS, 7, &cl, sizeof(cl));
		at += card_msg(buf + at, PDC_OP_SESSION_CLOSE, 8, &cl, sizeof(cl));
		at += card_msg(buf + at, PDC_OP_KEY_DESTROY, 9, &ds, sizeof(ds));
		put("card", "sequence", buf, at);
	}
#undef ONE
}

/* The recorded BPP, behind the harness's flags byte (legacy form, its PPKs). */
static void bpp_seeds(void)
{
	char path[512];
	json_error_t jerr;
	json_t *root;
	const char *t;
	uint8_t *bpp;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/testdata/vectors/bsp.json", getenv("SHARED"));
	root = json_load_file(path, 0, &jerr);
	t = json_string_value(json_object_get(json_object_get(root, "bpp_decode"), "bpp_base64"));
	if (!t || (n = rsp_b64_decode(t, strlen(t), &bpp)) < 0)
		exit(1);
	{
		uint8_t *buf = malloc((size_t)n + 1);

		buf[0] = 3;
		memcpy(buf + 1, bpp, (size_t)n);
		put("bpp", "bsp-vector", buf, (size_t)n + 1);
		free(buf);
	}
	free(bpp);
	json_decref(root);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
		return 2;
	}
	root = argv[1];
	sgp22_seeds();
	card_seeds();
	bpp_seeds();
	return 0;
}
