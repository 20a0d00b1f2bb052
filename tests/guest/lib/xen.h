/*
 * The part of Xen's public interface the test kernels use, as a 32-bit
 * HVM guest sees it (the "compat" layouts), and the hypercall page
 * (xen.c).  What a test expects of QEMU in particular (its limits, its
 * choices) stays with the test.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef GUEST_XEN_H
#define GUEST_XEN_H

#include "guest.h"

#define XEN_CPUID_BASE  0x40000000
#define XEN_MSR         0x40000000      /* the hypercall page's, for QEMU */
#define XEN_VERSION     0x0004000a      /* -accel tcg,xen-version=0x4000a */

/* Hypercall numbers (public/xen.h) */
#define HC_MEMORY_OP        12
#define HC_SET_TIMER_OP     15
#define HC_XEN_VERSION      17
#define HC_CONSOLE_IO       18
#define HC_GRANT_TABLE_OP   20
#define HC_IRET             23
#define HC_VCPU_OP          24
#define HC_SCHED_OP         29
#define HC_EVENT_CHANNEL_OP 32
#define HC_PHYSDEV_OP       33
#define HC_HVM_OP           34
#define HC_UNKNOWN          55

/* Xen's errno values, which are Linux's */
#define EPERM           1
#define ENOENT          2
#define ESRCH           3
#define EFAULT          14
#define EEXIST          17
#define EINVAL          22
#define ENOSPC          28
#define ENOSYS          38
#define EOPNOTSUPP      95

#define DOMID_SELF      0x7ff0

/* xen_version */
#define XENVER_version          0
#define XENVER_extraversion     1
#define XENVER_get_features     6

/* memory_op */
#define XENMEM_decrease_reservation 1
#define XENMEM_current_reservation  3
#define XENMEM_maximum_reservation  4
#define XENMEM_populate_physmap     6
#define XENMEM_add_to_physmap       7
#define XENMEM_memory_map           9
#define XENMEM_add_to_physmap_batch 23
#define XENMAPSPACE_shared_info     0
#define XENMAPSPACE_grant_table     1
#define XENMAPSPACE_gmfn            2
#define XENMAPSPACE_gmfn_foreign    4

/* grant tables: a v1 entry is u16 flags, u16 domid, u32 frame */
#define GRANT_ENTRY_SIZE            8
#define GNTTAB_RESERVED_XENSTORE    1
#define GTF_type_mask               3
#define GTF_permit_access           1
#define GNTTABOP_map_grant_ref      0
#define GNTTABOP_setup_table        2
#define GNTTABOP_copy               5
#define GNTTABOP_query_size         6
#define GNTTABOP_set_version        8
#define GNTTABOP_get_version        10
#define GNTST_okay                  0
#define GNTST_general_error         (-1)
#define GNTST_bad_domain            (-2)

/* hvm_op */
#define HVMOP_set_param                 0
#define HVMOP_get_param                 1
#define HVMOP_pagetable_dying           9
#define HVMOP_set_evtchn_upcall_vector  23
#define HVM_PARAM_CALLBACK_IRQ          0
#define HVM_PARAM_STORE_PFN             1
#define HVM_PARAM_STORE_EVTCHN          2
#define HVM_NR_PARAMS                   39

/* HVM_PARAM_CALLBACK_IRQ: type in bits 63:56, then a GSI, devfn or vector */
#define CALLBACK_GSI    0ull
#define CALLBACK_INTX   1ull            /* devfn << 8 | INTx pin (0: INTA) */
#define CALLBACK_VECTOR 2ull
#define CALLBACK(type, v) ((type) << 56 | (v))

struct hvm_param {                      /* xen_hvm_param */
    u16 domid, pad;
    u32 index;
    u64 value;
};
_Static_assert(__builtin_offsetof(struct hvm_param, value) == 8,
               "struct hvm_param .value is not where Xen has it");

/* event_channel_op */
#define EVTCHNOP_bind_virq      1
#define EVTCHNOP_close          3
#define EVTCHNOP_send           4
#define EVTCHNOP_status         5
#define EVTCHNOP_alloc_unbound  6
#define EVTCHNOP_bind_ipi       7
#define EVTCHNOP_bind_vcpu      8
#define EVTCHNOP_unmask         9
#define EVTCHNOP_reset          10
#define EVTCHNOP_init_control   11
#define EVTCHNOP_expand_array   12
#define EVTCHNOP_set_priority   13
#define EVTCHNSTAT_closed       0
#define EVTCHNSTAT_unbound      1
#define EVTCHNSTAT_interdomain  2
#define EVTCHNSTAT_virq         4
#define EVTCHNSTAT_ipi          5
#define VIRQ_TIMER              0
#define NR_VIRQS                24
#define NR_PORTS                1024    /* 2-level, 32-bit guest */

/* compat shared_info: 32 vcpu_infos of 64 bytes, then the 2-level bitmaps */
#define SHINFO_PENDING          2048    /* u32 evtchn_pending[32] */
#define SHINFO_MASK             (SHINFO_PENDING + NR_PORTS / 8)
/* in a vcpu_info (compat): the flag byte, and a 32-bit selector at 4 */
#define VI_UPCALL_PENDING       0
#define VI_PENDING_SEL          4

/* the FIFO ABI: event words, and the control block's layout */
#define FIFO_PENDING            (1u << 31)
#define FIFO_MASKED             (1u << 30)
#define FIFO_LINKED             (1u << 29)
#define FIFO_BUSY               (1u << 28)
#define FIFO_LINK_BITS          17
#define FIFO_LINK_MASK          ((1u << FIFO_LINK_BITS) - 1)
#define FIFO_CB_READY           0       /* u32 ready, u32 reserved, */
#define FIFO_CB_HEAD            8       /* u32 head[16] */
#define FIFO_CB_SIZE            72
#define FIFO_PRIORITY_DEFAULT   7
#define FIFO_MAX_PAGES          128     /* 2^17 ports of 1024 a page */

/* physdev_op */
#define PHYSDEVOP_irq_status_query  5
#define PHYSDEVOP_eoi               12
#define PHYSDEVOP_map_pirq          13
#define PHYSDEVOP_unmap_pirq        14
#define PHYSDEVOP_get_free_pirq     23
#define PHYSDEVOP_pirq_eoi_gmfn_v2  28
#define MAP_PIRQ_TYPE_MSI           0
#define MAP_PIRQ_TYPE_GSI           1
#define XENIRQSTAT_needs_eoi        1

/* vcpu_op */
#define VCPUOP_initialise                       0
#define VCPUOP_up                               1
#define VCPUOP_register_runstate_memory_area    5
#define VCPUOP_set_periodic_timer               6
#define VCPUOP_stop_periodic_timer              7
#define VCPUOP_set_singleshot_timer             8
#define VCPUOP_stop_singleshot_timer            9
#define VCPUOP_register_vcpu_info               10
#define VCPUOP_register_vcpu_time_memory_area   13
#define VCPU_INFO_SIZE                          64
#define RUNSTATE_running                        0

/* sched_op */
#define SCHEDOP_yield       0
#define SCHEDOP_block       1
#define SCHEDOP_shutdown    2
#define SCHEDOP_poll        3

/* ---- the hypercall page (xen.c) ---- */

/* Whether CPUID 0x40000000's EBX, ECX, EDX (r[1..3]) spell XenVMMXenVMM */
static inline int xen_signature(const u32 r[4])
{
    return equal(r + 1, "XenVMMXenVMM", 12);
}

/* 128 slots of 32 bytes, filled by QEMU: slot n makes hypercall n */
extern u8 hypercall_page[PAGE_SIZE];

/*
 * Ask for page number index of the hypercall pages at hypercall_page
 * (only 0 exists): wrmsr XEN_MSR.  Paging is off, so its address is its
 * guest-physical one.
 */
void set_hypercall_page(u32 index);

/* Hypercall nr through its slot of the page, 32-bit ABI: EBX, ECX, ... */
u32 hypercall5(u32 nr, const u32 a[5]);
u32 hypercall(u32 nr, u32 a1, u32 a2);
u32 hypercall3(u32 nr, u32 a1, u32 a2, u32 a3);

#endif
