// SPDX-License-Identifier: Apache-2.0
/*
 * portdpd - the Port-DP+ service: reads portdpd.conf, starts the ES9+ layer
 * and the HTTPS server, and runs until SIGTERM/SIGINT (graceful stop);
 * SIGHUP reloads (appliance/server/reload.h). Under systemd (Type=notify) it
 * reports readiness, reloads and the stop.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "es9/es9.h"
#include "server/log.h"
#include "server/privilege.h"
#include "server/secret_file.h"
#include "server/notify.h"
#include "server/reload.h"
#include "server/server.h"
#include "server/tls.h"
#include "progress/sender.h"
#include "proximity/bt.h"
#include "proximity/nfc.h"
#include "proximity/vpcd.h"
#include "inventory/inventory.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: portdpd -c portdpd.conf [-p port] [-l addr] [-w workers] [--db path]\n"
		   "               [--es2-port port] [--pidfile FILE] [--user NAME] [--foreground]\n"
		   "               [--debug]\n");
}

static int parse_num(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno || *end || *out < min || *out > max)
		return -ERANGE;
	return 0;
}

static int copy_opt(char *dst, size_t size, const char *val, const char *name)
{
	if (!*val || strlen(val) >= size) {
		fprintf(stderr, "portdpd: %s: empty or too long\n", name);
		return -EINVAL;
	}
	strcpy(dst, val);
	return 0;
}

/* Detaches from the terminal; the parent exits once the child reports readiness on @ready_fd. */
static int daemonize(int *ready_fd)
{
	int fds[2], null;
	char status = 1;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		close(fds[1]);
		if (read(fds[0], &status, 1) != 1)
			status = 1;
		_exit(status ? EXIT_FAILURE : EXIT_SUCCESS);
	}
	close(fds[0]);
	setsid();
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		close(null);
	}
	*ready_fd = fds[1];
	return 0;
}

/* SIGUSR1: one line of the network layer's counters (appliance/server/README.md). */
static void log_stats(struct portdp_server *srv)
{
	struct portdp_server_stats st;

	portdp_server_get_stats(srv, &st);
	srv_info("stats: open_conns=%u max_conns=%u accepted=%llu rejected_full=%llu "
		 "rejected_per_ip=%llu evicted_idle=%llu handshake_timeouts=%llu "
		 "idle_timeouts=%llu request_timeouts=%llu tls_failures=%llu http_errors=%llu "
		 "requests=%llu flushes=%llu flush_failures=%llu malloc_trims=%llu",
		 st.open_conns, st.max_conns, (unsigned long long)st.accepted,
		 (unsigned long long)st.rejected_full, (unsigned long long)st.rejected_per_ip,
		 (unsigned long long)st.evicted_idle, (unsigned long long)st.handshake_timeouts,
		 (unsigned long long)st.idle_timeouts, (unsigned long long)st.request_timeouts,
		 (unsigned long long)st.tls_failures, (unsigned long long)st.http_errors,
		 (unsigned long long)st.requests, (unsigned long long)st.flushes,
		 (unsigned long long)st.flush_failures, (unsigned long long)st.malloc_trims);
}

/*
 * Every file a secret is read from, before any is read: keys loose or owned by another
 * user, and an inventory others could read, stop the start. @u: the service user (NULL:
 * none configured); run as root with one, the inventory is made or handed over to it.
 */
static int check_secret_files(const struct portdpd_config *cfg, const struct priv_user *u,
			      char *err, unsigned err_len)
{
	const bool es2 = ES2_LISTENER_ON(cfg);
	const struct {
		const char *what, *uri;
	} keys[] = {
	    {"TLS key", cfg->tls_key},
	    {"DPauth key", cfg->dpauth_key},
	    {"DPpb key", cfg->dppb_key},
	    /* ES2+ listener ("": the TLS key) */
	    {"ES2+ TLS key", es2 ? cfg->es2_tls_key : ""},
	};
	uid_t uid = u ? u->uid : geteuid();
	const char *path;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		path = secret_key_uri_path(keys[i].uri);
		if (path && (rc = secret_file_check(path, uid, keys[i].what, err, err_len)))
			return rc;
	}
	/* The progress sender's client key is a plain path (libcurl's), not a key URI. */
	if (*cfg->progress_key &&
	    (rc = secret_file_check(cfg->progress_key, uid, "progress client key", err, err_len)))
		return rc;
	/* Checked before it is handed over: a refused start changes nothing. */
	if (!access(cfg->db_path, F_OK) &&
	    (rc = secret_file_check(cfg->db_path, uid, "inventory", err, err_len)))
		return rc;
	if (u && !geteuid())
		return priv_own_inventory(cfg->db_path, u, err, err_len);
	return 0;
}

/*
 * The stock key (appliance/inventory/seal.c), read once now, as the user that starts
 * portdpd: made 0600 when missing (a new inventory, or one of before schema v5 that the
 * first open seals); a root-owned one is handed to the service user, whose portdpctl imports.
 */
static int load_stock_key(const struct portdpd_config *cfg, const struct priv_user *u,
			  char *err, unsigned err_len)
{
	char path[sizeof(cfg->db_path) + sizeof(INV_STOCK_KEY_SUFFIX)];
	uid_t uid = u ? u->uid : geteuid();
	bool existed;
	int rc;

	/* On the card: each worker takes the slot on its own accel; no UPP opens here. */
	if (portdpd_stock_on_card(cfg)) {
		inv_stock_key_set_card(NULL, NULL);
		srv_info("stock key on the card (%s): UPPs open only there", cfg->stock_key);
		return 0;
	}
	if (*cfg->stock_key)
		snprintf(path, sizeof(path), "%s", cfg->stock_key);
	else
		snprintf(path, sizeof(path), "%s%s", cfg->db_path, INV_STOCK_KEY_SUFFIX);
	existed = !access(path, F_OK);
	if (existed && (rc = secret_file_check(path, uid, "stock key", err, err_len)))
		return rc;
	rc = inv_stock_key_load(path, 1, err, err_len);
	if (rc)
		return rc;
	if (!existed)
		srv_info("created the stock key %s", path);
	/* Like the inventory: a root-owned key goes to the service user (its portdpctl imports). */
	if (u && !geteuid()) {
		struct stat st;
		int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

		rc = fd < 0 || fstat(fd, &st) ? -errno : 0;
		if (!rc && st.st_uid == 0 && fchown(fd, u->uid, u->gid))
			rc = -errno;
		else if (!rc && st.st_uid == 0)
			srv_info("stock key %s now belongs to %s", path, u->name);
		if (fd >= 0)
			close(fd);
		if (rc) {
			snprintf(err, err_len, "stock key %.400s: cannot hand it to %s: %s", path,
				 u->name, strerror(-rc));
			return rc;
		}
	}
	return 0;
}

static int write_pidfile(const char *path)
{
	char line[32];
	int fd, n;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	n = snprintf(line, sizeof(line), "%ld\n", (long)getpid());
	if (write(fd, line, n) != n) {
		close(fd);
		unlink(path);
		return -EIO;
	}
	close(fd);
	return 0;
}

/* Keys the command line set keep their value across reloads. */
enum cli_set { CLI_PORT = 1, CLI_LISTEN = 2, CLI_WORKERS = 4, CLI_DB = 8, CLI_ES2_PORT = 16 };

/* SIGHUP: read the file again and apply it; a bad file keeps everything as it is. */
static void reload(struct portdp_server *srv, const char *path, struct portdpd_config *cfg,
		   unsigned cli)
{
	struct portdpd_config next;
	char err[512];

	svc_notify_reloading();
	portdpd_config_defaults(&next);
	if (portdpd_config_load(&next, path, err, sizeof(err))) {
		srv_err("reload: %s: keeping the running configuration", err);
		goto out;
	}
	if (cli & CLI_PORT)
		next.listen_port = cfg->listen_port;
	if (cli & CLI_LISTEN)
		memcpy(next.listen_addr, cfg->listen_addr, sizeof(next.listen_addr));
	if (cli & CLI_WORKERS)
		next.workers = cfg->workers;
	if (cli & CLI_DB)
		memcpy(next.db_path, cfg->db_path, sizeof(next.db_path));
	if (cli & CLI_ES2_PORT)
		next.es2_port = cfg->es2_port;
	if (portdp_server_reload(srv, cfg, &next, err, sizeof(err))) {
		srv_err("reload: %s: keeping the running certificate and key", err);
		goto out;
	}
	srv_info("reloaded %s (TLS certificate %s)", path, cfg->tls_cert);
out:
	svc_notify_ready("serving");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"port", required_argument, NULL, 'p'},
	    {"listen", required_argument, NULL, 'l'},
	    {"workers", required_argument, NULL, 'w'},
	    {"db", required_argument, NULL, 'D'},
	    {"pidfile", required_argument, NULL, 'P'},
	    {"foreground", no_argument, NULL, 'f'},
	    {"debug", no_argument, NULL, 'd'},
	    {"user", required_argument, NULL, 'u'},
	    {"help", no_argument, NULL, 'h'},
	    {"es2-port", required_argument, NULL, 'E'},
	    {},
	};
	const char *conf = NULL, *pidfile = NULL, *port = NULL, *workers = NULL, *listen = NULL,
		   *db = NULL, *user = NULL, *es2_port = NULL;
	struct portdpd_config cfg;
	struct priv_user svc_user;
	struct es9_service *svc = NULL;
	struct portdp_server *srv = NULL;
	struct portdp_server_limits lim;
	struct progress_sender *sender = NULL;
	struct pdp_vpcd *card = NULL;
	struct pdp_nfc *nfc = NULL;
	struct pdp_bt *bt = NULL;
	bool foreground = false;
	int ready_fd = -1, opt, sig, rc;
	unsigned long v;
	char err[512];
	sigset_t set;

	while ((opt = getopt_long(argc, argv, "c:p:l:w:fdh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			conf = optarg;
			break;
		case 'p':
			port = optarg;
			break;
		case 'E':
			es2_port = optarg;
			break;
		case 'l':
			listen = optarg;
			break;
		case 'w':
			workers = optarg;
			break;
		case 'D':
			db = optarg;
			break;
		case 'P':
			pidfile = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		case 'f':
			foreground = true;
			break;
		case 'd':
			srv_log_level = SRV_LOG_DEBUG;
			break;
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!conf || optind != argc) {
		usage(stderr);
		return 2;
	}

	portdpd_config_defaults(&cfg);
	if (portdpd_config_load(&cfg, conf, err, sizeof(err))) {
		fprintf(stderr, "portdpd: %s\n", err);
		return EXIT_FAILURE;
	}
	if (port) {
		if (parse_num(port, 0, 65535, &v)) {
			fprintf(stderr, "portdpd: -p %s: not a port number\n", port);
			return 2;
		}
		cfg.listen_port = v;
	}
	if (es2_port) {
		if (parse_num(es2_port, 0, 65535, &v)) {
			fprintf(stderr, "portdpd: --es2-port %s: not a port number\n", es2_port);
			return 2;
		}
		cfg.es2_port = v;
	}
	if (workers) {
		if (parse_num(workers, 1, 256, &v)) {
			fprintf(stderr, "portdpd: -w %s: workers must be 1..256\n", workers);
			return 2;
		}
		cfg.workers = v;
	}
	if ((listen && copy_opt(cfg.listen_addr, sizeof(cfg.listen_addr), listen, "-l")) ||
	    (db && copy_opt(cfg.db_path, sizeof(cfg.db_path), db, "--db")) ||
	    (user && copy_opt(cfg.user, sizeof(cfg.user), user, "--user")))
		return 2;
	if ((cfg.user[0] && priv_user_lookup(cfg.user, &svc_user, err, sizeof(err))) ||
	    check_secret_files(&cfg, cfg.user[0] ? &svc_user : NULL, err, sizeof(err)) ||
	    load_stock_key(&cfg, cfg.user[0] ? &svc_user : NULL, err, sizeof(err))) {
		fprintf(stderr, "portdpd: %s\n", err);
		return EXIT_FAILURE;
	}

	if (!foreground && (rc = daemonize(&ready_fd))) {
		fprintf(stderr, "portdpd: daemonize: %s\n", strerror(-rc));
		return EXIT_FAILURE;
	}
	/* Signals are taken by sigwait() below, never by a worker thread. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	/* A TLS key on the card needs the portdp provider from the configured directory. */
	if ((!strncmp(cfg.tls_key, TLS_CARD_SCHEME, sizeof(TLS_CARD_SCHEME) - 1) ||
	     (ES2_LISTENER_ON(&cfg) &&
	      !strncmp(cfg.es2_tls_key, TLS_CARD_SCHEME, sizeof(TLS_CARD_SCHEME) - 1))) &&
	    tls_provider_setup(cfg.ossl_modules, err, sizeof(err))) {
		srv_err("TLS key %s: %s", cfg.tls_key, err);
		return EXIT_FAILURE;
	}
	/* A second portdpd on this address:port stops here, before it opens the inventory. */
	if (portdp_server_claim(&cfg, err, sizeof(err))) {
		srv_err("%s", err);
		return EXIT_FAILURE;
	}
	rc = es9_service_new(&cfg, &svc, err, sizeof(err));
	if (rc) {
		srv_err("ES9+ service: %s", err);
		return EXIT_FAILURE;
	}
	portdp_server_limits_from_config(&lim, &cfg);
	rc = portdp_server_start(&cfg, &lim, svc, &srv, err, sizeof(err));
	if (rc) {
		srv_err("%s", err);
		es9_service_free(svc);
		return EXIT_FAILURE;
	}
	rc = progress_sender_start(&cfg, &sender, err, sizeof(err));
	if (rc) {
		srv_err("%s", err);
		goto stop_server;
	}
	if (pidfile && (rc = write_pidfile(pidfile))) {
		srv_err("pidfile %s: %s", pidfile, strerror(-rc));
		goto stop_all;
	}
	/* The card face (ES9+ over APDUs): its worker opens keys and inventory as root too. */
	if (cfg.card_vpcd_port &&
	    pdp_vpcd_start(svc, cfg.smdp_address, cfg.card_vpcd_port, &card, err, sizeof(err))) {
		srv_err("%s", err);
		goto stop_all;
	}
	if (cfg.card_nfc[0] &&
	    pdp_nfc_start(svc, cfg.smdp_address, cfg.card_nfc, &nfc, err, sizeof(err))) {
		srv_err("%s", err);
		goto stop_all;
	}
	if (cfg.card_bt_channel &&
	    pdp_bt_start(svc, cfg.smdp_address, cfg.card_bt_channel, &bt, err, sizeof(err))) {
		srv_err("%s", err);
		goto stop_all;
	}
	/* Sockets bound; card, keys and inventory open in every worker: root is needed no more. */
	if (cfg.user[0] && (rc = priv_drop(&svc_user, err, sizeof(err)))) {
		srv_err("%s", err);
		goto stop_all;
	}
	if (cfg.user[0])
		srv_info("running as %s (uid %u, gid %u)", svc_user.name, (unsigned)svc_user.uid,
			 (unsigned)svc_user.gid);
	else if (!geteuid())
		srv_warn("running as root: set user = NAME (or --user) to drop root once started");
	fprintf(stderr, "portdpd: listening on %s:%u\n", cfg.listen_addr,
		(unsigned)portdp_server_port(srv));
	if (portdp_server_es2_port(srv))
		fprintf(stderr, "portdpd: ES2+ listening on %s:%u\n", cfg.listen_addr,
			(unsigned)portdp_server_es2_port(srv));
	if (ready_fd >= 0) {
		char ok = 0;

		if (write(ready_fd, &ok, 1) != 1)
			srv_warn("cannot report readiness to the parent");
		close(ready_fd);
	}
	snprintf(err, sizeof(err), "listening on %s:%u", cfg.listen_addr,
		 (unsigned)portdp_server_port(srv));
	svc_notify_ready(err);

	for (;;) {
		if (sigwait(&set, &sig))
			continue;
		if (sig == SIGUSR1) {
			log_stats(srv);
			continue;
		}
		if (sig != SIGHUP)
			break;
		reload(srv, conf, &cfg,
		       (port ? CLI_PORT : 0) | (listen ? CLI_LISTEN : 0) |
			   (workers ? CLI_WORKERS : 0) | (db ? CLI_DB : 0) |
			   (es2_port ? CLI_ES2_PORT : 0));
	}
	svc_notify_stopping();
	srv_info("signal %d: stopping (in-flight requests are finished first)", sig);
	pdp_bt_stop(bt);
	pdp_nfc_stop(nfc);
	pdp_vpcd_stop(card);
	progress_sender_stop(sender);
	rc = portdp_server_stop(srv);
	portdp_server_free(srv);
	es9_service_free(svc);
	if (pidfile)
		unlink(pidfile);
	srv_info("stopped");
	return rc ? EXIT_FAILURE : EXIT_SUCCESS;

stop_all: /* a start that failed half way: what did start stops (NULL ones are no-ops) */
	pdp_bt_stop(bt);
	pdp_nfc_stop(nfc);
	pdp_vpcd_stop(card);
	progress_sender_stop(sender);
stop_server:
	portdp_server_stop(srv);
	portdp_server_free(srv);
	es9_service_free(svc);
	return EXIT_FAILURE;
}
