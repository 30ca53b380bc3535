// SPDX-License-Identifier: Apache-2.0
/*
 * Bound Profile Package assembly on the SM-DP+ side. Every segment length
 * is known before sealing (pdp_bsp_segment_len), so the BF36 TLV is laid
 * out once in one allocation and each segment is sealed straight into its
 * place: no per-segment buffers, no copies afterwards.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "portdp/accel.h"
#include "portdp/scp03t.h"

#include "bpp.h"

/* Plaintext of ReplaceSessionKeysRequest: BF26 36 {80 10 .., 81 10 .., 82 10 ..}. */
#define RSK_PLAIN_LEN (3 + 3 * (2 + 16))

static size_t n_chunks(size_t len, size_t chunk)
{
	return (len + chunk - 1) / chunk;
}

/* Total TLV length of the segments that carry @len bytes with @tag. */
static size_t segments_len(uint8_t tag, size_t len)
{
	size_t max = pdp_bsp_max_plain(tag), full = len / max, rest = len % max;

	return full * pdp_bsp_segment_len(tag, max) + (rest ? pdp_bsp_segment_len(tag, rest) : 0);
}

static int one_tlv(const uint8_t *p, size_t len, uint32_t tag)
{
	struct der_tlv t;

	return p && der_parse_exact(p, len, &t) == 0 && t.tag == tag;
}

/* Where everything goes inside the output buffer. */
struct layout {
	size_t a0, a1, a2, a3; /* value lengths of the containers */
	size_t body;	       /* value length of BF36 */
	size_t total;	       /* whole BF36 TLV */
	size_t n88, n86;
};

static int plan(const struct bpp_build_in *in, struct layout *l)
{
	size_t body;

	if (!one_tlv(in->isc, in->isc_len, SGP22_TAG_ISC) ||
	    !one_tlv(in->configure_isdp, in->configure_isdp_len, SGP22_TAG_CONFIGURE_ISDP) ||
	    in->configure_isdp_len > PDP_BSP_MAX_PLAIN_ENC ||
	    !one_tlv(in->store_metadata, in->store_metadata_len, SGP22_TAG_STORE_METADATA) ||
	    (!in->upp && !in->sealed) || (in->sealed && (in->upp || !in->stock)) ||
	    !in->upp_len || in->upp_len > (1u << 24))
		return -EINVAL;
	l->a0 = pdp_bsp_segment_len(PDP_BSP_TAG_ENC, in->configure_isdp_len);
	l->a1 = segments_len(PDP_BSP_TAG_MAC, in->store_metadata_len);
	l->a2 = in->replace_session_keys ? pdp_bsp_segment_len(PDP_BSP_TAG_ENC, RSK_PLAIN_LEN) : 0;
	l->a3 = segments_len(PDP_BSP_TAG_PROFILE, in->upp_len);
	l->n88 = n_chunks(in->store_metadata_len, PDP_BSP_MAX_PLAIN_MAC);
	l->n86 = n_chunks(in->upp_len, PDP_BSP_MAX_PLAIN_ENC);
	if (!l->a0 || !l->a1 || !l->a3 || (in->replace_session_keys && !l->a2))
		return -EINVAL;
	body = in->isc_len + der_tl_size(0xA0, l->a0) + l->a0 + der_tl_size(0xA1, l->a1) + l->a1 +
	       der_tl_size(0xA3, l->a3) + l->a3;
	if (in->replace_session_keys)
		body += der_tl_size(0xA2, l->a2) + l->a2;
	l->body = body;
	l->total = der_tl_size(SGP22_TAG_BPP, body) + body;
	return 0;
}

/* One pending seal: plaintext range and its place in the output. */
struct seal_job {
	uint8_t tag;
	const uint8_t *in;
	size_t in_len;
	uint8_t *out;
	size_t out_len;
};

/* Appends the TL of a container and fills @jobs for @len bytes of @p cut
 * into segments of @tag; returns the number of jobs. */
static size_t put_segments(struct der_buf *b, uint32_t container, size_t container_len, uint8_t tag,
			   const uint8_t *p, size_t len, struct seal_job *jobs)
{
	size_t max = pdp_bsp_max_plain(tag), n = 0, off;

	der_put_tl(b, container, container_len);
	for (off = 0; off < len; off += max) {
		size_t chunk = len - off < max ? len - off : max;
		size_t seg = pdp_bsp_segment_len(tag, chunk);

		jobs[n].tag = tag;
		jobs[n].in = p + off;
		jobs[n].in_len = chunk;
		jobs[n].out_len = seg;
		jobs[n].out = der_put_space(b, seg);
		n++;
	}
	return n;
}

static int seal_sync(struct pdp_accel *accel, struct pdp_session *s, struct seal_job *jobs,
		     size_t n)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		size_t got = jobs[i].out_len;

		rc = pdp_bsp_seal(accel, s, jobs[i].tag, jobs[i].in, jobs[i].in_len, jobs[i].out,
				  &got);
		if (rc)
			return rc;
		if (got != jobs[i].out_len)
			return -EIO;
	}
	return 0;
}

/* Submits all @n seals of one session in order and waits for them all. */
static int seal_batch(struct pdp_accel *accel, struct pdp_session *s, struct seal_job *jobs,
		      size_t n, struct pdp_op *ops, struct pdp_op **ptrs)
{
	size_t i, queued = 0, done = 0;
	int rc, err = 0;

	for (i = 0; i < n; i++) {
		memset(&ops[i], 0, sizeof(ops[i]));
		ops[i].type = PDP_OP_BSP_SEAL;
		ops[i].u.seal.session = s;
		ops[i].u.seal.tag = jobs[i].tag;
		ops[i].u.seal.in = jobs[i].in;
		ops[i].u.seal.in_len = jobs[i].in_len;
		ops[i].u.seal.out = jobs[i].out;
		ops[i].u.seal.out_len = jobs[i].out_len;
		ptrs[i] = &ops[i];
	}
	while (done < n) {
		if (queued < n) {
			rc = pdp_submit(accel, ptrs + queued, (unsigned)(n - queued));
			if (rc < 0 && rc != -EAGAIN) {
				err = rc;
				break;
			}
			if (rc > 0)
				queued += (size_t)rc;
		}
		if (queued == done) {
			err = -EIO; /* nothing in flight, yet nothing accepted */
			break;
		}
		/* Completions land on ptrs[] entries that were already submitted. */
		rc = pdp_reap(accel, ptrs + done, (unsigned)(queued - done), 1);
		if (rc < 0) {
			err = rc;
			break;
		}
		done += (size_t)rc;
	}
	/* On error, wait for what is in flight: it writes into our buffers. */
	while (done < queued) {
		rc = pdp_reap(accel, ptrs + done, (unsigned)(queued - done), 1);
		if (rc <= 0)
			break;
		done += (size_t)rc;
	}
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		if (ops[i].status)
			return ops[i].status;
		if (ops[i].u.seal.out_len != jobs[i].out_len)
			return -EIO;
	}
	return 0;
}

static int seal(struct pdp_accel *accel, struct pdp_session *s, const struct bpp_build_in *in,
		struct seal_job *jobs, size_t n, struct pdp_op *ops, struct pdp_op **ptrs)
{
	if (in->mode == BPP_SEAL_BATCH)
		return seal_batch(accel, s, jobs, n, ops, ptrs);
	return seal_sync(accel, s, jobs, n);
}

int bpp_build(struct pdp_accel *accel, struct pdp_session *session, const struct bpp_build_in *in,
	      uint8_t **out, size_t *out_len)
{
	struct pdp_session *ppk = NULL;
	struct pdp_op *ops = NULL;
	struct pdp_op **ptrs = NULL;
	struct seal_job *jobs = NULL;
	struct layout l;
	struct der_buf b;
	uint8_t *mem = NULL, *rsk = NULL, *a3 = NULL;
	size_t n1, n2, max_jobs;
	int rc;

	if (!accel || !session || !in || !out || !out_len)
		return -EINVAL;
	rc = plan(in, &l);
	if (rc)
		return rc;
	if (in->mode == BPP_SEAL_BATCH && pdp_inflight(accel))
		return -EBUSY;
	max_jobs = 1 + l.n88 + l.n86;
	mem = malloc(l.total);
	/* One table for all bookkeeping: jobs, then (batch mode) ops and pointers. */
	jobs =
	    calloc(max_jobs,
		   sizeof(*jobs) + (in->mode == BPP_SEAL_BATCH ? sizeof(*ops) + sizeof(*ptrs) : 0));
	if (!mem || !jobs) {
		rc = -ENOMEM;
		goto out;
	}
	if (in->mode == BPP_SEAL_BATCH) {
		ops = (struct pdp_op *)(jobs + max_jobs);
		ptrs = (struct pdp_op **)(ops + max_jobs);
	}

	der_buf_init_fixed(&b, mem, l.total);
	der_put_tl(&b, SGP22_TAG_BPP, l.body);
	der_put_raw(&b, in->isc, in->isc_len);
	n1 = put_segments(&b, 0xA0, l.a0, PDP_BSP_TAG_ENC, in->configure_isdp,
			  in->configure_isdp_len, jobs);
	n1 += put_segments(&b, 0xA1, l.a1, PDP_BSP_TAG_MAC, in->store_metadata,
			   in->store_metadata_len, jobs + n1);
	if (in->replace_session_keys) {
		der_put_tl(&b, 0xA2, l.a2);
		rsk = der_put_space(&b, l.a2);
	}
	if (in->sealed) {
		/* One call seals all of A3 in place (the backend opens the UPP). */
		der_put_tl(&b, 0xA3, l.a3);
		a3 = der_put_space(&b, l.a3);
		n2 = 0;
	} else {
		n2 = put_segments(&b, 0xA3, l.a3, PDP_BSP_TAG_PROFILE, in->upp, in->upp_len,
				  jobs + n1);
	}
	rc = der_buf_error(&b);
	if (!rc && b.len != l.total)
		rc = -EIO; /* layout arithmetic and writer disagree: a bug */
	if (rc)
		goto out;

	/* Session order: A0, A1, (A2 with the session keys), then A3. */
	rc = seal(accel, session, in, jobs, n1, ops, ptrs);
	if (rc)
		goto out;
	if (in->replace_session_keys) {
		size_t got = l.a2;

		rc = pdp_session_replace_keys(accel, session, rsk, &got, &ppk);
		if (rc)
			goto out;
		if (got != l.a2) {
			rc = -EIO;
			goto out;
		}
	}
	if (in->sealed) {
		size_t got = l.a3;

		rc = pdp_bsp_seal_sealed(accel, ppk ? ppk : session, in->stock, in->sealed, a3,
					 &got);
		if (!rc && got != l.a3)
			rc = -EIO;
	} else {
		rc = seal(accel, ppk ? ppk : session, in, jobs + n1, n2, ops, ptrs);
	}
out:
	if (ppk)
		pdp_session_close(accel, ppk);
	free(jobs);
	if (rc) {
		free(mem);
		return rc;
	}
	*out = mem;
	*out_len = l.total;
	return 0;
}

int bpp_build_isc(struct der_buf *b, const struct sgp22_isc *isc,
		  const uint8_t euicc_otpk[SGP22_OTPK_LEN], bpp_sign_fn sign, void *ctx)
{
	struct sgp22_isc signed_isc;
	struct der_buf tbs;
	int rc;

	if (!b || !isc || !euicc_otpk || !sign)
		return -EINVAL;
	der_buf_init(&tbs);
	rc = sgp22_isc_tbs(&tbs, isc, euicc_otpk);
	if (!rc) {
		signed_isc = *isc;
		rc = sign(ctx, tbs.data, tbs.len, signed_isc.smdp_sign);
	}
	der_buf_free(&tbs);
	if (rc)
		return rc;
	return sgp22_encode_isc(b, &signed_isc);
}
