/*
 * Starting vCPU 1 as Xen lets an HVM guest: VCPUOP_initialise with a
 * 32-bit vcpu_hvm_context, then VCPUOP_up (check 0x2a, "smp" on the
 * cmdline, -smp 2).  The firmware started vCPU 1 already; an INIT IPI
 * makes it a vCPU that has not run, as it does on Xen.  Each context
 * Xen refuses must get -EINVAL, and vCPU 1 must not run until
 * VCPUOP_up; then it must start at the context's EIP with its EAX and
 * ESP.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "xen-hvm.h"

#define LAPIC_ICR_LOW   0xfee00300
#define LAPIC_ICR_HIGH  0xfee00310
#define ICR_INIT        0x00004500      /* INIT, level assert */

/* Attributes: descriptor bits 40-47 in 0-7, bits 52-55 in 8-11 */
#define AR_CODE32       0xc9b   /* G, D: execute/read, accessed, present */
#define AR_DATA32       0xc93   /* G, B: read/write, accessed, present */
#define AR_TSS32        0x08b   /* busy 32-bit TSS, present */
#define AR_P            0x080

#define AP_EAX          0x5a17c0de
#define AP_RAN          0x600d  /* what ap_entry writes to ap_ran */

struct hvm_context32 {
    u32 mode, pad;
    u32 eax, ecx, edx, ebx, esp, ebp, esi, edi, eip, eflags;
    u32 cr0, cr3, cr4, pad1;
    u64 efer;
    u32 cs_base, ds_base, ss_base, es_base, tr_base;
    u32 cs_limit, ds_limit, ss_limit, es_limit, tr_limit;
    u16 cs_ar, ds_ar, ss_ar, es_ar, tr_ar;
    u16 pad2[3];
} __attribute__((packed));
_Static_assert(sizeof(struct hvm_context32) == 128, "vcpu_hvm_context");

/* What vCPU 1 saw when it started, written by ap_entry */
volatile u32 ap_ran, ap_eax, ap_esp;           /* vCPU 1 writes them */
static u8 ap_stack[1024] __attribute__((aligned(16)));

asm(".text\n"
    ".globl ap_entry\n"
    "ap_entry:\n"
    "    movl %eax, ap_eax\n"
    "    movl %esp, ap_esp\n"
    "    movl $0x600d, ap_ran\n"
    "1:  cli\n"
    "    hlt\n"
    "    jmp 1b\n");

static u32 vcpu_op(u32 op, u32 vcpu, const void *arg)
{
    return hypercall3(HC_VCPU_OP, op, vcpu, (u32)arg);
}

/* A context that starts vCPU 1 at ap_entry, flat 32-bit, paging off */
static struct hvm_context32 good_context(void)
{
    struct hvm_context32 c = { 0 };

    c.eip = (u32)ap_entry;
    c.eax = AP_EAX;
    c.esp = (u32)(ap_stack + sizeof(ap_stack));
    c.eflags = 2;
    c.cr0 = 0x11;                       /* PE, ET */
    /* in bytes whatever G says, as Xen loads them: XTF's usage too */
    c.cs_limit = c.ds_limit = c.ss_limit = c.es_limit = 0xffffffff;
    c.cs_ar = AR_CODE32;
    c.ds_ar = c.ss_ar = c.es_ar = AR_DATA32;
    c.tr_limit = 0x67;
    c.tr_ar = AR_TSS32;
    return c;
}

/* Spin for about @cycles TSC cycles, or until *@flag is set */
static void wait_for(volatile u32 *flag, u64 cycles)
{
    u64 end = rdtsc() + cycles;

    while (!*flag && rdtsc() < end) {
        asm volatile("pause");
    }
}

void check_vcpu_start(void)
{
    const int code = CHECK_VCPU_START;
    struct hvm_context32 c;
    u32 ret;

    current_check = code;
    c = good_context();
    ret = vcpu_op(VCPUOP_initialise, 1, &c);
    check_eq(code, "VCPUOP_initialise of vCPU 1, which the firmware "
             "started, is -EEXIST", ret, -EEXIST);

    /*
     * vCPU 1 takes the INIT when it next runs: until then it is still
     * initialised, and a context (one Xen refuses) gets -EEXIST
     */
    poke32((void *)LAPIC_ICR_HIGH, 1u << 24);
    poke32((void *)LAPIC_ICR_LOW, ICR_INIT);
    c.mode = 2;
    u64 end = rdtsc() + (1ull << 34);
    do {
        ret = vcpu_op(VCPUOP_initialise, 1, &c);
    } while (ret == (u32)-EEXIST && rdtsc() < end);
    check_eq(code, "after an INIT IPI, vCPU 1 is no longer initialised (a "
             "context with mode 2 is -EINVAL, not -EEXIST)", ret, -EINVAL);

    ret = vcpu_op(VCPUOP_up, 1, 0);
    check_eq(code, "VCPUOP_up of vCPU 1 after INIT, not initialised, is "
             "-EINVAL", ret, -EINVAL);
    ret = vcpu_op(VCPUOP_initialise, 1, (void *)NO_RAM_PTR);
    check_eq(code, "VCPUOP_initialise from 0x10000000 (no RAM) is -EFAULT",
             ret, -EFAULT);

    /* contexts Xen refuses, each one thing wrong */
    c = good_context();
    c.pad2[1] = 1;
    check_eq(code, "... padding set is -EINVAL",
             vcpu_op(VCPUOP_initialise, 1, &c), -EINVAL);
    c = good_context();
    c.cs_ar &= ~AR_P;
    check_eq(code, "... CS not present is -EINVAL",
             vcpu_op(VCPUOP_initialise, 1, &c), -EINVAL);
    c = good_context();
    c.ss_ar |= 3 << 5;
    check_eq(code, "... SS.DPL 3 with CS.DPL 0 is -EINVAL",
             vcpu_op(VCPUOP_initialise, 1, &c), -EINVAL);
    c = good_context();
    c.tr_ar = AR_DATA32;
    check_eq(code, "... TR a data segment is -EINVAL",
             vcpu_op(VCPUOP_initialise, 1, &c), -EINVAL);
    c = good_context();
    c.cs_limit = 0xfffff;               /* 1 MiB */
    c.cs_ar &= ~0x800;
    c.eip = 0x100000;
    check_eq(code, "... EIP past CS's limit is -EINVAL",
             vcpu_op(VCPUOP_initialise, 1, &c), -EINVAL);
    c = good_context();
    c.efer = 0x400;                     /* LMA without LME */
    check_eq(code, "... EFER.LMA without LME is -EINVAL",
             vcpu_op(VCPUOP_initialise, 1, &c), -EINVAL);
    c = good_context();
    c.cr4 = 1u << 31;                   /* reserved */
    check_eq(code, "... a reserved CR4 bit is -EINVAL",
             vcpu_op(VCPUOP_initialise, 1, &c), -EINVAL);

    ap_ran = 0;
    c = good_context();
    ret = vcpu_op(VCPUOP_initialise, 1, &c);
    check_eq(code, "VCPUOP_initialise of vCPU 1 with a flat 32-bit context",
             ret, 0);
    ret = vcpu_op(VCPUOP_initialise, 1, &c);
    check_eq(code, "... a second time is -EEXIST", ret, -EEXIST);
    wait_for(&ap_ran, 1u << 26);
    check(code, !ap_ran, "vCPU 1 does not run before VCPUOP_up", ap_ran);

    ret = vcpu_op(VCPUOP_up, 1, 0);
    check_eq(code, "VCPUOP_up of vCPU 1", ret, 0);
    wait_for(&ap_ran, 1ull << 34);
    check(code, ap_ran == AP_RAN && ap_eax == AP_EAX &&
                ap_esp == (u32)(ap_stack + sizeof(ap_stack)),
          "vCPU 1 runs at the context's EIP, with its EAX and ESP", ap_eax);
    ret = vcpu_op(VCPUOP_up, 1, 0);
    check_eq(code, "VCPUOP_up of vCPU 1, up already, is 0", ret, 0);
}
