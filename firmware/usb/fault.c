// SPDX-License-Identifier: Apache-2.0
/*
 * fault.c - parsing and applying the USB card's injected faults.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "card/portdp_card.h"
#include "fault.h"
#include "wire.h"

static const char *const names[USB_FAULT__COUNT] = {
	[USB_FAULT_NONE] = "none",	   [USB_FAULT_STALL] = "stall",
	[USB_FAULT_SHORT] = "short",	   [USB_FAULT_OVERSIZE] = "oversize",
	[USB_FAULT_WRONG_TAG] = "wrong-tag", [USB_FAULT_DUP_TAG] = "dup-tag",
	[USB_FAULT_NEVER] = "never",	   [USB_FAULT_DISCONNECT] = "disconnect",
};

const char *usb_fault_name(enum usb_fault kind)
{
	return kind < USB_FAULT__COUNT ? names[kind] : "?";
}

int usb_fault_parse(const char *s, struct usb_fault_plan *plan)
{
	unsigned long skip = 0;
	size_t n = strcspn(s, " \t\n");
	const char *rest = s + n;
	char *end;
	int k;

	for (k = 0; k < USB_FAULT__COUNT; k++)
		if (strlen(names[k]) == n && !strncmp(s, names[k], n))
			break;
	if (k == USB_FAULT__COUNT)
		return -EINVAL;
	rest += strspn(rest, " \t");
	if (*rest && *rest != '\n') {
		errno = 0;
		skip = strtoul(rest, &end, 10);
		if (errno || end == rest || *rest == '-' || skip > 1000000 ||
		    (*end && *end != '\n'))
			return -EINVAL;
	}
	plan->kind = (enum usb_fault)k;
	plan->skip = (unsigned int)skip;
	return 0;
}

enum usb_fault usb_fault_take(struct usb_fault_plan *plan)
{
	enum usb_fault k = plan->kind;

	if (k == USB_FAULT_NONE)
		return k;
	if (plan->skip) {
		plan->skip--;
		return USB_FAULT_NONE;
	}
	plan->kind = USB_FAULT_NONE;
	return k;
}

size_t usb_fault_apply(enum usb_fault kind, uint8_t *resp, size_t len, size_t cap)
{
	struct pdc_hdr *h = (struct pdc_hdr *)resp;

	switch (kind) {
	case USB_FAULT_NONE:
	case USB_FAULT_DUP_TAG: /* the caller sends it twice */
		return len;
	case USB_FAULT_STALL:
	case USB_FAULT_NEVER:
		return 0;
	case USB_FAULT_SHORT:
		/* With a body: the header stays, so the host can tell whose it was. */
		return len > sizeof(*h) ? sizeof(*h) + (len - sizeof(*h)) / 2 : len / 2;
	case USB_FAULT_DISCONNECT:
		return len / 2;
	case USB_FAULT_OVERSIZE:
		if (cap < PDC_MAX_MSG + 512)
			return len;
		memset(resp + len, 0xa5, PDC_MAX_MSG + 512 - len);
		return PDC_MAX_MSG + 512;
	case USB_FAULT_WRONG_TAG:
		/* Same slot byte, another sequence: a tag the host never had out. */
		h->tag ^= le32(0x5a5a0000u);
		return len;
	default:
		return len;
	}
}
