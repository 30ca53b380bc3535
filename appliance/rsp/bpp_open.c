// SPDX-License-Identifier: Apache-2.0
/*
 * Bound Profile Package processing as the eUICC does it (for the software
 * eUICC and tests): strict structure, segments undone in order, the first
 * failure reported with the BppCommandId/ErrorReason a
 * ProfileInstallationResult needs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "portdp/accel.h"
#include "portdp/scp03t.h"

#include "bpp.h"
#include "upp.h"

struct opener {
	const struct bpp_open_opts *opts;
	struct bpp_open_error *error;
	uint8_t *wp; /* next free byte of the result memory */
	uint8_t *wend;
};

static int fail(struct opener *o, int err, uint32_t container, unsigned segment, unsigned cmd,
		unsigned reason, const char *what)
{
	if (o->error) {
		o->error->err = err;
		o->error->container = container;
		o->error->segment = segment;
		o->error->bpp_command_id = cmd;
		o->error->error_reason = reason;
		o->error->what = what;
	}
	return err;
}

static unsigned command_of(uint32_t container)
{
	switch (container) {
	case 0xA0:
		return SGP22_BPP_CMD_CONFIGURE_ISDP;
	case 0xA1:
		return SGP22_BPP_CMD_STORE_METADATA;
	case 0xA2:
		return SGP22_BPP_CMD_REPLACE_SESSION_KEYS;
	case 0xA3:
		return SGP22_BPP_CMD_LOAD_PROFILE_ELEMENTS;
	default:
		return SGP22_BPP_CMD_ISC;
	}
}

/*
 * Undoes every segment of @container with @s, appending the plaintext at
 * o->wp. @out/@out_len: the concatenated plaintext.
 */
static int open_container(struct opener *o, const struct der_tlv *container, uint8_t seg_tag,
			  struct pdp_scp03t *s, uint8_t **out, size_t *out_len)
{
	bool legacy = o->opts && (o->opts->flags & BPP_OPEN_LEGACY);
	unsigned cmd = command_of(container->tag), idx = 0;
	struct der_iter it;
	struct der_tlv seg, inner;
	uint8_t *start = o->wp;
	int rc;

	der_iter_init(&it, container);
	while ((rc = der_iter_next(&it, &seg)) == 1) {
		size_t got = (size_t)(o->wend - o->wp);
		uint8_t tag;

		if (seg.tag != seg_tag)
			return fail(o, -EBADMSG, container->tag, idx, cmd,
				    SGP22_ERR_SCP03T_STRUCTURE_ERROR, "unexpected segment tag");
		/* osmo-smdpp wraps each segment TLV once more in its own tag. */
		if (legacy && der_parse_one(seg.val, seg.len, &inner) == 0 &&
		    inner.raw_len == seg.len && inner.tag == seg_tag)
			seg = inner;
		else if (seg.raw_len > PDP_BSP_MAX_SEGMENT)
			return fail(o, -EBADMSG, container->tag, idx, cmd,
				    SGP22_ERR_SCP03T_STRUCTURE_ERROR, "segment above 1020 bytes");
		rc = pdp_scp03t_open(s, seg.raw, seg.raw_len, &tag, o->wp, &got);
		if (rc == -EBADMSG)
			return fail(o, -EACCES, container->tag, idx, cmd,
				    SGP22_ERR_SCP03T_SECURITY_ERROR,
				    "C-MAC or padding check failed");
		if (rc)
			return fail(o, -EBADMSG, container->tag, idx, cmd,
				    SGP22_ERR_SCP03T_STRUCTURE_ERROR, "segment not well formed");
		o->wp += got;
		idx++;
	}
	if (rc)
		return fail(o, -EBADMSG, container->tag, idx, cmd, SGP22_ERR_SCP03T_STRUCTURE_ERROR,
			    "container not well formed");
	if (!idx)
		return fail(o, -EBADMSG, container->tag, 0, cmd, SGP22_ERR_SCP03T_STRUCTURE_ERROR,
			    "empty container");
	*out = start;
	*out_len = (size_t)(o->wp - start);
	return 0;
}

/* The plaintext of A0/A1/A2 must be exactly one command TLV of @tag. */
static int check_command(struct opener *o, uint32_t container, const uint8_t *p, size_t len,
			 uint32_t tag)
{
	struct der_tlv t;

	if (der_parse_exact(p, len, &t) || t.tag != tag)
		return fail(o, -EBADMSG, container, 0, command_of(container),
			    SGP22_ERR_INCORRECT_INPUT_VALUES,
			    "plaintext is not the expected command");
	return 0;
}

static int open_isc(struct opener *o, const struct der_tlv *t, struct sgp22_isc *isc)
{
	if (t->tag != SGP22_TAG_ISC)
		return fail(o, -EBADMSG, SGP22_TAG_BPP, 0, SGP22_BPP_CMD_ISC,
			    SGP22_ERR_INCORRECT_INPUT_VALUES, "first element is not BF23");
	if (sgp22_decode_isc(t->raw, t->raw_len, isc))
		return fail(o, -EBADMSG, SGP22_TAG_ISC, 0, SGP22_BPP_CMD_ISC,
			    SGP22_ERR_INCORRECT_INPUT_VALUES,
			    "InitialiseSecureChannelRequest malformed or unsupported");
	return 0;
}

/* Profile checks after A3: a valid UPP whose ICCID is the metadata's. */
static int check_profile(struct opener *o, struct bpp_open_result *res)
{
	struct sgp22_store_metadata md;
	struct upp_header h;

	if (upp_parse(res->upp, res->upp_len, &h))
		return fail(o, -EBADMSG, 0xA3, 0, SGP22_BPP_CMD_LOAD_PROFILE_ELEMENTS,
			    SGP22_ERR_PE_PROCESSING_ERROR, "recovered profile is not a valid UPP");
	if (o->opts && (o->opts->flags & BPP_OPEN_LEGACY))
		return 0; /* the recorded trace stores the header coding in 5A */
	if (sgp22_decode_store_metadata(res->store_metadata, res->store_metadata_len, &md) ||
	    memcmp(md.iccid, h.iccid_ef, sizeof(md.iccid)))
		return fail(o, -EBADMSG, 0xA3, 0, SGP22_BPP_CMD_LOAD_PROFILE_ELEMENTS,
			    SGP22_ERR_ICCID_MISMATCH, "ICCID differs from StoreMetadata");
	return 0;
}

static int open_all(struct opener *o, const uint8_t *bpp, size_t bpp_len,
		    struct pdp_scp03t *session, struct bpp_open_result *res)
{
	struct pdp_scp03t ppk;
	struct der_tlv top, t;
	struct der_iter it;
	uint8_t *rsk;
	size_t rsk_len;
	int rc;

	if (der_parse_exact(bpp, bpp_len, &top) || top.tag != SGP22_TAG_BPP)
		return fail(o, -EBADMSG, SGP22_TAG_BPP, 0, SGP22_BPP_CMD_ISC,
			    SGP22_ERR_INCORRECT_INPUT_VALUES, "not one well-formed BF36 TLV");
	der_iter_init(&it, &top);
	if (der_iter_next(&it, &t) != 1)
		return fail(o, -EBADMSG, SGP22_TAG_BPP, 0, SGP22_BPP_CMD_ISC,
			    SGP22_ERR_INCORRECT_INPUT_VALUES, "BF36 is empty");
	rc = open_isc(o, &t, &res->isc);
	if (rc)
		return rc;

	if (der_take(&it, 0xA0, &t))
		return fail(o, -EBADMSG, SGP22_TAG_BPP, 1, SGP22_BPP_CMD_CONFIGURE_ISDP,
			    SGP22_ERR_SCP03T_STRUCTURE_ERROR, "A0 missing");
	rc = open_container(o, &t, PDP_BSP_TAG_ENC, session, &res->configure_isdp,
			    &res->configure_isdp_len);
	if (!rc)
		rc = check_command(o, 0xA0, res->configure_isdp, res->configure_isdp_len,
				   SGP22_TAG_CONFIGURE_ISDP);
	if (rc)
		return rc;

	if (der_take(&it, 0xA1, &t))
		return fail(o, -EBADMSG, SGP22_TAG_BPP, 2, SGP22_BPP_CMD_STORE_METADATA,
			    SGP22_ERR_SCP03T_STRUCTURE_ERROR, "A1 missing");
	rc = open_container(o, &t, PDP_BSP_TAG_MAC, session, &res->store_metadata,
			    &res->store_metadata_len);
	if (!rc)
		rc = check_command(o, 0xA1, res->store_metadata, res->store_metadata_len,
				   SGP22_TAG_STORE_METADATA);
	if (rc)
		return rc;

	if (der_take(&it, 0xA2, &t) == 0) {
		rc = open_container(o, &t, PDP_BSP_TAG_ENC, session, &rsk, &rsk_len);
		if (!rc && sgp22_decode_replace_session_keys(rsk, rsk_len, &res->ppk))
			rc = fail(o, -EBADMSG, 0xA2, 0, SGP22_BPP_CMD_REPLACE_SESSION_KEYS,
				  SGP22_ERR_INCORRECT_INPUT_VALUES,
				  "plaintext is not a ReplaceSessionKeysRequest");
		if (rc)
			return rc;
		/* The keys are in res->ppk now; their plaintext copy is not kept. */
		memset(rsk, 0, rsk_len);
		o->wp = rsk;
		res->has_ppk = true;
		pdp_scp03t_init(&ppk, res->ppk.ppk_enc, res->ppk.ppk_cmac, res->ppk.initial_mcv);
	} else if (o->opts && o->opts->ppk_without_a2) {
		ppk = *o->opts->ppk_without_a2;
	} else {
		ppk = *session; /* A3 continues with the session keys */
	}

	if (der_take(&it, 0xA3, &t))
		return fail(o, -EBADMSG, SGP22_TAG_BPP, 3, SGP22_BPP_CMD_LOAD_PROFILE_ELEMENTS,
			    SGP22_ERR_SCP03T_STRUCTURE_ERROR, "A3 missing");
	rc = open_container(o, &t, PDP_BSP_TAG_PROFILE, &ppk, &res->upp, &res->upp_len);
	if (!rc && !res->has_ppk && !(o->opts && o->opts->ppk_without_a2))
		*session = ppk;
	memset(&ppk, 0, sizeof(ppk));
	if (rc)
		return rc;
	if (!der_iter_done(&it))
		return fail(o, -EBADMSG, SGP22_TAG_BPP, 4, SGP22_BPP_CMD_LOAD_PROFILE_ELEMENTS,
			    SGP22_ERR_SCP03T_STRUCTURE_ERROR, "unexpected element after A3");
	return check_profile(o, res);
}

int bpp_open(const uint8_t *bpp, size_t bpp_len, struct pdp_scp03t *session,
	     const struct bpp_open_opts *opts, struct bpp_open_result *res,
	     struct bpp_open_error *error)
{
	struct opener o = {.opts = opts, .error = error};
	int rc;

	if (error)
		memset(error, 0, sizeof(*error));
	if (res)
		memset(res, 0, sizeof(*res));
	/* Every failure says why (the caller builds a ProfileInstallationResult from it). */
	if (!bpp || !bpp_len || !session || !res)
		return fail(&o, -EINVAL, SGP22_TAG_BPP, 0, SGP22_BPP_CMD_ISC,
			    SGP22_ERR_INCORRECT_INPUT_VALUES, "empty BPP or missing argument");
	/* All plaintext together is shorter than the BPP. */
	res->mem = malloc(bpp_len);
	if (!res->mem)
		return fail(&o, -ENOMEM, SGP22_TAG_BPP, 0, SGP22_BPP_CMD_ISC,
			    SGP22_ERR_INSUFFICIENT_MEMORY, "out of memory");
	o.wp = res->mem;
	o.wend = res->mem + bpp_len;
	rc = open_all(&o, bpp, bpp_len, session, res);
	if (rc) {
		free(res->mem);
		memset(res, 0, sizeof(*res));
	}
	return rc;
}
