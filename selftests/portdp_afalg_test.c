// SPDX-License-Identifier: GPL-2.0
/*
 * portdp_afalg_test - the kernel crypto API side: our four algorithms are
 * registered with the crypto self-tests passed (/proc/crypto), and
 * AF_ALG (libkcapi) cbc(aes) and cmac(aes) land on the card (its per-command
 * counters move) with the right answers.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <kcapi.h>
#include "kselftest_harness.h"
#include "portdp_common.h"

static const uint8_t key[16] = { 0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
				 0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c };

/* 1 if /proc/crypto lists @driver with "selftest : passed". */
static int proc_crypto_passed(const char *driver)
{
	char line[256];
	int in = 0, ok = 0;
	FILE *f = fopen("/proc/crypto", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "driver", 6))
			in = strstr(line, driver) != NULL;
		if (in && !strncmp(line, "selftest", 8) && strstr(line, "passed"))
			ok = 1;
	}
	fclose(f);
	return ok;
}

static int wait_registered(const char *driver)
{
	int i;

	for (i = 0; i < 200; i++) {
		if (proc_crypto_passed(driver))
			return 1;
		usleep(50000);
	}
	return 0;
}

TEST(registered_selftest_passed)
{
	if (access(PORTDP_DEV, F_OK))
		SKIP(return, "no card");
	EXPECT_TRUE(wait_registered("cbc-aes-portdp"));
	EXPECT_TRUE(wait_registered("cmac-aes-portdp"));
	EXPECT_TRUE(wait_registered("ecdh-nist-p256-portdp"));
	EXPECT_TRUE(wait_registered("ecdsa-nist-p256-portdp"));
}

TEST(afalg_cbc_aes_on_card)
{
	static const uint8_t ct0[16] = { 0x76, 0x49, 0xab, 0xac, 0x81, 0x19, 0xb2, 0x46,
					 0xce, 0xe9, 0x8e, 0x9b, 0x12, 0xe9, 0x19, 0x7d };
	static const uint8_t pt0[16] = { 0x6b, 0xc1, 0xbe, 0xe2, 0x2e, 0x40, 0x9f, 0x96,
					 0xe9, 0x3d, 0x7e, 0x11, 0x73, 0x93, 0x17, 0x2a };
	uint8_t iv[16], pt[8192], ct[8192], back[8192];
	long long before;
	int i;

	if (!wait_registered("cbc-aes-portdp"))
		SKIP(return, "cbc-aes-portdp not registered");
	before = pdt_sysfs_num("counters/aes_cbc");
	for (i = 0; i < 16; i++)
		iv[i] = i;
	memset(pt, 0, sizeof(pt));
	memcpy(pt, pt0, 16);
	ASSERT_EQ(16, kcapi_cipher_enc_aes_cbc(key, 16, pt, 16, iv, ct, 16));
	EXPECT_EQ(0, memcmp(ct, ct0, 16));
	EXPECT_LT(before, pdt_sysfs_num("counters/aes_cbc"));
	/* Longer than one card command: the IV chains across commands. */
	for (i = 0; i < (int)sizeof(pt); i++)
		pt[i] = i * 13;
	ASSERT_EQ(sizeof(pt), kcapi_cipher_enc_aes_cbc(key, 16, pt, sizeof(pt), iv, ct,
							sizeof(ct)));
	ASSERT_EQ(sizeof(pt), kcapi_cipher_dec_aes_cbc(key, 16, ct, sizeof(ct), iv, back,
							sizeof(back)));
	EXPECT_EQ(0, memcmp(pt, back, sizeof(pt)));
}

TEST(afalg_cmac_aes_on_card)
{
	static const uint8_t mac_empty[16] = { 0xbb, 0x1d, 0x69, 0x29, 0xe9, 0x59, 0x37, 0x28,
					       0x7f, 0xa3, 0x7d, 0x12, 0x9b, 0x75, 0x67, 0x46 };
	static const uint8_t msg64[64] = {
		0x6b, 0xc1, 0xbe, 0xe2, 0x2e, 0x40, 0x9f, 0x96, 0xe9, 0x3d, 0x7e, 0x11, 0x73,
		0x93, 0x17, 0x2a, 0xae, 0x2d, 0x8a, 0x57, 0x1e, 0x03, 0xac, 0x9c, 0x9e, 0xb7,
		0x6f, 0xac, 0x45, 0xaf, 0x8e, 0x51, 0x30, 0xc8, 0x1c, 0x46, 0xa3, 0x5c, 0xe4,
		0x11, 0xe5, 0xfb, 0xc1, 0x19, 0x1a, 0x0a, 0x52, 0xef, 0xf6, 0x9f, 0x24, 0x45,
		0xdf, 0x4f, 0x9b, 0x17, 0xad, 0x2b, 0x41, 0x7b, 0xe6, 0x6c, 0x37, 0x10 };
	static const uint8_t mac64[16] = { 0x51, 0xf0, 0xbe, 0xbf, 0x7e, 0x3b, 0x9d, 0x92,
					   0xfc, 0x49, 0x74, 0x17, 0x79, 0x36, 0x3c, 0xfe };
	struct kcapi_handle *h;
	uint8_t mac[16];
	long long before;

	if (!wait_registered("cmac-aes-portdp"))
		SKIP(return, "cmac-aes-portdp not registered");
	before = pdt_sysfs_num("counters/aes_cmac");
	ASSERT_EQ(0, kcapi_md_init(&h, "cmac(aes)", 0));
	ASSERT_EQ(0, kcapi_md_setkey(h, key, 16));
	ASSERT_EQ(16, kcapi_md_digest(h, msg64, 64, mac, 16));
	EXPECT_EQ(0, memcmp(mac, mac64, 16));
	ASSERT_EQ(16, kcapi_md_digest(h, msg64, 0, mac, 16));
	EXPECT_EQ(0, memcmp(mac, mac_empty, 16));
	/* Streamed in odd pieces: update buffering across calls. */
	ASSERT_EQ(0, kcapi_md_update(h, msg64, 7));
	ASSERT_EQ(0, kcapi_md_update(h, msg64 + 7, 25));
	ASSERT_EQ(0, kcapi_md_update(h, msg64 + 32, 32));
	ASSERT_EQ(16, kcapi_md_final(h, mac, 16));
	EXPECT_EQ(0, memcmp(mac, mac64, 16));
	kcapi_md_destroy(h);
	EXPECT_LT(before, pdt_sysfs_num("counters/aes_cmac"));
}

TEST_HARNESS_MAIN
