/* SPDX-License-Identifier: GPL-2.0 */
/*
 * portdp.h - internals of portdp_accel.ko shared by its files: the device,
 * the request, and the transport vtable. Transports (PCIe, USB)
 * move whole card messages; the core owns the request lifecycle.
 */
#ifndef PORTDP_H
#define PORTDP_H

#include <linux/completion.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <card/portdp_card.h>
#include <linux/portdp_accel.h>

#define PORTDP_NAME		"portdp_accel"
#define PORTDP_MAX_INFLIGHT	PDC_RING_ENTRIES
#define PORTDP_MAX_BACKLOG	2048	/* per queue */
#define PORTDP_OPS		0x62	/* counters indexed by opcode & 0x7f */

struct portdp_dev;
struct portdp_req;

typedef void (*portdp_done_t)(struct portdp_req *req);

/**
 * struct portdp_queue - requests of one opener waiting for a slot. Slots go
 * round-robin over the queues that hold requests, so a batch of thousands
 * from one process does not starve another (or the kernel's requests).
 * @reqs:   waiting requests, FIFO.
 * @len:    entries in @reqs.
 * @active: entry in portdp_dev.active while @reqs is not empty.
 * All fields change under portdp_dev.lock.
 */
struct portdp_queue {
	struct list_head reqs;
	unsigned int len;
	struct list_head active;
};

void portdp_queue_init(struct portdp_queue *q);

/**
 * struct portdp_req - one card command from submission to completion.
 * @node:     backlog list entry while waiting for a free slot.
 * @opcode:   PDC_OP_*.
 * @tag:      id on the wire: sequence number << 8 | slot.
 * @slot:     transport slot while in flight.
 * @msg:      request message (header + body), @msg_len bytes.
 * @resp:     response message buffer, @resp_cap bytes; only the first
 *            @resp_len are defined (the card's answer).
 * @err:      0 or negative errno once done.
 * @card_status: the card's PDC_ST_* (0 if the card never answered).
 * @deadline: jiffies after which the request times out.
 * @done:     called once in process context (threaded IRQ or work); may
 *            free the request.
 * @priv:     owner's pointer.
 * @queue:    the opener's queue it waits in for a slot (NULL: the
 *            device's own, for the kernel's requests).
 * @pd:       the card a crypto API request went to (holds a reference).
 * @caps:     PDC_CAP_* a crypto API request needs of its card.
 * @cbase:    a backlogged crypto API request still owed its -EINPROGRESS.
 * @wait:     completion for portdp_exec().
 */
struct portdp_req {
	struct list_head node;
	u16 opcode;
	u32 tag;
	int slot;
	void *msg;
	size_t msg_len;
	void *resp;
	size_t resp_cap;
	size_t resp_len;
	int err;
	u16 card_status;
	unsigned long deadline;
	portdp_done_t done;
	void *priv;
	struct portdp_queue *queue;
	struct portdp_dev *pd;
	u32 caps;
	struct crypto_async_request *cbase;
	struct completion wait;
};

/**
 * struct portdp_transport_ops - what a transport does for the core.
 * @start:   send @req's message; called with pd->lock held, must not sleep.
 * @reset:   bring the card to a clean state (handshake); may sleep, called
 *           without pd->lock and with nothing in flight. 0 (ready),
 *           PORTDP_RESET_FAILED (answers, but its self-test failed) or -errno.
 * @name:    "pcie", "usb".
 */
#define PORTDP_RESET_FAILED	1

struct portdp_transport_ops {
	const char *name;
	void (*start)(struct portdp_dev *pd, struct portdp_req *req);
	int (*reset)(struct portdp_dev *pd);
	/* optional: sysfs link_speed, link_plugs, link_unplugs (hot-pluggable links) */
	const char *(*link_speed)(struct portdp_dev *pd);
	void (*link_counts)(struct portdp_dev *pd, u64 *plugs, u64 *unplugs);
};

/**
 * struct portdp_stats - counters an operator reads in sysfs.
 * All fields change under portdp_dev.lock and are read without it.
 */
struct portdp_stats {
	u64 submitted[PORTDP_OPS];
	u64 completed;
	u64 errors;
	u64 timeouts;
	u64 resets;
	u64 card_restarts;
};

/**
 * struct portdp_dev - one card.
 * @ref:       held by the bus device and by every open file.
 * @lock:      protects @state, @slots, @inflight, @active, @kqueue,
 *             @backlog_len, @seq, @stats and every queue; taken with BH off
 *             (crypto requests may come from softirq).
 * @reset_lock: serialises resets and the info refresh; never held with @lock
 *             taken first.
 * @state:     PORTDP_STATE_*.
 * @slots:     requests in flight by slot, NULL when free.
 * @active:    queues with requests waiting for a slot, in serving order.
 * @kqueue:    the queue of the kernel's own requests (crypto API, sysfs).
 * @backlog_len: requests waiting in all queues.
 * @timeout_work: scans deadlines while anything is in flight.
 * @reset_work:   runs the reset handshake and retries a dead card.
 * @info:      last GET_INFO answer (valid after the first reset).
 * @misc:      /dev/portdp-accelN.
 * @max_inflight: requests the transport takes at once (<= PORTDP_MAX_INFLIGHT);
 *             a transport lowers it from what the card says (under @lock).
 * @hup:       woken when the card goes (poll gets EPOLLHUP | EPOLLERR).
 * @frozen:    the link is in PCI error recovery (portdp_dev_freeze()): no
 *             reset may touch the card until portdp_dev_thaw() (under @lock).
 */
struct portdp_dev {
	struct kref ref;
	struct device *parent;
	int id;
	char name[24];
	spinlock_t lock;		/* see @lock above */
	struct mutex reset_lock;	/* see @reset_lock above */
	int state;
	struct portdp_req *slots[PORTDP_MAX_INFLIGHT];
	unsigned int inflight;
	struct list_head active;
	struct portdp_queue kqueue;
	unsigned int backlog_len;
	u32 seq;
	struct portdp_stats stats;
	struct delayed_work timeout_work;
	struct delayed_work reset_work;
	struct pdc_info info;
	bool have_info;
	struct list_head list_node;
	const struct portdp_transport_ops *ops;
	void *transport;
	struct miscdevice misc;
	unsigned int max_inflight;
	wait_queue_head_t hup;
	bool frozen;
};

/* portdp_core.c */
struct portdp_dev *portdp_dev_alloc(struct device *parent,
				    const struct portdp_transport_ops *ops,
				    void *transport);
int portdp_dev_register(struct portdp_dev *pd);
void portdp_dev_unregister(struct portdp_dev *pd);
void portdp_dev_put(struct portdp_dev *pd);
void portdp_dev_get(struct portdp_dev *pd);
void portdp_complete(struct portdp_dev *pd, u32 tag, u16 status,
		     const void __iomem *resp, size_t resp_len);
void portdp_card_restarted(struct portdp_dev *pd);
struct portdp_dev *portdp_dev_pick(u32 caps);
u32 portdp_ready_caps(void);
void portdp_complete_msg(struct portdp_dev *pd, const void *msg, size_t len);
void portdp_set_max_inflight(struct portdp_dev *pd, unsigned int n);
bool portdp_dev_gone(struct portdp_dev *pd);
void portdp_dev_freeze(struct portdp_dev *pd);
void portdp_dev_thaw(struct portdp_dev *pd);
const char *portdp_state_name(int state);
int portdp_status_to_errno(u16 status);

struct portdp_req *portdp_req_alloc(u16 opcode, size_t body_len,
				    size_t resp_body_cap, gfp_t gfp);
struct portdp_req *portdp_req_alloc_data(u16 opcode, size_t fixed_len, size_t data_len,
					 size_t resp_body_cap, gfp_t gfp);
void portdp_req_free(struct portdp_req *req);
static inline void *portdp_req_body(struct portdp_req *req)
{
	return (u8 *)req->msg + sizeof(struct pdc_hdr);
}

static inline const void *portdp_resp_body(const struct portdp_req *req)
{
	return (const u8 *)req->resp + sizeof(struct pdc_hdr);
}

static inline size_t portdp_resp_body_len(const struct portdp_req *req)
{
	return req->resp_len - sizeof(struct pdc_hdr);
}

int portdp_submit(struct portdp_dev *pd, struct portdp_req *req);
int portdp_exec(struct portdp_dev *pd, struct portdp_req *req);

/* portdp_cdev.c */
int portdp_cdev_register(struct portdp_dev *pd);
void portdp_cdev_unregister(struct portdp_dev *pd);

/* portdp_sysfs.c */
extern const struct attribute_group *portdp_groups[];

/*
 * portdp_crypto*.c: each algorithm is registered once a ready card has its
 * capabilities, and stays until module unload (a live tfm pins it).
 */
int portdp_cbc_register(void);
void portdp_cbc_unregister(void);
int portdp_cmac_register(void);
void portdp_cmac_unregister(void);
int portdp_ecdh_register(void);
void portdp_ecdh_unregister(void);
int portdp_ecdsa_register(void);
void portdp_ecdsa_unregister(void);
int portdp_ecdsa_slot_register(void);
void portdp_ecdsa_slot_unregister(void);
void portdp_crypto_register(u32 caps);
void portdp_crypto_unregister(void);
struct crypto_async_request;
gfp_t portdp_crypto_gfp(u32 flags);
int portdp_crypto_submit(struct portdp_req *req, u32 caps, portdp_done_t done, void *priv,
			 struct crypto_async_request *first);
void portdp_crypto_req_end(struct portdp_req *req);
void portdp_crypto_complete(struct crypto_async_request *base, int err);

/*
 * Priorities as virtio-crypto and atmel-ecc choose them: AES stays below
 * AES-NI (300/400) and above the generic C code (100); ECDH and ECDSA sit
 * above the generic code and fall back to it while no card is present. The
 * slot-key ECDSA has a name of its own, so its priority picks nothing.
 */
#define PORTDP_PRIO_AES		150
#define PORTDP_PRIO_ECC		300

/* portdp_pci.c */
int portdp_pci_init(void);
void portdp_pci_exit(void);

/* portdp_usb.c */
int portdp_usb_init(void);
void portdp_usb_exit(void);

#endif /* PORTDP_H */
