/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ES9+ client: one HTTPS POST of a JSON body per SGP.22 function, sent the
 * way lpac sends it (headers, JSON with base64 DER), TLS checked against the
 * given CA file. Knows nothing of the eUICC.
 *
 * Return values: 0 (function executed), -EPROTO (the SM-DP+ answered
 * "Failed"; codes in struct es9_status), -EIO (network/TLS/HTTP error),
 * -EBADMSG (the answer is not the JSON ES9+ promises), -ENOMEM.
 */
#ifndef PORTDP_LPA_ES9_CLIENT_H
#define PORTDP_LPA_ES9_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct es9_client_opts {
	const char *smdp_address;  /* host[:port], from the activation code */
	const char *cacert;        /* PEM file of trusted roots; NULL: system store */
	const char *resolve;       /* "host:port:addr" pinned into curl's DNS cache, or NULL */
	const char *connect_to;    /* "host:port:host2:port2": connect there instead, or NULL */
	long timeout_s;            /* whole request, 0: 30 s */
	bool verbose;              /* log each call on stderr */
	bool asn1;                 /* the ASN.1 binding (SGP.22 §6.6, POST /gsma/rsp2/asn1) */
	/*
	 * Instead of HTTPS: hand each ASN.1 request to a Port-DP+ card (docs/apdu-binding.md);
	 * implies asn1. 0, or a negative errno when the card could not be reached.
	 */
	int (*der_call)(void *ctx, const uint8_t *req, size_t len, uint8_t **resp,
			size_t *resp_len);
	void *der_ctx;
};

/** What the SM-DP+ said about one call. */
struct es9_status {
	long http_status;
	char status[32];           /* "Executed-Success", "Failed", ... */
	char subject_code[16];     /* e.g. "8.2.6" when Failed */
	char reason_code[16];      /* e.g. "3.8" */
	char message[256];
};

struct es9_client;

int es9_client_new(const struct es9_client_opts *opts, struct es9_client **out);
void es9_client_free(struct es9_client *c);

/**
 * es9_call() - POST @req (JSON) to /gsma/rsp2/es9plus/@function.
 * @resp: [out] the parsed answer (NULL for an empty 204 answer); caller
 *        json_decref()s it. Set only when 0 is returned.
 */
int es9_call(struct es9_client *c, const char *function, json_t *req, json_t **resp,
	     struct es9_status *st);

/** es9_status_str() - "Failed 8.2.6/3.8 (message)" for logs. */
const char *es9_status_str(const struct es9_status *st, char *buf, unsigned len);

#endif
