/*
 * Xen HVM emulation: hypercall dispatch, guest memory, xen_version and
 * sched_op, for every accelerator
 *
 * Arguments come as the guest passed them (RDI, RSI, RDX, R10, R8 in
 * 64-bit mode; EBX, ECX, EDX, ESI, EDI in 32-bit mode); the accelerator
 * reads them and writes the result back.  As on Xen, an unknown
 * hypercall is -ENOSYS and a pointer that does not lead to guest RAM
 * -EFAULT.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/cutils.h"
#include "qemu/main-loop.h"
#include "qemu/lockable.h"
#include "qemu/thread.h"
#include "qemu/timer.h"
#include "cpu.h"
#include "exec/address-spaces.h"
#include "exec/memory.h"
#include "exec/target_page.h"
#include "system/runstate.h"
#include "system/system.h"
#include "hw/xen/xen.h"
#include "hw/xen/interface/xen.h"
#include "hw/xen/interface/version.h"
#include "hw/xen/interface/sched.h"
#include "hw/xen/interface/features.h"
#include "hw/i386/kvm/xen_evtchn.h"
#include "system/kvm_xen.h"
#include "xen-emu-compat.h"
#include "xen-emu-hypercall.h"
#include "trace.h"

/* (xen.h renames these for old interface versions) */
#define HYPERVISOR_SCHED_OP     29
#define HYPERVISOR_EVTCHN_OP    32
#define HYPERVISOR_PHYSDEV_OP   33

uint32_t xen_emu_version(void)
{
    return xen_emu_accel_ops()->version();
}

bool xen_emu_domid_is_self(uint16_t domid)
{
    return domid == DOMID_SELF || domid == xen_domid;
}

bool xen_emu_gva_to_gpa(CPUState *cs, uint64_t va, uint64_t *gpa)
{
    return xen_emu_accel_ops()->gva_to_gpa(cs, va, gpa);
}

/* Is [gpa, gpa + len) guest RAM, writable if @write? */
static bool is_guest_ram(hwaddr gpa, hwaddr len, bool write)
{
    MemoryRegion *mr;
    hwaddr xlat, l = len;

    RCU_READ_LOCK_GUARD();
    mr = address_space_translate(&address_space_memory, gpa, &xlat, &l,
                                 write, MEMTXATTRS_UNSPECIFIED);
    return memory_region_is_ram(mr) && !memory_region_is_ram_device(mr) &&
           l == len && !(write && mr->readonly);
}

bool xen_emu_copy(CPUState *cs, uint64_t va, void *buf, size_t len,
                  bool to_guest)
{
    while (len) {
        size_t n = MIN(len, TARGET_PAGE_SIZE - (va & ~TARGET_PAGE_MASK));
        uint64_t gpa;

        if (!xen_emu_gva_to_gpa(cs, va, &gpa) ||
            !is_guest_ram(gpa, n, to_guest) ||
            address_space_rw(&address_space_memory, gpa,
                             MEMTXATTRS_UNSPECIFIED, buf, n,
                             to_guest) != MEMTX_OK) {
            return false;
        }
        va += n;
        buf = (uint8_t *)buf + n;
        len -= n;
    }
    return true;
}

long xen_emu_struct_op(XenHypercall *hc, const XenStructOp *ops,
                       size_t n_ops, uint64_t cmd, uint64_t va,
                       long (*call)(uint64_t cmd, void *arg))
{
    uint64_t arg[8];        /* the largest such structure is 24 bytes */
    long err;

    if (cmd >= n_ops || !ops[cmd].size) {
        return -ENOSYS;
    }
    assert(ops[cmd].size <= sizeof(arg));
    err = xen_emu_copy_in(hc, va, arg, ops[cmd].size);
    if (!err) {
        err = call(cmd, arg);
    }
    if (!err && ops[cmd].out) {
        err = xen_emu_copy_out(hc, va, arg, ops[cmd].size);
    }
    return err;
}

static long copy_string_out(XenHypercall *hc, uint64_t va, const char *str,
                            size_t size)
{
    g_autofree char *buf = g_malloc0(size);

    pstrcpy(buf, size, str);
    return xen_emu_copy_out(hc, va, buf, size);
}

static long do_xen_version(XenHypercall *hc)
{
    uint64_t arg = hc->arg[1];

    switch (hc->arg[0]) {
    case XENVER_version:
        return xen_emu_version();
    case XENVER_extraversion:
        return copy_string_out(hc, arg, "-qemu", sizeof(xen_extraversion_t));
    case XENVER_changeset:
        return copy_string_out(hc, arg, "qemu", sizeof(xen_changeset_info_t));
    case XENVER_capabilities:
        return copy_string_out(hc, arg, "hvm-3.0-x86_64 hvm-3.0-x86_32p",
                               sizeof(xen_capabilities_info_t));
    case XENVER_compile_info: {
        xen_compile_info_t info = { };

        pstrcpy(info.compiler, sizeof(info.compiler), "gcc");
        pstrcpy(info.compile_by, sizeof(info.compile_by), "qemu");
        pstrcpy(info.compile_domain, sizeof(info.compile_domain), "qemu");
        return xen_emu_copy_out(hc, arg, &info, sizeof(info));
    }
    case XENVER_get_features: {
        xen_feature_info_t fi;      /* the same in both ABIs */
        long err = xen_emu_copy_in(hc, arg, &fi, sizeof(fi));

        if (err) {
            return err;
        }
        fi.submap = 0;
        if (fi.submap_idx == 0) {
            fi.submap = 1u << XENFEAT_writable_page_tables |
                        1u << XENFEAT_writable_descriptor_tables |
                        1u << XENFEAT_auto_translated_physmap |
                        1u << XENFEAT_hvm_callback_vector |
                        1u << XENFEAT_hvm_pirqs;
            /* pvclock only where vcpu_time_info is kept current */
            if (xen_emu_accel_ops()->pvclock) {
                fi.submap |= 1u << XENFEAT_hvm_safe_pvclock;
            }
        }
        return xen_emu_copy_out(hc, arg, &fi, sizeof(fi));
    }
    case XENVER_pagesize:
        return TARGET_PAGE_SIZE;
    case XENVER_platform_parameters: {
        /* where Xen's own mappings start, for 64-bit and 32-bit guests */
        uint64_t start = hc->wide ? 0xffff800000000000ull : 0xf5800000u;

        return xen_emu_copy_out(hc, arg, &start, xen_emu_long_size(hc));
    }
    case XENVER_guest_handle:
        /* the domain's handle is its UUID: -uuid */
        return xen_emu_copy_out(hc, arg, qemu_uuid.data,
                                sizeof(qemu_uuid.data));
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
 * return where the accelerator can stop the vCPU there.
 */
static long do_sched_shutdown(XenHypercall *hc)
{
    const XenEmuAccelOps *ops = xen_emu_accel_ops();
    uint32_t reason;
    long err = xen_emu_copy_in(hc, hc->arg[1], &reason, sizeof(reason));

    if (err) {
        return err;
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
    case SHUTDOWN_soft_reset:
        /* kexec: the Xen state as at boot, and the vCPU goes on */
        err = xen_emu_soft_reset();
        bql_unlock();
        return err;
    default:
        /* suspend (a toolstack's save), watchdog: not emulated */
        bql_unlock();
        return -EINVAL;
    }
    bql_unlock();
    if (ops->shutdown_stop) {
        ops->shutdown_stop(hc->cs);
    }
    return 0;
}

/*
 * SCHEDOP_poll blocks the vCPU until one of its ports is pending, an
 * event is due to it, or the timeout (Xen system time; 0: none) passes.
 * Pollers sleep on poll_cond; every event_channel_op a guest makes
 * (EVTCHNOP_send is how Linux kicks a vCPU waiting for a PV spinlock)
 * wakes them to look again, and they look every millisecond anyway, for
 * events the backends raise.  A poll also ends, as a spurious wakeup
 * the guest must expect, when QEMU wants the vCPU (to stop it, to run
 * work on it) and after POLL_MAX_NS.
 */
#define POLL_MAX_PORTS      128
#define POLL_MAX_NS         (50 * SCALE_MS)

static QemuMutex poll_lock;
static QemuCond poll_cond;
static uint64_t poll_generation;
static unsigned int pollers;        /* vCPUs in do_sched_poll()'s wait */

void xen_emu_hypercall_init(void)
{
    qemu_mutex_init(&poll_lock);
    qemu_cond_init(&poll_cond);
    xen_emu_balloon_init();
}

static void poll_wake(void)
{
    /*
     * Every event_channel_op passes here: cheap when nobody polls.  The
     * port's new state before the count, as a poller counts itself in
     * before it looks at the ports; at worst its 1 ms look catches it.
     */
    smp_mb();
    if (!qatomic_read(&pollers)) {
        return;
    }
    WITH_QEMU_LOCK_GUARD(&poll_lock) {
        poll_generation++;
        qemu_cond_broadcast(&poll_cond);
    }
}

/* By the event channel ABI in use: 2-level bitmap or FIFO event word */
static bool port_pending(uint32_t port)
{
    return xen_evtchn_port_pending(port) > 0;
}

/* Would Xen deliver an upcall to @cs now? */
static bool upcall_due(CPUState *cs)
{
    struct vcpu_info *vi = qatomic_read(&X86_CPU(cs)->env.xen_vcpu_info_hva);

    return vi && qatomic_read(&vi->evtchn_upcall_pending) &&
           !qatomic_read(&vi->evtchn_upcall_mask);
}

static bool poll_over(CPUState *cs, const uint32_t *ports, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        if (port_pending(ports[i])) {
            return true;
        }
    }
    return upcall_due(cs) || qatomic_read(&cs->exit_request) ||
           qatomic_read(&cs->stop);
}

static long do_sched_poll(XenHypercall *hc)
{
    const XenEmuAccelOps *ops = xen_emu_accel_ops();
    uint32_t port_list[POLL_MAX_PORTS];
    struct sched_poll sp;
    struct compat_sched_poll c;
    int64_t now, until;
    uint64_t ports;
    long err;

    if (hc->wide) {
        err = xen_emu_copy_in(hc, hc->arg[1], &sp, sizeof(sp));
        ports = (uintptr_t)sp.ports.p;
    } else {
        err = xen_emu_copy_in(hc, hc->arg[1], &c, sizeof(c));
        sp.nr_ports = c.nr_ports;
        sp.timeout = c.timeout;
        ports = c.ports;
    }
    if (err) {
        return err;
    }
    if (sp.nr_ports > POLL_MAX_PORTS) {
        return -EINVAL;
    }
    err = xen_emu_copy_in(hc, ports, port_list, sp.nr_ports * 4);
    if (err) {
        return err;
    }
    for (uint32_t i = 0; i < sp.nr_ports; i++) {
        /* beyond the port space of the ABI in use */
        if (xen_evtchn_port_pending(port_list[i]) < 0) {
            return -EINVAL;
        }
    }
    if (ops->sched_poll_sleeps && !ops->sched_poll_sleeps()) {
        return 0;
    }

    now = ops->system_time_ns();
    until = now + POLL_MAX_NS;
    if (sp.timeout && (int64_t)sp.timeout < until) {
        until = sp.timeout;
    }
    qatomic_inc(&pollers);
    while (now < until) {
        uint64_t gen;

        WITH_QEMU_LOCK_GUARD(&poll_lock) {
            gen = poll_generation;
        }
        if (poll_over(hc->cs, port_list, sp.nr_ports)) {
            break;
        }
        WITH_QEMU_LOCK_GUARD(&poll_lock) {
            if (gen == poll_generation) {
                qemu_cond_timedwait(&poll_cond, &poll_lock, 1);
            }
        }
        now = ops->system_time_ns();
    }
    qatomic_dec(&pollers);
    return 0;
}

/* Called without the BQL: SCHEDOP_block may halt the vCPU */
static long do_sched_op(XenHypercall *hc)
{
    const XenEmuAccelOps *ops = xen_emu_accel_ops();

    switch (hc->arg[0]) {
    case SCHEDOP_yield:
        return 0;
    case SCHEDOP_block:
        return ops->sched_block ? ops->sched_block(hc->cs) : -ENOSYS;
    case SCHEDOP_poll:
        return do_sched_poll(hc);
    case SCHEDOP_shutdown:
        return do_sched_shutdown(hc);
    default:
        return -ENOSYS;
    }
}

/* The hypercalls that go to the Xen emulation backends; BQL held */
static long do_backend_hypercall(XenHypercall *hc, uint64_t nr)
{
    switch (nr) {
    case __HYPERVISOR_memory_op:
        return xen_emu_memory_op(hc);
    case __HYPERVISOR_hvm_op:
        return xen_emu_hvm_op(hc);
    case __HYPERVISOR_grant_table_op:
        return xen_emu_grant_table_op(hc);
    case HYPERVISOR_EVTCHN_OP: {
        long ret = xen_emu_event_channel_op(hc);

        poll_wake();        /* a port may have become pending */
        return ret;
    }
    case HYPERVISOR_PHYSDEV_OP:
        return xen_emu_physdev_op(hc);
    case __HYPERVISOR_vcpu_op:
        return xen_emu_vcpu_op(hc);
    case __HYPERVISOR_set_timer_op:
        return xen_emu_set_timer_op(hc);
    case __HYPERVISOR_console_io:
        return xen_emu_console_io(hc);
    default:
        qemu_log_mask(LOG_UNIMP, "xen: hypercall %" PRIu64
                      " is not implemented\n", nr);
        return -ENOSYS;
    }
}

long xen_emu_hypercall(XenHypercall *hc, uint64_t nr)
{
    long ret;

    if (nr == __HYPERVISOR_xen_version) {
        ret = do_xen_version(hc);
    } else if (nr == HYPERVISOR_SCHED_OP) {
        ret = do_sched_op(hc);
    } else {
        const XenEmuAccelOps *ops = xen_emu_accel_ops();

        BQL_LOCK_GUARD();
        ret = do_backend_hypercall(hc, nr);
        if (ops->hypercall_return) {
            ops->hypercall_return(hc->cs);
        }
    }
    trace_xen_emu_hypercall(hc->cs->cpu_index, nr, hc->arg[0], hc->arg[1],
                            ret);
    return ret;
}
