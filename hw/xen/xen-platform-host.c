/*
 * Xen platform device: what depends on the hypervisor
 *
 * Three hosts: real Xen (QEMU is the device model of a Xen domain),
 * emulated Xen (QEMU itself plays Xen for the guest, on KVM or TCG), and
 * none (the protocol still works, which is what qtest relies on).
 *
 * ROM lock: under real Xen only the hypervisor can write-protect guest
 * memory (xen-platform-xen.c).  Elsewhere a ROM device holding a copy of
 * 0xc0000-0xfffff is mapped over that range, above the chipset's PAM
 * windows, so that guest writes are dropped as they would be to ROM.
 *
 * Reset: under real Xen, a guest's reboot makes a new domain and a new
 * QEMU; elsewhere the same QEMU goes on, and gives unplugged devices back.
 *
 * Blacklist: Xen's toolstack says which drivers to refuse in xenstore,
 * /mh/driver-blacklist/{product name}/{build}; that works for real and
 * emulated Xen alike.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "exec/address-spaces.h"
#include "hw/xen/xen.h"
#include "hw/xen/xen_backend_ops.h"
#include "xen-platform-internal.h"
#include "xen-platform-xen.h"
#include "trace.h"

/* above the PAM windows (priority 1) of the i440FX and Q35 chipsets */
#define ROM_LOCK_PRIORITY 10

static void rom_lock_write(void *opaque, hwaddr addr, uint64_t val,
                           unsigned size)
{
    /* ROM: the write is dropped, as it is to HVMMEM_ram_ro under Xen */
}

static const MemoryRegionOps rom_lock_ops = {
    .write = rom_lock_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
};

/*
 * The copy is not migrated: loading the flags takes it afresh from the
 * migrated RAM, and a RAM block stock QEMU does not have would keep the
 * stream from loading there.
 */
static void memory_realize(XenPlatformState *s, Error **errp)
{
    memory_region_init_rom_device_nomigrate(&s->rom_lock, OBJECT(s),
                                            &rom_lock_ops, s,
                                            "xen-platform-rom-lock",
                                            XEN_PLATFORM_ROM_AREA_SIZE, errp);
}

/*
 * Lock: copy what the guest sees at 0xc0000-0xfffff into a ROM device
 * and map it over the range; reads and instruction fetches go straight
 * to it, writes are dropped, on every accelerator and for DMA alike.
 */
static void memory_set_rom_lock(XenPlatformState *s, bool locked)
{
    trace_xen_platform_rom_lock(locked);
    if (locked && !s->rom_lock_mapped) {
        address_space_read(&address_space_memory,
                           XEN_PLATFORM_ROM_AREA_START, MEMTXATTRS_UNSPECIFIED,
                           memory_region_get_ram_ptr(&s->rom_lock),
                           XEN_PLATFORM_ROM_AREA_SIZE);
        memory_region_set_dirty(&s->rom_lock, 0, XEN_PLATFORM_ROM_AREA_SIZE);
        memory_region_add_subregion_overlap(get_system_memory(),
                                            XEN_PLATFORM_ROM_AREA_START,
                                            &s->rom_lock, ROM_LOCK_PRIORITY);
        s->rom_lock_mapped = true;
    } else if (!locked && s->rom_lock_mapped) {
        memory_region_del_subregion(get_system_memory(), &s->rom_lock);
        s->rom_lock_mapped = false;
    }
}

static bool xenstore_blacklisted(XenPlatformState *s, uint16_t product,
                                 uint32_t build)
{
    const char *name = xen_platform_product_name(product);
    struct qemu_xs_handle *xsh;
    g_autofree char *path = NULL;
    g_autofree void *val = NULL;
    unsigned int len;

    if (!name) {
        return false;
    }
    xsh = qemu_xen_xs_open();
    if (!xsh) {
        return false;
    }
    path = g_strdup_printf("/mh/driver-blacklist/%s/%u", name, build);
    val = qemu_xen_xs_read(xsh, XBT_NULL, path, &len);
    qemu_xen_xs_close(xsh);
    return val != NULL;
}

static bool never_blacklisted(XenPlatformState *s, uint16_t product,
                              uint32_t build)
{
    return false;
}

static const XenPlatformHostOps host_xen = {
    .name = "xen",
    .set_rom_lock = xen_platform_xen_set_rom_lock,
    .driver_blacklisted = xenstore_blacklisted,
};

static const XenPlatformHostOps host_emulated_xen = {
    .name = "emulated-xen",
    .realize = memory_realize,
    .set_rom_lock = memory_set_rom_lock,
    .driver_blacklisted = xenstore_blacklisted,
    .replug_on_reset = true,
};

static const XenPlatformHostOps host_none = {
    .name = "none",
    .realize = memory_realize,
    .set_rom_lock = memory_set_rom_lock,
    .driver_blacklisted = never_blacklisted,
    .replug_on_reset = true,
};

const XenPlatformHostOps *xen_platform_host_ops(void)
{
    if (xen_mode == XEN_ATTACH) {
        return &host_xen;
    }
    if (xen_mode == XEN_EMULATE) {
        return &host_emulated_xen;
    }
    return &host_none;
}
