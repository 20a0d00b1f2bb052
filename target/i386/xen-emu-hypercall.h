/*
 * Xen HVM emulation: the hypercall layer every accelerator shares
 *
 * KVM (target/i386/kvm/xen-emu.c) and TCG (target/i386/tcg/system/
 * xen-tcg.c) catch the guest's hypercalls and hand them to
 * xen_emu_hypercall() as an XenHypercall.  The families live here:
 * xen-emu-hypercall.c dispatches and has xen_version and sched_op;
 * xen-emu-hvm.c memory_op, hvm_op and grant_table_op; xen-emu-evtchn.c
 * event_channel_op and physdev_op; xen-emu-vcpu-op.c vcpu_op and the
 * Xen timers; xen-emu-console.c console_io.  What an accelerator does
 * itself is asked of it through XenEmuAccelOps (system/xen-emu-vcpu.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TARGET_I386_XEN_EMU_HYPERCALL_H
#define TARGET_I386_XEN_EMU_HYPERCALL_H

#include "system/xen-emu-vcpu.h"

/* The running accelerator's ops; set before any hypercall can come */
const XenEmuAccelOps *xen_emu_accel_ops(void);

/* One hypercall as the guest made it */
typedef struct XenHypercall {
    CPUState *cs;
    bool wide;          /* 64-bit ABI: longs and pointers are 8 bytes */
    uint64_t arg[5];
} XenHypercall;

/*
 * Hypercall @nr of @hc's vCPU, made at CPL 0: its result, a value or a
 * -errno.  Takes the BQL where the family needs it; called without it.
 */
long xen_emu_hypercall(XenHypercall *hc, uint64_t nr);

/*
 * Copy to or from the guest virtual address @va; false if any of it is
 * not guest RAM (writable RAM for @to_guest), so the caller says -EFAULT.
 */
bool xen_emu_copy(CPUState *cs, uint64_t va, void *buf, size_t len,
                  bool to_guest);

/* The guest-physical address of @va for @cs, or false */
bool xen_emu_gva_to_gpa(CPUState *cs, uint64_t va, uint64_t *gpa);

static inline long xen_emu_copy_in(XenHypercall *hc, uint64_t va,
                                   void *buf, size_t len)
{
    return xen_emu_copy(hc->cs, va, buf, len, false) ? 0 : -EFAULT;
}

static inline long xen_emu_copy_out(XenHypercall *hc, uint64_t va,
                                    const void *buf, size_t len)
{
    return xen_emu_copy(hc->cs, va, (void *)buf, len, true) ? 0 : -EFAULT;
}

/* A guest "unsigned long" (xen_ulong_t, xen_pfn_t): 8 or 4 bytes */
static inline size_t xen_emu_long_size(XenHypercall *hc)
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
long xen_emu_struct_op(XenHypercall *hc, const XenStructOp *ops,
                       size_t n_ops, uint64_t cmd, uint64_t va,
                       long (*call)(uint64_t cmd, void *arg));

/* Is @domid the caller itself? */
bool xen_emu_domid_is_self(uint16_t domid);

/* Called once, when an accelerator sets up Xen emulation */
void xen_emu_hypercall_init(void);

/* The emulated Xen version (XENVER_version form), as the accelerator has it */
uint32_t xen_emu_version(void);

/*
 * Ballooning (xen-emu-balloon.c), BQL held: give back or populate the
 * aligned extent of 2^@order frames at @gfn, false if not all of it can
 * be; the guest's frames of RAM now, and at most.
 */
void xen_emu_balloon_init(void);
bool xen_emu_balloon_out(uint64_t gfn, unsigned int order);
bool xen_emu_balloon_in(uint64_t gfn, unsigned int order);
uint64_t xen_emu_balloon_current(void);
uint64_t xen_emu_balloon_maximum(void);
/* after a change of reservation: QEMU's BALLOON_CHANGE event */
void xen_emu_balloon_changed(void);

/* The families, BQL held */
long xen_emu_memory_op(XenHypercall *hc);
long xen_emu_hvm_op(XenHypercall *hc);
long xen_emu_grant_table_op(XenHypercall *hc);
long xen_emu_event_channel_op(XenHypercall *hc);
long xen_emu_physdev_op(XenHypercall *hc);
long xen_emu_vcpu_op(XenHypercall *hc);
/* xen-emu-vcpu-start.c: VCPUOP_initialise and VCPUOP_up of @target */
long xen_emu_vcpu_initialise(XenHypercall *hc, CPUState *target);
long xen_emu_vcpu_up(CPUState *target);
long xen_emu_set_timer_op(XenHypercall *hc);
long xen_emu_console_io(XenHypercall *hc);

/* xen-emu-console.c: the accelerator property "xen-console-io" */
void xen_emu_console_class_init(ObjectClass *oc);

/* shared_info moved to @gpa (INVALID_GPA: unmapped): default vcpu_infos */
void xen_emu_shared_info_moved(uint64_t gpa);

/*
 * xen-emu-vcpu-op.c, for the accelerators: create @cs's Xen timers
 * (idempotent); arm them for a deadline in Xen system time or a period
 * (0: stop), as when restoring a vCPU's saved state.
 */
void xen_emu_vcpu_timers_init(CPUState *cs);
void xen_emu_set_singleshot_timer(CPUState *cs, int64_t deadline);
void xen_emu_set_periodic_timer(CPUState *cs, uint64_t period_ns);

/* Point @cs's vcpu_info at @gpa (INVALID_GPA: none); false if not RAM */
bool xen_emu_map_vcpu_info(CPUState *cs, uint64_t gpa);

/* Forget @cs's registered areas, vector, VIRQs and timers; on @cs */
void xen_emu_vcpu_reset_state(CPUState *cs);

#endif
