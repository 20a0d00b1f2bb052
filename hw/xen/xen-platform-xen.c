/*
 * Xen platform device: ROM lock under real Xen
 *
 * The guest's memory belongs to the hypervisor: ask it to make the
 * 0xc0000-0xfffff frames read-only RAM (HVMMEM_ram_ro), or writable again.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "hw/xen/xen_native.h"
#include "xen-platform-internal.h"
#include "xen-platform-xen.h"
#include "trace.h"

void xen_platform_xen_set_rom_lock(XenPlatformState *s, bool locked)
{
    trace_xen_platform_rom_lock(locked);
    if (xen_set_mem_type(xen_domid, locked ? HVMMEM_ram_ro : HVMMEM_ram_rw,
                         XEN_PLATFORM_ROM_AREA_START >> XC_PAGE_SHIFT,
                         XEN_PLATFORM_ROM_AREA_SIZE >> XC_PAGE_SHIFT)) {
        warn_report("xen-platform: cannot %s the ROM area: %s",
                    locked ? "lock" : "unlock", strerror(errno));
    }
}
