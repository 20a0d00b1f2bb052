/*
 * Xen HVM guests under TCG: the vCPU side of the Xen interface
 *
 * What KVM's Xen mode does in the host kernel, done in QEMU: the Xen
 * CPUID leaves, the hypercall page MSR and hypercall dispatch.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TARGET_I386_XEN_TCG_H
#define TARGET_I386_XEN_TCG_H

/* -accel tcg,xen-version=V (major << 16 | minor); 0: no Xen */
extern uint32_t xen_tcg_version;

static inline bool xen_tcg_enabled(void)
{
    return xen_tcg_version != 0;
}

/* The Xen CPUID leaves; false for leaves that are not Xen's */
bool xen_tcg_cpuid(CPUX86State *env, uint32_t index, uint32_t *eax,
                   uint32_t *ebx, uint32_t *ecx, uint32_t *edx);

/* Highest Xen CPUID leaf */
uint32_t xen_tcg_cpuid_limit(void);

/* -accel tcg,xen-gnttab-max-frames=N,xen-evtchn-max-pirq=N (as KVM's) */
uint16_t xen_tcg_gnttab_max_frames(void);
uint16_t xen_tcg_evtchn_max_pirq(void);

/* Adds the accelerator's Xen properties */
void xen_tcg_accel_class_init(ObjectClass *oc);

/* wrmsr of the hypercall page MSR; false for any other MSR */
bool xen_tcg_wrmsr(CPUX86State *env, uint32_t msr, uint64_t val,
                   uintptr_t retaddr);

#endif
