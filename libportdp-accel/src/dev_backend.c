// SPDX-License-Identifier: Apache-2.0
/*
 * The dev backend's life cycle, info, random and vtable.
 * URI: "dev:[PATH][?OPT[&OPT]]", PATH a /dev/portdp-accelN (empty: the
 * first one present); OPT "sync=ioctl" (default) or "sync=uring" for the
 * sync calls, "depth=N" (1..4096, default 256) for async ops in flight.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>

#include "dev.h"
#include "ec_util.h"

#define FIRST_DEV_SCAN 32

static void dev_close(struct pdp_accel *accel)
{
	struct dev_accel *da = to_dev(accel);
	int i;

	dev_async_fini(da);
	if (da->sync_uring)
		io_uring_queue_exit(&da->sync_ring);
	if (da->upp_ring_ready)
		io_uring_queue_exit(&da->upp_ring);
	for (i = 0; i < 3; i++)
		EVP_PKEY_free(da->tpl[i]);
	EVP_MD_CTX_free(da->md);
	EVP_MD_free(da->sha256);
	if (da->fd >= 0)
		close(da->fd);
	free(da);
}

/* "sync=..." and "depth=N", '&'-separated. */
static int parse_opts(struct dev_accel *da, const char *opts)
{
	char buf[128], *tok, *save, *end;
	unsigned long v;

	if (strlen(opts) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, opts);
	for (tok = strtok_r(buf, "&", &save); tok; tok = strtok_r(NULL, "&", &save)) {
		if (!strcmp(tok, "sync=ioctl")) {
			da->sync_uring = false;
		} else if (!strcmp(tok, "sync=uring")) {
			da->sync_uring = true;
		} else if (!strncmp(tok, "depth=", 6) && tok[6] >= '1' && tok[6] <= '9') {
			errno = 0;
			v = strtoul(tok + 6, &end, 10);
			if (errno || *end || v > DEV_MAX_DEPTH)
				return -EINVAL;
			da->depth = v;
		} else {
			return -EINVAL;
		}
	}
	return 0;
}

/* Split "PATH?OPTS" into da->path (or the first card present) and the options. */
static int parse_uri(struct dev_accel *da, const char *arg)
{
	const char *q = strchr(arg, '?');
	size_t plen = q ? (size_t)(q - arg) : strlen(arg);
	int i, ret;

	da->depth = DEV_DEFAULT_DEPTH;
	if (q) {
		ret = parse_opts(da, q + 1);
		if (ret)
			return ret;
	}
	if (plen) {
		if (arg[0] != '/' || plen >= sizeof(da->path))
			return -EINVAL;
		memcpy(da->path, arg, plen);
		da->path[plen] = '\0';
		return 0;
	}
	for (i = 0; i < FIRST_DEV_SCAN; i++) {
		snprintf(da->path, sizeof(da->path), "/dev/portdp-accel%d", i);
		if (!access(da->path, F_OK))
			return 0;
	}
	return -ENODEV;
}

/* Open @da->path and make sure a portdp card answers there. */
static int open_card(struct dev_accel *da)
{
	struct stat st;

	da->fd = open(da->path, O_RDWR | O_CLOEXEC);
	if (da->fd < 0)
		return errno == EACCES || errno == EPERM ? -EACCES : -ENODEV;
	if (fstat(da->fd, &st) || !S_ISCHR(st.st_mode))
		return -ENODEV;
	/* The plain ioctl, whatever the sync mode: not a portdp device -> ENOTTY. */
	if (ioctl(da->fd, PORTDP_IOC_GET_INFO, &da->info))
		return errno == ENOTTY ? -ENODEV : dev_errno(-errno);
	da->info.fw_name[sizeof(da->info.fw_name) - 1] = '\0';
	if (da->info.key_slots > PORTDP_KEY_SLOTS)
		return -EIO; /* a reply we cannot trust */
	return 0;
}

static int dev_open(const char *arg, struct pdp_accel **out)
{
	struct dev_accel *da = calloc(1, sizeof(*da));
	int ret;

	if (!da)
		return -ENOMEM;
	da->base.ops = &pdp_dev_ops;
	da->fd = -1;
	ret = parse_uri(da, arg);
	if (ret) {
		free(da);
		return ret;
	}
	ret = open_card(da);
	if (ret)
		goto fail;
	ret = -ENOMEM;
	da->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	da->md = EVP_MD_CTX_new();
	da->tpl[PDP_CURVE_P256] = ec_pkey_template(PDP_CURVE_P256);
	da->tpl[PDP_CURVE_BP256R1] = ec_pkey_template(PDP_CURVE_BP256R1);
	if (!da->sha256 || !da->md || !da->tpl[PDP_CURVE_P256] || !da->tpl[PDP_CURVE_BP256R1]) {
		ERR_clear_error();
		goto fail;
	}
	if (da->sync_uring) {
		ret = io_uring_queue_init(2, &da->sync_ring, 0);
		if (ret) {
			da->sync_uring = false; /* nothing to exit in dev_close() */
			ret = ret == -ENOMEM ? -ENOMEM : -ENODEV;
			goto fail;
		}
	}
	ret = dev_async_init(da);
	if (ret)
		goto fail;
	*out = &da->base;
	return 0;
fail:
	dev_close(&da->base);
	return ret;
}

static uint32_t lib_caps(uint32_t card)
{
	static const uint32_t map[][2] = {
	    {PORTDP_CAP_P256, PDP_ACCEL_CAP_P256},
	    {PORTDP_CAP_BP256R1, PDP_ACCEL_CAP_BP256R1},
	    {PORTDP_CAP_KEY_SLOTS, PDP_ACCEL_CAP_KEY_GENERATE},
	    {PORTDP_CAP_ECDSA_SIGN, PDP_ACCEL_CAP_SIGN},
	    {PORTDP_CAP_ECDSA_VERIFY, PDP_ACCEL_CAP_VERIFY},
	    {PORTDP_CAP_SESSION, PDP_ACCEL_CAP_SESSION},
	    {PORTDP_CAP_REPLACE_KEYS, PDP_ACCEL_CAP_REPLACE_KEYS},
	    {PORTDP_CAP_ECDH_SLOT, PDP_ACCEL_CAP_ECDH},
	    {PORTDP_CAP_RANDOM, PDP_ACCEL_CAP_RANDOM},
	    {PORTDP_CAP_SEALED_UPP, PDP_ACCEL_CAP_SEALED_UPP},
	    {PORTDP_CAP_RESEAL, PDP_ACCEL_CAP_RESEAL},
	};
	uint32_t caps = PDP_ACCEL_CAP_ASYNC_QUEUE;
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (card & map[i][0])
			caps |= map[i][1];
	return caps;
}

static int dev_info(struct pdp_accel *accel, struct pdp_accel_info *out)
{
	struct dev_accel *da = to_dev(accel);
	struct portdp_key_list list = {0};
	struct portdp_info info;
	int ret;

	ret = dev_call(da, PORTDP_IOC_GET_INFO, &info);
	if (!ret)
		ret = dev_call(da, PORTDP_IOC_KEY_LIST, &list);
	if (ret)
		return ret;
	if (info.key_slots > PORTDP_KEY_SLOTS)
		return -EIO;
	info.fw_name[sizeof(info.fw_name) - 1] = '\0';
	snprintf(out->device, sizeof(out->device), "%s", da->path);
	snprintf(out->fw_name, sizeof(out->fw_name), "%s", info.fw_name);
	out->fw_version = info.fw_version;
	out->proto_version = info.proto_version;
	memcpy(out->serial, info.serial, sizeof(out->serial));
	out->caps = lib_caps(info.caps);
	out->key_slots = info.key_slots;
	/* Only the slots the card has count: bits beyond them would be a bad reply. */
	out->key_slots_used = __builtin_popcount(
	    list.used & (info.key_slots < 32 ? (1u << info.key_slots) - 1 : ~0u));
	out->max_sessions = info.max_sessions;
	out->queue_depth = da->depth;
	dev_afalg_probe(da, &out->af_alg_cbc, &out->af_alg_cmac);
	return 0;
}

static int dev_random(struct pdp_accel *accel, uint8_t *buf, size_t len)
{
	struct portdp_random arg = {0};
	size_t n;
	int ret;

	while (len) {
		n = len < PORTDP_RANDOM_MAX ? len : PORTDP_RANDOM_MAX;
		arg.buf = (uintptr_t)buf;
		arg.len = n;
		ret = dev_call(to_dev(accel), PORTDP_IOC_RANDOM, &arg);
		if (ret)
			return ret;
		buf += n;
		len -= n;
	}
	return 0;
}

const struct pdp_backend_ops pdp_dev_ops = {
    .name = "dev",
    .open = dev_open,
    .close = dev_close,
    .key_load = dev_key_load,
    .key_free = dev_key_free,
    .key_generate = dev_key_generate,
    .key_destroy = dev_key_destroy,
    .info = dev_info,
    .sign = dev_sign,
    .sign_digest = dev_sign_digest,
    .ecdh = dev_ecdh,
    .verify = dev_verify,
    .session_create = dev_session_create,
    .bsp_seal = dev_bsp_seal,
    .replace_keys = dev_replace_keys,
    .session_close = dev_session_close,
    .random = dev_random,
    .stock_generate = dev_stock_generate,
    .stock_load = dev_stock_load,
    .stock_wrap = dev_stock_wrap,
    .seal_sealed = dev_seal_sealed,
    .reseal = dev_reseal,
    .submit = dev_submit,
    .reap = dev_reap,
    .inflight = dev_inflight,
};
