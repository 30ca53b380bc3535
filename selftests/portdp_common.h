/* SPDX-License-Identifier: GPL-2.0 */
/*
 * portdp_common.h - helpers shared by the portdp_accel selftests: the
 * device node, sysfs, the host control channel (stop/restart the card
 * from inside the guest) and OpenSSL checks of the card's answers.
 */
#ifndef PORTDP_COMMON_H
#define PORTDP_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <linux/portdp_accel.h>

#define PORTDP_DEV	"/dev/portdp-accel0"
#define PORTDP_SYSFS	"/sys/class/misc/portdp-accel0"

/* Open the device, waiting up to @wait_ms for it to appear; -1 if absent. */
int pdt_open(int wait_ms);
/* Read one sysfs attribute of portdp-accel0 into @buf (trailing \n cut). */
int pdt_sysfs_read(const char *attr, char *buf, size_t len);
long long pdt_sysfs_num(const char *attr);
/* Wait until sysfs state reads @state; 0 or -1 on timeout. */
int pdt_wait_state(const char *state, int wait_ms);
/*
 * Ask the harness to act on the card: "stop-card", "restart-card" (PCIe:
 * the host's firmware via PORTDP_HOSTCTL; USB: the guest's firmware via its
 * control FIFO PORTDP_USB_CTL, which also takes its own commands, e.g.
 * "fault stall").
 */
int pdt_hostctl(const char *cmd);
int pdt_hostctl_available(void);
/* Generate a key in a free slot (destroying what is there). 0 or -errno. */
int pdt_key_fresh(int fd, uint8_t slot, struct portdp_key *key);
/* SHA-256 of @msg. */
void pdt_sha256(const void *msg, size_t len, uint8_t out[32]);
/* OpenSSL verify of a raw r||s P-256 signature: 1 valid, 0 not, -1 error. */
int pdt_ossl_verify(const uint8_t pub[65], const uint8_t *dgst, size_t dlen,
		    const uint8_t sig[64]);
/* OpenSSL P-256 key pair: pub (65 bytes) and a handle for pdt_ossl_ecdh. */
void *pdt_ossl_keygen(uint8_t pub[65]);
int pdt_ossl_sign(void *key, const uint8_t *dgst, size_t dlen, uint8_t sig[64]);
int pdt_ossl_ecdh(void *key, const uint8_t peer[65], uint8_t z[32]);
void pdt_ossl_free(void *key);

#endif
