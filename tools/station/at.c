// SPDX-License-Identifier: Apache-2.0
/*
 * An eUICC behind a cellular module, through 3GPP TS 27.007 AT commands on its
 * serial port: AT+CCHO opens a logical channel to the ISD-R (the module does
 * MANAGE CHANNEL and SELECT), AT+CGLA carries each APDU on it, AT+CCHC closes
 * it; or AT+CSIM carries raw APDUs on the basic channel (the link layer then
 * opens the channel itself). Each command waits for its final result code
 * (OK, ERROR, +CME ERROR) for at most the timeout.
 */
#include "chip.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "apdu.h"

#define AT_LINE_MAX (2 * APDU_MAX_RESP + 64)

struct at_tr {
	int fd;
	bool csim;
	unsigned session;     /* CCHO session id, 0: none */
	unsigned timeout_ms;
	char *buf;            /* bytes read, not yet a line */
	size_t len;
	char *cmd;            /* command being built */
	char *answer;         /* the information line of the last command */
};

int chip_link_up(struct station_chip *c, const struct es10_transport *t,
		 const struct es10_link_opts *lo, char *err, size_t err_len);
void chip_at_free(struct station_chip *c);

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

/* One line (without CR/LF, never empty) within @deadline. */
static int read_line(struct at_tr *t, char **line, long deadline)
{
	for (;;) {
		char *nl;

		/* Skip leading CR/LF (empty lines). */
		while (t->len && (t->buf[0] == '\r' || t->buf[0] == '\n')) {
			memmove(t->buf, t->buf + 1, --t->len);
		}
		nl = memchr(t->buf, '\n', t->len);
		if (!nl)
			nl = memchr(t->buf, '\r', t->len);
		if (nl) {
			size_t n = (size_t)(nl - t->buf);
			/* No modem puts a NUL in a line: garbage, not a shorter line. */
			bool nul = memchr(t->buf, '\0', n);

			*line = nul ? NULL : strndup(t->buf, n);
			memmove(t->buf, nl + 1, t->len - n - 1);
			t->len -= n + 1;
			if (nul)
				return -EBADMSG;
			if (!*line)
				return -ENOMEM;
			if (n && (*line)[n - 1] == '\r')
				(*line)[n - 1] = '\0';
			return 0;
		}
		{
			struct pollfd pfd = { .fd = t->fd, .events = POLLIN };
			long left = deadline - now_ms();
			ssize_t r;

			if (t->len >= AT_LINE_MAX)
				return -EBADMSG;
			if (left <= 0)
				return -ETIMEDOUT;
			r = poll(&pfd, 1, (int)left);
			if (r < 0 && errno != EINTR)
				return -errno;
			if (r <= 0)
				continue;
			if (pfd.revents & (POLLHUP | POLLERR) && !(pfd.revents & POLLIN))
				return -EIO;
			r = read(t->fd, t->buf + t->len, AT_LINE_MAX - t->len);
			if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
				return -EIO;
			if (r > 0)
				t->len += (size_t)r;
		}
	}
}

/*
 * Send @cmd and read to the final result code. The last information line goes
 * to t->answer. 0 for OK; -EPROTO for ERROR / +CME ERROR (*cme = its code or -1).
 */
static int at_cmd(struct at_tr *t, const char *cmd, int *cme)
{
	long deadline = now_ms() + t->timeout_ms;
	size_t n = strlen(cmd);
	int ret;

	free(t->answer);
	t->answer = NULL;
	*cme = -1;
	t->len = 0; /* anything unsolicited before the command is dropped */
	{
		char *line = malloc(n + 2);

		if (!line)
			return -ENOMEM;
		memcpy(line, cmd, n);
		line[n] = '\r';
		ret = write(t->fd, line, n + 1) == (ssize_t)(n + 1) ? 0 : -EIO;
		free(line);
		if (ret)
			return ret;
	}
	for (;;) {
		char *line = NULL;

		ret = read_line(t, &line, deadline);
		if (ret)
			return ret;
		if (!strcmp(line, "OK")) {
			free(line);
			return 0;
		}
		if (!strcmp(line, "ERROR") || !strncmp(line, "+CME ERROR:", 11)) {
			if (line[0] == '+')
				*cme = atoi(line + 11);
			free(line);
			return -EPROTO;
		}
		if (!strcmp(line, cmd)) { /* echo */
			free(line);
			continue;
		}
		free(t->answer);
		t->answer = line;
	}
}

/* "+TAG: len,\"HEX\"" (or without "+TAG: ") into @resp. */
static int parse_hex_answer(const char *a, const char *tag, uint8_t *resp, size_t *rlen)
{
	size_t tl = strlen(tag), hl;
	unsigned long len;
	const char *q;
	char *end;

	if (!a)
		return -EBADMSG;
	if (!strncmp(a, tag, tl))
		a += tl;
	while (*a == ' ')
		a++;
	len = strtoul(a, &end, 10);
	if (end == a || *end != ',' || end[1] != '"')
		return -EBADMSG;
	q = end + 2;
	hl = strcspn(q, "\"");
	if (q[hl] != '"' || hl != len || hl % 2 || hl / 2 > APDU_MAX_RESP || hl < 4)
		return -EBADMSG;
	for (size_t i = 0; i < hl; i += 2) {
		char two[3] = { q[i], q[i + 1], 0 };

		if (!strchr("0123456789abcdefABCDEF", two[0]) ||
		    !strchr("0123456789abcdefABCDEF", two[1]))
			return -EBADMSG;
		resp[i / 2] = (uint8_t)strtoul(two, NULL, 16);
	}
	*rlen = hl / 2;
	return 0;
}

static int at_xmit(void *ctx, const uint8_t *cmd, size_t len, uint8_t *resp, size_t *rlen)
{
	struct station_chip *c = ctx;
	struct at_tr *t = c->tr;
	size_t off;
	int cme, ret;

	c->apdus++;
	if (t->csim)
		off = (size_t)sprintf(t->cmd, "AT+CSIM=%zu,\"", 2 * len);
	else
		off = (size_t)sprintf(t->cmd, "AT+CGLA=%u,%zu,\"", t->session, 2 * len);
	for (size_t i = 0; i < len; i++)
		off += (size_t)sprintf(t->cmd + off, "%02X", cmd[i]);
	sprintf(t->cmd + off, "\"");
	ret = at_cmd(t, t->cmd, &cme);
	if (ret == -EPROTO && (cme == 10 || cme == 13)) {
		c->gone = true; /* SIM not inserted / SIM failure: the chip is gone */
		return -ENODEV;
	}
	if (ret == -ETIMEDOUT || ret == -EIO)
		c->gone = true;
	if (ret)
		return ret == -EPROTO ? -EIO : ret;
	return parse_hex_answer(t->answer, t->csim ? "+CSIM:" : "+CGLA:", resp, rlen) ? -EIO : 0;
}

void chip_at_free(struct station_chip *c)
{
	struct at_tr *t = c->tr;

	if (!t)
		return;
	if (t->session && !c->gone) {
		int cme;
		char cmd[32];

		snprintf(cmd, sizeof(cmd), "AT+CCHC=%u", t->session);
		at_cmd(t, cmd, &cme);
	}
	if (t->fd >= 0)
		close(t->fd);
	free(t->buf);
	free(t->cmd);
	free(t->answer);
	free(t);
}

static int open_tty(const char *path)
{
	struct termios tio;
	int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (!tcgetattr(fd, &tio)) {
		cfmakeraw(&tio);
		cfsetspeed(&tio, B115200);
		tio.c_cflag |= CLOCAL | CREAD;
		tcsetattr(fd, TCSANOW, &tio);
	}
	return fd;
}

int at_chip(const char *path, bool csim, const struct chip_opts *o, struct station_chip **out,
	    char *err, size_t err_len)
{
	static const uint8_t isdr[] = { 0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
					0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00 };
	struct station_chip *c = calloc(1, sizeof(*c));
	struct at_tr *t = calloc(1, sizeof(*t));
	struct es10_transport tr = { .transmit = at_xmit };
	struct es10_link_opts lo = { 0 };
	int cme, ret;

	if (!c || !t) {
		free(c);
		free(t);
		return -ENOMEM;
	}
	c->kind = CHIP_AT;
	c->tr = t;
	snprintf(c->name, sizeof(c->name), "%s", path);
	t->csim = csim;
	t->timeout_ms = o && o->timeout_ms ? o->timeout_ms : 5000;
	t->buf = malloc(AT_LINE_MAX + 1);
	t->cmd = malloc(AT_LINE_MAX);
	t->fd = open_tty(path);
	if (!t->buf || !t->cmd || t->fd < 0) {
		ret = t->fd < 0 ? t->fd : -ENOMEM;
		snprintf(err, err_len, "%s: %s", path, strerror(-ret));
		goto fail;
	}
	/*
	 * Answers to a program that died mid-command may still be on their way: say
	 * ATE0, let them all arrive, drop them, then check the modem answers AT.
	 */
	tcflush(t->fd, TCIOFLUSH);
	if (write(t->fd, "ATE0\r", 5) != 5) {
		ret = -EIO;
		snprintf(err, err_len, "%s: cannot write", path);
		goto fail;
	}
	{
		struct pollfd pfd = { .fd = t->fd, .events = POLLIN };
		char junk[512];

		while (poll(&pfd, 1, 100) == 1 && read(t->fd, junk, sizeof(junk)) > 0)
			;
	}
	ret = at_cmd(t, "AT", &cme);
	if (ret) {
		snprintf(err, err_len, "%s: no answer to AT (%s)", path, strerror(-ret));
		goto fail;
	}
	if (!csim) {
		const uint8_t *aid = o && o->aid ? o->aid : isdr;
		size_t aid_len = o && o->aid ? o->aid_len : sizeof(isdr);
		char cmd[64];
		size_t off = (size_t)sprintf(cmd, "AT+CCHO=\"");
		const char *a;

		for (size_t i = 0; i < aid_len; i++)
			off += (size_t)sprintf(cmd + off, "%02X", aid[i]);
		sprintf(cmd + off, "\"");
		ret = at_cmd(t, cmd, &cme);
		if (ret) {
			snprintf(err, err_len, "%s: AT+CCHO: %s%s", path,
				 cme == 10 ? "no SIM inserted" : cme >= 0 ? "CME error" : "error",
				 ret == -ETIMEDOUT ? " (timeout)" : "");
			ret = cme == 10 || cme == 13 ? -ENODEV : -EIO;
			goto fail;
		}
		a = t->answer ? t->answer : "";
		if (!strncmp(a, "+CCHO:", 6))
			a += 6;
		t->session = (unsigned)strtoul(a, NULL, 10);
		if (!t->session) {
			snprintf(err, err_len, "%s: AT+CCHO gave no session id", path);
			ret = -EIO;
			goto fail;
		}
		/* The module opened and selected: the link only carries STORE DATA on it. */
		lo.preopened_channel = t->session;
	} else if (o) {
		lo.aid = o->aid;
		lo.aid_len = o->aid_len;
	}
	tr.ctx = c;
	ret = chip_link_up(c, &tr, &lo, err, err_len);
	if (ret)
		goto fail;
	*out = c;
	return 0;
fail:
	chip_close(c);
	return ret;
}
