/*
 * Xen HVM guests under TCG: the vCPU side of event delivery
 *
 * What KVM's Xen mode keeps in the kernel, kept here in the vCPU's own
 * Xen fields (CPUX86State xen_*, migrated with the CPU):
 *
 *  - where each vCPU's vcpu_info is: its slot in shared_info (vCPUs 0-31)
 *    until the guest registers one of its own;
 *  - the runstate area, the singleshot and periodic timers (VIRQ_TIMER);
 *  - the upcall: the backends (hw/i386/kvm/xen_evtchn.c) set
 *    evtchn_upcall_pending and call xen_tcg_inject_callback() (through
 *    system/xen-emu-vcpu.h).  A
 *    per-vCPU vector (HVMOP_set_evtchn_upcall_vector) goes through the
 *    local APIC like an MSI, and the guest EOIs it.  The domain-wide
 *    vector (HVM_PARAM_CALLBACK_IRQ type 2) is taken straight from
 *    cpu_get_pic_interrupt() whenever the vCPU has an upcall pending
 *    and IF set, as Xen injects it at each VM entry, and is not EOIed:
 *    CPU_INTERRUPT_HARD stays raised while the upcall is pending, the
 *    APIC and the PIC do not clear it.  A GSI or PCI INTx callback is a
 *    level on an
 *    interrupt line, held while vCPU 0's upcall is pending and dropped
 *    at the next EOI or hypercall after the guest cleared the flag.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include "qemu/bitops.h"
#include "qemu/lockable.h"
#include "cpu.h"
#include "exec/address-spaces.h"
#include "exec/memory.h"
#include "exec/target_page.h"
#include "hw/i386/apic-msidef.h"
#include "hw/i386/apic_internal.h"
#include "hw/xen/xen-callback-eoi.h"
#include "hw/xen/interface/xen.h"
#include "hw/xen/interface/vcpu.h"
#include "hw/xen/interface/sched.h"
#include "hw/xen/interface/event_channel.h"
#include "hw/xen/interface/hvm/params.h"
#include "hw/i386/kvm/xen_overlay.h"
#include "hw/i386/kvm/xen_evtchn.h"
#include "system/kvm_xen.h"
#include "xen-tcg.h"
#include "xen-tcg-internal.h"
#include "trace.h"

#define CALLBACK_TYPE(param)    ((param) >> 56)

/* Upcalls raised where the BQL is not held are delivered from here */
static QEMUBH *upcall_bh;

int64_t xen_tcg_system_time_ns(void)
{
    return qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
}

static struct vcpu_info *vcpu_info(CPUState *cs)
{
    return X86_CPU(cs)->env.xen_vcpu_info_hva;
}

static bool upcall_pending(CPUState *cs)
{
    struct vcpu_info *vi = vcpu_info(cs);

    return vi && qatomic_read(&vi->evtchn_upcall_pending);
}

/* Written through its host pointer: tell dirty logging, drop TCG's code */
static void vcpu_info_written(struct vcpu_info *vi)
{
    ram_addr_t offset;
    MemoryRegion *mr = memory_region_from_host(vi, &offset);

    if (mr) {
        memory_region_set_dirty(mr, offset, sizeof(*vi));
    }
}

/* Point the vCPU's vcpu_info at @gpa (INVALID_GPA: none); false if not RAM */
static bool set_vcpu_info(CPUState *cs, uint64_t gpa)
{
    CPUX86State *env = &X86_CPU(cs)->env;
    MemoryRegionSection mrs = { .mr = NULL };
    void *hva = NULL;

    if (gpa != INVALID_GPA) {
        mrs = memory_region_find(get_system_memory(), gpa,
                                 sizeof(struct vcpu_info));
        if (mrs.mr && memory_region_is_ram(mrs.mr) &&
            !memory_region_is_ram_device(mrs.mr) &&
            int128_ge(mrs.size, int128_make64(sizeof(struct vcpu_info)))) {
            hva = (uint8_t *)memory_region_get_ram_ptr(mrs.mr) +
                  mrs.offset_within_region;
        } else if (mrs.mr) {
            memory_region_unref(mrs.mr);
            mrs.mr = NULL;
        }
        if (!hva) {
            return false;
        }
    }
    if (env->xen_vcpu_info_mr) {
        memory_region_unref(env->xen_vcpu_info_mr);
    }
    env->xen_vcpu_info_mr = mrs.mr;
    qatomic_set(&env->xen_vcpu_info_hva, hva);
    return true;
}

void xen_tcg_shared_info_moved(uint64_t gpa)
{
    for (int i = 0; i < XEN_LEGACY_MAX_VCPUS; i++) {
        CPUState *cs = qemu_get_cpu(i);
        CPUX86State *env;

        if (!cs) {
            continue;
        }
        env = &X86_CPU(cs)->env;
        env->xen_vcpu_info_default_gpa = gpa == INVALID_GPA ? INVALID_GPA :
            gpa + i * sizeof(struct vcpu_info);
        /* a vcpu_info the guest registered itself stays where it is */
        if (env->xen_vcpu_info_gpa == INVALID_GPA) {
            set_vcpu_info(cs, env->xen_vcpu_info_default_gpa);
        }
    }
}

/* Deliver @cs's pending upcall by HVM_PARAM_CALLBACK_IRQ @param; BQL held */
static void deliver_upcall(CPUState *cs, uint64_t param)
{
    X86CPU *cpu = X86_CPU(cs);
    uint8_t vector = cpu->env.xen_vcpu_callback_vector;

    if (vector) {
        /* fixed, physical destination: as an MSI to this vCPU's APIC */
        uint64_t addr = APIC_DEFAULT_ADDRESS |
                        (cpu->apic_id << MSI_ADDR_DEST_ID_SHIFT);

        trace_xen_tcg_upcall(cs->cpu_index, "vcpu-vector", vector);
        address_space_stl_le(&address_space_memory, addr,
                             vector | (1u << MSI_DATA_LEVEL_SHIFT),
                             MEMTXATTRS_UNSPECIFIED, NULL);
        return;
    }
    if (!param) {
        return;     /* no route: the guest polls */
    }
    switch (CALLBACK_TYPE(param)) {
    case HVM_PARAM_CALLBACK_TYPE_VECTOR:
        /* cpu_get_pic_interrupt() asks xen_tcg_callback_vector() */
        trace_xen_tcg_upcall(cs->cpu_index, "vector", 0);
        cpu_interrupt(cs, CPU_INTERRUPT_HARD);
        break;
    case HVM_PARAM_CALLBACK_TYPE_GSI:
    case HVM_PARAM_CALLBACK_TYPE_PCI_INTX:
        /* only vCPU 0's upcall drives the line, as on Xen */
        if (cs->cpu_index == 0) {
            trace_xen_tcg_upcall(cs->cpu_index, "level", 1);
            X86_CPU(cs)->env.xen_callback_asserted = true;
            xen_evtchn_set_callback_level(1);
        }
        break;
    }
}

void xen_tcg_kick_upcalls(void)
{
    uint64_t param = xen_evtchn_get_callback_param();
    CPUState *cs;

    CPU_FOREACH(cs) {
        if (upcall_pending(cs)) {
            deliver_upcall(cs, param);
        }
    }
}

void xen_tcg_set_upcall_vector(CPUState *cs, uint8_t vector)
{
    X86_CPU(cs)->env.xen_vcpu_callback_vector = vector;
    /* as Xen: an upcall pending already comes by the new vector now */
    if (upcall_pending(cs)) {
        deliver_upcall(cs, xen_evtchn_get_callback_param());
    }
}

static void upcall_bh_run(void *opaque)
{
    xen_tcg_kick_upcalls();
}

void xen_tcg_inject_callback(CPUState *cs, int type)
{
    /*
     * The backends call this with their port lock held, from vCPUs and
     * from I/O threads; interrupt delivery needs the BQL, which may only
     * be taken before that lock, so without it deliver from a BH.
     */
    if (bql_locked()) {
        deliver_upcall(cs, xen_evtchn_get_callback_param());
    } else if (upcall_bh) {
        qemu_bh_schedule(upcall_bh);
    }
}

bool xen_tcg_vector_upcall_pending(X86CPU *cpu)
{
    uint64_t param;

    if (!xen_tcg_enabled() || cpu->env.xen_vcpu_callback_vector ||
        !upcall_pending(CPU(cpu))) {
        return false;
    }
    param = xen_evtchn_get_callback_param();
    return CALLBACK_TYPE(param) == HVM_PARAM_CALLBACK_TYPE_VECTOR &&
           (uint8_t)param;
}

int xen_tcg_callback_vector(X86CPU *cpu)
{
    if (!xen_tcg_vector_upcall_pending(cpu)) {
        return -1;
    }
    /*
     * Taking it cleared CPU_INTERRUPT_HARD: raise it again, so that the
     * vector comes back once IF is set if the guest leaves the upcall
     * pending, and so that the APIC and the PIC are asked as well.
     */
    cpu_interrupt(CPU(cpu), CPU_INTERRUPT_HARD);
    return (uint8_t)xen_evtchn_get_callback_param();
}

/* vCPU 0's upcall drives a GSI or PCI INTx callback line: keep it so */
static void sync_callback_level(void)
{
    CPUState *cs = qemu_get_cpu(0);
    CPUX86State *env;
    uint64_t param = xen_evtchn_get_callback_param();
    bool pending;

    if (!cs) {
        return;
    }
    env = &X86_CPU(cs)->env;
    pending = upcall_pending(cs);
    if (env->xen_callback_asserted && !pending) {
        env->xen_callback_asserted = false;
        trace_xen_tcg_upcall(0, "level", 0);
        xen_evtchn_set_callback_level(0);
    } else if (!env->xen_callback_asserted && pending && param &&
               !env->xen_vcpu_callback_vector &&
               (CALLBACK_TYPE(param) == HVM_PARAM_CALLBACK_TYPE_GSI ||
                CALLBACK_TYPE(param) == HVM_PARAM_CALLBACK_TYPE_PCI_INTX)) {
        deliver_upcall(cs, param);
    }
}

/*
 * A per-vCPU vector sent while the vCPU's APIC could not take it is lost:
 * the guest sets the vector of an AP before it starts the AP, and INIT
 * clears the APIC.  Send it again if the upcall is still pending and the
 * APIC has the vector neither requested nor in service.
 */
static void resend_vcpu_vector(CPUState *cs)
{
    X86CPU *cpu = X86_CPU(cs);
    uint8_t vector = cpu->env.xen_vcpu_callback_vector;
    APICCommonState *apic;

    if (!vector || !cpu->apic_state || !upcall_pending(cs)) {
        return;
    }
    apic = APIC_COMMON(cpu->apic_state);
    if (!apic_get_bit(apic->irr, vector) && !apic_get_bit(apic->isr, vector)) {
        deliver_upcall(cs, xen_evtchn_get_callback_param());
    }
}

/*
 * Xen looks at the upcall whenever it enters the guest, and the guest may
 * set evtchn_upcall_pending itself (Linux does, unmasking a port that is
 * pending).  TCG never enters the guest: look again where Xen would have
 * had the guest exit, at hypercalls, EOIs and HLT.  BQL held.
 */
void xen_tcg_recheck_upcall(CPUState *cs)
{
    sync_callback_level();
    if (cs) {
        if (xen_tcg_vector_upcall_pending(X86_CPU(cs))) {
            cpu_interrupt(cs, CPU_INTERRUPT_HARD);
        }
        resend_vcpu_vector(cs);
    }
}

void xen_tcg_halt(CPUX86State *env)
{
    if (xen_tcg_enabled()) {
        BQL_LOCK_GUARD();
        xen_tcg_recheck_upcall(env_cpu(env));
    }
}

/* Guest EOIs reach us through hw/xen/xen-callback-eoi.h, BQL held */
static void callback_eoi(void)
{
    xen_tcg_recheck_upcall(current_cpu);
}

/* Timers: VIRQ_TIMER on expiry; Xen system time is QEMU's virtual clock */
static void timer_virq(CPUState *cs)
{
    uint16_t port = X86_CPU(cs)->env.xen_virq[VIRQ_TIMER];

    if (port) {
        xen_evtchn_set_port(port);
    }
}

static void singleshot_expired(void *opaque)
{
    CPUState *cs = opaque;
    CPUX86State *env = &X86_CPU(cs)->env;

    WITH_QEMU_LOCK_GUARD(&env->xen_timers_lock) {
        env->xen_singleshot_timer_ns = 0;
    }
    timer_virq(cs);
}

static void periodic_expired(void *opaque)
{
    CPUState *cs = opaque;
    CPUX86State *env = &X86_CPU(cs)->env;

    WITH_QEMU_LOCK_GUARD(&env->xen_timers_lock) {
        if (env->xen_periodic_timer_period) {
            timer_mod_ns(env->xen_periodic_timer, xen_tcg_system_time_ns() +
                         env->xen_periodic_timer_period);
        }
    }
    timer_virq(cs);
}

/* Under the BQL: the first user of a vCPU's timers creates them */
static void create_timers(CPUState *cs)
{
    CPUX86State *env = &X86_CPU(cs)->env;

    if (!env->xen_singleshot_timer) {
        qemu_mutex_init(&env->xen_timers_lock);
        env->xen_periodic_timer = timer_new_ns(QEMU_CLOCK_VIRTUAL,
                                               periodic_expired, cs);
        env->xen_singleshot_timer = timer_new_ns(QEMU_CLOCK_VIRTUAL,
                                                 singleshot_expired, cs);
    }
}

static long set_singleshot(CPUState *cs, int64_t deadline)
{
    CPUX86State *env = &X86_CPU(cs)->env;

    create_timers(cs);
    QEMU_LOCK_GUARD(&env->xen_timers_lock);
    env->xen_singleshot_timer_ns = deadline;
    /* a deadline already past fires at once */
    timer_mod_ns(env->xen_singleshot_timer, deadline);
    return 0;
}

static long stop_singleshot(CPUState *cs)
{
    CPUX86State *env = &X86_CPU(cs)->env;

    create_timers(cs);
    QEMU_LOCK_GUARD(&env->xen_timers_lock);
    timer_del(env->xen_singleshot_timer);
    env->xen_singleshot_timer_ns = 0;
    return 0;
}

static long set_periodic(CPUState *cs, uint64_t period_ns)
{
    CPUX86State *env = &X86_CPU(cs)->env;

    create_timers(cs);
    QEMU_LOCK_GUARD(&env->xen_timers_lock);
    env->xen_periodic_timer_period = period_ns;
    if (period_ns) {
        timer_mod_ns(env->xen_periodic_timer,
                     xen_tcg_system_time_ns() + period_ns);
    } else {
        timer_del(env->xen_periodic_timer);
    }
    return 0;
}

long xen_tcg_set_timer_op(XenHypercall *hc)
{
    /* 32-bit guests pass the 64-bit deadline in two registers */
    uint64_t deadline = hc->wide ? hc->arg[0] : hc->arg[0] | hc->arg[1] << 32;
    int64_t now = xen_tcg_system_time_ns();

    if (!deadline) {
        return stop_singleshot(hc->cs);
    }
    /*
     * As Xen: a negative deadline or one more than 2^50 ns (13 days)
     * away is an overflow in the guest; make it 100 ms from now.
     */
    if ((int64_t)deadline < 0 ||
        ((int64_t)deadline > now && (deadline - now) >> 50)) {
        deadline = now + 100 * SCALE_MS;
    }
    return set_singleshot(hc->cs, deadline);
}

static long register_vcpu_info(XenHypercall *hc, CPUState *target)
{
    CPUX86State *env = &X86_CPU(target)->env;
    struct vcpu_register_vcpu_info rvi;     /* the same in both ABIs */
    struct vcpu_info *old = vcpu_info(target), *vi;
    uint64_t gpa;
    long err = xen_tcg_copy_in(hc, hc->arg[2], &rvi, sizeof(rvi));

    if (err) {
        return err;
    }
    if (rvi.offset > TARGET_PAGE_SIZE - sizeof(struct vcpu_info) ||
        env->xen_vcpu_info_gpa != INVALID_GPA ||
        rvi.mfn >= (1ull << (64 - TARGET_PAGE_BITS))) {
        return -EINVAL;     /* misplaced, or registered already */
    }
    gpa = (rvi.mfn << TARGET_PAGE_BITS) + rvi.offset;
    if (!set_vcpu_info(target, gpa)) {
        return -EINVAL;
    }
    env->xen_vcpu_info_gpa = gpa;
    vi = vcpu_info(target);
    /*
     * As Xen: carry over the old contents, then mark every event
     * selector pending so that nothing raised meanwhile is lost.
     */
    if (old) {
        memcpy(vi, old, sizeof(*vi));
    } else {
        memset(vi, 0, sizeof(*vi));
    }
    if (xen_is_long_mode()) {
        stq_le_p(&vi->evtchn_pending_sel, ~0ull);
    } else {
        stl_le_p((uint8_t *)vi + 4, ~0u);   /* compat: 32-bit at 4 */
    }
    qatomic_set(&vi->evtchn_upcall_pending, 1);
    vcpu_info_written(vi);
    deliver_upcall(target, xen_evtchn_get_callback_param());
    return 0;
}

/*
 * Register a runstate area: written now as "running since registration"
 * and not updated afterwards, since a TCG vCPU is never preempted by a
 * Xen scheduler (no steal time).
 */
static long register_runstate(XenHypercall *hc, CPUState *target)
{
    CPUX86State *env = &X86_CPU(target)->env;
    int64_t now = xen_tcg_system_time_ns();
    /* 64-bit: state, pad, entry time at 8, times at 16; 32-bit: 4, 12 */
    size_t entry = hc->wide ? 8 : 4, times = hc->wide ? 16 : 12;
    uint8_t buf[48] = { 0 };
    uint64_t va = 0;
    hwaddr gpa;
    long err = xen_tcg_copy_in(hc, hc->arg[2], &va, 8);

    if (err) {
        return err;
    }
    if (!va) {
        env->xen_vcpu_runstate_gpa = INVALID_GPA;
        return 0;
    }
    stl_le_p(buf, RUNSTATE_running);
    stq_le_p(buf + entry, now);
    stq_le_p(buf + times, now);
    err = xen_tcg_copy_out(hc, va, buf, times + 4 * 8);
    if (err) {
        return err;
    }
    /* Xen keeps the virtual address; like KVM's Xen mode, keep the GPA */
    gpa = cpu_get_phys_page_debug(hc->cs, va & TARGET_PAGE_MASK);
    env->xen_vcpu_runstate_gpa = gpa + (va & ~TARGET_PAGE_MASK);
    return 0;
}

long xen_tcg_vcpu_op(XenHypercall *hc)
{
    CPUState *target = qemu_get_cpu(hc->arg[1]);
    bool self = target == hc->cs;
    uint64_t u64;
    long err;

    if (!target || hc->arg[1] > INT32_MAX) {
        return -ENOENT;
    }
    switch (hc->arg[0]) {
    case VCPUOP_register_vcpu_info:
        return register_vcpu_info(hc, target);
    case VCPUOP_register_runstate_memory_area:
        return register_runstate(hc, target);
    case VCPUOP_set_singleshot_timer:
        /* timeout_abs_ns; the flags after it are ignored, as by Xen */
        err = xen_tcg_copy_in(hc, hc->arg[2], &u64, 8);
        return err ? err : self ? set_singleshot(target, u64) : -EINVAL;
    case VCPUOP_stop_singleshot_timer:
        return self ? stop_singleshot(target) : -EINVAL;
    case VCPUOP_set_periodic_timer:
        err = xen_tcg_copy_in(hc, hc->arg[2], &u64, 8);
        if (err) {
            return err;
        }
        /* Xen: at least 1 ms, and no overflow when added to now */
        if (u64 < SCALE_MS || u64 > (UINT64_MAX >> 2)) {
            return -EINVAL;
        }
        return set_periodic(target, u64);
    case VCPUOP_stop_periodic_timer:
        return set_periodic(target, 0);
    default:
        /* time memory area (no pvclock here), PV vCPU control */
        return -ENOSYS;
    }
}

long xen_tcg_sched_block(XenHypercall *hc)
{
    CPUState *cs = hc->cs;
    CPUX86State *env = &X86_CPU(cs)->env;

    if (upcall_pending(cs)) {
        return 0;
    }
    /* halt as HLT does; EIP is past the VMCALL, so the result is final */
    env->regs[R_EAX] = 0;
    cs->halted = 1;
    cs->exception_index = EXCP_HLT;
    cpu_loop_exit(cs);
}

long xen_tcg_sched_poll(XenHypercall *hc)
{
    uint8_t *shinfo = xen_overlay_get_shinfo_ptr();
    uint32_t nr_ports, max_port = xen_is_long_mode() ? 4096 : 1024;
    uint64_t ports;
    uint8_t buf[24];
    long err;

    /* 64-bit: handle, nr_ports at 8, timeout at 16; 32-bit: 4 and 8 */
    err = xen_tcg_copy_in(hc, hc->arg[1], buf, hc->wide ? 24 : 16);
    if (err) {
        return err;
    }
    ports = hc->wide ? ldq_le_p(buf) : ldl_le_p(buf);
    nr_ports = ldl_le_p(buf + (hc->wide ? 8 : 4));
    if (nr_ports > 128) {
        return -EINVAL;
    }
    for (uint32_t i = 0; i < nr_ports; i++) {
        uint32_t port;

        err = xen_tcg_copy_in(hc, ports + i * 4ull, &port, 4);
        if (err) {
            return err;
        }
        if (port >= max_port) {
            return -EINVAL;
        }
        if (shinfo && test_bit(port, (unsigned long *)(shinfo +
                    offsetof(struct shared_info, evtchn_pending)))) {
            return 0;
        }
    }
    /* nothing pending yet: a spurious wakeup, which callers must expect */
    return 0;
}

void xen_tcg_vcpu_soft_reset(CPUState *cs, run_on_cpu_data data)
{
    CPUX86State *env = &X86_CPU(cs)->env;

    if (!upcall_bh) {
        upcall_bh = qemu_bh_new(upcall_bh_run, NULL);
        xen_callback_eoi_hook = callback_eoi;
    }
    create_timers(cs);
    stop_singleshot(cs);
    set_periodic(cs, 0);
    env->xen_vcpu_info_gpa = INVALID_GPA;
    env->xen_vcpu_info_default_gpa = INVALID_GPA;
    env->xen_vcpu_time_info_gpa = INVALID_GPA;
    env->xen_vcpu_runstate_gpa = INVALID_GPA;
    env->xen_vcpu_callback_vector = 0;
    env->xen_callback_asserted = false;
    memset(env->xen_virq, 0, sizeof(env->xen_virq));
    set_vcpu_info(cs, INVALID_GPA);
}
