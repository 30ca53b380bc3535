// SPDX-License-Identifier: GPL-2.0
/*
 * portdp_sysfs.c - read-only attributes of /sys/class/misc/portdp-accelN
 * (documented in docs/ABI-sysfs-portdp-accel): card identity, device state,
 * queue, error counters, key slots, and one counter per card command.
 */
#include <linux/device.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include "portdp.h"

static struct portdp_dev *to_portdp(struct device *dev)
{
	struct miscdevice *misc = dev_get_drvdata(dev);

	return container_of(misc, struct portdp_dev, misc);
}

static ssize_t fw_version_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct portdp_dev *pd = to_portdp(dev);
	u32 v = le32_to_cpu(pd->info.fw_version);

	if (!pd->have_info)
		return -ENODEV;
	return sysfs_emit(buf, "%u.%u.%u %s\n", v >> 16, (v >> 8) & 0xff, v & 0xff,
			  pd->info.fw_name);
}
static DEVICE_ATTR_RO(fw_version);

/* The card's protocol version "major.minor" (minor counts added commands). */
static ssize_t proto_version_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct portdp_dev *pd = to_portdp(dev);

	if (!pd->have_info)
		return -ENODEV;
	return sysfs_emit(buf, "%u.%u\n", le32_to_cpu(pd->info.proto_version),
			  le16_to_cpu(pd->info.proto_minor));
}
static DEVICE_ATTR_RO(proto_version);

static ssize_t serial_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct portdp_dev *pd = to_portdp(dev);

	if (!pd->have_info)
		return -ENODEV;
	return sysfs_emit(buf, "%*phN\n", (int)sizeof(pd->info.serial), pd->info.serial);
}
static DEVICE_ATTR_RO(serial);

static ssize_t state_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", portdp_state_name(READ_ONCE(to_portdp(dev)->state)));
}
static DEVICE_ATTR_RO(state);

static ssize_t transport_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", to_portdp(dev)->ops->name);
}
static DEVICE_ATTR_RO(transport);

static ssize_t queue_depth_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(to_portdp(dev)->max_inflight));
}
static DEVICE_ATTR_RO(queue_depth);

static ssize_t inflight_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct portdp_dev *pd = to_portdp(dev);

	return sysfs_emit(buf, "%u %u\n", READ_ONCE(pd->inflight), READ_ONCE(pd->backlog_len));
}
static DEVICE_ATTR_RO(inflight);

#define PORTDP_STAT_ATTR(field)							\
static ssize_t field##_show(struct device *dev, struct device_attribute *attr,	\
			    char *buf)						\
{										\
	return sysfs_emit(buf, "%llu\n", READ_ONCE(to_portdp(dev)->stats.field));	\
}										\
static DEVICE_ATTR_RO(field)

PORTDP_STAT_ATTR(completed);
PORTDP_STAT_ATTR(errors);
PORTDP_STAT_ATTR(timeouts);
PORTDP_STAT_ATTR(resets);
PORTDP_STAT_ATTR(card_restarts);

static ssize_t key_slots_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct portdp_dev *pd = to_portdp(dev);

	if (!pd->have_info)
		return -ENODEV;
	return sysfs_emit(buf, "%u\n", le16_to_cpu(pd->info.key_slots));
}
static DEVICE_ATTR_RO(key_slots);

/*
 * Asks the card (KEY_LIST): the slots that hold a key, as a bitmap list.
 * Root only: every read is a card command.
 */
static ssize_t key_slots_used_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct portdp_dev *pd = to_portdp(dev);
	const struct pdc_key_list_resp *kl;
	struct portdp_req *req;
	unsigned long used;
	ssize_t ret;

	req = portdp_req_alloc(PDC_OP_KEY_LIST, 0, sizeof(*kl), GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	ret = portdp_exec(pd, req);
	if (!ret && portdp_resp_body_len(req) != sizeof(*kl))
		ret = -EIO;
	if (!ret) {
		kl = portdp_resp_body(req);
		used = le32_to_cpu(kl->used);
		ret = sysfs_emit(buf, "%*pbl\n", PORTDP_KEY_SLOTS, &used);
	}
	portdp_req_free(req);
	return ret;
}
static DEVICE_ATTR_ADMIN_RO(key_slots_used);

/* Hot-pluggable links (USB): speed, and plug/unplug counts of the driver's life. */
static ssize_t link_speed_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct portdp_dev *pd = to_portdp(dev);

	return sysfs_emit(buf, "%s\n", pd->ops->link_speed(pd));
}
static DEVICE_ATTR_RO(link_speed);

static ssize_t link_plugs_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct portdp_dev *pd = to_portdp(dev);
	u64 plugs, unplugs;

	pd->ops->link_counts(pd, &plugs, &unplugs);
	return sysfs_emit(buf, "%llu\n", plugs);
}
static DEVICE_ATTR_RO(link_plugs);

static ssize_t link_unplugs_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct portdp_dev *pd = to_portdp(dev);
	u64 plugs, unplugs;

	pd->ops->link_counts(pd, &plugs, &unplugs);
	return sysfs_emit(buf, "%llu\n", unplugs);
}
static DEVICE_ATTR_RO(link_unplugs);

static struct attribute *portdp_attrs[] = {
	&dev_attr_fw_version.attr,
	&dev_attr_proto_version.attr,
	&dev_attr_serial.attr,
	&dev_attr_state.attr,
	&dev_attr_transport.attr,
	&dev_attr_queue_depth.attr,
	&dev_attr_inflight.attr,
	&dev_attr_completed.attr,
	&dev_attr_errors.attr,
	&dev_attr_timeouts.attr,
	&dev_attr_resets.attr,
	&dev_attr_card_restarts.attr,
	&dev_attr_key_slots.attr,
	&dev_attr_key_slots_used.attr,
	&dev_attr_link_speed.attr,
	&dev_attr_link_plugs.attr,
	&dev_attr_link_unplugs.attr,
	NULL
};

static umode_t portdp_attr_visible(struct kobject *kobj, struct attribute *a, int n)
{
	struct portdp_dev *pd = to_portdp(kobj_to_dev(kobj));

	if (a == &dev_attr_link_speed.attr && !pd->ops->link_speed)
		return 0;
	if ((a == &dev_attr_link_plugs.attr || a == &dev_attr_link_unplugs.attr) &&
	    !pd->ops->link_counts)
		return 0;
	return a->mode;
}

static const struct attribute_group portdp_group = {
	.attrs = portdp_attrs,
	.is_visible = portdp_attr_visible,
};

/* counters/<command>: requests of that kind sent to the card. */
struct portdp_op_attr {
	struct device_attribute attr;
	u16 opcode;
};

static ssize_t op_counter_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	struct portdp_op_attr *oa = container_of(attr, struct portdp_op_attr, attr);

	return sysfs_emit(buf, "%llu\n", READ_ONCE(to_portdp(dev)->stats.submitted[oa->opcode]));
}

#define PORTDP_OP_ATTR(_name, _op) \
	static struct portdp_op_attr op_attr_##_name = { \
		.attr = __ATTR(_name, 0444, op_counter_show, NULL), .opcode = _op }

PORTDP_OP_ATTR(get_info, PDC_OP_GET_INFO);
PORTDP_OP_ATTR(self_test, PDC_OP_SELF_TEST);
PORTDP_OP_ATTR(get_counters, PDC_OP_GET_COUNTERS);
PORTDP_OP_ATTR(random, PDC_OP_RANDOM);
PORTDP_OP_ATTR(key_generate, PDC_OP_KEY_GENERATE);
PORTDP_OP_ATTR(key_get_public, PDC_OP_KEY_GET_PUBLIC);
PORTDP_OP_ATTR(key_destroy, PDC_OP_KEY_DESTROY);
PORTDP_OP_ATTR(key_list, PDC_OP_KEY_LIST);
PORTDP_OP_ATTR(stock_key_generate, PDC_OP_STOCK_KEY_GENERATE);
PORTDP_OP_ATTR(stock_wrap, PDC_OP_STOCK_WRAP);
PORTDP_OP_ATTR(ecdsa_sign, PDC_OP_ECDSA_SIGN);
PORTDP_OP_ATTR(ecdsa_verify, PDC_OP_ECDSA_VERIFY);
PORTDP_OP_ATTR(ecdh_slot, PDC_OP_ECDH_SLOT);
PORTDP_OP_ATTR(session_create, PDC_OP_SESSION_CREATE);
PORTDP_OP_ATTR(bsp_seal, PDC_OP_BSP_SEAL);
PORTDP_OP_ATTR(session_replace_keys, PDC_OP_SESSION_REPLACE_KEYS);
PORTDP_OP_ATTR(session_close, PDC_OP_SESSION_CLOSE);
PORTDP_OP_ATTR(upp_open, PDC_OP_UPP_OPEN);
PORTDP_OP_ATTR(upp_data, PDC_OP_UPP_DATA);
PORTDP_OP_ATTR(upp_finish, PDC_OP_UPP_FINISH);
PORTDP_OP_ATTR(upp_seal, PDC_OP_UPP_SEAL);
PORTDP_OP_ATTR(reseal_open, PDC_OP_RESEAL_OPEN);
PORTDP_OP_ATTR(reseal_data, PDC_OP_RESEAL_DATA);
PORTDP_OP_ATTR(reseal_finish, PDC_OP_RESEAL_FINISH);
PORTDP_OP_ATTR(reseal_abort, PDC_OP_RESEAL_ABORT);
PORTDP_OP_ATTR(ecdh_raw_public, PDC_OP_ECDH_RAW_PUBLIC);
PORTDP_OP_ATTR(ecdh_raw_shared, PDC_OP_ECDH_RAW_SHARED);
PORTDP_OP_ATTR(aes_cbc, PDC_OP_AES_CBC);
PORTDP_OP_ATTR(aes_cmac, PDC_OP_AES_CMAC);

static struct attribute *portdp_op_attrs[] = {
	&op_attr_get_info.attr.attr,
	&op_attr_self_test.attr.attr,
	&op_attr_get_counters.attr.attr,
	&op_attr_random.attr.attr,
	&op_attr_key_generate.attr.attr,
	&op_attr_key_get_public.attr.attr,
	&op_attr_key_destroy.attr.attr,
	&op_attr_key_list.attr.attr,
	&op_attr_stock_key_generate.attr.attr,
	&op_attr_stock_wrap.attr.attr,
	&op_attr_ecdsa_sign.attr.attr,
	&op_attr_ecdsa_verify.attr.attr,
	&op_attr_ecdh_slot.attr.attr,
	&op_attr_session_create.attr.attr,
	&op_attr_bsp_seal.attr.attr,
	&op_attr_session_replace_keys.attr.attr,
	&op_attr_session_close.attr.attr,
	&op_attr_upp_open.attr.attr,
	&op_attr_upp_data.attr.attr,
	&op_attr_upp_finish.attr.attr,
	&op_attr_upp_seal.attr.attr,
	&op_attr_reseal_open.attr.attr,
	&op_attr_reseal_data.attr.attr,
	&op_attr_reseal_finish.attr.attr,
	&op_attr_reseal_abort.attr.attr,
	&op_attr_ecdh_raw_public.attr.attr,
	&op_attr_ecdh_raw_shared.attr.attr,
	&op_attr_aes_cbc.attr.attr,
	&op_attr_aes_cmac.attr.attr,
	NULL
};

static const struct attribute_group portdp_op_group = {
	.name = "counters",
	.attrs = portdp_op_attrs,
};

const struct attribute_group *portdp_groups[] = {
	&portdp_group,
	&portdp_op_group,
	NULL
};
