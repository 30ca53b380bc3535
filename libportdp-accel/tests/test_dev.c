// SPDX-License-Identifier: Apache-2.0
/*
 * The dev backend against the real card (run in the VM guest by
 * testbed/vm/run-vm-tests): the whole accel.h suite (api_suite.c) on "dev:",
 * then what only dev has: slot URIs, a destroyed slot, the sync=uring path,
 * a small queue depth, and dev against soft (each verifies the other's
 * signatures). Without a card it prints one SKIP line and exits 0.
 * Key slots 24..27 are this test's; it leaves them empty.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "api_suite.h"

#define DEV_NODE "/dev/portdp-accel0"
#define SLOT_P256 "slot:24"
#define SLOT_BP256 "slot:25"

static const char *dev_key_uri(enum pdp_curve curve)
{
	return curve == PDP_CURVE_P256 ? SLOT_P256 : SLOT_BP256;
}

static const char *dev_scratch_uri(int i)
{
	return i ? "slot:27" : "slot:26";
}

static const struct api_backend dev_backend = {
    .uri = "dev:",
    .key_uri = dev_key_uri,
    .scratch_uri = dev_scratch_uri,
    .foreign_uri = "file:/tmp/key.pem",
};

/* Fresh keys in the suite's slots (the card keeps slots across runs). */
static int setup(void **state)
{
	struct pdp_accel_info info;
	struct pdp_accel *a;
	struct pdp_key *k;
	int ret;

	(void)state;
	ret = pdp_accel_open(dev_backend.uri, &a);
	if (ret) {
		fprintf(stderr, "# open %s: %s\n", dev_backend.uri, strerror(-ret));
		return -1;
	}
	pdp_key_destroy(a, SLOT_P256);
	pdp_key_destroy(a, SLOT_BP256);
	ret = pdp_key_generate(a, SLOT_P256, PDP_CURVE_P256, &k);
	if (!ret) {
		pdp_key_free(k);
		ret = pdp_accel_info(a, &info);
	}
	if (!ret && (info.caps & PDP_ACCEL_CAP_BP256R1)) {
		ret = pdp_key_generate(a, SLOT_BP256, PDP_CURVE_BP256R1, &k);
		if (!ret)
			pdp_key_free(k);
	}
	pdp_accel_close(a);
	if (ret)
		fprintf(stderr, "# key setup: %s\n", strerror(-ret));
	return ret ? -1 : 0;
}

static int teardown(void **state)
{
	struct pdp_accel *a;
	int i;

	(void)state;
	if (pdp_accel_open(dev_backend.uri, &a))
		return -1;
	for (i = 24; i < 28; i++) {
		char uri[16];

		snprintf(uri, sizeof(uri), "slot:%d", i);
		pdp_key_destroy(a, uri);
	}
	pdp_accel_close(a);
	return 0;
}

static void test_slot_uris(void **state)
{
	struct pdp_accel *a = api_open();
	static const char *const bad[] = {"slot:",	 "slot:32",   "slot:-1", "slot:+1",
					  "slot:1x",	 "slot: 1",   "slot:1000", "slot:0x1",
					  "slot:999999", "Slot:1",    "slot",	   "file:slot:1"};
	struct pdp_key *k = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(pdp_key_load(a, bad[i], &k), -EINVAL);
		assert_int_equal(pdp_key_generate(a, bad[i], PDP_CURVE_P256, &k), -EINVAL);
		assert_int_equal(pdp_key_destroy(a, bad[i]), -EINVAL);
	}
	assert_null(k);
	assert_int_equal(pdp_key_load(a, "slot:26", &k), -ENOENT); /* empty (teardown/suite) */
	assert_int_equal(pdp_key_load(a, "slot:024", &k), 0);	   /* leading zeros are decimal */
	pdp_key_free(k);
	pdp_accel_close(a);
}

/* A handle outlives its slot: its next use fails cleanly, a new key is a new key. */
static void test_destroyed_slot(void **state)
{
	struct pdp_accel *a = api_open();
	uint8_t sig[PDP_SIG_LEN], pub[PDP_PUBKEY_LEN], pub2[PDP_PUBKEY_LEN];
	struct pdp_key *k, *k2;

	(void)state;
	pdp_key_destroy(a, "slot:26");
	assert_int_equal(pdp_key_generate(a, "slot:26", PDP_CURVE_P256, &k), 0);
	assert_int_equal(pdp_key_public(k, pub, NULL), 0);
	assert_int_equal(pdp_key_destroy(a, "slot:26"), 0);
	assert_int_equal(pdp_sign(a, k, (const uint8_t *)"x", 1, sig), -ENOENT);
	assert_int_equal(pdp_sign_digest(a, k, pub + 1, 32, sig), -ENOENT);
	assert_int_equal(pdp_key_generate(a, "slot:26", PDP_CURVE_P256, &k2), 0);
	assert_int_equal(pdp_key_public(k2, pub2, NULL), 0);
	assert_memory_not_equal(pub, pub2, PDP_PUBKEY_LEN);
	/* The old handle now reaches the new key: its signatures verify only with that key. */
	assert_int_equal(pdp_sign(a, k, (const uint8_t *)"x", 1, sig), 0);
	assert_int_equal(pdp_verify(a, PDP_CURVE_P256, pub2, (const uint8_t *)"x", 1, sig), 0);
	assert_int_equal(pdp_verify(a, PDP_CURVE_P256, pub, (const uint8_t *)"x", 1, sig),
			 -EBADMSG);
	pdp_key_free(k);
	pdp_key_free(k2);
	assert_int_equal(pdp_key_destroy(a, "slot:26"), 0);
	pdp_accel_close(a);
}

/* The card and OpenSSL agree: each verifies the other's signatures. */
static void test_dev_vs_soft(void **state)
{
	struct pdp_accel *d = api_open(), *s = NULL;
	struct pdp_key *dk = api_key(d, PDP_CURVE_P256), *sk = NULL;
	uint8_t msg[100], sig[PDP_SIG_LEN], dpub[PDP_PUBKEY_LEN], spub[PDP_PUBKEY_LEN];
	char path[64], uri[80];
	int i;

	(void)state;
	assert_int_equal(pdp_accel_open("soft:", &s), 0);
	snprintf(path, sizeof(path), "/tmp/test_dev-%d.pem", (int)getpid());
	snprintf(uri, sizeof(uri), "file:%s", path);
	unlink(path);
	assert_int_equal(pdp_key_generate(s, uri, PDP_CURVE_P256, &sk), 0);
	assert_int_equal(pdp_key_public(dk, dpub, NULL), 0);
	assert_int_equal(pdp_key_public(sk, spub, NULL), 0);
	for (i = 0; i < 16; i++) {
		memset(msg, i, sizeof(msg));
		assert_int_equal(pdp_sign(d, dk, msg, sizeof(msg) - i, sig), 0);
		assert_int_equal(pdp_verify(s, PDP_CURVE_P256, dpub, msg, sizeof(msg) - i, sig), 0);
		assert_int_equal(pdp_sign(s, sk, msg, sizeof(msg) - i, sig), 0);
		assert_int_equal(pdp_verify(d, PDP_CURVE_P256, spub, msg, sizeof(msg) - i, sig), 0);
		sig[i] ^= 4;
		assert_int_equal(pdp_verify(d, PDP_CURVE_P256, spub, msg, sizeof(msg) - i, sig),
				 -EBADMSG);
		assert_int_equal(pdp_verify(s, PDP_CURVE_P256, spub, msg, sizeof(msg) - i, sig),
				 -EBADMSG);
	}
	pdp_key_free(sk);
	assert_int_equal(pdp_key_destroy(s, uri), 0);
	pdp_key_free(dk);
	pdp_accel_close(s);
	pdp_accel_close(d);
}

/* The sync calls through a 1-deep io_uring give the same results as ioctl. */
static void test_sync_uring(void **state)
{
	struct pdp_accel *a = NULL, *b = api_open();
	struct pdp_key *k;
	uint8_t sig[PDP_SIG_LEN], pub[PDP_PUBKEY_LEN], rnd[2000], ot[PDP_PUBKEY_LEN];
	uint8_t seg[64];
	struct pdp_session *s;
	size_t n = sizeof(seg);

	(void)state;
	assert_int_equal(pdp_accel_open("dev:" DEV_NODE "?sync=uring&depth=16", &a), 0);
	assert_int_equal(pdp_key_load(a, SLOT_P256, &k), 0);
	assert_int_equal(pdp_key_public(k, pub, NULL), 0);
	assert_int_equal(pdp_sign(a, k, (const uint8_t *)"u", 1, sig), 0);
	assert_int_equal(pdp_verify(b, PDP_CURVE_P256, pub, (const uint8_t *)"u", 1, sig), 0);
	assert_int_equal(pdp_verify(a, PDP_CURVE_P256, pub, (const uint8_t *)"v", 1, sig), -EBADMSG);
	assert_int_equal(pdp_random(a, rnd, sizeof(rnd)), 0);
	assert_int_equal(pdp_session_create(a, PDP_CURVE_P256, pub, (const uint8_t *)"h", 1,
					    (const uint8_t *)"0123456789abcdef", ot, &s),
			 0);
	assert_int_equal(pdp_bsp_seal(a, s, 0x87, rnd, 20, seg, &n), 0);
	assert_int_equal(n, 2 + 32 + 8);
	pdp_session_close(a, s);
	pdp_key_free(k);
	pdp_accel_close(a);
	pdp_accel_close(b);
}

static void test_depth_option(void **state)
{
	static struct pdp_op ops[9], *ptrs[9], *done[9];
	static uint8_t buf[9][8];
	struct pdp_accel_info info;
	struct pdp_accel *a = NULL;
	int i;

	(void)state;
	assert_int_equal(pdp_accel_open("dev:?depth=8", &a), 0);
	assert_int_equal(pdp_accel_info(a, &info), 0);
	assert_int_equal(info.queue_depth, 8);
	assert_string_equal(info.device, DEV_NODE);
	assert_true(info.caps & PDP_ACCEL_CAP_ASYNC_QUEUE);
	assert_int_equal(info.key_slots, 32);
	assert_true(info.fw_name[0]);
	for (i = 0; i < 9; i++) {
		ops[i].type = PDP_OP_RANDOM;
		ops[i].u.random.buf = buf[i];
		ops[i].u.random.len = sizeof(buf[i]);
		ptrs[i] = &ops[i];
	}
	assert_int_equal(pdp_submit(a, ptrs, 9), 8);
	assert_int_equal(pdp_reap(a, done, 9, 8), 8);
	pdp_accel_close(a);
}

int main(void)
{
	static const struct CMUnitTest own[] = {
	    cmocka_unit_test(test_slot_uris),	 cmocka_unit_test(test_destroyed_slot),
	    cmocka_unit_test(test_dev_vs_soft),	 cmocka_unit_test(test_sync_uring),
	    cmocka_unit_test(test_depth_option),
	};
	struct CMUnitTest all[64];
	size_t n;

	if (access(DEV_NODE, F_OK)) {
		printf("1..1\nok 1 # SKIP no %s\n", DEV_NODE);
		return 0;
	}
	n = api_suite_tests(&dev_backend, all, sizeof(all) / sizeof(all[0]));
	memcpy(all + n, own, sizeof(own));
	n += sizeof(own) / sizeof(own[0]);
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return _cmocka_run_group_tests("dev", all, n, setup, teardown);
}
