/*
 * Xen HVM guests under TCG: what xen-tcg.c and xen-tcg-vcpu.c share
 *
 * The hypercalls themselves are the shared layer's (target/i386/
 * xen-emu-hypercall.h); these are TCG's side of XenEmuAccelOps, what
 * KVM's Xen mode does in the host kernel.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef XEN_TCG_INTERNAL_H
#define XEN_TCG_INTERNAL_H

#include "system/xen-emu-vcpu.h"

/* Xen's system time: nanoseconds of QEMU's virtual clock */
int64_t xen_tcg_system_time_ns(void);

/* An upcall is pending on @cs: deliver it by @type or its own vector */
void xen_tcg_inject_callback(CPUState *cs, int type);

/* A hypercall changed @what of @cs's Xen state */
void xen_tcg_vcpu_changed(CPUState *cs, XenEmuVcpuChange what);
void xen_tcg_vcpu_loaded(CPUState *cs);

/*
 * Where Xen would re-enter the guest: deliver an upcall the guest set
 * pending itself, drop a callback line it no longer wants.  BQL held.
 */
void xen_tcg_recheck_upcall(CPUState *cs);

/*
 * xen-tcg-time.c: set up once; publish @cs's time now (and the
 * wallclock), or again if its anchor is old (at hypercalls).  BQL held.
 */
void xen_tcg_time_init(void);
void xen_tcg_publish_time(CPUState *cs, bool wallclock);
void xen_tcg_refresh_time(CPUState *cs);
/* ... and its runstate area's times, from @cs's own thread */
void xen_tcg_update_runstate(CPUState *cs);

/* SCHEDOP_block: halt until an upcall is pending */
long xen_tcg_sched_block(CPUState *cs);

/* Is @cs waiting for its SIPI?  It is not any more (runs on @cs) */
bool xen_tcg_vcpu_waits_for_sipi(CPUState *cs);
void xen_tcg_vcpu_end_sipi_wait(CPUState *cs);

/* The vCPU part of a soft reset; runs on @cs */
void xen_tcg_vcpu_soft_reset(CPUState *cs, run_on_cpu_data data);

#endif
