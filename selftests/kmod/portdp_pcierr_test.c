// SPDX-License-Identifier: GPL-2.0
/*
 * portdp_pcierr_test.c - drives the PCI driver's .shutdown and error
 * handlers the way the PCI core does, for selftests/portdp_pcierr_test.
 * QEMU's ivshmem has no AER capability (aer_inject refuses it) and a real
 * reboot ends the guest, so the test calls the handlers itself, with the
 * device lock held as the AER core and device_shutdown() hold it. Writing
 * a step to the parameter "step" runs it on the first function bound to
 * portdp_accel: "frozen" or "perm_failure" (error_detected with that
 * channel state), "slot_reset", "resume", "shutdown". The parameter
 * "result" then reads the handler's answer: "need_reset", "disconnect",
 * "recovered", "done", or "error: why".
 */
#include <linux/device.h>
#include <linux/module.h>
#include <linux/pci.h>

static char result[64] = "not run";
module_param_string(result, result, sizeof(result), 0444);
MODULE_PARM_DESC(result, "the answer of the last step");

static const char *ppt_ers_name(pci_ers_result_t r)
{
	switch (r) {
	case PCI_ERS_RESULT_NEED_RESET:
		return "need_reset";
	case PCI_ERS_RESULT_DISCONNECT:
		return "disconnect";
	case PCI_ERS_RESULT_RECOVERED:
		return "recovered";
	case PCI_ERS_RESULT_CAN_RECOVER:
		return "can_recover";
	default:
		return "other";
	}
}

/* The first PCI function portdp_accel is bound to, with a reference. */
static struct pci_dev *ppt_find(void)
{
	struct pci_dev *pdev = NULL;

	for_each_pci_dev(pdev)
		if (pdev->driver && !strcmp(pdev->driver->name, "portdp_accel"))
			return pdev;
	return NULL;
}

static int ppt_step(const char *val, const struct kernel_param *kp)
{
	const struct pci_error_handlers *eh;
	struct pci_dev *pdev;
	const char *r = NULL;

	pdev = ppt_find();
	if (!pdev) {
		strscpy(result, "error: no function bound to portdp_accel", sizeof(result));
		return 0;
	}
	device_lock(&pdev->dev);
	eh = pdev->driver ? pdev->driver->err_handler : NULL;
	if (!pdev->driver) {
		r = "error: unbound meanwhile";
	} else if (sysfs_streq(val, "shutdown")) {
		if (pdev->driver->shutdown) {
			pdev->driver->shutdown(pdev);
			r = "done";
		}
	} else if (!eh) {
		r = "error: no error handlers";
	} else if (sysfs_streq(val, "frozen") && eh->error_detected) {
		r = ppt_ers_name(eh->error_detected(pdev, pci_channel_io_frozen));
	} else if (sysfs_streq(val, "perm_failure") && eh->error_detected) {
		r = ppt_ers_name(eh->error_detected(pdev, pci_channel_io_perm_failure));
	} else if (sysfs_streq(val, "slot_reset") && eh->slot_reset) {
		r = ppt_ers_name(eh->slot_reset(pdev));
	} else if (sysfs_streq(val, "resume") && eh->resume) {
		eh->resume(pdev);
		r = "done";
	}
	device_unlock(&pdev->dev);
	pci_dev_put(pdev);
	strscpy(result, r ?: "error: no such handler", sizeof(result));
	return 0;
}

static const struct kernel_param_ops ppt_step_ops = {
	.set = ppt_step,
};
module_param_cb(step, &ppt_step_ops, NULL, 0200);
MODULE_PARM_DESC(step, "run one handler: frozen, perm_failure, slot_reset, resume, shutdown");

static int __init ppt_init(void)
{
	return 0;
}
module_init(ppt_init);

static void __exit ppt_exit(void)
{
}
module_exit(ppt_exit);

MODULE_DESCRIPTION("portdp_accel test: PCI shutdown and error handlers");
MODULE_LICENSE("GPL");
