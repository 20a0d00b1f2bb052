/*
 * Xen HVM emulation: starting a vCPU with VCPUOP_initialise and VCPUOP_up
 *
 * An HVM guest may start its secondary vCPUs as on bare metal (INIT and
 * SIPI through the local APIC), or as Xen lets it: VCPUOP_initialise
 * gives a vCPU that has not started yet its first state, in 32-bit or
 * 64-bit mode (struct vcpu_hvm_context, public/hvm/hvm_vcpu.h), and
 * VCPUOP_up starts it there.  Between the two the vCPU is "down": it
 * does not run, and no interrupt wakes it (env->xen_vcpu_down).
 *
 * Xen's errors (common/domain.c, arch/x86/hvm/domain.c):
 *  - -ENOENT: no such vCPU (the dispatcher's);
 *  - -EINVAL: a vCPU beyond shared_info's 32 vcpu_info slots that has
 *    registered none;
 *  - -EFAULT: the context cannot be read;
 *  - -EEXIST: the vCPU was initialised already: it runs, or it has been
 *    given its state and waits for VCPUOP_up;
 *  - -EINVAL: the context is refused (logged with -d guest_errors), and
 *    for VCPUOP_up of a vCPU that was never initialised.
 *
 * Where an accelerator cannot tell whether a vCPU waits for its SIPI
 * (KVM keeps that in the kernel), both are -ENOSYS, as before.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/bswap.h"
#include "qemu/main-loop.h"
#include "cpu.h"
#include "system/hw_accel.h"
#include "system/kvm_xen.h"
#include "hw/xen/interface/xen.h"
#include "xen-emu-hypercall.h"
#include "trace.h"

/*
 * struct vcpu_hvm_context, as the guest lays it out: the same in both
 * ABIs (Xen checks it is so for its 32-bit guests).
 */
#define HVM_MODE_32B    0
#define HVM_MODE_64B    1

/* The order of the 32-bit context's segments */
enum { SEG_CS, SEG_DS, SEG_SS, SEG_ES, SEG_TR, NR_SEGS };

static const char *const seg_name[NR_SEGS] = { "CS", "DS", "SS", "ES", "TR" };

typedef struct HvmContext {
    uint32_t mode;
    uint32_t pad;
    union {
        struct {
            uint32_t gpr[8];    /* eax, ecx, edx, ebx, esp, ebp, esi, edi */
            uint32_t eip, eflags, cr0, cr3, cr4, pad1;
            uint64_t efer;
            uint32_t base[NR_SEGS];
            uint32_t limit[NR_SEGS];
            uint16_t ar[NR_SEGS];
            uint16_t pad2[3];
        } r32;
        struct {
            uint64_t gpr[8];    /* rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi */
            uint64_t rip, rflags, cr0, cr3, cr4, efer;
        } r64;
    };
} HvmContext;

QEMU_BUILD_BUG_ON(sizeof(HvmContext) != 128);
QEMU_BUILD_BUG_ON(offsetof(HvmContext, r32.efer) != 64);
QEMU_BUILD_BUG_ON(offsetof(HvmContext, r32.ar) != 112);
QEMU_BUILD_BUG_ON(offsetof(HvmContext, r64.efer) != 112);

/*
 * Segment attributes in the context: descriptor bits 40-47 in bits 0-7,
 * bits 52-55 in bits 8-11, bits 12-15 must be clear.
 */
#define AR_TYPE         0x00f
#define AR_S            0x010
#define AR_DPL_SHIFT    5
#define AR_P            0x080
#define AR_G            0x800
#define AR_PAD          0xf000

/* The 64-bit context's segments, which Xen fixes */
#define AR_CODE64       0xa9b   /* L, G: execute/read, accessed */
#define AR_DATA         0xc93   /* D/B, G: read/write, accessed */
#define AR_TSS_BUSY     0x08b   /* busy 32-bit (64-bit) TSS */

/* The RFLAGS bits a context sets: CF to ID; bit 1 always reads 1 */
#define FLAGS_ALL       0x3f7fd5

/* The state to load, checked */
typedef struct HvmStart {
    uint64_t gpr[8];
    uint64_t rip, rflags, cr0, cr3, cr4, efer;
    SegmentCache seg[NR_SEGS];
} HvmStart;

static long G_GNUC_PRINTF(2, 3) refuse(CPUState *target, const char *fmt, ...)
{
    g_autofree char *why = NULL;
    va_list ap;

    va_start(ap, fmt);
    why = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    qemu_log_mask(LOG_GUEST_ERROR,
                  "xen: VCPUOP_initialise of vCPU %d refused: %s\n",
                  target->cpu_index, why);
    return -EINVAL;
}

static unsigned ar_dpl(uint16_t ar)
{
    return (ar >> AR_DPL_SHIFT) & 3;
}

static SegmentCache seg_cache(uint32_t base, uint32_t limit, uint16_t ar)
{
    return (SegmentCache) {
        .base = base,
        .limit = limit,
        /* as in the descriptor's second word */
        .flags = (ar & 0xff) << DESC_TYPE_SHIFT | (ar & 0xf00) << 12,
    };
}

/*
 * A segment of the 32-bit context, as Xen checks it; @ar gets the
 * accessed (TR: busy) bit that Xen sets in a present segment.
 */
static long check_segment(CPUState *target, int seg, uint16_t *ar)
{
    const char *name = seg_name[seg];
    unsigned type;

    if (*ar & AR_PAD) {
        return refuse(target, "%s attributes 0x%x set bits 12-15",
                      name, *ar);
    }
    if (*ar & AR_P) {
        *ar |= seg == SEG_TR ? 2 : 1;
    }
    if (!*ar) {
        if (seg == SEG_DS || seg == SEG_ES) {
            return 0;   /* a null segment */
        }
        return refuse(target, "%s is null", name);
    }
    type = *ar & AR_TYPE;
    if (seg == SEG_TR) {
        if (*ar & AR_S) {
            return refuse(target, "TR is a code or data segment");
        }
        if (type != 0xb) {
            return refuse(target, "TR is not a busy 32-bit TSS (type %u)",
                          type);
        }
    } else if (!(*ar & AR_S)) {
        return refuse(target, "%s is a system segment", name);
    }
    if (!(*ar & AR_P)) {
        return refuse(target, "%s is not present", name);
    }
    switch (seg) {
    case SEG_CS:
        if (!(type & 8)) {
            return refuse(target, "CS is not a code segment");
        }
        break;
    case SEG_SS:
        if ((type & 8) || !(type & 2)) {
            return refuse(target, "SS is not a writable data segment");
        }
        break;
    case SEG_DS:
    case SEG_ES:
        if ((type & 8) && !(type & 2)) {
            return refuse(target, "%s is an execute-only code segment",
                          name);
        }
        break;
    }
    return 0;
}

static long parse_32(CPUState *target, const HvmContext *c, HvmStart *st)
{
    uint16_t ar[NR_SEGS];
    uint32_t limit;
    long err;

    if (c->r32.pad1 || c->r32.pad2[0] || c->r32.pad2[1] || c->r32.pad2[2]) {
        return refuse(target, "padding is not zero");
    }
    for (int i = 0; i < NR_SEGS; i++) {
        ar[i] = le16_to_cpu(c->r32.ar[i]);
        err = check_segment(target, i, &ar[i]);
        if (err) {
            return err;
        }
        st->seg[i] = seg_cache(le32_to_cpu(c->r32.base[i]),
                               le32_to_cpu(c->r32.limit[i]), ar[i]);
    }
    /* Xen scales the limit by G itself before comparing */
    limit = st->seg[SEG_CS].limit;
    if (ar[SEG_CS] & AR_G) {
        limit = limit << 12 | 0xfff;
    }
    st->rip = le32_to_cpu(c->r32.eip);
    if (st->rip > limit) {
        return refuse(target, "EIP 0x%" PRIx64 " is beyond CS's limit 0x%x",
                      st->rip, limit);
    }
    if (ar_dpl(ar[SEG_SS]) != ar_dpl(ar[SEG_CS])) {
        return refuse(target, "SS.DPL %u is not CS.DPL %u",
                      ar_dpl(ar[SEG_SS]), ar_dpl(ar[SEG_CS]));
    }
    for (int i = SEG_DS; i <= SEG_ES; i++) {
        if (i != SEG_SS && (ar[i] & AR_P) &&
            ar_dpl(ar[i]) > ar_dpl(ar[SEG_CS])) {
            return refuse(target, "%s.DPL %u is above CS.DPL %u",
                          seg_name[i], ar_dpl(ar[i]), ar_dpl(ar[SEG_CS]));
        }
    }
    st->efer = le64_to_cpu(c->r32.efer);
    if ((st->efer & MSR_EFER_LMA) && !(st->efer & MSR_EFER_LME)) {
        return refuse(target, "EFER 0x%" PRIx64 " has LMA without LME",
                      st->efer);
    }
    for (int i = 0; i < 8; i++) {
        st->gpr[i] = le32_to_cpu(c->r32.gpr[i]);
    }
    st->rflags = le32_to_cpu(c->r32.eflags);
    st->cr0 = le32_to_cpu(c->r32.cr0);
    st->cr3 = le32_to_cpu(c->r32.cr3);
    st->cr4 = le32_to_cpu(c->r32.cr4);
    return 0;
}

static long parse_64(CPUState *target, const HvmContext *c, HvmStart *st)
{
    st->rip = le64_to_cpu(c->r64.rip);
    st->cr0 = le64_to_cpu(c->r64.cr0);
    st->cr4 = le64_to_cpu(c->r64.cr4);
    st->efer = le64_to_cpu(c->r64.efer);
    /* canonical with 48 address bits, as Xen has it */
    if ((int64_t)st->rip >> 47 != (int64_t)st->rip >> 63) {
        return refuse(target, "RIP 0x%" PRIx64 " is not canonical", st->rip);
    }
    if (!(st->cr0 & CR0_PG_MASK)) {
        return refuse(target, "CR0 0x%" PRIx64 " has paging off", st->cr0);
    }
    if (!(st->cr4 & CR4_PAE_MASK)) {
        return refuse(target, "CR4 0x%" PRIx64 " has PAE off", st->cr4);
    }
    if (!(st->efer & MSR_EFER_LME)) {
        return refuse(target, "EFER 0x%" PRIx64 " has LME off", st->efer);
    }
    for (int i = 0; i < 8; i++) {
        st->gpr[i] = le64_to_cpu(c->r64.gpr[i]);
    }
    st->rflags = le64_to_cpu(c->r64.rflags);
    st->cr3 = le64_to_cpu(c->r64.cr3);
    st->seg[SEG_CS] = seg_cache(0, UINT32_MAX, AR_CODE64);
    st->seg[SEG_DS] = st->seg[SEG_SS] = st->seg[SEG_ES] =
        seg_cache(0, UINT32_MAX, AR_DATA);
    st->seg[SEG_TR] = seg_cache(0, 0x67, AR_TSS_BUSY);
    return 0;
}

/* The EFER bits @env's CPUID offers, as WRMSR lets the guest set them */
static uint64_t efer_valid_bits(CPUX86State *env)
{
    uint32_t edx = env->features[FEAT_8000_0001_EDX];
    uint64_t valid = 0;

    if (edx & CPUID_EXT2_SYSCALL) {
        valid |= MSR_EFER_SCE;
    }
    if (edx & CPUID_EXT2_LM) {
        valid |= MSR_EFER_LME | MSR_EFER_LMA;
    }
    if (edx & CPUID_EXT2_NX) {
        valid |= MSR_EFER_NXE;
    }
    if (edx & CPUID_EXT2_FFXSR) {
        valid |= MSR_EFER_FFXSR;
    }
    if (env->features[FEAT_8000_0001_ECX] & CPUID_EXT3_SVM) {
        valid |= MSR_EFER_SVME;
    }
    return valid;
}

/* What both modes check: the control registers against the vCPU */
static long check_control(CPUState *target, HvmStart *st)
{
    CPUX86State *env = &X86_CPU(target)->env;
    uint64_t bad;

    if (st->efer & MSR_EFER_LME) {
        st->efer |= MSR_EFER_LMA;
    }
    /* Xen: CR4 and EFER bits as the vCPU's CPUID allows them */
    bad = st->cr4 & cr4_reserved_bits(env);
    if (!(env->features[FEAT_1_ECX] & CPUID_EXT_PCID)) {
        bad |= st->cr4 & CR4_PCIDE_MASK;
    }
    if (bad) {
        return refuse(target, "CR4 0x%" PRIx64 " sets bits 0x%" PRIx64
                      " that the vCPU does not have", st->cr4, bad);
    }
    bad = st->efer & ~efer_valid_bits(env);
    if (bad) {
        return refuse(target, "EFER 0x%" PRIx64 " sets bits 0x%" PRIx64
                      " that the vCPU does not have", st->efer, bad);
    }
    /*
     * Beyond Xen's checks: combinations that no processor lets software
     * reach (MOV to CR0 or CR4 raises #GP instead), and that the vCPU
     * could not be put in faithfully.
     */
    if (st->cr0 >> 32) {
        return refuse(target, "CR0 0x%" PRIx64 " sets reserved bits",
                      st->cr0);
    }
    if ((st->cr0 & CR0_PG_MASK) && !(st->cr0 & CR0_PE_MASK)) {
        return refuse(target, "CR0 0x%" PRIx64 " has paging without "
                      "protection", st->cr0);
    }
    if ((st->cr0 & CR0_NW_MASK) && !(st->cr0 & CR0_CD_MASK)) {
        return refuse(target, "CR0 0x%" PRIx64 " has NW without CD",
                      st->cr0);
    }
    if ((st->efer & MSR_EFER_LMA) &&
        (!(st->cr0 & CR0_PG_MASK) || !(st->cr4 & CR4_PAE_MASK))) {
        return refuse(target, "long mode (EFER 0x%" PRIx64 ") without "
                      "paging and PAE (CR0 0x%" PRIx64 ", CR4 0x%" PRIx64 ")",
                      st->efer, st->cr0, st->cr4);
    }
    if ((st->cr4 & CR4_PCIDE_MASK) && !(st->efer & MSR_EFER_LMA)) {
        return refuse(target, "CR4 0x%" PRIx64 " has PCIDE outside long "
                      "mode", st->cr4);
    }
    if ((st->efer & MSR_EFER_LMA) && (st->rflags & VM_MASK)) {
        return refuse(target, "virtual-8086 mode in long mode");
    }
    st->rflags = (st->rflags & FLAGS_ALL) | 2;
    return 0;
}

/* The vCPU, halted and down, takes its new state; runs on it */
static void load_state(CPUState *cs, run_on_cpu_data data)
{
    g_autofree HvmStart *st = data.host_ptr;
    CPUX86State *env = &X86_CPU(cs)->env;

    if (!env->xen_vcpu_down) {
        return;     /* a reset or INIT came first */
    }
    cpu_synchronize_state(cs);
    for (int i = 0; i < 8; i++) {
        env->regs[i] = st->gpr[i];
    }
    env->eip = st->rip;
    env->eflags = st->rflags;
    cpu_load_efer(env, st->efer);
    cpu_x86_update_cr4(env, st->cr4);
    cpu_x86_update_cr3(env, st->cr3);
    cpu_x86_update_cr0(env, st->cr0);
    env->segs[R_CS] = st->seg[SEG_CS];
    env->segs[R_DS] = st->seg[SEG_DS];
    env->segs[R_SS] = st->seg[SEG_SS];
    env->segs[R_ES] = st->seg[SEG_ES];
    env->tr = st->seg[SEG_TR];
    x86_update_hflags(env);
    /* it has been initialised: a SIPI no longer starts it */
    xen_emu_accel_ops()->vcpu_end_sipi_wait(cs);
}

/* Has @target been initialised: does it run, or wait for VCPUOP_up? */
static bool initialised(CPUState *target)
{
    return X86_CPU(target)->env.xen_vcpu_down ||
           !xen_emu_accel_ops()->vcpu_waits_for_sipi(target);
}

long xen_emu_vcpu_initialise(XenHypercall *hc, CPUState *target)
{
    CPUX86State *env = &X86_CPU(target)->env;
    g_autofree HvmStart *st = NULL;
    HvmContext ctx;
    long err;

    if (!xen_emu_accel_ops()->vcpu_waits_for_sipi) {
        return -ENOSYS;
    }
    if (target->cpu_index >= XEN_LEGACY_MAX_VCPUS &&
        env->xen_vcpu_info_gpa == INVALID_GPA) {
        return -EINVAL;     /* no vcpu_info */
    }
    err = xen_emu_copy_in(hc, hc->arg[2], &ctx, sizeof(ctx));
    if (err) {
        return err;
    }
    if (initialised(target)) {
        return -EEXIST;
    }
    if (ctx.pad) {
        return refuse(target, "padding is not zero");
    }
    st = g_new0(HvmStart, 1);
    switch (le32_to_cpu(ctx.mode)) {
    case HVM_MODE_32B:
        err = parse_32(target, &ctx, st);
        break;
    case HVM_MODE_64B:
        err = parse_64(target, &ctx, st);
        break;
    default:
        err = refuse(target, "mode %u is neither 32-bit (0) nor 64-bit (1)",
                     le32_to_cpu(ctx.mode));
        break;
    }
    err = err ? err : check_control(target, st);
    if (err) {
        return err;
    }
    trace_xen_emu_vcpu_initialise(target->cpu_index, le32_to_cpu(ctx.mode),
                                  st->rip);
    env->xen_vcpu_down = true;
    async_run_on_cpu(target, load_state,
                     RUN_ON_CPU_HOST_PTR(g_steal_pointer(&st)));
    return 0;
}

/* The vCPU runs from the state it was given; runs on it */
static void start(CPUState *cs, run_on_cpu_data data)
{
    CPUX86State *env = &X86_CPU(cs)->env;

    if (env->xen_vcpu_down) {
        env->xen_vcpu_down = false;
        cs->halted = 0;
    }
}

long xen_emu_vcpu_up(CPUState *target)
{
    if (!xen_emu_accel_ops()->vcpu_waits_for_sipi) {
        return -ENOSYS;
    }
    if (!initialised(target)) {
        return -EINVAL;
    }
    /* up already, as on Xen, is no error */
    if (X86_CPU(target)->env.xen_vcpu_down) {
        trace_xen_emu_vcpu_up(target->cpu_index);
        async_run_on_cpu(target, start, RUN_ON_CPU_NULL);
    }
    return 0;
}
