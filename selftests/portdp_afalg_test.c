// SPDX-License-Identifier: GPL-2.0
/*
 * portdp_afalg_test - the kernel crypto API side: our algorithms are
 * registered with the crypto self-tests passed (/proc/crypto); AF_ALG
 * (libkcapi) cbc-aes-portdp and cmac-aes-portdp land on the card (its
 * per-command counters move) with the right answers; generic users of
 * "cbc(aes)" keep AES-NI (the card sits below it); and with the card
 * unbound the same algorithms still answer right, from their CPU fallback.
 */
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <kcapi.h>
#include "kselftest_harness.h"
/*
 * 90 s a test, not the harness's 30: the USB card is emulated in the same guest, and under
 * TCG on a loaded host (or a KASAN + lockdep kernel) a CMAC round trip set took longer.
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 90
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
	EXPECT_TRUE(wait_registered("ecdsa-nist-p256-slot-portdp"));
}

/* One CBC run through AF_ALG on @alg (a driver name); bytes out or -1. */
static ssize_t cbc(const char *alg, int enc, const uint8_t *in, uint32_t len,
		   const uint8_t *iv, uint8_t *out)
{
	struct kcapi_handle *h;
	ssize_t n = -1;

	if (kcapi_cipher_init(&h, alg, 0))
		return -1;
	if (!kcapi_cipher_setkey(h, key, 16))
		n = enc ? kcapi_cipher_encrypt(h, in, len, iv, out, len, KCAPI_ACCESS_HEURISTIC) :
			  kcapi_cipher_decrypt(h, in, len, iv, out, len, KCAPI_ACCESS_HEURISTIC);
	kcapi_cipher_destroy(h);
	return n;
}

static uint8_t long_pt[8192];

/* SP 800-38A F.2.1, then 8 KB (several card commands: the IV chains). */
static void check_cbc(struct __test_metadata *_metadata, const char *alg, uint8_t *long_ct)
{
	static const uint8_t ct0[16] = { 0x76, 0x49, 0xab, 0xac, 0x81, 0x19, 0xb2, 0x46,
					 0xce, 0xe9, 0x8e, 0x9b, 0x12, 0xe9, 0x19, 0x7d };
	static const uint8_t pt0[16] = { 0x6b, 0xc1, 0xbe, 0xe2, 0x2e, 0x40, 0x9f, 0x96,
					 0xe9, 0x3d, 0x7e, 0x11, 0x73, 0x93, 0x17, 0x2a };
	uint8_t iv[16], ct[16], back[sizeof(long_pt)];
	int i;

	for (i = 0; i < 16; i++)
		iv[i] = i;
	ASSERT_EQ(16, cbc(alg, 1, pt0, 16, iv, ct));
	EXPECT_EQ(0, memcmp(ct, ct0, 16));
	for (i = 0; i < (int)sizeof(long_pt); i++)
		long_pt[i] = i * 13;
	ASSERT_EQ(sizeof(long_pt), cbc(alg, 1, long_pt, sizeof(long_pt), iv, long_ct));
	ASSERT_EQ(sizeof(long_pt), cbc(alg, 0, long_ct, sizeof(long_pt), iv, back));
	EXPECT_EQ(0, memcmp(long_pt, back, sizeof(back)));
}

/* One MAC of @len bytes of @msg through @alg, streamed in @piece-byte updates. */
static int cmac_of(const char *alg, const uint8_t *msg, size_t len, size_t piece, uint8_t *mac)
{
	struct kcapi_handle *h;
	size_t off;
	int ok = 0;

	if (kcapi_md_init(&h, alg, 0))
		return -1;
	if (kcapi_md_setkey(h, key, 16))
		goto out;
	for (off = 0; off < len; off += piece)
		if (kcapi_md_update(h, msg + off, len - off < piece ? len - off : piece))
			goto out;
	ok = kcapi_md_final(h, mac, 16) == 16;
out:
	kcapi_md_destroy(h);
	return ok ? 0 : -1;
}

/* Long messages (many card commands, many scatterlist pages) against the kernel's C code. */
static void check_cmac_long(struct __test_metadata *_metadata, const char *alg)
{
	static uint8_t msg[100003];
	static const size_t pieces[] = { 100003, 4096, 1000, 17 };
	uint8_t want[16], got[16];
	size_t i;

	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (i * 31) ^ (i >> 8);
	ASSERT_EQ(0, cmac_of("cmac(aes-generic)", msg, sizeof(msg), sizeof(msg), want));
	for (i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
		ASSERT_EQ(0, cmac_of(alg, msg, sizeof(msg), pieces[i], got));
		EXPECT_EQ(0, memcmp(want, got, 16));
	}
}

/* RFC 4493 examples: 64 bytes, empty, and 64 bytes streamed in odd pieces. */
static void check_cmac(struct __test_metadata *_metadata, const char *alg)
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
	static const uint8_t mac40[16] = { 0xdf, 0xa6, 0x67, 0x47, 0xde, 0x9a, 0xe6, 0x30,
					   0x30, 0xca, 0x32, 0x61, 0x14, 0x97, 0xc8, 0x27 };
	struct kcapi_handle *h;
	uint8_t mac[16];

	ASSERT_EQ(0, kcapi_md_init(&h, alg, 0));
	ASSERT_EQ(0, kcapi_md_setkey(h, key, 16));
	ASSERT_EQ(16, kcapi_md_digest(h, msg64, 64, mac, 16));
	EXPECT_EQ(0, memcmp(mac, mac64, 16));
	ASSERT_EQ(16, kcapi_md_digest(h, msg64, 0, mac, 16));
	EXPECT_EQ(0, memcmp(mac, mac_empty, 16));
	ASSERT_EQ(16, kcapi_md_digest(h, msg64, 40, mac, 16));
	EXPECT_EQ(0, memcmp(mac, mac40, 16));
	/* Streamed in odd pieces: update buffering across calls. */
	ASSERT_EQ(0, kcapi_md_update(h, msg64, 7));
	ASSERT_EQ(0, kcapi_md_update(h, msg64 + 7, 25));
	ASSERT_EQ(0, kcapi_md_update(h, msg64 + 32, 32));
	ASSERT_EQ(16, kcapi_md_final(h, mac, 16));
	EXPECT_EQ(0, memcmp(mac, mac64, 16));
	kcapi_md_destroy(h);
	check_cmac_long(_metadata, alg);
}

TEST(afalg_cbc_aes_on_card)
{
	uint8_t long_ct[sizeof(long_pt)];
	long long before;

	if (!wait_registered("cbc-aes-portdp"))
		SKIP(return, "cbc-aes-portdp not registered");
	before = pdt_sysfs_num("counters/aes_cbc");
	check_cbc(_metadata, "cbc-aes-portdp", long_ct);
	EXPECT_LT(before, pdt_sysfs_num("counters/aes_cbc"));
}

TEST(afalg_cmac_aes_on_card)
{
	long long before;

	if (!wait_registered("cmac-aes-portdp"))
		SKIP(return, "cmac-aes-portdp not registered");
	before = pdt_sysfs_num("counters/aes_cmac");
	check_cmac(_metadata, "cmac-aes-portdp");
	EXPECT_LT(before, pdt_sysfs_num("counters/aes_cmac"));
}

/* The card sits below AES-NI: "cbc(aes)" by name does not reach it. */
TEST(generic_name_keeps_aesni)
{
	uint8_t iv[16] = { 0 }, pt[64] = { 0 }, ct[64];
	long long before;

	if (!wait_registered("cbc-aes-portdp"))
		SKIP(return, "cbc-aes-portdp not registered");
	if (system("grep -qw aes /proc/cpuinfo"))
		SKIP(return, "no AES-NI on this CPU");
	/* the guest loads aesni_intel, as udev does at boot */
	ASSERT_TRUE(wait_registered("cbc-aes-aesni"));
	before = pdt_sysfs_num("counters/aes_cbc");
	ASSERT_EQ(64, cbc("cbc(aes)", 1, pt, 64, iv, ct));
	EXPECT_EQ(before, pdt_sysfs_num("counters/aes_cbc"));
}

static int write_str(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (!f)
		return -1;
	ok = fputs(s, f) >= 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* Unbound, the algorithms stay and compute on the CPU; rebound, the card is back. */
TEST(fallback_without_card)
{
	uint8_t long_ct[sizeof(long_pt)], long_ct_card[sizeof(long_pt)];
	char link[PATH_MAX], dev[PATH_MAX], drv[PATH_MAX], path[PATH_MAX + 16];
	ssize_t n;
	int i;

	if (!wait_registered("cbc-aes-portdp") || !wait_registered("cmac-aes-portdp"))
		SKIP(return, "algorithms not registered");
	check_cbc(_metadata, "cbc-aes-portdp", long_ct_card);
	/* the card's bus device and its driver (PCI or USB interface) */
	n = readlink(PORTDP_SYSFS "/device", link, sizeof(link) - 1);
	ASSERT_LT(0, n);
	link[n] = '\0';
	snprintf(dev, sizeof(dev), "%s", basename(link));
	ASSERT_NE(NULL, realpath(PORTDP_SYSFS "/device/driver", drv));
	snprintf(path, sizeof(path), "%s/unbind", drv);
	ASSERT_EQ(0, write_str(path, dev));
	for (i = 0; i < 100 && !access(PORTDP_DEV, F_OK); i++)
		usleep(50000);
	EXPECT_NE(0, access(PORTDP_DEV, F_OK));

	check_cbc(_metadata, "cbc-aes-portdp", long_ct);
	EXPECT_EQ(0, memcmp(long_ct, long_ct_card, sizeof(long_ct)));
	check_cmac(_metadata, "cmac-aes-portdp");

	snprintf(path, sizeof(path), "%s/bind", drv);
	ASSERT_EQ(0, write_str(path, dev));
	ASSERT_EQ(0, pdt_wait_state("ready", 10000));
}

TEST_HARNESS_MAIN
