/* SPDX-License-Identifier: Apache-2.0 */
/*
 * descriptors.h - FunctionFS descriptor and string blobs of the USB card:
 * one vendor interface (portdp_card.h, part 3) with bulk IN and bulk OUT at
 * full, high and SuperSpeed.
 */
#ifndef CARD_USB_DESCRIPTORS_H
#define CARD_USB_DESCRIPTORS_H

#include <stddef.h>

/* Endpoint files FunctionFS creates, in descriptor order. */
#define USB_CARD_EP_IN	"ep1"
#define USB_CARD_EP_OUT	"ep2"

const void *usb_card_descriptors(size_t *len);
const void *usb_card_strings(size_t *len);

#endif /* CARD_USB_DESCRIPTORS_H */
