// SPDX-License-Identifier: Apache-2.0
/*
 * descriptors.c - the blobs written to FunctionFS ep0 (format v2).
 */
#include <linux/usb/ch9.h>
#include <linux/usb/functionfs.h>

#include "card/portdp_card.h"
#include "descriptors.h"

/* Constant expressions (glibc's htole16 is a function). */
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define LE16(x) __builtin_bswap16(x)
#define LE32(x) __builtin_bswap32(x)
#else
#define LE16(x) (x)
#define LE32(x) (x)
#endif

#define INTF_DESC                                                                                  \
	{                                                                                          \
		.bLength = sizeof(struct usb_interface_descriptor),                                \
		.bDescriptorType = USB_DT_INTERFACE, .bNumEndpoints = 2,                           \
		.bInterfaceClass = USB_CLASS_VENDOR_SPEC,                                          \
		.bInterfaceSubClass = PDC_USB_SUBCLASS,                                            \
		.bInterfaceProtocol = PDC_USB_PROTOCOL, .iInterface = 1,                           \
	}
#define EP_DESC(addr, mps)                                                                         \
	{                                                                                          \
		.bLength = USB_DT_ENDPOINT_SIZE, .bDescriptorType = USB_DT_ENDPOINT,               \
		.bEndpointAddress = (addr), .bmAttributes = USB_ENDPOINT_XFER_BULK,                \
		.wMaxPacketSize = LE16(mps),                                                       \
	}
#define SS_COMP                                                                                    \
	{                                                                                          \
		.bLength = USB_DT_SS_EP_COMP_SIZE, .bDescriptorType = USB_DT_SS_ENDPOINT_COMP,     \
	}

struct speed_descs {
	struct usb_interface_descriptor intf;
	struct usb_endpoint_descriptor_no_audio in, out;
} __attribute__((packed));

struct ss_descs {
	struct usb_interface_descriptor intf;
	struct usb_endpoint_descriptor_no_audio in;
	struct usb_ss_ep_comp_descriptor in_comp;
	struct usb_endpoint_descriptor_no_audio out;
	struct usb_ss_ep_comp_descriptor out_comp;
} __attribute__((packed));

static const struct {
	struct usb_functionfs_descs_head_v2 head;
	__le32 fs_count, hs_count, ss_count;
	struct speed_descs fs, hs;
	struct ss_descs ss;
} __attribute__((packed)) descs = {
	.head = {
		.magic = LE32(FUNCTIONFS_DESCRIPTORS_MAGIC_V2),
		.length = LE32(sizeof(descs)),
		.flags = LE32(FUNCTIONFS_HAS_FS_DESC | FUNCTIONFS_HAS_HS_DESC |
			      FUNCTIONFS_HAS_SS_DESC),
	},
	.fs_count = LE32(3),
	.hs_count = LE32(3),
	.ss_count = LE32(5),
	.fs = { INTF_DESC, EP_DESC(1 | USB_DIR_IN, 64), EP_DESC(2 | USB_DIR_OUT, 64) },
	.hs = { INTF_DESC, EP_DESC(1 | USB_DIR_IN, 512), EP_DESC(2 | USB_DIR_OUT, 512) },
	.ss = { INTF_DESC, EP_DESC(1 | USB_DIR_IN, 1024), SS_COMP,
		EP_DESC(2 | USB_DIR_OUT, 1024), SS_COMP },
};

#define STR_INTF "Port-DP+ card"

static const struct {
	struct usb_functionfs_strings_head head;
	struct {
		__le16 code;
		char str1[sizeof(STR_INTF)];
	} __attribute__((packed)) lang0;
} __attribute__((packed)) strs = {
	.head = {
		.magic = LE32(FUNCTIONFS_STRINGS_MAGIC),
		.length = LE32(sizeof(strs)),
		.str_count = LE32(1),
		.lang_count = LE32(1),
	},
	.lang0 = { LE16(0x0409), STR_INTF },
};

const void *usb_card_descriptors(size_t *len)
{
	*len = sizeof(descs);
	return &descs;
}

const void *usb_card_strings(size_t *len)
{
	*len = sizeof(strs);
	return &strs;
}
