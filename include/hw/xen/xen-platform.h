/*
 * Xen platform PCI device: the guest-visible constants.
 *
 * The I/O-port protocol is Xen's docs/misc/hvm-emulated-unplug.pandoc.
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

#define XEN_PLATFORM_BAR0_SIZE          0x100
#define XEN_PLATFORM_BAR1_SIZE          0x1000000

#endif
