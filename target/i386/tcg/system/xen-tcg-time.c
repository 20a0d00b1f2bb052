/*
 * Xen HVM guests under TCG: pvclock and runstate, Xen's time for guests
 *
 * Xen system time is QEMU's virtual clock, in nanoseconds.  A guest
 * reads it without a hypercall from vcpu_time_info (in its vcpu_info,
 * and in the area VCPUOP_register_vcpu_time_memory_area names): an
 * anchor (its TSC, the system time then) and the TSC's rate as a
 * multiplier and shift.  The guest's TSC under TCG counts at the host's
 * TSC rate (cpus_get_elapsed_ticks(), which stops with the VM as the
 * virtual clock does), so that rate is measured against the virtual
 * clock, and refined over an ever longer baseline.  Each vCPU's anchor
 * is taken again at its hypercalls to the backends (Linux sets its
 * timer through one at every tick), every 10 ms at most, so the error
 * of the rate never builds up.  Linux keeps its clock monotonic across
 * such steps, since the TSC is not declared stable.
 *
 * The wallclock at system time 0 goes to shared_info, as Xen keeps it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/host-utils.h"
#include "qemu/lockable.h"
#include "qemu/main-loop.h"
#include "qemu/timer.h"
#include "cpu.h"
#include "hw/boards.h"
#include "exec/address-spaces.h"
#include "exec/memory.h"
#include "system/cpu-timers.h"
#include "system/runstate.h"
#include "system/kvm_xen.h"
#include "hw/xen/interface/xen.h"
#include "hw/xen/interface/vcpu.h"
#include "hw/i386/kvm/xen_overlay.h"
#include "xen-tcg-internal.h"

/* Where shared_info's wallclock is: 32 vcpu_infos and two bitmaps before */
#define WC_OFFSET_64        3072    /* wc_version, wc_sec, wc_nsec, hi */
#define WC_OFFSET_32        2304
#define WC_SEC_HI_32        2340    /* in the 32-bit arch_shared_info */

/* Shortest baseline for a first rate, in ns of the virtual clock */
#define CALIBRATE_NS        (10 * SCALE_MS)
/* A vCPU's anchor is taken again at its hypercalls, at most this often */
#define ANCHOR_PERIOD_NS    (10 * SCALE_MS)
/* How often the rate is measured again over the longer baseline */
#define RATE_PERIOD_NS      NANOSECONDS_PER_SECOND

/* The first sample of (guest TSC base, virtual ns) the rate is measured from */
static QemuMutex rate_lock;
static bool rate_started;
static int64_t rate_measured;       /* virtual ns of the last measure */
static uint64_t tsc_first;
static int64_t ns_first;
static uint32_t rate_mul;
static int8_t rate_shift;

static uint64_t tsc_base(void)
{
    return cpus_get_elapsed_ticks();
}

/*
 * ns = ((tsc_delta << shift) * mul) >> 32 for a TSC of @hz: the shift
 * that scales @hz into (1e9, 2e9], which keeps mul below 2^32 and above
 * 2^31, as precise as 32 bits allow.
 */
static void set_rate(uint64_t hz)
{
    uint64_t scaled = hz, lo, hi;
    int shift = 0;

    while (scaled > 2 * NANOSECONDS_PER_SECOND) {
        scaled >>= 1;
        shift--;
    }
    while (scaled <= NANOSECONDS_PER_SECOND) {
        scaled <<= 1;
        shift++;
    }
    mulu64(&lo, &hi, NANOSECONDS_PER_SECOND, 1ull << 32);
    divu128(&lo, &hi, scaled);
    rate_mul = lo;
    rate_shift = shift;
}

/*
 * The TSC's rate against the virtual clock, refined at most every
 * RATE_PERIOD_NS: the baseline grows, the rate barely moves.
 */
static void measure_rate(void)
{
    uint64_t tsc = tsc_base(), lo, hi;
    int64_t ns = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);

    if (qatomic_read(&rate_started) &&
        ns - qatomic_read(&rate_measured) < RATE_PERIOD_NS) {
        return;
    }
    /* a first baseline needs the virtual clock to move */
    if (!qatomic_read(&rate_started) && !runstate_is_running()) {
        return;
    }
    QEMU_LOCK_GUARD(&rate_lock);
    if (!rate_started) {
        /* a first baseline, once: long enough to give a usable rate */
        tsc_first = tsc;
        ns_first = ns;
        qatomic_set(&rate_started, true);
        do {
            g_usleep(1000);
            tsc = tsc_base();
            ns = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
        } while (ns - ns_first < CALIBRATE_NS);
    }
    if (ns - ns_first < CALIBRATE_NS || tsc <= tsc_first) {
        return;     /* the VM stopped meanwhile: keep the rate we have */
    }
    mulu64(&lo, &hi, tsc - tsc_first, NANOSECONDS_PER_SECOND);
    divu128(&lo, &hi, ns - ns_first);
    if (lo) {
        set_rate(lo);
    }
    qatomic_set(&rate_measured, ns);
}

/* Fill @t, as the guest reads it, with the anchor @tsc, @ns */
static void fill(struct vcpu_time_info *t, uint64_t tsc, int64_t ns)
{
    memset(t, 0, sizeof(*t));
    t->tsc_timestamp = cpu_to_le64(tsc);
    t->system_time = cpu_to_le64(ns);
    WITH_QEMU_LOCK_GUARD(&rate_lock) {
        t->tsc_to_system_mul = cpu_to_le32(rate_mul);
        t->tsc_shift = rate_shift;
    }
}

/* A seqlock's writer: odd version, the fields, even version */
static void publish_hva(struct vcpu_time_info *dst,
                        const struct vcpu_time_info *src)
{
    uint32_t version = le32_to_cpu(qatomic_read(&dst->version)) | 1;

    qatomic_set(&dst->version, cpu_to_le32(version));
    smp_wmb();      /* the odd version before the fields */
    memcpy((uint8_t *)dst + 8, (const uint8_t *)src + 8, sizeof(*src) - 8);
    smp_wmb();      /* the fields before the even version */
    qatomic_set(&dst->version, cpu_to_le32(version + 1));
    xen_emu_guest_memory_written(dst, sizeof(*dst));
}

static void publish_gpa(hwaddr gpa, const struct vcpu_time_info *src)
{
    MemTxAttrs attrs = MEMTXATTRS_UNSPECIFIED;
    uint32_t version = 0;

    address_space_read(&address_space_memory, gpa, attrs, &version, 4);
    version = cpu_to_le32(le32_to_cpu(version) | 1);
    address_space_write(&address_space_memory, gpa, attrs, &version, 4);
    smp_wmb();      /* the odd version before the fields */
    address_space_write(&address_space_memory, gpa + 8, attrs,
                        (const uint8_t *)src + 8, sizeof(*src) - 8);
    smp_wmb();      /* the fields before the even version */
    version = cpu_to_le32(le32_to_cpu(version) + 1);
    address_space_write(&address_space_memory, gpa, attrs, &version, 4);
}

/* shared_info's wallclock: the host's time when system time was 0 */
static void publish_wallclock(int64_t ns)
{
    uint8_t *shinfo = xen_overlay_get_shinfo_ptr();
    int64_t wc = qemu_clock_get_ns(QEMU_CLOCK_HOST) - ns;
    bool wide = xen_is_long_mode();
    uint32_t *w;

    if (!shinfo || wc < 0) {
        return;
    }
    w = (uint32_t *)(shinfo + (wide ? WC_OFFSET_64 : WC_OFFSET_32));
    qatomic_set(&w[0], cpu_to_le32(le32_to_cpu(w[0]) | 1));
    smp_wmb();      /* the odd version before the fields */
    w[1] = cpu_to_le32(wc / NANOSECONDS_PER_SECOND);
    w[2] = cpu_to_le32(wc % NANOSECONDS_PER_SECOND);
    if (wide) {
        w[3] = cpu_to_le32((uint64_t)(wc / NANOSECONDS_PER_SECOND) >> 32);
    } else {
        stl_le_p(shinfo + WC_SEC_HI_32,
                 (uint64_t)(wc / NANOSECONDS_PER_SECOND) >> 32);
    }
    smp_wmb();      /* the fields before the even version */
    qatomic_set(&w[0], cpu_to_le32(le32_to_cpu(w[0]) + 1));
    xen_emu_guest_memory_written(shinfo, TARGET_PAGE_SIZE);
}

void xen_tcg_time_init(void)
{
    qemu_mutex_init(&rate_lock);
}

/* Each vCPU's anchor and runstate baseline; under the BQL */
typedef struct VcpuTime {
    int64_t anchored;           /* virtual ns of the last anchor */
    uint64_t runstate_gpa;      /* the area the baseline is for */
    uint64_t delay_base;        /* run_delay when it was registered */
    int64_t runstate_updated;   /* virtual ns of the last update */
} VcpuTime;

static VcpuTime *vcpu_times;

static VcpuTime *vcpu_time(CPUState *cs)
{
    unsigned int n = current_machine->smp.max_cpus;

    if (!vcpu_times) {
        vcpu_times = g_new0(VcpuTime, n);
    }
    return cs->cpu_index < n ? &vcpu_times[cs->cpu_index] : NULL;
}

void xen_tcg_publish_time(CPUState *cs, bool wallclock)
{
    CPUX86State *env = &X86_CPU(cs)->env;
    struct vcpu_info *vi = qatomic_read(&env->xen_vcpu_info_hva);
    VcpuTime *vt = vcpu_time(cs);
    struct vcpu_time_info t;
    uint64_t tsc;
    int64_t ns;

    if (!vi && env->xen_vcpu_time_info_gpa == INVALID_GPA) {
        return;
    }
    measure_rate();
    tsc = tsc_base() + env->tsc_offset;
    ns = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    if (vt) {
        vt->anchored = ns;
    }
    fill(&t, tsc, ns);
    if (vi) {
        publish_hva(&vi->time, &t);
    }
    if (env->xen_vcpu_time_info_gpa != INVALID_GPA) {
        publish_gpa(env->xen_vcpu_time_info_gpa, &t);
    }
    if (wallclock) {
        publish_wallclock(ns);
    }
}

void xen_tcg_refresh_time(CPUState *cs)
{
    VcpuTime *vt = vcpu_time(cs);

    if (!vt || qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL) - vt->anchored >=
               ANCHOR_PERIOD_NS) {
        xen_tcg_publish_time(cs, false);
    }
}

/*
 * Runstate: steal time.  A TCG vCPU is never descheduled by a Xen
 * scheduler, but its thread waits for the host's CPUs like any other:
 * the time it was runnable and not running (the kernel's run_delay, in
 * /proc/thread-self/schedstat) is the guest's "runnable" time, which is
 * what Linux counts as stolen.  Read from the vCPU's own thread at its
 * hypercalls, at most every RUNSTATE_PERIOD_NS.
 */
#define RUNSTATE_PERIOD_NS  (4 * SCALE_MS)

/* The calling thread's run_delay in ns, or -1 */
static int64_t thread_run_delay(void)
{
    g_autofree char *text = NULL;
    unsigned long long exec, delay;

    if (!g_file_get_contents("/proc/thread-self/schedstat", &text, NULL,
                             NULL) ||
        sscanf(text, "%llu %llu", &exec, &delay) != 2) {
        return -1;
    }
    return delay;
}

void xen_tcg_update_runstate(CPUState *cs)
{
    CPUX86State *env = &X86_CPU(cs)->env;
    uint64_t gpa = env->xen_vcpu_runstate_gpa;
    MemTxAttrs attrs = MEMTXATTRS_UNSPECIFIED;
    bool wide = xen_is_long_mode();
    int64_t now, delay, steal;
    uint64_t entry, times[4] = { 0 };
    VcpuTime *vt = vcpu_time(cs);

    if (gpa == INVALID_GPA || cs != current_cpu || !vt) {
        return;
    }
    now = qemu_clock_get_ns(QEMU_CLOCK_VIRTUAL);
    if (vt->runstate_gpa == gpa &&
        now - vt->runstate_updated < RUNSTATE_PERIOD_NS) {
        return;     /* before the file read, which costs a few syscalls */
    }
    delay = thread_run_delay();
    if (delay < 0) {
        return;
    }
    if (vt->runstate_gpa != gpa) {
        /* newly registered: it says "running since 0" already */
        vt->runstate_gpa = gpa;
        vt->delay_base = delay;
        vt->runstate_updated = now;
        return;
    }
    vt->runstate_updated = now;
    steal = MIN(delay - (int64_t)vt->delay_base, now);
    times[RUNSTATE_running] = cpu_to_le64(now - MAX(steal, 0));
    times[RUNSTATE_runnable] = cpu_to_le64(MAX(steal, 0));

    /* as Xen: the entry time with XEN_RUNSTATE_UPDATE while it changes */
    entry = cpu_to_le64(now | XEN_RUNSTATE_UPDATE);
    address_space_write(&address_space_memory, gpa + (wide ? 8 : 4), attrs,
                        &entry, 8);
    smp_wmb();      /* the update flag before the times */
    address_space_write(&address_space_memory, gpa + (wide ? 16 : 12),
                        attrs, times, sizeof(times));
    smp_wmb();      /* the times before the flag goes */
    entry = cpu_to_le64(now);
    address_space_write(&address_space_memory, gpa + (wide ? 8 : 4), attrs,
                        &entry, 8);
}
