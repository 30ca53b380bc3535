// SPDX-License-Identifier: Apache-2.0
/*
 * The eUICC's non-volatile memory: one file per installed profile and per
 * pending notification under the state directory. Files are written to a
 * temporary name and renamed, so a crash leaves the old or the new state.
 * With seuicc_config.nvm_in_memory the same records live in store_mem.c.
 */
#include "seuicc_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STORE_MAX_FILE (16u << 20)

static int write_file(const char *path, const void *data, size_t len)
{
	char tmp[1100];
	ssize_t n;
	int fd, ret = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -errno;
	n = write(fd, data, len);
	if (n < 0 || (size_t)n != len || fsync(fd))
		ret = n < 0 ? -errno : -EIO;
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}

static int read_file(const char *path, uint8_t **out, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || st.st_size > STORE_MAX_FILE) {
		close(fd);
		return -EFBIG;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	n = read(fd, buf, (size_t)st.st_size);
	close(fd);
	if (n != st.st_size) {
		free(buf);
		return -EIO;
	}
	buf[n] = '\0';
	*out = buf;
	*len = (size_t)n;
	return 0;
}

/* A whole small text file into @buf (cut to @len, always terminated). */
static int read_text(const char *path, char *buf, size_t len)
{
	uint8_t *data;
	size_t n;
	int ret = read_file(path, &data, &n);

	if (ret)
		return ret;
	snprintf(buf, len, "%s", (char *)data);
	free(data);
	return 0;
}

/*
 * A profile or notification is a data file and a text side file (its SM-DP+ or
 * notification address). The side file is written first and removed last, so a
 * data file that exists always has it.
 */
static int record_put(const char *data_path, const uint8_t *data, size_t len, const char *side_path,
		      const char *side)
{
	int ret = write_file(side_path, side, strlen(side));

	return ret ? ret : write_file(data_path, data, len);
}

static int record_remove(const char *data_path, const char *side_path)
{
	if (unlink(data_path))
		return -errno;
	unlink(side_path);
	return 0;
}

static void profile_path(struct seuicc *e, const char *iccid, const char *ext, char *buf,
			 size_t len)
{
	snprintf(buf, len, "%s/profiles/%s.%s", e->state_dir, iccid, ext);
}

/* Name of a record in the in-memory NVM: "profiles/<ICCID>", "notifications/<seq>". */
static const char *mem_name(char *buf, size_t len, const char *dir, const char *key)
{
	snprintf(buf, len, "%s/%s", dir, key);
	return buf;
}

int store_profile_exists(struct seuicc *e, const char *iccid)
{
	char path[1100];

	if (e->nvm)
		return nvm_exists(e->nvm, mem_name(path, sizeof(path), "profiles", iccid));

	profile_path(e, iccid, "upp", path, sizeof(path));
	return access(path, F_OK) == 0;
}

int store_profile_put(struct seuicc *e, const char *iccid, const uint8_t *upp, size_t len,
		      const char *smdp)
{
	char path[1100], side[1100];

	if (e->nvm)
		return nvm_put(e->nvm, mem_name(path, sizeof(path), "profiles", iccid), upp, len,
			       smdp);
	profile_path(e, iccid, "upp", path, sizeof(path));
	profile_path(e, iccid, "smdp", side, sizeof(side));
	return record_put(path, upp, len, side, smdp);
}

int store_profile_get(struct seuicc *e, const char *iccid, uint8_t **upp, size_t *len)
{
	char path[1100];

	if (e->nvm)
		return nvm_get(e->nvm, mem_name(path, sizeof(path), "profiles", iccid), upp, len);
	profile_path(e, iccid, "upp", path, sizeof(path));
	return read_file(path, upp, len);
}

int store_profile_smdp(struct seuicc *e, const char *iccid, char *buf, size_t len)
{
	char path[1100];

	if (e->nvm)
		return nvm_side(e->nvm, mem_name(path, sizeof(path), "profiles", iccid), buf, len);
	if (!store_profile_exists(e, iccid))
		return -ENOENT;
	profile_path(e, iccid, "smdp", path, sizeof(path));
	return read_text(path, buf, len);
}

int store_profile_remove(struct seuicc *e, const char *iccid)
{
	char path[1100], side[1100];

	if (e->nvm)
		return nvm_remove(e->nvm, mem_name(path, sizeof(path), "profiles", iccid));
	profile_path(e, iccid, "upp", path, sizeof(path));
	profile_path(e, iccid, "smdp", side, sizeof(side));
	return record_remove(path, side);
}

static void notification_path(struct seuicc *e, long seq, const char *ext, char *buf,
			      size_t len)
{
	snprintf(buf, len, "%s/notifications/%ld.%s", e->state_dir, seq, ext);
}

int store_notification_put(struct seuicc *e, long seq, const uint8_t *der, size_t len,
			   const char *address)
{
	char path[1100], side[1100];

	if (e->nvm) {
		char num[32];

		snprintf(num, sizeof(num), "%ld", seq);
		return nvm_put(e->nvm, mem_name(path, sizeof(path), "notifications", num), der,
			       len, address);
	}
	notification_path(e, seq, "der", path, sizeof(path));
	notification_path(e, seq, "addr", side, sizeof(side));
	return record_put(path, der, len, side, address);
}

int store_notification_get(struct seuicc *e, long seq, uint8_t **der, size_t *len,
			   char *address, size_t address_len)
{
	char path[1100], num[32];
	int ret;

	if (e->nvm) {
		snprintf(num, sizeof(num), "%ld", seq);
		mem_name(path, sizeof(path), "notifications", num);
		ret = nvm_side(e->nvm, path, address, address_len);
		return ret ? ret : nvm_get(e->nvm, path, der, len);
	}
	notification_path(e, seq, "addr", path, sizeof(path));
	ret = read_text(path, address, address_len);
	if (ret)
		return ret;
	notification_path(e, seq, "der", path, sizeof(path));
	return read_file(path, der, len);
}

int store_notification_remove(struct seuicc *e, long seq)
{
	char path[1100], side[1100];

	if (e->nvm) {
		char num[32];

		snprintf(num, sizeof(num), "%ld", seq);
		return nvm_remove(e->nvm, mem_name(path, sizeof(path), "notifications", num));
	}
	notification_path(e, seq, "der", path, sizeof(path));
	notification_path(e, seq, "addr", side, sizeof(side));
	return record_remove(path, side);
}

/* The sequence numbers found so far; a name that is no "<seq>" (+ @ext) is no record. */
struct seq_list {
	const char *ext;
	long *seqs;
	size_t n, cap;
};

static int seq_list_add(const char *name, void *arg)
{
	struct seq_list *l = arg;
	char *end;
	long seq;

	if (name[0] < '1' || name[0] > '9')
		return 0;
	errno = 0;
	seq = strtol(name, &end, 10);
	if (errno || strcmp(end, l->ext))
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 8;
		long *bigger = realloc(l->seqs, cap * sizeof(*bigger));

		if (!bigger)
			return -ENOMEM;
		l->seqs = bigger;
		l->cap = cap;
	}
	l->seqs[l->n++] = seq;
	return 0;
}

static int seq_cmp(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

/* Pending notifications' sequence numbers, ascending (malloc'd, NULL when none). */
int store_notification_list(struct seuicc *e, long **seqs, size_t *n)
{
	struct seq_list l = { .ext = e->nvm ? "" : ".der" };
	char path[1100];
	int ret = 0;

	if (e->nvm) {
		ret = nvm_list(e->nvm, "notifications/", seq_list_add, &l);
	} else {
		struct dirent *d;
		DIR *dir;

		snprintf(path, sizeof(path), "%s/notifications", e->state_dir);
		dir = opendir(path);
		if (!dir && errno != ENOENT)
			return -errno;
		while (dir && !ret && (d = readdir(dir)))
			ret = seq_list_add(d->d_name, &l);
		if (dir)
			closedir(dir);
	}
	if (ret) {
		free(l.seqs);
		return ret;
	}
	if (l.n)
		qsort(l.seqs, l.n, sizeof(*l.seqs), seq_cmp);
	*seqs = l.seqs;
	*n = l.n;
	return 0;
}

/* Sequence numbers only grow, across runs: the SM-DP+ may use them to drop replays. */
int store_next_seq(struct seuicc *e, long *seq)
{
	char path[1100], text[32];
	uint8_t *data;
	size_t len;
	long cur = 0;
	int ret;

	if (e->nvm)
		return nvm_next_seq(e->nvm, seq);
	snprintf(path, sizeof(path), "%s/seq", e->state_dir);
	ret = read_file(path, &data, &len);
	if (!ret) {
		cur = strtol((char *)data, NULL, 10);
		free(data);
	} else if (ret != -ENOENT) {
		return ret;
	}
	if (cur < 0)
		return -EINVAL;
	cur++;
	snprintf(text, sizeof(text), "%ld\n", cur);
	ret = write_file(path, text, strlen(text));
	if (!ret)
		*seq = cur;
	return ret;
}

/* ES10c attributes of a profile (state, AID, nickname, metadata): "<ICCID>.attr". */
int store_attr_put(struct seuicc *e, const char *iccid, const uint8_t *der, size_t len)
{
	char path[1100];

	if (e->nvm)
		return nvm_put(e->nvm, mem_name(path, sizeof(path), "pattr", iccid), der, len, "");
	profile_path(e, iccid, "attr", path, sizeof(path));
	return write_file(path, der, len);
}

int store_attr_get(struct seuicc *e, const char *iccid, uint8_t **der, size_t *len)
{
	char path[1100];

	if (e->nvm)
		return nvm_get(e->nvm, mem_name(path, sizeof(path), "pattr", iccid), der, len);
	profile_path(e, iccid, "attr", path, sizeof(path));
	return read_file(path, der, len);
}

int store_attr_remove(struct seuicc *e, const char *iccid)
{
	char path[1100];

	if (e->nvm)
		return nvm_remove(e->nvm, mem_name(path, sizeof(path), "pattr", iccid));
	profile_path(e, iccid, "attr", path, sizeof(path));
	return unlink(path) ? -errno : 0;
}

struct iccid_list {
	const char *ext;
	char (*v)[21];
	size_t n, cap;
};

static int iccid_list_add(const char *name, void *arg)
{
	struct iccid_list *l = arg;
	size_t n = strlen(name), el = strlen(l->ext);

	if (n < el || strcmp(name + n - el, l->ext) || n - el < 18 || n - el > 20)
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 8;
		char (*bigger)[21] = realloc(l->v, cap * sizeof(*bigger));

		if (!bigger)
			return -ENOMEM;
		l->v = bigger;
		l->cap = cap;
	}
	memcpy(l->v[l->n], name, n - el);
	l->v[l->n++][n - el] = '\0';
	return 0;
}

static int iccid_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Installed profiles' ICCIDs, sorted (malloc'd, NULL when none). */
int store_profile_list(struct seuicc *e, char (**iccids)[21], size_t *n)
{
	struct iccid_list l = { .ext = e->nvm ? "" : ".upp" };
	char path[1100];
	int ret = 0;

	if (e->nvm) {
		ret = nvm_list(e->nvm, "profiles/", iccid_list_add, &l);
	} else {
		struct dirent *d;
		DIR *dir;

		snprintf(path, sizeof(path), "%s/profiles", e->state_dir);
		dir = opendir(path);
		if (!dir && errno != ENOENT)
			return -errno;
		while (dir && !ret && (d = readdir(dir)))
			ret = iccid_list_add(d->d_name, &l);
		if (dir)
			closedir(dir);
	}
	if (ret) {
		free(l.v);
		return ret;
	}
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), iccid_cmp);
	*iccids = l.v;
	*n = l.n;
	return 0;
}
