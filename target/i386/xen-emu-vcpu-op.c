/*
 * Xen HVM emulation: vcpu_op, set_timer_op and the vCPU's Xen areas
 *
 * A vCPU's Xen state lives in CPUX86State (xen_*), migrated with the
 * CPU: where its vcpu_info is (its slot in shared_info, vCPUs 0-31,
 * until the guest registers one of its own), its vcpu_time_info and
 * runstate areas, and its singleshot and periodic timers, which raise
 * VIRQ_TIMER.  What the accelerator keeps itself (KVM: the same areas
 * and timers in the host kernel) it learns through vcpu_changed().
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include "qemu/lockable.h"
#include "cpu.h"
#include "exec/address-spaces.h"
#include "exec/memory.h"
#include "exec/target_page.h"
#include "hw/xen/interface/xen.h"
#include "hw/xen/interface/vcpu.h"
#include "hw/xen/interface/hvm/params.h"
#include "hw/i386/kvm/xen_overlay.h"
#include "hw/i386/kvm/xen_evtchn.h"
#include "system/kvm_xen.h"
#include "xen-emu-compat.h"
#include "xen-emu-hypercall.h"

static void vcpu_changed(CPUState *cs, XenEmuVcpuChange what)
{
    const XenEmuAccelOps *ops = xen_emu_accel_ops();

    if (ops->vcpu_changed) {
        ops->vcpu_changed(cs, what);
    }
}

bool xen_emu_map_vcpu_info(CPUState *cs, uint64_t gpa)
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

void xen_emu_shared_info_moved(uint64_t gpa)
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
            xen_emu_map_vcpu_info(cs, env->xen_vcpu_info_default_gpa);
            vcpu_changed(cs, XEN_EMU_VCPU_INFO);
        }
    }
}

/* Timers: VIRQ_TIMER on expiry; deadlines are in Xen system time */
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
            timer_mod_ns(env->xen_periodic_timer,
                         qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) +
                         env->xen_periodic_timer_period);
        }
    }
    timer_virq(cs);
}

void xen_emu_vcpu_timers_init(CPUState *cs)
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

void xen_emu_set_singleshot_timer(CPUState *cs, int64_t deadline)
{
    CPUX86State *env = &X86_CPU(cs)->env;
    int64_t now = xen_emu_accel_ops()->system_time_ns();
    int64_t qemu_now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    int64_t expiry;

    xen_emu_vcpu_timers_init(cs);
    /* the same moment on QEMU's clock; a deadline already past fires now */
    if (deadline <= now) {
        expiry = qemu_now;
    } else if ((uint64_t)deadline - now > INT64_MAX - qemu_now) {
        expiry = INT64_MAX;
    } else {
        expiry = qemu_now + (deadline - now);
    }
    QEMU_LOCK_GUARD(&env->xen_timers_lock);
    env->xen_singleshot_timer_ns = deadline;
    timer_mod_ns(env->xen_singleshot_timer, expiry);
}

static void stop_singleshot(CPUState *cs)
{
    CPUX86State *env = &X86_CPU(cs)->env;

    xen_emu_vcpu_timers_init(cs);
    QEMU_LOCK_GUARD(&env->xen_timers_lock);
    timer_del(env->xen_singleshot_timer);
    env->xen_singleshot_timer_ns = 0;
}

void xen_emu_set_periodic_timer(CPUState *cs, uint64_t period_ns)
{
    CPUX86State *env = &X86_CPU(cs)->env;

    xen_emu_vcpu_timers_init(cs);
    QEMU_LOCK_GUARD(&env->xen_timers_lock);
    env->xen_periodic_timer_period = period_ns;
    if (period_ns) {
        timer_mod_ns(env->xen_periodic_timer,
                     qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) + period_ns);
    } else {
        timer_del(env->xen_periodic_timer);
    }
}

long xen_emu_set_timer_op(XenHypercall *hc)
{
    /* 32-bit guests pass the 64-bit deadline in two registers */
    uint64_t deadline = hc->wide ? hc->arg[0] : hc->arg[0] | hc->arg[1] << 32;
    int64_t now = xen_emu_accel_ops()->system_time_ns();

    if (!deadline) {
        stop_singleshot(hc->cs);
        return 0;
    }
    /*
     * As Xen: a negative deadline or one more than 2^50 ns (13 days)
     * away is an overflow in the guest; make it 100 ms from now.
     */
    if ((int64_t)deadline < 0 ||
        ((int64_t)deadline > now && (deadline - now) >> 50)) {
        deadline = now + 100 * SCALE_MS;
    }
    xen_emu_set_singleshot_timer(hc->cs, deadline);
    return 0;
}

static long register_vcpu_info(XenHypercall *hc, CPUState *target)
{
    CPUX86State *env = &X86_CPU(target)->env;
    struct vcpu_register_vcpu_info rvi;     /* the same in both ABIs */
    struct vcpu_info *old = env->xen_vcpu_info_hva, *vi;
    uint64_t gpa, param;
    long err = xen_emu_copy_in(hc, hc->arg[2], &rvi, sizeof(rvi));

    if (err) {
        return err;
    }
    if (rvi.offset > TARGET_PAGE_SIZE - sizeof(struct vcpu_info) ||
        env->xen_vcpu_info_gpa != INVALID_GPA ||
        rvi.mfn >= (1ull << (64 - TARGET_PAGE_BITS))) {
        return -EINVAL;     /* misplaced, or registered already */
    }
    gpa = (rvi.mfn << TARGET_PAGE_BITS) + rvi.offset;
    if (!xen_emu_map_vcpu_info(target, gpa)) {
        return -EINVAL;
    }
    env->xen_vcpu_info_gpa = gpa;
    vi = env->xen_vcpu_info_hva;
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
    xen_emu_guest_memory_written(vi, sizeof(*vi));
    vcpu_changed(target, XEN_EMU_VCPU_INFO);
    param = xen_evtchn_get_callback_param();
    xen_emu_inject_callback(target->cpu_index, param >> 56);
    return 0;
}

/*
 * Xen keeps the virtual addresses of the time and runstate areas; like
 * KVM's Xen mode, keep the guest-physical one, since guests register
 * kernel addresses that do not move.
 */
static long area_gpa(XenHypercall *hc, uint64_t va, size_t len,
                     uint64_t *gpa)
{
    if (!xen_emu_gva_to_gpa(hc->cs, va, gpa) ||
        (va & ~TARGET_PAGE_MASK) + len > TARGET_PAGE_SIZE) {
        return -EFAULT;
    }
    return 0;
}

static long register_time_info(XenHypercall *hc, CPUState *target)
{
    struct vcpu_register_time_memory_area tma;  /* the same in both ABIs */
    struct vcpu_time_info probe;
    uint64_t va = 0, gpa;
    long err;

    if (!xen_emu_accel_ops()->pvclock) {
        return -ENOSYS;     /* nothing here would keep it current */
    }
    /* a 32-bit guest's address is the handle in the low half */
    qemu_build_assert(sizeof(tma) == 8);
    err = xen_emu_copy_in(hc, hc->arg[2], &va, xen_emu_long_size(hc));
    err = err ? err : area_gpa(hc, va, sizeof(struct vcpu_time_info), &gpa);
    /* it will be written: it must be writable RAM (its bytes stay) */
    err = err ? err : xen_emu_copy_in(hc, va, &probe, sizeof(probe));
    err = err ? err : xen_emu_copy_out(hc, va, &probe, sizeof(probe));
    if (err) {
        return err;
    }
    X86_CPU(target)->env.xen_vcpu_time_info_gpa = gpa;
    vcpu_changed(target, XEN_EMU_VCPU_TIME_INFO);
    return 0;
}

/*
 * Register a runstate area: written now as "running since registration";
 * an accelerator that keeps it (KVM) takes it over from there, TCG's
 * vCPUs are never preempted by a Xen scheduler (no steal time).
 */
static long register_runstate(XenHypercall *hc, CPUState *target)
{
    CPUX86State *env = &X86_CPU(target)->env;
    int64_t now = xen_emu_accel_ops()->system_time_ns();
    struct vcpu_runstate_info rs = {
        .state = RUNSTATE_running,
        .state_entry_time = now,
        .time[RUNSTATE_running] = now,
    };
    struct compat_vcpu_runstate_info c = {
        .state = rs.state,
        .state_entry_time = now,
        .time[RUNSTATE_running] = now,
    };
    uint64_t va = 0, gpa;
    long err = xen_emu_copy_in(hc, hc->arg[2], &va, xen_emu_long_size(hc));

    if (err) {
        return err;
    }
    if (!va) {
        env->xen_vcpu_runstate_gpa = INVALID_GPA;
        vcpu_changed(target, XEN_EMU_VCPU_RUNSTATE);
        return 0;
    }
    err = hc->wide ? xen_emu_copy_out(hc, va, &rs, sizeof(rs)) :
                     xen_emu_copy_out(hc, va, &c, sizeof(c));
    err = err ? err : area_gpa(hc, va, 0, &gpa);
    if (err) {
        return err;
    }
    env->xen_vcpu_runstate_gpa = gpa;
    vcpu_changed(target, XEN_EMU_VCPU_RUNSTATE);
    return 0;
}

long xen_emu_vcpu_op(XenHypercall *hc)
{
    CPUState *target = qemu_get_cpu(hc->arg[1]);
    bool self = target == hc->cs;
    uint64_t u64;
    long err;

    if (!target || hc->arg[1] > INT32_MAX) {
        return -ENOENT;
    }
    switch (hc->arg[0]) {
    case VCPUOP_initialise:
        return xen_emu_vcpu_initialise(hc, target);
    case VCPUOP_up:
        return xen_emu_vcpu_up(target);
    case VCPUOP_register_vcpu_info:
        return register_vcpu_info(hc, target);
    case VCPUOP_register_vcpu_time_memory_area:
        return register_time_info(hc, target);
    case VCPUOP_register_runstate_memory_area:
        return register_runstate(hc, target);
    case VCPUOP_set_singleshot_timer:
        /* timeout_abs_ns; the flags after it are ignored, as by Xen */
        err = xen_emu_copy_in(hc, hc->arg[2], &u64, 8);
        if (!err && !self) {
            err = -EINVAL;
        }
        if (!err) {
            xen_emu_set_singleshot_timer(target, u64);
        }
        return err;
    case VCPUOP_stop_singleshot_timer:
        if (!self) {
            return -EINVAL;
        }
        stop_singleshot(target);
        return 0;
    case VCPUOP_set_periodic_timer:
        err = xen_emu_copy_in(hc, hc->arg[2], &u64, 8);
        if (err) {
            return err;
        }
        /* Xen: at least 1 ms, and no overflow when added to now */
        if (u64 < SCALE_MS || u64 > (UINT64_MAX >> 2)) {
            return -EINVAL;
        }
        xen_emu_set_periodic_timer(target, u64);
        return 0;
    case VCPUOP_stop_periodic_timer:
        xen_emu_set_periodic_timer(target, 0);
        return 0;
    default:
        /* VCPUOP_down, is_up, get_runstate_info...: not implemented */
        return -ENOSYS;
    }
}

/*
 * The loaded env fields say where the areas are and when the timers
 * fire; the host pointer and QEMU's timers are this process's own.
 */
void xen_emu_vcpu_post_load(CPUState *cs)
{
    const XenEmuAccelOps *ops = xen_emu_accel_ops();
    CPUX86State *env = &X86_CPU(cs)->env;
    uint64_t gpa = env->xen_vcpu_info_gpa;

    if (!ops || !ops->vcpu_loaded) {
        return;
    }
    if (gpa == INVALID_GPA) {
        gpa = env->xen_vcpu_info_default_gpa;
    }
    if (!xen_emu_map_vcpu_info(cs, gpa)) {
        xen_emu_map_vcpu_info(cs, INVALID_GPA);
    }
    xen_emu_set_periodic_timer(cs, env->xen_periodic_timer_period);
    if (env->xen_singleshot_timer_ns) {
        xen_emu_set_singleshot_timer(cs, env->xen_singleshot_timer_ns);
    } else {
        stop_singleshot(cs);
    }
    ops->vcpu_loaded(cs);
}

void xen_emu_vcpu_reset_state(CPUState *cs)
{
    CPUX86State *env = &X86_CPU(cs)->env;

    stop_singleshot(cs);
    xen_emu_set_periodic_timer(cs, 0);
    env->xen_vcpu_info_gpa = INVALID_GPA;
    env->xen_vcpu_info_default_gpa = INVALID_GPA;
    env->xen_vcpu_time_info_gpa = INVALID_GPA;
    env->xen_vcpu_runstate_gpa = INVALID_GPA;
    env->xen_vcpu_callback_vector = 0;
    env->xen_callback_asserted = false;
    memset(env->xen_virq, 0, sizeof(env->xen_virq));
    xen_emu_map_vcpu_info(cs, INVALID_GPA);
}
