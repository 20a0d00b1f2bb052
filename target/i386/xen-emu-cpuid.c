/*
 * Xen HVM emulation: the Xen CPUID leaves, for every accelerator
 *
 * A guest finds Xen by the signature in the hypervisor range, then reads
 * its version, where the hypercall page MSR is, the TSC mode and which
 * HVM features it has (Xen's public/arch-x86/cpuid.h).  KVM puts these
 * into the vCPU's CPUID table once; TCG answers each CPUID with them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "cpu.h"
#include "hw/xen/interface/arch-x86/cpuid.h"
#include "xen-emu-cpuid.h"

#define XEN_VERSION(maj, min)   ((maj) << 16 | (min))

/* Leaf 3, EAX: the TSC is invariant or its frequency set by the user */
static bool tsc_stable(CPUX86State *env)
{
    return env->tsc_khz &&
           ((env->features[FEAT_8000_0007_EDX] & CPUID_APM_INVTSC) ||
            env->user_tsc_khz);
}

void xen_emu_cpuid(X86CPU *cpu, uint32_t version, uint32_t base,
                   uint32_t leaf, uint32_t msr, uint32_t *eax,
                   uint32_t *ebx, uint32_t *ecx, uint32_t *edx)
{
    CPUX86State *env = &cpu->env;

    *eax = *ebx = *ecx = *edx = 0;
    switch (leaf) {
    case 0:
        *eax = base + XEN_EMU_CPUID_LEAVES - 1;
        *ebx = XEN_CPUID_SIGNATURE_EBX;
        *ecx = XEN_CPUID_SIGNATURE_ECX;
        *edx = XEN_CPUID_SIGNATURE_EDX;
        break;
    case 1:
        *eax = version;
        break;
    case 2:
        *eax = 1;               /* hypercall pages */
        *ebx = msr;
        break;
    case 3:
        /* TSC mode "emulate if necessary" (0); RDTSCP if the CPU has it */
        *eax = tsc_stable(env) << 1;
        if (env->features[FEAT_8000_0001_EDX] & CPUID_EXT2_RDTSCP) {
            *eax |= 1u << 2;
        }
        *ecx = env->user_tsc_khz;
        break;
    case 4:
        if (version >= XEN_VERSION(4, 5)) {
            *eax |= XEN_HVM_CPUID_IOMMU_MAPPINGS;
            /*
             * -cpu ...,+xen-vapic: the guest may use its (x2)APIC
             * directly, and routes MSIs natively, not as PIRQs
             */
            if (cpu->xen_vapic) {
                *eax |= XEN_HVM_CPUID_APIC_ACCESS_VIRT |
                        XEN_HVM_CPUID_X2APIC_VIRT;
            }
        }
        if (version >= XEN_VERSION(4, 6)) {
            *eax |= XEN_HVM_CPUID_VCPU_ID_PRESENT;
            *ebx = CPU(cpu)->cpu_index;
        }
        if (version >= XEN_VERSION(4, 17)) {
            *eax |= XEN_HVM_CPUID_UPCALL_VECTOR;
        }
        break;
    }
}
