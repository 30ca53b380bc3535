/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ring.h - the card's side of the BAR2 rings (portdp_card.h part 2). Works
 * on any mapping of the shared memory, so tests can drive it without QEMU.
 * The guest may write anything into BAR2 at any time: the card keeps its
 * own copies of its indices and copies every request out before using it.
 */
#ifndef CARD_PCIE_RING_H
#define CARD_PCIE_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "card.h"

/* ring_poll() results */
#define RING_EV_COMPLETION (1u << 0) /* raise the completion vector */
#define RING_EV_STATE (1u << 1)	     /* raise the state vector */
#define RING_EV_BLOCKED (1u << 2)    /* completion ring full: poll again soon */

/* With hints: hold the completion vector back while requests are queued, up to */
#define RING_CPL_HOLD 16      /* completions */
#define RING_CPL_HOLD_US 2000 /* microseconds since the first one held */

/* Raises a guest vector (PDC_IRQ_VEC_*) in the middle of a pass. */
typedef void (*ring_notify_fn)(void *arg, unsigned int vector);

struct ring {
	uint8_t *shm;
	size_t size;
	struct card *card;
	uint32_t generation;
	uint32_t req_cons; /* authoritative copies of the card-written indices */
	uint32_t cpl_prod;
	uint32_t reset_ack;
	bool broken;		 /* the driver overran the ring: wait for a reset */
	bool event_idx;		 /* the driver asked for notification hints at its reset */
	uint32_t cpl_held;	 /* completions the driver waits for, vector held back */
	uint64_t cpl_held_since; /* when the first of them was published (us) */
	ring_notify_fn notify;
	void *notify_arg;
	uint64_t completed;
	uint8_t req_buf[PDC_MAX_MSG];
	uint8_t resp_buf[PDC_MAX_MSG];
};

/* Returns 0, or -EINVAL if @size is below PDC_BAR2_MIN_SIZE or too big. */
int ring_init(struct ring *r, void *shm, size_t size, struct card *card);

/* Card restart: sessions closed, rings cleared, generation bumped. */
void ring_restart(struct ring *r);

/*
 * With notification hints the completion vector must go out as soon as the
 * driver waits for it, not at the end of a long pass: ring_poll() calls
 * @fn then. Without @fn (tests) it reports RING_EV_COMPLETION instead.
 */
void ring_set_notify(struct ring *r, ring_notify_fn fn, void *arg);

/*
 * Serve a pending reset request, then up to @budget requests (0: no
 * limit), taking requests that arrive meanwhile too. Returns RING_EV_*
 * bits: RING_EV_COMPLETION means "raise the completion vector" (without
 * hints after every pass that completed something, with hints only when
 * the driver asked for it and no notify function took care of it).
 */
unsigned int ring_poll(struct ring *r, uint64_t budget);

/*
 * About to sleep until the doorbell: with hints, ask the driver to ring
 * for the next request. Returns true if requests arrived meanwhile (do not
 * sleep; poll the ring again).
 */
bool ring_idle(struct ring *r);

#endif /* CARD_PCIE_RING_H */
