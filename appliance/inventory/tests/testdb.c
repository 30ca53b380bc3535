// SPDX-License-Identifier: Apache-2.0
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "testdb.h"

const struct inv_euicc_key test_euicc_key = {.curve = 1, .pub = {0x04, 0x11, 0x22, 0x33}};

const char *test_data_dir(void)
{
	static char dir[512];
	const char *shared = getenv("SHARED");

	snprintf(dir, sizeof(dir), "%s/testdata", shared && *shared ? shared : ".");
	return dir;
}

int test_read_file(const char *path, uint8_t **buf, size_t *len)
{
	struct stat sb;
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb) < 0 || sb.st_size <= 0) {
		close(fd);
		return -EINVAL;
	}
	*buf = malloc(sb.st_size);
	if (!*buf) {
		close(fd);
		return -ENOMEM;
	}
	n = read(fd, *buf, sb.st_size);
	if (n != sb.st_size) {
		free(*buf);
		err = n < 0 ? -errno : -EIO;
	}
	*len = sb.st_size;
	close(fd);
	return err;
}

int test_upp_template(uint8_t **buf, size_t *len)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/ts48/TS48V1-A-UNIQUE.der", test_data_dir());
	return test_read_file(path, buf, len);
}

/* Length of a BER TLV at @p (single-byte tags only, as in the ProfileHeader). */
static int tlv(const uint8_t *p, size_t avail, size_t *hdr, size_t *vlen)
{
	if (avail < 2)
		return -EINVAL;
	if (p[1] < 0x80) {
		*hdr = 2, *vlen = p[1];
	} else if (p[1] == 0x81 && avail >= 3) {
		*hdr = 3, *vlen = p[2];
	} else if (p[1] == 0x82 && avail >= 4) {
		*hdr = 4, *vlen = (size_t)p[2] << 8 | p[3];
	} else {
		return -EINVAL;
	}
	return *hdr + *vlen <= avail ? 0 : -EINVAL;
}

int test_upp_set_iccid(uint8_t *upp, size_t len, uint64_t serial, char *iccid)
{
	char digits[21];
	size_t hdr, vlen, pos, h2, l2, i;

	if (len < 2 || upp[0] != 0xA0 || tlv(upp, len, &hdr, &vlen))
		return -EINVAL;
	snprintf(digits, sizeof(digits), "8999%015llu",
		 (unsigned long long)(serial % 1000000000000000ULL));
	for (pos = hdr; pos < hdr + vlen; pos += h2 + l2) {
		if (tlv(upp + pos, hdr + vlen - pos, &h2, &l2))
			return -EINVAL;
		if (upp[pos] != 0x83 || l2 != 10)
			continue;
		/* as the TS.48 files store it: digits in reading order, F padding the 20th */
		for (i = 0; i < 10; i++) {
			unsigned hi = digits[2 * i] - '0';
			unsigned lo = 2 * i + 1 < 19 ? (unsigned)(digits[2 * i + 1] - '0') : 0xF;

			upp[pos + h2 + i] = (uint8_t)(hi << 4 | lo);
		}
		if (iccid)
			memcpy(iccid, digits, 20), iccid[19] = '\0';
		return 0;
	}
	return -EINVAL;
}

char *test_tmp_db(char *buf)
{
	const char *tmp = getenv("TMPDIR");
	char dir[200];

	snprintf(dir, sizeof(dir), "%s/portdp-inv-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return NULL;
	snprintf(buf, 256, "%s/inventory.db", dir);
	return buf;
}

void test_rm_db(const char *path)
{
	char tmp[300], *dir;

	snprintf(tmp, sizeof(tmp), "%s-wal", path);
	unlink(tmp);
	snprintf(tmp, sizeof(tmp), "%s-shm", path);
	unlink(tmp);
	unlink(path);
	snprintf(tmp, sizeof(tmp), "%s", path);
	dir = dirname(tmp);
	rmdir(dir);
}
