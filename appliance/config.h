/* SPDX-License-Identifier: Apache-2.0 */
/*
 * portdpd configuration: one struct filled from a key=value file
 * (portdpd.conf, '#' comments) and overridable by command-line options.
 * Owned by appliance/server (parsing) and read by every other room.
 */
#ifndef PORTDP_CONFIG_H
#define PORTDP_CONFIG_H

#include <stdint.h>

#define PORTDP_MAX_CI 8

struct portdpd_config {
	char listen_addr[64];     /* listen = 127.0.0.1 */
	uint16_t listen_port;     /* port = 8443 */
	unsigned workers;         /* workers = number of CPUs (one io_uring each) */
	char smdp_address[256];   /* smdp_address = testsmdpplus1.example.com */
	char tls_cert[512];       /* tls_cert = PEM chain file */
	char tls_key[512];        /* tls_key = "file:/path.pem" or "portdp:dev=/dev/...;slot=N" */
	char accel_uri[256];      /* accel = soft: */
	char dpauth_cert[512];    /* dpauth_cert = DER or PEM file */
	char dpauth_key[512];     /* dpauth_key = key URI */
	char dppb_cert[512];      /* dppb_cert */
	char dppb_key[512];       /* dppb_key */
	char ci_certs[PORTDP_MAX_CI][512]; /* ci_cert = file (repeatable) */
	unsigned n_ci;
	char db_path[512];        /* db = /var/lib/portdp/inventory.db */
	unsigned session_timeout_s; /* session_timeout = 300 */
	unsigned max_body;        /* max_body = 65536 (bytes, HTTP request body) */
	int db_sync_full;         /* db_sync = full|normal (full: fsync per group commit) */
	char ossl_modules[512];   /* ossl_modules = directory of portdp.so ("": OpenSSL's) */
	char user[64];            /* user = portdp: run as it once started ("": stay as is) */
	/* Connection limits (appliance/server/README.md, "Limits"). */
	unsigned max_conns;            /* max_conns = 4096 (whole process; fitted below RLIMIT_NOFILE) */
	unsigned max_conns_per_ip;     /* max_conns_per_ip = 256 (one client address) */
	unsigned handshake_timeout_ms; /* handshake_timeout_ms = 10000 (accept to TLS done) */
	unsigned idle_timeout_ms;      /* idle_timeout_ms = 30000 (keep-alive between requests) */
	unsigned request_timeout_ms;   /* request_timeout_ms = 15000 (first to last byte of one) */
	/* ES2+ (operators, mutual TLS): on when es2_client_ca is set */
	uint16_t es2_port;        /* es2_port = 8444 (0: any free port) */
	char es2_tls_cert[512];   /* es2_tls_cert = PEM chain ("": tls_cert) */
	char es2_tls_key[512];    /* es2_tls_key ("": tls_key) */
	char es2_client_ca[512];  /* es2_client_ca = PEM of the operator CA(s) client certs chain to */
	/* online transfers (docs/transfers.md): units of transfer_ca may also connect to the ES2+
	 * listener, for /portdp/transfer1/ only; this unit signs with audit_key */
	char transfer_ca[512];    /* transfer_ca = PEM of the unit CA ("": no online transfers) */
	char unit_cert[512];      /* unit_cert = this unit's certificate (PEM), for audit_key */
	/* progress reports to operators (handleDownloadProgressInfo), appliance/progress */
	char progress_cert[512];  /* progress_cert = our client certificate chain (PEM) */
	char progress_key[512];   /* progress_key = its key (PEM file) */
	char progress_ca[512];    /* progress_ca = trust anchors of the operators' servers (PEM) */
	unsigned progress_retry_max; /* progress_retry_max = 300 (s, longest backoff) */
	unsigned progress_timeout;   /* progress_timeout = 10 (s, one delivery) */
	/* the card face (appliance/proximity): ES9+ over APDUs in a vsmartcard-vpcd reader */
	uint16_t card_vpcd_port;     /* card_vpcd = PORT on 127.0.0.1 (0: none, the default) */
	char card_nfc[128];          /* card_nfc = libnfc connstring, e.g. pn532_uart:/dev/ttyS0 */
	int card_bt_channel;         /* card_bt = RFCOMM channel 1-30 (0: none, the default) */
	/*
	 * stock_key = the key file the UPPs are sealed with ("": "<db>.stock-key"; made 0600),
	 * or slot:N, a stock key on the card (accel = dev:): the card opens every UPP it binds
	 */
	char stock_key[512];
	/* tamper-evident audit: the unit key that signs the audit chain's head periodically */
	char audit_key[512];      /* audit_key = key URI (card slot:N, file:PATH); "": none */
	unsigned audit_interval;  /* audit_interval = 300 (s between checkpoints, when it moved) */
	unsigned es2_call_retention; /* es2_call_retention = 604800 (s a recorded ES2+ answer is kept) */
};

/** stock_key names a card slot ("slot:N"): the card path of sealed stock. */
static inline int portdpd_stock_on_card(const struct portdpd_config *cfg)
{
	const char *p = "slot:", *k = cfg->stock_key;

	while (*p && *k == *p)
		p++, k++;
	return !*p;
}

/* The ES2+ listener runs for operators (es2_client_ca), units (transfer_ca) or both. */
#define ES2_LISTENER_ON(cfg) (*(cfg)->es2_client_ca || *(cfg)->transfer_ca)

/** Fill @cfg with defaults. */
void portdpd_config_defaults(struct portdpd_config *cfg);
/** Load a key=value file over @cfg. Returns 0 or -errno; @err gets a message. */
int portdpd_config_load(struct portdpd_config *cfg, const char *path,
			char *err, unsigned err_len);

#endif
