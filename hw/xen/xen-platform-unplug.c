/*
 * Xen platform device: unplugging emulated disks and NICs
 *
 * The mask bits (Xen's hvm-emulated-unplug protocol):
 *   bit 0  every emulated IDE disk (PIIX IDE and AHCI alike) and SCSI disk;
 *          never a CD-ROM, never a SCSI passthrough device
 *   bit 1  every emulated PCI NIC; never a passthrough device
 *   bit 2  every IDE disk but the primary master (bus 0, unit 0: on AHCI,
 *          port 0); bit 0 overrides it
 *   bit 3  every NVMe controller, with its namespaces
 *
 * A disk goes only once nothing is in flight on it and it has been
 * flushed, so every write the guest saw complete is in the image.  Its
 * drive is then released: gone from the monitor, not held by anything.
 * Unplugging twice finds nothing left to do.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qapi/qapi-events-xen-platform.h"
#include "hw/ide/ide-dev.h"
#include "hw/ide/ide-bus.h"
#include "hw/pci/pci.h"
#include "system/block-backend.h"
#include "system/blockdev.h"
#include "xen-platform-internal.h"
#include "trace.h"

typedef struct UnplugScan {
    uint16_t mask;
    GPtrArray *ide_disks;       /* IDEDevice * */
    GPtrArray *devices;         /* DeviceState *, removed whole */
} UnplugScan;

static bool is_passthrough(Object *obj)
{
    return object_dynamic_cast(obj, "vfio-pci") ||
           object_dynamic_cast(obj, "xen-pci-passthrough");
}

static bool is_emulated_nic(Object *obj)
{
    PCIDevice *pci = (PCIDevice *)object_dynamic_cast(obj, TYPE_PCI_DEVICE);

    return pci && !is_passthrough(obj) &&
           pci_get_byte(pci->config + PCI_CLASS_DEVICE + 1) ==
               PCI_BASE_CLASS_NETWORK;
}

static int scan_one(Object *obj, void *opaque)
{
    UnplugScan *scan = opaque;
    IDEDevice *ide = (IDEDevice *)object_dynamic_cast(obj, "ide-hd");

    if (!object_dynamic_cast(obj, TYPE_DEVICE) ||
        !DEVICE(obj)->realized) {
        return 0;
    }
    if (ide) {
        IDEBus *bus = IDE_BUS(qdev_get_parent_bus(DEVICE(ide)));
        bool primary_master = bus->bus_id == 0 && ide->unit == 0;

        if (ide->conf.blk &&
            ((scan->mask & XEN_UNPLUG_ALL_DISKS) ||
             ((scan->mask & XEN_UNPLUG_AUX_IDE_DISKS) && !primary_master))) {
            g_ptr_array_add(scan->ide_disks, ide);
        }
    } else if (((scan->mask & XEN_UNPLUG_ALL_DISKS) &&
                object_dynamic_cast(obj, "scsi-hd")) ||
               ((scan->mask & XEN_UNPLUG_NVME_DISKS) &&
                object_dynamic_cast(obj, "nvme")) ||
               ((scan->mask & XEN_UNPLUG_ALL_NICS) && is_emulated_nic(obj))) {
        g_ptr_array_add(scan->devices, obj);
    }
    return 0;
}

/* What the record and the event call a device */
static char *device_name(DeviceState *dev, BlockBackend *blk)
{
    if (dev->id) {
        return g_strdup(dev->id);
    }
    if (blk && *blk_name(blk)) {
        return g_strdup(blk_name(blk));
    }
    return object_get_canonical_path(OBJECT(dev));
}

static bool is_within(DeviceState *dev, DeviceState *ancestor)
{
    while (dev) {
        if (dev == ancestor) {
            return true;
        }
        dev = dev->parent_bus ? dev->parent_bus->parent : NULL;
    }
    return false;
}

/*
 * Let every request in flight on @blk finish and flush it.  A -drive
 * drive leaves the monitor at once, and is deleted with the device that
 * uses it (as when such a device is unplugged), which may have to wait
 * for the device's last reference to go.
 */
static void quiesce_drive(BlockBackend *blk)
{
    int ret;

    blk_drain(blk);
    ret = blk_flush(blk);
    if (ret < 0) {
        error_report("xen-platform: flushing drive '%s' before unplug "
                     "failed: %s", blk_name(blk), strerror(-ret));
    }
    trace_xen_platform_unplug_drive(blk_name(blk), ret);
    blockdev_mark_auto_del(blk);
    if (blk_legacy_dinfo(blk)) {
        monitor_remove_blk(blk);
    }
}

/*
 * IDE devices cannot be removed from their bus; take the drive away
 * instead, and the unit reports no device to the guest from then on.
 */
static char *unplug_ide_disk(IDEDevice *ide)
{
    BlockBackend *blk = ide->conf.blk;
    IDEBus *bus = IDE_BUS(qdev_get_parent_bus(DEVICE(ide)));
    char *name = device_name(DEVICE(ide), blk);

    quiesce_drive(blk);
    blockdev_auto_del(blk);
    blk_detach_dev(blk, DEVICE(ide));
    bus->ifs[ide->unit].blk = NULL;
    ide->conf.blk = NULL;
    return name;
}

static char *unplug_device(DeviceState *dev)
{
    BlockBackend *blk = NULL;
    char *name;

    while ((blk = blk_all_next(blk))) {
        if (is_within(blk_get_attached_dev(blk), dev)) {
            quiesce_drive(blk);
        }
    }
    name = device_name(dev, NULL);
    object_unparent(OBJECT(dev));
    return name;
}

void xen_platform_unplug(XenPlatformState *s, uint16_t mask,
                         const char *source, bool notify)
{
    UnplugScan scan = {
        .mask = mask,
        .ide_disks = g_ptr_array_new(),
        .devices = g_ptr_array_new(),
    };
    strList *removed = NULL, **tail = &removed;

    trace_xen_platform_unplug(source, mask);
    object_child_foreach_recursive(qdev_get_machine(), scan_one, &scan);

    for (guint i = 0; i < scan.ide_disks->len; i++) {
        QAPI_LIST_APPEND(tail, unplug_ide_disk(scan.ide_disks->pdata[i]));
    }
    for (guint i = 0; i < scan.devices->len; i++) {
        QAPI_LIST_APPEND(tail, unplug_device(scan.devices->pdata[i]));
    }
    for (strList *l = removed; l; l = l->next) {
        trace_xen_platform_unplugged(l->value);
        g_ptr_array_add(s->unplugged, g_strdup(l->value));
    }
    s->unplugged_mask |= mask;

    if (notify) {
        g_autofree char *self = DEVICE(s)->id ? g_strdup(DEVICE(s)->id) :
                                object_get_canonical_path(OBJECT(s));

        qapi_event_send_xen_platform_unplug(self, source, mask, removed);
    }
    qapi_free_strList(removed);
    g_ptr_array_free(scan.ide_disks, true);
    g_ptr_array_free(scan.devices, true);
}
