/*
 * Xen HVM guests under TCG: CPUID leaves, hypercall page and entry
 *
 * The guest finds Xen through CPUID 0x40000000 and up (Xen's
 * public/arch-x86/cpuid.h), asks for a hypercall page by writing its
 * guest-physical address, with the page index in the low bits, to the
 * MSR that leaf 0x40000002 names, and calls into that page.  Each
 * 32-byte stub there loads the hypercall number into EAX and executes
 * VMCALL (Intel) or VMMCALL (AMD), which land in helper_xen_hypercall()
 * and go on to the hypercall layer KVM's Xen mode uses too
 * (target/i386/xen-emu-hypercall.c).  What KVM does in the host kernel
 * is done here and in xen-tcg-vcpu.c: TCG's XenEmuAccelOps.
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
#include "system/tcg.h"
#include "system/xen-emu-vcpu.h"
#include "xen-tcg.h"
#include "xen-emu-cpuid.h"
#include "xen-emu-hypercall.h"
#include "xen-tcg-internal.h"
#include "trace.h"

uint32_t xen_tcg_version;
bool xen_tcg_fep;

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

static uint32_t get_version(void)
{
    return xen_tcg_version;
}

/* TCG's page walk, as the guest's own accesses would make it */
static bool gva_to_gpa(CPUState *cs, uint64_t va, uint64_t *gpa)
{
    MemTxAttrs attrs;
    hwaddr page = cpu_get_phys_page_attrs_debug(cs, va & TARGET_PAGE_MASK,
                                                &attrs);

    if (page == -1) {
        return false;
    }
    *gpa = page + (va & ~TARGET_PAGE_MASK);
    return true;
}

/*
 * Shutting down stops the vCPU where it is (EIP past the VMCALL, EAX 0):
 * it runs again only if the machine is reset or continued.
 */
static void shutdown_stop(CPUState *cs)
{
    X86_CPU(cs)->env.regs[R_EAX] = 0;
    cpu_stop_current();
    cpu_loop_exit(cs);
}

/* With one thread for all vCPUs, a sleeping poller would stop them all */
static bool sched_poll_sleeps(void)
{
    return qemu_tcg_mttcg_enabled();
}

/*
 * Where Xen would re-enter the guest after a hypercall: the upcall, a
 * fresh anchor for the caller's time, its runstate
 */
static void hypercall_return(CPUState *cs)
{
    xen_tcg_recheck_upcall(cs);
    xen_tcg_refresh_time(cs);
    xen_tcg_update_runstate(cs);
}

/* What the Xen emulation needs of TCG (system/xen-emu-vcpu.h) */
static const XenEmuAccelOps xen_tcg_accel_ops = {
    .version = get_version,
    .gva_to_gpa = gva_to_gpa,
    .system_time_ns = xen_tcg_system_time_ns,
    .vcpu_changed = xen_tcg_vcpu_changed,
    .vcpu_loaded = xen_tcg_vcpu_loaded,
    .callback_changed = xen_tcg_kick_upcalls,
    .sched_poll_sleeps = sched_poll_sleeps,
    .sched_block = xen_tcg_sched_block,
    .shutdown_stop = shutdown_stop,
    .hypercall_return = hypercall_return,
    .inject_callback = xen_tcg_inject_callback,
    .vcpu_soft_reset = xen_tcg_vcpu_soft_reset,
    .vcpu_waits_for_sipi = xen_tcg_vcpu_waits_for_sipi,
    .vcpu_end_sipi_wait = xen_tcg_vcpu_end_sipi_wait,
    .gnttab_max_frames = get_gnttab_max_frames,
    .evtchn_max_pirq = get_evtchn_max_pirq,
    .pvclock = true,
};

#define XEN_HYPERCALL_MSR       0x40000000
#define XEN_HYPERCALL_PAGES     1
#define HYPERCALL_STUB_SIZE     32

uint32_t xen_tcg_cpuid_limit(void)
{
    return XEN_CPUID_LEAF(XEN_EMU_CPUID_LEAVES - 1);
}

bool xen_tcg_cpuid(CPUX86State *env, uint32_t index, uint32_t *eax,
                   uint32_t *ebx, uint32_t *ecx, uint32_t *edx)
{
    if (!xen_tcg_enabled() || index < XEN_CPUID_FIRST_LEAF ||
        index > xen_tcg_cpuid_limit()) {
        return false;
    }
    xen_emu_cpuid(env_archcpu(env), xen_tcg_version, XEN_CPUID_FIRST_LEAF,
                  index - XEN_CPUID_FIRST_LEAF, XEN_HYPERCALL_MSR,
                  eax, ebx, ecx, edx);
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

void helper_xen_hypercall(CPUX86State *env)
{
    static const int abi64[5] = { R_EDI, R_ESI, R_EDX, 10, 8 };
    static const int abi32[5] = { R_EBX, R_ECX, R_EDX, R_ESI, R_EDI };
    XenHypercall hc = {
        .cs = env_cpu(env),
        .wide = (env->hflags & HF_LMA_MASK) && (env->hflags & HF_CS64_MASK),
    };
    uint64_t nr = hc.wide ? env->regs[R_EAX] : (uint32_t)env->regs[R_EAX];
    long ret;

    for (int i = 0; i < ARRAY_SIZE(hc.arg); i++) {
        hc.arg[i] = hc.wide ? env->regs[abi64[i]] :
                    (uint32_t)env->regs[abi32[i]];
    }
    /* as Xen: only the guest's kernel may call */
    ret = env->hflags & HF_CPL_MASK ? -EPERM : xen_emu_hypercall(&hc, nr);
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
        xen_tcg_time_init();
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

static bool get_xen_fep(Object *obj, Error **errp)
{
    return xen_tcg_fep;
}

static void set_xen_fep(Object *obj, bool value, Error **errp)
{
    xen_tcg_fep = value;
}

/* x86's own properties of the tcg accelerator: Xen emulation's */
void tcg_arch_accel_class_init(ObjectClass *oc)
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

    object_class_property_add_bool(oc, "xen-fep", get_xen_fep, set_xen_fep);
    object_class_property_set_description(oc, "xen-fep",
        "Xen's forced emulation prefix (ud2; .ascii \"xen\") before an "
        "instruction, as Xen's hvm_fep debug option: a test interface");

    xen_emu_console_class_init(oc);
}
