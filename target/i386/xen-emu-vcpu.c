/*
 * Xen HVM emulation: the vCPU side, whichever accelerator runs the vCPUs
 *
 * See include/system/xen-emu-vcpu.h.  What is done here is the same
 * under KVM and TCG: it reads and writes the vCPU's Xen state in
 * CPUX86State.  What differs is asked of the accelerator's ops.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "cpu.h"
#include "exec/memory.h"
#include "system/kvm_xen.h"
#include "system/xen-emu-vcpu.h"
#include "xen-emu-hypercall.h"
#include "hw/xen/interface/xen.h"
#include "hw/xen/interface/hvm/params.h"
#include "hw/i386/kvm/xen_overlay.h"
#include "hw/i386/kvm/xen_evtchn.h"
#include "hw/i386/kvm/xen_gnttab.h"
#include "hw/i386/kvm/xen_primary_console.h"
#include "hw/i386/kvm/xen_xenstore.h"
#include "trace.h"

static const XenEmuAccelOps *accel_ops;

void xen_emu_set_accel_ops(const XenEmuAccelOps *ops)
{
    if (!accel_ops) {
        xen_emu_hypercall_init();
    }
    accel_ops = ops;
}

const XenEmuAccelOps *xen_emu_accel_ops(void)
{
    return accel_ops;
}

void xen_emu_guest_memory_written(void *hva, size_t len)
{
    ram_addr_t offset;
    MemoryRegion *mr = memory_region_from_host(hva, &offset);

    if (mr) {
        memory_region_set_dirty(mr, offset, len);
    }
}

void *xen_emu_vcpu_info_hva(uint32_t vcpu_id)
{
    CPUState *cs = qemu_get_cpu(vcpu_id);

    return cs ? X86_CPU(cs)->env.xen_vcpu_info_hva : NULL;
}

bool xen_emu_has_vcpu_callback_vector(void)
{
    CPUState *cs = qemu_get_cpu(0);

    return cs && X86_CPU(cs)->env.xen_vcpu_callback_vector;
}

void xen_emu_inject_callback(uint32_t vcpu_id, int type)
{
    CPUState *cs = qemu_get_cpu(vcpu_id);

    if (cs && accel_ops) {
        accel_ops->inject_callback(cs, type);
    }
}

void xen_emu_set_callback_asserted(void)
{
    CPUState *cs = qemu_get_cpu(0);

    if (cs) {
        X86_CPU(cs)->env.xen_callback_asserted = true;
    }
}

int xen_emu_set_vcpu_virq(uint32_t vcpu_id, uint16_t virq, uint16_t port)
{
    CPUState *cs = qemu_get_cpu(vcpu_id);
    CPUX86State *env;

    if (!cs) {
        return -ENOENT;
    }
    /* cpu.h does not include Xen's headers: its own count must match */
    qemu_build_assert(NR_VIRQS == XEN_NR_VIRQS);
    if (virq >= NR_VIRQS) {
        return -EINVAL;
    }
    env = &X86_CPU(cs)->env;
    if (port && env->xen_virq[virq]) {
        return -EEXIST;
    }
    env->xen_virq[virq] = port;
    if (accel_ops && accel_ops->virq_bound) {
        accel_ops->virq_bound(cs, virq, port);
    }
    return 0;
}

int xen_emu_soft_reset(void)
{
    CPUState *cpu;
    int err;

    assert(bql_locked());
    trace_xen_emu_soft_reset();

    err = xen_evtchn_soft_reset();
    if (err) {
        return err;
    }
    /*
     * 0 is HVM_PARAM_CALLBACK_IRQ at boot: strictly GSI 0, which Xen
     * takes as "no callback" since it will not use the timer's line.
     */
    err = xen_evtchn_set_callback_param(0);
    if (err) {
        return err;
    }
    if (accel_ops) {
        CPU_FOREACH(cpu) {
            async_run_on_cpu(cpu, accel_ops->vcpu_soft_reset,
                             RUN_ON_CPU_NULL);
        }
    }
    err = xen_overlay_map_shinfo_page(INVALID_GFN);
    if (!err) {
        err = xen_gnttab_reset();
    }
    if (!err) {
        err = xen_primary_console_reset();
    }
    if (!err) {
        err = xen_xenstore_reset();
    }
    return err;
}

uint16_t xen_emu_gnttab_max_frames(void)
{
    return accel_ops ? accel_ops->gnttab_max_frames() : 0;
}

uint16_t xen_emu_evtchn_max_pirq(void)
{
    return accel_ops ? accel_ops->evtchn_max_pirq() : 0;
}

uint32_t xen_emu_kernel_caps(void)
{
    return accel_ops && accel_ops->kernel_caps ? accel_ops->kernel_caps() : 0;
}
