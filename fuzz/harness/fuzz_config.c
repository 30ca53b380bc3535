// SPDX-License-Identifier: Apache-2.0
/*
 * portdpd_config_load() (appliance/server/config.c), the reader of
 * portdpd.conf (also read by `portdpctl install-cert --config`). The input
 * is the file's contents, served from a memfd.
 *
 * Promises checked: 0 or a negative errno with a message; a refused file
 * changes nothing in the caller's config; an accepted one leaves every
 * string NUL-terminated inside its field and every number in its range.
 */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../appliance/config.h"
#include "fuzz.h"

static int fd = -1;
static char path[64];

static void check_str(const char *s, size_t size)
{
	FUZZ_CHECK(memchr(s, 0, size));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct portdpd_config before, cfg;
	char err[256] = "";
	unsigned i;
	int rc;

	if (fd < 0) {
		fd = memfd_create("portdpd.conf", MFD_CLOEXEC);
		FUZZ_CHECK(fd >= 0);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	FUZZ_CHECK(ftruncate(fd, 0) == 0);
	FUZZ_CHECK(pwrite(fd, data, size, 0) == (ssize_t)size);
	portdpd_config_defaults(&cfg);
	before = cfg;
	rc = portdpd_config_load(&cfg, path, err, sizeof(err));
	FUZZ_CHECK(rc <= 0);
	if (rc) {
		FUZZ_CHECK(err[0]);
		FUZZ_CHECK(!memcmp(&before, &cfg, sizeof(cfg)));
		return 0;
	}
	check_str(cfg.listen_addr, sizeof(cfg.listen_addr));
	check_str(cfg.smdp_address, sizeof(cfg.smdp_address));
	check_str(cfg.tls_cert, sizeof(cfg.tls_cert));
	check_str(cfg.tls_key, sizeof(cfg.tls_key));
	check_str(cfg.accel_uri, sizeof(cfg.accel_uri));
	check_str(cfg.dpauth_cert, sizeof(cfg.dpauth_cert));
	check_str(cfg.dpauth_key, sizeof(cfg.dpauth_key));
	check_str(cfg.dppb_cert, sizeof(cfg.dppb_cert));
	check_str(cfg.dppb_key, sizeof(cfg.dppb_key));
	check_str(cfg.db_path, sizeof(cfg.db_path));
	check_str(cfg.ossl_modules, sizeof(cfg.ossl_modules));
	FUZZ_CHECK(cfg.n_ci <= PORTDP_MAX_CI);
	for (i = 0; i < cfg.n_ci; i++)
		check_str(cfg.ci_certs[i], sizeof(cfg.ci_certs[i]));
	FUZZ_CHECK(cfg.workers >= 1 && cfg.workers <= 256);
	FUZZ_CHECK(cfg.session_timeout_s >= 1 && cfg.session_timeout_s <= 86400);
	FUZZ_CHECK(cfg.max_body >= 1 && cfg.max_body <= 16u << 20);
	return 0;
}
