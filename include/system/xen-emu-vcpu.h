/*
 * Xen HVM emulation: the vCPU side, whichever accelerator runs the vCPUs
 *
 * The emulated Xen devices (hw/i386/kvm/xen_*.c: event channels, grant
 * tables, xenstore, overlay pages) reach the guest's vCPUs only through
 * these functions.  What they need of an accelerator is what KVM does
 * in the host kernel and TCG does in QEMU: XenEmuAccelOps, registered
 * by KVM (target/i386/kvm/xen-emu.c) or TCG (target/i386/tcg/system)
 * when Xen emulation starts.  The rest is the vCPU's Xen state in
 * CPUX86State, which both share.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef SYSTEM_XEN_EMU_VCPU_H
#define SYSTEM_XEN_EMU_VCPU_H

#include "hw/core/cpu.h"

/* What of a vCPU's Xen state (CPUX86State xen_*) a hypercall changed */
typedef enum XenEmuVcpuChange {
    XEN_EMU_VCPU_INFO,          /* the vcpu_info: registered or default */
    XEN_EMU_VCPU_TIME_INFO,     /* the vcpu_time_info area */
    XEN_EMU_VCPU_RUNSTATE,      /* the runstate area */
    XEN_EMU_VCPU_UPCALL_VECTOR, /* the vCPU's own upcall vector */
} XenEmuVcpuChange;

typedef struct XenEmuAccelOps {
    /* The emulated Xen version, in XENVER_version form */
    uint32_t (*version)(void);
    /* The guest-physical address of @cs's virtual address @va, or false */
    bool (*gva_to_gpa)(CPUState *cs, uint64_t va, uint64_t *gpa);
    /* Xen system time, in nanoseconds (vcpu_time_info, timer deadlines) */
    int64_t (*system_time_ns)(void);
    /*
     * Optional: a hypercall changed @what of @cs's Xen state; called
     * with the BQL held, from any vCPU.
     */
    void (*vcpu_changed)(CPUState *cs, XenEmuVcpuChange what);
    /* Optional: HVM_PARAM_CALLBACK_IRQ changed */
    void (*callback_changed)(void);
    /*
     * Optional: may SCHEDOP_poll sleep in the vCPU's thread?  Not where
     * that would keep the other vCPUs from running.  Without it, yes.
     */
    bool (*sched_poll_sleeps)(void);
    /* Optional: SCHEDOP_block for @cs; without it, -ENOSYS */
    long (*sched_block)(CPUState *cs);
    /*
     * Optional: SCHEDOP_shutdown was asked of @cs, and the request
     * made; stop the vCPU there, as Xen does, without returning.
     */
    void (*shutdown_stop)(CPUState *cs);
    /*
     * Optional: where Xen would re-enter the guest after a hypercall to
     * the backends (BQL held): look at the upcall again.
     */
    void (*hypercall_return)(CPUState *cs);
    /* The accelerator keeps vcpu_time_info current: offer pvclock */
    bool pvclock;

    /*
     * An upcall is pending on @cs: deliver it by the vCPU's own vector,
     * or by HVM_PARAM_CALLBACK_IRQ's @type (HVM_PARAM_CALLBACK_TYPE_*).
     */
    void (*inject_callback)(CPUState *cs, int type);
    /* Optional: VIRQ @virq of @cs is now bound to @port (0: unbound) */
    void (*virq_bound)(CPUState *cs, uint16_t virq, uint16_t port);
    /* Forget @cs's registered areas and timers; runs on @cs */
    void (*vcpu_soft_reset)(CPUState *cs, run_on_cpu_data data);
    /* The accelerator's xen-gnttab-max-frames and xen-evtchn-max-pirq */
    uint16_t (*gnttab_max_frames)(void);
    uint16_t (*evtchn_max_pirq)(void);
    /* Optional: what the host kernel accelerates (KVM_XEN_HVM_CONFIG_*) */
    uint32_t (*kernel_caps)(void);
    /*
     * Optional: @cs's Xen state was loaded (migration, snapshot) and the
     * accelerator keeps none of it elsewhere; without it, the accelerator
     * restores it itself (KVM, when it puts the vCPU's registers).
     */
    void (*vcpu_loaded)(CPUState *cs);
    /*
     * Optional: is @cs a vCPU still waiting for its SIPI (never started,
     * or INIT since)?  Without it, VCPUOP_initialise and VCPUOP_up are
     * -ENOSYS.  Called with the BQL held, from any vCPU.
     */
    bool (*vcpu_waits_for_sipi)(CPUState *cs);
    /*
     * With it: @cs has been given its first state by VCPUOP_initialise
     * and waits for a SIPI no longer; runs on @cs.
     */
    void (*vcpu_end_sipi_wait)(CPUState *cs);
} XenEmuAccelOps;

void xen_emu_set_accel_ops(const XenEmuAccelOps *ops);

/*
 * QEMU wrote [@hva, @hva + @len) of guest RAM through a host pointer:
 * report it as a DMA write is reported, so that migration's dirty log
 * sends the page again and TCG drops code it translated from it.
 */
void xen_emu_guest_memory_written(void *hva, size_t len);

/* The vcpu_info of vCPU @vcpu_id, through its host pointer, or NULL */
void *xen_emu_vcpu_info_hva(uint32_t vcpu_id);

/* Has vCPU 0 a per-vCPU upcall vector (HVMOP_set_evtchn_upcall_vector)? */
bool xen_emu_has_vcpu_callback_vector(void);

/* An upcall is pending on vCPU @vcpu_id: see XenEmuAccelOps */
void xen_emu_inject_callback(uint32_t vcpu_id, int type);

/* The GSI/INTx callback is asserted: deassert it when vCPU 0 clears it */
void xen_emu_set_callback_asserted(void);

/* Bind VIRQ @virq of vCPU @vcpu_id to @port (0: unbind); -errno */
int xen_emu_set_vcpu_virq(uint32_t vcpu_id, uint16_t virq, uint16_t port);

/* @cs's Xen state came from a migration stream: rebuild what it implies */
void xen_emu_vcpu_post_load(CPUState *cs);

/* SHUTDOWN_soft_reset, and a reset of the machine: Xen state as at boot */
int xen_emu_soft_reset(void);

uint16_t xen_emu_gnttab_max_frames(void);
uint16_t xen_emu_evtchn_max_pirq(void);

/* KVM_XEN_HVM_CONFIG_* flags of what the host kernel does; 0 under TCG */
uint32_t xen_emu_kernel_caps(void);

#endif
