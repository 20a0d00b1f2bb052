/*
 * Xen platform device: ROM lock stub for builds without Xen's libraries
 * (never called: QEMU cannot attach to Xen in such a build)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "xen-platform-internal.h"
#include "xen-platform-xen.h"

void xen_platform_xen_set_rom_lock(XenPlatformState *s, bool locked)
{
    g_assert_not_reached();
}
