/*
 * Xen HVM emulation: event_channel_op and physdev_op
 *
 * Event channels and PIRQs live in QEMU's Xen emulation backend
 * (hw/i386/kvm/xen_evtchn.c); here the guest's argument is copied in,
 * the backend does the operation, and the result is copied back for
 * the operations that return one.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "cpu.h"
#include "hw/xen/interface/xen.h"
#include "hw/xen/interface/event_channel.h"
#include "hw/xen/interface/physdev.h"
#include "hw/i386/kvm/xen_evtchn.h"
#include "xen-emu-compat.h"
#include "xen-emu-hypercall.h"

#define OP(cmd, type, has_result) [cmd] = { sizeof(type), has_result }

static const XenStructOp evtchn_ops[] = {
    OP(EVTCHNOP_bind_interdomain, struct evtchn_bind_interdomain, true),
    OP(EVTCHNOP_bind_virq, struct evtchn_bind_virq, true),
    OP(EVTCHNOP_bind_pirq, struct evtchn_bind_pirq, true),
    OP(EVTCHNOP_close, struct evtchn_close, false),
    OP(EVTCHNOP_send, struct evtchn_send, false),
    OP(EVTCHNOP_status, struct evtchn_status, true),
    OP(EVTCHNOP_alloc_unbound, struct evtchn_alloc_unbound, true),
    OP(EVTCHNOP_bind_ipi, struct evtchn_bind_ipi, true),
    OP(EVTCHNOP_bind_vcpu, struct evtchn_bind_vcpu, false),
    OP(EVTCHNOP_unmask, struct evtchn_unmask, false),
    OP(EVTCHNOP_reset, struct evtchn_reset, false),
    /* the FIFO ABI; -ENOSYS where KVM delivers events in the kernel */
    OP(EVTCHNOP_init_control, struct evtchn_init_control, true),
    OP(EVTCHNOP_expand_array, struct evtchn_expand_array, false),
    OP(EVTCHNOP_set_priority, struct evtchn_set_priority, false),
};

static long evtchn_call(uint64_t cmd, void *arg)
{
    switch (cmd) {
    case EVTCHNOP_bind_interdomain:
        return xen_evtchn_bind_interdomain_op(arg);
    case EVTCHNOP_bind_virq:
        return xen_evtchn_bind_virq_op(arg);
    case EVTCHNOP_bind_pirq:
        return xen_evtchn_bind_pirq_op(arg);
    case EVTCHNOP_close:
        return xen_evtchn_close_op(arg);
    case EVTCHNOP_send:
        return xen_evtchn_send_op(arg);
    case EVTCHNOP_status:
        return xen_evtchn_status_op(arg);
    case EVTCHNOP_alloc_unbound:
        return xen_evtchn_alloc_unbound_op(arg);
    case EVTCHNOP_bind_ipi:
        return xen_evtchn_bind_ipi_op(arg);
    case EVTCHNOP_bind_vcpu:
        return xen_evtchn_bind_vcpu_op(arg);
    case EVTCHNOP_unmask:
        return xen_evtchn_unmask_op(arg);
    case EVTCHNOP_init_control:
        return xen_evtchn_init_control_op(arg);
    case EVTCHNOP_expand_array:
        return xen_evtchn_expand_array_op(arg);
    case EVTCHNOP_set_priority:
        return xen_evtchn_set_priority_op(arg);
    default:
        return xen_evtchn_reset_op(arg);
    }
}

long xen_emu_event_channel_op(XenHypercall *hc)
{
    return xen_emu_struct_op(hc, evtchn_ops, ARRAY_SIZE(evtchn_ops),
                             hc->arg[0], hc->arg[1], evtchn_call);
}

/*
 * PHYSDEVOP_map_pirq: the 32-bit layout differs only in where the final
 * 64-bit table_base sits (no padding before it).
 */
static long physdev_map_pirq(XenHypercall *hc, uint64_t va)
{
    struct physdev_map_pirq map;
    struct compat_physdev_map_pirq c;
    long err;

    if (hc->wide) {
        err = xen_emu_copy_in(hc, va, &map, sizeof(map));
    } else {
        err = xen_emu_copy_in(hc, va, &c, sizeof(c));
        memcpy(&map, &c, offsetof(struct compat_physdev_map_pirq, table_base));
        map.table_base = c.table_base;
    }
    if (err) {
        return err;
    }
    err = xen_physdev_map_pirq(&map);
    if (err) {
        return err;
    }
    /* only pirq (and entry_nr) come back; both sit before table_base */
    return xen_emu_copy_out(hc, va, &map,
                            offsetof(struct compat_physdev_map_pirq,
                                     table_base));
}

/* pirq_eoi_gmfn and the control domain's operations are not listed */
static const XenStructOp physdev_ops[] = {
    OP(PHYSDEVOP_unmap_pirq, struct physdev_unmap_pirq, true),
    OP(PHYSDEVOP_eoi, struct physdev_eoi, true),
    OP(PHYSDEVOP_irq_status_query, struct physdev_irq_status_query, true),
    OP(PHYSDEVOP_get_free_pirq, struct physdev_get_free_pirq, true),
};

static long physdev_call(uint64_t cmd, void *arg)
{
    switch (cmd) {
    case PHYSDEVOP_unmap_pirq:
        return xen_physdev_unmap_pirq(arg);
    case PHYSDEVOP_eoi:
        return xen_physdev_eoi_pirq(arg);
    case PHYSDEVOP_irq_status_query:
        return xen_physdev_query_pirq(arg);
    default:
        return xen_physdev_get_free_pirq(arg);
    }
}

long xen_emu_physdev_op(XenHypercall *hc)
{
    if (hc->arg[0] == PHYSDEVOP_map_pirq) {
        return physdev_map_pirq(hc, hc->arg[1]);
    }
    return xen_emu_struct_op(hc, physdev_ops, ARRAY_SIZE(physdev_ops),
                             hc->arg[0], hc->arg[1], physdev_call);
}
