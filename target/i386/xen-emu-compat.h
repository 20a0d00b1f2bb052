/*
 * Xen HVM emulation: more structures as a 32-bit guest lays them out
 *
 * Xen's public headers describe the native (here 64-bit) layout.  A
 * 32-bit guest aligns 64-bit fields to 4 bytes and has 4-byte longs and
 * handles; kvm/xen-compat.h has some of its structures, these are the
 * rest the hypercall layer reads.  Both layouts are pinned below, so a
 * change of either cannot go unnoticed.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TARGET_I386_XEN_EMU_COMPAT_H
#define TARGET_I386_XEN_EMU_COMPAT_H

#include "hw/xen/interface/xen.h"
#include "hw/xen/interface/sched.h"
#include "hw/xen/interface/vcpu.h"
#include "hw/xen/interface/memory.h"
#include "hw/xen/interface/grant_table.h"
#include "hw/xen/interface/event_channel.h"
#include "kvm/xen-compat.h"

struct compat_memory_reservation {
    compat_pfn_t extent_start;  /* guest address of the frame array */
    compat_ulong_t nr_extents;
    uint32_t extent_order;
    uint32_t mem_flags;
    domid_t domid;
};

struct compat_xen_memory_map {
    uint32_t nr_entries;
    compat_ptr_t buffer;        /* guest address of the e820 entries */
};

struct compat_gnttab_setup_table {
    domid_t dom;
    uint32_t nr_frames;
    int16_t status;
    compat_ptr_t frame_list;
};

struct compat_sched_poll {
    compat_ptr_t ports;
    uint32_t nr_ports;
    uint64_t timeout;
} QEMU_PACKED;

struct compat_vcpu_runstate_info {
    int32_t state;
    uint64_t state_entry_time;
    uint64_t time[4];
} QEMU_PACKED;

QEMU_BUILD_BUG_ON(offsetof(struct compat_memory_reservation, domid) != 16);
QEMU_BUILD_BUG_ON(sizeof(struct compat_xen_memory_map) != 8);
QEMU_BUILD_BUG_ON(offsetof(struct xen_memory_map, buffer) != 8);
QEMU_BUILD_BUG_ON(offsetof(struct xen_memory_reservation, domid) != 24);
QEMU_BUILD_BUG_ON(offsetof(struct compat_gnttab_setup_table, status) != 8);
QEMU_BUILD_BUG_ON(offsetof(struct compat_gnttab_setup_table,
                           frame_list) != 12);
QEMU_BUILD_BUG_ON(offsetof(struct gnttab_setup_table, status) != 8);
QEMU_BUILD_BUG_ON(offsetof(struct gnttab_setup_table, frame_list) != 16);
QEMU_BUILD_BUG_ON(sizeof(struct compat_sched_poll) != 16);
QEMU_BUILD_BUG_ON(offsetof(struct sched_poll, nr_ports) != 8);
QEMU_BUILD_BUG_ON(sizeof(struct sched_poll) != 24);
QEMU_BUILD_BUG_ON(sizeof(struct compat_vcpu_runstate_info) != 44);
QEMU_BUILD_BUG_ON(offsetof(struct vcpu_runstate_info, time) != 16);
QEMU_BUILD_BUG_ON(sizeof(struct vcpu_runstate_info) != 48);

#endif
