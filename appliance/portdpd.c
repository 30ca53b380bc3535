// SPDX-License-Identifier: Apache-2.0
/*
 * portdpd - the Port-DP+ service: reads portdpd.conf, starts the ES9+ layer
 * and the HTTPS server, and runs until SIGTERM/SIGINT (graceful stop).
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
#include "server/server.h"
#include "server/tls.h"
#include "progress/sender.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: portdpd -c portdpd.conf [-p port] [-l addr] [-w workers] [--db path]\n"
		   "               [--es2-port port] [--pidfile FILE] [--foreground] [--debug]\n");
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

/* One descriptor per connection: allow as many as the hard limit permits. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
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

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'c'}, {"port", required_argument, NULL, 'p'},
	    {"listen", required_argument, NULL, 'l'}, {"workers", required_argument, NULL, 'w'},
	    {"db", required_argument, NULL, 'D'},     {"pidfile", required_argument, NULL, 'P'},
	    {"foreground", no_argument, NULL, 'f'},   {"debug", no_argument, NULL, 'd'},
	    {"help", no_argument, NULL, 'h'},	      {"es2-port", required_argument, NULL, 'E'},
	    {},
	};
	const char *conf = NULL, *pidfile = NULL, *port = NULL, *workers = NULL, *listen = NULL,
		   *db = NULL, *es2_port = NULL;
	struct portdpd_config cfg;
	struct es9_service *svc = NULL;
	struct portdp_server *srv = NULL;
	struct progress_sender *sender = NULL;
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
	    (db && copy_opt(cfg.db_path, sizeof(cfg.db_path), db, "--db")))
		return 2;

	if (!foreground && (rc = daemonize(&ready_fd))) {
		fprintf(stderr, "portdpd: daemonize: %s\n", strerror(-rc));
		return EXIT_FAILURE;
	}
	raise_fd_limit();
	/* Signals are taken by sigwait() below, never by a worker thread. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	/* A TLS key on the card needs the portdp provider from the configured directory. */
	if (!strncmp(cfg.tls_key, TLS_CARD_SCHEME, sizeof(TLS_CARD_SCHEME) - 1) &&
	    tls_provider_setup(cfg.ossl_modules, err, sizeof(err))) {
		srv_err("TLS key %s: %s", cfg.tls_key, err);
		return EXIT_FAILURE;
	}
	rc = es9_service_new(&cfg, &svc, err, sizeof(err));
	if (rc) {
		srv_err("ES9+ service: %s", err);
		return EXIT_FAILURE;
	}
	rc = portdp_server_start(&cfg, NULL, svc, &srv, err, sizeof(err));
	if (rc) {
		srv_err("%s", err);
		es9_service_free(svc);
		return EXIT_FAILURE;
	}
	rc = progress_sender_start(&cfg, &sender, err, sizeof(err));
	if (rc) {
		srv_err("%s", err);
		portdp_server_stop(srv);
		portdp_server_free(srv);
		es9_service_free(svc);
		return EXIT_FAILURE;
	}
	if (pidfile && (rc = write_pidfile(pidfile))) {
		srv_err("pidfile %s: %s", pidfile, strerror(-rc));
		progress_sender_stop(sender);
		portdp_server_stop(srv);
		portdp_server_free(srv);
		es9_service_free(svc);
		return EXIT_FAILURE;
	}
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

	do {
		rc = sigwait(&set, &sig);
	} while (rc);
	srv_info("signal %d: stopping (in-flight requests are finished first)", sig);
	progress_sender_stop(sender);
	rc = portdp_server_stop(srv);
	portdp_server_free(srv);
	es9_service_free(svc);
	if (pidfile)
		unlink(pidfile);
	srv_info("stopped");
	return rc ? EXIT_FAILURE : EXIT_SUCCESS;
}
