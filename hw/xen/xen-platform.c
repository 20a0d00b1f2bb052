/*
 * Xen platform PCI device (5853:0001)
 *
 * First cut: PCI identity, BARs and the fixed-port handshake magic.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/module.h"
#include "qapi/error.h"
#include "hw/pci/pci_device.h"
#include "hw/pci/pci_ids.h"
#include "migration/vmstate.h"
#include "hw/xen/xen-platform.h"

OBJECT_DECLARE_SIMPLE_TYPE(XenPlatformState, XEN_PLATFORM)

struct XenPlatformState {
    PCIDevice parent_obj;

    MemoryRegion fixed_io;
    MemoryRegion bar0_io;
    MemoryRegion bar1_mmio;
};

static uint64_t fixed_io_read(void *opaque, hwaddr addr, unsigned size)
{
    if (addr == 0 && size == 2) {
        return XEN_PLATFORM_MAGIC;
    }
    if (addr == 2 && size == 1) {
        return XEN_PLATFORM_PROTOCOL_VERSION;
    }
    qemu_log_mask(LOG_GUEST_ERROR,
                  "xen-platform: undefined %u-byte read of port 0x%" HWADDR_PRIx
                  "\n", size, XEN_PLATFORM_FIXED_IOPORT + addr);
    return ~0ULL;
}

static void fixed_io_write(void *opaque, hwaddr addr, uint64_t val,
                           unsigned size)
{
    qemu_log_mask(LOG_GUEST_ERROR,
                  "xen-platform: undefined %u-byte write of port 0x%" HWADDR_PRIx
                  "\n", size, XEN_PLATFORM_FIXED_IOPORT + addr);
}

static const MemoryRegionOps fixed_io_ops = {
    .read = fixed_io_read,
    .write = fixed_io_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = { .min_access_size = 1, .max_access_size = 4 },
    .impl = { .min_access_size = 1, .max_access_size = 4 },
};

static uint64_t unused_read(void *opaque, hwaddr addr, unsigned size)
{
    return ~0ULL;
}

static void unused_write(void *opaque, hwaddr addr, uint64_t val,
                         unsigned size)
{
}

static const MemoryRegionOps unused_ops = {
    .read = unused_read,
    .write = unused_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
};

static void xen_platform_realize(PCIDevice *pci, Error **errp)
{
    XenPlatformState *s = XEN_PLATFORM(pci);

    pci->config[PCI_INTERRUPT_PIN] = 1;

    memory_region_init_io(&s->fixed_io, OBJECT(s), &fixed_io_ops, s,
                          "xen-platform-fixed", XEN_PLATFORM_FIXED_IOPORT_SIZE);
    memory_region_add_subregion(pci_address_space_io(pci),
                                XEN_PLATFORM_FIXED_IOPORT, &s->fixed_io);

    memory_region_init_io(&s->bar0_io, OBJECT(s), &unused_ops, s,
                          "xen-platform-bar0", XEN_PLATFORM_BAR0_SIZE);
    pci_register_bar(pci, 0, PCI_BASE_ADDRESS_SPACE_IO, &s->bar0_io);

    memory_region_init_io(&s->bar1_mmio, OBJECT(s), &unused_ops, s,
                          "xen-platform-bar1", XEN_PLATFORM_BAR1_SIZE);
    pci_register_bar(pci, 1, PCI_BASE_ADDRESS_MEM_PREFETCH, &s->bar1_mmio);
}

static void xen_platform_exit(PCIDevice *pci)
{
    XenPlatformState *s = XEN_PLATFORM(pci);

    memory_region_del_subregion(pci_address_space_io(pci), &s->fixed_io);
}

static void xen_platform_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);

    k->realize = xen_platform_realize;
    k->exit = xen_platform_exit;
    k->vendor_id = PCI_VENDOR_ID_XEN;
    k->device_id = PCI_DEVICE_ID_XEN_PLATFORM;
    k->subsystem_vendor_id = PCI_VENDOR_ID_XEN;
    k->subsystem_id = PCI_DEVICE_ID_XEN_PLATFORM;
    k->revision = 1;
    k->class_id = PCI_CLASS_OTHERS << 8 | 0x80;
    dc->desc = "Xen platform device";
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
}

static const TypeInfo xen_platform_types[] = {
    {
        .name = TYPE_XEN_PLATFORM,
        .parent = TYPE_PCI_DEVICE,
        .instance_size = sizeof(XenPlatformState),
        .class_init = xen_platform_class_init,
        .interfaces = (InterfaceInfo[]) {
            { INTERFACE_CONVENTIONAL_PCI_DEVICE },
            { },
        },
    },
};

DEFINE_TYPES(xen_platform_types)
