/*
 * Xen HVM guests under TCG: event_channel_op and physdev_op
 *
 * Event channels and PIRQs live in QEMU's Xen emulation backend
 * (hw/i386/kvm/xen_evtchn.c), as in KVM's Xen mode; here the guest's
 * argument is copied in, the backend does the operation, and the
 * result is copied back for the operations that return one.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "cpu.h"
#include "hw/xen/interface/xen.h"
#include "hw/xen/interface/event_channel.h"
#include "hw/xen/interface/physdev.h"
#include "hw/i386/kvm/xen_evtchn.h"
#include "kvm/xen-compat.h"
#include "xen-tcg-internal.h"

/* Each operation's argument size, and whether it returns a result */
static const struct {
    uint8_t size;
    bool out;
} evtchn_ops[] = {
    [EVTCHNOP_bind_interdomain] = {
        sizeof(struct evtchn_bind_interdomain), true },
    [EVTCHNOP_bind_virq] = { sizeof(struct evtchn_bind_virq), true },
    [EVTCHNOP_bind_pirq] = { sizeof(struct evtchn_bind_pirq), true },
    [EVTCHNOP_close] = { sizeof(struct evtchn_close), false },
    [EVTCHNOP_send] = { sizeof(struct evtchn_send), false },
    [EVTCHNOP_status] = { sizeof(struct evtchn_status), true },
    [EVTCHNOP_alloc_unbound] = { sizeof(struct evtchn_alloc_unbound), true },
    [EVTCHNOP_bind_ipi] = { sizeof(struct evtchn_bind_ipi), true },
    [EVTCHNOP_bind_vcpu] = { sizeof(struct evtchn_bind_vcpu), false },
    [EVTCHNOP_unmask] = { sizeof(struct evtchn_unmask), false },
    [EVTCHNOP_reset] = { sizeof(struct evtchn_reset), false },
    /* FIFO event channels (init_control, expand_array...): not offered */
};

long xen_tcg_event_channel_op(XenHypercall *hc)
{
    uint64_t cmd = hc->arg[0], va = hc->arg[1];
    union {
        struct evtchn_bind_interdomain interdomain;
        struct evtchn_bind_virq virq;
        struct evtchn_bind_pirq pirq;
        struct evtchn_close close;
        struct evtchn_send send;
        struct evtchn_status status;
        struct evtchn_alloc_unbound alloc;
        struct evtchn_bind_ipi ipi;
        struct evtchn_bind_vcpu vcpu;
        struct evtchn_unmask unmask;
        struct evtchn_reset reset;
    } u;
    long err;

    if (cmd >= ARRAY_SIZE(evtchn_ops) || !evtchn_ops[cmd].size) {
        return -ENOSYS;
    }
    err = xen_tcg_copy_in(hc, va, &u, evtchn_ops[cmd].size);
    if (err) {
        return err;
    }
    switch (cmd) {
    case EVTCHNOP_bind_interdomain:
        err = xen_evtchn_bind_interdomain_op(&u.interdomain);
        break;
    case EVTCHNOP_bind_virq:
        err = xen_evtchn_bind_virq_op(&u.virq);
        break;
    case EVTCHNOP_bind_pirq:
        err = xen_evtchn_bind_pirq_op(&u.pirq);
        break;
    case EVTCHNOP_close:
        err = xen_evtchn_close_op(&u.close);
        break;
    case EVTCHNOP_send:
        err = xen_evtchn_send_op(&u.send);
        break;
    case EVTCHNOP_status:
        err = xen_evtchn_status_op(&u.status);
        break;
    case EVTCHNOP_alloc_unbound:
        err = xen_evtchn_alloc_unbound_op(&u.alloc);
        break;
    case EVTCHNOP_bind_ipi:
        err = xen_evtchn_bind_ipi_op(&u.ipi);
        break;
    case EVTCHNOP_bind_vcpu:
        err = xen_evtchn_bind_vcpu_op(&u.vcpu);
        break;
    case EVTCHNOP_unmask:
        err = xen_evtchn_unmask_op(&u.unmask);
        break;
    default:
        err = xen_evtchn_reset_op(&u.reset);
        break;
    }
    if (err || !evtchn_ops[cmd].out) {
        return err;
    }
    return xen_tcg_copy_out(hc, va, &u, evtchn_ops[cmd].size);
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
        err = xen_tcg_copy_in(hc, va, &map, sizeof(map));
    } else {
        err = xen_tcg_copy_in(hc, va, &c, sizeof(c));
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
    return xen_tcg_copy_out(hc, va, &map,
                            offsetof(struct compat_physdev_map_pirq,
                                     table_base));
}

long xen_tcg_physdev_op(XenHypercall *hc)
{
    uint64_t va = hc->arg[1];
    union {
        struct physdev_unmap_pirq unmap;
        struct physdev_eoi eoi;
        struct physdev_irq_status_query query;
        struct physdev_get_free_pirq get;
    } u;
    size_t size;
    long err;

    switch (hc->arg[0]) {
    case PHYSDEVOP_map_pirq:
        return physdev_map_pirq(hc, va);
    case PHYSDEVOP_unmap_pirq:
        size = sizeof(u.unmap);
        break;
    case PHYSDEVOP_eoi:
        size = sizeof(u.eoi);
        break;
    case PHYSDEVOP_irq_status_query:
        size = sizeof(u.query);
        break;
    case PHYSDEVOP_get_free_pirq:
        size = sizeof(u.get);
        break;
    default:
        /* pirq_eoi_gmfn and the dom0-only operations */
        return -ENOSYS;
    }
    err = xen_tcg_copy_in(hc, va, &u, size);
    if (err) {
        return err;
    }
    switch (hc->arg[0]) {
    case PHYSDEVOP_unmap_pirq:
        err = xen_physdev_unmap_pirq(&u.unmap);
        break;
    case PHYSDEVOP_eoi:
        err = xen_physdev_eoi_pirq(&u.eoi);
        break;
    case PHYSDEVOP_irq_status_query:
        err = xen_physdev_query_pirq(&u.query);
        break;
    default:
        err = xen_physdev_get_free_pirq(&u.get);
        break;
    }
    return err ? err : xen_tcg_copy_out(hc, va, &u, size);
}
