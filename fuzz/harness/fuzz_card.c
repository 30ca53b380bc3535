// SPDX-License-Identifier: Apache-2.0
/*
 * The card's request validation and dispatch (firmware/core: card_handle()),
 * i.e. everything a host (or a compromised driver) can send the card.
 * Input: a sequence of messages, each a 2-byte little-endian length and that
 * many bytes, handed to one card in order (so a session can be created and
 * then used). Sessions are dropped between inputs (card_reset); key slots
 * live in a key store under $TMPDIR for the whole run.
 *
 * Promises checked, for every message: card_handle() returns 0 and a
 * well-formed response: magic, version, length = header + body <=
 * PDC_MAX_MSG, a known status, an empty body on error, and the request's
 * tag and opcode echoed when its header was complete.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "card.h"
#include "fuzz.h"

static struct card *card;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *tmp = getenv("TMPDIR");
	static char dir[256], ks[300];
	struct card_config cfg = {0};

	(void)argc, (void)argv;
	snprintf(dir, sizeof(dir), "%s/fuzz-card-XXXXXX", tmp ? tmp : "/tmp");
	FUZZ_CHECK(mkdtemp(dir));
	snprintf(ks, sizeof(ks), "%s/keystore", dir);
	cfg.keystore_path = ks;
	cfg.max_sessions = 8;
	FUZZ_CHECK(card_open(&cfg, &card) == 0);
	FUZZ_CHECK(card_state(card) == PDC_STATE_READY);
	return 0;
}

static void one(const uint8_t *msg, size_t len)
{
	static uint8_t resp[PDC_MAX_MSG + 64];
	uint8_t *req = malloc(len ? len : 1); /* exactly @len bytes, for ASan */
	struct pdc_hdr rq, h;
	size_t rlen = 0;

	FUZZ_CHECK(req);
	memcpy(req, msg, len);
	memset(resp, 0xa5, sizeof(resp));
	FUZZ_CHECK(card_handle(card, req, len, resp, &rlen) == 0);
	FUZZ_CHECK(rlen >= sizeof(h) && rlen <= PDC_MAX_MSG);
	memcpy(&h, resp, sizeof(h));
	FUZZ_CHECK(h.magic == PDC_MAGIC_RESP);
	FUZZ_CHECK(h.version == PDC_PROTO_VERSION);
	FUZZ_CHECK(rlen == sizeof(h) + h.len);
	FUZZ_CHECK(h.status < PDC_ST__COUNT);
	if (h.status != PDC_ST_OK)
		FUZZ_CHECK(h.len == 0);
	if (len >= sizeof(rq)) {
		memcpy(&rq, req, sizeof(rq));
		if (rq.magic == PDC_MAGIC_REQ)
			FUZZ_CHECK(h.tag == rq.tag && h.opcode == rq.opcode);
	}
	free(req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	card_reset(card);
	while (size >= 2) {
		size_t n = (size_t)data[0] | (size_t)data[1] << 8;

		data += 2, size -= 2;
		if (n > size)
			n = size;
		one(data, n);
		data += n, size -= n;
	}
	return 0;
}
