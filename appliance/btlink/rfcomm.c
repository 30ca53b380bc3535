/* SPDX-License-Identifier: Apache-2.0 */
/* RFCOMM sockets (BlueZ) for btlink: the Port-DP+ listens, the LPA connects. */
#include "btlink.h"

#include <bluetooth/bluetooth.h>
#include <bluetooth/rfcomm.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int parse_addr(const char *s, bdaddr_t *a)
{
	if (!s || !strcmp(s, "any")) {
		bacpy(a, BDADDR_ANY);
		return 0;
	}
	/* str2ba accepts anything; check the form ourselves. */
	if (strlen(s) != 17 || bachk(s) < 0)
		return -EINVAL;
	return str2ba(s, a) < 0 ? -EINVAL : 0;
}

int btlink_parse_spec(const char *spec, char addr[18], int *channel)
{
	const char *at;
	bdaddr_t a;

	if (!spec || strncmp(spec, "bt:", 3))
		return -EINVAL;
	spec += 3;
	at = strchr(spec, '@');
	if ((at ? (size_t)(at - spec) : strlen(spec)) != 17)
		return -EINVAL;
	memcpy(addr, spec, 17);
	addr[17] = 0;
	if (parse_addr(addr, &a) < 0 || !bacmp(&a, BDADDR_ANY))
		return -EINVAL;
	*channel = BTLINK_DEFAULT_CHANNEL;
	if (at) {
		char *end;
		long ch = strtol(at + 1, &end, 10);

		if (at[1] < '0' || at[1] > '9' || *end || ch < 1 || ch > 30)
			return -EINVAL;
		*channel = (int)ch;
	}
	return 0;
}

/* Returns the listening socket or -errno. */
int btlink_rfcomm_listen(const char *addr, int channel)
{
	struct sockaddr_rc sa = {.rc_family = AF_BLUETOOTH, .rc_channel = (uint8_t)channel};
	int fd, e;

	if (channel < 1 || channel > 30)
		return -EINVAL;
	if (parse_addr(addr, &sa.rc_bdaddr) < 0)
		return -EINVAL;
	fd = socket(AF_BLUETOOTH, SOCK_STREAM | SOCK_CLOEXEC, BTPROTO_RFCOMM);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4) < 0) {
		e = -errno;
		close(fd);
		return e;
	}
	return fd;
}

/* Returns the connected socket or -errno (-ETIMEDOUT after timeout_ms). */
int btlink_rfcomm_connect(const char *addr, int channel, int timeout_ms)
{
	struct sockaddr_rc sa = {.rc_family = AF_BLUETOOTH, .rc_channel = (uint8_t)channel};
	int fd, e = 0;

	if (channel < 1 || channel > 30 || !addr || parse_addr(addr, &sa.rc_bdaddr) < 0 ||
	    !bacmp(&sa.rc_bdaddr, BDADDR_ANY))
		return -EINVAL;
	fd = socket(AF_BLUETOOTH, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, BTPROTO_RFCOMM);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno != EINPROGRESS && errno != EAGAIN) {
			e = -errno;
			goto fail;
		}
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		int r;

		do
			r = poll(&p, 1, timeout_ms);
		while (r < 0 && errno == EINTR);
		if (r == 0) {
			e = -ETIMEDOUT;
			goto fail;
		}
		socklen_t l = sizeof(e);

		if (r < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &l) < 0) {
			e = -errno;
			goto fail;
		}
		if (e) {
			e = -e;
			goto fail;
		}
	}
	/* Blocking from here: btlink polls with its own deadlines. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
fail:
	close(fd);
	return e;
}
