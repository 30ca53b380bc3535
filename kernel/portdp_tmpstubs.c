// SPDX-License-Identifier: GPL-2.0
#include "portdp.h"
int portdp_ecdh_register(void) { return 0; }
void portdp_ecdh_unregister(void) { }
int portdp_ecdsa_register(void) { return 0; }
void portdp_ecdsa_unregister(void) { }
