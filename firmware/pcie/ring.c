// SPDX-License-Identifier: Apache-2.0
/*
 * ring.c - request/completion rings in BAR2, card side (ring.h).
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include "ring.h"
#include "wire.h"

static struct pdc_ctrl *ctrl(struct ring *r)
{
	return (struct pdc_ctrl *)(r->shm + PDC_BAR2_CTRL);
}

/* Index words shared with the guest: acquire what it wrote, release what we write. */
static uint32_t load_idx(const pdc_le32 *p)
{
	return le32(__atomic_load_n(p, __ATOMIC_ACQUIRE));
}

static void store_idx(pdc_le32 *p, uint32_t v)
{
	__atomic_store_n(p, le32(v), __ATOMIC_RELEASE);
}

static uint32_t card_side_state(struct ring *r)
{
	return card_state(r->card);
}

/* Clear both rings and the card's indices; the control block's identity stays. */
static void clear_rings(struct ring *r)
{
	memset(r->shm + PDC_BAR2_REQ_RING, 0, PDC_BAR2_PAYLOAD - PDC_BAR2_REQ_RING);
	r->req_cons = 0;
	r->cpl_prod = 0;
	r->broken = false;
	store_idx(&ctrl(r)->req_cons, 0);
	store_idx(&ctrl(r)->cpl_prod, 0);
	store_idx(&ctrl(r)->req_event, 0);
}

int ring_init(struct ring *r, void *shm, size_t size, struct card *card)
{
	struct pdc_ctrl *c;

	if (size < PDC_BAR2_MIN_SIZE || size > UINT32_MAX)
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	r->shm = shm;
	r->size = size;
	r->card = card;
	r->generation = 1;
	memset(r->shm, 0, PDC_BAR2_PAYLOAD);
	c = ctrl(r);
	c->version = le16(PDC_PROTO_VERSION);
	c->ring_entries = le16(PDC_RING_ENTRIES);
	c->req_ring_off = le32(PDC_BAR2_REQ_RING);
	c->cpl_ring_off = le32(PDC_BAR2_CPL_RING);
	c->payload_off = le32(PDC_BAR2_PAYLOAD);
	c->payload_size = le32((uint32_t)(size - PDC_BAR2_PAYLOAD));
	c->max_msg = le32(PDC_MAX_MSG);
	c->caps = le32(card_caps(card));
	c->card_features = le32(PDC_CARD_EVENT_IDX);
	store_idx(&c->generation, r->generation);
	store_idx(&c->state, card_side_state(r));
	/* magic last: a driver that sees it sees everything above */
	store_idx(&c->magic, PDC_SHM_MAGIC);
	return 0;
}

void ring_restart(struct ring *r)
{
	struct pdc_ctrl *c = ctrl(r);

	store_idx(&c->state, PDC_STATE_RESETTING);
	card_reset(r->card);
	clear_rings(r);
	/* Hints only for a driver that asked at its reset (see serve_reset()). */
	r->event_idx = false;
	r->cpl_held = 0;
	r->generation++;
	store_idx(&c->generation, r->generation);
	store_idx(&c->state, card_side_state(r));
}

static void serve_reset(struct ring *r, uint32_t cookie)
{
	ring_restart(r);
	r->event_idx = load_idx(&ctrl(r)->host_features) & PDC_HOST_EVENT_IDX;
	r->reset_ack = cookie;
	store_idx(&ctrl(r)->reset_ack, cookie);
}

/* Is [off, off+len) inside the payload area? (64-bit sums: no wrap) */
static bool in_payload(const struct ring *r, uint32_t off, uint32_t len)
{
	return off >= PDC_BAR2_PAYLOAD && (uint64_t)off + len <= r->size;
}

/* One request entry -> one completion entry. */
static void serve_one(struct ring *r, const struct pdc_ring_req *e, struct pdc_ring_cpl *cpl)
{
	uint32_t req_off = le32(e->req_off), req_len = le32(e->req_len);
	uint32_t resp_off = le32(e->resp_off), resp_cap = le32(e->resp_cap);
	size_t resp_len = 0;

	memset(cpl, 0, sizeof(*cpl));
	cpl->tag = e->tag;
	cpl->opcode = e->opcode;
	if (e->flags || e->rsvd[0] || e->rsvd[1] || req_len < sizeof(struct pdc_hdr) ||
	    req_len > PDC_MAX_MSG || resp_cap < PDC_MAX_MSG || !in_payload(r, req_off, req_len) ||
	    !in_payload(r, resp_off, PDC_MAX_MSG)) {
		card_error_response(r->card, le32(e->tag), le16(e->opcode), PDC_ST_BAD_TRANSPORT,
				    r->resp_buf);
		cpl->status = le16(PDC_ST_BAD_TRANSPORT);
		return;
	}
	/* Copy first: the guest must not change the request under the card. */
	memcpy(r->req_buf, r->shm + req_off, req_len);
	card_handle(r->card, r->req_buf, req_len, r->resp_buf, &resp_len);
	memcpy(r->shm + resp_off, r->resp_buf, resp_len);
	memcpy(&cpl->status, r->resp_buf + offsetof(struct pdc_hdr, status), sizeof(cpl->status));
	cpl->resp_len = le32((uint32_t)resp_len);
}

void ring_set_notify(struct ring *r, ring_notify_fn fn, void *arg)
{
	r->notify = fn;
	r->notify_arg = arg;
}

/* Store @v to @p, then read @q: a full barrier between them (Dekker with the driver). */
static uint32_t store_fence_load(pdc_le32 *p, uint32_t v, const pdc_le32 *q)
{
	store_idx(p, v);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return load_idx(q);
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static unsigned int raise_completion(struct ring *r)
{
	r->cpl_held = 0;
	if (!r->notify)
		return RING_EV_COMPLETION;
	r->notify(r->notify_arg, PDC_IRQ_VEC_COMPLETION);
	return 0;
}

/*
 * One completion published (cpl_prod went old -> old + 1): wake the driver?
 * With hints the vector waits while more requests are queued, for up to
 * RING_CPL_HOLD completions or RING_CPL_HOLD_US: one interrupt (and one
 * wakeup of each waiting task in the guest) per handful of slow ops,
 * while a lone request is answered at once.
 */
static unsigned int completion_event(struct ring *r, uint32_t old)
{
	struct pdc_ctrl *c = ctrl(r);
	uint32_t event;

	if (!r->event_idx) {
		store_idx(&c->cpl_prod, r->cpl_prod);
		return RING_EV_COMPLETION; /* once per pass, by the caller */
	}
	event = store_fence_load(&c->cpl_prod, r->cpl_prod, &c->cpl_event);
	if (!r->cpl_held && !pdc_need_event(event, r->cpl_prod, old))
		return 0;
	if (!r->cpl_held++)
		r->cpl_held_since = now_us();
	if (load_idx(&c->req_prod) == r->req_cons || r->cpl_held >= RING_CPL_HOLD ||
	    now_us() - r->cpl_held_since >= RING_CPL_HOLD_US)
		return raise_completion(r);
	return 0;
}

bool ring_idle(struct ring *r)
{
	struct pdc_ctrl *c = ctrl(r);

	if (!r->event_idx || r->broken)
		return false;
	/* A held-back vector goes out before the card sleeps, whatever else. */
	if (r->cpl_held)
		raise_completion(r);
	return store_fence_load(&c->req_event, r->req_cons, &c->req_prod) != r->req_cons;
}

unsigned int ring_poll(struct ring *r, uint64_t budget)
{
	struct pdc_ctrl *c = ctrl(r);
	struct pdc_ring_req *reqs = (struct pdc_ring_req *)(r->shm + PDC_BAR2_REQ_RING);
	struct pdc_ring_cpl *cpls = (struct pdc_ring_cpl *)(r->shm + PDC_BAR2_CPL_RING);
	unsigned int ev = 0;
	uint32_t cookie, prod;
	uint64_t done = 0;

	cookie = load_idx(&c->reset_req);
	if (cookie && cookie != r->reset_ack) {
		serve_reset(r, cookie);
		ev |= RING_EV_STATE;
	}
	if (r->broken)
		return ev;
	prod = load_idx(&c->req_prod);
	for (;;) {
		struct pdc_ring_req e;
		struct pdc_ring_cpl cpl;
		uint32_t cpl_cons;

		if (prod - r->req_cons > PDC_RING_ENTRIES) {
			r->broken = true;
			break;
		}
		/* Requests that came in while we worked belong to this pass too. */
		if (r->req_cons == prod) {
			prod = load_idx(&c->req_prod);
			if (r->req_cons == prod)
				break;
			continue;
		}
		if (budget && done >= budget)
			break;
		cpl_cons = load_idx(&c->cpl_cons);
		if (r->cpl_prod - cpl_cons >= PDC_RING_ENTRIES) {
			ev |= RING_EV_BLOCKED;
			break;
		}
		memcpy(&e, &reqs[r->req_cons % PDC_RING_ENTRIES], sizeof(e));
		serve_one(r, &e, &cpl);
		memcpy(&cpls[r->cpl_prod % PDC_RING_ENTRIES], &cpl, sizeof(cpl));
		r->req_cons++;
		r->cpl_prod++;
		store_idx(&c->req_cons, r->req_cons);
		ev |= completion_event(r, r->cpl_prod - 1);
		r->completed++;
		done++;
	}
	return ev;
}
