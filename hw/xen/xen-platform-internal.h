/*
 * Xen platform PCI device: state shared by hw/xen/xen-platform*.c
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_XEN_XEN_PLATFORM_INTERNAL_H
#define HW_XEN_XEN_PLATFORM_INTERNAL_H

#include "hw/pci/pci_device.h"
#include "hw/xen/xen-platform.h"
#include "hw/xen/xen-guest-log.h"
#include "qom/object.h"

OBJECT_DECLARE_SIMPLE_TYPE(XenPlatformState, XEN_PLATFORM)

/* One blacklist entry: a product number and an inclusive build range */
typedef struct XenBlacklistEntry {
    uint16_t product;
    uint32_t first_build;
    uint32_t last_build;
} XenBlacklistEntry;

/* One unplugged device, and what brings it back (xen-platform-unplug.c) */
typedef struct XenUnplugRecord XenUnplugRecord;

/*
 * What differs between real Xen, emulated Xen (KVM or TCG) and no Xen at
 * all.  Chosen once, at realize.
 */
typedef struct XenPlatformHostOps {
    const char *name;
    /* set up what the host needs, if anything */
    void (*realize)(XenPlatformState *s, Error **errp);
    /* write-protect (or unprotect) the 0xc0000-0xfffff ROM area */
    void (*set_rom_lock)(XenPlatformState *s, bool locked);
    /* the hypervisor's own verdict on a driver, beside the property */
    bool (*driver_blacklisted)(XenPlatformState *s, uint16_t product,
                               uint32_t build);
    /* QEMU outlives the guest's reboot: unplugged devices come back */
    bool replug_on_reset;
} XenPlatformHostOps;

struct XenPlatformState {
    PCIDevice parent_obj;

    MemoryRegion fixed_io;
    MemoryRegion bar0_io;
    MemoryRegion bar1_mmio;
    MemoryRegion rom_lock;       /* ROM copy of the locked area */
    bool rom_lock_mapped;
    const XenPlatformHostOps *host;

    /* Guest-visible state, migrated */
    uint8_t flags;
    uint16_t product;
    uint32_t build;
    bool blacklisted;
    uint16_t unplugged_mask;     /* every unplug class carried out */

    /* What is unplugged now: XenUnplugRecord */
    GPtrArray *unplugged;
    bool unplug_pending;         /* incoming migration: apply at vm start */
    VMChangeStateEntry *vmstate_change;

    /* Configuration */
    char *blacklist_prop;
    GArray *blacklist;           /* of XenBlacklistEntry */
    XenGuestLog log;             /* line_max, rate: properties */
    bool migrate_extra_state;    /* off: streams exactly as stock QEMU's */
};

/* xen-platform-unplug.c */
void xen_platform_unplug(XenPlatformState *s, uint16_t mask,
                         const char *source, bool notify);
void xen_platform_replug_drives(XenPlatformState *s);
void xen_platform_replug_devices(XenPlatformState *s);
void xen_unplug_record_free(gpointer rec);
const char *xen_unplug_record_name(XenUnplugRecord *rec);

/* xen-platform-blacklist.c */
GArray *xen_platform_blacklist_parse(const char *spec, Error **errp);
bool xen_platform_blacklist_match(GArray *list, uint16_t product,
                                  uint32_t build);
const char *xen_platform_product_name(uint16_t product);

/* xen-platform-host.c */
const XenPlatformHostOps *xen_platform_host_ops(void);

#endif
