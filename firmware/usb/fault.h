/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fault.h - the USB card's injected faults (for the driver's tests) and the
 * framing rule they break. A plan names one fault and how many answers to
 * let through before it; it fires once.
 */
#ifndef CARD_USB_FAULT_H
#define CARD_USB_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum usb_fault {
	USB_FAULT_NONE = 0,
	USB_FAULT_STALL,	/* halt bulk IN instead of answering */
	USB_FAULT_SHORT,	/* answer cut short (header kept if there is a body) */
	USB_FAULT_OVERSIZE,	/* answer longer than PDC_MAX_MSG */
	USB_FAULT_WRONG_TAG,	/* answer under a tag the host never used */
	USB_FAULT_DUP_TAG,	/* the same answer twice */
	USB_FAULT_NEVER,	/* no answer at all */
	USB_FAULT_DISCONNECT,	/* half an answer, then the cable goes */
	USB_FAULT__COUNT
};

struct usb_fault_plan {
	enum usb_fault kind;
	unsigned int skip;	/* answers to send normally first */
};

/* "stall", "short 3", ...: 0, or -EINVAL (plan unchanged). */
int usb_fault_parse(const char *s, struct usb_fault_plan *plan);
const char *usb_fault_name(enum usb_fault kind);
/* The fault for the answer about to go out (USB_FAULT_NONE mostly). */
enum usb_fault usb_fault_take(struct usb_fault_plan *plan);

/* A transfer of @len bytes needs a zero-length packet to end it. */
static inline bool usb_needs_zlp(size_t len, unsigned int max_packet)
{
	return max_packet && len && len % max_packet == 0;
}

/*
 * Rewrites the answer @resp (@len bytes, room for @cap) as @kind says;
 * returns the bytes to send (0: send nothing). STALL, NEVER: 0.
 */
size_t usb_fault_apply(enum usb_fault kind, uint8_t *resp, size_t len, size_t cap);

#endif /* CARD_USB_FAULT_H */
