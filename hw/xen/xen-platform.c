/*
 * Xen platform PCI device (5853:0001)
 *
 * What a PV driver finds here, in the order it uses it (Xen's
 * docs/misc/hvm-emulated-unplug.pandoc):
 *
 *  1. a 16-bit read of port 0x10 answers the magic 0x49d2;
 *  2. an 8-bit read of port 0x12 answers the protocol version (1);
 *  3. a 16-bit write to port 0x12 names the driver's product;
 *  4. a 32-bit write to port 0x10 gives its build number, and the magic
 *     reads 0xd249 from then on if that driver is blacklisted;
 *  5. a 16-bit write to port 0x10 asks for emulated devices to go.
 *
 * Besides: 8-bit writes to port 0x12 are guest log bytes, 8-bit accesses
 * to port 0x10 are the platform flags, and BAR0 keeps the old SUSE and
 * VMDP unplug ports.  Anything else reads all-ones and is ignored.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qapi/error.h"
#include "qapi/qapi-builtin-visit.h"
#include "qapi/visitor.h"
#include "hw/qdev-properties.h"
#include "hw/pci/pci_ids.h"
#include "migration/vmstate.h"
#include "system/runstate.h"
#include "xen-platform-internal.h"
#include "trace.h"

static void guest_error(const char *what, hwaddr port, unsigned size,
                        uint64_t val)
{
    qemu_log_mask(LOG_GUEST_ERROR,
                  "xen-platform: a %u-byte %s 0x%" HWADDR_PRIx
                  " (value 0x%" PRIx64 ") is not part of the protocol\n",
                  size, what, port, val);
}

static uint16_t magic(XenPlatformState *s)
{
    return s->blacklisted ? XEN_PLATFORM_MAGIC_BLACKLISTED : XEN_PLATFORM_MAGIC;
}

static void set_flags(XenPlatformState *s, uint8_t flags)
{
    bool lock = flags & XEN_PLATFORM_FLAG_ROM_LOCK;

    if (flags & ~XEN_PLATFORM_FLAG_ROM_LOCK) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "xen-platform: unknown platform flags 0x%x ignored\n",
                      flags & ~XEN_PLATFORM_FLAG_ROM_LOCK);
    }
    trace_xen_platform_flags(s->flags, flags & XEN_PLATFORM_FLAG_ROM_LOCK);
    if (lock != !!(s->flags & XEN_PLATFORM_FLAG_ROM_LOCK)) {
        s->host->set_rom_lock(s, lock);
    }
    s->flags = flags & XEN_PLATFORM_FLAG_ROM_LOCK;
}

static void set_build(XenPlatformState *s, uint32_t build)
{
    s->build = build;
    s->blacklisted =
        xen_platform_blacklist_match(s->blacklist, s->product, build) ||
        s->host->driver_blacklisted(s, s->product, build);
    trace_xen_platform_driver(s->product,
                              xen_platform_product_name(s->product) ?: "?",
                              build, s->blacklisted);
}

static void request_unplug(XenPlatformState *s, uint16_t mask,
                           const char *source)
{
    if (s->blacklisted) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "xen-platform: blacklisted driver (product %u, build "
                      "%u) asked to unplug 0x%x: refused\n",
                      s->product, s->build, mask);
        return;
    }
    if (mask & ~XEN_UNPLUG_KNOWN_BITS) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "xen-platform: unknown unplug bits 0x%x ignored\n",
                      mask & ~XEN_UNPLUG_KNOWN_BITS);
    }
    xen_platform_unplug(s, mask & XEN_UNPLUG_KNOWN_BITS, source, true);
}

static uint64_t fixed_io_read(void *opaque, hwaddr addr, unsigned size)
{
    XenPlatformState *s = opaque;
    uint64_t val = ~0ULL;

    if (addr == 0 && size == 2) {
        val = magic(s);
    } else if (addr == 0 && size == 1) {
        val = s->flags;
    } else if (addr == 2 && size == 1) {
        val = XEN_PLATFORM_PROTOCOL_VERSION;
    } else {
        guest_error("read of port", XEN_PLATFORM_FIXED_IOPORT + addr, size, 0);
    }
    trace_xen_platform_fixed_read(XEN_PLATFORM_FIXED_IOPORT + addr, size, val);
    return val;
}

static void fixed_io_write(void *opaque, hwaddr addr, uint64_t val,
                           unsigned size)
{
    XenPlatformState *s = opaque;

    trace_xen_platform_fixed_write(XEN_PLATFORM_FIXED_IOPORT + addr, size, val);
    switch (addr << 4 | size) {
    case 0x01:                          /* port 0x10, byte: flags */
        set_flags(s, val);
        break;
    case 0x02:                          /* port 0x10, word: unplug */
        request_unplug(s, val, "protocol");
        break;
    case 0x04:                          /* port 0x10, dword: build number */
        set_build(s, val);
        break;
    case 0x21:                          /* port 0x12, byte: log */
        xen_guest_log_byte(&s->log, val);
        break;
    case 0x22:                          /* port 0x12, word: product */
        s->product = val;
        break;
    default:
        guest_error("write to port", XEN_PLATFORM_FIXED_IOPORT + addr, size,
                    val);
    }
}

static const MemoryRegionOps fixed_io_ops = {
    .read = fixed_io_read,
    .write = fixed_io_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
};

static uint64_t bar0_read(void *opaque, hwaddr addr, unsigned size)
{
    XenPlatformState *s = opaque;
    uint64_t val = ~0ULL;

    if (addr == XEN_PLATFORM_BAR0_FLAGS && size == 1) {
        val = s->flags;
    } else {
        guest_error("read of BAR0 offset", addr, size, 0);
    }
    trace_xen_platform_bar0_read(addr, size, val);
    return val;
}

static void bar0_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
    XenPlatformState *s = opaque;

    trace_xen_platform_bar0_write(addr, size, val);
    if (addr == XEN_PLATFORM_BAR0_FLAGS && size == 1) {
        set_flags(s, val);
    } else if (addr == XEN_PLATFORM_BAR0_SUSE &&
               val == XEN_PLATFORM_SUSE_UNPLUG_ALL) {
        /* old SUSE drivers: every disk and NIC */
        request_unplug(s, XEN_UNPLUG_ALL_DISKS | XEN_UNPLUG_ALL_NICS, "suse");
    } else if (addr == XEN_PLATFORM_BAR0_VMDP &&
               val == XEN_PLATFORM_VMDP_UNPLUG_DISKS) {
        request_unplug(s, XEN_UNPLUG_ALL_DISKS, "vmdp");
    } else if (addr == XEN_PLATFORM_BAR0_VMDP &&
               val == XEN_PLATFORM_VMDP_UNPLUG_NICS) {
        request_unplug(s, XEN_UNPLUG_ALL_NICS, "vmdp");
    } else if (addr == XEN_PLATFORM_BAR0_VMDP && size == 1) {
        /* VMDP logs through the same port, a byte at a time */
        xen_guest_log_byte(&s->log, val);
    } else {
        guest_error("write to BAR0 offset", addr, size, val);
    }
}

static const MemoryRegionOps bar0_ops = {
    .read = bar0_read,
    .write = bar0_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
    .impl = { .min_access_size = 1, .max_access_size = 4, .unaligned = true },
};

/*
 * BAR1 is address space for the guest to map Xen frames into; nothing
 * is behind it.
 */
static uint64_t bar1_read(void *opaque, hwaddr addr, unsigned size)
{
    return ~0ULL;
}

static void bar1_write(void *opaque, hwaddr addr, uint64_t val, unsigned size)
{
}

static const MemoryRegionOps bar1_ops = {
    .read = bar1_read,
    .write = bar1_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
};

static void apply_pending_unplug(void *opaque, bool running, RunState state)
{
    XenPlatformState *s = opaque;

    if (running && s->unplug_pending) {
        s->unplug_pending = false;
        xen_platform_unplug(s, s->unplugged_mask, "migration", false);
    }
}

/* A stream without the driver subsection: no driver identified itself */
static int xen_platform_pre_load(void *opaque)
{
    XenPlatformState *s = opaque;

    s->product = 0;
    s->build = 0;
    s->blacklisted = false;
    return 0;
}

static int xen_platform_post_load(void *opaque, int version_id)
{
    XenPlatformState *s = opaque;
    uint8_t flags = s->flags;

    /* the ROM lock lives outside our state: make it match */
    s->flags = 0;
    if (s->rom_lock_mapped) {
        s->host->set_rom_lock(s, false);
    }
    set_flags(s, flags);

    /*
     * The source removed devices this QEMU still has.  Remove them
     * before the guest runs again, not in the middle of loading state.
     */
    s->unplug_pending = s->unplugged_mask != 0;
    return 0;
}

/*
 * The main section is stock QEMU's "platform" v4, field for field, so
 * that state moves both ways between stock qemu-xen and this device.
 * What only this device has goes in subsections, sent only when it
 * differs from a freshly reset device: a stream from stock QEMU has
 * none, and loads as a guest whose driver has not identified itself
 * and that unplugged nothing.
 */
static bool xen_platform_driver_needed(void *opaque)
{
    XenPlatformState *s = opaque;

    return s->migrate_extra_state &&
           (s->product || s->build || s->blacklisted);
}

static const VMStateDescription vmstate_xen_platform_driver = {
    .name = "platform/driver",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = xen_platform_driver_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT16(product, XenPlatformState),
        VMSTATE_UINT32(build, XenPlatformState),
        VMSTATE_BOOL(blacklisted, XenPlatformState),
        VMSTATE_END_OF_LIST()
    }
};

static bool xen_platform_unplug_needed(void *opaque)
{
    XenPlatformState *s = opaque;

    return s->migrate_extra_state && s->unplugged_mask;
}

static const VMStateDescription vmstate_xen_platform_unplug = {
    .name = "platform/unplug",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = xen_platform_unplug_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT16(unplugged_mask, XenPlatformState),
        VMSTATE_END_OF_LIST()
    }
};

static const VMStateDescription vmstate_xen_platform = {
    .name = "platform",
    .version_id = 4,
    .minimum_version_id = 4,
    .pre_load = xen_platform_pre_load,
    .post_load = xen_platform_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_PCI_DEVICE(parent_obj, XenPlatformState),
        VMSTATE_UINT8(flags, XenPlatformState),
        VMSTATE_END_OF_LIST()
    },
    .subsections = (const VMStateDescription * const []) {
        &vmstate_xen_platform_driver,
        &vmstate_xen_platform_unplug,
        NULL
    }
};

/*
 * Where QEMU outlives the guest's reboot, the reset brings back what was
 * unplugged, as a freshly built Xen domain has all its emulated devices:
 * IDE drives as the reset begins (so the controllers' own reset sees
 * them), removed devices in the hold phase (the one in which devices may
 * join a bus that is being reset).
 */
static void xen_platform_reset_enter(Object *obj, ResetType type)
{
    XenPlatformState *s = XEN_PLATFORM(obj);

    if (s->host->replug_on_reset) {
        xen_platform_replug_drives(s);
    }
}

static void xen_platform_reset_hold(Object *obj, ResetType type)
{
    XenPlatformState *s = XEN_PLATFORM(obj);

    trace_xen_platform_reset(s->unplugged_mask);
    if (s->host->replug_on_reset) {
        xen_platform_replug_devices(s);
        if (!s->unplugged->len) {
            s->unplugged_mask = 0;
        }
    }
    set_flags(s, 0);
    s->product = 0;
    s->build = 0;
    s->blacklisted = false;
}

static void get_unplugged(Object *obj, Visitor *v, const char *name,
                          void *opaque, Error **errp)
{
    XenPlatformState *s = XEN_PLATFORM(obj);
    strList *list = NULL, **tail = &list;

    for (guint i = 0; i < s->unplugged->len; i++) {
        QAPI_LIST_APPEND(tail, g_strdup(xen_unplug_record_name(
                                            s->unplugged->pdata[i])));
    }
    visit_type_strList(v, name, &list, errp);
    qapi_free_strList(list);
}

static bool get_blacklisted(Object *obj, Error **errp)
{
    return XEN_PLATFORM(obj)->blacklisted;
}

static void xen_platform_realize(PCIDevice *pci, Error **errp)
{
    ERRP_GUARD();
    XenPlatformState *s = XEN_PLATFORM(pci);

    s->blacklist = xen_platform_blacklist_parse(s->blacklist_prop, errp);
    if (!s->blacklist) {
        return;
    }
    s->host = xen_platform_host_ops();
    if (s->host->realize) {
        s->host->realize(s, errp);
        if (*errp) {
            return;
        }
    }
    xen_guest_log_init(&s->log, "xen-platform", "xen-platform: guest: ");

    pci->config[PCI_INTERRUPT_PIN] = 1;

    memory_region_init_io(&s->fixed_io, OBJECT(s), &fixed_io_ops, s,
                          "xen-platform-fixed", XEN_PLATFORM_FIXED_IOPORT_SIZE);
    memory_region_add_subregion(pci_address_space_io(pci),
                                XEN_PLATFORM_FIXED_IOPORT, &s->fixed_io);

    memory_region_init_io(&s->bar0_io, OBJECT(s), &bar0_ops, s,
                          "xen-platform-bar0", XEN_PLATFORM_BAR0_SIZE);
    pci_register_bar(pci, 0, PCI_BASE_ADDRESS_SPACE_IO, &s->bar0_io);

    memory_region_init_io(&s->bar1_mmio, OBJECT(s), &bar1_ops, s,
                          "xen-platform-bar1", XEN_PLATFORM_BAR1_SIZE);
    pci_register_bar(pci, 1, PCI_BASE_ADDRESS_MEM_PREFETCH, &s->bar1_mmio);

    s->vmstate_change = qemu_add_vm_change_state_handler(apply_pending_unplug,
                                                         s);
    trace_xen_platform_realize(s->host->name);
}

static void xen_platform_exit(PCIDevice *pci)
{
    XenPlatformState *s = XEN_PLATFORM(pci);

    if (s->rom_lock_mapped) {
        s->host->set_rom_lock(s, false);
    }
    qemu_del_vm_change_state_handler(s->vmstate_change);
    memory_region_del_subregion(pci_address_space_io(pci), &s->fixed_io);
    xen_guest_log_cleanup(&s->log);
    g_array_free(s->blacklist, true);
}

static void xen_platform_instance_init(Object *obj)
{
    XenPlatformState *s = XEN_PLATFORM(obj);

    s->unplugged = g_ptr_array_new_with_free_func(xen_unplug_record_free);
    object_property_add_uint16_ptr(obj, "unplugged-mask", &s->unplugged_mask,
                                   OBJ_PROP_FLAG_READ);
    object_property_add(obj, "unplugged-devices", "strList", get_unplugged,
                        NULL, NULL, NULL);
    object_property_add_uint16_ptr(obj, "driver-product", &s->product,
                                   OBJ_PROP_FLAG_READ);
    object_property_add_uint32_ptr(obj, "driver-build", &s->build,
                                   OBJ_PROP_FLAG_READ);
    object_property_add_bool(obj, "driver-blacklisted", get_blacklisted, NULL);
    object_property_add_uint8_ptr(obj, "platform-flags", &s->flags,
                                  OBJ_PROP_FLAG_READ);
    object_property_add_uint64_ptr(obj, "log-lines", &s->log.lines,
                                   OBJ_PROP_FLAG_READ);
    object_property_add_uint64_ptr(obj, "log-dropped", &s->log.dropped,
                                   OBJ_PROP_FLAG_READ);
}

static void xen_platform_instance_finalize(Object *obj)
{
    XenPlatformState *s = XEN_PLATFORM(obj);

    g_ptr_array_free(s->unplugged, true);
}

static const Property xen_platform_properties[] = {
    DEFINE_PROP_STRING("blacklist", XenPlatformState, blacklist_prop),
    DEFINE_PROP_UINT32("log-line-max", XenPlatformState, log.line_max, 256),
    DEFINE_PROP_UINT32("log-lines-per-sec", XenPlatformState, log.rate, 20),
    DEFINE_PROP_BOOL("x-migrate-extra-state", XenPlatformState,
                     migrate_extra_state, true),
};

static void xen_platform_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);
    ResettableClass *rc = RESETTABLE_CLASS(klass);

    k->realize = xen_platform_realize;
    k->exit = xen_platform_exit;
    k->vendor_id = PCI_VENDOR_ID_XEN;
    k->device_id = PCI_DEVICE_ID_XEN_PLATFORM;
    k->subsystem_vendor_id = PCI_VENDOR_ID_XEN;
    k->subsystem_id = PCI_DEVICE_ID_XEN_PLATFORM;
    k->revision = 1;
    k->class_id = PCI_CLASS_OTHERS << 8 | 0x80;
    rc->phases.enter = xen_platform_reset_enter;
    rc->phases.hold = xen_platform_reset_hold;
    dc->desc = "Xen platform device";
    dc->vmsd = &vmstate_xen_platform;
    device_class_set_props(dc, xen_platform_properties);
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
}

static const TypeInfo xen_platform_types[] = {
    {
        .name = TYPE_XEN_PLATFORM,
        .parent = TYPE_PCI_DEVICE,
        .instance_size = sizeof(XenPlatformState),
        .instance_init = xen_platform_instance_init,
        .instance_finalize = xen_platform_instance_finalize,
        .class_init = xen_platform_class_init,
        .interfaces = (InterfaceInfo[]) {
            { INTERFACE_CONVENTIONAL_PCI_DEVICE },
            { },
        },
    },
};

DEFINE_TYPES(xen_platform_types)
