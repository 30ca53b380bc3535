/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the card's front ends (PCIe, USB) share around the transport-neutral
 * core: log lines with the program's name, number options, and the card
 * opened from its key store.
 */
#ifndef CARD_FRONTEND_H
#define CARD_FRONTEND_H

#include <stdbool.h>

struct card;

/* fe_init() - the program's name for log lines; @quiet silences fe_log(). */
void fe_init(const char *prog, bool quiet);

/* fe_log() - one line on stderr, "PROG: ...", unless quiet. */
void fe_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* fe_parse_uint() - a decimal number 0..@max into *@out; false on anything else. */
bool fe_parse_uint(const char *s, unsigned long long max, unsigned long long *out);

/*
 * fe_card_open() - the card from its key store (and device key), saying on
 * stderr why it cannot open and in the log when its self-test failed.
 * Returns 0 or -errno.
 */
int fe_card_open(const char *keystore, const char *device_key, unsigned int max_sessions,
		 struct card **out);

#endif /* CARD_FRONTEND_H */
