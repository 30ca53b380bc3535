// SPDX-License-Identifier: Apache-2.0
/* portdpd.conf reader: values, defaults, and "a bad file changes nothing". */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../config.h"

static char g_path[] = "/tmp/portdp-conf-test.XXXXXX";

static int load_text(struct portdpd_config *cfg, const char *text, char *err, unsigned len)
{
	int fd = mkstemp(g_path);
	int rc;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (int)strlen(text));
	close(fd);
	rc = portdpd_config_load(cfg, g_path, err, len);
	unlink(g_path);
	strcpy(g_path + strlen(g_path) - 6, "XXXXXX");
	return rc;
}

static void test_defaults(void **state)
{
	struct portdpd_config cfg;

	(void)state;
	portdpd_config_defaults(&cfg);
	assert_string_equal(cfg.listen_addr, "127.0.0.1");
	assert_int_equal(cfg.listen_port, 8443);
	assert_true(cfg.workers >= 1);
	assert_int_equal(cfg.max_body, 65536);
	assert_int_equal(cfg.session_timeout_s, 300);
	assert_int_equal(cfg.db_sync_full, 1);
	assert_string_equal(cfg.accel_uri, "soft:");
	assert_string_equal(cfg.user, ""); /* stays who it was started as */
	assert_int_equal(cfg.max_conns, 4096);
	assert_int_equal(cfg.max_conns_per_ip, 256);
	assert_int_equal(cfg.handshake_timeout_ms, 10000);
	assert_int_equal(cfg.idle_timeout_ms, 30000);
	assert_int_equal(cfg.request_timeout_ms, 15000);
}

static void test_full_file(void **state)
{
	struct portdpd_config cfg;
	char err[256] = "";

	(void)state;
	portdpd_config_defaults(&cfg);
	assert_int_equal(
	    load_text(&cfg,
		      "# Port-DP+\n\nlisten = 0.0.0.0\nport=9443  # inline comment\n"
		      "workers = 3\nsmdp_address = dp.example.org\n"
		      "tls_cert = /etc/portdp/tls.pem\ntls_key = file:/etc/portdp/k.pem\n"
		      "accel = soft:\ndpauth_cert = a.der\ndpauth_key = file:a.pem\n"
		      "dppb_cert = b.der\ndppb_key = slot:2\nci_cert = ci1.der\n"
		      "ci_cert = ci2.der\ndb = /tmp/x.db\nsession_timeout = 60\n"
		      "max_body = 1000\ndb_sync = normal\nuser = portdp\n"
		      "max_conns = 2000\nmax_conns_per_ip = 16\nhandshake_timeout_ms = 3000\n"
		      "idle_timeout_ms = 5000\nrequest_timeout_ms = 7000\ncard_vpcd = 35963\n"
		      "card_bt = 22\n",
		      err, sizeof(err)),
	    0);
	assert_string_equal(cfg.listen_addr, "0.0.0.0");
	assert_int_equal(cfg.listen_port, 9443);
	assert_int_equal(cfg.workers, 3);
	assert_string_equal(cfg.smdp_address, "dp.example.org");
	assert_string_equal(cfg.tls_key, "file:/etc/portdp/k.pem");
	assert_string_equal(cfg.dppb_key, "slot:2");
	assert_int_equal(cfg.n_ci, 2);
	assert_string_equal(cfg.ci_certs[1], "ci2.der");
	assert_string_equal(cfg.db_path, "/tmp/x.db");
	assert_int_equal(cfg.session_timeout_s, 60);
	assert_int_equal(cfg.max_body, 1000);
	assert_int_equal(cfg.db_sync_full, 0);
	assert_string_equal(cfg.user, "portdp");
	assert_int_equal(cfg.max_conns, 2000);
	assert_int_equal(cfg.max_conns_per_ip, 16);
	assert_int_equal(cfg.handshake_timeout_ms, 3000);
	assert_int_equal(cfg.idle_timeout_ms, 5000);
	assert_int_equal(cfg.request_timeout_ms, 7000);
	assert_int_equal(cfg.card_vpcd_port, 35963);
	assert_int_equal(cfg.card_bt_channel, 22);
}

static void test_bad_files_change_nothing(void **state)
{
	static const char *const bad[] = {
	    "port = 70000\n",
	    "port = -1\n",
	    "port = 80x\n",
	    "workers = 0\n",
	    "workers = 999\n",
	    "nonsense = 1\n",
	    "just a line\n",
	    "db_sync = maybe\n",
	    "max_body = 0\n",
	    "listen =\n",
	    "session_timeout = 0\n",
	    "max_conns = 15\n",
	    "max_conns_per_ip = 0\n",
	    "handshake_timeout_ms = 99\n",
	    "idle_timeout_ms = 3600001\n",
	    "request_timeout_ms = 1e3\n",
	    "card_vpcd = 65536\n",
	    "card_bt = 0\n",
	    "card_bt = 31\n",
	    "ci_cert = 1\nci_cert = 2\nci_cert = 3\nci_cert = 4\nci_cert = 5\nci_cert = 6\n"
	    "ci_cert = 7\nci_cert = 8\nci_cert = 9\n",
	};
	struct portdpd_config cfg, before;
	char err[256], longline[700];
	size_t i;

	(void)state;
	portdpd_config_defaults(&cfg);
	before = cfg;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		/* A good line first: it must not stick either. */
		char text[512];

		snprintf(text, sizeof(text), "port = 1234\n%s", bad[i]);
		assert_true(load_text(&cfg, text, err, sizeof(err)) < 0);
		assert_true(strlen(err) > 0);
		assert_memory_equal(&cfg, &before, sizeof(cfg));
	}
	memset(longline, 'a', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	memcpy(longline, "db = ", 5);
	assert_int_equal(load_text(&cfg, longline, err, sizeof(err)), -ENAMETOOLONG);
	assert_memory_equal(&cfg, &before, sizeof(cfg));
	assert_int_equal(portdpd_config_load(&cfg, "/nonexistent/portdpd.conf", err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/portdpd.conf"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_full_file),
	    cmocka_unit_test(test_bad_files_change_nothing),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
