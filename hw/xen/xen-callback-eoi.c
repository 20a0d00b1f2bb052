/*
 * EOIs reported to the emulated Xen event-channel callback: the hook
 *
 * Lives in common code because the 8259 does; see xen-callback-eoi.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "hw/xen/xen-callback-eoi.h"

void (*xen_callback_eoi_hook)(void);
