/*
 * Xen HVM guests under TCG: CPUID leaves, hypercall page, hypercalls
 *
 * The guest finds Xen through CPUID 0x40000000 and up (Xen's
 * public/arch-x86/cpuid.h), asks for a hypercall page by writing its
 * guest-physical address, with the page index in the low bits, to the
 * MSR that leaf 0x40000002 names, and calls into that page.  Each
 * 32-byte stub there loads the hypercall number into EAX and executes
 * VMCALL (Intel) or VMMCALL (AMD), which land in helper_xen_hypercall().
 *
 * Arguments: RDI, RSI, RDX, R10, R8 in 64-bit mode; EBX, ECX, EDX, ESI,
 * EDI in 32-bit mode; the result goes to RAX.  As on Xen, a hypercall
 * from CPL > 0 gets -EPERM, an unknown one -ENOSYS, and a pointer that
 * does not lead to guest RAM -EFAULT.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/cutils.h"
#include "qapi/visitor.h"
#include "cpu.h"
#include "exec/helper-proto.h"
#include "exec/address-spaces.h"
#include "exec/memory.h"
#include "tcg/helper-tcg.h"
#include "hw/xen/interface/xen.h"
#include "hw/xen/interface/version.h"
#include "hw/xen/interface/sched.h"
#include "qemu/main-loop.h"
#include "system/runstate.h"
#include "system/cpus.h"
#include "system/system.h"
#include "hw/xen/interface/arch-x86/cpuid.h"
#include "hw/xen/interface/features.h"
#include "hw/xen/xen.h"
#include "hw/i386/kvm/xen_overlay.h"
#include "system/xen-emu-vcpu.h"
#include "xen-tcg.h"
#include "xen-tcg-internal.h"
#include "trace.h"

uint32_t xen_tcg_version;

/* The tuning knobs KVM's Xen mode has, with its defaults */
static uint16_t gnttab_max_frames = 64;
static uint16_t evtchn_max_pirq = 256;

static uint16_t get_gnttab_max_frames(void)
{
    return gnttab_max_frames;
}

static uint16_t get_evtchn_max_pirq(void)
{
    return evtchn_max_pirq;
}

/* What the emulated Xen devices need of TCG (system/xen-emu-vcpu.h) */
static const XenEmuAccelOps xen_tcg_accel_ops = {
    .inject_callback = xen_tcg_inject_callback,
    .vcpu_soft_reset = xen_tcg_vcpu_soft_reset,
    .gnttab_max_frames = get_gnttab_max_frames,
    .evtchn_max_pirq = get_evtchn_max_pirq,
};

/* (xen.h renames these for old interface versions) */
#define HYPERVISOR_SCHED_OP     29
#define HYPERVISOR_EVTCHN_OP    32
#define HYPERVISOR_PHYSDEV_OP   33

#define XEN_HYPERCALL_MSR       0x40000000
#define XEN_HYPERCALL_PAGES     1
#define HYPERCALL_STUB_SIZE     32

#define XEN_LEAF_SIGNATURE      0
#define XEN_LEAF_VERSION        1
#define XEN_LEAF_HYPERCALL      2
#define XEN_LEAF_TIME           3
#define XEN_LEAF_HVM            4

#define XEN_VERSION(maj, min)   ((maj) << 16 | (min))

uint32_t xen_tcg_cpuid_limit(void)
{
    return XEN_CPUID_LEAF(XEN_LEAF_HVM);
}

bool xen_tcg_cpuid(CPUX86State *env, uint32_t index, uint32_t *eax,
                   uint32_t *ebx, uint32_t *ecx, uint32_t *edx)
{
    CPUState *cs = env_cpu(env);

    if (!xen_tcg_enabled() || index < XEN_CPUID_FIRST_LEAF ||
        index > xen_tcg_cpuid_limit()) {
        return false;
    }
    *eax = *ebx = *ecx = *edx = 0;
    switch (index - XEN_CPUID_FIRST_LEAF) {
    case XEN_LEAF_SIGNATURE:
        *eax = xen_tcg_cpuid_limit();
        *ebx = XEN_CPUID_SIGNATURE_EBX;
        *ecx = XEN_CPUID_SIGNATURE_ECX;
        *edx = XEN_CPUID_SIGNATURE_EDX;
        break;
    case XEN_LEAF_VERSION:
        *eax = xen_tcg_version;
        break;
    case XEN_LEAF_HYPERCALL:
        *eax = XEN_HYPERCALL_PAGES;
        *ebx = XEN_HYPERCALL_MSR;
        break;
    case XEN_LEAF_TIME:
        /* TSC mode: "emulate if necessary" (0); RDTSCP if the CPU has it */
        if (env->features[FEAT_8000_0001_EDX] & CPUID_EXT2_RDTSCP) {
            *eax |= 1u << 2;
        }
        *ecx = env->tsc_khz;
        break;
    case XEN_LEAF_HVM:
        if (xen_tcg_version >= XEN_VERSION(4, 5)) {
            *eax |= XEN_HVM_CPUID_IOMMU_MAPPINGS;
            /*
             * -cpu ...,+xen-vapic, as under KVM: the guest may use its
             * (x2)APIC directly, and routes MSIs natively, not as PIRQs
             */
            if (X86_CPU(cs)->xen_vapic) {
                *eax |= XEN_HVM_CPUID_APIC_ACCESS_VIRT |
                        XEN_HVM_CPUID_X2APIC_VIRT;
            }
        }
        if (xen_tcg_version >= XEN_VERSION(4, 6)) {
            *eax |= XEN_HVM_CPUID_VCPU_ID_PRESENT;
            *ebx = cs->cpu_index;
        }
        if (xen_tcg_version >= XEN_VERSION(4, 17)) {
            *eax |= XEN_HVM_CPUID_UPCALL_VECTOR;
        }
        break;
    }
    return true;
}

/*
 * Fill the hypercall page: 128 stubs of "mov $nr, %eax; vmcall; ret"
 * (vmmcall on AMD), int3 between them, and ud2 in the iret slot, which
 * HVM guests must not use.
 */
static void build_hypercall_page(CPUX86State *env, uint8_t *page)
{
    bool amd = IS_AMD_CPU(env);

    memset(page, 0xcc, TARGET_PAGE_SIZE);
    for (uint32_t nr = 0; nr < TARGET_PAGE_SIZE / HYPERCALL_STUB_SIZE; nr++) {
        uint8_t *p = page + nr * HYPERCALL_STUB_SIZE;

        if (nr == __HYPERVISOR_iret) {
            p[0] = 0x0f;                    /* ud2 */
            p[1] = 0x0b;
            continue;
        }
        p[0] = 0xb8;                        /* mov $nr, %eax */
        stl_le_p(p + 1, nr);
        p[5] = 0x0f;                        /* vmcall / vmmcall */
        p[6] = 0x01;
        p[7] = amd ? 0xd9 : 0xc1;
        p[8] = 0xc3;                        /* ret */
    }
}

/* Is [gpa, gpa + len) guest RAM, writable if @write? */
static bool is_guest_ram(hwaddr gpa, hwaddr len, bool write)
{
    MemoryRegion *mr;
    hwaddr xlat, l = len;
    bool ram;

    RCU_READ_LOCK_GUARD();
    mr = address_space_translate(&address_space_memory, gpa, &xlat, &l,
                                 write, MEMTXATTRS_UNSPECIFIED);
    ram = memory_region_is_ram(mr) && !memory_region_is_ram_device(mr) &&
          l == len && !(write && mr->readonly);
    return ram;
}

bool xen_tcg_wrmsr(CPUX86State *env, uint32_t msr, uint64_t val,
                   uintptr_t retaddr)
{
    uint8_t page[TARGET_PAGE_SIZE];
    uint64_t index = val & ~TARGET_PAGE_MASK;
    hwaddr gpa = val & TARGET_PAGE_MASK;

    if (!xen_tcg_enabled() || msr != XEN_HYPERCALL_MSR) {
        return false;
    }
    trace_xen_tcg_hypercall_page(gpa, index);
    if (index >= XEN_HYPERCALL_PAGES ||
        !is_guest_ram(gpa, TARGET_PAGE_SIZE, true)) {
        qemu_log_mask(LOG_GUEST_ERROR, "xen: hypercall page MSR written "
                      "with 0x%" PRIx64 ": not a RAM page with index 0\n",
                      val);
        raise_exception_ra(env, EXCP0D_GPF, retaddr);
    }
    build_hypercall_page(env, page);
    address_space_write(&address_space_memory, gpa, MEMTXATTRS_UNSPECIFIED,
                        page, sizeof(page));
    /* as Xen: the caller's mode picks the shared_info layout */
    xen_set_long_mode((env->hflags & HF_LMA_MASK) &&
                      (env->hflags & HF_CS64_MASK));
    return true;
}

bool xen_tcg_copy(CPUState *cs, uint64_t va, void *buf, size_t len,
                  bool to_guest)
{
    while (len) {
        size_t n = MIN(len, TARGET_PAGE_SIZE - (va & ~TARGET_PAGE_MASK));
        MemTxAttrs attrs;
        hwaddr gpa = cpu_get_phys_page_attrs_debug(cs, va & TARGET_PAGE_MASK,
                                                   &attrs);

        if (gpa == -1) {
            return false;
        }
        gpa += va & ~TARGET_PAGE_MASK;
        if (!is_guest_ram(gpa, n, to_guest) ||
            address_space_rw(&address_space_memory, gpa, attrs, buf, n,
                             to_guest) != MEMTX_OK) {
            return false;
        }
        va += n;
        buf = (uint8_t *)buf + n;
        len -= n;
    }
    return true;
}

long xen_tcg_struct_op(XenHypercall *hc, const XenStructOp *ops,
                       size_t n_ops, uint64_t cmd, uint64_t va,
                       long (*call)(uint64_t cmd, void *arg))
{
    uint64_t arg[8];        /* the largest such structure is 24 bytes */
    long err;

    if (cmd >= n_ops || !ops[cmd].size) {
        return -ENOSYS;
    }
    assert(ops[cmd].size <= sizeof(arg));
    err = xen_tcg_copy_in(hc, va, arg, ops[cmd].size);
    if (!err) {
        err = call(cmd, arg);
    }
    if (!err && ops[cmd].out) {
        err = xen_tcg_copy_out(hc, va, arg, ops[cmd].size);
    }
    return err;
}

static long copy_string_to_guest(CPUState *cs, target_ulong va,
                                 const char *str, size_t size)
{
    g_autofree char *buf = g_malloc0(size);

    pstrcpy(buf, size, str);
    return xen_tcg_copy(cs, va, buf, size, true) ? 0 : -EFAULT;
}

static long do_xen_version(CPUState *cs, uint64_t cmd, target_ulong arg)
{
    CPUX86State *env = cpu_env(cs);
    bool wide = (env->hflags & HF_LMA_MASK) && (env->hflags & HF_CS64_MASK);

    switch (cmd) {
    case XENVER_version:
        return xen_tcg_version;
    case XENVER_extraversion:
        return copy_string_to_guest(cs, arg, "-qemu-tcg",
                                    sizeof(xen_extraversion_t));
    case XENVER_changeset:
        return copy_string_to_guest(cs, arg, "qemu",
                                    sizeof(xen_changeset_info_t));
    case XENVER_capabilities:
        return copy_string_to_guest(cs, arg, "hvm-3.0-x86_64 hvm-3.0-x86_32p",
                                    sizeof(xen_capabilities_info_t));
    case XENVER_compile_info: {
        xen_compile_info_t info = { };

        pstrcpy(info.compiler, sizeof(info.compiler), "gcc");
        pstrcpy(info.compile_by, sizeof(info.compile_by), "qemu");
        pstrcpy(info.compile_domain, sizeof(info.compile_domain), "tcg");
        pstrcpy(info.compile_date, sizeof(info.compile_date), "");
        return xen_tcg_copy(cs, arg, &info, sizeof(info), true) ? 0 : -EFAULT;
    }
    case XENVER_get_features: {
        xen_feature_info_t fi;

        if (!xen_tcg_copy(cs, arg, &fi, sizeof(fi), false)) {
            return -EFAULT;
        }
        /* what is implemented here; no pvclock (no vcpu_time_info) */
        fi.submap = 0;
        if (fi.submap_idx == 0) {
            fi.submap = 1u << XENFEAT_writable_page_tables |
                        1u << XENFEAT_writable_descriptor_tables |
                        1u << XENFEAT_auto_translated_physmap |
                        1u << XENFEAT_hvm_callback_vector |
                        1u << XENFEAT_hvm_pirqs;
        }
        return xen_tcg_copy(cs, arg, &fi, sizeof(fi), true) ? 0 : -EFAULT;
    }
    case XENVER_pagesize:
        return TARGET_PAGE_SIZE;
    case XENVER_platform_parameters: {
        /* where Xen's own mappings start, for 64-bit and 32-bit guests */
        uint64_t start = wide ? 0xffff800000000000ull : 0xf5800000u;

        return xen_tcg_copy(cs, arg, &start, wide ? 8 : 4, true) ?
               0 : -EFAULT;
    }
    case XENVER_guest_handle:
        /* the domain's handle is its UUID: -uuid */
        return xen_tcg_copy(cs, arg, qemu_uuid.data, sizeof(qemu_uuid.data),
                            true) ? 0 : -EFAULT;
    case XENVER_commandline:
    case XENVER_build_id:
        return -EPERM;      /* Xen's own details: for the control domain */
    default:
        return -ENOSYS;
    }
}

/*
 * Shutting down goes through QEMU's own paths, as for any guest: the
 * -action and -no-reboot options apply.  As on Xen, the call does not
 * return: the vCPU stops here (EIP is past the VMCALL, EAX says 0) and
 * runs again only if the machine is reset or continued.
 */
static long do_sched_shutdown(CPUState *cs, target_ulong arg)
{
    uint32_t reason;

    if (!xen_tcg_copy(cs, arg, &reason, sizeof(reason), false)) {
        return -EFAULT;
    }
    bql_lock();
    switch (le32_to_cpu(reason)) {
    case SHUTDOWN_poweroff:
        qemu_system_shutdown_request(SHUTDOWN_CAUSE_GUEST_SHUTDOWN);
        break;
    case SHUTDOWN_reboot:
        qemu_system_reset_request(SHUTDOWN_CAUSE_GUEST_RESET);
        break;
    case SHUTDOWN_crash:
        qemu_system_guest_panicked(NULL);
        break;
    default:
        /* suspend, watchdog, soft reset: not yet */
        bql_unlock();
        return -EINVAL;
    }
    bql_unlock();
    X86_CPU(cs)->env.regs[R_EAX] = 0;
    cpu_stop_current();
    cpu_loop_exit(cs);
}

/* Called without the BQL: SCHEDOP_block may halt the vCPU */
static long do_sched_op(XenHypercall *hc)
{
    switch (hc->arg[0]) {
    case SCHEDOP_yield:
        return 0;
    case SCHEDOP_block:
        return xen_tcg_sched_block(hc);
    case SCHEDOP_poll:
        return xen_tcg_sched_poll(hc);
    case SCHEDOP_shutdown:
        return do_sched_shutdown(hc->cs, hc->arg[1]);
    default:
        return -ENOSYS;
    }
}

/* The hypercalls that go to the Xen emulation backends; BQL held */
static long do_backend_hypercall(XenHypercall *hc, uint64_t nr)
{
    switch (nr) {
    case __HYPERVISOR_memory_op:
        return xen_tcg_memory_op(hc);
    case __HYPERVISOR_hvm_op:
        return xen_tcg_hvm_op(hc);
    case __HYPERVISOR_grant_table_op:
        return xen_tcg_grant_table_op(hc);
    case HYPERVISOR_EVTCHN_OP:
        return xen_tcg_event_channel_op(hc);
    case HYPERVISOR_PHYSDEV_OP:
        return xen_tcg_physdev_op(hc);
    case __HYPERVISOR_vcpu_op:
        return xen_tcg_vcpu_op(hc);
    case __HYPERVISOR_set_timer_op:
        return xen_tcg_set_timer_op(hc);
    case __HYPERVISOR_console_io:
        return xen_tcg_console_io(hc);
    default:
        qemu_log_mask(LOG_UNIMP, "xen: hypercall %" PRIu64
                      " is not implemented\n", nr);
        return -ENOSYS;
    }
}

void helper_xen_hypercall(CPUX86State *env)
{
    static const int abi64[5] = { R_EDI, R_ESI, R_EDX, 10, 8 };
    static const int abi32[5] = { R_EBX, R_ECX, R_EDX, R_ESI, R_EDI };
    CPUState *cs = env_cpu(env);
    XenHypercall hc = {
        .cs = cs,
        .wide = (env->hflags & HF_LMA_MASK) && (env->hflags & HF_CS64_MASK),
    };
    uint64_t nr = hc.wide ? env->regs[R_EAX] : (uint32_t)env->regs[R_EAX];
    long ret;

    for (int i = 0; i < ARRAY_SIZE(hc.arg); i++) {
        hc.arg[i] = hc.wide ? env->regs[abi64[i]] :
                    (uint32_t)env->regs[abi32[i]];
    }
    if (env->hflags & HF_CPL_MASK) {
        ret = -EPERM;
    } else if (nr == __HYPERVISOR_xen_version) {
        ret = do_xen_version(cs, hc.arg[0], hc.arg[1]);
    } else if (nr == HYPERVISOR_SCHED_OP) {
        ret = do_sched_op(&hc);
    } else {
        BQL_LOCK_GUARD();
        ret = do_backend_hypercall(&hc, nr);
        /* Xen looks at the upcall on the way back to the guest */
        xen_tcg_recheck_upcall(cs);
    }
    trace_xen_tcg_hypercall(cs->cpu_index, nr, hc.arg[0], hc.arg[1], ret);
    env->regs[R_EAX] = hc.wide ? (uint64_t)ret : (uint32_t)ret;
}

static void get_xen_version(Object *obj, Visitor *v, const char *name,
                            void *opaque, Error **errp)
{
    visit_type_uint32(v, name, &xen_tcg_version, errp);
}

static void set_xen_version(Object *obj, Visitor *v, const char *name,
                            void *opaque, Error **errp)
{
    uint32_t value;

    if (!visit_type_uint32(v, name, &value, errp)) {
        return;
    }
    xen_tcg_version = value;
    /* as KVM: the machine then creates the Xen emulation devices */
    if (value && xen_mode == XEN_DISABLED) {
        xen_mode = XEN_EMULATE;
        xen_emu_set_accel_ops(&xen_tcg_accel_ops);
    }
}

static void get_uint16(Object *obj, Visitor *v, const char *name,
                       void *opaque, Error **errp)
{
    visit_type_uint16(v, name, opaque, errp);
}

static void set_uint16(Object *obj, Visitor *v, const char *name,
                       void *opaque, Error **errp)
{
    visit_type_uint16(v, name, opaque, errp);
}

void xen_tcg_accel_class_init(ObjectClass *oc)
{
    object_class_property_add(oc, "xen-version", "uint32", get_xen_version,
                              set_xen_version, NULL, NULL);
    object_class_property_set_description(oc, "xen-version",
        "Xen version to be emulated (in XENVER_version form "
        "e.g. 0x4000a for 4.10)");

    object_class_property_add(oc, "xen-gnttab-max-frames", "uint16",
                              get_uint16, set_uint16, NULL,
                              &gnttab_max_frames);
    object_class_property_set_description(oc, "xen-gnttab-max-frames",
        "Maximum number of grant table frames");

    object_class_property_add(oc, "xen-evtchn-max-pirq", "uint16",
                              get_uint16, set_uint16, NULL,
                              &evtchn_max_pirq);
    object_class_property_set_description(oc, "xen-evtchn-max-pirq",
        "Maximum number of Xen PIRQs");

    xen_tcg_console_class_init(oc);
}
