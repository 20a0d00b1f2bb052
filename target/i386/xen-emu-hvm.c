/*
 * Xen HVM emulation: memory_op, hvm_op and grant_table_op
 *
 * These place Xen's pages in the guest's physical address space (the
 * shared_info page, grant-table frames), read and set HVM parameters
 * (the event-channel callback, where xenstore and the console are) and
 * size the grant table.  The pages themselves belong to QEMU's Xen
 * emulation backends (hw/i386/kvm/xen_*.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/main-loop.h"
#include "cpu.h"
#include "exec/target_page.h"
#include "exec/address-spaces.h"
#include "exec/memory.h"
#include "hw/boards.h"
#include "hw/xen/xen.h"
#include "hw/xen/interface/xen.h"
#include "hw/xen/interface/memory.h"
#include "hw/xen/interface/grant_table.h"
#include "hw/xen/interface/hvm/hvm_op.h"
#include "hw/xen/interface/hvm/params.h"
#include "hw/i386/kvm/xen_overlay.h"
#include "hw/i386/kvm/xen_evtchn.h"
#include "hw/i386/kvm/xen_gnttab.h"
#include "hw/i386/kvm/xen_xenstore.h"
#include "hw/i386/kvm/xen_primary_console.h"
#include "hw/i386/e820_memory_layout.h"
#include "system/kvm_xen.h"
#include "xen-emu-compat.h"
#include "xen-emu-hypercall.h"

/* Xen's public/hvm/params.h: parameters 0 to 38 exist */
#define XEN_HVM_NR_PARAMS   39

static long map_shared_info(uint64_t gfn)
{
    uint64_t gpa = gfn << TARGET_PAGE_BITS;
    int err = xen_overlay_map_shinfo_page(gpa);

    if (!err) {
        xen_emu_shared_info_moved(gpa);
    }
    return err;
}

static long add_to_physmap_one(uint32_t space, uint64_t idx, uint64_t gfn)
{
    switch (space) {
    case XENMAPSPACE_shared_info:
        return idx ? -EINVAL : map_shared_info(gfn);
    case XENMAPSPACE_grant_table:
        return xen_gnttab_map_page(idx, gfn);
    case XENMAPSPACE_gmfn:
    case XENMAPSPACE_gmfn_range:
        return -EOPNOTSUPP;     /* moving guest RAM around: not emulated */
    case XENMAPSPACE_gmfn_foreign:
    case XENMAPSPACE_dev_mmio:
        return -EPERM;          /* a domain of its own may not */
    default:
        return -EINVAL;
    }
}

static long add_to_physmap(XenHypercall *hc, uint64_t va)
{
    struct xen_add_to_physmap x;
    struct compat_xen_add_to_physmap c;
    long err;

    if (hc->wide) {
        err = xen_emu_copy_in(hc, va, &x, sizeof(x));
    } else {
        err = xen_emu_copy_in(hc, va, &c, sizeof(c));
        x.domid = c.domid;
        x.size = c.size;
        x.space = c.space;
        x.idx = c.idx;
        x.gpfn = c.gpfn;
    }
    if (err) {
        return err;
    }
    if (!xen_emu_domid_is_self(x.domid)) {
        return -ESRCH;
    }
    return add_to_physmap_one(x.space, x.idx, x.gpfn);
}

/* Reads element @i of a guest array of longs (8 or 4 bytes each) */
static long read_long(XenHypercall *hc, uint64_t va, uint32_t i,
                      uint64_t *val)
{
    size_t n = xen_emu_long_size(hc);

    *val = 0;
    return xen_emu_copy_in(hc, va + i * n, val, n);
}

static long add_to_physmap_batch(XenHypercall *hc, uint64_t va)
{
    struct xen_add_to_physmap_batch x;
    struct compat_xen_add_to_physmap_batch c;
    uint64_t idxs, gpfns, errs;
    long err;

    if (hc->wide) {
        err = xen_emu_copy_in(hc, va, &x, sizeof(x));
        idxs = (uintptr_t)x.idxs.p;
        gpfns = (uintptr_t)x.gpfns.p;
        errs = (uintptr_t)x.errs.p;
    } else {
        err = xen_emu_copy_in(hc, va, &c, sizeof(c));
        x.domid = c.domid;
        x.space = c.space;
        x.size = c.size;
        idxs = c.idxs.c;
        gpfns = c.gpfns.c;
        errs = c.errs.c;
    }
    if (err) {
        return err;
    }
    if (!xen_emu_domid_is_self(x.domid)) {
        return -ESRCH;
    }
    for (uint32_t i = 0; i < x.size; i++) {
        uint64_t idx, gpfn;
        int32_t result;

        err = read_long(hc, idxs, i, &idx);
        err = err ? err : read_long(hc, gpfns, i, &gpfn);
        if (err) {
            return err;
        }
        /* each entry's own result goes to errs[]; the call succeeds */
        result = add_to_physmap_one(x.space, idx, gpfn);
        err = xen_emu_copy_out(hc, errs + i * 4ull, &result, 4);
        if (err) {
            return err;
        }
    }
    return 0;
}

/* Xen's limit for a domU's extents: 2^9 pages, 2 MiB */
#define XEN_MAX_EXTENT_ORDER 9

/*
 * XENMEM_decrease_reservation (@out) or XENMEM_populate_physmap: the
 * number of extents done, counting from @start (a continuation's); the
 * first one that cannot be done ends the call.
 */
static long change_reservation(XenHypercall *hc, bool out, uint64_t start,
                               uint64_t va)
{
    struct xen_memory_reservation x;
    struct compat_memory_reservation c;
    uint64_t extents, nr, first;
    unsigned int order;
    long err;

    if (hc->wide) {
        err = xen_emu_copy_in(hc, va, &x, sizeof(x));
        extents = (uintptr_t)x.extent_start.p;
        nr = x.nr_extents;
        order = x.extent_order;
    } else {
        err = xen_emu_copy_in(hc, va, &c,
                              offsetof(typeof(c), domid) + sizeof(c.domid));
        x.domid = c.domid;
        extents = c.extent_start;
        nr = c.nr_extents;
        order = c.extent_order;
    }
    if (err) {
        return err;
    }
    if (!xen_emu_domid_is_self(x.domid)) {
        return -ESRCH;
    }
    if (order > XEN_MAX_EXTENT_ORDER) {
        return start;
    }
    first = start;
    memory_region_transaction_begin();
    for (; start < nr; start++) {
        uint64_t gfn;

        if (read_long(hc, extents, start, &gfn)) {
            break;
        }
        if (gfn & ((1ull << order) - 1)) {
            break;              /* an extent is aligned to its size */
        }
        if (out ? !xen_emu_balloon_out(gfn, order) :
                  !xen_emu_balloon_in(gfn, order)) {
            qemu_log_mask(LOG_GUEST_ERROR, "xen: cannot %s gfn 0x%" PRIx64
                          " order %u: %s\n",
                          out ? "give back" : "populate", gfn, order,
                          out ? "not guest RAM, or given back already"
                              : "RAM there already, or no slack left");
            break;
        }
        if (!out) {
            address_space_set(&address_space_memory, gfn << TARGET_PAGE_BITS,
                              0, TARGET_PAGE_SIZE << order,
                              MEMTXATTRS_UNSPECIFIED);
        }
    }
    memory_region_transaction_commit();
    if (start > first) {
        xen_emu_balloon_changed();
    }
    return start;
}

/*
 * XENMEM_memory_map: the guest's e820 map, the one QEMU's firmware
 * hands out, as many entries as the guest's buffer holds (Xen's way);
 * nr_entries says how many were written.  A PVH guest asks when its
 * start_info has no memory map.
 */
static long memory_map(XenHypercall *hc, uint64_t va)
{
    struct xen_memory_map x;
    struct compat_xen_memory_map c;
    struct e820_entry *table;
    uint64_t buffer;
    uint32_t nr;
    long err;

    if (hc->wide) {
        err = xen_emu_copy_in(hc, va, &x, sizeof(x));
        nr = x.nr_entries;
        buffer = (uintptr_t)x.buffer.p;
    } else {
        err = xen_emu_copy_in(hc, va, &c, sizeof(c));
        nr = c.nr_entries;
        buffer = c.buffer;
    }
    if (err) {
        return err;
    }
    nr = MIN(nr, e820_get_table(&table));
    /* e820 entries are packed little-endian, as in the table */
    err = xen_emu_copy_out(hc, buffer, table, nr * sizeof(*table));
    if (err) {
        return err;
    }
    /* nr_entries comes first in both layouts */
    return xen_emu_copy_out(hc, va, &nr, sizeof(nr));
}

/*
 * XENMEM_current_reservation and XENMEM_maximum_reservation: the
 * guest's pages of RAM now, and at most (all it was given, and the 1 MiB
 * of slack libxl adds).
 */
static long reservation(XenHypercall *hc, bool current, uint64_t va)
{
    uint16_t domid;
    long err;

    err = xen_emu_copy_in(hc, va, &domid, sizeof(domid));
    if (err) {
        return err;
    }
    if (!xen_emu_domid_is_self(domid)) {
        return -ESRCH;
    }
    return current ? xen_emu_balloon_current() : xen_emu_balloon_maximum();
}

long xen_emu_memory_op(XenHypercall *hc)
{
    /* the bits above MEMOP_CMD_MASK are a continuation's start extent */
    uint64_t start = hc->arg[0] >> 6;

    switch (hc->arg[0] & 0x3f) {
    case XENMEM_decrease_reservation:
        return change_reservation(hc, true, start, hc->arg[1]);
    case XENMEM_populate_physmap:
        return change_reservation(hc, false, start, hc->arg[1]);
    case XENMEM_current_reservation:
        return reservation(hc, true, hc->arg[1]);
    case XENMEM_maximum_reservation:
        return reservation(hc, false, hc->arg[1]);
    case XENMEM_add_to_physmap:
        return add_to_physmap(hc, hc->arg[1]);
    case XENMEM_add_to_physmap_batch:
        return add_to_physmap_batch(hc, hc->arg[1]);
    case XENMEM_memory_map:
        return memory_map(hc, hc->arg[1]);
    default:
        return -ENOSYS;
    }
}

static long get_param(uint32_t index, uint64_t *value)
{
    switch (index) {
    case HVM_PARAM_CALLBACK_IRQ:
        *value = xen_evtchn_get_callback_param();
        return 0;
    case HVM_PARAM_STORE_PFN:
        *value = XEN_SPECIAL_PFN(XENSTORE);
        return 0;
    case HVM_PARAM_STORE_EVTCHN:
        *value = xen_xenstore_get_port();
        return 0;
    case HVM_PARAM_CONSOLE_PFN:
        *value = xen_primary_console_get_pfn();
        return *value ? 0 : -EINVAL;
    case HVM_PARAM_CONSOLE_EVTCHN:
        *value = xen_primary_console_get_port();
        return *value ? 0 : -EINVAL;
    default:
        /* parameters nothing here sets read as zero, as on a fresh Xen */
        *value = 0;
        return index < XEN_HVM_NR_PARAMS ? 0 : -EINVAL;
    }
}

static long set_param(XenHypercall *hc, uint32_t index, uint64_t value)
{
    long err;

    if (index >= XEN_HVM_NR_PARAMS) {
        return -EINVAL;
    }
    if (index != HVM_PARAM_CALLBACK_IRQ) {
        /* the toolstack's parameters: a guest may not change them */
        return -EPERM;
    }
    err = xen_evtchn_set_callback_param(value);
    /* as Xen, pick the shared_info layout from the caller's mode */
    xen_set_long_mode(hc->wide);
    if (!err && xen_emu_accel_ops()->callback_changed) {
        /* as Xen: an upcall already pending goes the new way at once */
        xen_emu_accel_ops()->callback_changed();
    }
    return err;
}

static long hvm_param(XenHypercall *hc, bool set)
{
    struct xen_hvm_param hp;        /* the same in both ABIs */
    long err = xen_emu_copy_in(hc, hc->arg[1], &hp, sizeof(hp));

    if (err) {
        return err;
    }
    if (!xen_emu_domid_is_self(hp.domid)) {
        return -ESRCH;
    }
    if (set) {
        return set_param(hc, hp.index, hp.value);
    }
    err = get_param(hp.index, &hp.value);
    return err ? err : xen_emu_copy_out(hc, hc->arg[1], &hp, sizeof(hp));
}

static long set_upcall_vector(XenHypercall *hc)
{
    struct xen_hvm_evtchn_upcall_vector up;
    CPUState *target;
    long err = xen_emu_copy_in(hc, hc->arg[1], &up, sizeof(up));

    if (err) {
        return err;
    }
    target = qemu_get_cpu(up.vcpu);
    if (up.vector < 0x10 || !target) {
        return -EINVAL;
    }
    X86_CPU(target)->env.xen_vcpu_callback_vector = up.vector;
    if (xen_emu_accel_ops()->vcpu_changed) {
        xen_emu_accel_ops()->vcpu_changed(target, XEN_EMU_VCPU_UPCALL_VECTOR);
    }
    return 0;
}

long xen_emu_hvm_op(XenHypercall *hc)
{
    switch (hc->arg[0]) {
    case HVMOP_set_param:
        return hvm_param(hc, true);
    case HVMOP_get_param:
        return hvm_param(hc, false);
    case HVMOP_set_evtchn_upcall_vector:
        return set_upcall_vector(hc);
    case HVMOP_pagetable_dying:
        /* only shadow paging cares; the guest stops asking on -ENOSYS */
    default:
        return -ENOSYS;
    }
}

/*
 * GNTTABOP_setup_table: grow the table to nr_frames and list where its
 * frames are in the guest (an HVM guest maps them with add_to_physmap;
 * a frame not mapped yet reads as an invalid GFN).
 */
static long gnttab_setup_table(XenHypercall *hc, uint64_t va)
{
    struct gnttab_setup_table st;
    struct compat_gnttab_setup_table c;
    struct gnttab_query_size qs = { .dom = DOMID_SELF };
    size_t n = xen_emu_long_size(hc);
    uint64_t list;
    long err;

    if (hc->wide) {
        err = xen_emu_copy_in(hc, va, &st, sizeof(st));
        list = (uintptr_t)st.frame_list.p;
    } else {
        err = xen_emu_copy_in(hc, va, &c, sizeof(c));
        st.dom = c.dom;
        st.nr_frames = c.nr_frames;
        list = c.frame_list;
    }
    if (err) {
        return err;
    }
    xen_gnttab_query_size_op(&qs);
    if (!xen_emu_domid_is_self(st.dom)) {
        st.status = GNTST_bad_domain;
    } else if (st.nr_frames > qs.max_nr_frames) {
        st.status = GNTST_general_error;
    } else {
        st.status = GNTST_okay;
        for (uint32_t i = 0; i < st.nr_frames; i++) {
            uint64_t gfn = xen_gnttab_get_frame_gfn(i);

            err = xen_emu_copy_out(hc, list + i * n, &gfn, n);
            if (err) {
                return err;
            }
        }
    }
    /* status sits at the same offset in both layouts */
    return xen_emu_copy_out(hc, va + offsetof(struct gnttab_setup_table,
                                              status),
                            &st.status, sizeof(st.status));
}

static const XenStructOp gnttab_ops[] = {
    [GNTTABOP_set_version] = { sizeof(struct gnttab_set_version), true },
    [GNTTABOP_get_version] = { sizeof(struct gnttab_get_version), true },
    [GNTTABOP_query_size] = { sizeof(struct gnttab_query_size), true },
};

static long gnttab_call(uint64_t cmd, void *arg)
{
    switch (cmd) {
    case GNTTABOP_set_version:
        return xen_gnttab_set_version_op(arg);
    case GNTTABOP_get_version:
        return xen_gnttab_get_version_op(arg);
    default:
        return xen_gnttab_query_size_op(arg);
    }
}

long xen_emu_grant_table_op(XenHypercall *hc)
{
    uint64_t cmd = hc->arg[0];

    /* mapping, copying, transfers: a guest's own backends, not ours */
    if (cmd != GNTTABOP_setup_table &&
        (cmd >= ARRAY_SIZE(gnttab_ops) || !gnttab_ops[cmd].size)) {
        return -ENOSYS;
    }
    if (hc->arg[2] != 1) {
        return -EINVAL;         /* these take exactly one operation */
    }
    if (cmd == GNTTABOP_setup_table) {
        return gnttab_setup_table(hc, hc->arg[1]);
    }
    return xen_emu_struct_op(hc, gnttab_ops, ARRAY_SIZE(gnttab_ops), cmd,
                             hc->arg[1], gnttab_call);
}
