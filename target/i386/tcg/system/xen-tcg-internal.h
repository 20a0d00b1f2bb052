/*
 * Xen HVM guests under TCG: what the hypercall families share
 *
 * xen-tcg.c dispatches; xen-tcg-hvm.c has memory_op, hvm_op and
 * grant_table_op; xen-tcg-evtchn.c event_channel_op and physdev_op;
 * xen-tcg-vcpu.c the vCPU state (vcpu_info, runstate, timers, upcall
 * delivery), vcpu_op, set_timer_op and the blocking sched_ops;
 * xen-tcg-console.c console_io.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef XEN_TCG_INTERNAL_H
#define XEN_TCG_INTERNAL_H

/* One hypercall as the guest made it */
typedef struct XenHypercall {
    CPUState *cs;
    bool wide;          /* 64-bit ABI: longs and pointers are 8 bytes */
    uint64_t arg[5];
} XenHypercall;

/*
 * Copy to or from the guest virtual address @va; false if any of it is
 * not guest RAM (writable RAM for @to_guest), so the caller says -EFAULT.
 */
bool xen_tcg_copy(CPUState *cs, uint64_t va, void *buf, size_t len,
                  bool to_guest);

static inline long xen_tcg_copy_in(XenHypercall *hc, uint64_t va,
                                   void *buf, size_t len)
{
    return xen_tcg_copy(hc->cs, va, buf, len, false) ? 0 : -EFAULT;
}

static inline long xen_tcg_copy_out(XenHypercall *hc, uint64_t va,
                                    const void *buf, size_t len)
{
    return xen_tcg_copy(hc->cs, va, (void *)buf, len, true) ? 0 : -EFAULT;
}

/* A guest "unsigned long" (xen_ulong_t, xen_pfn_t): 8 or 4 bytes */
static inline size_t xen_tcg_long_size(XenHypercall *hc)
{
    return hc->wide ? 8 : 4;
}

/*
 * Sub-operations whose argument is one fixed-size structure, the same in
 * both ABIs: its size, and whether the operation writes a result back.
 */
typedef struct XenStructOp {
    uint8_t size;
    bool out;
} XenStructOp;

/*
 * Copy sub-operation @cmd's argument in from @va, call @call on it and
 * copy the result back; -ENOSYS for a @cmd that @ops does not list.
 */
long xen_tcg_struct_op(XenHypercall *hc, const XenStructOp *ops,
                       size_t n_ops, uint64_t cmd, uint64_t va,
                       long (*call)(uint64_t cmd, void *arg));

/* Is @domid the caller itself? */
bool xen_tcg_domid_is_self(uint16_t domid);

/* Xen's system time: nanoseconds of QEMU's virtual clock */
int64_t xen_tcg_system_time_ns(void);

long xen_tcg_memory_op(XenHypercall *hc);
long xen_tcg_hvm_op(XenHypercall *hc);
long xen_tcg_grant_table_op(XenHypercall *hc);
long xen_tcg_event_channel_op(XenHypercall *hc);
long xen_tcg_physdev_op(XenHypercall *hc);
long xen_tcg_vcpu_op(XenHypercall *hc);
long xen_tcg_set_timer_op(XenHypercall *hc);
long xen_tcg_sched_block(XenHypercall *hc);
long xen_tcg_sched_poll(XenHypercall *hc);
long xen_tcg_console_io(XenHypercall *hc);

/* xen-tcg-console.c: the accelerator property "xen-console-io" */
void xen_tcg_console_class_init(ObjectClass *oc);

/* shared_info moved to @gpa (INVALID_GPA: unmapped): default vcpu_infos */
void xen_tcg_shared_info_moved(uint64_t gpa);

/* HVMOP_set_evtchn_upcall_vector: the vCPU's own upcall vector */
void xen_tcg_set_upcall_vector(CPUState *cs, uint8_t vector);

/*
 * Where Xen would re-enter the guest: deliver an upcall the guest set
 * pending itself, drop a callback line it no longer wants.  BQL held.
 */
void xen_tcg_recheck_upcall(CPUState *cs);

/*
 * TCG's side of the emulated Xen devices' accelerator interface
 * (system/xen-emu-vcpu.h): an upcall is pending on @cs, deliver it by
 * HVM_PARAM_CALLBACK_IRQ's @type (or the vCPU's own vector); the vCPU
 * part of a soft reset.
 */
void xen_tcg_inject_callback(CPUState *cs, int type);
void xen_tcg_vcpu_soft_reset(CPUState *cs, run_on_cpu_data data);

#endif
