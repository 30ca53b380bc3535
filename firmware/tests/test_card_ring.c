// SPDX-License-Identifier: Apache-2.0
/*
 * test_card_ring.c - the real portdp-card-pcie process, driven the way QEMU
 * and the kernel driver drive it: this test connects to its ivshmem socket
 * as QEMU does, maps the shared memory it is given, and plays the guest
 * (rings in BAR2, doorbells and MSI-X through the eventfds). Binary:
 * $PORTDP_CARD_PCIE, else $BUILD/bin/portdp-card-pcie.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fw_test_util.h"

#define SHM_SIZE (1u << 20)
#define VECTORS 2

struct guest {
	pid_t pid;
	char *dir, *sock;
	int fd;
	uint8_t *shm;
	int card_ev[VECTORS], guest_ev[VECTORS];
	uint32_t req_prod, cpl_cons;
};

static struct pdc_ctrl *ctrl(struct guest *g)
{
	return (struct pdc_ctrl *)g->shm;
}

static const char *card_bin(void)
{
	static char path[4096];
	const char *b = getenv("PORTDP_CARD_PCIE");

	if (b)
		return b;
	snprintf(path, sizeof(path), "%s/bin/portdp-card-pcie",
		 getenv("BUILD") ? getenv("BUILD") : "build");
	return path;
}

/* One ivshmem message: int64 + optional fd. */
static int64_t recv_msg(int sock, int *fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} cm;
	int64_t v = 0;
	struct iovec iov = {&v, sizeof(v)};
	struct msghdr m = {.msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = cm.buf,
			   .msg_controllen = sizeof(cm.buf)};
	struct pollfd p = {sock, POLLIN, 0};
	struct cmsghdr *c;

	assert_int_equal(poll(&p, 1, 2000), 1);
	assert_int_equal(recvmsg(sock, &m, 0), sizeof(v));
	*fd = -1;
	c = CMSG_FIRSTHDR(&m);
	if (c && c->cmsg_type == SCM_RIGHTS)
		memcpy(fd, CMSG_DATA(c), sizeof(int));
	return v;
}

static void connect_guest(struct guest *g)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int i, fd, tries;

	strcpy(sa.sun_path, g->sock);
	g->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	for (tries = 0; tries < 200; tries++) {
		if (connect(g->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		usleep(10000);
	}
	assert_true(tries < 200);
	/* the setup sequence of ivshmem-spec.txt, card = peer 0, us = 1 */
	assert_int_equal(recv_msg(g->fd, &fd), 0);
	assert_int_equal(fd, -1);
	assert_int_equal(recv_msg(g->fd, &fd), 1);
	assert_int_equal(recv_msg(g->fd, &fd), -1);
	assert_true(fd >= 0);
	if (!g->shm) {
		g->shm = mmap(NULL, SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		assert_true(g->shm != MAP_FAILED);
	}
	close(fd);
	for (i = 0; i < VECTORS; i++) {
		assert_int_equal(recv_msg(g->fd, &g->card_ev[i]), 0);
		assert_true(g->card_ev[i] >= 0);
	}
	for (i = 0; i < VECTORS; i++) {
		assert_int_equal(recv_msg(g->fd, &g->guest_ev[i]), 1);
		assert_true(g->guest_ev[i] >= 0);
	}
}

static void disconnect_guest(struct guest *g)
{
	int i;

	for (i = 0; i < VECTORS; i++) {
		close(g->card_ev[i]);
		close(g->guest_ev[i]);
	}
	close(g->fd);
}

static void settle(struct guest *g);

static struct guest *start(const char *extra)
{
	struct guest *g = calloc(1, sizeof(*g));

	g->dir = fw_tmpdir();
	g->sock = fw_path(g->dir, "card.sock");
	g->pid = fork();
	assert_true(g->pid >= 0);
	if (g->pid == 0) {
		char *ks = fw_path(g->dir, "keystore");
		const char *argv[16] = {card_bin(), "--socket",	  g->sock, "--keystore",
					ks,	    "--shm-size", "1M",	   "--vectors",
					"2",	    "--quiet"};
		int n = 10;

		if (extra) {
			argv[n++] = "--fail-after";
			argv[n++] = extra;
		}
		execv(argv[0], (char **)argv);
		perror("exec portdp-card-pcie");
		_exit(127);
	}
	connect_guest(g);
	settle(g);
	return g;
}

static void stop(struct guest *g)
{
	int st;

	disconnect_guest(g);
	kill(g->pid, SIGTERM);
	assert_int_equal(waitpid(g->pid, &st, 0), g->pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	munmap(g->shm, SHM_SIZE);
	fw_rm_rf(g->dir);
	free(g->dir);
	free(g->sock);
	free(g);
}

static bool wait_irq(struct guest *g, int vec, int ms)
{
	struct pollfd p = {g->guest_ev[vec], POLLIN, 0};
	uint64_t v;

	if (poll(&p, 1, ms) != 1)
		return false;
	assert_int_equal(read(g->guest_ev[vec], &v, sizeof(v)), sizeof(v));
	return true;
}

static void doorbell(struct guest *g)
{
	uint64_t one = 1;

	assert_int_equal(write(g->card_ev[PDC_DB_VEC_REQUEST], &one, sizeof(one)), sizeof(one));
}

static uint32_t load(pdc_le32 *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* The card restarts (generation + 1, state interrupt) right after it sent the
 * last setup message: wait for that, or a test reading the generation races it. */
static void settle(struct guest *g)
{
	assert_true(wait_irq(g, PDC_IRQ_VEC_STATE, 5000));
	assert_int_equal(load(&ctrl(g)->state), PDC_STATE_READY);
}

static void store(pdc_le32 *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* Queue a request entry with explicit transport fields (no doorbell). */
static void post_raw(struct guest *g, struct pdc_ring_req *e)
{
	struct pdc_ring_req *ring = (struct pdc_ring_req *)(g->shm + PDC_BAR2_REQ_RING);

	memcpy(&ring[g->req_prod % PDC_RING_ENTRIES], e, sizeof(*e));
	store(&ctrl(g)->req_prod, ++g->req_prod);
}

/* Queue a message in payload slot @slot (request and response in place). */
static void post(struct guest *g, unsigned int slot, uint32_t tag, uint16_t opcode,
		 const void *body, size_t len)
{
	struct pdc_hdr h = {PDC_MAGIC_REQ, PDC_PROTO_VERSION, opcode, tag, 0, (uint16_t)len};
	uint32_t off = PDC_BAR2_PAYLOAD + slot * PDC_MAX_MSG;
	struct pdc_ring_req e = {.tag = tag,
				 .opcode = opcode,
				 .req_off = off,
				 .req_len = (uint32_t)(sizeof(h) + len),
				 .resp_off = off,
				 .resp_cap = PDC_MAX_MSG};

	memcpy(g->shm + off, &h, sizeof(h));
	if (len)
		memcpy(g->shm + off + sizeof(h), body, len);
	post_raw(g, &e);
}

/* Take one completion if there is one. */
static bool reap(struct guest *g, struct pdc_ring_cpl *c)
{
	struct pdc_ring_cpl *ring = (struct pdc_ring_cpl *)(g->shm + PDC_BAR2_CPL_RING);

	if (load(&ctrl(g)->cpl_prod) == g->cpl_cons)
		return false;
	memcpy(c, &ring[g->cpl_cons % PDC_RING_ENTRIES], sizeof(*c));
	store(&ctrl(g)->cpl_cons, ++g->cpl_cons);
	return true;
}

/* Wait for @n completions (bounded); returns how many came. */
static unsigned int reap_n(struct guest *g, struct pdc_ring_cpl *out, unsigned int n, int ms)
{
	unsigned int got = 0;

	while (got < n) {
		while (got < n && reap(g, &out[got]))
			got++;
		if (got < n && !wait_irq(g, PDC_IRQ_VEC_COMPLETION, ms))
			break;
	}
	return got;
}

static bool reset(struct guest *g, uint32_t cookie, int ms)
{
	g->req_prod = g->cpl_cons = 0;
	store(&ctrl(g)->req_prod, 0);
	store(&ctrl(g)->cpl_cons, 0);
	store(&ctrl(g)->reset_req, cookie);
	doorbell(g);
	/* an interrupt may be an older one: check the acknowledgement each time */
	while (wait_irq(g, PDC_IRQ_VEC_STATE, ms))
		if (load(&ctrl(g)->reset_ack) == cookie && load(&ctrl(g)->state) == PDC_STATE_READY)
			return true;
	return false;
}

/* Nothing completes within @ms. */
static bool quiet_for(struct guest *g, int ms)
{
	usleep((useconds_t)ms * 1000);
	return load(&ctrl(g)->cpl_prod) == g->cpl_cons;
}

/* One request, wait for its completion, response copied to *r. */
static uint16_t call(struct guest *g, uint16_t opcode, const void *body, size_t len,
		     struct fw_resp *r)
{
	static uint32_t tag = 100;
	struct pdc_ring_cpl c;
	struct pdc_hdr h;

	post(g, 0, ++tag, opcode, body, len);
	doorbell(g);
	assert_int_equal(reap_n(g, &c, 1, 2000), 1);
	assert_int_equal(c.tag, tag);
	assert_int_equal(c.opcode, opcode);
	assert_true(c.resp_len >= sizeof(h));
	memcpy(&h, g->shm + PDC_BAR2_PAYLOAD, sizeof(h));
	assert_int_equal(h.magic, PDC_MAGIC_RESP);
	assert_int_equal(h.tag, tag);
	assert_int_equal(h.status, c.status);
	assert_int_equal(c.resp_len, sizeof(h) + h.len);
	r->status = h.status;
	r->len = h.len;
	memcpy(r->body, g->shm + PDC_BAR2_PAYLOAD + sizeof(h), h.len);
	return h.status;
}

static struct fw_resp r;

static void test_setup_info(void **state)
{
	struct guest *g = start(NULL);
	struct pdc_ctrl *c = ctrl(g);
	uint32_t gen;

	(void)state;
	assert_int_equal(load(&c->magic), PDC_SHM_MAGIC);
	assert_int_equal(c->version, PDC_PROTO_VERSION);
	assert_int_equal(c->ring_entries, PDC_RING_ENTRIES);
	assert_int_equal(c->req_ring_off, PDC_BAR2_REQ_RING);
	assert_int_equal(c->cpl_ring_off, PDC_BAR2_CPL_RING);
	assert_int_equal(c->payload_off, PDC_BAR2_PAYLOAD);
	assert_int_equal(c->payload_size, SHM_SIZE - PDC_BAR2_PAYLOAD);
	assert_int_equal(c->max_msg, PDC_MAX_MSG);
	assert_int_equal(load(&c->state), PDC_STATE_READY);
	gen = load(&c->generation);
	assert_true(gen >= 1);

	assert_true(reset(g, 0x1234, 2000));
	assert_int_equal(load(&c->generation), gen + 1);
	assert_int_equal(call(g, PDC_OP_GET_INFO, NULL, 0, &r), PDC_ST_OK);
	assert_int_equal(((struct pdc_info *)r.body)->caps, c->caps);
	assert_int_equal(call(g, PDC_OP_SELF_TEST, NULL, 0, &r), PDC_ST_OK);
	assert_int_equal(((struct pdc_self_test_resp *)r.body)->failed, 0);
	/* the same cookie again is no new reset */
	while (wait_irq(g, PDC_IRQ_VEC_STATE, 0))
		;
	store(&c->reset_req, 0x1234);
	doorbell(g);
	assert_false(wait_irq(g, PDC_IRQ_VEC_STATE, 100));
	assert_int_equal(load(&c->generation), gen + 1);
	stop(g);
}

static void test_batch(void **state)
{
	struct guest *g = start(NULL);
	struct pdc_random_req q = {.len = 64};
	struct pdc_ring_cpl c[PDC_RING_ENTRIES];
	struct timespec t0, t1;
	unsigned int i, round;
	double us;

	(void)state;
	assert_true(reset(g, 1, 2000));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (round = 0; round < 3; round++) {
		for (i = 0; i < PDC_RING_ENTRIES; i++)
			post(g, i, round * 1000 + i, PDC_OP_RANDOM, &q, sizeof(q));
		doorbell(g);
		assert_int_equal(reap_n(g, c, PDC_RING_ENTRIES, 2000), PDC_RING_ENTRIES);
		for (i = 0; i < PDC_RING_ENTRIES; i++) {
			struct pdc_hdr h;

			assert_int_equal(c[i].tag, round * 1000 + i);
			assert_int_equal(c[i].status, PDC_ST_OK);
			assert_int_equal(c[i].resp_len, 16 + 64);
			memcpy(&h, g->shm + PDC_BAR2_PAYLOAD + i * PDC_MAX_MSG, sizeof(h));
			assert_int_equal(h.tag, round * 1000 + i);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* one at a time: the round trip through eventfds */
	for (i = 0; i < 200; i++)
		assert_int_equal(call(g, PDC_OP_GET_INFO, NULL, 0, &r), PDC_ST_OK);
	us = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 1e3;
	printf("# 192 batched RANDOM(64): %.1f us each\n", us / 192);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < 200; i++)
		assert_int_equal(call(g, PDC_OP_GET_INFO, NULL, 0, &r), PDC_ST_OK);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	us = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 1e3;
	printf("# GET_INFO round trip: %.1f us\n", us / 200);
	assert_int_equal(load(&ctrl(g)->req_cons), g->req_prod);
	stop(g);
}

static void test_bad_transport(void **state)
{
	struct guest *g = start(NULL);
	struct pdc_ring_req bad[] = {
	    {.tag = 1,
	     .req_off = PDC_BAR2_REQ_RING,
	     .req_len = 16,
	     .resp_off = PDC_BAR2_PAYLOAD,
	     .resp_cap = PDC_MAX_MSG},
	    {.tag = 2,
	     .req_off = SHM_SIZE - 8,
	     .req_len = 16,
	     .resp_off = PDC_BAR2_PAYLOAD,
	     .resp_cap = PDC_MAX_MSG},
	    {.tag = 3,
	     .req_off = PDC_BAR2_PAYLOAD,
	     .req_len = 16,
	     .resp_off = SHM_SIZE - 100,
	     .resp_cap = PDC_MAX_MSG},
	    {.tag = 4,
	     .req_off = PDC_BAR2_PAYLOAD,
	     .req_len = 16,
	     .resp_off = PDC_BAR2_PAYLOAD,
	     .resp_cap = 100},
	    {.tag = 5,
	     .req_off = PDC_BAR2_PAYLOAD,
	     .req_len = 8,
	     .resp_off = PDC_BAR2_PAYLOAD,
	     .resp_cap = PDC_MAX_MSG},
	    {.tag = 6,
	     .req_off = PDC_BAR2_PAYLOAD,
	     .req_len = PDC_MAX_MSG + 1,
	     .resp_off = PDC_BAR2_PAYLOAD,
	     .resp_cap = PDC_MAX_MSG},
	    {.tag = 7,
	     .flags = 1,
	     .req_off = PDC_BAR2_PAYLOAD,
	     .req_len = 16,
	     .resp_off = PDC_BAR2_PAYLOAD,
	     .resp_cap = PDC_MAX_MSG},
	    {.tag = 8,
	     .req_off = 0xfffffff0u,
	     .req_len = 0x20,
	     .resp_off = PDC_BAR2_PAYLOAD,
	     .resp_cap = PDC_MAX_MSG},
	};
	struct pdc_ring_cpl c[8];
	unsigned int i, n = sizeof(bad) / sizeof(bad[0]);

	(void)state;
	assert_true(reset(g, 7, 2000));
	for (i = 0; i < n; i++)
		post_raw(g, &bad[i]);
	doorbell(g);
	assert_int_equal(reap_n(g, c, n, 2000), n);
	for (i = 0; i < n; i++) {
		assert_int_equal(c[i].tag, bad[i].tag);
		assert_int_equal(c[i].status, PDC_ST_BAD_TRANSPORT);
		assert_int_equal(c[i].resp_len, 0);
	}
	/* good transport, garbage message: an answer from the card core */
	memset(g->shm + PDC_BAR2_PAYLOAD, 0xee, 64);
	bad[0] = (struct pdc_ring_req){.tag = 9,
				       .req_off = PDC_BAR2_PAYLOAD,
				       .req_len = 64,
				       .resp_off = PDC_BAR2_PAYLOAD,
				       .resp_cap = PDC_MAX_MSG};
	post_raw(g, &bad[0]);
	doorbell(g);
	assert_int_equal(reap_n(g, c, 1, 2000), 1);
	assert_int_equal(c[0].status, PDC_ST_BAD_MAGIC);
	assert_int_equal(c[0].resp_len, 16);

	/* a driver that runs 65 ahead broke the ring: nothing until a reset */
	g->req_prod += PDC_RING_ENTRIES + 1;
	store(&ctrl(g)->req_prod, g->req_prod);
	doorbell(g);
	assert_true(quiet_for(g, 150));
	assert_true(reset(g, 8, 2000));
	assert_int_equal(call(g, PDC_OP_GET_INFO, NULL, 0, &r), PDC_ST_OK);
	stop(g);
}

static void test_hang_and_restart(void **state)
{
	struct guest *g = start(NULL);
	struct pdc_key_generate_req kg = {.slot = 2, .curve = PDC_CURVE_P256};
	struct pdc_session_create_req sc = {.curve = PDC_CURVE_P256, .host_id_len = 8};
	struct pdc_slot_req s = {.slot = 2};
	struct pdc_session_req close_req;
	struct pdc_ring_cpl c;
	EVP_PKEY *k = fw_ossl_keygen(PDC_CURVE_P256);
	uint8_t pub[65];
	uint32_t gen;

	(void)state;
	assert_true(reset(g, 3, 2000));
	assert_int_equal(call(g, PDC_OP_KEY_GENERATE, &kg, sizeof(kg), &r), PDC_ST_OK);
	memcpy(pub, r.body + 4, 65);
	fw_ossl_pub(k, sc.peer_pub);
	EVP_PKEY_free(k);
	assert_int_equal(call(g, PDC_OP_SESSION_CREATE, &sc, sizeof(sc), &r), PDC_ST_OK);
	memcpy(&close_req.handle, r.body, 4);

	/* hung: no completion, no reset acknowledgement */
	kill(g->pid, SIGUSR1);
	usleep(50000);
	post(g, 0, 55, PDC_OP_GET_INFO, NULL, 0);
	doorbell(g);
	assert_true(quiet_for(g, 200));
	assert_false(reap(g, &c));
	gen = load(&ctrl(g)->generation);
	assert_false(reset(g, 4, 200));

	/* SIGUSR2: the card restarts, then serves the pending reset */
	kill(g->pid, SIGUSR2);
	assert_true(wait_irq(g, PDC_IRQ_VEC_STATE, 2000));
	usleep(50000);
	assert_true(load(&ctrl(g)->generation) > gen);
	assert_int_equal(load(&ctrl(g)->reset_ack), 4);
	assert_int_equal(load(&ctrl(g)->state), PDC_STATE_READY);
	/* sessions are gone, key slots are not */
	assert_int_equal(call(g, PDC_OP_SESSION_CLOSE, &close_req, sizeof(close_req), &r),
			 PDC_ST_BAD_SESSION);
	assert_int_equal(call(g, PDC_OP_KEY_GET_PUBLIC, &s, sizeof(s), &r), PDC_ST_OK);
	assert_memory_equal(r.body + 4, pub, 65);
	stop(g);
}

static void test_fail_after(void **state)
{
	struct guest *g = start("3");
	struct pdc_ring_cpl c[5];
	unsigned int i;

	(void)state;
	for (i = 0; i < 5; i++)
		post(g, i, i, PDC_OP_GET_INFO, NULL, 0);
	doorbell(g);
	assert_int_equal(reap_n(g, c, 5, 300), 3);
	kill(g->pid, SIGUSR2);
	assert_true(wait_irq(g, PDC_IRQ_VEC_STATE, 2000));
	assert_true(reset(g, 9, 2000));
	assert_int_equal(call(g, PDC_OP_GET_INFO, NULL, 0, &r), PDC_ST_OK);
	stop(g);
}

static void test_reconnect(void **state)
{
	struct guest *g = start(NULL);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	uint32_t gen;
	char b;
	int second;

	(void)state;
	/* a second guest is turned away while the first is there */
	strcpy(sa.sun_path, g->sock);
	second = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(connect(second, (struct sockaddr *)&sa, sizeof(sa)), 0);
	{
		struct pollfd p = {second, POLLIN, 0};

		assert_int_equal(poll(&p, 1, 2000), 1);
		assert_int_equal(read(second, &b, 1), 0);
	}
	close(second);
	/* the first guest leaves, a new one (a rebooted VM) comes */
	gen = load(&ctrl(g)->generation);
	disconnect_guest(g);
	connect_guest(g);
	settle(g);
	assert_true(load(&ctrl(g)->generation) > gen);
	assert_true(reset(g, 10, 2000));
	assert_int_equal(call(g, PDC_OP_GET_INFO, NULL, 0, &r), PDC_ST_OK);
	stop(g);
}

static void test_bad_options(void **state)
{
	static const char *const cases[][8] = {
	    {"--socket", "/tmp/x.sock", NULL},
	    {"--keystore", "/tmp/x", NULL},
	    {"--socket", "/tmp/x.sock", "--keystore", "/tmp/x", "--vectors", "0", NULL},
	    {"--socket", "/tmp/x.sock", "--keystore", "/tmp/x", "--shm-size", "3M", NULL},
	    {"--socket", "/tmp/x.sock", "--keystore", "/tmp/x", "--shm-size", "64K", NULL},
	    {"--socket", "/tmp/x.sock", "--keystore", "/tmp/x", "--fail-after", "-1", NULL},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pid_t pid = fork();
		int st;

		if (pid == 0) {
			const char *argv[10] = {card_bin()};
			int n;

			for (n = 0; cases[i][n]; n++)
				argv[n + 1] = cases[i][n];
			freopen("/dev/null", "w", stderr);
			execv(argv[0], (char **)argv);
			_exit(127);
		}
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 2);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_setup_info),	  cmocka_unit_test(test_batch),
	    cmocka_unit_test(test_bad_transport), cmocka_unit_test(test_hang_and_restart),
	    cmocka_unit_test(test_fail_after),	  cmocka_unit_test(test_reconnect),
	    cmocka_unit_test(test_bad_options),
	};

	signal(SIGPIPE, SIG_IGN);
	alarm(60); /* bounded, whatever happens */
	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
