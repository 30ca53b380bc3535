// SPDX-License-Identifier: Apache-2.0
/*
 * The AT modem link of a factory station (tools/station/at.c): what a
 * cellular module writes back on its serial port. The harness compiles at.c
 * into itself to reach the reader below at_chip() (which would wait 100 ms
 * per input for a modem's stale answers to drain): the first input byte
 * picks AT+CSIM or AT+CGLA and the timeout path, the rest is the modem's
 * byte stream, served through a socket whose far end then closes (a modem
 * that stops talking).
 *
 * Promises checked: every command ends 0 or with -EIO, -ENODEV, -EPROTO,
 * -EBADMSG, -ETIMEDOUT; an APDU answer is returned only with success, holds
 * a status word and fits APDU_MAX_RESP; a chip is marked gone when its
 * modem failed it; the link is freed whatever was read.
 */
#include "../../tools/station/at.c"

#include <sys/socket.h>

#include "fuzz.h"

/* at_chip(), which the harness does not call, needs these of chip.c. */
int chip_link_up(struct station_chip *c, const struct es10_transport *t,
		 const struct es10_link_opts *lo, char *err, size_t err_len)
{
	(void)c, (void)t, (void)lo, (void)err, (void)err_len;
	abort();
}

void chip_close(struct station_chip *c)
{
	(void)c;
	abort();
}

static bool known_error(int ret)
{
	return ret == -EIO || ret == -ENODEV || ret == -EPROTO || ret == -EBADMSG ||
	       ret == -ETIMEDOUT;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* GetEUICCChallenge and a STORE DATA block: short and long commands. */
	static const uint8_t challenge[] = { 0x80, 0xE2, 0x91, 0x00, 0x03, 0xBF, 0x2E, 0x00, 0x00 };
	static uint8_t block[5 + 255];
	struct station_chip c = { .kind = CHIP_AT };
	struct at_tr *t;
	uint8_t resp[APDU_MAX_RESP];
	int sv[2], cme, ret;

	if (!size || size > 64 * 1024)
		return 0;
	t = calloc(1, sizeof(*t));
	FUZZ_CHECK(t);
	block[0] = 0x80, block[1] = 0xE2, block[2] = 0x11, block[4] = 0xFF;
	t->csim = data[0] & 1;
	t->session = t->csim ? 0 : 1 + (data[0] >> 4);
	t->timeout_ms = 2;
	t->buf = malloc(AT_LINE_MAX + 1);
	t->cmd = malloc(AT_LINE_MAX);
	FUZZ_CHECK(t->buf && t->cmd);
	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	FUZZ_CHECK(write(sv[1], data + 1, size - 1) == (ssize_t)(size - 1));
	/* Bit 1: the modem stays silent but open, so the deadline must end the wait. */
	if (!(data[0] & 2))
		shutdown(sv[1], SHUT_WR);
	FUZZ_CHECK(fcntl(sv[0], F_SETFL, O_NONBLOCK) == 0);
	t->fd = sv[0];
	c.tr = t;

	ret = at_cmd(t, "AT", &cme);
	FUZZ_CHECK(ret == 0 || known_error(ret));
	for (int i = 0; i < 3 && !c.gone; i++) {
		const uint8_t *cmd = i == 1 ? block : challenge;
		size_t len = i == 1 ? sizeof(block) : sizeof(challenge), rlen = 0;

		ret = at_xmit(&c, cmd, len, resp, &rlen);
		FUZZ_CHECK(ret == 0 || known_error(ret));
		if (ret)
			FUZZ_CHECK(ret != -ETIMEDOUT || c.gone);
		else
			FUZZ_CHECK(rlen >= 2 && rlen <= APDU_MAX_RESP);
	}
	FUZZ_CHECK(c.apdus <= 3);
	/* Frees the link (and says AT+CCHC on a channel still open). */
	chip_at_free(&c);
	close(sv[1]);
	return 0;
}
