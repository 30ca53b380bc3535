/* SPDX-License-Identifier: Apache-2.0 */
/*
 * portdpd logging: one line per event on stderr, UTC timestamp first.
 * Debug lines (one per request) are off unless log_level is raised.
 */
#ifndef PORTDP_SERVER_LOG_H
#define PORTDP_SERVER_LOG_H

enum srv_log_level {
	SRV_LOG_ERR,
	SRV_LOG_WARN,
	SRV_LOG_INFO,
	SRV_LOG_DEBUG,
};

extern enum srv_log_level srv_log_level;

void srv_log(enum srv_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define srv_err(...) srv_log(SRV_LOG_ERR, __VA_ARGS__)
#define srv_warn(...) srv_log(SRV_LOG_WARN, __VA_ARGS__)
#define srv_info(...) srv_log(SRV_LOG_INFO, __VA_ARGS__)
/* Checked before formatting: request logging must cost nothing when off. */
#define srv_debug(...)                                                                             \
	do {                                                                                       \
		if (srv_log_level >= SRV_LOG_DEBUG)                                                \
			srv_log(SRV_LOG_DEBUG, __VA_ARGS__);                                       \
	} while (0)

#endif
