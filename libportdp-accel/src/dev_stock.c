// SPDX-License-Identifier: Apache-2.0
/*
 * Sealed stock on the card: the stock key is a slot ("slot:N") whose key
 * never leaves the card; a sealed UPP goes to the card in pieces (UPP_OPEN,
 * UPP_DATA, UPP_FINISH) and comes back only as sealed 86 segments
 * (UPP_SEAL). The host never holds the data key or a byte of plaintext.
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "dev.h"
#include "portdp/scp03t.h"

static int stock_new(struct dev_accel *da, uint8_t slot, struct pdp_stock_key **out)
{
	struct pdp_stock_key *k = OPENSSL_zalloc(sizeof(*k));

	if (!k)
		return -ENOMEM;
	k->owner = &da->base;
	k->slot = slot;
	*out = k;
	return 0;
}

static int need_cap(struct dev_accel *da)
{
	return da->info.caps & PORTDP_CAP_SEALED_UPP ? 0 : -EOPNOTSUPP;
}

int dev_stock_generate(struct pdp_accel *accel, const char *key_uri, struct pdp_stock_key **out)
{
	struct dev_accel *da = to_dev(accel);
	struct portdp_key arg = {0};
	int ret;

	ret = need_cap(da);
	if (!ret)
		ret = dev_parse_slot(da, key_uri, &arg.slot);
	if (!ret)
		ret = dev_call(da, PORTDP_IOC_STOCK_KEY_GENERATE, &arg);
	return ret ? ret : stock_new(da, arg.slot, out);
}

int dev_stock_load(struct pdp_accel *accel, const char *key_uri, struct pdp_stock_key **out)
{
	struct dev_accel *da = to_dev(accel);
	struct portdp_key_list kl;
	uint8_t slot;
	int ret;

	ret = need_cap(da);
	if (!ret)
		ret = dev_parse_slot(da, key_uri, &slot);
	if (!ret)
		ret = dev_call(da, PORTDP_IOC_KEY_LIST, &kl);
	if (ret)
		return ret;
	if (!(kl.used & (1u << slot)))
		return -ENOENT;
	if (kl.curve[slot] != PORTDP_KEY_STOCK_AES256)
		return -EINVAL;
	return stock_new(da, slot, out);
}

int dev_stock_wrap(struct pdp_accel *accel, struct pdp_stock_key *key,
		   const uint8_t data_key[PDP_STOCK_KEY_LEN], uint8_t wrapped[PDP_STOCK_WRAP_LEN])
{
	struct portdp_stock_wrap arg = {.slot = key->slot};
	int ret;

	memcpy(arg.key, data_key, sizeof(arg.key));
	ret = dev_call(to_dev(accel), PORTDP_IOC_STOCK_WRAP, &arg);
	if (!ret)
		memcpy(wrapped, arg.wrapped, PDP_STOCK_WRAP_LEN);
	OPENSSL_cleanse(&arg, sizeof(arg));
	return ret;
}

/* Hand the sealed UPP to the card; it checks the tag before anything can be sealed. */
static int upp_load(struct dev_accel *da, uint32_t handle, const struct pdp_stock_key *key,
		    const struct pdp_sealed_upp *upp)
{
	struct portdp_upp_open op = {.handle = handle, .slot = key->slot};
	struct portdp_upp_finish fin = {.handle = handle};
	size_t off, n;
	int ret;

	op.aad_len = (uint8_t)upp->aad_len;
	op.ct_len = (uint32_t)upp->ct_len;
	memcpy(op.wrapped, upp->wrapped, sizeof(op.wrapped));
	memcpy(op.nonce, upp->nonce, sizeof(op.nonce));
	memcpy(op.aad, upp->aad, upp->aad_len);
	ret = dev_call(da, PORTDP_IOC_UPP_OPEN, &op);
	for (off = 0; !ret && off < upp->ct_len; off += n) {
		struct portdp_upp_data d = {.handle = handle, .offset = (uint32_t)off};

		n = upp->ct_len - off < PORTDP_UPP_DATA_MAX ? upp->ct_len - off
							    : PORTDP_UPP_DATA_MAX;
		d.len = (uint32_t)n;
		d.in = (uintptr_t)(upp->ct + off);
		ret = dev_call(da, PORTDP_IOC_UPP_DATA, &d);
	}
	if (ret)
		return ret;
	memcpy(fin.tag, upp->tag, sizeof(fin.tag));
	return dev_call(da, PORTDP_IOC_UPP_FINISH, &fin);
}

/*
 * The 86 segments, UPP_SEAL_BATCH at a time through a ring of their own: the card seals a
 * session's requests in the order they arrive (the driver queues FIFO, as for the
 * pipelined BSP seals of dev_async.c), so they need not wait for each other's answer.
 */
#define UPP_SEAL_BATCH 32

static int seal_batch(struct dev_accel *da, struct portdp_upp_seal *s, unsigned n)
{
	struct io_uring_cqe *cqe;
	unsigned i, got = 0, sent;
	int ret = 0, rc;

	for (i = 0; i < n; i++)
		dev_prep_cmd(io_uring_get_sqe(&da->upp_ring), da->fd, PORTDP_IOC_UPP_SEAL, &s[i]);
	do
		rc = io_uring_submit_and_wait(&da->upp_ring, n);
	while (rc == -EINTR);
	if (rc < 0)
		return dev_errno(rc);
	sent = (unsigned)rc;
	/* Every submitted command writes into @s and the output: wait for all of them. */
	while (got < sent) {
		rc = io_uring_wait_cqe(&da->upp_ring, &cqe);
		if (rc == -EINTR)
			continue;
		if (rc < 0)
			return dev_errno(rc);
		if (cqe->res < 0 && !ret)
			ret = dev_errno(cqe->res);
		io_uring_cqe_seen(&da->upp_ring, cqe);
		got++;
	}
	return got == n ? ret : (ret ? ret : -EIO);
}

int dev_seal_sealed(struct pdp_accel *accel, struct pdp_session *session, struct pdp_stock_key *key,
		    const struct pdp_sealed_upp *upp, uint8_t *out, size_t out_len)
{
	struct dev_accel *da = to_dev(accel);
	struct portdp_upp_seal s[UPP_SEAL_BATCH];
	uint32_t handle = dev_handle(session);
	size_t off = 0, n, done = 0;
	unsigned i, k;
	int ret;

	ret = need_cap(da);
	if (!ret && !da->upp_ring_ready) {
		ret = io_uring_queue_init(UPP_SEAL_BATCH, &da->upp_ring, 0);
		da->upp_ring_ready = !ret;
		ret = ret ? -ENOMEM : 0;
	}
	if (!ret)
		ret = upp_load(da, handle, key, upp);
	while (!ret && off < upp->ct_len) {
		size_t start = done;

		for (k = 0; k < UPP_SEAL_BATCH && off < upp->ct_len; k++, off += n) {
			n = upp->ct_len - off < PDP_BSP_MAX_PLAIN_ENC ? upp->ct_len - off
								      : PDP_BSP_MAX_PLAIN_ENC;
			memset(&s[k], 0, sizeof(s[k]));
			s[k].handle = handle;
			s[k].tag = PDP_BSP_TAG_PROFILE;
			s[k].in_len = (uint16_t)n;
			s[k].out = (uintptr_t)(out + done);
			s[k].out_cap = pdp_bsp_segment_len(PDP_BSP_TAG_PROFILE, n);
			if (s[k].out_cap > out_len - done)
				return -ENOSPC; /* cannot be: stock.c sized @out */
			done += s[k].out_cap;
		}
		ret = seal_batch(da, s, k);
		for (i = 0, done = start; !ret && i < k; done += s[i].out_len, i++)
			ret = dev_check_seal(PDP_BSP_TAG_PROFILE, s[i].in_len, out + done,
					     s[i].out_len, s[i].out_cap);
	}
	return ret;
}
