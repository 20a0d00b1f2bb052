/*
 * Xen HVM emulation: the Xen CPUID leaves, for every accelerator
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TARGET_I386_XEN_EMU_CPUID_H
#define TARGET_I386_XEN_EMU_CPUID_H

/* Leaves 0 (signature) to 4 (HVM features) of Xen's range */
#define XEN_EMU_CPUID_LEAVES    5

/*
 * Leaf @base + @leaf of the Xen CPUID range for @cpu, emulating Xen
 * @version (XENVER_version form) with its hypercall page MSR at @msr.
 * @base is 0x40000000, or 0x40000100 behind Hyper-V's leaves.
 */
void xen_emu_cpuid(X86CPU *cpu, uint32_t version, uint32_t base,
                   uint32_t leaf, uint32_t msr, uint32_t *eax,
                   uint32_t *ebx, uint32_t *ecx, uint32_t *edx);

#endif
