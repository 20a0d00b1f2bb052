/*
 * Xen HVM guests under TCG: the vCPU side of the Xen interface
 *
 * What KVM's Xen mode does in the host kernel, done in QEMU: the Xen
 * CPUID leaves, the hypercall page MSR, hypercall dispatch and the
 * vCPU side of event delivery.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TARGET_I386_XEN_TCG_H
#define TARGET_I386_XEN_TCG_H

#ifdef CONFIG_TCG

/* -accel tcg,xen-version=V (major << 16 | minor); 0: no Xen */
extern uint32_t xen_tcg_version;

static inline bool xen_tcg_enabled(void)
{
    return xen_tcg_version != 0;
}

/*
 * -accel tcg,xen-fep=on: Xen's forced emulation prefix, "ud2; .ascii
 * \"xen\"", is taken as a prefix that does nothing (Xen's hvm_fep option,
 * for tests that want the instruction after it emulated; here every
 * instruction is)
 */
extern bool xen_tcg_fep;

/* The Xen CPUID leaves; false for leaves that are not Xen's */
bool xen_tcg_cpuid(CPUX86State *env, uint32_t index, uint32_t *eax,
                   uint32_t *ebx, uint32_t *ecx, uint32_t *edx);

/* Highest Xen CPUID leaf */
uint32_t xen_tcg_cpuid_limit(void);

/* wrmsr of the hypercall page MSR; false for any other MSR */
bool xen_tcg_wrmsr(CPUX86State *env, uint32_t msr, uint64_t val,
                   uintptr_t retaddr);

/* For cpu_get_pic_interrupt(): the callback vector to take now, or -1 */
int xen_tcg_callback_vector(X86CPU *cpu);

/*
 * Is HVM_PARAM_CALLBACK_IRQ's vector due on @cpu?  Like a level: while
 * it is, the APIC and the PIC must not clear CPU_INTERRUPT_HARD.
 */
bool xen_tcg_vector_upcall_pending(X86CPU *cpu);

/* The callback route changed: deliver the upcalls already pending */
void xen_tcg_kick_upcalls(void);

/* HLT: an upcall the guest set pending itself must wake it, as on Xen */
void xen_tcg_halt(CPUX86State *env);

#else

#define xen_tcg_fep false

static inline bool xen_tcg_enabled(void)
{
    return false;
}

static inline bool xen_tcg_cpuid(CPUX86State *env, uint32_t index,
                                 uint32_t *eax, uint32_t *ebx,
                                 uint32_t *ecx, uint32_t *edx)
{
    return false;
}

static inline uint32_t xen_tcg_cpuid_limit(void)
{
    return 0;
}

static inline int xen_tcg_callback_vector(X86CPU *cpu)
{
    return -1;
}

static inline bool xen_tcg_vector_upcall_pending(X86CPU *cpu)
{
    return false;
}

static inline void xen_tcg_halt(CPUX86State *env)
{
}

#endif

#endif
