// SPDX-License-Identifier: Apache-2.0
/*
 * portdp-card-usb - the card as a USB gadget function (FunctionFS).
 *
 *   portdp-card-usb --ffs DIR --keystore FILE [--device-key FILE]
 *                   [--max-sessions N] [--max-inflight N] [--ctl FIFO]
 *                   [--udc-file PATH] [--ready FILE] [--quiet]
 *
 * DIR is a mounted FunctionFS instance of a configfs gadget (libcomposite);
 * the daemon writes the descriptors, then creates the --ready file: bind
 * the gadget to a UDC after that. Framing and vendor requests:
 * include/card/portdp_card.h part 3, docs/card-protocol.md.
 *
 * Simulation controls for the driver's tests, as lines written to --ctl:
 *   hang             stop reading and answering (as SIGUSR1)
 *   hang-at OPCODE   the same, at the next request of OPCODE (0x0041: the
 *                    next BSP seal), that request unanswered
 *   restart          resume as a restarted card: sessions closed, a failed
 *                    self-test healed (SIGUSR2)
 *   fail             restart as a card whose self-test fails (state FAILED:
 *                    only diagnostics are served, INFO says so)
 *   fault KIND [N]   let N answers through, then inject KIND once:
 *                    stall short oversize wrong-tag dup-tag never disconnect
 * "disconnect" sends part of an answer, then unbinds the gadget from its UDC
 * by writing --udc-file (the gadget's UDC attribute). An unbind (unplug) is a
 * power cycle: it ends a hang and closes the sessions. SIGINT/SIGTERM end it.
 * A restart that changes the card's state (fail, or a restart that heals it)
 * halts bulk IN so that the host resets the card and reads the new state.
 *
 * Two threads: the main one serves ep0 (events, vendor requests) and the
 * controls; the I/O thread reads requests, runs the card and answers. The
 * card itself is only touched under uc.lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>
#include <linux/usb/ch9.h>
#include <linux/usb/functionfs.h>

#include "card.h"
#include "frontend.h"
#include "descriptors.h"
#include "fault.h"
#include "wire.h"

/* The card works one request at a time: a deep queue only makes the last one
 * wait longer (and time out on a slow card); the driver keeps the rest. */
#define MAX_INFLIGHT_DEFAULT 8
#define IO_BUF (PDC_MAX_MSG + 1024)

struct opts {
	const char *ffs, *keystore, *device_key, *ctl, *udc_file, *ready;
	unsigned int max_sessions, max_inflight;
	bool quiet;
};

struct usb_card {
	struct card *card;
	int ep0, ep_in, ep_out, ctl;
	pthread_t io;
	pthread_mutex_t lock; /* all below, and the card */
	pthread_cond_t cond;
	unsigned int epoch;	/* bumps at every reset: answers of older requests are dropped */
	unsigned int io_epoch;	/* the epoch the I/O thread has seen */
	bool hung;
	uint16_t hang_at;	/* hang on the next request of this opcode (0: none) */
	unsigned int max_packet; /* of bulk IN at the current speed */
	struct usb_fault_plan plan;
	uint32_t resets;
	unsigned int max_inflight;
	const char *udc_file, *ffs;
	uint64_t answered;
	uint32_t broken;	/* PDC_SELFTEST_* made to fail (ctl "fail"); main thread only */
	uint32_t applied;	/* what the card was last told (card_break) */
};


static void usage(void)
{
	fprintf(stderr,
		"usage: portdp-card-usb --ffs DIR --keystore FILE [--device-key FILE]\n"
		"       [--max-sessions N] [--max-inflight N] [--ctl FIFO] [--udc-file PATH]\n"
		"       [--ready FILE] [--quiet]\n");
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
	    {"ffs", required_argument, NULL, 'f'},
	    {"keystore", required_argument, NULL, 'k'},
	    {"device-key", required_argument, NULL, 'd'},
	    {"max-sessions", required_argument, NULL, 'S'},
	    {"max-inflight", required_argument, NULL, 'i'},
	    {"ctl", required_argument, NULL, 'c'},
	    {"udc-file", required_argument, NULL, 'u'},
	    {"ready", required_argument, NULL, 'r'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	unsigned long long v;
	int c;

	*o = (struct opts){.max_inflight = MAX_INFLIGHT_DEFAULT};
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->ffs = optarg;
			break;
		case 'k':
			o->keystore = optarg;
			break;
		case 'd':
			o->device_key = optarg;
			break;
		case 'S':
			if (!fe_parse_uint(optarg, 1024, &v) || v < 1) {
				fprintf(stderr, "--max-sessions: 1..1024\n");
				return -EINVAL;
			}
			o->max_sessions = (unsigned int)v;
			break;
		case 'i':
			if (!fe_parse_uint(optarg, PDC_RING_ENTRIES, &v) || v < 1) {
				fprintf(stderr, "--max-inflight: 1..%d\n", PDC_RING_ENTRIES);
				return -EINVAL;
			}
			o->max_inflight = (unsigned int)v;
			break;
		case 'c':
			o->ctl = optarg;
			break;
		case 'u':
			o->udc_file = optarg;
			break;
		case 'r':
			o->ready = optarg;
			break;
		case 'q':
			o->quiet = true;
			break;
		default:
			usage();
			return -EINVAL;
		}
	}
	if (optind != argc || !o->ffs || !o->keystore) {
		usage();
		return -EINVAL;
	}
	return 0;
}

/* One transfer: the bytes, then a zero-length packet if they end on a packet boundary. */
static int send_transfer(struct usb_card *uc, const void *buf, size_t len, bool end)
{
	ssize_t n = write(uc->ep_in, buf, len);

	if (n < 0)
		return -errno;
	if (end && usb_needs_zlp(len, uc->max_packet) && write(uc->ep_in, buf, 0) < 0)
		return -errno;
	return 0;
}

/* The cable goes: unbind the gadget from its UDC (the test binds it again). */
static void unplug(struct usb_card *uc)
{
	int fd;

	if (!uc->udc_file) {
		fe_log("fault disconnect: no --udc-file, nothing unplugged");
		return;
	}
	fd = open(uc->udc_file, O_WRONLY);
	if (fd < 0 || write(fd, "\n", 1) != 1)
		fe_log("unplug via %s: %s", uc->udc_file, strerror(errno));
	else
		fe_log("fault disconnect: unplugged");
	if (fd >= 0)
		close(fd);
}

static void answer(struct usb_card *uc, enum usb_fault kind, uint8_t *resp, size_t len)
{
	size_t out = usb_fault_apply(kind, resp, len, IO_BUF);
	uint8_t dummy;
	int err = 0;

	if (kind != USB_FAULT_NONE)
		fe_log("fault %s injected", usb_fault_name(kind));
	switch (kind) {
	case USB_FAULT_STALL:
		/* Reading from an IN endpoint halts it (FunctionFS). */
		if (read(uc->ep_in, &dummy, 1) < 0 && errno != EBADMSG)
			fe_log("stall: %s", strerror(errno));
		return;
	case USB_FAULT_NEVER:
		return;
	case USB_FAULT_DISCONNECT:
		/* Whole packets but no end: the host's transfer is still open. */
		out = uc->max_packet && len > uc->max_packet ? uc->max_packet : 0;
		if (out)
			err = send_transfer(uc, resp, out, false);
		unplug(uc);
		break;
	case USB_FAULT_DUP_TAG:
		err = send_transfer(uc, resp, out, true);
		if (!err)
			err = send_transfer(uc, resp, out, true);
		break;
	default:
		err = send_transfer(uc, resp, out, true);
		break;
	}
	if (err && err != -EINTR && err != -ESHUTDOWN)
		fe_log("answer: %s", strerror(-err));
}

static void io_interrupt(int sig)
{
	(void)sig;
}

static void *io_thread(void *arg)
{
	static uint8_t req[IO_BUF], resp[IO_BUF];
	struct usb_card *uc = arg;
	enum usb_fault kind;
	unsigned int epoch;
	size_t rlen;
	ssize_t n;

	for (;;) {
		pthread_mutex_lock(&uc->lock);
		uc->io_epoch = uc->epoch;
		while (uc->hung) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 50 * 1000000L;
			if (ts.tv_nsec >= 1000000000L)
				ts.tv_sec++, ts.tv_nsec -= 1000000000L;
			pthread_cond_timedwait(&uc->cond, &uc->lock, &ts);
			uc->io_epoch = uc->epoch;
		}
		epoch = uc->epoch;
		pthread_mutex_unlock(&uc->lock);

		n = read(uc->ep_out, req, PDC_MAX_MSG);
		if (n < 0) {
			/* EINTR: a reset; ESHUTDOWN...: the host went, wait for it */
			if (errno != EINTR)
				usleep(10000);
			continue;
		}
		if (n == 0)
			continue;
		pthread_mutex_lock(&uc->lock);
		if (uc->hang_at && (size_t)n >= sizeof(struct pdc_hdr) &&
		    le16(((const struct pdc_hdr *)req)->opcode) == uc->hang_at) {
			/* the card stops at this request: no answer, now or later */
			uc->hang_at = 0;
			uc->hung = true;
			fe_log("hanging at opcode %#x", le16(((const struct pdc_hdr *)req)->opcode));
		}
		if (epoch != uc->epoch || uc->hung) {
			pthread_mutex_unlock(&uc->lock);
			continue;
		}
		card_handle(uc->card, req, (size_t)n, resp, &rlen);
		kind = usb_fault_take(&uc->plan);
		uc->answered++;
		pthread_mutex_unlock(&uc->lock);
		answer(uc, kind, resp, rlen);
	}
	return NULL;
}

/*
 * The I/O thread drops what it read under an older epoch: kick it out of a
 * blocking read or write until it has seen epoch @e, so that the next
 * request is read under the new one.
 */
static void io_sync(struct usb_card *uc, unsigned int e)
{
	int i;

	for (i = 0; i < 200; i++) {
		pthread_mutex_lock(&uc->lock);
		if (uc->io_epoch == e) {
			pthread_mutex_unlock(&uc->lock);
			return;
		}
		pthread_mutex_unlock(&uc->lock);
		pthread_kill(uc->io, SIGURG);
		usleep(2000);
	}
	fe_log("the I/O thread did not come back");
}

/* PDC_USB_REQ_RESET: drop everything older, and return once the I/O thread knows. */
static void card_usb_reset(struct usb_card *uc)
{
	unsigned int e;

	pthread_mutex_lock(&uc->lock);
	e = ++uc->epoch;
	card_reset(uc->card);
	uc->resets++;
	pthread_mutex_unlock(&uc->lock);
	io_sync(uc, e);
}

/*
 * A card whose state changed on its own (self-test failed or healed) halts
 * bulk IN: the host then resets it and reads the new state from INFO (USB
 * has no state interrupt). A second, non-blocking file: the I/O thread's
 * may sit in a write, and an unplugged endpoint must not block us.
 */
static void stall_in(struct usb_card *uc)
{
	char path[4096];
	uint8_t b;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", uc->ffs, USB_CARD_EP_IN);
	fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return;
	if (read(fd, &b, 1) < 0 && errno != EBADMSG && errno != EAGAIN)
		fe_log("stall for the state change: %s", strerror(errno));
	close(fd);
}

/* @broken: PDC_SELFTEST_* bits the self-test reports failed from now on. */
static void restart(struct usb_card *uc, const char *why, uint32_t broken)
{
	uint32_t before, after;
	unsigned int e;

	pthread_mutex_lock(&uc->lock);
	uc->hung = false;
	e = ++uc->epoch;
	before = card_state(uc->card);
	if (broken != uc->applied) {
		card_break(uc->card, broken); /* runs the self-test again */
		uc->applied = broken;
	}
	after = card_state(uc->card);
	card_reset(uc->card);
	pthread_cond_broadcast(&uc->cond);
	pthread_mutex_unlock(&uc->lock);
	io_sync(uc, e);
	fe_log("%s: card restarted%s", why, after == PDC_STATE_FAILED ? ", self-test fails" : "");
	if (before != after)
		stall_in(uc);
}

static void hang(struct usb_card *uc, const char *why)
{
	pthread_mutex_lock(&uc->lock);
	uc->hung = true;
	pthread_mutex_unlock(&uc->lock);
	fe_log("%s: hanging", why);
}

static void ep0_stall(struct usb_card *uc, const struct usb_ctrlrequest *s)
{
	uint8_t b;

	/* FunctionFS: the wrong direction for the data stage stalls ep0. */
	if (s->bRequestType & USB_DIR_IN) {
		if (read(uc->ep0, &b, 0) < 0 && errno != EL2HLT)
			fe_log("ep0 stall: %s", strerror(errno));
	} else if (write(uc->ep0, &b, 0) < 0 && errno != EL2HLT) {
		fe_log("ep0 stall: %s", strerror(errno));
	}
}

static void ep0_setup(struct usb_card *uc, const struct usb_ctrlrequest *s)
{
	uint16_t wlen = le16(s->wLength);
	struct pdc_usb_info info;
	uint8_t b;
	bool hung;

	pthread_mutex_lock(&uc->lock);
	hung = uc->hung;
	pthread_mutex_unlock(&uc->lock);
	if (hung)
		return; /* a hung card does not answer ep0 either: the host times out */
	if ((s->bRequestType & (USB_TYPE_MASK | USB_RECIP_MASK)) !=
	    (USB_TYPE_VENDOR | USB_RECIP_INTERFACE)) {
		ep0_stall(uc, s);
		return;
	}
	if (s->bRequest == PDC_USB_REQ_INFO && (s->bRequestType & USB_DIR_IN) &&
	    wlen >= sizeof(info)) {
		memset(&info, 0, sizeof(info));
		info.usb_version = le16(PDC_USB_VERSION);
		info.proto_version = le16(PDC_PROTO_VERSION);
		info.max_inflight = le16((uint16_t)uc->max_inflight);
		info.max_msg = le16(PDC_MAX_MSG);
		pthread_mutex_lock(&uc->lock);
		info.resets = le32(uc->resets);
		if (card_state(uc->card) == PDC_STATE_FAILED)
			info.flags = le32(PDC_USB_INFO_FAILED);
		pthread_mutex_unlock(&uc->lock);
		if (write(uc->ep0, &info, sizeof(info)) < 0)
			fe_log("ep0 info: %s", strerror(errno));
		return;
	}
	if (s->bRequest == PDC_USB_REQ_RESET && !(s->bRequestType & USB_DIR_IN) && !wlen) {
		card_usb_reset(uc);
		if (read(uc->ep0, &b, 0) < 0)
			fe_log("ep0 reset ack: %s", strerror(errno));
		return;
	}
	ep0_stall(uc, s);
}

static void ep0_events(struct usb_card *uc)
{
	struct usb_functionfs_event ev[8];
	struct usb_endpoint_descriptor d;
	ssize_t n;
	int i;

	n = read(uc->ep0, ev, sizeof(ev));
	if (n < 0)
		return;
	for (i = 0; i < n / (ssize_t)sizeof(ev[0]); i++) {
		switch (ev[i].type) {
		case FUNCTIONFS_ENABLE:
			if (ioctl(uc->ep_in, FUNCTIONFS_ENDPOINT_DESC, &d) == 0)
				uc->max_packet = le16(d.wMaxPacketSize) & 0x7ff;
			fe_log("enabled, bulk IN max packet %u", uc->max_packet);
			break;
		case FUNCTIONFS_DISABLE:
			fe_log("disabled");
			break;
		case FUNCTIONFS_BIND:
			fe_log("bound");
			break;
		case FUNCTIONFS_UNBIND:
			/* unplugged: the card loses power, a hang included */
			restart(uc, "unbound", uc->broken);
			break;
		case FUNCTIONFS_SETUP:
			ep0_setup(uc, &ev[i].u.setup);
			break;
		default: /* SUSPEND, RESUME: nothing to keep */
			break;
		}
	}
}

static void ctl_line(struct usb_card *uc, char *line)
{
	struct usb_fault_plan plan;

	if (!strcmp(line, "hang")) {
		hang(uc, "ctl");
	} else if (!strcmp(line, "fail")) {
		uc->broken = PDC_SELFTEST_ECDH;
		restart(uc, "ctl fail", uc->broken);
	} else if (!strcmp(line, "restart")) {
		uc->broken = 0;
		restart(uc, "ctl", 0);
	} else if (!strncmp(line, "hang-at ", 8)) {
		unsigned long op = strtoul(line + 8, NULL, 0);

		pthread_mutex_lock(&uc->lock);
		uc->hang_at = op <= 0xffff ? (uint16_t)op : 0;
		pthread_mutex_unlock(&uc->lock);
		fe_log("armed: hang at the next request of opcode %#lx", op);
	} else if (!strncmp(line, "fault ", 6) && !usb_fault_parse(line + 6, &plan)) {
		pthread_mutex_lock(&uc->lock);
		uc->plan = plan;
		pthread_mutex_unlock(&uc->lock);
		fe_log("fault %s armed after %u answers", usb_fault_name(plan.kind), plan.skip);
	} else if (*line) {
		fe_log("ctl: unknown command '%s'", line);
	}
}

static void ctl_read(struct usb_card *uc)
{
	static char buf[256];
	static size_t have;
	char *nl;
	ssize_t n;

	n = read(uc->ctl, buf + have, sizeof(buf) - 1 - have);
	if (n <= 0)
		return;
	have += (size_t)n;
	buf[have] = '\0';
	while ((nl = strchr(buf, '\n'))) {
		*nl = '\0';
		ctl_line(uc, buf);
		have -= (size_t)(nl + 1 - buf);
		memmove(buf, nl + 1, have + 1);
	}
	if (have == sizeof(buf) - 1)
		have = 0; /* a line that long is garbage */
}

/* Returns true to keep running. */
static bool handle_signal(struct usb_card *uc, int sfd)
{
	struct signalfd_siginfo si;

	if (read(sfd, &si, sizeof(si)) != sizeof(si))
		return true;
	switch (si.ssi_signo) {
	case SIGUSR1:
		hang(uc, "SIGUSR1");
		return true;
	case SIGUSR2:
		uc->broken = 0;
		restart(uc, "SIGUSR2", 0);
		return true;
	default:
		fe_log("signal %u: exiting", si.ssi_signo);
		return false;
	}
}

static int open_ep(const char *dir, const char *name, int flags)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return open(path, flags);
}

static int write_descriptors(struct usb_card *uc)
{
	const void *p;
	size_t len;

	p = usb_card_descriptors(&len);
	if (write(uc->ep0, p, len) != (ssize_t)len)
		return -errno;
	p = usb_card_strings(&len);
	if (write(uc->ep0, p, len) != (ssize_t)len)
		return -errno;
	return 0;
}

static int run(struct usb_card *uc, int sfd)
{
	struct pollfd pfd[3];

	for (;;) {
		pfd[0] = (struct pollfd){.fd = sfd, .events = POLLIN};
		pfd[1] = (struct pollfd){.fd = uc->ep0, .events = POLLIN};
		pfd[2] = (struct pollfd){.fd = uc->ctl, .events = POLLIN};
		if (poll(pfd, uc->ctl >= 0 ? 3 : 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if ((pfd[0].revents & POLLIN) && !handle_signal(uc, sfd))
			return 0;
		if (pfd[1].revents & POLLIN)
			ep0_events(uc);
		if (uc->ctl >= 0 && (pfd[2].revents & POLLIN))
			ctl_read(uc);
	}
}

int main(int argc, char **argv)
{
	struct usb_card uc = {.ep0 = -1, .ep_in = -1, .ep_out = -1, .ctl = -1};
	struct sigaction sa = {0};
	sigset_t set;
	struct opts o;
	int sfd, ret = 1;

	if (parse_opts(argc, argv, &o))
		return 2;
	fe_init("portdp-card-usb", o.quiet);
	uc.max_inflight = o.max_inflight;
	uc.udc_file = o.udc_file;
	uc.ffs = o.ffs;
	pthread_mutex_init(&uc.lock, NULL);
	pthread_cond_init(&uc.cond, NULL);
	if (fe_card_open(o.keystore, o.device_key, o.max_sessions, &uc.card))
		return 1;
	ret = 1;

	/* SIGURG interrupts the I/O thread's blocking I/O (no SA_RESTART). */
	sa.sa_handler = io_interrupt;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGURG, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0) {
		perror("portdp-card-usb: signalfd");
		goto close_card;
	}
	uc.ep0 = open_ep(o.ffs, "ep0", O_RDWR);
	if (uc.ep0 < 0 || write_descriptors(&uc)) {
		fprintf(stderr, "portdp-card-usb: %s/ep0: %s\n", o.ffs, strerror(errno));
		goto close_fds;
	}
	uc.ep_in = open_ep(o.ffs, USB_CARD_EP_IN, O_RDWR);
	uc.ep_out = open_ep(o.ffs, USB_CARD_EP_OUT, O_RDWR);
	if (uc.ep_in < 0 || uc.ep_out < 0) {
		fprintf(stderr, "portdp-card-usb: endpoint files: %s\n", strerror(errno));
		goto close_fds;
	}
	if (o.ctl) {
		/* O_RDWR: a FIFO that never reads EOF when a writer leaves. */
		uc.ctl = open(o.ctl, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (uc.ctl < 0) {
			fprintf(stderr, "portdp-card-usb: %s: %s\n", o.ctl, strerror(errno));
			goto close_fds;
		}
	}
	if (pthread_create(&uc.io, NULL, io_thread, &uc)) {
		fprintf(stderr, "portdp-card-usb: no I/O thread\n");
		goto close_fds;
	}
	if (o.ready) {
		int fd = open(o.ready, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd >= 0)
			close(fd);
	}
	fe_log("descriptors written to %s, up to %u requests in flight", o.ffs, o.max_inflight);
	ret = run(&uc, sfd) ? 1 : 0;
	/* The I/O thread may sit in a read: the process ends with it. */
close_fds:
	if (uc.ctl >= 0)
		close(uc.ctl);
	close(sfd);
close_card:
	pthread_mutex_lock(&uc.lock);
	card_close(uc.card);
	exit(ret);
}
