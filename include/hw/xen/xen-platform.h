/*
 * Xen platform PCI device (5853:0001): the guest-visible interface.
 *
 * The I/O-port protocol is Xen's docs/misc/hvm-emulated-unplug.pandoc;
 * product numbers are Xen's public/hvm/pvdrivers.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_XEN_XEN_PLATFORM_H
#define HW_XEN_XEN_PLATFORM_H

#define TYPE_XEN_PLATFORM "xen-platform"

/* Fixed I/O ports, decoded whether or not BAR0 is enabled */
#define XEN_PLATFORM_FIXED_IOPORT       0x10
#define XEN_PLATFORM_FIXED_IOPORT_SIZE  0x10

#define XEN_PLATFORM_MAGIC              0x49d2
#define XEN_PLATFORM_MAGIC_BLACKLISTED  0xd249
#define XEN_PLATFORM_PROTOCOL_VERSION   1

/* Bits of the unplug mask a driver writes to port 0x10 */
#define XEN_UNPLUG_ALL_DISKS            (1u << 0)  /* IDE and SCSI, not CDs */
#define XEN_UNPLUG_ALL_NICS             (1u << 1)
#define XEN_UNPLUG_AUX_IDE_DISKS        (1u << 2)  /* all but primary master */
#define XEN_UNPLUG_NVME_DISKS           (1u << 3)
#define XEN_UNPLUG_KNOWN_BITS           0xf

/* Platform flags (port 0x10 byte access, BAR0 offset 0) */
#define XEN_PLATFORM_FLAG_ROM_LOCK      (1u << 0)

/* BAR0: 256 bytes of I/O with the legacy unplug interfaces */
#define XEN_PLATFORM_BAR0_SIZE          0x100
#define XEN_PLATFORM_BAR0_FLAGS         0   /* platform flags */
#define XEN_PLATFORM_BAR0_SUSE          4   /* old SUSE: 1 unplugs all */
#define XEN_PLATFORM_BAR0_VMDP          8   /* old VMDP: 1 disks, 2 NICs */
#define XEN_PLATFORM_SUSE_UNPLUG_ALL    1
#define XEN_PLATFORM_VMDP_UNPLUG_DISKS  1
#define XEN_PLATFORM_VMDP_UNPLUG_NICS   2

/* BAR1: where PV drivers map grant-table and shared-info frames */
#define XEN_PLATFORM_BAR1_SIZE          0x1000000

/* The ISA option-ROM and BIOS area that the ROM lock write-protects */
#define XEN_PLATFORM_ROM_AREA_START     0xc0000
#define XEN_PLATFORM_ROM_AREA_SIZE      0x40000

#endif
