// SPDX-License-Identifier: Apache-2.0
/*
 * The client's address as the audit rows name it. Multishot accept gives no
 * address, so it is asked for once per connection, when its first request
 * is handed on: connections that never send one cost nothing.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>

#include "server_int.h"

const char *conn_peer(struct conn *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char ip[INET6_ADDRSTRLEN];

	if (c->peer[0] || getpeername(c->fd, (struct sockaddr *)&ss, &len))
		return c->peer;
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *in4 = (const struct sockaddr_in *)&ss;

		if (inet_ntop(AF_INET, &in4->sin_addr, ip, sizeof(ip)))
			snprintf(c->peer, sizeof(c->peer), "%s:%u", ip, ntohs(in4->sin_port));
	} else if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ss;

		if (inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip)))
			snprintf(c->peer, sizeof(c->peer), "[%s]:%u", ip, ntohs(in6->sin6_port));
	}
	return c->peer;
}
