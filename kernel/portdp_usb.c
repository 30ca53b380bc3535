// SPDX-License-Identifier: GPL-2.0
/*
 * portdp_usb.c - USB transport: the card as a vendor interface with one bulk
 * OUT endpoint for request messages and one bulk IN endpoint for response
 * messages (include/card/portdp_card.h, part 3). Each request slot owns an
 * OUT URB; a set of IN URBs stays posted and hands every answer to the core
 * by its tag. Hot-unplug is the normal case here: disconnect fails all
 * queued and in-flight requests with -ENODEV (portdp_dev_unregister()) and
 * open files keep a dead device until their last close.
 */
#include <linux/module.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/usb.h>
#include "portdp.h"

#define PORTDP_USB_CTRL_MS	500
/* After a transfer error, wait this long for a disconnect before recovering. */
#define PORTDP_USB_SETTLE_MS	300

/* plugs/unplugs over the module's life: a replugged card is a new device */
static atomic64_t portdp_usb_plugs = ATOMIC64_INIT(0);
static atomic64_t portdp_usb_unplugs = ATOMIC64_INIT(0);

struct portdp_usb;

/* One posted bulk IN transfer (an answer's buffer). */
struct portdp_usb_rx {
	struct urb *urb;
	struct list_head node;
	struct portdp_usb *pu;
};

/**
 * struct portdp_usb - one card interface.
 * @udev:     its device (referenced).
 * @intf:     the vendor interface we are bound to.
 * @pd:       the core's device.
 * @pipe_in:  bulk IN (answers), found from the descriptors.
 * @pipe_out: bulk OUT (requests).
 * @ifnum:    interface number, wIndex of the vendor requests.
 * @out_anchor: posted request transfers.
 * @in_anchor:  posted answer transfers.
 * @out_urb:  per request slot, with a PDC_MAX_MSG buffer.
 * @rx:       IN transfers.
 * @nrx:      how many of @rx are posted while running.
 * @rx_lock:  protects @rx_done (URB completions run in interrupt context).
 * @rx_done:  finished IN transfers waiting for @rx_work.
 * @rx_work:  hands answers to the core in process context and reposts.
 * @recover_work: a transfer error: reset the card unless it is gone.
 * @running:  IN transfers are (re)posted; false while resetting or gone.
 * @gone:     disconnect has begun.
 * @in_reset: our own reset runs (post_reset then needs no new one).
 * @port_reset_tried: a port reset failed to help since the last good reset.
 * @uinfo:    the card's USB info from the last reset.
 */
struct portdp_usb {
	struct usb_device *udev;
	struct usb_interface *intf;
	struct portdp_dev *pd;
	unsigned int pipe_in, pipe_out;
	u8 ifnum;
	struct usb_anchor out_anchor, in_anchor;
	struct urb *out_urb[PORTDP_MAX_INFLIGHT];
	struct portdp_usb_rx rx[PORTDP_MAX_INFLIGHT];
	unsigned int nrx;
	spinlock_t rx_lock;		/* see @rx_lock above */
	struct list_head rx_done;
	struct work_struct rx_work;
	struct delayed_work recover_work;
	bool running;
	bool gone;
	bool in_reset;
	bool port_reset_tried;
	struct pdc_usb_info uinfo;
};

static void portdp_usb_recover_later(struct portdp_usb *pu, unsigned int ms)
{
	if (!READ_ONCE(pu->gone))
		mod_delayed_work(system_wq, &pu->recover_work, msecs_to_jiffies(ms));
}

/* A URB status that says the device or our own kill ended it: no recovery. */
static bool portdp_usb_status_quiet(int status)
{
	return status == -ENOENT || status == -ECONNRESET || status == -ESHUTDOWN ||
	       status == -ENODEV;
}

static void portdp_usb_out_done(struct urb *urb)
{
	struct portdp_usb *pu = urb->context;

	if (!urb->status || portdp_usb_status_quiet(urb->status))
		return;
	/* stall, protocol error...: the answer will not come; unplug may follow */
	dev_dbg(&pu->intf->dev, "request transfer failed (%d)\n", urb->status);
	portdp_usb_recover_later(pu, urb->status == -EPIPE ? 0 : PORTDP_USB_SETTLE_MS);
}

/* Called with pd->lock held (see struct portdp_transport_ops): must not sleep. */
static void portdp_usb_start(struct portdp_dev *pd, struct portdp_req *req)
{
	struct portdp_usb *pu = pd->transport;
	struct urb *urb = pu->out_urb[req->slot];
	int err;

	memcpy(urb->transfer_buffer, req->msg, req->msg_len);
	urb->transfer_buffer_length = req->msg_len;
	usb_anchor_urb(urb, &pu->out_anchor);
	err = usb_submit_urb(urb, GFP_ATOMIC);
	if (err) {
		usb_unanchor_urb(urb);
		/* the request times out, or disconnect fails it with -ENODEV */
		if (!portdp_usb_status_quiet(err))
			portdp_usb_recover_later(pu, PORTDP_USB_SETTLE_MS);
	}
}

static void portdp_usb_in_done(struct urb *urb)
{
	struct portdp_usb_rx *rx = urb->context;
	struct portdp_usb *pu = rx->pu;
	unsigned long flags;

	spin_lock_irqsave(&pu->rx_lock, flags);
	list_add_tail(&rx->node, &pu->rx_done);
	spin_unlock_irqrestore(&pu->rx_lock, flags);
	queue_work(system_wq, &pu->rx_work);
}

static int portdp_usb_post(struct portdp_usb *pu, struct portdp_usb_rx *rx, gfp_t gfp)
{
	int err;

	usb_anchor_urb(rx->urb, &pu->in_anchor);
	err = usb_submit_urb(rx->urb, gfp);
	if (err)
		usb_unanchor_urb(rx->urb);
	return err;
}

/* A well-framed answer: a response header and exactly its body. */
static bool portdp_usb_framed(const void *buf, unsigned int len)
{
	const struct pdc_hdr *hdr = buf;

	return len >= sizeof(*hdr) && le32_to_cpu(hdr->magic) == PDC_MAGIC_RESP;
}

static void portdp_usb_rx_fn(struct work_struct *work)
{
	struct portdp_usb *pu = container_of(work, struct portdp_usb, rx_work);
	struct portdp_usb_rx *rx;
	unsigned long flags;
	struct urb *urb;
	bool bad = false;

	for (;;) {
		spin_lock_irqsave(&pu->rx_lock, flags);
		rx = list_first_entry_or_null(&pu->rx_done, struct portdp_usb_rx, node);
		if (rx)
			list_del_init(&rx->node);
		spin_unlock_irqrestore(&pu->rx_lock, flags);
		if (!rx)
			break;
		urb = rx->urb;
		if (urb->status) {
			if (!portdp_usb_status_quiet(urb->status)) {
				dev_dbg(&pu->intf->dev, "answer transfer failed (%d)\n",
					urb->status);
				portdp_usb_recover_later(pu, urb->status == -EPIPE ||
							 urb->status == -EOVERFLOW ?
							 0 : PORTDP_USB_SETTLE_MS);
			}
			continue;	/* reposted by the reset */
		}
		if (urb->actual_length) {
			if (portdp_usb_framed(urb->transfer_buffer, urb->actual_length))
				portdp_complete_msg(pu->pd, urb->transfer_buffer,
						    urb->actual_length);
			else
				bad = true;
		}
		if (READ_ONCE(pu->running) && portdp_usb_post(pu, rx, GFP_KERNEL) &&
		    !READ_ONCE(pu->gone))
			bad = true;
	}
	if (bad) {
		dev_warn_ratelimited(&pu->intf->dev, "card sent a malformed answer, resetting\n");
		portdp_usb_recover_later(pu, 0);
	}
}

static void portdp_usb_recover_fn(struct work_struct *work)
{
	struct portdp_usb *pu = container_of(to_delayed_work(work), struct portdp_usb,
					     recover_work);

	if (READ_ONCE(pu->gone) || pu->udev->state == USB_STATE_NOTATTACHED)
		return;
	/* Everything in flight is lost to the error: fail it and reset. */
	portdp_card_restarted(pu->pd);
}

/* Stops the data path: nothing posted, nothing waiting in @rx_done. */
static void portdp_usb_stop(struct portdp_usb *pu)
{
	unsigned long flags;

	WRITE_ONCE(pu->running, false);
	usb_kill_anchored_urbs(&pu->out_anchor);
	usb_kill_anchored_urbs(&pu->in_anchor);
	cancel_work_sync(&pu->rx_work);
	/* what rx_work reposted before it saw !running */
	usb_kill_anchored_urbs(&pu->in_anchor);
	cancel_work_sync(&pu->rx_work);
	spin_lock_irqsave(&pu->rx_lock, flags);
	INIT_LIST_HEAD(&pu->rx_done);
	spin_unlock_irqrestore(&pu->rx_lock, flags);
}

static int portdp_usb_ctrl(struct portdp_usb *pu, u8 request, bool in, u16 value,
			   void *data, u16 len)
{
	u8 type = USB_TYPE_VENDOR | USB_RECIP_INTERFACE | (in ? USB_DIR_IN : USB_DIR_OUT);
	unsigned int pipe = in ? usb_rcvctrlpipe(pu->udev, 0) : usb_sndctrlpipe(pu->udev, 0);
	int ret;

	ret = usb_control_msg(pu->udev, pipe, request, type, value, pu->ifnum, data, len,
			      PORTDP_USB_CTRL_MS);
	if (ret < 0)
		return ret;
	return in && ret != len ? -EPROTO : 0;
}

/* The handshake proper: clear halts, read the card's USB info, RESET. */
static int portdp_usb_handshake(struct portdp_usb *pu)
{
	struct pdc_usb_info *info;
	unsigned int depth;
	int err;

	err = usb_clear_halt(pu->udev, pu->pipe_in);
	if (!err)
		err = usb_clear_halt(pu->udev, pu->pipe_out);
	if (err)
		return err;
	info = kzalloc(sizeof(*info), GFP_KERNEL);
	if (!info)
		return -ENOMEM;
	err = portdp_usb_ctrl(pu, PDC_USB_REQ_INFO, true, 0, info, sizeof(*info));
	if (!err && (le16_to_cpu(info->usb_version) != PDC_USB_VERSION ||
		     le16_to_cpu(info->proto_version) != PDC_PROTO_VERSION ||
		     le16_to_cpu(info->max_msg) != PDC_MAX_MSG || !info->max_inflight)) {
		dev_err(&pu->intf->dev, "card speaks another protocol (usb %u, proto %u)\n",
			le16_to_cpu(info->usb_version), le16_to_cpu(info->proto_version));
		err = -EPROTO;
	}
	if (!err) {
		pu->uinfo = *info;
		depth = min_t(unsigned int, le16_to_cpu(info->max_inflight), PORTDP_MAX_INFLIGHT);
		portdp_set_max_inflight(pu->pd, depth);
	}
	kfree(info);
	if (err)
		return err;
	/* The cookie only makes each RESET distinct in a bus trace. */
	return portdp_usb_ctrl(pu, PDC_USB_REQ_RESET, false, get_random_u32() & 0xffff, NULL, 0);
}

/* A USB port reset (re-enumeration): for a card that stalls even ep0. */
static int portdp_usb_port_reset(struct portdp_usb *pu)
{
	int err = usb_lock_device_for_reset(pu->udev, pu->intf);

	if (err)
		return err;
	err = usb_reset_device(pu->udev);
	usb_unlock_device(pu->udev);
	return err;
}

/* Nothing is in flight (struct portdp_transport_ops); may sleep. */
static int portdp_usb_reset(struct portdp_dev *pd)
{
	struct portdp_usb *pu = pd->transport;
	unsigned int i;
	int err;

	if (READ_ONCE(pu->gone))
		return -ENODEV;
	WRITE_ONCE(pu->in_reset, true);
	portdp_usb_stop(pu);
	err = portdp_usb_handshake(pu);
	/*
	 * A hung card times out: a port reset would not help, the retry will.
	 * One port reset per failure streak, so a dead card does not
	 * re-enumerate every retry_ms.
	 */
	if (err && err != -ETIMEDOUT && err != -ENODEV && err != -EPROTO &&
	    !pu->port_reset_tried && !READ_ONCE(pu->gone)) {
		dev_warn(&pu->intf->dev, "card reset failed (%d), resetting the port\n", err);
		pu->port_reset_tried = true;
		err = portdp_usb_port_reset(pu);
		if (!err)
			err = portdp_usb_handshake(pu);
	}
	if (!err)
		pu->port_reset_tried = false;
	if (!err) {
		WRITE_ONCE(pu->running, true);
		for (i = 0; i < pu->nrx && !err; i++)
			err = portdp_usb_post(pu, &pu->rx[i], GFP_KERNEL);
		if (err)
			portdp_usb_stop(pu);
	}
	WRITE_ONCE(pu->in_reset, false);
	if (err)
		return err;
	/* A card whose self-test failed says so in INFO: reachable, to diagnose. */
	return le32_to_cpu(pu->uinfo.flags) & PDC_USB_INFO_FAILED ? PORTDP_RESET_FAILED : 0;
}

static const char *portdp_usb_link_speed(struct portdp_dev *pd)
{
	struct portdp_usb *pu = pd->transport;

	return usb_speed_string(pu->udev->speed);
}

static void portdp_usb_link_counts(struct portdp_dev *pd, u64 *plugs, u64 *unplugs)
{
	*plugs = atomic64_read(&portdp_usb_plugs);
	*unplugs = atomic64_read(&portdp_usb_unplugs);
}

static const struct portdp_transport_ops portdp_usb_ops = {
	.name = "usb",
	.start = portdp_usb_start,
	.reset = portdp_usb_reset,
	.link_speed = portdp_usb_link_speed,
	.link_counts = portdp_usb_link_counts,
};

static void portdp_usb_free_urbs(struct portdp_usb *pu)
{
	int i;

	for (i = 0; i < PORTDP_MAX_INFLIGHT; i++) {
		if (pu->out_urb[i])
			kfree(pu->out_urb[i]->transfer_buffer);
		usb_free_urb(pu->out_urb[i]);
		if (pu->rx[i].urb)
			kfree(pu->rx[i].urb->transfer_buffer);
		usb_free_urb(pu->rx[i].urb);
	}
}

static int portdp_usb_alloc_urbs(struct portdp_usb *pu)
{
	void *buf;
	int i;

	for (i = 0; i < PORTDP_MAX_INFLIGHT; i++) {
		pu->out_urb[i] = usb_alloc_urb(0, GFP_KERNEL);
		pu->rx[i].urb = usb_alloc_urb(0, GFP_KERNEL);
		if (!pu->out_urb[i] || !pu->rx[i].urb)
			return -ENOMEM;
		buf = kmalloc(PDC_MAX_MSG, GFP_KERNEL);
		if (!buf)
			return -ENOMEM;
		/* a message that ends on a packet boundary ends with a ZLP */
		usb_fill_bulk_urb(pu->out_urb[i], pu->udev, pu->pipe_out, buf, PDC_MAX_MSG,
				  portdp_usb_out_done, pu);
		pu->out_urb[i]->transfer_flags |= URB_ZERO_PACKET;
		buf = kmalloc(PDC_MAX_MSG, GFP_KERNEL);
		if (!buf)
			return -ENOMEM;
		usb_fill_bulk_urb(pu->rx[i].urb, pu->udev, pu->pipe_in, buf, PDC_MAX_MSG,
				  portdp_usb_in_done, &pu->rx[i]);
		pu->rx[i].pu = pu;
		INIT_LIST_HEAD(&pu->rx[i].node);
	}
	pu->nrx = PORTDP_MAX_INFLIGHT;
	return 0;
}

static int portdp_usb_probe(struct usb_interface *intf, const struct usb_device_id *id)
{
	struct usb_endpoint_descriptor *in, *out;
	struct portdp_usb *pu;
	int err;

	err = usb_find_common_endpoints(intf->cur_altsetting, &in, &out, NULL, NULL);
	if (err) {
		dev_err(&intf->dev, "no bulk IN and OUT endpoints\n");
		return -ENODEV;
	}
	pu = kzalloc(sizeof(*pu), GFP_KERNEL);
	if (!pu)
		return -ENOMEM;
	pu->udev = usb_get_dev(interface_to_usbdev(intf));
	pu->intf = intf;
	pu->ifnum = intf->cur_altsetting->desc.bInterfaceNumber;
	pu->pipe_in = usb_rcvbulkpipe(pu->udev, usb_endpoint_num(in));
	pu->pipe_out = usb_sndbulkpipe(pu->udev, usb_endpoint_num(out));
	init_usb_anchor(&pu->out_anchor);
	init_usb_anchor(&pu->in_anchor);
	spin_lock_init(&pu->rx_lock);
	INIT_LIST_HEAD(&pu->rx_done);
	INIT_WORK(&pu->rx_work, portdp_usb_rx_fn);
	INIT_DELAYED_WORK(&pu->recover_work, portdp_usb_recover_fn);
	err = portdp_usb_alloc_urbs(pu);
	if (err)
		goto free;
	pu->pd = portdp_dev_alloc(&intf->dev, &portdp_usb_ops, pu);
	if (!pu->pd) {
		err = -ENOMEM;
		goto free;
	}
	usb_set_intfdata(intf, pu);
	err = portdp_dev_register(pu->pd);
	if (err)
		goto put_dev;
	atomic64_inc(&portdp_usb_plugs);
	dev_info(&intf->dev, "%s: %s over USB (%s), state %s\n", pu->pd->name,
		 pu->pd->have_info ? pu->pd->info.fw_name : "no card yet",
		 usb_speed_string(pu->udev->speed), portdp_state_name(pu->pd->state));
	return 0;

put_dev:
	usb_set_intfdata(intf, NULL);
	portdp_usb_stop(pu);
	portdp_dev_put(pu->pd);
free:
	portdp_usb_free_urbs(pu);
	usb_put_dev(pu->udev);
	kfree(pu);
	return err;
}

/*
 * The cable went (or the driver unbinds): fail everything with -ENODEV
 * within the core, stop the data path, free the URBs. Open files hold the
 * core's device until their last close.
 */
static void portdp_usb_disconnect(struct usb_interface *intf)
{
	struct portdp_usb *pu = usb_get_intfdata(intf);

	WRITE_ONCE(pu->gone, true);
	cancel_delayed_work_sync(&pu->recover_work);
	portdp_dev_unregister(pu->pd);
	portdp_usb_stop(pu);
	cancel_delayed_work_sync(&pu->recover_work);
	usb_set_intfdata(intf, NULL);
	atomic64_inc(&portdp_usb_unplugs);
	dev_info(&intf->dev, "%s: card unplugged\n", pu->pd->name);
	portdp_dev_put(pu->pd);
	portdp_usb_free_urbs(pu);
	usb_put_dev(pu->udev);
	kfree(pu);
}

/* Someone else reset the port (ours runs inside portdp_usb_reset()). */
static int portdp_usb_pre_reset(struct usb_interface *intf)
{
	struct portdp_usb *pu = usb_get_intfdata(intf);

	if (!READ_ONCE(pu->in_reset))
		portdp_usb_stop(pu);
	return 0;
}

static int portdp_usb_post_reset(struct usb_interface *intf)
{
	struct portdp_usb *pu = usb_get_intfdata(intf);

	if (!READ_ONCE(pu->in_reset))
		portdp_card_restarted(pu->pd);
	return 0;
}

/*
 * Suspend: refused while requests are in flight on autosuspend; a system
 * suspend stops the data path and the card is reset on resume (its
 * sessions close; key slots persist).
 */
static int portdp_usb_suspend(struct usb_interface *intf, pm_message_t msg)
{
	struct portdp_usb *pu = usb_get_intfdata(intf);

	if (PMSG_IS_AUTO(msg) && READ_ONCE(pu->pd->inflight))
		return -EBUSY;
	portdp_usb_stop(pu);
	return 0;
}

static int portdp_usb_resume(struct usb_interface *intf)
{
	struct portdp_usb *pu = usb_get_intfdata(intf);

	portdp_card_restarted(pu->pd);
	return 0;
}

static const struct usb_device_id portdp_usb_ids[] = {
	{ USB_DEVICE_AND_INTERFACE_INFO(PDC_USB_VID, PDC_USB_PID, USB_CLASS_VENDOR_SPEC,
					PDC_USB_SUBCLASS, PDC_USB_PROTOCOL) },
	{ }
};
MODULE_DEVICE_TABLE(usb, portdp_usb_ids);

static struct usb_driver portdp_usb_driver = {
	.name = PORTDP_NAME,
	.id_table = portdp_usb_ids,
	.probe = portdp_usb_probe,
	.disconnect = portdp_usb_disconnect,
	.pre_reset = portdp_usb_pre_reset,
	.post_reset = portdp_usb_post_reset,
	.suspend = portdp_usb_suspend,
	.resume = portdp_usb_resume,
	.reset_resume = portdp_usb_resume,
	.supports_autosuspend = 0,
	.soft_unbind = 0,
};

int portdp_usb_init(void)
{
	return usb_register(&portdp_usb_driver);
}

void portdp_usb_exit(void)
{
	usb_deregister(&portdp_usb_driver);
}
