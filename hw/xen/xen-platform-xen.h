/*
 * Xen platform device: the parts that need Xen's own libraries
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_XEN_XEN_PLATFORM_XEN_H
#define HW_XEN_XEN_PLATFORM_XEN_H

void xen_platform_xen_set_rom_lock(XenPlatformState *s, bool locked);

#endif
