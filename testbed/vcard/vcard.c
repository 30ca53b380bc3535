// SPDX-License-Identifier: Apache-2.0
/*
 * portdp-vcard: software eUICCs as cards for a station to find, one after the
 * other, the way a line brings devices to a station:
 *
 *   portdp-vcard --cards FILE vpcd PORT     a card in the vpcd reader listening on
 *                                           127.0.0.1:PORT (pcscd + vsmartcard-vpcd)
 *   portdp-vcard --cards FILE modem LINK    a test modem: a pseudo-terminal (LINK
 *                                           is a symlink to it) answering AT+CCHO,
 *                                           AT+CGLA, AT+CCHC, AT+CSIM with the card
 *
 * FILE: one card per line, "IDENTITY_DIR STATE_DIR" (a card may come twice).
 * A card leaves when the station closes its logical channel (MANAGE CHANNEL
 * close / AT+CCHC: the station is done with it), then the next comes after
 * --gap ms (default 600: pcscd polls a vpcd reader every 400 ms and must see the
 * reader empty once, else it takes the next card for the old one and never powers
 * it up). The program ends after the last card.
 *
 * Faults for tests (K: the card's line, from 0):
 *   --pull K:TAG[:N]   the card is pulled out when the N-th ES10 command (or BPP
 *                      segment) starting with TAG (hex, e.g. BF21, 86) arrives
 *   --garbage K:MODE   every STORE DATA gets: sw (6F00), junk (random bytes, 9000),
 *                      short (a one-byte answer)
 * --stay: a card never leaves on its own (one card for several station runs).
 *
 * The card's ATR offers T=0 and T=1 and announces extended Lc/Le in its card
 * capabilities (ISO 7816-4 8.1.1.2.7), as an eUICC that takes extended length does,
 * and the card takes extended APDUs. --no-extended: an ATR without that bit and a card
 * that answers 6700 to extended APDUs; --t0: an ATR offering T=0 only (the bit kept;
 * a station then stays with short APDUs, T=0 carrying none longer).
 * --atr-plain: an ATR without card capabilities (it does not say whether the card
 * takes extended length); --ef-atr HEX: the card's EF.ATR/INFO (2F01 under the MF,
 * ISO 7816-4 8.2.1.1), e.g. 7F66 08 02 02 10 09 02 02 10 02 (4105-byte commands,
 * 4098-byte responses). A station reads it when the ATR leaves the length open.
 * Each card's coming and going is logged on stdout: "in N EID", "out N EID why".
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "apdu.h"
#include "atr.h"
#include "es10_card.h"
#include "soft_euicc.h"

#define MAX_FAULTS 64

struct fault {
	unsigned card;
	uint8_t tag[3];
	size_t tag_len;
	unsigned nth;
	char garbage[8];    /* "" for a pull */
};

struct vcard {
	char **ident, **state;
	unsigned n_cards;
	struct fault faults[MAX_FAULTS];
	unsigned n_faults;
	unsigned gap_ms;
	bool extended;
	bool t0;
	bool stay;
	bool trace;
	bool atr_plain;
	uint8_t ef_atr[EF_ATR_MAX];
	size_t ef_atr_len;
	bool has_ef_atr;
	uint8_t atr[ATR_MAX];
	size_t atr_len;
	/* the card in the slot */
	unsigned cur;
	struct seuicc *e;
	struct es10_card *card;
	unsigned tag_seen[MAX_FAULTS];
	bool done, pulled;
	const char *why;
};

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int isdr(void *ctx, const uint8_t *cmd, size_t len, uint8_t **resp, size_t *rlen)
{
	return seuicc_es10(ctx, cmd, len, resp, rlen);
}

static int card_in(struct vcard *v)
{
	struct seuicc_config c = { .identity_dir = v->ident[v->cur], .state_dir = v->state[v->cur] };
	struct es10_card_opts co = { .extended = v->extended,
				     .ef_atr = v->has_ef_atr ? v->ef_atr : NULL,
				     .ef_atr_len = v->ef_atr_len };
	char err[300];
	int ret = seuicc_open(&c, &v->e, err, sizeof(err));

	if (ret) {
		fprintf(stderr, "portdp-vcard: card %u: %s\n", v->cur, err);
		return ret;
	}
	ret = es10_card_new(&co, isdr, v->e, &v->card);
	if (ret) {
		seuicc_close(v->e);
		return ret;
	}
	memset(v->tag_seen, 0, sizeof(v->tag_seen));
	v->done = v->pulled = false;
	v->why = "done";
	return 0;
}

static void say_in(struct vcard *v)
{
	printf("in %u %s\n", v->cur, seuicc_eid_hex(v->e));
	fflush(stdout);
}

static void card_out(struct vcard *v)
{
	printf("out %u %s %s\n", v->cur, seuicc_eid_hex(v->e), v->why);
	fflush(stdout);
	es10_card_free(v->card);
	seuicc_close(v->e);
	seuicc_cpu_flush(); /* a benchmark may stop us once the last card is out */
	v->card = NULL;
	v->e = NULL;
	v->cur++;
}

static void power_cycle(struct vcard *v)
{
	seuicc_power_cycle(v->e);
	es10_card_reset(v->card);
}

/*
 * One APDU through the faults, then the card. Returns false when the card was
 * pulled (no answer at all).
 */
static bool card_apdu(struct vcard *v, const uint8_t *cmd, size_t len, uint8_t *resp,
		      size_t *rlen)
{
	struct apdu a;
	int sw;

	if (!apdu_parse(cmd, len, &a) && a.ins == APDU_INS_STORE_DATA && (a.cla & 0x80)) {
		for (unsigned i = 0; i < v->n_faults; i++) {
			struct fault *f = &v->faults[i];

			if (f->card != v->cur)
				continue;
			if (f->garbage[0]) {
				if (!strcmp(f->garbage, "sw")) {
					resp[0] = 0x6F;
					resp[1] = 0x00;
					*rlen = 2;
				} else if (!strcmp(f->garbage, "short")) {
					resp[0] = 0x90;
					*rlen = 1;
				} else {
					for (unsigned k = 0; k < 20; k++)
						resp[k] = (uint8_t)rand();
					resp[20] = 0x90;
					resp[21] = 0x00;
					*rlen = 22;
				}
				return true;
			}
			if (a.p2 == 0 && a.lc >= f->tag_len && !memcmp(a.data, f->tag, f->tag_len) &&
			    ++v->tag_seen[i] == f->nth) {
				v->pulled = true;
				v->why = "pulled";
				return false;
			}
		}
	}
	es10_card_apdu(v->card, cmd, len, resp, rlen);
	sw = apdu_sw(resp, *rlen);
	/* The station closed its channel: it is done with this card. */
	if (!apdu_parse(cmd, len, &a) && a.ins == APDU_INS_MANAGE_CHANNEL && a.p1 == 0x80 &&
	    sw == SW_OK && !v->stay)
		v->done = true;
	return true;
}

/* ---- vpcd: 2-byte length + payload over TCP ------------------------------ */
static int read_full(int fd, uint8_t *p, size_t n)
{
	while (n) {
		ssize_t r = read(fd, p, n);

		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/*
 * vpcd writes a message as length, then payload: with Nagle on its side the payload
 * waits for our ACK of the length, which a delayed ACK holds back 40 ms. So ACK the
 * length at once (the flag does not stick: once per message). The payload needs no
 * such push: our answer carries its ACK.
 */
static void ack_now(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
}

static int send_msg(int fd, const uint8_t *p, size_t n)
{
	static uint8_t buf[2 + APDU_MAX_RESP];

	if (n > APDU_MAX_RESP)
		return -1;
	buf[0] = (uint8_t)(n >> 8);
	buf[1] = (uint8_t)n;
	memcpy(buf + 2, p, n);
	return write(fd, buf, n + 2) == (ssize_t)(n + 2) ? 0 : -1;
}

static int vpcd_connect(unsigned port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int one = 1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (unsigned i = 0; i < 300; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0)
			return -1;
		if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			return fd;
		}
		close(fd);
		sleep_ms(100); /* pcscd not up yet */
	}
	return -1;
}

/*
 * One card in the reader until the station is done with it, it is pulled, or
 * vpcd drops the connection. Returns 0 when the card is to leave, 1 when vpcd
 * went away under a card the station never finished (it goes in again).
 */
static int serve_vpcd(struct vcard *v, int fd)
{
	static uint8_t cmd[APDU_MAX_CMD], resp[APDU_MAX_RESP];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	/* vpcd speaks first (power on, ATR) within a few of its polls. */
	if (poll(&pfd, 1, 5000) != 1) {
		v->why = "reader gone (nothing from vpcd in 5 s)";
		return 1;
	}
	while (!v->done && !v->pulled) {
		uint8_t hdr[2];
		size_t n, rlen = 0;

		if (read_full(fd, hdr, 2)) {
			v->why = "reader gone (connection closed by vpcd)";
			return 1;
		}
		ack_now(fd);
		n = (size_t)hdr[0] << 8 | hdr[1];
		if (n > sizeof(cmd) || read_full(fd, cmd, n)) {
			v->why = "reader gone (message cut)";
			return 1;
		}
		if (v->trace)
			fprintf(stderr, "vcard %u: %zu bytes, first %02X\n", v->cur, n, cmd[0]);
		if (n == 1) {
			switch (cmd[0]) {
			case 0: /* power off */
			case 1: /* power on */
			case 2: /* reset */
				power_cycle(v);
				break;
			case 4:
				send_msg(fd, v->atr, v->atr_len);
				break;
			default:
				break;
			}
			continue;
		}
		if (!card_apdu(v, cmd, n, resp, &rlen))
			return 0; /* pulled */
		if (send_msg(fd, resp, rlen)) {
			v->why = "reader gone (send failed)";
			return 1;
		}
	}
	return 0;
}

static int run_vpcd(struct vcard *v, unsigned port)
{
	unsigned tries = 0;

	while (v->cur < v->n_cards) {
		int fd;

		if (!v->card && card_in(v))
			return 1;
		fd = vpcd_connect(port);
		if (fd < 0) {
			fprintf(stderr, "portdp-vcard: no vpcd on port %u\n", port);
			return 1;
		}
		say_in(v);
		if (serve_vpcd(v, fd)) {
			/*
			 * vpcd dropped us (its slot is reset after a failed exchange, e.g. when
			 * pcscd cleans up after a killed client): the card was never finished,
			 * so it goes in again, as an operator would push it back.
			 */
			close(fd);
			printf("out %u %s %s, in again\n", v->cur, seuicc_eid_hex(v->e), v->why);
			power_cycle(v);
			if (++tries > 20) {
				fprintf(stderr, "portdp-vcard: port %u: vpcd keeps dropping the card\n",
					port);
				return 1;
			}
			sleep_ms(500);
			continue;
		}
		tries = 0;
		close(fd); /* the card leaves the reader */
		card_out(v);
		sleep_ms(v->gap_ms);
	}
	return 0;
}

/* ---- the test modem: AT commands on a pty ---------------------------------- */
struct modem {
	int fd;
	char line[2 * APDU_MAX_CMD + 64];
	size_t len;
	bool present;
	bool echo;
};

static void say(struct modem *m, const char *s)
{
	size_t n = strlen(s);

	if (write(m->fd, "\r\n", 2) != 2 || write(m->fd, s, n) != (ssize_t)n ||
	    write(m->fd, "\r\n", 2) != 2)
		return;
}

static int unhex(const char *h, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i += 2) {
		char two[3] = { h[i], h[i + 1], 0 };

		if (!strchr("0123456789abcdefABCDEF", two[0]) || !two[1] ||
		    !strchr("0123456789abcdefABCDEF", two[1]))
			return -1;
		out[i / 2] = (uint8_t)strtoul(two, NULL, 16);
	}
	return 0;
}

/* "LEN,\"HEX\"" into an APDU. */
static int parse_apdu(const char *s, uint8_t *out, size_t *n)
{
	char *end;
	unsigned long len = strtoul(s, &end, 10);
	size_t hl;

	if (end == s || *end != ',' || end[1] != '"')
		return -1;
	s = end + 2;
	hl = strcspn(s, "\"");
	if (s[hl] != '"' || hl != len || hl % 2 || hl < 8 || hl / 2 > APDU_MAX_CMD)
		return -1;
	*n = hl / 2;
	return unhex(s, hl, out);
}

static void answer_apdu(struct modem *m, const char *tag, const uint8_t *resp, size_t rlen)
{
	static char out[2 * APDU_MAX_RESP + 32];
	size_t off = (size_t)sprintf(out, "%s: %zu,\"", tag, 2 * rlen);

	for (size_t i = 0; i < rlen; i++)
		off += (size_t)sprintf(out + off, "%02X", resp[i]);
	sprintf(out + off, "\"");
	say(m, out);
	say(m, "OK");
}

/* One APDU to the card from the modem itself (CCHO's MANAGE CHANNEL and SELECT). */
static int modem_apdu(struct vcard *v, const char *hex, uint8_t *resp, size_t *rlen)
{
	uint8_t cmd[64];
	size_t n = strlen(hex) / 2;

	if (unhex(hex, 2 * n, cmd))
		return -1;
	return card_apdu(v, cmd, n, resp, rlen) ? apdu_sw(resp, *rlen) : -1;
}

static void at_line(struct vcard *v, struct modem *m, char *l)
{
	static uint8_t cmd[APDU_MAX_CMD], resp[APDU_MAX_RESP];
	size_t n, rlen;

	if (!strcmp(l, "AT") || !strcmp(l, "ATZ")) {
		say(m, "OK");
	} else if (!strcmp(l, "ATE0") || !strcmp(l, "ATE1")) {
		m->echo = l[3] == '1';
		say(m, "OK");
	} else if (!m->present && (!strncmp(l, "AT+CCHO", 7) || !strncmp(l, "AT+CGLA", 7) ||
				   !strncmp(l, "AT+CSIM", 7) || !strncmp(l, "AT+CCHC", 7))) {
		say(m, "+CME ERROR: 10"); /* SIM not inserted */
	} else if (!strncmp(l, "AT+CCHO=\"", 9)) {
		char sel[80], open_hex[] = "0070000001";
		size_t aid_len = strcspn(l + 9, "\"");
		int sw;

		if (aid_len < 10 || aid_len > 32 || aid_len % 2) {
			say(m, "+CME ERROR: 50");
			return;
		}
		sw = modem_apdu(v, open_hex, resp, &rlen);
		if (sw == SW_FUNC_NOT_SUPPORTED) {
			/* Every channel taken (stations that went away): the module resets the SIM. */
			power_cycle(v);
			sw = modem_apdu(v, open_hex, resp, &rlen);
		}
		if (sw != SW_OK || rlen != 3) {
			say(m, sw < 0 ? "+CME ERROR: 13" : "+CME ERROR: 3");
			return;
		}
		{
			unsigned ch = resp[0];

			snprintf(sel, sizeof(sel), "%02XA40400%02zX%.*s00", ch, aid_len / 2,
				 (int)aid_len, l + 9);
			sw = modem_apdu(v, sel, resp, &rlen);
			while (sw > 0 && (sw & 0xFF00) == SW_BYTES_LEFT) {
				char gr[16];

				snprintf(gr, sizeof(gr), "%02XC00000%02X", ch, sw & 0xFF);
				sw = modem_apdu(v, gr, resp, &rlen);
			}
			if (sw != SW_OK) {
				say(m, sw < 0 ? "+CME ERROR: 13" : "+CME ERROR: 3");
				return;
			}
			snprintf(sel, sizeof(sel), "+CCHO: %u", ch);
			say(m, sel);
			say(m, "OK");
		}
	} else if (!strncmp(l, "AT+CGLA=", 8)) {
		char *end;
		unsigned long ch = strtoul(l + 8, &end, 10);

		if (*end != ',' || !ch || parse_apdu(end + 1, cmd, &n) ||
		    apdu_channel(cmd[0]) != ch) {
			say(m, "+CME ERROR: 50"); /* incorrect parameters */
			return;
		}
		if (!card_apdu(v, cmd, n, resp, &rlen)) {
			say(m, "+CME ERROR: 13"); /* SIM failure: it was pulled */
			return;
		}
		answer_apdu(m, "+CGLA", resp, rlen);
	} else if (!strncmp(l, "AT+CSIM=", 8)) {
		if (parse_apdu(l + 8, cmd, &n)) {
			say(m, "+CME ERROR: 50");
			return;
		}
		if (!card_apdu(v, cmd, n, resp, &rlen)) {
			say(m, "+CME ERROR: 13");
			return;
		}
		answer_apdu(m, "+CSIM", resp, rlen);
	} else if (!strncmp(l, "AT+CCHC=", 8)) {
		char hex[16];
		unsigned long ch = strtoul(l + 8, NULL, 10);
		int sw;

		snprintf(hex, sizeof(hex), "007080%02lX", ch & 0xFF);
		sw = ch && ch < 20 ? modem_apdu(v, hex, resp, &rlen) : -1;
		say(m, sw == SW_OK ? "OK" : "+CME ERROR: 50");
	} else {
		say(m, "ERROR");
	}
}

static int run_modem(struct vcard *v, const char *link_path)
{
	struct modem m = { .echo = true };
	struct termios tio;
	char *pts;
	int keep;
	long next_in = 0;

	m.fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m.fd < 0 || grantpt(m.fd) || unlockpt(m.fd) || !(pts = ptsname(m.fd))) {
		perror("portdp-vcard: pty");
		return 1;
	}
	/* Our own slave fd: the master never sees a hang-up when a station closes it. */
	keep = open(pts, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (keep < 0 || tcgetattr(keep, &tio)) {
		perror("portdp-vcard: pty slave");
		return 1;
	}
	cfmakeraw(&tio);
	tcsetattr(keep, TCSANOW, &tio);
	unlink(link_path);
	if (symlink(pts, link_path)) {
		perror("portdp-vcard: symlink");
		return 1;
	}
	for (;;) {
		struct pollfd pfd = { .fd = m.fd, .events = POLLIN };
		struct timespec ts;
		long now;
		ssize_t r;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
		if (!m.present && now >= next_in) {
			if (v->cur >= v->n_cards)
				break;
			if (card_in(v))
				return 1;
			say_in(v);
			m.present = true;
		}
		if (poll(&pfd, 1, m.present ? 1000 : 10) <= 0)
			continue;
		r = read(m.fd, m.line + m.len, sizeof(m.line) - 1 - m.len);
		if (r <= 0)
			continue;
		m.len += (size_t)r;
		for (;;) {
			char *cr = memchr(m.line, '\r', m.len);
			size_t ll;

			if (!cr) {
				if (m.len == sizeof(m.line) - 1)
					m.len = 0; /* a line nobody sends: drop it */
				break;
			}
			*cr = '\0';
			ll = (size_t)(cr - m.line);
			if (ll && m.line[0] == '\n')
				memmove(m.line, m.line + 1, ll--), m.line[ll] = '\0';
			if (m.echo && write(m.fd, m.line, ll) < 0)
				break;
			if (ll)
				at_line(v, &m, m.line);
			memmove(m.line, cr + 1, m.len - ll - 1);
			m.len -= ll + 1;
			if (m.present && (v->done || v->pulled)) {
				card_out(v);
				m.present = false;
				next_in = now + v->gap_ms;
			}
		}
	}
	unlink(link_path);
	close(keep);
	close(m.fd);
	return 0;
}

static int parse_fault(struct vcard *v, const char *s, bool garbage)
{
	struct fault *f = &v->faults[v->n_faults];
	char tag[8] = "";
	unsigned nth = 1;

	if (v->n_faults == MAX_FAULTS)
		return -1;
	memset(f, 0, sizeof(*f));
	if (garbage) {
		if (sscanf(s, "%u:%7s", &f->card, f->garbage) != 2 ||
		    (strcmp(f->garbage, "sw") && strcmp(f->garbage, "junk") &&
		     strcmp(f->garbage, "short")))
			return -1;
	} else {
		if (sscanf(s, "%u:%6[0-9A-Fa-f]:%u", &f->card, tag, &nth) < 2 || strlen(tag) % 2 ||
		    !nth)
			return -1;
		f->tag_len = strlen(tag) / 2;
		if (unhex(tag, strlen(tag), f->tag))
			return -1;
		f->nth = nth;
	}
	v->n_faults++;
	return 0;
}

static int load_cards(struct vcard *v, const char *path)
{
	FILE *fp = fopen(path, "r");
	char a[600], b[600];

	if (!fp)
		return -1;
	while (fscanf(fp, "%599s %599s", a, b) == 2) {
		v->ident = realloc(v->ident, (v->n_cards + 1) * sizeof(char *));
		v->state = realloc(v->state, (v->n_cards + 1) * sizeof(char *));
		v->ident[v->n_cards] = strdup(a);
		v->state[v->n_cards++] = strdup(b);
	}
	fclose(fp);
	return v->n_cards ? 0 : -1;
}

static void usage(void)
{
	fprintf(stderr, "usage: portdp-vcard --cards FILE [--gap MS] [--no-extended] [--t0] "
			"[--stay] [--atr-plain] [--ef-atr HEX] [--pull K:TAG[:N]]... "
			"[--garbage K:sw|junk|short]... "
			"(vpcd PORT | modem LINK)\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cards", required_argument, NULL, 'c' },
		{ "gap", required_argument, NULL, 'g' },
		{ "extended", no_argument, NULL, 'x' },
		{ "no-extended", no_argument, NULL, 'X' },
		{ "t0", no_argument, NULL, '0' },
		{ "stay", no_argument, NULL, 's' },
		{ "pull", required_argument, NULL, 'p' },
		{ "garbage", required_argument, NULL, 'G' },
		{ "atr-plain", no_argument, NULL, 'P' },
		{ "ef-atr", required_argument, NULL, 'E' },
		{ 0 },
	};
	struct vcard v = { .gap_ms = 600, .extended = true };
	const char *cards = NULL;
	int ch;

	signal(SIGPIPE, SIG_IGN);
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': cards = optarg; break;
		case 'g': v.gap_ms = (unsigned)atoi(optarg); break;
		case 'x': v.extended = true; break; /* the default; kept for old scripts */
		case 'X': v.extended = false; break;
		case '0': v.t0 = true; break;
		case 's': v.stay = true; break;
		case 'P': v.atr_plain = true; break;
		case 'E': {
			char hex[2 * EF_ATR_MAX + 1];
			size_t k = 0;

			/* spaces allowed between the bytes */
			for (const char *q = optarg; *q; q++)
				if (*q != ' ' && k++ < sizeof(hex) - 1)
					hex[k - 1] = *q;
			if (!k || k % 2 || k / 2 > EF_ATR_MAX || unhex(hex, k, v.ef_atr)) {
				fprintf(stderr, "portdp-vcard: bad --ef-atr %s\n", optarg);
				return 2;
			}
			v.ef_atr_len = k / 2;
			v.has_ef_atr = true;
			break;
		}
		case 'p':
		case 'G':
			if (parse_fault(&v, optarg, ch == 'G')) {
				fprintf(stderr, "portdp-vcard: bad fault %s\n", optarg);
				return 2;
			}
			break;
		default: usage(); return 2;
		}
	}
	if (!cards || optind + 2 != argc || load_cards(&v, cards)) {
		usage();
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	v.trace = getenv("PORTDP_VCARD_TRACE") != NULL;
	v.atr_len = v.atr_plain ? atr_build_plain(!v.t0, v.atr) : atr_build(v.extended, !v.t0, v.atr);
	if (!strcmp(argv[optind], "vpcd"))
		return run_vpcd(&v, (unsigned)atoi(argv[optind + 1]));
	if (!strcmp(argv[optind], "modem"))
		return run_modem(&v, argv[optind + 1]);
	usage();
	return 2;
}
