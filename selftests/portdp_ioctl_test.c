// SPDX-License-Identifier: GPL-2.0
/*
 * portdp_ioctl_test - every ioctl of /dev/portdp-accel0, their bad
 * arguments, the sysfs attributes, and cross-checks: card signatures
 * verify with OpenSSL, card ECDH matches OpenSSL, card BSP segments match
 * libportdp-accel's software SCP03t byte for byte.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/portdp_accel.h>
#include <portdp/scp03t.h>
#include <card/portdp_card.h>
#include "kselftest_harness.h"
#include "portdp_common.h"

#define SLOT_A	3
#define SLOT_B	4
#define SLOT_C	5

FIXTURE(dev) {
	int fd;
};

FIXTURE_SETUP(dev)
{
	self->fd = pdt_open(5000);
	if (self->fd < 0)
		SKIP(return, PORTDP_DEV " not present");
}

FIXTURE_TEARDOWN(dev)
{
	if (self->fd >= 0)
		close(self->fd);
}

static int ioc(int fd, unsigned long nr, void *arg)
{
	return ioctl(fd, nr, arg) ? -errno : 0;
}

TEST_F(dev, get_info)
{
	struct portdp_info info;

	ASSERT_EQ(0, ioc(self->fd, PORTDP_IOC_GET_INFO, &info));
	EXPECT_EQ(1, info.proto_version);
	EXPECT_EQ(PORTDP_KEY_SLOTS, info.key_slots);
	EXPECT_EQ(PORTDP_STATE_READY, info.state);
	EXPECT_NE(0, info.fw_name[0]);
	EXPECT_NE(0, info.max_sessions);
}

TEST_F(dev, self_test)
{
	struct portdp_self_test st;

	ASSERT_EQ(0, ioc(self->fd, PORTDP_IOC_SELF_TEST, &st));
	EXPECT_NE(0, st.run);
	EXPECT_EQ(0, st.failed);
}

TEST_F(dev, counters_move)
{
	struct portdp_card_counters a, b;

	ASSERT_EQ(0, ioc(self->fd, PORTDP_IOC_GET_COUNTERS, &a));
	ASSERT_EQ(0, ioc(self->fd, PORTDP_IOC_GET_COUNTERS, &b));
	EXPECT_GT(b.requests, a.requests);
}

TEST_F(dev, random)
{
	uint8_t x[64] = { }, y[64] = { };
	struct portdp_random r = { .buf = (uintptr_t)x, .len = sizeof(x) };

	ASSERT_EQ(0, ioc(self->fd, PORTDP_IOC_RANDOM, &r));
	r.buf = (uintptr_t)y;
	ASSERT_EQ(0, ioc(self->fd, PORTDP_IOC_RANDOM, &r));
	EXPECT_NE(0, memcmp(x, y, sizeof(x)));
}

TEST_F(dev, random_bad_args)
{
	uint8_t x[8];
	struct portdp_random r = { .buf = (uintptr_t)x, .len = 0 };

	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_RANDOM, &r));
	r.len = PORTDP_RANDOM_MAX + 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_RANDOM, &r));
	r.len = sizeof(x);
	r.rsvd = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_RANDOM, &r));
	r.rsvd = 0;
	r.buf = 0x10;	/* garbage pointer */
	EXPECT_EQ(-EFAULT, ioc(self->fd, PORTDP_IOC_RANDOM, &r));
	r.buf = ~0ULL - 4;
	EXPECT_EQ(-EFAULT, ioc(self->fd, PORTDP_IOC_RANDOM, &r));
}

TEST_F(dev, unknown_and_garbage)
{
	struct portdp_info info;

	EXPECT_EQ(-ENOTTY, ioc(self->fd, _IOR(PORTDP_IOC_MAGIC, 0x7f, struct portdp_info), &info));
	/* Right number, wrong size: a different ioctl. */
	EXPECT_EQ(-ENOTTY, ioc(self->fd, _IOR(PORTDP_IOC_MAGIC, 0x01, uint32_t), &info));
	EXPECT_EQ(-EFAULT, ioc(self->fd, PORTDP_IOC_GET_INFO, (void *)16));
	EXPECT_EQ(-EFAULT, ioc(self->fd, PORTDP_IOC_KEY_GENERATE, (void *)16));
}

TEST_F(dev, key_lifecycle)
{
	struct portdp_key k, g;
	struct portdp_key_list kl;
	char used[128];

	ASSERT_EQ(0, pdt_key_fresh(self->fd, SLOT_A, &k));
	EXPECT_EQ(0x04, k.pub[0]);
	/* Occupied slot: refused, key unchanged. */
	memset(&g, 0, sizeof(g));
	g.slot = SLOT_A;
	g.curve = PORTDP_CURVE_P256;
	EXPECT_EQ(-EEXIST, ioc(self->fd, PORTDP_IOC_KEY_GENERATE, &g));
	memset(&g, 0, sizeof(g));
	g.slot = SLOT_A;
	ASSERT_EQ(0, ioc(self->fd, PORTDP_IOC_KEY_GET_PUBLIC, &g));
	EXPECT_EQ(PORTDP_CURVE_P256, g.curve);
	EXPECT_EQ(0, memcmp(k.pub, g.pub, sizeof(k.pub)));
	ASSERT_EQ(0, ioc(self->fd, PORTDP_IOC_KEY_LIST, &kl));
	EXPECT_TRUE(kl.used & (1u << SLOT_A));
	EXPECT_EQ(PORTDP_CURVE_P256, kl.curve[SLOT_A]);
	ASSERT_EQ(0, pdt_sysfs_read("key_slots_used", used, sizeof(used)));
	EXPECT_NE(NULL, strstr(used, "3"));

	g.slot = SLOT_A;
	ASSERT_EQ(0, ioc(self->fd, PORTDP_IOC_KEY_DESTROY, &g));
	EXPECT_EQ(-ENOENT, ioc(self->fd, PORTDP_IOC_KEY_GET_PUBLIC, &g));
	EXPECT_EQ(-ENOENT, ioc(self->fd, PORTDP_IOC_KEY_DESTROY, &g));
	ASSERT_EQ(0, ioc(self->fd, PORTDP_IOC_KEY_LIST, &kl));
	EXPECT_FALSE(kl.used & (1u << SLOT_A));
}

TEST_F(dev, key_bad_args)
{
	struct portdp_key k = { .slot = PORTDP_KEY_SLOTS, .curve = PORTDP_CURVE_P256 };

	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_KEY_GENERATE, &k));
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_KEY_GET_PUBLIC, &k));
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_KEY_DESTROY, &k));
	k.slot = 255;
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_KEY_DESTROY, &k));
	k.slot = SLOT_B;
	k.curve = 9;
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_KEY_GENERATE, &k));
	k.curve = PORTDP_CURVE_P256;
	k.rsvd = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_KEY_GENERATE, &k));
	k.rsvd = 0;
	k.rsvd2[2] = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_KEY_GENERATE, &k));
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_KEY_GET_PUBLIC, &k));
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_KEY_DESTROY, &k));
}

/* Every reserved field of every input struct must be zero. */
TEST_F(dev, reserved_fields_checked)
{
	struct portdp_session_create sc = { .curve = PORTDP_CURVE_P256, .host_id_len = 1 };
	struct portdp_ecdh_raw er = { .curve = PORTDP_CURVE_P256 };

	sc.peer_pub[0] = 0x04;
	sc.rsvd3[1] = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_SESSION_CREATE, &sc));
	er.priv[31] = 1;
	er.rsvd3[0] = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_ECDH_RAW_PUBLIC, &er));
	er.rsvd3[0] = 0;
	er.rsvd2[0] = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_ECDH_RAW_PUBLIC, &er));
	er.rsvd2[0] = 0;
	EXPECT_EQ(0, ioc(self->fd, PORTDP_IOC_ECDH_RAW_PUBLIC, &er));
}

TEST_F(dev, ecdsa_cross_check)
{
	struct portdp_ecdsa_sign s = { .slot = SLOT_B, .digest_len = 32 };
	struct portdp_ecdsa_verify v = { .curve = PORTDP_CURVE_P256, .digest_len = 32 };
	long long before = pdt_sysfs_num("counters/ecdsa_sign");
	uint8_t pub[65];
	struct portdp_key k;
	void *ok;

	ASSERT_EQ(0, pdt_key_fresh(self->fd, SLOT_B, &k));
	pdt_sha256("port-dp", 7, s.digest);
	ASSERT_EQ(0, ioc(self->fd, PORTDP_IOC_ECDSA_SIGN, &s));
	EXPECT_EQ(1, pdt_ossl_verify(k.pub, s.digest, 32, s.sig));
	EXPECT_EQ(before + 1, pdt_sysfs_num("counters/ecdsa_sign"));

	memcpy(v.pub, k.pub, 65);
	memcpy(v.digest, s.digest, 32);
	memcpy(v.sig, s.sig, 64);
	EXPECT_EQ(0, ioc(self->fd, PORTDP_IOC_ECDSA_VERIFY, &v));
	v.sig[10] ^= 1;
	EXPECT_EQ(-EBADMSG, ioc(self->fd, PORTDP_IOC_ECDSA_VERIFY, &v));

	/* OpenSSL signs, the card verifies. */
	ok = pdt_ossl_keygen(pub);
	ASSERT_NE(NULL, ok);
	ASSERT_EQ(0, pdt_ossl_sign(ok, v.digest, 32, v.sig));
	memcpy(v.pub, pub, 65);
	EXPECT_EQ(0, ioc(self->fd, PORTDP_IOC_ECDSA_VERIFY, &v));
	pdt_ossl_free(ok);
}

TEST_F(dev, ecdsa_bad_args)
{
	struct portdp_ecdsa_sign s = { .slot = SLOT_B, .digest_len = 0 };
	struct portdp_ecdsa_verify v = { .curve = PORTDP_CURVE_P256, .digest_len = 32 };
	struct portdp_key k = { .slot = 30 };

	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_ECDSA_SIGN, &s));
	s.digest_len = PORTDP_DIGEST_MAX + 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_ECDSA_SIGN, &s));
	s.digest_len = 32;
	s.slot = PORTDP_KEY_SLOTS;
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_ECDSA_SIGN, &s));
	ioctl(self->fd, PORTDP_IOC_KEY_DESTROY, &k);
	s.slot = 30;
	EXPECT_EQ(-ENOENT, ioc(self->fd, PORTDP_IOC_ECDSA_SIGN, &s));
	v.pub[0] = 0x02;	/* compressed points are not taken */
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_ECDSA_VERIFY, &v));
	v.pub[0] = 0x04;	/* 04 || 0..0 is no point on the curve */
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_ECDSA_VERIFY, &v));
}

TEST_F(dev, ecdh_raw_cross_check)
{
	struct portdp_ecdh_raw a = { .curve = PORTDP_CURVE_P256 };
	struct portdp_random r = { .buf = (uintptr_t)a.priv, .len = 32 };
	uint8_t peer[65], z[32];
	void *b;

	ASSERT_EQ(0, ioc(self->fd, PORTDP_IOC_RANDOM, &r));
	a.priv[0] &= 0x7f;	/* below the group order */
	ASSERT_EQ(0, ioc(self->fd, PORTDP_IOC_ECDH_RAW_PUBLIC, &a));
	b = pdt_ossl_keygen(peer);
	ASSERT_NE(NULL, b);
	memcpy(a.peer_pub, peer, 65);
	ASSERT_EQ(0, ioc(self->fd, PORTDP_IOC_ECDH_RAW_SHARED, &a));
	ASSERT_EQ(0, pdt_ossl_ecdh(b, a.pub, z));
	EXPECT_EQ(0, memcmp(z, a.shared, 32));
	pdt_ossl_free(b);
	memset(a.priv, 0, 32);
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_ECDH_RAW_PUBLIC, &a));
}

/* ECDH with a card-resident key: the card's Z equals OpenSSL's from the other side. */
TEST_F(dev, ecdh_slot_cross_check)
{
	struct portdp_ecdh_slot e = { .slot = SLOT_C };
	long long before = pdt_sysfs_num("counters/ecdh_slot");
	struct portdp_info info;
	struct portdp_key k;
	uint8_t z[32], good[65];
	void *peer;

	ASSERT_EQ(0, ioc(self->fd, PORTDP_IOC_GET_INFO, &info));
	ASSERT_TRUE(info.caps & PORTDP_CAP_ECDH_SLOT);
	ASSERT_EQ(0, pdt_key_fresh(self->fd, SLOT_C, &k));
	peer = pdt_ossl_keygen(good);
	ASSERT_NE(NULL, peer);
	memcpy(e.peer_pub, good, 65);
	ASSERT_EQ(0, ioc(self->fd, PORTDP_IOC_ECDH_SLOT, &e));
	ASSERT_EQ(0, pdt_ossl_ecdh(peer, k.pub, z));
	EXPECT_EQ(0, memcmp(z, e.shared, 32));
	EXPECT_EQ(before + 1, pdt_sysfs_num("counters/ecdh_slot"));
	pdt_ossl_free(peer);

	/* Bad arguments, each refused before or by the card. */
	e.slot = PORTDP_KEY_SLOTS;
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_ECDH_SLOT, &e));
	e.slot = SLOT_C;
	e.rsvd[2] = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_ECDH_SLOT, &e));
	e.rsvd[2] = 0;
	e.rsvd2[0] = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_ECDH_SLOT, &e));
	e.rsvd2[0] = 0;
	e.peer_pub[0] = 0x02;	/* compressed points are not taken */
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_ECDH_SLOT, &e));
	e.peer_pub[0] = 0x04;
	e.peer_pub[40] ^= 1;	/* off the curve: the card says BAD_KEY */
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_ECDH_SLOT, &e));
	e.peer_pub[40] ^= 1;
	EXPECT_EQ(-EFAULT, ioc(self->fd, PORTDP_IOC_ECDH_SLOT, (void *)8));
	/* Still the same key and the same Z. */
	memset(e.shared, 0, sizeof(e.shared));
	ASSERT_EQ(0, ioc(self->fd, PORTDP_IOC_ECDH_SLOT, &e));
	EXPECT_EQ(0, memcmp(z, e.shared, 32));
	ASSERT_EQ(0, ioc(self->fd, PORTDP_IOC_KEY_DESTROY, &k));
	EXPECT_EQ(-ENOENT, ioc(self->fd, PORTDP_IOC_ECDH_SLOT, &e));
}

/* Card session vs software SCP03t from the same ECDH: byte for byte. */
TEST_F(dev, session_bsp_matches_soft)
{
	static const uint8_t eid[16] = { 0x89, 0x04, 0x90, 0x32, 0x12, 0x34, 0x51, 0x23,
					 0x45, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x35 };
	struct portdp_session_create sc = { .curve = PORTDP_CURVE_P256, .host_id_len = 5 };
	uint8_t plain[1007], card[1100], soft[1100], opened[1100], z[32], tag;
	struct portdp_replace_keys rk = { .out = (uintptr_t)card, .out_cap = sizeof(card) };
	struct portdp_bsp_seal seal = { .out = (uintptr_t)card, .out_cap = sizeof(card) };
	struct portdp_session close_arg = { };
	static const uint8_t tags[] = { 0x87, 0x88, 0x87, 0x86, 0x88 };
	static const size_t lens[] = { 1, 1008, 1007, 500, 15 };
	struct pdp_scp03t st, ppk;
	size_t soft_len, n;
	void *euicc;
	int i;

	for (i = 0; i < (int)sizeof(plain); i++)
		plain[i] = i * 7 + 1;
	euicc = pdt_ossl_keygen(sc.peer_pub);
	ASSERT_NE(NULL, euicc);
	memcpy(sc.host_id, "HOST1", 5);
	memcpy(sc.eid, eid, 16);
	ASSERT_EQ(0, ioc(self->fd, PORTDP_IOC_SESSION_CREATE, &sc));
	ASSERT_EQ(0, pdt_ossl_ecdh(euicc, sc.ot_pub, z));
	ASSERT_EQ(0, pdp_sgp22_derive(z, 32, sc.host_id, 5, eid, &st));
	pdt_ossl_free(euicc);

	for (i = 0; i < 5; i++) {
		static uint8_t big[1008];

		memcpy(big, plain, sizeof(plain));
		seal.handle = sc.handle;
		seal.tag = tags[i];
		seal.in_len = lens[i];
		seal.in = (uintptr_t)big;
		ASSERT_EQ(0, ioc(self->fd, PORTDP_IOC_BSP_SEAL, &seal));
		soft_len = sizeof(soft);
		ASSERT_EQ(0, pdp_scp03t_seal(&st, tags[i], big, lens[i], soft, &soft_len));
		ASSERT_EQ(soft_len, seal.out_len);
		EXPECT_EQ(0, memcmp(card, soft, soft_len));
		EXPECT_LE(seal.out_len, PORTDP_BSP_MAX_SEGMENT);
	}

	/* ReplaceSessionKeys: open it as the eUICC would, then follow the PPKs. */
	rk.handle = sc.handle;
	ASSERT_EQ(0, ioc(self->fd, PORTDP_IOC_SESSION_REPLACE_KEYS, &rk));
	n = sizeof(opened);
	ASSERT_EQ(0, pdp_scp03t_open(&st, card, rk.out_len, &tag, opened, &n));
	ASSERT_EQ(0x87, tag);
	/* BF26 36 { 80 10 MCV, 81 10 ppkEnc, 82 10 ppkCmac } */
	ASSERT_EQ(57, n);
	ASSERT_EQ(0xbf, opened[0]);
	ASSERT_EQ(0x80, opened[3]);
	ASSERT_EQ(0x81, opened[21]);
	ASSERT_EQ(0x82, opened[39]);
	pdp_scp03t_init(&ppk, opened + 23, opened + 41, opened + 5);
	seal.handle = rk.new_handle;
	seal.tag = 0x86;
	seal.in_len = 1007;
	seal.in = (uintptr_t)plain;
	ASSERT_EQ(0, ioc(self->fd, PORTDP_IOC_BSP_SEAL, &seal));
	soft_len = sizeof(soft);
	ASSERT_EQ(0, pdp_scp03t_seal(&ppk, 0x86, plain, 1007, soft, &soft_len));
	ASSERT_EQ(soft_len, seal.out_len);
	EXPECT_EQ(0, memcmp(card, soft, soft_len));

	close_arg.handle = rk.new_handle;
	EXPECT_EQ(0, ioc(self->fd, PORTDP_IOC_SESSION_CLOSE, &close_arg));
	close_arg.handle = sc.handle;
	EXPECT_EQ(0, ioc(self->fd, PORTDP_IOC_SESSION_CLOSE, &close_arg));
	/* Closed: stale handles are refused. */
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_SESSION_CLOSE, &close_arg));
	seal.handle = sc.handle;
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_BSP_SEAL, &seal));
}

TEST_F(dev, seal_bad_args)
{
	struct portdp_session_create sc = { .curve = PORTDP_CURVE_P256, .host_id_len = 1 };
	uint8_t in[1100] = { 1 }, out[1100];
	struct portdp_bsp_seal s = { .tag = 0x87, .in_len = 16, .in = (uintptr_t)in,
				     .out = (uintptr_t)out, .out_cap = sizeof(out) };
	struct portdp_session c = { };
	void *euicc = pdt_ossl_keygen(sc.peer_pub);

	ASSERT_NE(NULL, euicc);
	pdt_ossl_free(euicc);
	ASSERT_EQ(0, ioc(self->fd, PORTDP_IOC_SESSION_CREATE, &sc));
	s.handle = sc.handle;
	s.tag = 0x85;
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_BSP_SEAL, &s));
	s.tag = 0x87;
	s.in_len = PORTDP_BSP_MAX_PLAIN_ENC + 1;	/* oversized segment */
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_BSP_SEAL, &s));
	s.tag = 0x88;
	s.in_len = PORTDP_BSP_MAX_PLAIN_MAC + 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_BSP_SEAL, &s));
	s.in_len = 0;
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_BSP_SEAL, &s));
	s.tag = 0x87;
	s.in_len = 16;
	s.out_cap = 20;					/* short buffer */
	EXPECT_EQ(-ENOSPC, ioc(self->fd, PORTDP_IOC_BSP_SEAL, &s));
	s.out_cap = sizeof(out);
	s.in = 0x1000;					/* garbage pointer */
	EXPECT_EQ(-EFAULT, ioc(self->fd, PORTDP_IOC_BSP_SEAL, &s));
	s.in = (uintptr_t)in;
	s.handle ^= 0x5a5a0000;				/* guessed handle */
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_BSP_SEAL, &s));
	sc.host_id_len = 17;
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_SESSION_CREATE, &sc));
	c.handle = sc.handle;
	EXPECT_EQ(0, ioc(self->fd, PORTDP_IOC_SESSION_CLOSE, &c));
}

/*
 * Stock keys and sealed UPPs (protocol 1.3): the driver refuses bad arguments before the
 * card sees them (the card's counters do not move); the card refuses what only it can
 * judge (a wrap that does not open: -EKEYREJECTED; a tag that does not verify: -EBADMSG;
 * an EC slot: -EINVAL; an empty one: -ENOENT). The good path is test_dev's t_sealed_upp.
 */
#define SLOT_STOCK 6

TEST_F(dev, sealed_upp_args)
{
	struct portdp_session_create sc = { .curve = PORTDP_CURVE_P256, .host_id_len = 1 };
	struct portdp_key k = { .slot = SLOT_STOCK };
	struct portdp_stock_wrap w = { .slot = SLOT_STOCK };
	struct portdp_upp_open o = { .slot = SLOT_STOCK, .aad_len = 4, .ct_len = 64 };
	struct portdp_upp_data d = { .len = 64 };
	struct portdp_upp_finish f = { };
	struct portdp_upp_seal u = { .tag = 0x86, .in_len = 64 };
	struct portdp_session c = { };
	struct portdp_info info;
	uint8_t ct[64] = { 0 }, out[1100];
	long long opens, datas;
	void *euicc;

	ASSERT_EQ(0, ioc(self->fd, PORTDP_IOC_GET_INFO, &info));
	if (!(info.caps & PORTDP_CAP_SEALED_UPP))
		SKIP(return, "card without PORTDP_CAP_SEALED_UPP");
	ioc(self->fd, PORTDP_IOC_KEY_DESTROY, &k);
	ASSERT_EQ(0, ioc(self->fd, PORTDP_IOC_STOCK_KEY_GENERATE, &k));
	EXPECT_EQ(-EEXIST, ioc(self->fd, PORTDP_IOC_STOCK_KEY_GENERATE, &k));
	k.curve = PORTDP_CURVE_P256;			/* only the stock type may be named */
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_STOCK_KEY_GENERATE, &k));
	k.curve = 0;
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_KEY_GET_PUBLIC, &k));	/* no public half */
	ASSERT_EQ(0, ioc(self->fd, PORTDP_IOC_STOCK_WRAP, &w));
	memcpy(o.wrapped, w.wrapped, sizeof(o.wrapped));
	w.rsvd[2] = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_STOCK_WRAP, &w));
	w.rsvd[2] = 0;
	w.slot = PORTDP_KEY_SLOTS;
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_STOCK_WRAP, &w));

	euicc = pdt_ossl_keygen(sc.peer_pub);
	ASSERT_NE(NULL, euicc);
	pdt_ossl_free(euicc);
	ASSERT_EQ(0, ioc(self->fd, PORTDP_IOC_SESSION_CREATE, &sc));
	o.handle = d.handle = f.handle = u.handle = sc.handle;
	memcpy(o.aad, "PDS\x01", 4);
	opens = pdt_sysfs_num("counters/upp_open");
	o.aad_len = 0;
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_UPP_OPEN, &o));
	o.aad_len = PORTDP_UPP_AAD_MAX + 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_UPP_OPEN, &o));
	o.aad_len = 4;
	o.aad[20] = 1;					/* past aad_len */
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_UPP_OPEN, &o));
	o.aad[20] = 0;
	o.ct_len = 0;
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_UPP_OPEN, &o));
	o.ct_len = PORTDP_UPP_MAX_LEN + 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_UPP_OPEN, &o));
	o.ct_len = 64;
	o.rsvd2 = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_UPP_OPEN, &o));
	o.rsvd2 = 0;
	EXPECT_EQ(opens, pdt_sysfs_num("counters/upp_open"));	/* none reached the card */
	/* the card's own refusals */
	o.slot = 7;					/* emptied first */
	ioc(self->fd, PORTDP_IOC_KEY_DESTROY, &(struct portdp_key){ .slot = o.slot });
	EXPECT_EQ(-ENOENT, ioc(self->fd, PORTDP_IOC_UPP_OPEN, &o));
	o.slot = SLOT_STOCK;
	o.wrapped[0] ^= 1;
	EXPECT_EQ(-EKEYREJECTED, ioc(self->fd, PORTDP_IOC_UPP_OPEN, &o));
	o.wrapped[0] ^= 1;
	ASSERT_EQ(0, ioc(self->fd, PORTDP_IOC_UPP_OPEN, &o));
	datas = pdt_sysfs_num("counters/upp_data");
	d.len = 0;
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_UPP_DATA, &d));
	d.len = PORTDP_UPP_DATA_MAX + 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_UPP_DATA, &d));
	d.len = 64;
	d.in = 0x1000;					/* garbage pointer */
	EXPECT_EQ(-EFAULT, ioc(self->fd, PORTDP_IOC_UPP_DATA, &d));
	EXPECT_EQ(datas, pdt_sysfs_num("counters/upp_data"));
	d.in = (uintptr_t)ct;
	d.offset = 1;					/* out of order: the card says no */
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_UPP_DATA, &d));
	d.offset = 0;
	ASSERT_EQ(0, ioc(self->fd, PORTDP_IOC_UPP_DATA, &d));
	u.out = (uintptr_t)out;
	u.out_cap = sizeof(out);
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_UPP_SEAL, &u));	/* before FINISH */
	f.rsvd = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_UPP_FINISH, &f));
	f.rsvd = 0;
	EXPECT_EQ(-EBADMSG, ioc(self->fd, PORTDP_IOC_UPP_FINISH, &f));	/* a zero tag */
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_UPP_SEAL, &u));	/* dropped */
	u.tag = 0x87;
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_UPP_SEAL, &u));
	u.tag = 0x86;
	u.out_cap = 20;
	EXPECT_EQ(-ENOSPC, ioc(self->fd, PORTDP_IOC_UPP_SEAL, &u));
	c.handle = sc.handle;
	EXPECT_EQ(0, ioc(self->fd, PORTDP_IOC_SESSION_CLOSE, &c));
	k.slot = SLOT_STOCK;
	EXPECT_EQ(0, ioc(self->fd, PORTDP_IOC_KEY_DESTROY, &k));
}

/*
 * Re-sealing a UPP (protocol 1.4): the driver refuses a bad shape before the card sees it
 * (the card's counter does not move); the card refuses the rest (an empty slot: -ENOENT;
 * a key of the wrong type, a field past its length: -EINVAL; an unknown handle: -EINVAL;
 * a tag that does not verify: -EBADMSG, and the re-seal is gone). The good path, byte for
 * byte against the soft backend, is test_dev's t_reseal.
 */
#define SLOT_RS_STOCK 28
#define SLOT_RS_UNIT 29

TEST_F(dev, reseal_args)
{
	struct portdp_key k = { .slot = SLOT_RS_STOCK }, u = { .slot = SLOT_RS_UNIT,
							      .curve = PORTDP_CURVE_P256 };
	struct portdp_stock_wrap w = { .slot = SLOT_RS_STOCK };
	struct portdp_reseal_open o = { .in_kind = PORTDP_SEAL_STOCK, .out_kind = PORTDP_SEAL_XFER,
					.in_slot = SLOT_RS_STOCK, .ct_len = 64, .iccid_len = 19,
					.aad_len = 23 };
	struct portdp_reseal_data d = { .len = 64 };
	struct portdp_reseal_finish f = { };
	struct portdp_session a = { };
	struct portdp_info info;
	uint8_t ct[64] = { 0 }, out[64];
	long long opens;
	void *dest;

	ASSERT_EQ(0, ioc(self->fd, PORTDP_IOC_GET_INFO, &info));
	if (!(info.caps & PORTDP_CAP_RESEAL))
		SKIP(return, "card without PORTDP_CAP_RESEAL");
	ioc(self->fd, PORTDP_IOC_KEY_DESTROY, &k);
	ioc(self->fd, PORTDP_IOC_KEY_DESTROY, &u);
	ASSERT_EQ(0, ioc(self->fd, PORTDP_IOC_STOCK_KEY_GENERATE, &k));
	ASSERT_EQ(0, ioc(self->fd, PORTDP_IOC_KEY_GENERATE, &u));
	ASSERT_EQ(0, ioc(self->fd, PORTDP_IOC_STOCK_WRAP, &w));
	memcpy(o.in_wrapped, w.wrapped, sizeof(o.in_wrapped));
	memcpy(o.iccid, "8944500000000000001", 19);
	memcpy(o.aad, "PDS\x01" "8944500000000000001", 23);
	dest = pdt_ossl_keygen(o.peer_pub);
	ASSERT_NE(NULL, dest);
	pdt_ossl_free(dest);

	opens = pdt_sysfs_num("counters/reseal_open");
	o.in_kind = 3;
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_RESEAL_OPEN, &o));
	o.in_kind = PORTDP_SEAL_STOCK;
	o.out_slot = PORTDP_KEY_SLOTS;
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_RESEAL_OPEN, &o));
	o.out_slot = 0;
	o.ct_len = PORTDP_UPP_MAX_LEN + 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_RESEAL_OPEN, &o));
	o.ct_len = 64;
	o.iccid_len = PORTDP_ICCID_MAX + 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_RESEAL_OPEN, &o));
	o.iccid_len = 19;
	o.rsvd2[0] = 1;
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_RESEAL_OPEN, &o));
	o.rsvd2[0] = 0;
	EXPECT_EQ(opens, pdt_sysfs_num("counters/reseal_open"));	/* none reached the card */
	/* the card's own refusals */
	o.in_slot = SLOT_RS_UNIT;				/* not a stock key */
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_RESEAL_OPEN, &o));
	o.in_slot = SLOT_RS_STOCK;
	o.iccid[5] = 'x';
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_RESEAL_OPEN, &o));
	o.iccid[5] = '0';
	o.in_wrapped[0] ^= 1;
	EXPECT_EQ(-EKEYREJECTED, ioc(self->fd, PORTDP_IOC_RESEAL_OPEN, &o));
	o.in_wrapped[0] ^= 1;
	ASSERT_EQ(0, ioc(self->fd, PORTDP_IOC_RESEAL_OPEN, &o));
	EXPECT_NE(0, o.handle);
	d.handle = f.handle = o.handle;
	d.in = (uintptr_t)ct;
	d.out = 0x1000;						/* garbage pointer */
	EXPECT_EQ(-EFAULT, ioc(self->fd, PORTDP_IOC_RESEAL_DATA, &d));
	d.out = (uintptr_t)out;
	d.offset = 16;						/* out of order */
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_RESEAL_DATA, &d));
	d.offset = 0;
	ASSERT_EQ(0, ioc(self->fd, PORTDP_IOC_RESEAL_DATA, &d));
	EXPECT_EQ(-EBADMSG, ioc(self->fd, PORTDP_IOC_RESEAL_FINISH, &f));	/* a zero tag */
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_RESEAL_FINISH, &f));	/* gone */
	ASSERT_EQ(0, ioc(self->fd, PORTDP_IOC_RESEAL_OPEN, &o));
	a.handle = o.handle;
	EXPECT_EQ(0, ioc(self->fd, PORTDP_IOC_RESEAL_ABORT, &a));
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_RESEAL_ABORT, &a));
	EXPECT_EQ(0, ioc(self->fd, PORTDP_IOC_KEY_DESTROY, &k));
	EXPECT_EQ(0, ioc(self->fd, PORTDP_IOC_KEY_DESTROY, &u));
}

TEST_F(dev, aes_cbc_and_cmac_vectors)
{
	/* NIST SP 800-38A F.2.1 and RFC 4493 (AES-128). */
	static const uint8_t key[16] = { 0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
					 0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c };
	static const uint8_t pt[16] = { 0x6b, 0xc1, 0xbe, 0xe2, 0x2e, 0x40, 0x9f, 0x96,
					0xe9, 0x3d, 0x7e, 0x11, 0x73, 0x93, 0x17, 0x2a };
	static const uint8_t ct[16] = { 0x76, 0x49, 0xab, 0xac, 0x81, 0x19, 0xb2, 0x46,
					0xce, 0xe9, 0x8e, 0x9b, 0x12, 0xe9, 0x19, 0x7d };
	static const uint8_t mac[16] = { 0x07, 0x0a, 0x16, 0xb4, 0x6b, 0x4d, 0x41, 0x44,
					 0xf7, 0x9b, 0xdd, 0x9d, 0xd0, 0x4a, 0x28, 0x7c };
	struct portdp_aes_cbc c = { .key_len = 16, .dir = PORTDP_AES_ENCRYPT, .len = 16 };
	struct portdp_aes_cmac m = { .key_len = 16, .flags = PORTDP_CMAC_FINAL, .len = 16 };
	uint8_t out[16];
	int i;

	memcpy(c.key, key, 16);
	for (i = 0; i < 16; i++)
		c.iv[i] = i;
	c.in = (uintptr_t)pt;
	c.out = (uintptr_t)out;
	ASSERT_EQ(0, ioc(self->fd, PORTDP_IOC_AES_CBC, &c));
	EXPECT_EQ(0, memcmp(out, ct, 16));
	EXPECT_EQ(0, memcmp(c.iv, ct, 16));
	memcpy(m.key, key, 16);
	m.in = (uintptr_t)pt;
	ASSERT_EQ(0, ioc(self->fd, PORTDP_IOC_AES_CMAC, &m));
	EXPECT_EQ(0, memcmp(m.state, mac, 16));

	c.len = 15;
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_AES_CBC, &c));
	c.len = 16;
	c.key_len = 17;
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_AES_CBC, &c));
	m.flags = 0;
	m.len = 15;
	EXPECT_EQ(-EINVAL, ioc(self->fd, PORTDP_IOC_AES_CMAC, &m));
}

TEST(sysfs_attributes)
{
	char buf[256], want[16];

	if (access(PORTDP_SYSFS, F_OK))
		SKIP(return, "no portdp-accel0");
	ASSERT_EQ(0, pdt_sysfs_read("state", buf, sizeof(buf)));
	EXPECT_STREQ("ready", buf);
	ASSERT_EQ(0, pdt_sysfs_read("fw_version", buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "portdp-card"));
	ASSERT_EQ(0, pdt_sysfs_read("proto_version", buf, sizeof(buf)));
	snprintf(want, sizeof(want), "%d.%d", PDC_PROTO_VERSION, PDC_PROTO_MINOR);
	EXPECT_STREQ(want, buf);
	ASSERT_EQ(0, pdt_sysfs_read("serial", buf, sizeof(buf)));
	EXPECT_EQ(32, strlen(buf));
	EXPECT_EQ(32, pdt_sysfs_num("key_slots"));
	ASSERT_EQ(0, pdt_sysfs_read("transport", buf, sizeof(buf)));
	/* The guest boots once per transport (testbed/vm/run-vm-tests). */
	EXPECT_STREQ(getenv("PORTDP_TRANSPORT") ?: "pcie", buf);
	if (!strcmp(buf, "usb")) {
		/* the USB card's own limit (pdc_usb_info.max_inflight) */
		EXPECT_LE(1, pdt_sysfs_num("queue_depth"));
		EXPECT_GE(64, pdt_sysfs_num("queue_depth"));
		ASSERT_EQ(0, pdt_sysfs_read("link_speed", buf, sizeof(buf)));
		EXPECT_NE(NULL, strstr(buf, "-speed"));	/* usb_speed_string() */
		EXPECT_LE(1, pdt_sysfs_num("link_plugs"));
		EXPECT_LE(0, pdt_sysfs_num("link_unplugs"));
	} else {
		EXPECT_EQ(64, pdt_sysfs_num("queue_depth"));
		EXPECT_NE(0, access(PORTDP_SYSFS "/link_speed", F_OK));
	}
	EXPECT_LE(0, pdt_sysfs_num("errors"));
	EXPECT_LE(0, pdt_sysfs_num("timeouts"));
	EXPECT_LE(1, pdt_sysfs_num("resets"));
	EXPECT_LE(1, pdt_sysfs_num("counters/get_info"));
	ASSERT_EQ(0, pdt_sysfs_read("inflight", buf, sizeof(buf)));
}

/* key_slots_used costs a card command per read: root only (0400). */
TEST(sysfs_key_slots_used_root_only)
{
	struct stat st;

	if (access(PORTDP_SYSFS, F_OK))
		SKIP(return, "no portdp-accel0");
	ASSERT_EQ(0, stat(PORTDP_SYSFS "/key_slots_used", &st));
	EXPECT_EQ(0400, st.st_mode & 07777);
	ASSERT_EQ(0, stat(PORTDP_SYSFS "/state", &st));
	EXPECT_EQ(0444, st.st_mode & 07777);
}

static int write_param(const char *name, const char *val)
{
	char path[128];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/sys/module/portdp_accel/parameters/%s", name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static long read_param(const char *name)
{
	char path[128], buf[32] = "";
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/module/portdp_accel/parameters/%s", name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? strtol(buf, NULL, 10) : -1;
}

/* 0 would be a reset storm; out-of-range and garbage leave the value alone. */
TEST(module_params_bounded)
{
	static const char *const names[] = {"timeout_ms", "retry_ms"};
	unsigned int i;

	for (i = 0; i < 2; i++) {
		long before = read_param(names[i]);
		char val[24];

		ASSERT_LT(0, before);
		EXPECT_EQ(-EINVAL, write_param(names[i], "0"));
		EXPECT_EQ(-EINVAL, write_param(names[i], "9"));
		EXPECT_EQ(-EINVAL, write_param(names[i], "60001"));
		EXPECT_EQ(-EINVAL, write_param(names[i], "-1"));
		EXPECT_EQ(-EINVAL, write_param(names[i], "abc"));
		EXPECT_EQ(before, read_param(names[i]));
		EXPECT_EQ(0, write_param(names[i], "10"));
		EXPECT_EQ(10, read_param(names[i]));
		EXPECT_EQ(0, write_param(names[i], "60000"));
		EXPECT_EQ(60000, read_param(names[i]));
		snprintf(val, sizeof(val), "%ld", before);
		EXPECT_EQ(0, write_param(names[i], val));
		EXPECT_EQ(before, read_param(names[i]));
	}
}

/*
 * The harness adds an ivshmem device with no card behind it (all-zero
 * memory): the driver must leave it unclaimed and unwritten.
 */
TEST(not_a_card_left_alone)
{
	char path[300], buf[16];
	unsigned char *mem;
	struct dirent *d;
	int decoys = 0;
	DIR *dir;

	dir = opendir("/sys/bus/pci/devices");
	ASSERT_NE(NULL, dir);
	while ((d = readdir(dir))) {
		size_t i;
		FILE *f;
		int fd;

		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device", d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
		if (strncmp(buf, "0x1110", 6))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", d->d_name);
		if (!access(path, F_OK))
			continue;	/* the card, bound */
		decoys++;
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource2", d->d_name);
		fd = open(path, O_RDONLY);
		ASSERT_LE(0, fd);
		mem = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
		ASSERT_NE(MAP_FAILED, mem);
		for (i = 0; i < 4096; i++)
			if (mem[i])
				break;
		EXPECT_EQ(4096, i);
		munmap(mem, 4096);
		close(fd);
	}
	closedir(dir);
	if (!decoys)
		SKIP(return, "no decoy ivshmem device in this guest");
	EXPECT_NE(0, access("/dev/portdp-accel1", F_OK));
}

TEST_HARNESS_MAIN
