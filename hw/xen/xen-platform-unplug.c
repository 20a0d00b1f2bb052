/*
 * Xen platform device: unplugging emulated disks and NICs, and giving
 * them back at reset
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
 * drive then leaves the monitor and gives up its permissions (and so its
 * image locks); the record keeps a reference, so that where QEMU
 * outlives the guest's reboot the device can come back at reset, as on a
 * freshly built Xen domain: same type, properties, address and drive.
 * Unplugging twice finds nothing left to do.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qapi/error.h"
#include "qapi/qapi-events-xen-platform.h"
#include "qobject/qdict.h"
#include "qom/qom-qobject.h"
#include "hw/ide/ide-bus.h"
#include "hw/ide/ide-unplug.h"
#include "hw/pci/pci.h"
#include "hw/qdev-properties.h"
#include "hw/qdev-properties-system.h"
#include "hw/resettable.h"
#include "monitor/qdev.h"
#include "system/block-backend.h"
#include "xen-platform-internal.h"
#include "trace.h"

/* A drive held while its device is unplugged */
typedef struct HeldDrive {
    BlockBackend *blk;
    char *name;                 /* its name in the monitor, if it had one */
} HeldDrive;

/* What re-creates a removed device */
typedef struct DeviceRecipe {
    char *type;
    char *id;
    char *bus;                  /* QOM path; for a child, its parent's bus */
    int parent;                 /* index of the parent recipe, or -1 */
    QDict *props;
} DeviceRecipe;

struct XenUnplugRecord {
    char *name;                 /* for the record and the event */
    IDEDevice *ide;             /* an IDE disk: its drive went, not it */
    GPtrArray *drives;          /* HeldDrive */
    GPtrArray *recipes;         /* DeviceRecipe, parents first */
};

static void held_drive_free(gpointer p)
{
    HeldDrive *d = p;

    blk_unref(d->blk);
    g_free(d->name);
    g_free(d);
}

static void recipe_free(gpointer p)
{
    DeviceRecipe *r = p;

    g_free(r->type);
    g_free(r->id);
    g_free(r->bus);
    qobject_unref(r->props);
    g_free(r);
}

void xen_unplug_record_free(gpointer p)
{
    XenUnplugRecord *rec = p;

    if (rec->ide) {
        object_unref(OBJECT(rec->ide));
    }
    g_ptr_array_free(rec->drives, true);
    g_ptr_array_free(rec->recipes, true);
    g_free(rec->name);
    g_free(rec);
}

const char *xen_unplug_record_name(XenUnplugRecord *rec)
{
    return rec->name;
}

/* --- finding what to unplug --- */

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
        BusState *bus = qdev_get_parent_bus(DEVICE(ide));
        bool primary_master = IDE_BUS(bus)->bus_id == 0 && ide->unit == 0;

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

/* --- unplug --- */

/*
 * Let every request in flight on @blk finish, flush it, and take it out
 * of the monitor; the record holds it from then on.
 */
static HeldDrive *quiesce_drive(BlockBackend *blk)
{
    HeldDrive *held = g_new0(HeldDrive, 1);
    int ret;

    blk_drain(blk);
    ret = blk_flush(blk);
    if (ret < 0) {
        error_report("xen-platform: flushing drive '%s' before unplug "
                     "failed: %s", blk_name(blk), strerror(-ret));
    }
    trace_xen_platform_unplug_drive(blk_name(blk), ret);
    blk_ref(blk);
    held->blk = blk;
    if (*blk_name(blk)) {
        held->name = g_strdup(blk_name(blk));
        monitor_remove_blk(blk);
    }
    return held;
}

/* Nobody uses the drive now: let go of its image */
static void release_drive(gpointer p, gpointer unused)
{
    HeldDrive *held = p;

    blk_set_perm(held->blk, 0, BLK_PERM_ALL, &error_abort);
}

static XenUnplugRecord *new_record(void)
{
    XenUnplugRecord *rec = g_new0(XenUnplugRecord, 1);

    rec->drives = g_ptr_array_new_with_free_func(held_drive_free);
    rec->recipes = g_ptr_array_new_with_free_func(recipe_free);
    return rec;
}

static XenUnplugRecord *unplug_ide_disk(IDEDevice *ide)
{
    XenUnplugRecord *rec = new_record();
    HeldDrive *held;

    rec->name = device_name(DEVICE(ide), ide->conf.blk);
    held = quiesce_drive(ide->conf.blk);
    ide_dev_take_drive(ide);
    g_ptr_array_add(rec->drives, held);
    g_ptr_array_foreach(rec->drives, release_drive, NULL);
    rec->ide = ide;
    object_ref(OBJECT(ide));
    return rec;
}

/* Properties that describe a device's place in the machine, not it */
static bool is_state_property(ObjectProperty *prop)
{
    return !prop->set || !prop->get ||
           g_str_has_prefix(prop->type, "child<") ||
           g_str_has_prefix(prop->type, "link<") ||
           !strcmp(prop->name, "realized") ||
           !strcmp(prop->name, "hotplugged") ||
           !strcmp(prop->name, "hotpluggable");
}

/*
 * The settable properties of @dev that differ from a fresh instance of
 * its type: what -device said (aliases included, like a virtio proxy's
 * netdev), and what realize settled (PCI address, MAC address).
 */
static QDict *device_props(DeviceState *dev)
{
    QDict *props = qdict_new();
    Object *fresh = object_new(object_get_typename(OBJECT(dev)));
    ObjectPropertyIterator iter;
    ObjectProperty *prop;

    object_property_iter_init(&iter, OBJECT(dev));
    while ((prop = object_property_iter_next(&iter))) {
        QObject *val, *dflt;

        if (is_state_property(prop)) {
            continue;
        }
        val = object_property_get_qobject(OBJECT(dev), prop->name, NULL);
        dflt = object_property_get_qobject(fresh, prop->name, NULL);
        if (val && !qobject_is_equal(val, dflt)) {
            qdict_put_obj(props, prop->name, qobject_ref(val));
        }
        qobject_unref(val);
        qobject_unref(dflt);
    }
    object_unref(fresh);
    return props;
}

typedef struct RecipeWalk {
    GPtrArray *recipes;
    GPtrArray *devs;            /* the DeviceState of each recipe */
} RecipeWalk;

static void add_recipe(RecipeWalk *w, DeviceState *dev)
{
    DeviceRecipe *r = g_new0(DeviceRecipe, 1);
    BusState *bus = qdev_get_parent_bus(dev), *child_bus;
    BusChild *kid;

    r->type = g_strdup(object_get_typename(OBJECT(dev)));
    r->id = g_strdup(dev->id);
    r->props = device_props(dev);
    r->parent = -1;
    for (guint i = 0; i < w->devs->len; i++) {
        if (bus && bus->parent == w->devs->pdata[i]) {
            r->parent = i;
        }
    }
    r->bus = r->parent < 0 ? object_get_canonical_path(OBJECT(bus))
                           : g_strdup(bus->name);
    g_ptr_array_add(w->recipes, r);
    g_ptr_array_add(w->devs, dev);

    /*
     * Then the devices plugged into its buses (nvme-ns into nvme, say),
     * but not those it made itself (a virtio proxy's backend): those
     * come back with it.
     */
    QLIST_FOREACH(child_bus, &dev->child_bus, sibling) {
        QTAILQ_FOREACH(kid, &child_bus->children, sibling) {
            if (OBJECT(kid->child)->parent != OBJECT(dev)) {
                add_recipe(w, kid->child);
            }
        }
    }
}

/* A device's drive property, and the drive it holds */
typedef struct DriveUse {
    DeviceState *dev;
    BlockBackend **ptr;
    BlockBackend *blk;
} DriveUse;

/* Every drive used by @dev and the devices below it */
static void find_drives(DeviceState *dev, GArray *uses)
{
    BusState *bus;
    BusChild *kid;

    for (ObjectClass *oc = object_get_class(OBJECT(dev)); oc;
         oc = object_class_get_parent(oc)) {
        DeviceClass *dc = (DeviceClass *)object_class_dynamic_cast(oc,
                                                                 TYPE_DEVICE);

        for (int i = 0; dc && i < dc->props_count_; i++) {
            const Property *prop = &dc->props_[i];
            DriveUse use = { dev };

            if (prop->info != &qdev_prop_drive &&
                prop->info != &qdev_prop_drive_iothread) {
                continue;
            }
            use.ptr = object_field_prop_ptr(OBJECT(dev), prop);
            use.blk = *use.ptr;
            if (use.blk) {
                g_array_append_val(uses, use);
            }
        }
    }
    QLIST_FOREACH(bus, &dev->child_bus, sibling) {
        QTAILQ_FOREACH(kid, &bus->children, sibling) {
            find_drives(kid->child, uses);
        }
    }
}

/*
 * Detach the drives found by find_drives() from their devices, which
 * are unrealized or never were, so that nothing is left for the devices'
 * finalization to release: a -drive's own reference stays with it.
 */
static void detach_drives(GArray *uses)
{
    for (guint i = 0; i < uses->len; i++) {
        DriveUse *use = &g_array_index(uses, DriveUse, i);

        if (*use->ptr == use->blk) {
            blk_detach_dev(use->blk, use->dev);
            *use->ptr = NULL;
        }
    }
}

static XenUnplugRecord *unplug_device(DeviceState *dev)
{
    XenUnplugRecord *rec = new_record();
    RecipeWalk walk = { rec->recipes, g_ptr_array_new() };
    g_autoptr(GArray) uses = g_array_new(false, false, sizeof(DriveUse));

    rec->name = device_name(dev, NULL);
    add_recipe(&walk, dev);
    g_ptr_array_free(walk.devs, true);

    find_drives(dev, uses);
    for (guint i = 0; i < uses->len; i++) {
        DriveUse *use = &g_array_index(uses, DriveUse, i);

        g_ptr_array_add(rec->drives, quiesce_drive(use->blk));
        object_ref(OBJECT(use->dev));
    }
    object_unparent(OBJECT(dev));

    /*
     * The devices are unrealized, but may outlive this (RCU still has
     * their memory regions): take the drives from them now, so that they
     * are free for the guest's next boot.
     */
    detach_drives(uses);
    for (guint i = 0; i < uses->len; i++) {
        object_unref(OBJECT(g_array_index(uses, DriveUse, i).dev));
    }
    g_ptr_array_foreach(rec->drives, release_drive, NULL);
    return rec;
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
    XenUnplugRecord *rec;

    trace_xen_platform_unplug(source, mask);
    object_child_foreach_recursive(qdev_get_machine(), scan_one, &scan);

    for (guint i = 0; i < scan.ide_disks->len + scan.devices->len; i++) {
        if (i < scan.ide_disks->len) {
            rec = unplug_ide_disk(scan.ide_disks->pdata[i]);
        } else {
            rec = unplug_device(scan.devices->pdata[i - scan.ide_disks->len]);
        }
        trace_xen_platform_unplugged(rec->name);
        QAPI_LIST_APPEND(tail, g_strdup(rec->name));
        g_ptr_array_add(s->unplugged, rec);
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

/* --- re-plug --- */

/* Take the record's drives out of the monitor (again) */
static void hide_drive_names(XenUnplugRecord *rec)
{
    for (guint i = 0; i < rec->drives->len; i++) {
        HeldDrive *held = rec->drives->pdata[i];

        monitor_remove_blk(held->blk);
    }
}

/* Give the record's drives their monitor names back, for drive= to find */
static bool restore_drive_names(XenUnplugRecord *rec, Error **errp)
{
    for (guint i = 0; i < rec->drives->len; i++) {
        HeldDrive *held = rec->drives->pdata[i];

        if (blk_get_attached_dev(held->blk)) {
            error_setg(errp, "its drive is attached to another device");
            return false;
        }
        if (held->name && !*blk_name(held->blk) &&
            !monitor_add_blk(held->blk, held->name, errp)) {
            return false;
        }
    }
    return true;
}

/*
 * A device that joins a bus during the reset's hold phase is brought into
 * the reset; what its realize created below it (a virtio proxy's backend)
 * is not.  Bring it in, so that the exit phase finds all of it in reset.
 */
static void join_reset(Object *obj)
{
    BusState *bus;
    BusChild *kid;

    if (!resettable_is_in_reset(obj)) {
        resettable_assert_reset(obj, RESET_TYPE_COLD);
        return;
    }
    if (object_dynamic_cast(obj, TYPE_DEVICE)) {
        QLIST_FOREACH(bus, &DEVICE(obj)->child_bus, sibling) {
            join_reset(OBJECT(bus));
        }
    } else {
        QTAILQ_FOREACH(kid, &BUS(obj)->children, sibling) {
            join_reset(OBJECT(kid->child));
        }
    }
}

static DeviceState *create_device(DeviceRecipe *r, DeviceState **made,
                                  Error **errp)
{
    g_autoptr(GArray) uses = NULL;
    BusState *bus;
    DeviceState *dev;
    const QDictEntry *e;

    if (r->parent < 0) {
        bus = BUS(object_resolve_path_type(r->bus, TYPE_BUS, NULL));
    } else {
        bus = made[r->parent] ? qdev_get_child_bus(made[r->parent], r->bus)
                              : NULL;
    }
    if (!bus) {
        error_setg(errp, "its bus %s is gone", r->bus);
        return NULL;
    }
    dev = qdev_new(r->type);
    for (e = qdict_first(r->props); e; e = qdict_next(r->props, e)) {
        if (!object_property_set_qobject(OBJECT(dev), e->key, e->value,
                                         errp)) {
            goto fail;
        }
    }
    if (!qdev_set_id(dev, g_strdup(r->id), errp)) {
        goto fail;
    }
    object_unref(OBJECT(dev));          /* the peripheral container has it */
    /* the machine is being reset: this is cold plug, not hotplug */
    dev->hotplugged = false;
    if (!qdev_realize(dev, bus, errp)) {
        goto fail;
    }
    join_reset(OBJECT(dev));
    return dev;

fail:
    /* drive= attached its drive already: the record keeps it */
    uses = g_array_new(false, false, sizeof(DriveUse));
    find_drives(dev, uses);
    detach_drives(uses);
    if (OBJECT(dev)->parent) {
        object_unparent(OBJECT(dev));
    } else {
        object_unref(OBJECT(dev));
    }
    return NULL;
}

/*
 * Give the drives back to IDE disks.  Done as the reset begins, so that
 * every controller's own reset sees the disk there.
 */
void xen_platform_replug_drives(XenPlatformState *s)
{
    for (guint i = 0; i < s->unplugged->len; ) {
        XenUnplugRecord *rec = s->unplugged->pdata[i];
        Error *err = NULL;
        HeldDrive *held;

        if (!rec->ide) {
            i++;
            continue;
        }
        held = rec->drives->pdata[0];
        if (!restore_drive_names(rec, &err) ||
            !ide_dev_give_drive(rec->ide, held->blk, &err)) {
            /* it stays unplugged, and in the record; the next reset retries */
            hide_drive_names(rec);
            warn_reportf_err(err, "xen-platform: cannot give %s back: ",
                             rec->name);
            i++;
            continue;
        }
        trace_xen_platform_replugged(rec->name);
        g_ptr_array_remove_index(s->unplugged, i);
    }
}

/*
 * Re-create removed devices.  Done in the reset's hold phase, the one in
 * which the reset machinery lets devices join a bus.
 */
void xen_platform_replug_devices(XenPlatformState *s)
{
    for (guint i = 0; i < s->unplugged->len; ) {
        XenUnplugRecord *rec = s->unplugged->pdata[i];
        g_autofree DeviceState **made = NULL;
        Error *err = NULL;

        if (rec->ide) {
            i++;
            continue;
        }
        made = g_new0(DeviceState *, rec->recipes->len);
        if (restore_drive_names(rec, &err)) {
            made[0] = create_device(rec->recipes->pdata[0], made, &err);
        }
        if (!made[0]) {
            /* it stays unplugged, and in the record; the next reset retries */
            hide_drive_names(rec);
            warn_reportf_err(err, "xen-platform: cannot give %s back: ",
                             rec->name);
            i++;
            continue;
        }
        for (guint j = 1; j < rec->recipes->len; j++) {
            made[j] = create_device(rec->recipes->pdata[j], made, &err);
            if (!made[j]) {
                warn_reportf_err(err, "xen-platform: %s is back without "
                                 "one of its devices: ", rec->name);
                err = NULL;
            }
        }
        trace_xen_platform_replugged(rec->name);
        g_ptr_array_remove_index(s->unplugged, i);
    }
}
