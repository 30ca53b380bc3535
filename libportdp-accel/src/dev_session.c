// SPDX-License-Identifier: Apache-2.0
/*
 * Sessions on the card: the key agreement, S-ENC/S-MAC/MCV and the PPKs stay
 * there; the host holds a handle and gets sealed segments back.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dev.h"
#include "portdp/scp03t.h"

/* ReplaceSessionKeysRequest: BF26 with three 16-byte keys, as soft_session.c builds it. */
#define RSK_LEN (3 + 3 * (2 + 16))

static void close_handle(struct dev_accel *da, uint32_t handle)
{
	struct portdp_session arg = {.handle = handle};

	dev_call(da, PORTDP_IOC_SESSION_CLOSE, &arg);
}

/* A host object for @handle; the card's session is closed again if there is none. */
static int session_new(struct dev_accel *da, uint32_t handle, struct pdp_session **out)
{
	struct dev_session *s = calloc(1, sizeof(*s));

	if (!s) {
		close_handle(da, handle);
		return -ENOMEM;
	}
	s->base.owner = &da->base;
	s->handle = handle;
	*out = &s->base;
	return 0;
}

void dev_session_prep(struct portdp_session_create *arg, enum pdp_curve curve,
		      const uint8_t peer_pub[PDP_PUBKEY_LEN], const uint8_t *host_id,
		      size_t host_id_len, const uint8_t eid[PDP_EID_LEN])
{
	memset(arg, 0, sizeof(*arg));
	arg->curve = curve;
	arg->host_id_len = host_id_len;
	memcpy(arg->peer_pub, peer_pub, PDP_PUBKEY_LEN);
	memcpy(arg->host_id, host_id, host_id_len);
	memcpy(arg->eid, eid, PDP_EID_LEN);
}

int dev_session_finish(struct dev_accel *da, const struct portdp_session_create *arg,
		       uint8_t ot_pub[PDP_PUBKEY_LEN], struct pdp_session **out)
{
	/* otPK.DP.ECKA goes to the eUICC: it must be a point on the session's curve. */
	if (dev_check_point(da, arg->curve, arg->ot_pub)) {
		close_handle(da, arg->handle);
		return -EIO;
	}
	memcpy(ot_pub, arg->ot_pub, PDP_PUBKEY_LEN);
	return session_new(da, arg->handle, out);
}

int dev_session_create(struct pdp_accel *accel, enum pdp_curve curve,
		       const uint8_t peer_pub[PDP_PUBKEY_LEN], const uint8_t *host_id,
		       size_t host_id_len, const uint8_t eid[PDP_EID_LEN],
		       uint8_t ot_pub[PDP_PUBKEY_LEN], struct pdp_session **out)
{
	struct dev_accel *da = to_dev(accel);
	struct portdp_session_create arg;
	int ret;

	dev_session_prep(&arg, curve, peer_pub, host_id, host_id_len, eid);
	ret = dev_call(da, PORTDP_IOC_SESSION_CREATE, &arg);
	if (ret)
		return ret;
	return dev_session_finish(da, &arg, ot_pub, out);
}

void dev_seal_prep(struct portdp_bsp_seal *arg, const struct pdp_session *s, uint8_t tag,
		   const uint8_t *in, size_t in_len, uint8_t *out, size_t cap)
{
	memset(arg, 0, sizeof(*arg));
	arg->handle = dev_handle(s);
	arg->tag = tag;
	arg->in_len = in_len;
	arg->in = (uintptr_t)in;
	arg->out = (uintptr_t)out;
	arg->out_cap = cap < PDP_BSP_MAX_SEGMENT ? cap : PDP_BSP_MAX_SEGMENT;
}

int dev_bsp_seal(struct pdp_accel *accel, struct pdp_session *session, uint8_t tag,
		 const uint8_t *in, size_t in_len, uint8_t *out, size_t *out_len)
{
	struct portdp_bsp_seal arg;
	int ret;

	dev_seal_prep(&arg, session, tag, in, in_len, out, *out_len);
	ret = dev_call(to_dev(accel), PORTDP_IOC_BSP_SEAL, &arg);
	if (ret)
		return ret;
	ret = dev_check_seal(tag, in_len, out, arg.out_len, arg.out_cap);
	if (ret)
		return ret;
	*out_len = arg.out_len;
	return 0;
}

int dev_replace_keys(struct pdp_accel *accel, struct pdp_session *session, uint8_t *out,
		     size_t *out_len, struct pdp_session **ppk_session)
{
	struct dev_accel *da = to_dev(accel);
	size_t need = pdp_bsp_segment_len(PDP_BSP_TAG_ENC, RSK_LEN);
	struct portdp_replace_keys arg = {0};
	uint8_t seg[128]; /* the driver wants room to spare (out_cap >= 80) */
	int ret;

	if (*out_len < need)
		return -ENOSPC;
	arg.handle = dev_handle(session);
	arg.out = (uintptr_t)seg;
	arg.out_cap = sizeof(seg);
	ret = dev_call(da, PORTDP_IOC_SESSION_REPLACE_KEYS, &arg);
	if (ret)
		return ret;
	if (dev_check_seal(PDP_BSP_TAG_ENC, RSK_LEN, seg, arg.out_len, need)) {
		close_handle(da, arg.new_handle);
		return -EIO;
	}
	ret = session_new(da, arg.new_handle, ppk_session);
	if (!ret) {
		memcpy(out, seg, arg.out_len);
		*out_len = arg.out_len;
	}
	return ret;
}

void dev_session_close(struct pdp_accel *accel, struct pdp_session *session)
{
	close_handle(to_dev(accel), dev_handle(session));
	free(session);
}
