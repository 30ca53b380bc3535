// SPDX-License-Identifier: GPL-2.0
#include <linux/module.h>
static int __init portdp_init(void) { return 0; }
static void __exit portdp_exit(void) { }
module_init(portdp_init);
module_exit(portdp_exit);
MODULE_LICENSE("GPL");
