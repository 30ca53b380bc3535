// SPDX-License-Identifier: Apache-2.0
/*
 * Sealed stock on the card: the stock key is a slot ("slot:N") whose key
 * never leaves the card; a sealed UPP goes to the card in pieces (UPP_OPEN,
 * UPP_DATA, UPP_FINISH) and comes back only as sealed 86 segments
 * (UPP_SEAL). The host never holds the data key or a byte of plaintext.
 */
#include <errno.h>
#include <stdlib.h>
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

/*
 * A sealed UPP is one pipeline of card commands: UPP_OPEN, the UPP_DATAs, UPP_FINISH and
 * the UPP_SEALs, submitted in order through an io_uring of their own, UPP_RING at a time.
 * The driver queues one opener's commands FIFO and the card runs a session's requests in
 * the order they arrive (as for the pipelined BSP seals of dev_async.c), so none waits for
 * another's answer; the card itself refuses anything out of order (an offset, a seal before
 * the tag was checked), so a reordering could only fail, never seal the wrong bytes. The
 * first command that failed (in order) says why: a refused UPP_OPEN (-EKEYREJECTED) or
 * UPP_FINISH (-EBADMSG) fails every later one, and nothing is sealed.
 */
#define UPP_RING 64

struct upp_cmd {
	unsigned long ioc;
	union {
		struct portdp_upp_open open;
		struct portdp_upp_data data;
		struct portdp_upp_finish finish;
		struct portdp_upp_seal seal;
	} arg;
};

/* Run @n commands in order; the error of the first (in order) that failed. */
static int run_cmds(struct dev_accel *da, struct upp_cmd *c, size_t n)
{
	struct io_uring_cqe *cqe;
	size_t base, k, i, first_at = n;
	unsigned sent, got;
	int first = 0, rc;

	for (base = 0; base < n && !first; base += k) {
		k = n - base < UPP_RING ? n - base : UPP_RING;
		for (i = 0; i < k; i++) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&da->upp_ring);

			dev_prep_cmd(sqe, da->fd, c[base + i].ioc, &c[base + i].arg);
			io_uring_sqe_set_data64(sqe, base + i);
		}
		do
			rc = io_uring_submit_and_wait(&da->upp_ring, (unsigned)k);
		while (rc == -EINTR);
		if (rc < 0)
			return dev_errno(rc);
		sent = (unsigned)rc;
		/* Every command sent writes into @c and the output: wait for all of them. */
		for (got = 0; got < sent;) {
			rc = io_uring_wait_cqe(&da->upp_ring, &cqe);
			if (rc == -EINTR)
				continue;
			if (rc < 0)
				return dev_errno(rc);
			if (cqe->res < 0 && cqe->user_data < first_at) {
				first_at = cqe->user_data;
				first = dev_errno(cqe->res);
			}
			io_uring_cqe_seen(&da->upp_ring, cqe);
			got++;
		}
		if (sent != k && !first)
			first = -EIO;
	}
	return first;
}

int dev_seal_sealed(struct pdp_accel *accel, struct pdp_session *session, struct pdp_stock_key *key,
		    const struct pdp_sealed_upp *upp, uint8_t *out, size_t out_len)
{
	struct dev_accel *da = to_dev(accel);
	uint32_t handle = dev_handle(session);
	size_t n_data = (upp->ct_len + PORTDP_UPP_DATA_MAX - 1) / PORTDP_UPP_DATA_MAX;
	size_t n_seal = (upp->ct_len + PDP_BSP_MAX_PLAIN_ENC - 1) / PDP_BSP_MAX_PLAIN_ENC;
	size_t n = 2 + n_data + n_seal, i, off, len, done = 0;
	struct upp_cmd *c, *seals;
	int ret;

	ret = need_cap(da);
	if (ret)
		return ret;
	if (!da->upp_ring_ready) {
		if (io_uring_queue_init(UPP_RING, &da->upp_ring, 0))
			return -ENOMEM;
		da->upp_ring_ready = true;
	}
	c = calloc(n, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c[0].ioc = PORTDP_IOC_UPP_OPEN;
	c[0].arg.open.handle = handle;
	c[0].arg.open.slot = key->slot;
	c[0].arg.open.aad_len = (uint8_t)upp->aad_len;
	c[0].arg.open.ct_len = (uint32_t)upp->ct_len;
	memcpy(c[0].arg.open.wrapped, upp->wrapped, PDP_STOCK_WRAP_LEN);
	memcpy(c[0].arg.open.nonce, upp->nonce, PDP_UPP_NONCE_LEN);
	memcpy(c[0].arg.open.aad, upp->aad, upp->aad_len);
	for (i = 0, off = 0; i < n_data; i++, off += len) {
		len = upp->ct_len - off < PORTDP_UPP_DATA_MAX ? upp->ct_len - off
							      : PORTDP_UPP_DATA_MAX;
		c[1 + i].ioc = PORTDP_IOC_UPP_DATA;
		c[1 + i].arg.data.handle = handle;
		c[1 + i].arg.data.offset = (uint32_t)off;
		c[1 + i].arg.data.len = (uint32_t)len;
		c[1 + i].arg.data.in = (uintptr_t)(upp->ct + off);
	}
	c[1 + n_data].ioc = PORTDP_IOC_UPP_FINISH;
	c[1 + n_data].arg.finish.handle = handle;
	memcpy(c[1 + n_data].arg.finish.tag, upp->tag, PDP_UPP_TAG_LEN);
	seals = c + 2 + n_data;
	for (i = 0, off = 0; i < n_seal; i++, off += len) {
		struct portdp_upp_seal *s = &seals[i].arg.seal;

		len = upp->ct_len - off < PDP_BSP_MAX_PLAIN_ENC ? upp->ct_len - off
								: PDP_BSP_MAX_PLAIN_ENC;
		seals[i].ioc = PORTDP_IOC_UPP_SEAL;
		s->handle = handle;
		s->tag = PDP_BSP_TAG_PROFILE;
		s->in_len = (uint16_t)len;
		s->out = (uintptr_t)(out + done);
		s->out_cap = pdp_bsp_segment_len(PDP_BSP_TAG_PROFILE, len);
		done += s->out_cap;
	}
	ret = done > out_len ? -ENOSPC : run_cmds(da, c, n); /* stock.c sized @out */
	for (i = 0, done = 0; !ret && i < n_seal; done += seals[i].arg.seal.out_len, i++)
		ret = dev_check_seal(PDP_BSP_TAG_PROFILE, seals[i].arg.seal.in_len, out + done,
				     seals[i].arg.seal.out_len, seals[i].arg.seal.out_cap);
	free(c);
	return ret;
}
