// SPDX-License-Identifier: Apache-2.0
/*
 * test_card_usbfault.c - the USB card's fault plans and its framing rule:
 * parsing refuses garbage, a plan fires once after its skip count, each
 * fault rewrites an answer the way docs/card-protocol.md says, the
 * descriptor blob carries the vendor interface at three speeds, and a
 * zero-length packet ends exactly the transfers on a packet boundary.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <linux/usb/ch9.h>
#include <linux/usb/functionfs.h>

#include "card/portdp_card.h"
#include "../usb/descriptors.h"
#include "../usb/fault.h"

static void parse_good_and_bad(void **state)
{
	struct usb_fault_plan p = {0};

	(void)state;
	assert_int_equal(0, usb_fault_parse("stall", &p));
	assert_int_equal(USB_FAULT_STALL, p.kind);
	assert_int_equal(0, p.skip);
	assert_int_equal(0, usb_fault_parse("wrong-tag 12\n", &p));
	assert_int_equal(USB_FAULT_WRONG_TAG, p.kind);
	assert_int_equal(12, p.skip);
	p = (struct usb_fault_plan){.kind = USB_FAULT_NEVER, .skip = 3};
	assert_int_equal(-EINVAL, usb_fault_parse("stal", &p));
	assert_int_equal(-EINVAL, usb_fault_parse("stalls", &p));
	assert_int_equal(-EINVAL, usb_fault_parse("short -1", &p));
	assert_int_equal(-EINVAL, usb_fault_parse("short 3x", &p));
	assert_int_equal(-EINVAL, usb_fault_parse("short 99999999999", &p));
	assert_int_equal(-EINVAL, usb_fault_parse("", &p));
	/* unchanged by the refusals */
	assert_int_equal(USB_FAULT_NEVER, p.kind);
	assert_int_equal(3, p.skip);
}

static void plan_fires_once(void **state)
{
	struct usb_fault_plan p;

	(void)state;
	assert_int_equal(0, usb_fault_parse("dup-tag 2", &p));
	assert_int_equal(USB_FAULT_NONE, usb_fault_take(&p));
	assert_int_equal(USB_FAULT_NONE, usb_fault_take(&p));
	assert_int_equal(USB_FAULT_DUP_TAG, usb_fault_take(&p));
	assert_int_equal(USB_FAULT_NONE, usb_fault_take(&p));
	assert_int_equal(USB_FAULT_NONE, usb_fault_take(&p));
}

static size_t make_answer(uint8_t *buf, uint32_t tag, uint16_t body)
{
	struct pdc_hdr *h = (struct pdc_hdr *)buf;

	memset(buf, 0x11, PDC_MAX_MSG + 1024);
	*h = (struct pdc_hdr){.magic = PDC_MAGIC_RESP, .version = PDC_PROTO_VERSION,
			      .opcode = PDC_OP_RANDOM, .tag = tag, .len = body};
	return sizeof(*h) + body;
}

static void faults_rewrite_answers(void **state)
{
	static uint8_t buf[PDC_MAX_MSG + 1024];
	const struct pdc_hdr *h = (const struct pdc_hdr *)buf;
	size_t len;

	(void)state;
	len = make_answer(buf, 0x1203, 100);
	assert_int_equal(len, usb_fault_apply(USB_FAULT_NONE, buf, len, sizeof(buf)));
	assert_int_equal(len, usb_fault_apply(USB_FAULT_DUP_TAG, buf, len, sizeof(buf)));
	assert_int_equal(0, usb_fault_apply(USB_FAULT_STALL, buf, len, sizeof(buf)));
	assert_int_equal(0, usb_fault_apply(USB_FAULT_NEVER, buf, len, sizeof(buf)));
	/* short keeps the header when there is a body, and is shorter than it says */
	assert_int_equal(16 + 50, usb_fault_apply(USB_FAULT_SHORT, buf, len, sizeof(buf)));
	len = make_answer(buf, 0x1203, 0);
	assert_int_equal(8, usb_fault_apply(USB_FAULT_SHORT, buf, len, sizeof(buf)));
	/* oversize: more than a host buffer, header intact */
	len = make_answer(buf, 0x1203, 100);
	assert_int_equal(PDC_MAX_MSG + 512, usb_fault_apply(USB_FAULT_OVERSIZE, buf, len,
							   sizeof(buf)));
	assert_int_equal(0x1203, h->tag);
	assert_int_equal(0xa5, buf[PDC_MAX_MSG + 511]);
	assert_int_equal(len, usb_fault_apply(USB_FAULT_OVERSIZE, buf, len, PDC_MAX_MSG));
	/* wrong tag: same slot byte, a sequence the host never sent */
	usb_fault_apply(USB_FAULT_WRONG_TAG, buf, len, sizeof(buf));
	assert_int_equal(0x03, h->tag & 0xff);
	assert_int_not_equal(0x1203, h->tag);
}

static void zlp_rule(void **state)
{
	(void)state;
	assert_false(usb_needs_zlp(0, 512));
	assert_false(usb_needs_zlp(16, 512));
	assert_true(usb_needs_zlp(512, 512));
	assert_true(usb_needs_zlp(1024, 512));
	assert_false(usb_needs_zlp(1024 + 16, 1024));
	assert_true(usb_needs_zlp(PDC_MAX_MSG, 1024));
	assert_false(usb_needs_zlp(512, 0));
}

static void descriptors_vendor_interface(void **state)
{
	const struct usb_functionfs_descs_head_v2 *h;
	const uint8_t *p, *end;
	unsigned int intf = 0, bulk = 0, comp = 0;
	size_t len;

	(void)state;
	h = usb_card_descriptors(&len);
	assert_int_equal(FUNCTIONFS_DESCRIPTORS_MAGIC_V2, h->magic);
	assert_int_equal(len, h->length);
	p = (const uint8_t *)(h + 1) + 3 * 4; /* fs, hs, ss counts */
	end = (const uint8_t *)h + len;
	while (p < end) {
		assert_true(p[0] >= 2 && p + p[0] <= end);
		if (p[1] == USB_DT_INTERFACE) {
			const struct usb_interface_descriptor *d = (const void *)p;

			assert_int_equal(USB_CLASS_VENDOR_SPEC, d->bInterfaceClass);
			assert_int_equal(PDC_USB_SUBCLASS, d->bInterfaceSubClass);
			assert_int_equal(PDC_USB_PROTOCOL, d->bInterfaceProtocol);
			assert_int_equal(2, d->bNumEndpoints);
			intf++;
		} else if (p[1] == USB_DT_ENDPOINT) {
			assert_int_equal(USB_ENDPOINT_XFER_BULK, p[3]);
			bulk++;
		} else if (p[1] == USB_DT_SS_ENDPOINT_COMP) {
			comp++;
		}
		p += p[0];
	}
	assert_int_equal(3, intf);
	assert_int_equal(6, bulk);
	assert_int_equal(2, comp);
	assert_non_null(usb_card_strings(&len));
	assert_true(len > sizeof(struct usb_functionfs_strings_head));
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
	    cmocka_unit_test(parse_good_and_bad),
	    cmocka_unit_test(plan_fires_once),
	    cmocka_unit_test(faults_rewrite_answers),
	    cmocka_unit_test(zlp_rule),
	    cmocka_unit_test(descriptors_vendor_interface),
	};

	cmocka_set_message_output(CM_OUTPUT_TAP);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
