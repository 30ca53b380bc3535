/* SPDX-License-Identifier: Apache-2.0 */
/*
 * portdpd's side of the systemd service protocol (sd_notify): readiness
 * after the listeners are up, reloading, stopping. Each call is a no-op when
 * portdpd was not started by systemd with Type=notify ($NOTIFY_SOCKET unset).
 */
#ifndef PORTDP_SERVER_NOTIFY_H
#define PORTDP_SERVER_NOTIFY_H

void svc_notify_ready(const char *status);
void svc_notify_reloading(void);
void svc_notify_stopping(void);

#endif
