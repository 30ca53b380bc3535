// SPDX-License-Identifier: Apache-2.0
/*
 * test_card_keystore.c - key slots survive a card restart; a tampered,
 * cut, or foreign key store is refused; a failed write changes nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "fw_test_util.h"

#define KS_FILE_LEN 1196

static struct fw_resp r;

static int open_card(const char *dir, const char *devkey, struct card **c)
{
	struct card_config cfg = {0};
	char *ks = fw_path(dir, "keystore");
	int ret;

	cfg.keystore_path = ks;
	cfg.device_key_path = devkey;
	*c = NULL;
	ret = card_open(&cfg, c);
	free(ks);
	return ret;
}

static void gen(struct card *c, uint8_t slot, uint8_t curve, uint8_t pub[65])
{
	struct pdc_key_generate_req g = {.slot = slot, .curve = curve};

	assert_int_equal(fw_call(c, PDC_OP_KEY_GENERATE, &g, sizeof(g), &r), PDC_ST_OK);
	memcpy(pub, r.body + 4, 65);
}

static void get_pub(struct card *c, uint8_t slot, uint8_t pub[65])
{
	struct pdc_slot_req s = {.slot = slot};

	assert_int_equal(fw_call(c, PDC_OP_KEY_GET_PUBLIC, &s, sizeof(s), &r), PDC_ST_OK);
	memcpy(pub, r.body + 4, 65);
}

static void read_file(const char *p, uint8_t *buf, size_t len)
{
	FILE *f = fopen(p, "rb");

	assert_non_null(f);
	assert_int_equal(fread(buf, 1, len, f), len);
	fclose(f);
}

static void write_file(const char *p, const uint8_t *buf, size_t len)
{
	FILE *f = fopen(p, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
}

static void test_persist(void **state)
{
	char *dir = fw_tmpdir(), *ks = fw_path(dir, "keystore"),
	     *dk = fw_path(dir, "keystore.devkey");
	struct pdc_ecdsa_sign_req sq = {.slot = 7, .digest_len = 32};
	uint8_t p7[65], p30[65], q[65], info1[16];
	struct card *c;
	struct stat st;
	EVP_PKEY *opub;

	(void)state;
	assert_int_equal(open_card(dir, NULL, &c), 0);
	/* a new card: device key 0600, an empty store of fixed size */
	assert_int_equal(stat(dk, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 32);
	assert_int_equal(stat(ks, &st), 0);
	assert_int_equal(st.st_size, KS_FILE_LEN);
	gen(c, 7, PDC_CURVE_P256, p7);
	gen(c, 30, PDC_CURVE_BP256R1, p30);
	assert_int_equal(fw_call(c, PDC_OP_GET_INFO, NULL, 0, &r), PDC_ST_OK);
	memcpy(info1, ((struct pdc_info *)r.body)->serial, 16);
	card_close(c);

	/* restart: same keys, same serial, the key still signs */
	assert_int_equal(open_card(dir, NULL, &c), 0);
	get_pub(c, 7, q);
	assert_memory_equal(q, p7, 65);
	get_pub(c, 30, q);
	assert_memory_equal(q, p30, 65);
	assert_int_equal(fw_call(c, PDC_OP_GET_INFO, NULL, 0, &r), PDC_ST_OK);
	assert_memory_equal(((struct pdc_info *)r.body)->serial, info1, 16);
	RAND_bytes(sq.digest, 32);
	assert_int_equal(fw_call(c, PDC_OP_ECDSA_SIGN, &sq, sizeof(sq), &r), PDC_ST_OK);
	opub = fw_ossl_from_pub(PDC_CURVE_P256, p7);
	assert_true(fw_ossl_verify(opub, sq.digest, 32, r.body));
	EVP_PKEY_free(opub);
	/* the private key is not in the file in clear */
	{
		uint8_t img[KS_FILE_LEN];
		struct pdc_slot_req s = {.slot = 7};

		read_file(ks, img, sizeof(img));
		assert_null(memmem(img, sizeof(img), p7 + 1, 8));
		/* destroy persists too */
		assert_int_equal(fw_call(c, PDC_OP_KEY_DESTROY, &s, sizeof(s), &r), PDC_ST_OK);
	}
	card_close(c);
	assert_int_equal(open_card(dir, NULL, &c), 0);
	{
		struct pdc_slot_req s = {.slot = 7};

		assert_int_equal(fw_call(c, PDC_OP_KEY_GET_PUBLIC, &s, sizeof(s), &r),
				 PDC_ST_SLOT_EMPTY);
	}
	card_close(c);
	fw_rm_rf(dir);
	free(dir);
	free(ks);
	free(dk);
}

static void test_tamper(void **state)
{
	char *dir = fw_tmpdir(), *ks = fw_path(dir, "keystore"),
	     *dk = fw_path(dir, "keystore.devkey");
	char *dk2 = fw_path(dir, "other.devkey");
	static const size_t where[] = {0, 9, 13, 20, 28, 100, 28 + 1152, KS_FILE_LEN - 1};
	uint8_t img[KS_FILE_LEN], bad[KS_FILE_LEN + 1], p[65];
	struct card *c;
	size_t i;

	(void)state;
	assert_int_equal(open_card(dir, NULL, &c), 0);
	gen(c, 0, PDC_CURVE_P256, p);
	card_close(c);
	read_file(ks, img, sizeof(img));

	for (i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		memcpy(bad, img, sizeof(img));
		bad[where[i]] ^= 0x01;
		write_file(ks, bad, sizeof(img));
		assert_int_equal(open_card(dir, NULL, &c), -EBADMSG);
		assert_null(c);
	}
	/* ciphertext and tag bytes: an authentication failure */
	memcpy(bad, img, sizeof(img));
	bad[200] ^= 0x40;
	write_file(ks, bad, sizeof(img));
	assert_int_equal(open_card(dir, NULL, &c), -EBADMSG);
	/* cut and padded files */
	write_file(ks, img, sizeof(img) - 1);
	assert_int_equal(open_card(dir, NULL, &c), -EBADMSG);
	memcpy(bad, img, sizeof(img));
	bad[KS_FILE_LEN] = 0;
	write_file(ks, bad, sizeof(img) + 1);
	assert_int_equal(open_card(dir, NULL, &c), -EBADMSG);
	/* another card's device key */
	RAND_bytes(bad, 32);
	write_file(dk2, bad, 32);
	write_file(ks, img, sizeof(img));
	assert_int_equal(open_card(dir, dk2, &c), -EBADMSG);
	/* a device key of the wrong size */
	write_file(dk2, bad, 31);
	assert_int_equal(open_card(dir, dk2, &c), -EINVAL);
	/* a store whose device key is gone is not silently replaced */
	rename(dk, dk2);
	assert_int_equal(open_card(dir, NULL, &c), -ENOKEY);
	rename(dk2, dk);
	/* the untouched file still opens */
	assert_int_equal(open_card(dir, NULL, &c), 0);
	get_pub(c, 0, bad);
	assert_memory_equal(bad, p, 65);

	/* tampered while running: the self-test sees it and the card stops signing */
	{
		struct pdc_ecdsa_sign_req sq = {.slot = 0, .digest_len = 32};
		struct pdc_self_test_resp st;

		memcpy(bad, img, sizeof(img));
		bad[500] ^= 1;
		write_file(ks, bad, sizeof(img));
		assert_int_equal(fw_call(c, PDC_OP_SELF_TEST, NULL, 0, &r), PDC_ST_OK);
		memcpy(&st, r.body, sizeof(st));
		assert_int_equal(st.failed, PDC_SELFTEST_KEYSTORE);
		assert_int_equal(card_state(c), PDC_STATE_FAILED);
		assert_int_equal(fw_call(c, PDC_OP_ECDSA_SIGN, &sq, sizeof(sq), &r),
				 PDC_ST_SELF_TEST);
		/* management still answers */
		assert_int_equal(fw_call(c, PDC_OP_GET_INFO, NULL, 0, &r), PDC_ST_OK);
	}
	card_close(c);
	fw_rm_rf(dir);
	free(dir);
	free(ks);
	free(dk);
	free(dk2);
}

static void test_failed_write(void **state)
{
	char *dir = fw_tmpdir(), *tmp = fw_path(dir, "keystore.tmp");
	struct pdc_key_generate_req g = {.slot = 5, .curve = PDC_CURVE_P256};
	struct pdc_slot_req s = {.slot = 5};
	struct card *c;
	uint8_t p[65];

	(void)state;
	assert_int_equal(open_card(dir, NULL, &c), 0);
	gen(c, 4, PDC_CURVE_P256, p);
	/* a directory where the temporary file goes: every write fails */
	assert_int_equal(mkdir(tmp, 0700), 0);
	assert_int_equal(fw_call(c, PDC_OP_KEY_GENERATE, &g, sizeof(g), &r), PDC_ST_STORAGE);
	assert_int_equal(fw_call(c, PDC_OP_KEY_GET_PUBLIC, &s, sizeof(s), &r), PDC_ST_SLOT_EMPTY);
	s.slot = 4;
	assert_int_equal(fw_call(c, PDC_OP_KEY_DESTROY, &s, sizeof(s), &r), PDC_ST_STORAGE);
	assert_int_equal(fw_call(c, PDC_OP_KEY_GET_PUBLIC, &s, sizeof(s), &r), PDC_ST_OK);
	rmdir(tmp);
	card_close(c);
	/* and the file on disk still has slot 4 only */
	assert_int_equal(open_card(dir, NULL, &c), 0);
	assert_int_equal(fw_call(c, PDC_OP_KEY_LIST, NULL, 0, &r), PDC_ST_OK);
	assert_int_equal(((struct pdc_key_list_resp *)r.body)->used, 1u << 4);
	card_close(c);
	fw_rm_rf(dir);
	free(dir);
	free(tmp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_persist),
	    cmocka_unit_test(test_tamper),
	    cmocka_unit_test(test_failed_write),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
