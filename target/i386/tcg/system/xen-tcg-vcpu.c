/*
 * Xen HVM guests under TCG: the vCPU side of event delivery
 *
 * What KVM's Xen mode does in the kernel for the upcall, done here.  The
 * backends (hw/i386/kvm/xen_evtchn.c) set evtchn_upcall_pending and call
 * xen_tcg_inject_callback() (through system/xen-emu-vcpu.h).
 *
 *  - A per-vCPU vector (HVMOP_set_evtchn_upcall_vector) goes through the
 *    local APIC like an MSI, and the guest EOIs it.
 *  - The domain-wide vector (HVM_PARAM_CALLBACK_IRQ type 2) is taken
 *    straight from cpu_get_pic_interrupt() whenever the vCPU has an
 *    upcall pending and IF set, as Xen injects it at each VM entry, and
 *    is not EOIed: CPU_INTERRUPT_HARD stays raised while the upcall is
 *    pending, the APIC and the PIC do not clear it.
 *  - A GSI or PCI INTx callback is a level on an interrupt line, held
 *    while vCPU 0's upcall is pending and dropped at the next EOI or
 *    hypercall after the guest cleared the flag.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include "qemu/bitops.h"
#include "qemu/lockable.h"
#include "cpu.h"
#include "exec/address-spaces.h"
#include "exec/memory.h"
#include "exec/target_page.h"
#include "hw/i386/apic-msidef.h"
#include "hw/i386/apic_internal.h"
#include "hw/xen/xen-callback-eoi.h"
#include "hw/xen/interface/xen.h"
#include "hw/xen/interface/vcpu.h"
#include "hw/xen/interface/sched.h"
#include "hw/xen/interface/event_channel.h"
#include "hw/xen/interface/hvm/params.h"
#include "hw/i386/kvm/xen_overlay.h"
#include "hw/i386/kvm/xen_evtchn.h"
#include "system/kvm_xen.h"
#include "xen-tcg.h"
#include "xen-emu-hypercall.h"
#include "xen-tcg-internal.h"
#include "trace.h"

#define CALLBACK_TYPE(param)    ((param) >> 56)

/* Upcalls raised where the BQL is not held are delivered from here */
static QEMUBH *upcall_bh;

int64_t xen_tcg_system_time_ns(void)
{
    return qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
}

static struct vcpu_info *vcpu_info(CPUState *cs)
{
    return X86_CPU(cs)->env.xen_vcpu_info_hva;
}

static bool upcall_pending(CPUState *cs)
{
    struct vcpu_info *vi = vcpu_info(cs);

    return vi && qatomic_read(&vi->evtchn_upcall_pending);
}

/* Deliver @cs's pending upcall by HVM_PARAM_CALLBACK_IRQ @param; BQL held */
static void deliver_upcall(CPUState *cs, uint64_t param)
{
    X86CPU *cpu = X86_CPU(cs);
    uint8_t vector = cpu->env.xen_vcpu_callback_vector;

    if (vector) {
        /* fixed, physical destination: as an MSI to this vCPU's APIC */
        uint64_t addr = APIC_DEFAULT_ADDRESS |
                        (cpu->apic_id << MSI_ADDR_DEST_ID_SHIFT);

        trace_xen_tcg_upcall(cs->cpu_index, "vcpu-vector", vector);
        address_space_stl_le(&address_space_memory, addr,
                             vector | (1u << MSI_DATA_LEVEL_SHIFT),
                             MEMTXATTRS_UNSPECIFIED, NULL);
        return;
    }
    if (!param) {
        return;     /* no route: the guest polls */
    }
    switch (CALLBACK_TYPE(param)) {
    case HVM_PARAM_CALLBACK_TYPE_VECTOR:
        /* cpu_get_pic_interrupt() asks xen_tcg_callback_vector() */
        trace_xen_tcg_upcall(cs->cpu_index, "vector", 0);
        cpu_interrupt(cs, CPU_INTERRUPT_HARD);
        break;
    case HVM_PARAM_CALLBACK_TYPE_GSI:
    case HVM_PARAM_CALLBACK_TYPE_PCI_INTX:
        /* only vCPU 0's upcall drives the line, as on Xen */
        if (cs->cpu_index == 0) {
            trace_xen_tcg_upcall(cs->cpu_index, "level", 1);
            X86_CPU(cs)->env.xen_callback_asserted = true;
            xen_evtchn_set_callback_level(1);
        }
        break;
    }
}

void xen_tcg_kick_upcalls(void)
{
    uint64_t param = xen_evtchn_get_callback_param();
    CPUState *cs;

    CPU_FOREACH(cs) {
        if (upcall_pending(cs)) {
            deliver_upcall(cs, param);
        }
    }
}

void xen_tcg_vcpu_changed(CPUState *cs, XenEmuVcpuChange what)
{
    /* a new vcpu_info or time area gets the time at once */
    if (what == XEN_EMU_VCPU_INFO || what == XEN_EMU_VCPU_TIME_INFO) {
        xen_tcg_publish_time(cs, what == XEN_EMU_VCPU_INFO);
    }
    /* as Xen: an upcall pending already comes by a new vector now */
    if (what == XEN_EMU_VCPU_UPCALL_VECTOR && upcall_pending(cs)) {
        deliver_upcall(cs, xen_evtchn_get_callback_param());
    }
}

/*
 * Loaded from a stream: the time areas in guest RAM stay right (the TSC
 * and the virtual clock both stood still meanwhile), and are anchored
 * here again at the vCPU's next hypercall; look at the upcall.
 */
void xen_tcg_vcpu_loaded(CPUState *cs)
{
    xen_tcg_recheck_upcall(cs);
}

static void upcall_bh_run(void *opaque)
{
    xen_tcg_kick_upcalls();
}

void xen_tcg_inject_callback(CPUState *cs, int type)
{
    /*
     * The backends call this with their port lock held, from vCPUs and
     * from I/O threads; interrupt delivery needs the BQL, which may only
     * be taken before that lock, so without it deliver from a BH.
     */
    if (bql_locked()) {
        deliver_upcall(cs, xen_evtchn_get_callback_param());
    } else if (upcall_bh) {
        qemu_bh_schedule(upcall_bh);
    }
}

bool xen_tcg_vector_upcall_pending(X86CPU *cpu)
{
    uint64_t param;

    if (!xen_tcg_enabled() || cpu->env.xen_vcpu_callback_vector ||
        !upcall_pending(CPU(cpu))) {
        return false;
    }
    param = xen_evtchn_get_callback_param();
    return CALLBACK_TYPE(param) == HVM_PARAM_CALLBACK_TYPE_VECTOR &&
           (uint8_t)param;
}

int xen_tcg_callback_vector(X86CPU *cpu)
{
    if (!xen_tcg_vector_upcall_pending(cpu)) {
        return -1;
    }
    /*
     * Taking it cleared CPU_INTERRUPT_HARD: raise it again, so that the
     * vector comes back once IF is set if the guest leaves the upcall
     * pending, and so that the APIC and the PIC are asked as well.
     */
    cpu_interrupt(CPU(cpu), CPU_INTERRUPT_HARD);
    return (uint8_t)xen_evtchn_get_callback_param();
}

/* vCPU 0's upcall drives a GSI or PCI INTx callback line: keep it so */
static void sync_callback_level(void)
{
    CPUState *cs = qemu_get_cpu(0);
    CPUX86State *env;
    uint64_t param = xen_evtchn_get_callback_param();
    bool pending;

    if (!cs) {
        return;
    }
    env = &X86_CPU(cs)->env;
    pending = upcall_pending(cs);
    if (env->xen_callback_asserted && !pending) {
        env->xen_callback_asserted = false;
        trace_xen_tcg_upcall(0, "level", 0);
        xen_evtchn_set_callback_level(0);
    } else if (!env->xen_callback_asserted && pending && param &&
               !env->xen_vcpu_callback_vector &&
               (CALLBACK_TYPE(param) == HVM_PARAM_CALLBACK_TYPE_GSI ||
                CALLBACK_TYPE(param) == HVM_PARAM_CALLBACK_TYPE_PCI_INTX)) {
        deliver_upcall(cs, param);
    }
}

/*
 * A per-vCPU vector sent while the vCPU's APIC could not take it is lost:
 * the guest sets the vector of an AP before it starts the AP, and INIT
 * clears the APIC.  Send it again if the upcall is still pending and the
 * APIC has the vector neither requested nor in service.
 */
static void resend_vcpu_vector(CPUState *cs)
{
    X86CPU *cpu = X86_CPU(cs);
    uint8_t vector = cpu->env.xen_vcpu_callback_vector;
    APICCommonState *apic;

    if (!vector || !cpu->apic_state || !upcall_pending(cs)) {
        return;
    }
    apic = APIC_COMMON(cpu->apic_state);
    if (!apic_get_bit(apic->irr, vector) && !apic_get_bit(apic->isr, vector)) {
        deliver_upcall(cs, xen_evtchn_get_callback_param());
    }
}

/*
 * Xen looks at the upcall whenever it enters the guest, and the guest may
 * set evtchn_upcall_pending itself (Linux does, unmasking a port that is
 * pending).  TCG never enters the guest: look again where Xen would have
 * had the guest exit, at hypercalls, EOIs and HLT.  BQL held.
 */
void xen_tcg_recheck_upcall(CPUState *cs)
{
    sync_callback_level();
    if (cs) {
        if (xen_tcg_vector_upcall_pending(X86_CPU(cs))) {
            cpu_interrupt(cs, CPU_INTERRUPT_HARD);
        }
        resend_vcpu_vector(cs);
    }
}

void xen_tcg_halt(CPUX86State *env)
{
    if (xen_tcg_enabled()) {
        BQL_LOCK_GUARD();
        xen_tcg_recheck_upcall(env_cpu(env));
    }
}

/* Guest EOIs reach us through hw/xen/xen-callback-eoi.h, BQL held */
static void callback_eoi(void)
{
    xen_tcg_recheck_upcall(current_cpu);
}

long xen_tcg_sched_block(CPUState *cs)
{
    CPUX86State *env = &X86_CPU(cs)->env;

    if (upcall_pending(cs)) {
        return 0;
    }
    /* halt as HLT does; EIP is past the VMCALL, so the result is final */
    env->regs[R_EAX] = 0;
    cs->halted = 1;
    cs->exception_index = EXCP_HLT;
    cpu_loop_exit(cs);
}

/* QEMU's local APIC knows whether its vCPU waits for a SIPI */
bool xen_tcg_vcpu_waits_for_sipi(CPUState *cs)
{
    DeviceState *apic = X86_CPU(cs)->apic_state;

    return apic && APIC_COMMON(apic)->wait_for_sipi;
}

void xen_tcg_vcpu_end_sipi_wait(CPUState *cs)
{
    DeviceState *apic = X86_CPU(cs)->apic_state;

    if (apic) {
        APIC_COMMON(apic)->wait_for_sipi = 0;
    }
}

void xen_tcg_vcpu_soft_reset(CPUState *cs, run_on_cpu_data data)
{
    if (!upcall_bh) {
        upcall_bh = qemu_bh_new(upcall_bh_run, NULL);
        xen_callback_eoi_hook = callback_eoi;
    }
    xen_emu_vcpu_reset_state(cs);
}
