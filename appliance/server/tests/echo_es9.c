// SPDX-License-Identifier: Apache-2.0
/* Test double implementing es9.h for the network-layer tests (see echo_es9.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../../es9/es9.h"
#include "../../es9/transfer_serve.h"
#include "echo_es9.h"
#include "../../es9/es2plus.h"
#include "../../progress/sender.h"
#include "../../proximity/bt.h"
#include "../../proximity/nfc.h"
#include "../../proximity/vpcd.h"

unsigned long echo_es9_handled, echo_es9_flushes, echo_es9_expires, echo_es9_workers;
bool echo_es9_sync_commit;

struct es9_service {
	int unused;
};

struct es9_worker {
	unsigned pending; /* handled since the last flush */
	bool fail_flush;
	int log_fd; /* an unnamed file in /tmp that each commit appends to (the "WAL") */
};

#define ADD(v, n) __atomic_fetch_add(&(v), (n), __ATOMIC_RELAXED)

int es9_service_new(const struct portdpd_config *cfg, struct es9_service **out, char *err,
		    unsigned err_len)
{
	(void)cfg;
	*out = calloc(1, sizeof(**out));
	if (!*out) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

void es9_service_free(struct es9_service *svc)
{
	free(svc);
}

int es9_worker_new(struct es9_service *svc, struct es9_worker **out)
{
	(void)svc;
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	(*out)->log_fd = open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if ((*out)->log_fd < 0) {
		free(*out);
		*out = NULL;
		return -errno;
	}
	ADD(echo_es9_workers, 1);
	return 0;
}

void es9_worker_free(struct es9_worker *w)
{
	if (w) {
		ADD(echo_es9_workers, -1);
		close(w->log_fd);
	}
	free(w);
}

static bool is_fn(const char *path, const char *fn)
{
	const char *slash = strrchr(path, '/');

	return slash && !strcmp(slash + 1, fn);
}

void es9_handle(struct es9_worker *w, const char *client, const char *path, const char *body,
		size_t body_len, struct es9_response *resp)
{
	const char *fn = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;

	(void)client;
	ADD(echo_es9_handled, 1);
	w->pending++;
	memset(resp, 0, sizeof(*resp));
	resp->http_status = 200;
	if (is_fn(path, "slow")) {
		struct timespec ts = {0, 300 * 1000000L};

		nanosleep(&ts, NULL);
	}
	if (is_fn(path, "echo") || is_fn(path, "slow")) {
		resp->body = malloc(body_len ? body_len : 1);
		if (!resp->body) {
			resp->http_status = 500;
			return;
		}
		memcpy(resp->body, body, body_len);
		resp->body_len = body_len;
		return;
	}
	if (is_fn(path, "failflush"))
		w->fail_flush = true;
	if (is_fn(path, "empty")) {
		resp->http_status = 204;
		return;
	}
	if (asprintf(&resp->body,
		     "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-Success\"}},"
		     "\"function\":\"%s\",\"length\":%zu}",
		     fn, body_len) < 0) {
		resp->body = NULL;
		resp->http_status = 500;
		return;
	}
	resp->body_len = strlen(resp->body);
}

/* The real one renders an SGP.22 execution error; the double names what it was told. */
void es9_answer_unstored(struct es9_response *resp, const char *why)
{
	free(resp->body);
	memset(resp, 0, sizeof(*resp));
	resp->http_status = 200;
	if (asprintf(&resp->body, "{\"unstored\":\"%s\"}", why) < 0) {
		resp->body = NULL;
		resp->http_status = 500;
		return;
	}
	resp->body_len = strlen(resp->body);
}

int es9_worker_flush_async(struct es9_worker *w, int *fsync_fd)
{
	*fsync_fd = -1;
	if (w->fail_flush) {
		w->fail_flush = false;
		w->pending = 0;
		return -EIO;
	}
	if (w->pending) {
		ADD(echo_es9_flushes, 1);
		/* Something for the fsync to write back. */
		if (write(w->log_fd, &w->pending, sizeof(w->pending)) != sizeof(w->pending))
			return -EIO;
	}
	w->pending = 0;
	if (!__atomic_load_n(&echo_es9_sync_commit, __ATOMIC_RELAXED))
		*fsync_fd = w->log_fd;
	return 0;
}

int es9_worker_flush(struct es9_worker *w)
{
	int fd, ret = es9_worker_flush_async(w, &fd);

	if (!ret && fd >= 0 && fdatasync(fd))
		ret = -errno;
	return ret;
}

void es9_service_expire(struct es9_service *svc, struct es9_worker *w)
{
	(void)svc;
	(void)w;
	ADD(echo_es9_expires, 1);
}

/* The network layer's tests run no ES2+ listener: there is nothing to answer. */
void es2_handle(struct es9_worker *w, const char *client, const char *client_subject,
		const char *path, const char *body, size_t body_len, struct es9_response *resp)
{
	(void)w, (void)client, (void)client_subject, (void)path, (void)body, (void)body_len;
	memset(resp, 0, sizeof(*resp));
	resp->http_status = 404;
}

/* No online transfers in the double. */
void xfer_handle(struct es9_worker *w, const char *client, const uint8_t *unit_der,
		 size_t unit_len, const char *path, const char *body, size_t body_len,
		 struct es9_response *resp)
{
	(void)w, (void)client, (void)unit_der, (void)unit_len, (void)path, (void)body,
	    (void)body_len;
	memset(resp, 0, sizeof(*resp));
	resp->http_status = 404;
}

void xfer_answer_released(const char *path)
{
	(void)path;
}

/* portdpd-echo has no inventory: no progress reports to send. */
int progress_sender_start(const struct portdpd_config *cfg, struct progress_sender **out, char *err,
			  unsigned err_len)
{
	(void)cfg, (void)err, (void)err_len;
	*out = NULL;
	return 0;
}

void progress_sender_stop(struct progress_sender *s)
{
	(void)s;
}

/* portdpd-echo has no card face. */
int pdp_vpcd_start(struct es9_service *svc, const char *smdp_address, uint16_t port,
		   struct pdp_vpcd **out, char *err, unsigned err_len)
{
	(void)svc, (void)smdp_address, (void)port, (void)err, (void)err_len;
	*out = NULL;
	return 0;
}

void pdp_vpcd_stop(struct pdp_vpcd *v)
{
	(void)v;
}

int pdp_nfc_start(struct es9_service *svc, const char *smdp_address, const char *connstring,
		  struct pdp_nfc **out, char *err, unsigned err_len)
{
	(void)svc, (void)smdp_address, (void)connstring, (void)err, (void)err_len;
	*out = NULL;
	return 0;
}

void pdp_nfc_stop(struct pdp_nfc *n)
{
	(void)n;
}

int pdp_bt_start(struct es9_service *svc, const char *smdp_address, int channel,
		 struct pdp_bt **out, char *err, unsigned err_len)
{
	(void)svc, (void)smdp_address, (void)channel, (void)err, (void)err_len;
	*out = NULL;
	return 0;
}

void pdp_bt_stop(struct pdp_bt *b)
{
	(void)b;
}
