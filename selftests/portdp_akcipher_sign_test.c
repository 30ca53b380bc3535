// SPDX-License-Identifier: GPL-2.0
/*
 * portdp_akcipher_sign_test - ECDSA sign through the kernel crypto API
 * (akcipher "ecdsa-nist-p256-slot" with a card key slot), which testmgr does not
 * cover on 6.1. Generates a key on the card, loads the test module
 * selftests/kmod/portdp_akcipher_test.ko with that slot, relays the
 * module's TAP lines from debugfs, verifies the module's signature with
 * OpenSSL as well, and unloads the module.
 */
#define OPENSSL_API_COMPAT 0x10100000L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <linux/portdp_accel.h>
#include "kselftest.h"
#include "portdp_common.h"

#define KEY_SLOT	6
#define EMPTY_SLOT	7
#define KMOD_NAME	"portdp_akcipher_test"
#define KMOD_PATH	"/lib/portdp-test/" KMOD_NAME ".ko"
#define DEBUGFS		"/sys/kernel/debug"
#define RESULTS		DEBUGFS "/" KMOD_NAME "/results"
/* Lines the module must report (a run that stops early fails). */
#define KMOD_TESTS	20

static int load_module(const char *path, const char *params)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = syscall(__NR_finit_module, fd, params, 0) ? -errno : 0;
	close(fd);
	return ret;
}

static int hex_to_bytes(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned int b;

	while (hex[0] && hex[0] != '\n' && n < cap) {
		if (sscanf(hex, "%2x", &b) != 1)
			return -1;
		out[n++] = b;
		hex += 2;
	}
	return n;
}

/* DER ECDSA-Sig-Value -> raw r || s (what pdt_ossl_verify takes). */
static int der_to_raw(const uint8_t *der, int len, uint8_t rs[64])
{
	const unsigned char *p = der;
	ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, len);
	const BIGNUM *r, *s;
	int ok;

	if (!sig || p != der + len) {
		ECDSA_SIG_free(sig);
		return -1;
	}
	ECDSA_SIG_get0(sig, &r, &s);
	ok = BN_bn2binpad(r, rs, 32) == 32 && BN_bn2binpad(s, rs + 32, 32) == 32;
	ECDSA_SIG_free(sig);
	return ok ? 0 : -1;
}

int main(void)
{
	struct portdp_key k = { .slot = EMPTY_SLOT };
	char params[256], line[512], hexpub[2 * PORTDP_PUBKEY_LEN + 1];
	uint8_t sig[80], digest[32], rs[64];
	int fd, i, err, reported = 0, sig_len = -1, dlen = -1;
	const char *path = getenv("PORTDP_TEST_KMOD") ?: KMOD_PATH;
	FILE *f;

	ksft_print_header();
	ksft_set_plan(KMOD_TESTS + 3);
	fd = pdt_open(5000);
	if (fd < 0)
		ksft_exit_skip("no " PORTDP_DEV "\n");
	if (access(path, R_OK))
		ksft_exit_skip("test module %s not found\n", path);
	ioctl(fd, PORTDP_IOC_KEY_DESTROY, &k);	/* the empty slot may hold a key */
	err = pdt_key_fresh(fd, KEY_SLOT, &k);
	if (err)
		ksft_exit_fail_msg("key generate in slot %d: %d\n", KEY_SLOT, err);
	for (i = 0; i < PORTDP_PUBKEY_LEN; i++)
		sprintf(hexpub + 2 * i, "%02x", k.pub[i]);
	snprintf(params, sizeof(params), "slot=%d empty_slot=%d pub=%s", KEY_SLOT, EMPTY_SLOT,
		 hexpub);

	err = load_module(path, params);
	if (err)
		ksft_exit_fail_msg("load %s: %s\n", path, strerror(-err));
	if (access(RESULTS, R_OK) && mount("debugfs", DEBUGFS, "debugfs", 0, NULL) && errno != EBUSY)
		ksft_print_msg("mount debugfs: %s\n", strerror(errno));
	f = fopen(RESULTS, "r");
	if (!f) {
		syscall(__NR_delete_module, KMOD_NAME, O_NONBLOCK);
		ksft_exit_fail_msg("open %s: %s\n", RESULTS, strerror(errno));
	}
	while (fgets(line, sizeof(line), f)) {
		char *name;

		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "ok ", 3) || !strncmp(line, "not ok ", 7)) {
			name = strstr(line, " - ");
			reported++;
			ksft_test_result(line[0] == 'o', "kmod: %s\n", name ? name + 3 : line);
		} else if (!strncmp(line, "sig ", 4)) {
			sig_len = hex_to_bytes(line + 4, sig, sizeof(sig));
		} else if (!strncmp(line, "digest ", 7)) {
			dlen = hex_to_bytes(line + 7, digest, sizeof(digest));
		}
	}
	fclose(f);
	ksft_test_result(reported == KMOD_TESTS, "module reported %d of %d results\n", reported,
			 KMOD_TESTS);
	ksft_test_result(sig_len > 0 && dlen == 32 && !der_to_raw(sig, sig_len, rs) &&
			 pdt_ossl_verify(k.pub, digest, 32, rs) == 1,
			 "OpenSSL verifies the crypto API signature with the slot's public key\n");
	ksft_test_result(!syscall(__NR_delete_module, KMOD_NAME, O_NONBLOCK),
			 "test module unloads\n");
	close(fd);
	ksft_finished();
}
