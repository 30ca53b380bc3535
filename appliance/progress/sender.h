/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The progress report sender: one thread of portdpd that delivers the queued
 * handleDownloadProgressInfo reports (inventory table progress) to each operator's callback
 * URL over HTTPS with our client certificate. Per operator strictly in order: reports go one
 * after the other, oldest first, and the first one not taken stops the operator's turn; a
 * report leaves the queue only after the operator's 204 (deleted after each batch of up to
 * 32). A failure (no answer, timeout, any other status) retries the same report after a
 * backoff (1 s doubling up to progress_retry_max). Reports taken but not yet deleted when
 * portdpd dies are sent again with the same functionCallIdentifier ("<smdp_address>-<seq>",
 * never reused), by which the operator recognises them.
 */
#ifndef PORTDP_PROGRESS_SENDER_H
#define PORTDP_PROGRESS_SENDER_H

#include "../config.h"

struct progress_sender;

/* 0 or -errno with a message in @err. */
int progress_sender_start(const struct portdpd_config *cfg, struct progress_sender **out, char *err,
			  unsigned err_len);
/* Stops (an exchange in flight is finished or times out first) and frees. */
void progress_sender_stop(struct progress_sender *s);

#endif
