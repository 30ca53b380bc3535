// SPDX-License-Identifier: GPL-2.0
/*
 * portdp_pci.c - PCIe transport: the card behind QEMU's ivshmem-doorbell
 * device. BAR0 holds the doorbell, BAR2 the control block, the two rings
 * and the payload area (include/card/portdp_card.h); the card raises
 * MSI-X vector 0 for completions and vector 1 for state changes.
 */
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/random.h>
#include "portdp.h"

#define IVSHMEM_VENDOR		0x1af4
#define IVSHMEM_DEVICE		0x1110
#define IVSHMEM_DOORBELL	0x0c
#define PORTDP_BAR_REGS		0
#define PORTDP_BAR_SHM		2
#define PORTDP_CARD_PEER	0
#define PORTDP_RESET_WAIT_MS	1000

#define CTRL(f)			offsetof(struct pdc_ctrl, f)

/**
 * struct portdp_pci - one ivshmem-doorbell function.
 * @pdev:      the PCI function.
 * @pd:        the core's device.
 * @regs:      BAR0 (doorbell).
 * @shm:       BAR2 (control block, rings, payload).
 * @shm_len:   size of BAR2.
 * @req_prod:  next request index; changed under pd->lock only.
 * @cpl_cons:  next completion index; changed by the completion thread only
 *             (one IRQ thread, so it needs no lock).
 * @generation: card generation seen at the last reset.
 * @reset_cookie: last reset_req written.
 * @event_idx: the card honours notification hints (portdp_card.h, struct
 *             pdc_ctrl) and we asked for them at the last reset.
 * @synced:    the first reset handshake succeeded; until then the rings and
 *             the generation belong to whoever used the card before (a
 *             previous driver instance), and MSI-X messages it left pending
 *             arrive the moment our vectors are unmasked: ignore them.
 * @resetting: our reset handshake is running: the generation it bumps is
 *             not a card restart.
 * @nvec:      MSI-X vectors in use (1 or 2).
 * @down:      shut down (.shutdown or a permanent PCI error): the core's
 *             device is unregistered and the vectors are freed; remove
 *             only drops the reference.
 */
struct portdp_pci {
	struct pci_dev *pdev;
	struct portdp_dev *pd;
	void __iomem *regs;
	void __iomem *shm;
	resource_size_t shm_len;
	u32 req_prod;
	u32 cpl_cons;
	u32 generation;
	u32 reset_cookie;
	bool event_idx;
	bool synced;
	bool resetting;
	int nvec;
	bool down;
};

static u32 shm_read(struct portdp_pci *pp, unsigned int off)
{
	return ioread32(pp->shm + off);
}

static void shm_write(struct portdp_pci *pp, unsigned int off, u32 val)
{
	iowrite32(val, pp->shm + off);
}

static void portdp_pci_ring(struct portdp_pci *pp)
{
	iowrite32((PORTDP_CARD_PEER << 16) | PDC_DB_VEC_REQUEST, pp->regs + IVSHMEM_DOORBELL);
}

static size_t portdp_pci_slot_off(int slot)
{
	return PDC_BAR2_PAYLOAD + (size_t)slot * PDC_MAX_MSG;
}

/* Called with pd->lock held (see struct portdp_transport_ops). */
static void portdp_pci_start(struct portdp_dev *pd, struct portdp_req *req)
{
	struct portdp_pci *pp = pd->transport;
	size_t off = portdp_pci_slot_off(req->slot);
	void __iomem *ent;
	u32 old = pp->req_prod;

	memcpy_toio(pp->shm + off, req->msg, req->msg_len);
	ent = pp->shm + PDC_BAR2_REQ_RING +
	      (pp->req_prod % PDC_RING_ENTRIES) * sizeof(struct pdc_ring_req);
	iowrite32(req->tag, ent + offsetof(struct pdc_ring_req, tag));
	iowrite16(req->opcode, ent + offsetof(struct pdc_ring_req, opcode));
	iowrite16(0, ent + offsetof(struct pdc_ring_req, flags));
	iowrite32(off, ent + offsetof(struct pdc_ring_req, req_off));
	iowrite32(req->msg_len, ent + offsetof(struct pdc_ring_req, req_len));
	iowrite32(off, ent + offsetof(struct pdc_ring_req, resp_off));
	iowrite32(PDC_MAX_MSG, ent + offsetof(struct pdc_ring_req, resp_cap));
	/* The entry and the message must be visible before the index. */
	wmb();
	pp->req_prod++;
	shm_write(pp, CTRL(req_prod), pp->req_prod);
	if (pp->event_idx) {
		/*
		 * A card still at work takes the request without a doorbell.
		 * Full barrier: req_prod out before req_event in (the card
		 * stores req_event, then reads req_prod).
		 */
		mb();
		if (!pdc_need_event(shm_read(pp, CTRL(req_event)), pp->req_prod, old))
			return;
	}
	portdp_pci_ring(pp);
}

/* Hands every published completion to the core; returns how many. */
static unsigned int portdp_pci_reap(struct portdp_pci *pp, u32 prod)
{
	unsigned int n = 0;
	u32 tag, len, off;
	void __iomem *ent;
	u16 status;

	while (pp->cpl_cons != prod) {
		ent = pp->shm + PDC_BAR2_CPL_RING +
		      (pp->cpl_cons % PDC_RING_ENTRIES) * sizeof(struct pdc_ring_cpl);
		tag = ioread32(ent + offsetof(struct pdc_ring_cpl, tag));
		status = ioread16(ent + offsetof(struct pdc_ring_cpl, status));
		len = ioread32(ent + offsetof(struct pdc_ring_cpl, resp_len));
		pp->cpl_cons++;
		shm_write(pp, CTRL(cpl_cons), pp->cpl_cons);
		off = portdp_pci_slot_off(tag & 0xff);
		if ((tag & 0xff) >= PORTDP_MAX_INFLIGHT || len > PDC_MAX_MSG)
			portdp_complete(pp->pd, tag, status, NULL, 0);
		else
			portdp_complete(pp->pd, tag, status, pp->shm + off, len);
		n++;
	}
	return n;
}

static irqreturn_t portdp_pci_cpl_thread(int irq, void *data)
{
	struct portdp_pci *pp = data;
	u32 prod;

	if (!READ_ONCE(pp->synced))
		return IRQ_HANDLED;
	prod = shm_read(pp, CTRL(cpl_prod));
	for (;;) {
		/* Read entries only after the index that publishes them. */
		rmb();
		/* A card that claims more than a ring's worth is broken: recover. */
		if (prod - pp->cpl_cons > PDC_RING_ENTRIES) {
			portdp_card_restarted(pp->pd);
			return IRQ_HANDLED;
		}
		portdp_pci_reap(pp, prod);
		if (!pp->event_idx)
			break;
		/*
		 * Ask for the vector at the next completion, then look again:
		 * what the card published before it saw the request is ours.
		 */
		shm_write(pp, CTRL(cpl_event), pp->cpl_cons);
		/* Full barrier: cpl_event out before cpl_prod in (the card's mirror). */
		mb();
		prod = shm_read(pp, CTRL(cpl_prod));
		if (prod == pp->cpl_cons)
			break;
	}
	return IRQ_HANDLED;
}

static irqreturn_t portdp_pci_state_thread(int irq, void *data)
{
	struct portdp_pci *pp = data;
	u32 gen = shm_read(pp, CTRL(generation));

	/*
	 * Our own reset bumps the generation too; portdp_pci_reset() records
	 * it. Any other bump is the card restarting on its own (its reset_ack
	 * still holds our last cookie then, so the ack tells nothing).
	 */
	if (READ_ONCE(pp->synced) && !READ_ONCE(pp->resetting) &&
	    gen != READ_ONCE(pp->generation))
		portdp_card_restarted(pp->pd);
	return IRQ_HANDLED;
}

static irqreturn_t portdp_pci_single_thread(int irq, void *data)
{
	portdp_pci_state_thread(irq, data);
	return portdp_pci_cpl_thread(irq, data);
}

/* Reset handshake (portdp_card.h, struct pdc_ctrl); nothing is in flight. */
static int portdp_pci_reset(struct portdp_dev *pd)
{
	struct portdp_pci *pp = pd->transport;
	unsigned long end;
	u32 cookie;

	do {
		cookie = get_random_u32();
	} while (!cookie || cookie == pp->reset_cookie);

	spin_lock_bh(&pd->lock);
	pp->req_prod = 0;
	shm_write(pp, CTRL(req_prod), 0);
	/* Hints from the card's next reset on, if it has them (portdp_card.h). */
	pp->event_idx = shm_read(pp, CTRL(card_features)) & PDC_CARD_EVENT_IDX;
	shm_write(pp, CTRL(host_features), pp->event_idx ? PDC_HOST_EVENT_IDX : 0);
	spin_unlock_bh(&pd->lock);
	disable_irq(pci_irq_vector(pp->pdev, 0));
	pp->cpl_cons = 0;
	shm_write(pp, CTRL(cpl_cons), 0);
	shm_write(pp, CTRL(cpl_event), 0);
	WRITE_ONCE(pp->resetting, true);
	WRITE_ONCE(pp->reset_cookie, cookie);
	/* Zeroed indices must be visible before the card sees the cookie. */
	wmb();
	shm_write(pp, CTRL(reset_req), cookie);
	portdp_pci_ring(pp);

	end = jiffies + msecs_to_jiffies(PORTDP_RESET_WAIT_MS);
	/* A card whose self-test failed comes up FAILED: reachable, to diagnose. */
	while (shm_read(pp, CTRL(reset_ack)) != cookie ||
	       (shm_read(pp, CTRL(state)) != PDC_STATE_READY &&
		shm_read(pp, CTRL(state)) != PDC_STATE_FAILED)) {
		if (time_after(jiffies, end)) {
			WRITE_ONCE(pp->resetting, false);
			enable_irq(pci_irq_vector(pp->pdev, 0));
			return -ETIMEDOUT;
		}
		usleep_range(1000, 2000);
	}
	/* Read the generation only after the ack that published it. */
	rmb();
	WRITE_ONCE(pp->generation, shm_read(pp, CTRL(generation)));
	WRITE_ONCE(pp->resetting, false);
	enable_irq(pci_irq_vector(pp->pdev, 0));
	/* version and ring_entries share one 32-bit word. */
	if (shm_read(pp, CTRL(magic)) != PDC_SHM_MAGIC ||
	    shm_read(pp, CTRL(version)) != (PDC_PROTO_VERSION | PDC_RING_ENTRIES << 16)) {
		dev_err(&pp->pdev->dev, "card speaks another protocol\n");
		return -EPROTO;
	}
	WRITE_ONCE(pp->synced, true);
	return shm_read(pp, CTRL(state)) == PDC_STATE_FAILED ? PORTDP_RESET_FAILED : 0;
}

static const struct portdp_transport_ops portdp_pci_ops = {
	.name = "pcie",
	.start = portdp_pci_start,
	.reset = portdp_pci_reset,
};

static int portdp_pci_setup_irqs(struct portdp_pci *pp)
{
	struct pci_dev *pdev = pp->pdev;
	int err;

	pp->nvec = pci_alloc_irq_vectors(pdev, 1, 2, PCI_IRQ_MSIX);
	if (pp->nvec < 0)
		return pp->nvec;
	if (pp->nvec == 1)
		return pci_request_irq(pdev, 0, NULL, portdp_pci_single_thread, pp,
				       "%s", pp->pd->name);
	err = pci_request_irq(pdev, PDC_IRQ_VEC_COMPLETION, NULL, portdp_pci_cpl_thread, pp,
			      "%s-cpl", pp->pd->name);
	if (err)
		return err;
	err = pci_request_irq(pdev, PDC_IRQ_VEC_STATE, NULL, portdp_pci_state_thread, pp,
			      "%s-state", pp->pd->name);
	if (err)
		pci_free_irq(pdev, PDC_IRQ_VEC_COMPLETION, pp);
	return err;
}

static void portdp_pci_free_irqs(struct portdp_pci *pp)
{
	int i;

	for (i = pp->nvec - 1; i >= 0; i--)
		pci_free_irq(pp->pdev, i, pp);
	pci_free_irq_vectors(pp->pdev);
}

static int portdp_pci_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct portdp_pci *pp;
	int err;

	pp = devm_kzalloc(&pdev->dev, sizeof(*pp), GFP_KERNEL);
	if (!pp)
		return -ENOMEM;
	pp->pdev = pdev;

	err = pcim_enable_device(pdev);
	if (err)
		return err;
	err = pcim_iomap_regions(pdev, BIT(PORTDP_BAR_REGS) | BIT(PORTDP_BAR_SHM), PORTDP_NAME);
	if (err)
		return err;
	pp->regs = pcim_iomap_table(pdev)[PORTDP_BAR_REGS];
	pp->shm = pcim_iomap_table(pdev)[PORTDP_BAR_SHM];
	pp->shm_len = pci_resource_len(pdev, PORTDP_BAR_SHM);
	if (pp->shm_len < PDC_BAR2_MIN_SIZE) {
		dev_err(&pdev->dev, "BAR2 too small (%pa)\n", &pp->shm_len);
		return -ENODEV;
	}
	/*
	 * ivshmem-doorbell is a generic device: claim it only when a card of
	 * our protocol sits behind it, and write nothing before we know.
	 */
	if (shm_read(pp, CTRL(magic)) != PDC_SHM_MAGIC) {
		dev_info(&pdev->dev, "no Port-DP card behind this ivshmem device\n");
		return -ENODEV;
	}
	if ((shm_read(pp, CTRL(version)) & 0xffff) != PDC_PROTO_VERSION) {
		dev_err(&pdev->dev, "card speaks protocol %u, the driver %u\n",
			shm_read(pp, CTRL(version)) & 0xffff, PDC_PROTO_VERSION);
		return -ENODEV;
	}
	/* Without bus mastering the MSI-X writes are dropped silently. */
	pci_set_master(pdev);
	/* What slot_reset restores after a PCI error. */
	pci_save_state(pdev);

	pp->pd = portdp_dev_alloc(&pdev->dev, &portdp_pci_ops, pp);
	if (!pp->pd)
		return -ENOMEM;
	err = portdp_pci_setup_irqs(pp);
	if (err)
		goto put_dev;
	pci_set_drvdata(pdev, pp);
	err = portdp_dev_register(pp->pd);
	if (err)
		goto free_irqs;
	dev_info(&pdev->dev, "%s: %s, state %s\n", pp->pd->name,
		 pp->pd->have_info ? pp->pd->info.fw_name : "no card yet",
		 portdp_state_name(pp->pd->state));
	return 0;

free_irqs:
	portdp_pci_free_irqs(pp);
put_dev:
	portdp_dev_put(pp->pd);
	return err;
}

/* No request, node or interrupt left; the card itself is left alone. */
static void portdp_pci_quiesce(struct portdp_pci *pp)
{
	if (pp->down)
		return;
	pp->down = true;
	portdp_dev_unregister(pp->pd);
	portdp_pci_free_irqs(pp);
}

static void portdp_pci_remove(struct pci_dev *pdev)
{
	struct portdp_pci *pp = pci_get_drvdata(pdev);

	portdp_pci_quiesce(pp);
	portdp_dev_put(pp->pd);
}

/*
 * Reboot, power-off or kexec: every request fails (-ENODEV), open files
 * are dead, and the function stops mastering so no MSI-X write of the
 * card reaches the next kernel's memory.
 */
static void portdp_pci_shutdown(struct pci_dev *pdev)
{
	struct portdp_pci *pp = pci_get_drvdata(pdev);

	portdp_pci_quiesce(pp);
	pci_clear_master(pdev);
	dev_info(&pdev->dev, "shut down\n");
}

/*
 * PCI error recovery (AER, DPC, EEH): the link failed. Permanent: the card
 * is gone as if unplugged. Otherwise what was in flight fails with -EIO,
 * new requests wait, and after the slot reset the card gets the reset
 * handshake and serves them.
 */
static pci_ers_result_t portdp_pci_error_detected(struct pci_dev *pdev,
						  pci_channel_state_t state)
{
	struct portdp_pci *pp = pci_get_drvdata(pdev);

	dev_warn(&pdev->dev, "PCI error, channel state %d\n", state);
	if (pp->down)
		return PCI_ERS_RESULT_DISCONNECT;
	if (state == pci_channel_io_perm_failure) {
		portdp_pci_quiesce(pp);
		return PCI_ERS_RESULT_DISCONNECT;
	}
	portdp_dev_freeze(pp->pd);
	return PCI_ERS_RESULT_NEED_RESET;
}

static pci_ers_result_t portdp_pci_slot_reset(struct pci_dev *pdev)
{
	struct portdp_pci *pp = pci_get_drvdata(pdev);

	if (pp->down)
		return PCI_ERS_RESULT_DISCONNECT;
	/* Config space (BARs, MSI-X, bus master) as probe left it. */
	pci_restore_state(pdev);
	pci_save_state(pdev);
	return PCI_ERS_RESULT_RECOVERED;
}

static void portdp_pci_resume(struct pci_dev *pdev)
{
	struct portdp_pci *pp = pci_get_drvdata(pdev);

	if (pp->down)
		return;
	dev_info(&pdev->dev, "recovered from the PCI error, resetting the card\n");
	portdp_dev_thaw(pp->pd);
}

static const struct pci_error_handlers portdp_pci_err_handlers = {
	.error_detected = portdp_pci_error_detected,
	.slot_reset = portdp_pci_slot_reset,
	.resume = portdp_pci_resume,
};

static const struct pci_device_id portdp_pci_ids[] = {
	{ PCI_DEVICE(IVSHMEM_VENDOR, IVSHMEM_DEVICE) },
	{ }
};
MODULE_DEVICE_TABLE(pci, portdp_pci_ids);

static struct pci_driver portdp_pci_driver = {
	.name = PORTDP_NAME,
	.id_table = portdp_pci_ids,
	.probe = portdp_pci_probe,
	.remove = portdp_pci_remove,
	.shutdown = portdp_pci_shutdown,
	.err_handler = &portdp_pci_err_handlers,
};

int portdp_pci_init(void)
{
	return pci_register_driver(&portdp_pci_driver);
}

void portdp_pci_exit(void)
{
	pci_unregister_driver(&portdp_pci_driver);
}
