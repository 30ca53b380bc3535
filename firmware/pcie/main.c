// SPDX-License-Identifier: Apache-2.0
/*
 * portdp-card-pcie - the card behind QEMU's ivshmem-doorbell device.
 *
 *   portdp-card-pcie --socket PATH --keystore FILE [--shm-size 4M]
 *                    [--vectors N] [--device-key FILE] [--max-sessions N]
 *                    [--fail-after N] [--quiet]
 *   qemu ... -chardev socket,path=PATH,id=card
 *            -device ivshmem-doorbell,chardev=card,vectors=N
 *
 * Fault injection for the driver's recovery tests: --fail-after N stops
 * answering after N completions; SIGUSR1 hangs at once; SIGRTMIN restarts
 * as a card whose self-test fails (state FAILED: only GET_INFO, SELF_TEST
 * and GET_COUNTERS work); SIGUSR2 heals and resumes as a restarted card
 * (sessions closed, rings cleared, generation bumped, state vector raised).
 * SIGINT/SIGTERM end the process.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "card.h"
#include "frontend.h"
#include "ivshmem_server.h"
#include "ring.h"

struct opts {
	const char *socket_path, *keystore, *device_key;
	size_t shm_size;
	unsigned int vectors, max_sessions;
	uint64_t fail_after; /* 0: never */
	bool quiet;
};


static void usage(void)
{
	fprintf(stderr, "usage: portdp-card-pcie --socket PATH --keystore FILE [--shm-size 4M]\n"
			"       [--vectors N] [--device-key FILE] [--max-sessions N]\n"
			"       [--fail-after N] [--quiet]\n");
}

/* "4M", "1048576", "512K"; false on garbage or overflow. */
static bool parse_size(const char *s, size_t *out)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *s == '-')
		return false;
	if (*end == 'K' || *end == 'k')
		v <<= 10, end++;
	else if (*end == 'M' || *end == 'm')
		v <<= 20, end++;
	else if (*end == 'G' || *end == 'g')
		v <<= 30, end++;
	if (*end || v > UINT32_MAX)
		return false;
	*out = (size_t)v;
	return true;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
	    {"socket", required_argument, NULL, 's'},
	    {"shm-size", required_argument, NULL, 'm'},
	    {"keystore", required_argument, NULL, 'k'},
	    {"device-key", required_argument, NULL, 'd'},
	    {"vectors", required_argument, NULL, 'v'},
	    {"max-sessions", required_argument, NULL, 'S'},
	    {"fail-after", required_argument, NULL, 'f'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	unsigned long long v;
	int c;

	*o = (struct opts){.shm_size = 4u << 20, .vectors = 2};
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			o->socket_path = optarg;
			break;
		case 'k':
			o->keystore = optarg;
			break;
		case 'd':
			o->device_key = optarg;
			break;
		case 'm':
			if (!parse_size(optarg, &o->shm_size) || o->shm_size < PDC_BAR2_MIN_SIZE ||
			    (o->shm_size & (o->shm_size - 1))) {
				fprintf(stderr, "--shm-size: a power of two, at least 1M\n");
				return -EINVAL;
			}
			break;
		case 'v':
			if (!fe_parse_uint(optarg, IVSHMEM_MAX_VECTORS, &v) || v < 1) {
				fprintf(stderr, "--vectors: 1..%d\n", IVSHMEM_MAX_VECTORS);
				return -EINVAL;
			}
			o->vectors = (unsigned int)v;
			break;
		case 'S':
			if (!fe_parse_uint(optarg, 1024, &v) || v < 1) {
				fprintf(stderr, "--max-sessions: 1..1024\n");
				return -EINVAL;
			}
			o->max_sessions = (unsigned int)v;
			break;
		case 'f':
			if (!fe_parse_uint(optarg, UINT64_MAX, &v) || v < 1) {
				fprintf(stderr, "--fail-after: a positive count\n");
				return -EINVAL;
			}
			o->fail_after = v;
			break;
		case 'q':
			o->quiet = true;
			break;
		default:
			usage();
			return -EINVAL;
		}
	}
	if (optind != argc || !o->socket_path || !o->keystore) {
		usage();
		return -EINVAL;
	}
	return 0;
}

struct pcie_card {
	struct ivshmem_server srv;
	struct ring ring;
	struct card *card;
	void *shm;
	size_t shm_size;
	uint64_t fail_after;
	bool hung;
};

static void raise_events(struct pcie_card *pc, unsigned int ev)
{
	if (ev & RING_EV_STATE)
		ivshmem_server_notify(&pc->srv, PDC_IRQ_VEC_STATE);
	if (ev & RING_EV_COMPLETION)
		ivshmem_server_notify(&pc->srv, PDC_IRQ_VEC_COMPLETION);
}

static void notify_guest(void *arg, unsigned int vector)
{
	struct pcie_card *pc = arg;

	ivshmem_server_notify(&pc->srv, vector);
}

/* Work the rings unless hung; returns RING_EV_BLOCKED if we must poll. */
static unsigned int serve(struct pcie_card *pc)
{
	uint64_t budget = 0;
	unsigned int ev;

	if (pc->hung)
		return 0;
	if (pc->fail_after) {
		budget = pc->fail_after - pc->ring.completed;
		if (!budget) {
			pc->hung = true;
			fe_log("--fail-after reached: not answering any more");
			return 0;
		}
	}
	ev = ring_poll(&pc->ring, budget);
	raise_events(pc, ev);
	return ev & RING_EV_BLOCKED;
}

static void restart(struct pcie_card *pc, const char *why)
{
	ring_restart(&pc->ring);
	fe_log("%s: card restarted, generation %u", why, pc->ring.generation);
	raise_events(pc, RING_EV_STATE);
}

/* Returns true to keep running. */
static bool handle_signal(struct pcie_card *pc, int sfd)
{
	struct signalfd_siginfo si;

	if (read(sfd, &si, sizeof(si)) != sizeof(si))
		return true;
	if ((int)si.ssi_signo == SIGRTMIN) {
		card_break(pc->card, PDC_SELFTEST_ECDH);
		restart(pc, "SIGRTMIN: self-test fails");
		return true;
	}
	switch (si.ssi_signo) {
	case SIGUSR1:
		pc->hung = true;
		fe_log("SIGUSR1: hanging");
		return true;
	case SIGUSR2:
		pc->hung = false;
		pc->fail_after = 0;
		card_break(pc->card, 0);
		restart(pc, "SIGUSR2");
		return true;
	default:
		fe_log("signal %u: exiting", si.ssi_signo);
		return false;
	}
}

enum { PFD_SIG, PFD_LISTEN, PFD_CLIENT, PFD_EV0 };

static int run(struct pcie_card *pc, int sfd)
{
	struct pollfd pfd[PFD_EV0 + IVSHMEM_MAX_VECTORS];
	unsigned int i, n = PFD_EV0 + pc->srv.vectors;
	bool blocked = false;

	for (;;) {
		int rc, timeout;

		pfd[PFD_SIG] = (struct pollfd){.fd = sfd, .events = POLLIN};
		pfd[PFD_LISTEN] = (struct pollfd){.fd = pc->srv.listen_fd, .events = POLLIN};
		pfd[PFD_CLIENT] = (struct pollfd){.fd = pc->srv.client_fd, .events = POLLIN};
		for (i = 0; i < pc->srv.vectors; i++)
			pfd[PFD_EV0 + i] =
			    (struct pollfd){.fd = pc->srv.card_ev[i], .events = POLLIN};
		if (pc->hung)
			timeout = -1;
		else if (blocked)
			timeout = 5;
		else /* with hints: ask for the doorbell, unless work came in */
			timeout = ring_idle(&pc->ring) ? 0 : -1;
		rc = poll(pfd, n, timeout);
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if ((pfd[PFD_SIG].revents & POLLIN) && !handle_signal(pc, sfd))
			return 0;
		if (pfd[PFD_CLIENT].revents & (POLLIN | POLLHUP | POLLERR)) {
			char buf[64];

			/* the guest never sends data: readable means gone (before accept: a
			 * rebooted VM reconnects right after the old one closed) */
			if (read(pc->srv.client_fd, buf, sizeof(buf)) <= 0) {
				ivshmem_server_drop(&pc->srv);
				fe_log("guest disconnected");
			}
		}
		if (pfd[PFD_LISTEN].revents & POLLIN) {
			rc = ivshmem_server_accept(&pc->srv);
			if (rc == 0)
				restart(pc, "guest connected");
			else
				fe_log("guest turned away: %s", strerror(-rc));
		}
		for (i = 0; i < pc->srv.vectors; i++)
			if (pfd[PFD_EV0 + i].revents & POLLIN)
				ivshmem_server_drain(&pc->srv, i);
		blocked = serve(pc);
	}
}

int main(int argc, char **argv)
{
	struct pcie_card pc = {0};
	struct opts o;
	sigset_t set;
	int sfd, ret;

	if (parse_opts(argc, argv, &o))
		return 2;
	fe_init("portdp-card-pcie", o.quiet);
	if (fe_card_open(o.keystore, o.device_key, o.max_sessions, &pc.card))
		return 1;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGRTMIN);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0) {
		perror("portdp-card-pcie: signalfd");
		ret = 1;
		goto close_card;
	}

	ret = ivshmem_server_open(&pc.srv, o.socket_path, o.shm_size, o.vectors);
	if (ret) {
		fprintf(stderr, "portdp-card-pcie: %s: %s\n", o.socket_path, strerror(-ret));
		ret = 1;
		goto close_sig;
	}
	pc.shm_size = o.shm_size;
	pc.shm = mmap(NULL, o.shm_size, PROT_READ | PROT_WRITE, MAP_SHARED, pc.srv.shm_fd, 0);
	if (pc.shm == MAP_FAILED) {
		perror("portdp-card-pcie: mmap");
		ret = 1;
		goto close_srv;
	}
	ring_init(&pc.ring, pc.shm, o.shm_size, pc.card);
	ring_set_notify(&pc.ring, notify_guest, &pc);
	pc.fail_after = o.fail_after;
	fe_log("listening on %s (shm %zu bytes, %u vectors)", o.socket_path, o.shm_size, o.vectors);

	ret = run(&pc, sfd) ? 1 : 0;

	munmap(pc.shm, o.shm_size);
close_srv:
	ivshmem_server_close(&pc.srv);
close_sig:
	close(sfd);
close_card:
	card_close(pc.card);
	return ret;
}
