// SPDX-License-Identifier: Apache-2.0
/* sd_notify messages of portdpd (notify.h). */
#include <stdio.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "log.h"
#include "notify.h"

static void notify(const char *state)
{
	/* A daemon that cannot tell systemd anything still serves: only log it. */
	int rc = sd_notify(0, state);

	if (rc < 0)
		srv_warn("sd_notify: cannot send \"%s\": %d", state, rc);
}

void svc_notify_ready(const char *status)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%s", status);
	notify(msg);
}

void svc_notify_reloading(void)
{
	struct timespec ts;
	char msg[96];

	/* systemd >= 253 matches the reload by MONOTONIC_USEC; older ones ignore it. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)ts.tv_sec * 1000000ull + (unsigned long long)ts.tv_nsec / 1000);
	notify(msg);
}

void svc_notify_stopping(void)
{
	notify("STOPPING=1");
}
