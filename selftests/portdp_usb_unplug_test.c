// SPDX-License-Identifier: GPL-2.0
/*
 * portdp_usb_unplug_test - the USB card is pulled out with work in flight
 * (only in the guest's USB boot; the card is testbed/vm/usb-card's gadget):
 *  - >= 1000 requests outstanding from several processes through uring_cmd,
 *    ioctl (and AF_ALG, which the driver's CPU fallback goes on answering,
 *    right, once the card is gone): every one ends, with -ENODEV (or its answer), within
 *    1 s of the unplug; open files then get -ENODEV, poll says
 *    POLLHUP|POLLERR, the node is gone; after the replug the card works and
 *    still holds its keys; link_plugs/link_unplugs count both;
 *  - the same with the firmware process killed mid-batch;
 *  - repeated unplug/replug cycles (PORTDP_USB_CYCLES, default 20);
 *  - every fault the firmware injects ends with the documented error and a
 *    working card.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <kcapi.h>
#include <liburing.h>
#include <linux/portdp_accel.h>
#include "kselftest_harness.h"
#include "portdp_common.h"

#define URING_PROCS	3
#define URING_N		400
#define PARAM		"/sys/module/portdp_accel/parameters/"

/* What one child saw. */
struct outcome {
	int ok, enodev, other, first_other;
	long long last_ms;	/* CLOCK_MONOTONIC of its last completion */
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static int usbcard(const char *args)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "/bin/usb-card %s >/dev/null 2>&1", args);
	return system(cmd) == 0 ? 0 : -1;
}

/* /sys/class/misc/<name> of the ready USB card, waiting up to @secs. */
static int usb_node(char *name, size_t len, int secs)
{
	char cmd[64];
	FILE *p;
	int ok;

	snprintf(cmd, sizeof(cmd), "/bin/usb-card wait-node %d", secs);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	ok = fgets(name, (int)len, p) != NULL;
	if (pclose(p) != 0 || !ok)
		return -1;
	name[strcspn(name, "\n")] = '\0';
	return 0;
}

static long long sysfs_num(const char *node, const char *attr)
{
	char path[256], buf[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/class/misc/%s/%s", node, attr);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtoll(buf, NULL, 0);
}

/* "inflight backlog" of @node, summed; -1 if gone. */
static int outstanding(const char *node)
{
	char path[256], buf[64];
	int fd, a = 0, b = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/class/misc/%s/inflight", node);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	sscanf(buf, "%d %d", &a, &b);
	return a + b;
}

static int write_param(const char *name, const char *val)
{
	char path[128];
	int fd, ret;

	snprintf(path, sizeof(path), PARAM "%s", name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	ret = write(fd, val, strlen(val)) < 0 ? -1 : 0;
	close(fd);
	return ret;
}

static int open_node(const char *node)
{
	char path[128];

	snprintf(path, sizeof(path), "/dev/%s", node);
	return open(path, O_RDWR | O_CLOEXEC);
}

static void count(struct outcome *o, int err)
{
	if (!err) {
		o->ok++;
	} else if (err == -ENODEV) {
		o->enodev++;
	} else {
		if (!o->other)
			o->first_other = err;
		o->other++;
	}
	o->last_ms = now_ms();
}

/* Child: URING_N RANDOM commands in one ring, then every completion. */
static void child_uring(const char *node, struct outcome *o, int ready)
{
	static struct portdp_random rnd[URING_N];
	static uint8_t buf[URING_N][64];
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	int fd = open_node(node), i;

	if (fd < 0 || io_uring_queue_init(URING_N, &ring, 0))
		exit(3);
	for (i = 0; i < URING_N; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

		rnd[i] = (struct portdp_random){ .buf = (uintptr_t)buf[i], .len = 64 };
		io_uring_prep_rw(IORING_OP_URING_CMD, sqe, fd, NULL, 0, 0);
		sqe->cmd_op = PORTDP_IOC_RANDOM;
		memset(sqe->cmd, 0, 16);
		((struct portdp_uring_cmd *)sqe->cmd)->arg = (uintptr_t)&rnd[i];
	}
	if (io_uring_submit(&ring) != URING_N || write(ready, "R", 1) != 1)
		exit(4);
	for (i = 0; i < URING_N; i++) {
		if (io_uring_wait_cqe(&ring, &cqe))
			exit(5);
		count(o, cqe->res);
		io_uring_cqe_seen(&ring, cqe);
	}
	io_uring_queue_exit(&ring);
	close(fd);
}

struct loop_arg {
	struct outcome o;
	int afalg, fd;
	const char *node;
	struct kcapi_handle *h;
};

/*
 * A thread that repeats one command until the card is gone. An ioctl then
 * fails (-ENODEV); cbc-aes-portdp through AF_ALG goes on, answered by the
 * driver's CPU fallback, with the same bytes as the card gave: the thread
 * stops 10 requests after the node went.
 */
static void *loop_thread(void *p)
{
	struct loop_arg *a = p;
	uint8_t x[64], iv[16] = { 0 }, pt[1024] = { 0 }, ct[1024], first[1024];
	struct portdp_random r = { .buf = (uintptr_t)x, .len = sizeof(x) };
	int err, n, after = 0;

	for (n = 0; n < 100000; n++) {
		if (a->afalg) {
			err = (int)kcapi_cipher_encrypt(a->h, pt, sizeof(pt), iv, ct, sizeof(ct), 0);
			err = err == (int)sizeof(ct) ? 0 : err < 0 ? err : -EIO;
			if (!err && !n)
				memcpy(first, ct, sizeof(ct));
			else if (!err && memcmp(first, ct, sizeof(ct)))
				err = -EBADMSG;
		} else {
			err = ioctl(a->fd, PORTDP_IOC_RANDOM, &r) ? -errno : 0;
		}
		count(&a->o, err);
		if (err || (a->afalg && access(a->node, F_OK) && ++after >= 10))
			break;
	}
	return NULL;
}

/*
 * Child: @nthreads threads looping ioctl (or AF_ALG) until an error; their
 * files and handles are open before the child says it is ready on @ready.
 */
static void child_loops(const char *node, int afalg, int nthreads, struct outcome *o, int ready)
{
	uint8_t key[16] = { 1 };
	struct loop_arg a[8];
	pthread_t t[8];
	int i;

	for (i = 0; i < nthreads; i++) {
		a[i] = (struct loop_arg){ .afalg = afalg, .fd = -1, .node = node };
		/* the card's own implementation, whatever the priorities say */
		if (afalg ? kcapi_cipher_init(&a[i].h, "cbc-aes-portdp", 0) ||
			    kcapi_cipher_setkey(a[i].h, key, 16) :
			    (a[i].fd = open_node(node)) < 0)
			_exit(7);
	}
	for (i = 0; i < nthreads; i++)
		pthread_create(&t[i], NULL, loop_thread, &a[i]);
	usleep(200000);
	if (write(ready, "R", 1) != 1)
		_exit(8);
	for (i = 0; i < nthreads; i++) {
		pthread_join(t[i], NULL);
		o->ok += a[i].o.ok;
		o->enodev += a[i].o.enodev;
		if (a[i].o.other && !o->other)
			o->first_other = a[i].o.first_other;
		o->other += a[i].o.other;
		if (a[i].o.last_ms > o->last_ms)
			o->last_ms = a[i].o.last_ms;
		if (a[i].h)
			kcapi_cipher_destroy(a[i].h);
		if (a[i].fd >= 0)
			close(a[i].fd);
	}
}

enum { K_URING, K_IOCTL, K_AFALG };

static pid_t spawn(int kind, const char *node, int *rfd)
{
	struct outcome o = { 0 };
	char c;
	int p[2];
	pid_t pid;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid)
		goto parent;
	close(p[0]);
	if (kind == K_URING)
		child_uring(node, &o, p[1]);
	else
		child_loops(node, kind == K_AFALG, kind == K_AFALG ? 2 : 4, &o, p[1]);
	if (write(p[1], &o, sizeof(o)) != sizeof(o))
		_exit(6);
	_exit(0);
parent:
	close(p[1]);
	*rfd = p[0];
	/* its requests are out (or its threads at work) before the next starts */
	if (read(p[0], &c, 1) != 1)
		return -1;
	return pid;
}

static int collect(pid_t pid, int rfd, struct outcome *o)
{
	int st = 0;

	memset(o, 0, sizeof(*o));
	if (read(rfd, o, sizeof(*o)) != sizeof(*o))
		o->other = -1;
	close(rfd);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

FIXTURE(usb) {
	char node[64];
	int usb;
};

/*
 * The card's crypto algorithms register (and testmgr tests them on the card)
 * after its first reset: unplugging during that makes testmgr WARN, which is
 * not what these tests are about. Wait for the last one, up to 30 s.
 */
static void wait_crypto_registered(void)
{
	int i, drv = 0, passed = 0, found = 0;
	char line[256];
	FILE *f;

	for (i = 0; i < 300 && !found; i++) {
		f = fopen("/proc/crypto", "r");
		if (!f)
			return;
		/*
		 * One block per algorithm; the test larval has the same driver
		 * name and "selftest : passed" too, but "type : larval".
		 */
		while (!found && fgets(line, sizeof(line), f)) {
			if (!strncmp(line, "name", 4))
				drv = passed = 0;
			else if (!strncmp(line, "driver", 6))
				drv = strstr(line, "ecdsa-nist-p256-portdp") != NULL;
			else if (!strncmp(line, "selftest", 8))
				passed = strstr(line, "passed") != NULL;
			else if (!strncmp(line, "type", 4))
				found = drv && passed && !strstr(line, "larval");
		}
		fclose(f);
		if (!found)
			usleep(100000);
	}
}

FIXTURE_SETUP(usb)
{
	const char *tr = getenv("PORTDP_TRANSPORT");

	self->usb = tr && !strcmp(tr, "usb");
	if (!self->usb)
		SKIP(return, "not the USB boot (PORTDP_TRANSPORT=%s)", tr ? tr : "");
	ASSERT_EQ(0, usb_node(self->node, sizeof(self->node), 20));
	wait_crypto_registered();
}

FIXTURE_TEARDOWN(usb)
{
	if (!self->usb)
		return;
	write_param("timeout_ms", "2000");
	/* leave a plugged, working card to whoever runs next */
	usbcard("ctl restart");
	if (access("/run/usb-card.pid", F_OK))
		usbcard("start");
	usbcard("plug");
	usb_node(self->node, sizeof(self->node), 20);
}

/*
 * The card hangs (so that every request is still outstanding), >= 1000
 * requests pile up from 5 processes, the cable goes: each ends with
 * -ENODEV within 1 s, no other error.
 */
static void unplug_mid_batch(struct __test_metadata *_metadata, char *node, int kill_fw)
{
	struct portdp_key key0, key1;
	struct outcome o[URING_PROCS + 2];
	int rfd[URING_PROCS + 2], i, fd, total = 0, n;
	pid_t pid[URING_PROCS + 2];
	long long t_unplug, plugs, unplugs, worst = 0;
	uint8_t x[16];
	struct portdp_random r = { .buf = (uintptr_t)x, .len = 16 };
	struct pollfd pfd;
	char dev[96];

	fd = open_node(node);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pdt_key_fresh(fd, 30, &key0));
	plugs = sysfs_num(node, "link_plugs");
	unplugs = sysfs_num(node, "link_unplugs");
	ASSERT_LE(1, plugs);
	/* no request may time out while the card hangs on purpose */
	ASSERT_EQ(0, write_param("timeout_ms", "20000"));
	ASSERT_EQ(0, usbcard("ctl hang"));
	usleep(100000);

	for (i = 0; i < URING_PROCS; i++)
		pid[i] = spawn(K_URING, node, &rfd[i]);
	pid[i] = spawn(K_IOCTL, node, &rfd[i]);
	i++;
	pid[i] = spawn(K_AFALG, node, &rfd[i]);
	for (n = 0; n < 200; n++) {
		total = outstanding(node);
		if (total >= 1000 + 4)
			break;
		usleep(50000);
	}
	TH_LOG("%d requests outstanding at the unplug", total);
	EXPECT_LE(1000, total);

	t_unplug = now_ms();
	ASSERT_EQ(0, usbcard(kill_fw ? "kill" : "unplug"));
	for (i = 0; i < URING_PROCS + 2; i++) {
		EXPECT_EQ(0, collect(pid[i], rfd[i], &o[i]));
		TH_LOG("child %d: %d ok, %d ENODEV, %d other (first %d), last %lld ms after",
		       i, o[i].ok, o[i].enodev, o[i].other, o[i].first_other,
		       o[i].last_ms - t_unplug);
		if (i == URING_PROCS + 1) {
			/* AF_ALG: the CPU fallback answers, right, once the card is gone */
			EXPECT_EQ(0, o[i].enodev);
			EXPECT_EQ(0, o[i].other);
			EXPECT_LE(10, o[i].ok);
		} else {
			EXPECT_LE(1, o[i].enodev);
		}
		if (i < URING_PROCS) {
			EXPECT_EQ(URING_N, o[i].ok + o[i].enodev + o[i].other);
			EXPECT_EQ(0, o[i].other);
		} else if (i == URING_PROCS) {
			EXPECT_EQ(0, o[i].other);
		}
		if (o[i].last_ms - t_unplug > worst)
			worst = o[i].last_ms - t_unplug;
	}
	EXPECT_GE(1000, worst);

	/* The open file: -ENODEV everywhere, poll wakes with HUP|ERR. */
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	EXPECT_EQ(1, poll(&pfd, 1, 1000));
	EXPECT_EQ(POLLHUP | POLLERR, pfd.revents & (POLLHUP | POLLERR));
	EXPECT_NE(0, ioctl(fd, PORTDP_IOC_RANDOM, &r));
	EXPECT_EQ(ENODEV, errno);
	snprintf(dev, sizeof(dev), "/dev/%s", node);
	EXPECT_NE(0, access(dev, F_OK));
	close(fd);

	/* Back in: a working card, its keys kept, the link counted. */
	write_param("timeout_ms", "2000");
	ASSERT_EQ(0, usbcard(kill_fw ? "start" : "plug"));
	ASSERT_EQ(0, usb_node(node, 64, 20));
	fd = open_node(node);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, ioctl(fd, PORTDP_IOC_RANDOM, &r));
	memset(&key1, 0, sizeof(key1));
	key1.slot = 30;
	EXPECT_EQ(0, ioctl(fd, PORTDP_IOC_KEY_GET_PUBLIC, &key1));
	EXPECT_EQ(0, memcmp(key0.pub, key1.pub, sizeof(key0.pub)));
	EXPECT_EQ(plugs + 1, sysfs_num(node, "link_plugs"));
	EXPECT_EQ(unplugs + 1, sysfs_num(node, "link_unplugs"));
	close(fd);
}

TEST_F_TIMEOUT(usb, unplug_mid_batch, 90)
{
	if (!self->usb)
		SKIP(return, "not the USB boot");
	unplug_mid_batch(_metadata, self->node, 0);
}

TEST_F_TIMEOUT(usb, firmware_killed_mid_batch, 90)
{
	if (!self->usb)
		SKIP(return, "not the USB boot");
	unplug_mid_batch(_metadata, self->node, 1);
}

/* Unplug, replug, use: PORTDP_USB_CYCLES times (default 20). */
TEST_F_TIMEOUT(usb, replug_cycles, 200)
{
	const char *env = getenv("PORTDP_USB_CYCLES");
	int cycles = env ? atoi(env) : 20, i, fd, bad = 0;
	long long t0 = now_ms(), plugs = sysfs_num(self->node, "link_plugs");
	uint8_t x[16];
	struct portdp_random r = { .buf = (uintptr_t)x, .len = 16 };

	if (!self->usb)
		SKIP(return, "not the USB boot");
	for (i = 0; i < cycles && !bad; i++) {
		fd = open_node(self->node);
		if (fd < 0 || ioctl(fd, PORTDP_IOC_RANDOM, &r))
			bad = 1;
		if (fd >= 0)
			close(fd);
		if (usbcard("unplug") || usbcard("plug") ||
		    usb_node(self->node, sizeof(self->node), 20))
			bad = 2;
	}
	TH_LOG("%d unplug/replug cycles in %lld ms", i, now_ms() - t0);
	EXPECT_EQ(0, bad);
	EXPECT_EQ(cycles, i);
	EXPECT_EQ(plugs + cycles, sysfs_num(self->node, "link_plugs"));
}

/* The counters one fault must move: completed, errors, timeouts, card_restarts. */
struct moves {
	int completed, errors, timeouts, restarts;
};

static const char *const counter_names[] = { "completed", "errors", "timeouts", "card_restarts" };

static void read_counters(const char *node, long long v[4])
{
	int i;

	for (i = 0; i < 4; i++)
		v[i] = sysfs_num(node, counter_names[i]);
}

/*
 * One injected fault, then a RANDOM: the error it must end with (0: the
 * answer is fine), the sysfs counters it moves (@m, NULL: the device goes),
 * and a working card afterwards.
 */
static void one_fault(struct __test_metadata *_metadata, char *node, const char *fault,
		      int want1, int want2, const struct moves *m)
{
	uint8_t x[1024];
	struct portdp_random r = { .buf = (uintptr_t)x, .len = sizeof(x) };
	long long before[4], after[4];
	char cmd[64];
	int fd, err, i;
	long long t0;

	read_counters(node, before);
	fd = open_node(node);
	ASSERT_LE(0, fd);
	snprintf(cmd, sizeof(cmd), "ctl fault %s", fault);
	ASSERT_EQ(0, usbcard(cmd));
	usleep(100000);
	t0 = now_ms();
	err = ioctl(fd, PORTDP_IOC_RANDOM, &r) ? -errno : 0;
	TH_LOG("fault %s: %d after %lld ms", fault, err, now_ms() - t0);
	EXPECT_TRUE(err == want1 || err == want2);
	close(fd);
	if (!m)
		ASSERT_EQ(0, usbcard("plug"));
	ASSERT_EQ(0, usb_node(node, 64, 20));
	if (m) {
		/* the reset's GET_INFO completes just after the state reads ready */
		for (i = 0; i < 40; i++) {
			read_counters(node, after);
			if (after[0] - before[0] >= m->completed)
				break;
			usleep(50000);
		}
		TH_LOG("fault %s: completed +%lld, errors +%lld, timeouts +%lld, card_restarts +%lld",
		       fault, after[0] - before[0], after[1] - before[1], after[2] - before[2],
		       after[3] - before[3]);
		EXPECT_EQ(m->completed, after[0] - before[0]);
		EXPECT_EQ(m->errors, after[1] - before[1]);
		EXPECT_EQ(m->timeouts, after[2] - before[2]);
		EXPECT_EQ(m->restarts, after[3] - before[3]);
	}
	fd = open_node(node);
	ASSERT_LE(0, fd);
	/* the first may still meet the tail of the reset */
	for (i = 0; i < 3; i++) {
		err = ioctl(fd, PORTDP_IOC_RANDOM, &r) ? -errno : 0;
		if (!err)
			break;
		usleep(300000);
	}
	EXPECT_EQ(0, err);
	close(fd);
}

TEST_F_TIMEOUT(usb, faults, 120)
{
	/*
	 * A transfer error fails the request through the recovery (a card
	 * restart), a timeout through the timeout scan; both end in a reset
	 * whose GET_INFO completes. A short answer completes with an error; a
	 * duplicate is dropped as stale.
	 */
	static const struct moves restart = { .completed = 1, .restarts = 1 };
	static const struct moves answered_bad = { .completed = 1, .errors = 1 };
	static const struct moves timed_out = { .completed = 1, .timeouts = 1 };
	static const struct moves fine = { .completed = 1 };
	/*
	 * Oversize: dummy_hcd fills the 4096-byte buffer (an answer whose
	 * length disagrees with its header: -EIO) and hands the rest over as
	 * a malformed transfer (a reset).
	 */
	static const struct moves overflow = { .completed = 2, .errors = 1, .restarts = 1 };

	if (!self->usb)
		SKIP(return, "not the USB boot");
	ASSERT_EQ(0, write_param("timeout_ms", "500"));

	one_fault(_metadata, self->node, "stall", -EIO, -EIO, &restart);
	one_fault(_metadata, self->node, "short", -EIO, -EIO, &answered_bad);
	one_fault(_metadata, self->node, "oversize", -EIO, -EIO, &overflow);
	one_fault(_metadata, self->node, "wrong-tag", -ETIMEDOUT, -ETIMEDOUT, &timed_out);
	one_fault(_metadata, self->node, "dup-tag", 0, 0, &fine);
	one_fault(_metadata, self->node, "never", -ETIMEDOUT, -ETIMEDOUT, &timed_out);
	one_fault(_metadata, self->node, "disconnect", -ENODEV, -ENODEV, NULL);
	EXPECT_EQ(0, write_param("timeout_ms", "2000"));
}

TEST_HARNESS_MAIN
