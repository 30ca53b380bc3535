// SPDX-License-Identifier: GPL-2.0
#define OPENSSL_API_COMPAT 0x10100000L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdh.h>
#include <openssl/ecdsa.h>
#include <openssl/obj_mac.h>
#include <openssl/sha.h>
#include "portdp_common.h"

static void pdt_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

int pdt_open(int wait_ms)
{
	int fd;

	for (;;) {
		fd = open(PORTDP_DEV, O_RDWR | O_CLOEXEC);
		if (fd >= 0 || wait_ms <= 0)
			return fd;
		pdt_sleep_ms(50);
		wait_ms -= 50;
	}
}

int pdt_sysfs_read(const char *attr, char *buf, size_t len)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), PORTDP_SYSFS "/%s", attr);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

long long pdt_sysfs_num(const char *attr)
{
	char buf[64];

	if (pdt_sysfs_read(attr, buf, sizeof(buf)))
		return -1;
	return strtoll(buf, NULL, 0);
}

int pdt_wait_state(const char *state, int wait_ms)
{
	char buf[64];

	for (; wait_ms > 0; wait_ms -= 50) {
		if (!pdt_sysfs_read("state", buf, sizeof(buf)) && !strcmp(buf, state))
			return 0;
		pdt_sleep_ms(50);
	}
	return -1;
}

int pdt_hostctl_available(void)
{
	return getenv("PORTDP_HOSTCTL") != NULL || getenv("PORTDP_USB_CTL") != NULL;
}

/* The USB card runs in the guest: its controls are lines in a FIFO. */
static int pdt_usbctl(const char *path, const char *cmd)
{
	const char *line = !strcmp(cmd, "stop-card") ? "hang" :
			   !strcmp(cmd, "restart-card") ? "restart" :
			   !strcmp(cmd, "fail-card") ? "fail" : cmd;
	int fd = open(path, O_WRONLY | O_NONBLOCK);
	int ret;

	if (fd < 0)
		return -1;
	ret = dprintf(fd, "%s\n", line) < 0 ? -1 : 0;
	close(fd);
	/* the firmware reads its FIFO in its main loop: give it a moment */
	pdt_sleep_ms(50);
	return ret;
}

int pdt_hostctl(const char *cmd)
{
	const char *path = getenv("PORTDP_HOSTCTL");
	char line[64], c;
	size_t n = 0;
	int fd;

	if (getenv("PORTDP_USB_CTL"))
		return pdt_usbctl(getenv("PORTDP_USB_CTL"), cmd);
	if (!path)
		return -1;
	fd = open(path, O_RDWR | O_NOCTTY);
	if (fd < 0)
		return -1;
	if (dprintf(fd, "%s\n", cmd) < 0)
		goto fail;
	while (n < sizeof(line) - 1 && read(fd, &c, 1) == 1 && c != '\n')
		line[n++] = c;
	line[n] = '\0';
	close(fd);
	return strcmp(line, "ok") ? -1 : 0;
fail:
	close(fd);
	return -1;
}

int pdt_key_fresh(int fd, uint8_t slot, struct portdp_key *key)
{
	memset(key, 0, sizeof(*key));
	key->slot = slot;
	ioctl(fd, PORTDP_IOC_KEY_DESTROY, key);
	key->curve = PORTDP_CURVE_P256;
	return ioctl(fd, PORTDP_IOC_KEY_GENERATE, key) ? -errno : 0;
}

void pdt_sha256(const void *msg, size_t len, uint8_t out[32])
{
	SHA256(msg, len, out);
}

static EC_KEY *pdt_pub_key(const uint8_t pub[65])
{
	EC_KEY *k = EC_KEY_new_by_curve_name(NID_X9_62_prime256v1);

	if (k && EC_KEY_oct2key(k, pub, 65, NULL) != 1) {
		EC_KEY_free(k);
		return NULL;
	}
	return k;
}

int pdt_ossl_verify(const uint8_t pub[65], const uint8_t *dgst, size_t dlen,
		    const uint8_t sig[64])
{
	EC_KEY *k = pdt_pub_key(pub);
	ECDSA_SIG *s = ECDSA_SIG_new();
	int ok = -1;

	if (k && s && ECDSA_SIG_set0(s, BN_bin2bn(sig, 32, NULL), BN_bin2bn(sig + 32, 32, NULL)))
		ok = ECDSA_do_verify(dgst, dlen, s, k);
	ECDSA_SIG_free(s);
	EC_KEY_free(k);
	return ok < 0 ? -1 : ok;
}

void *pdt_ossl_keygen(uint8_t pub[65])
{
	EC_KEY *k = EC_KEY_new_by_curve_name(NID_X9_62_prime256v1);

	if (!k || EC_KEY_generate_key(k) != 1 ||
	    EC_POINT_point2oct(EC_KEY_get0_group(k), EC_KEY_get0_public_key(k),
			       POINT_CONVERSION_UNCOMPRESSED, pub, 65, NULL) != 65) {
		EC_KEY_free(k);
		return NULL;
	}
	return k;
}

int pdt_ossl_sign(void *key, const uint8_t *dgst, size_t dlen, uint8_t sig[64])
{
	ECDSA_SIG *s = ECDSA_do_sign(dgst, dlen, key);
	const BIGNUM *r, *ss;

	if (!s)
		return -1;
	ECDSA_SIG_get0(s, &r, &ss);
	BN_bn2binpad(r, sig, 32);
	BN_bn2binpad(ss, sig + 32, 32);
	ECDSA_SIG_free(s);
	return 0;
}

int pdt_ossl_ecdh(void *key, const uint8_t peer[65], uint8_t z[32])
{
	EC_KEY *p = pdt_pub_key(peer);
	int n = -1;

	if (p)
		n = ECDH_compute_key(z, 32, EC_KEY_get0_public_key(p), key, NULL);
	EC_KEY_free(p);
	return n == 32 ? 0 : -1;
}

void pdt_ossl_free(void *key)
{
	EC_KEY_free(key);
}
