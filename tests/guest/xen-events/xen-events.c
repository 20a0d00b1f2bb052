/*
 * A Multiboot test kernel that checks, from the guest's side, that QEMU's
 * TCG emulation of Xen HVM (-accel tcg,xen-version=0x4000a) delivers
 * event channels through every callback route: none, a GSI of the IOAPIC,
 * the Xen platform device's PCI INTx (through the IOAPIC and through the
 * 8259), the domain-wide vector (HVM_PARAM_CALLBACK_IRQ type 2), and the
 * per-vCPU vector (HVMOP_set_evtchn_upcall_vector); with the VIRQ_TIMER
 * timers and SCHEDOP_block along the vector route.
 *
 * The kernel sets up the hypercall page from 32-bit protected mode, so
 * shared_info has the 32-bit "compat" layout.  Events come from
 * EVTCHNOP_send to IPI ports bound to vCPU 0 (itself) and from the timer.
 * A wait is "sti; hlt" until the local APIC timer, one-shot on QEMU's
 * virtual clock, ends it: every interrupt meanwhile is counted per
 * vector, so "exactly one upcall and nothing else" can be checked.
 *
 * The cmdline names the groups to run, in this order whatever the order
 * of the words: none gsi intx-ioapic intx-pic vector vcpu-vector (or
 * "all").  Each group starts from no route and no event pending, so each
 * can run in a boot of its own; vcpu-vector leaves the per-vCPU vector
 * set (Xen offers no way back), which is why it comes last.
 *
 * One line per check goes to COM1; the result goes to isa-debug-exit at
 * port 0xf4, QEMU's exit status being (code << 1) | 1:
 *
 *   code  status  meaning
 *   setup, in every boot:
 *   0x01     3    EAX at entry is not the Multiboot magic 0x2BADB002, or
 *                 the cmdline names no group
 *   0x02     5    no "XenVMMXenVMM" at CPUID 0x40000000, leaf 0x40000002
 *                 does not name MSR 0x40000000, or xen_version through
 *                 the hypercall page is not 0x0004000a
 *   0x03     7    XENMEM_add_to_physmap(shared_info) fails, the page does
 *                 not read as zero (ports pending or masked, an upcall
 *                 pending), or HVM_PARAM_CALLBACK_IRQ does not read 0
 *   0x04     9    EVTCHNOP_bind_ipi (twice) or bind_virq(VIRQ_TIMER) fails
 *                 or gives a port 0, past 1023, one given before, or one
 *                 masked (Xen leaves evtchn_mask to the guest)
 *   none: no callback route
 *   0x05    11    EVTCHNOP_send fails, or does not set the port's pending
 *                 bit, its selector bit and evtchn_upcall_pending; or an
 *                 interrupt arrives anyway
 *   0x06    13    with the port's mask bit set, send sets more than the
 *                 pending bit; EVTCHNOP_unmask fails, leaves the mask bit,
 *                 or does not set the selector and the upcall flag
 *   0x07    15    SCHEDOP_block with an upcall pending (and IF=1) does not
 *                 return 0 at once, i.e. before a 50 ms watchdog.  That is
 *                 QEMU's rule (xen_tcg_sched_block()); Xen itself would
 *                 wait for an interrupt it can deliver, and there is none
 *                 without a route: an early return is a wakeup the
 *                 interface allows, a hang would not be
 *   0x1d    59    SCHEDOP_poll of the VIRQ_TIMER port, with a periodic
 *                 timer of 20 ms and no upcall due, does not sleep: more
 *                 than 20 polls until the port is pending (thousands when
 *                 each returns at once), or a poll or the timer fails
 *   gsi: HVM_PARAM_CALLBACK_IRQ = GSI 22, IOAPIC pin 22 level, vector 0x30
 *   0x08    17    the parameter cannot be set or does not read back; or the
 *                 upcall left pending under no route is not delivered
 *                 then, exactly once
 *   0x09    19    one send is not exactly one interrupt on vector 0x30 (and
 *                 none elsewhere) while the handler clears the flag and
 *                 EOIs; or the handler did not see the flag, the selector
 *                 and the port, the ISR and TMR (level) bits of 0x30; or
 *                 the IOAPIC's Remote IRR stays set
 *   0x0a    21    a handler that EOIs without clearing the flag is not
 *                 entered again (exactly 3 times when it clears the third)
 *   0x0b    23    with IF=0, two sends to two ports: an interrupt before
 *                 sti, or after it not exactly one that sees both ports
 *   0x0c    25    a masked port's send interrupts, or EVTCHNOP_unmask
 *                 does not bring exactly one interrupt that sees the port
 *   0x0d    27    HVM_PARAM_CALLBACK_IRQ = 0 fails, or an interrupt still
 *                 arrives for a send (which must still set the flag)
 *   intx-ioapic, intx-pic: the platform device's INTA
 *   0x0e    29    no 5853:0001 on PCI bus 0; its interrupt pin is not
 *                 INTA, its interrupt line not an IRQ, or not the one
 *                 PIIX3's PIRQ register for its slot routes INTA to
 *   0x0f    31    through IOAPIC pin L (vector 0x31): the parameter
 *                 (type 1) cannot be set or read back; one send is not
 *                 exactly one interrupt; the level does not come back
 *                 while the flag stays set (3 entries)
 *   0x10    33    through the 8259 (vector 0x20 + L, ELCR level, OCW2
 *                 EOI): the same, and the 8259's ISR not clear after
 *   vector: HVM_PARAM_CALLBACK_IRQ type 2, vector 0x50, never EOIed.  Xen
 *   injects it at each VM entry while evtchn_upcall_pending is set and
 *   IF=1 (hvm_vcpu_has_pending_irq()): a level, not an edge
 *   0x11    35    the parameter cannot be set or read back; or the upcall
 *                 left pending under no route is not delivered then
 *   0x12    37    two sends are not exactly two interrupts on 0x50; or a
 *                 local APIC ISR bit is set in the handler or after
 *   0x13    39    a handler that does not clear the flag is not entered
 *                 again (3 entries)
 *   0x14    41    with IF=0: an interrupt before sti, or not exactly one
 *                 after
 *   0x15    43    the same with a write to COM1 between the send and sti
 *                 (the UART lowers IRQ 4, which is masked: no business of
 *                 the upcall's)
 *   0x16    45    an upcall raised in a local APIC interrupt's handler
 *                 (IF=0), which then EOIs, is not delivered after it
 *   0x17    47    VIRQ_TIMER: set_timer_op(1) (past) fails or its port
 *                 does not come exactly once; a deadline 2^40 ns fires;
 *                 set_timer_op(0) fails
 *   0x18    49    VCPUOP_set_periodic_timer below 1 ms is not -EINVAL, or
 *                 1 ms fails; SCHEDOP_block does not return 0 after a new
 *                 timer upcall (3 times, before the watchdog);
 *                 VCPUOP_stop_periodic_timer fails or the timer goes on
 *   0x19    51    HVM_PARAM_CALLBACK_IRQ = 0 fails, or the vector still
 *                 comes for a send (which must still set the flag)
 *   vcpu-vector: HVMOP_set_evtchn_upcall_vector, vector 0x60, EOIed
 *   0x1a    53    vector 0x0f is not -EINVAL, or 0x60 fails
 *   0x1b    55    with the type-2 vector still set: two sends are not
 *                 exactly two interrupts on 0x60; in the handler the ISR
 *                 bit of 0x60 is clear or its TMR bit set (not an edge);
 *                 the ISR not clear after the EOI
 *   0x1c    57    with HVM_PARAM_CALLBACK_IRQ = GSI 22 (accepted) and pin
 *                 22 unmasked: a send is not one interrupt on 0x60 only
 *   0x20    65    an exception or an interrupt storm outside a check
 *   0x21    67    success
 *
 * An exception, or more than STORM_LIMIT interrupts on one vector within
 * a check, fails the check in progress.  An upcall counts only if it came
 * when due: one taken after the wait's timer ran out came only because
 * that timer's interrupt made QEMU look again ("late"), and fails the
 * check too.  With "keep-going" on the cmdline a failed check does not
 * end the run (setup, 0x01-0x04 and 0x0e, still does); the exit code is
 * then the first failure's.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "xen.h"

/* the vectors: one per route, so a handler knows which route ran it */
#define VEC_PIC         0x20            /* 8259 master; slave at 0x28 */
#define VEC_GSI         0x30
#define VEC_INTX        0x31
#define VEC_DOMAIN      0x50            /* HVM_PARAM_CALLBACK_IRQ type 2 */
#define VEC_VCPU        0x60            /* HVMOP_set_evtchn_upcall_vector */
#define VEC_TIMER       0xe0            /* LAPIC timer: the highest class */
#define VEC_SPURIOUS    0xff
#define GSI             22              /* an IOAPIC pin nothing uses on pc */

#define STORM_LIMIT     100     /* interrupts on one vector within a check */
#define WAIT_MS         20      /* a "short wait" */
#define WATCHDOG_MS     50

/* local APIC, IOAPIC, 8259 */
#define LAPIC           0xfee00000
#define LAPIC_TPR       0x080
#define LAPIC_EOI       0x0b0
#define LAPIC_SVR       0x0f0
#define LAPIC_ISR       0x100
#define LAPIC_TMR       0x180
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3e0
#define LVT_MASKED      (1u << 16)
#define REDIR_LEVEL     (1u << 15)
#define REDIR_REMOTE_IRR (1u << 14)
#define REDIR_MASKED    (1u << 16)
#define PIC1            0x20
#define PIC2            0xa0
#define ELCR            0x4d0

#define ID_XEN_PLATFORM PCI_ID(0x5853, 0x0001)
#define ID_PIIX3_ISA    PCI_ID(0x8086, 0x7000)

/* RAM of our own for QEMU's shared_info overlay to cover */
static u8 shinfo_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

/*
 * vCPU 0's upcall flag and selector (its vcpu_info is slot 0) and the
 * event bitmaps, which QEMU writes at any time: volatile, so that every
 * access is a real one.
 */
static volatile u8 *const upcall_pending = shinfo_page + VI_UPCALL_PENDING;
static volatile u32 *const pending_sel =                /* volatile: QEMU's */
    (u32 *)(shinfo_page + VI_PENDING_SEL);
static volatile u32 *const evtchn_pending =             /* volatile: QEMU's */
    (u32 *)(shinfo_page + SHINFO_PENDING);
static volatile u32 *const evtchn_mask =                /* volatile: QEMU's */
    (u32 *)(shinfo_page + SHINFO_MASK);

static u32 port_a, port_b, port_timer;

/* The local APIC's and IOAPIC's registers: MMIO, through peek32/poke32 */
static u32 lapic_read(u32 reg)
{
    return peek32((void *)(LAPIC + reg));
}

static void lapic_write(u32 reg, u32 val)
{
    poke32((void *)(LAPIC + reg), val);
}

static int lapic_bit(u32 base, int vector)
{
    return lapic_read(base + 0x10 * (vector / 32)) >> (vector % 32) & 1;
}

/* The number of vectors in service at the local APIC */
static int lapic_isr_count(void)
{
    int n = 0;

    for (int i = 0; i < 8; i++) {
        /* no libgcc, so no __builtin_popcount */
        for (u32 w = lapic_read(LAPIC_ISR + 0x10 * i); w; w &= w - 1) {
            n++;
        }
    }
    return n;
}

/* Pin @pin: level-triggered, active high, fixed, physical to APIC 0 */
static void ioapic_route(int pin, int vector)
{
    ioapic_write(IOAPIC_REDIR + 2 * pin + 1, 0);
    ioapic_write(IOAPIC_REDIR + 2 * pin, vector | REDIR_LEVEL);
}

static void ioapic_mask(int pin)
{
    ioapic_write(IOAPIC_REDIR + 2 * pin, REDIR_MASKED);
}

static u32 evtchn_op(u32 cmd, void *arg)
{
    return hypercall(HC_EVENT_CHANNEL_OP, cmd, (u32)arg);
}

/* send, unmask: their argument is the port alone */
static u32 port_op(u32 op, u32 port)
{
    return evtchn_op(op, &port);
}

static u32 send(u32 port)
{
    return port_op(EVTCHNOP_send, port);
}

static u32 set_callback(u64 value)
{
    struct hvm_param p = { DOMID_SELF, 0, HVM_PARAM_CALLBACK_IRQ, value };

    return hypercall(HC_HVM_OP, HVMOP_set_param, (u32)&p);
}

/* HVM_PARAM_CALLBACK_IRQ as Xen reads it back; ~0 if it cannot */
static u64 get_callback(void)
{
    struct hvm_param p = { DOMID_SELF, 0, HVM_PARAM_CALLBACK_IRQ, ~0ull };

    if (hypercall(HC_HVM_OP, HVMOP_get_param, (u32)&p)) {
        return ~0ull;
    }
    return p.value;
}

/* A bitmap of QEMU's (volatile) or of the handlers' (seen, below) */
static int port_bit(volatile u32 *bitmap, u32 port)
{
    return bitmap[port / 32] >> (port % 32) & 1;
}

/* The guest owns evtchn_mask: masking is writing the bit */
static void mask_port(u32 port)
{
    evtchn_mask[port / 32] |= 1u << port % 32;
}

/*
 * What the interrupt handlers saw, volatile because the handlers write
 * it whenever an interrupt comes.  An upcall handler takes the events
 * as Linux does: clear evtchn_upcall_pending, take the selector, then
 * the pending and unmasked ports of each word it names.
 */
enum eoi { EOI_NONE, EOI_LAPIC, EOI_PIC };

static volatile u32 count[256];         /* interrupts per vector */
static volatile int timer_fired;        /* the LAPIC timer ended the wait */
static volatile int waiting;            /* in wait_ms() */
/*
 * Upcalls taken once the wait's timer had run out: those came only
 * because the timer's interrupt made the CPU look again, not when they
 * were due (QEMU takes them before the timer's own vector, so
 * timer_fired cannot tell).
 */
static volatile u32 late;
static volatile u32 seen[NR_PORTS / 32];        /* ports the handler took */
static volatile u32 timer_upcalls;      /* upcalls that took port_timer */
static volatile int first_flag, first_sel;      /* at the first entry */
static volatile int first_isr, first_tmr;
static volatile u32 max_isr_count;      /* over all upcall entries */
static volatile int in_timer_send;      /* check 0x16: send from the timer */

/* How the handler of the route under test behaves */
static int upcall_vector;       /* -1: none expected */
static enum eoi eoi_kind;
static int pic_irq;             /* the 8259 IRQ, for EOI_PIC */
static int keep_flag;           /* entries that leave the flag set */

static void eoi_pic(int irq)
{
    if (irq >= 8) {
        outb(PIC2, 0x20);               /* OCW2: non-specific EOI */
    }
    outb(PIC1, 0x20);
}

static void take_events(void)
{
    *upcall_pending = 0;
    u32 sel = __atomic_exchange_n(pending_sel, 0, __ATOMIC_SEQ_CST);

    while (sel) {
        int w = __builtin_ctz(sel);
        u32 p = evtchn_pending[w] & ~evtchn_mask[w];

        sel &= sel - 1;
        __atomic_fetch_and(&evtchn_pending[w], ~p, __ATOMIC_SEQ_CST);
        seen[w] |= p;
        if ((u32)w == port_timer / 32 && (p >> port_timer % 32 & 1)) {
            timer_upcalls++;
        }
    }
}

static void upcall(int vector)
{
    u32 n = count[vector];
    u32 isrs = lapic_isr_count();

    if (n == 1) {
        first_flag = *upcall_pending;
        first_sel = *pending_sel;
        first_isr = lapic_bit(LAPIC_ISR, vector);
        first_tmr = lapic_bit(LAPIC_TMR, vector);
    }
    if (isrs > max_isr_count) {
        max_isr_count = isrs;
    }
    late += waiting && !lapic_read(LAPIC_TIMER_CUR);
    if (n > (u32)keep_flag) {
        take_events();
    }
    if (eoi_kind == EOI_LAPIC) {
        lapic_write(LAPIC_EOI, 0);
    } else if (eoi_kind == EOI_PIC) {
        eoi_pic(pic_irq);
    }
}

/* Every vector: exceptions fail, interrupts are counted and handled */
void trap(struct frame *f)
{
    int v = f->vector;

    if (v < 32) {
        unexpected(f);
    }
    if (++count[v] > STORM_LIMIT) {
        puts("interrupt storm on vector ");
        puthex(v, 8);
        putc('\n');
        fail_current();
    }
    if (v == VEC_TIMER) {
        timer_fired = 1;
        if (in_timer_send) {
            /* as a device's handler would: an event, then the EOI */
            send(port_a);
        }
        lapic_write(LAPIC_EOI, 0);
    } else if (v == upcall_vector) {
        upcall(v);
    } else if (v != VEC_SPURIOUS) {
        /* a stray: count it (the check fails on it) and unwedge */
        if (lapic_bit(LAPIC_ISR, v)) {
            lapic_write(LAPIC_EOI, 0);
        }
        if (v >= VEC_PIC && v < VEC_PIC + 16) {
            eoi_pic(v - VEC_PIC);
        }
    }
}

/*
 * 8259s at 0x20/0x28, every IRQ masked; the ELCR is left as it is.  The
 * PIT counts once (mode 0, count 1), then its output stays high: without
 * its 18.2 Hz edges on IRQ 0, whether an interrupt line moved during a
 * check is up to the check (see 0x15).
 */
static void setup_pic(void)
{
    outb(0x43, 0x30);                   /* channel 0, lo/hi byte, mode 0 */
    outb(0x40, 1);
    outb(0x40, 0);
    outb(PIC1, 0x11);                   /* ICW1: ICW4 follows */
    outb(PIC2, 0x11);
    outb(PIC1 + 1, VEC_PIC);            /* ICW2: vector base */
    outb(PIC2 + 1, VEC_PIC + 8);
    outb(PIC1 + 1, 1 << 2);             /* ICW3: slave on IRQ2 */
    outb(PIC2 + 1, 2);
    outb(PIC1 + 1, 0x01);               /* ICW4: 8086 mode */
    outb(PIC2 + 1, 0x01);
    outb(PIC1 + 1, 0xff);
    outb(PIC2 + 1, 0xff);
}

/*
 * The local APIC software-enabled, LINT0 in ExtINT mode so that the
 * 8259 still reaches the CPU (virtual wire), its timer one-shot and
 * masked until a wait arms it.  Divide by 1: QEMU's APIC timer then
 * counts nanoseconds of the virtual clock.
 */
static void setup_lapic(void)
{
    lapic_write(LAPIC_SVR, 0x100 | VEC_SPURIOUS);
    lapic_write(LAPIC_TPR, 0);
    lapic_write(LAPIC_LVT_LINT0, 0x700);
    lapic_write(LAPIC_LVT_LINT1, 0x400);        /* NMI */
    lapic_write(LAPIC_TIMER_DIV, 0xb);
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
    lapic_write(LAPIC_TIMER_INIT, 0);
}

static void timer_start(u32 ms, int masked)
{
    timer_fired = 0;
    lapic_write(LAPIC_LVT_TIMER, (masked ? LVT_MASKED : 0) | VEC_TIMER);
    lapic_write(LAPIC_TIMER_INIT, ms * 1000000);
}

static void timer_stop(void)
{
    lapic_write(LAPIC_TIMER_INIT, 0);
    lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
}

/* Take interrupts for @ms of virtual time; IF=0 before and after. */
static void wait_ms(u32 ms)
{
    cli();
    timer_start(ms, 0);
    waiting = 1;
    while (!timer_fired) {
        asm volatile("sti; hlt; cli" : : : "memory");   /* no lost wakeup */
    }
    waiting = 0;
}

/* Let @ms of virtual time pass with IF=0: nothing may be taken. */
static void spin_ms(u32 ms)
{
    cli();
    timer_start(ms, 1);
    while (lapic_read(LAPIC_TIMER_CUR)) {
        asm volatile("pause");
    }
    timer_stop();
}

/* Forget what the handlers saw; the next upcall is the route's @vector */
static void reset_seen(int vector, enum eoi eoi, int keep)
{
    for (int i = 0; i < 256; i++) {
        count[i] = 0;
    }
    for (int i = 0; i < NR_PORTS / 32; i++) {
        seen[i] = 0;
    }
    timer_upcalls = 0;
    late = 0;
    first_flag = first_sel = first_isr = first_tmr = -1;
    max_isr_count = 0;
    upcall_vector = vector;
    eoi_kind = eoi;
    keep_flag = keep;
}

/* Interrupts on vectors other than @vector (and the wait's timer) */
static u32 strays(int vector)
{
    u32 n = 0;

    for (int i = 32; i < 256; i++) {
        if (i != vector && i != VEC_TIMER) {
            n += count[i];
        }
    }
    return n;
}

/*
 * Exactly @n upcalls on @vector, none late, and no other interrupt; the
 * port seen if any
 */
static int upcalls_were(int vector, u32 n, u32 port)
{
    u32 got = vector < 0 ? 0 : count[vector];

    if (got != n || late || strays(vector)) {
        puts("interrupts: ");
        putdec(got);
        puts(" on the route's vector ");
        puthex((u32)vector, 8);
        puts(" (");
        putdec(late);
        puts(" late), ");
        putdec(strays(vector));
        puts(" on others\n");
        return 0;
    }
    return !port || port_bit(seen, port);
}

/* The flag, selector and port as EVTCHNOP_send leaves them unmasked */
static int raised(u32 port)
{
    return *upcall_pending == 1 && (*pending_sel >> port / 32 & 1) &&
           port_bit(evtchn_pending, port);
}

/* No route, no event: the state each group starts from */
static void quiesce(void)
{
    cli();
    set_callback(0);
    ioapic_mask(GSI);
    for (int i = 0; i < NR_PORTS / 32; i++) {
        evtchn_pending[i] = 0;
        evtchn_mask[i] = 0;
    }
    *pending_sel = 0;
    *upcall_pending = 0;
    while (lapic_isr_count()) {
        lapic_write(LAPIC_EOI, 0);
    }
    reset_seen(-1, EOI_NONE, 0);
}

/* Send with no route, so that an upcall is pending when a route comes */
static int leave_upcall_pending(void)
{
    quiesce();
    return send(port_a) == 0 && raised(port_a);
}

static void setup(void)
{
    u32 r[4];

    current_check = 2;
    cpuid(XEN_CPUID_BASE, r);
    int xen = xen_signature(r);
    cpuid(XEN_CPUID_BASE + 2, r);
    xen &= r[1] == XEN_MSR;
    if (xen) {
        set_hypercall_page(0);
    }
    u32 ret = xen ? hypercall(HC_XEN_VERSION, XENVER_version, 0) : 0;
    require(2, xen && ret == XEN_VERSION,
            "Xen 4.10 found, hypercall page at MSR 0x40000000", ret);

    current_check = 3;
    struct {
        u16 domid, size;
        u32 space, idx, gpfn;
    } xatp = { DOMID_SELF, 0, XENMAPSPACE_shared_info, 0,
               (u32)shinfo_page / PAGE_SIZE };
    ret = hypercall(HC_MEMORY_OP, XENMEM_add_to_physmap, (u32)&xatp);
    u32 nonzero = 0;
    for (int i = 0; i < 32; i++) {
        nonzero |= evtchn_pending[i] | evtchn_mask[i];
    }
    nonzero |= *upcall_pending | *pending_sel;
    u64 cb = get_callback();
    require(3, ret == 0 && !nonzero && cb == 0,
            "shared_info mapped: nothing pending or masked, no callback yet",
            ret | nonzero | (u32)cb);

    current_check = 4;
    u32 ipi_a[2] = { 0, 0 }, ipi_b[2] = { 0, 0 };
    u32 virq[3] = { VIRQ_TIMER, 0, 0 };
    ret = evtchn_op(EVTCHNOP_bind_ipi, ipi_a);
    ret |= evtchn_op(EVTCHNOP_bind_ipi, ipi_b);
    ret |= evtchn_op(EVTCHNOP_bind_virq, virq);
    port_a = ipi_a[1];
    port_b = ipi_b[1];
    port_timer = virq[2];
    puts("ports: ipi ");
    putdec(port_a);
    puts(", ipi ");
    putdec(port_b);
    puts(", VIRQ_TIMER ");
    putdec(port_timer);
    putc('\n');
    require(4, ret == 0 && port_a && port_b && port_timer &&
               port_a < NR_PORTS && port_b < NR_PORTS &&
               port_timer < NR_PORTS && port_a != port_b &&
               port_a != port_timer && port_b != port_timer &&
               !port_bit(evtchn_mask, port_a) &&
               !port_bit(evtchn_mask, port_b) &&
               !port_bit(evtchn_mask, port_timer),
            "two IPI ports and a VIRQ_TIMER port bound to vCPU 0", ret);
}

/* A send, then a short wait for what it brings; the send's result */
static u32 send_wait(u32 port)
{
    u32 ret = send(port);

    wait_ms(WAIT_MS);
    return ret;
}

/*
 * One send to port_a: exactly one upcall on @vector, at whose first
 * entry the flag and the port's selector bit were set
 */
static int one_upcall(int vector, enum eoi eoi)
{
    reset_seen(vector, eoi, 0);
    return send_wait(port_a) == 0 && upcalls_were(vector, 1, port_a) &&
           first_flag == 1 && (first_sel >> port_a / 32 & 1);
}

/*
 * One send to port_a, with a handler that leaves the flag set on its
 * first two entries: exactly 3 entries (a level, or an injection at
 * each VM entry, comes back while the flag stays)
 */
static int upcall_repeats(int vector, enum eoi eoi)
{
    reset_seen(vector, eoi, 2);
    return send_wait(port_a) == 0 && upcalls_were(vector, 3, port_a);
}

/*
 * Two sends, to port_a then port_b, each with its wait: exactly two
 * upcalls on @vector that took both ports, the flag set at the first
 */
static int two_upcalls(int vector, enum eoi eoi)
{
    reset_seen(vector, eoi, 0);
    u32 ret = send_wait(port_a);
    ret |= send_wait(port_b);
    return ret == 0 && upcalls_were(vector, 2, port_a) &&
           port_bit(seen, port_b) && first_flag == 1;
}

/*
 * Set HVM_PARAM_CALLBACK_IRQ to @cb, whose interrupt is @vector, while
 * the upcall of leave_upcall_pending() is pending (@ok: it is): @cb must
 * read back, and that upcall come then, exactly once.
 */
static void check_pending_comes(int code, int ok, u64 cb, int vector,
                                enum eoi eoi, const char *what)
{
    reset_seen(vector, eoi, 0);
    u32 ret = set_callback(cb);
    ok &= ret == 0 && get_callback() == cb;
    wait_ms(WAIT_MS);
    check(code, ok && upcalls_were(vector, 1, port_a), what, ret);
}

/*
 * Sends to port_a and @also (0: none) with IF=0: no interrupt until
 * sti, then exactly one on @vector, which takes them all
 */
static void check_held_until_sti(int code, int vector, enum eoi eoi,
                                 u32 also, const char *what)
{
    reset_seen(vector, eoi, 0);
    cli();
    u32 ret = send(port_a) | (also ? send(also) : 0);
    spin_ms(WAIT_MS);
    int ok = ret == 0 && upcalls_were(vector, 0, 0);
    wait_ms(WAIT_MS);
    check(code, ok && upcalls_were(vector, 1, port_a) &&
                (!also || port_bit(seen, also)), what, ret);
}

/* HVM_PARAM_CALLBACK_IRQ = 0: a send still raises the flag, no interrupt */
static void check_route_off(int code, const char *what)
{
    reset_seen(-1, EOI_NONE, 0);
    u32 ret = set_callback(0);
    int ok = ret == 0 && get_callback() == 0;
    ret |= send_wait(port_a);
    check(code, ok && ret == 0 && raised(port_a) && upcalls_were(-1, 0, 0),
          what, ret);
}

/* No callback route: the bits change, but nothing interrupts */
static void group_none(void)
{
    u32 ret;

    current_check = 5;
    quiesce();
    ret = send(port_a);
    int ok = ret == 0 && raised(port_a);
    wait_ms(WAIT_MS);
    check(5, ok && upcalls_were(-1, 0, 0),
          "no route: send sets port, selector and upcall flag, no interrupt",
          ret);

    current_check = 6;
    quiesce();
    mask_port(port_a);
    ret = send(port_a);
    ok = ret == 0 && port_bit(evtchn_pending, port_a) && !*pending_sel &&
         !*upcall_pending;
    u32 ret2 = port_op(EVTCHNOP_unmask, port_a);
    ok &= ret2 == 0 && !port_bit(evtchn_mask, port_a) && raised(port_a);
    wait_ms(WAIT_MS);
    check(6, ok && upcalls_were(-1, 0, 0),
          "no route: a masked port only pends; EVTCHNOP_unmask raises it",
          ret | ret2);

    /* the upcall of check 6 is still pending */
    current_check = 7;
    timer_start(WATCHDOG_MS, 0);
    sti();
    ret = hypercall(HC_SCHED_OP, SCHEDOP_block, 0);
    cli();
    int early = !timer_fired;
    timer_stop();
    check(7, ret == 0 && early && upcalls_were(-1, 0, 0),
          "SCHEDOP_block with an upcall pending returns 0 at once", ret);

    /*
     * SCHEDOP_poll sleeps until a port it polls is pending.  Each return
     * before is a wakeup Xen allows, but a few must span the 20 ms until
     * the periodic timer's first tick, not one per microsecond.
     */
    current_check = 0x1d;
    quiesce();
    u32 poll_port = port_timer, polls = 0, poll_ret = 0;
    struct {
        u32 ports, nr_ports;
        u64 timeout;                    /* 0: none */
    } __attribute__((packed)) poll = { (u32)&poll_port, 1, 0 };
    u64 period = 20000000;
    ret = hypercall3(HC_VCPU_OP, VCPUOP_set_periodic_timer, 0, (u32)&period);
    while (!ret && !poll_ret && !port_bit(evtchn_pending, port_timer) &&
           polls < 100000) {
        poll_ret = hypercall(HC_SCHED_OP, SCHEDOP_poll, (u32)&poll);
        polls++;
    }
    ok = ret == 0 && poll_ret == 0 && port_bit(evtchn_pending, port_timer);
    ret = hypercall3(HC_VCPU_OP, VCPUOP_stop_periodic_timer, 0, 0);
    quiesce();
    check(0x1d, ok && ret == 0 && polls <= 20,
          "SCHEDOP_poll sleeps until its port is pending (a 20 ms timer): "
          "at most 20 polls", polls);
}

/*
 * A level route (GSI, or INTx through the IOAPIC or the 8259): one send,
 * one interrupt; a handler that EOIs with the flag still set is entered
 * again until it clears it.
 */
static int level_route(int vector, enum eoi eoi)
{
    if (!one_upcall(vector, eoi)) {
        puts("one send: not one upcall\n");
        return 0;
    }
    if (!upcall_repeats(vector, eoi)) {
        puts("the level with the flag left set: not 3 entries\n");
        return 0;
    }
    return 1;
}

static void group_gsi(void)
{
    u32 ret;
    int ok;

    current_check = 8;
    ok = leave_upcall_pending();
    ioapic_route(GSI, VEC_GSI);
    check_pending_comes(8, ok, CALLBACK(CALLBACK_GSI, GSI), VEC_GSI,
                        EOI_LAPIC, "GSI 22: set, read back; the upcall "
                        "already pending comes at once");

    current_check = 9;
    ok = one_upcall(VEC_GSI, EOI_LAPIC) && first_isr == 1 && first_tmr == 1;
    u32 redir = ioapic_read(IOAPIC_REDIR + 2 * GSI);
    ok &= !(redir & REDIR_REMOTE_IRR) && !lapic_isr_count();
    check(9, ok, "GSI 22: one send, one level interrupt; none after the "
          "handler cleared the flag and EOIed", redir);

    current_check = 10;
    ok = upcall_repeats(VEC_GSI, EOI_LAPIC);
    check(10, ok,
          "GSI 22: EOI with the flag still set brings the interrupt again",
          count[VEC_GSI]);

    current_check = 11;
    check_held_until_sti(11, VEC_GSI, EOI_LAPIC, port_b,
                         "GSI 22: two sends with IF=0 wait for sti, then "
                         "one interrupt for both ports");

    current_check = 12;
    reset_seen(VEC_GSI, EOI_LAPIC, 0);
    mask_port(port_a);
    ret = send_wait(port_a);
    ok = ret == 0 && upcalls_were(VEC_GSI, 0, 0);
    ret |= port_op(EVTCHNOP_unmask, port_a);
    wait_ms(WAIT_MS);
    check(12, ok && ret == 0 && upcalls_were(VEC_GSI, 1, port_a),
          "GSI 22: a masked port does not interrupt; unmasking it does, once",
          ret);

    current_check = 13;
    check_route_off(13, "GSI 22 turned off: a send raises the flag but no "
                    "interrupt");
    ioapic_mask(GSI);
}

/* The platform device: its devfn and the IRQ its INTA is routed to */
static u32 platform_devfn;
static int platform_irq;

static void find_platform(void)
{
    current_check = 14;
    u32 piix = pci_find(ID_PIIX3_ISA);  /* PIIX3's ISA bridge */
    platform_devfn = pci_find(ID_XEN_PLATFORM);
    if (platform_devfn == PCI_NONE || piix == PCI_NONE) {
        require(14, 0, "the platform device and PIIX3 are on PCI bus 0",
                platform_devfn);
    }
    u32 intr = pci_read(platform_devfn, 0x3c);
    u32 line = intr & 0xff, pin = intr >> 8 & 0xff;
    /* QEMU's and SeaBIOS's swizzle: INTA of slot s is PIRQ (s - 1) & 3 */
    int pirq = ((platform_devfn >> 3) - 1) & 3;
    u32 route = pci_read(piix, 0x60) >> (8 * pirq) & 0xff;
    puts("platform device at 00:");
    puthex(platform_devfn >> 3, 2);
    puts(".");
    putdec(platform_devfn & 7);
    puts(", pin ");
    putdec(pin);
    puts(", line ");
    putdec(line);
    puts(", PIRQ");
    putc('A' + pirq);
    puts(" routed to ");
    puthex(route, 2);
    putc('\n');
    platform_irq = line;
    require(14, pin == 1 && line > 0 && line < 16 && line != 2 &&
                route == line,
            "platform device 5853:0001: INTA, routed by PIIX3 to its line",
            intr);
}

/* The start of an INTx group: no route, no event; find_platform() */
static void start_intx(int code)
{
    current_check = code;
    quiesce();
    find_platform();
    current_check = code;
}

/* The platform device's INTA as the route: reads back, a level_route() */
static int intx_level(int vector, enum eoi eoi, u32 *ret)
{
    u64 cb = CALLBACK(CALLBACK_INTX, platform_devfn << 8 | 0);      /* INTA */

    *ret = set_callback(cb);
    return *ret == 0 && get_callback() == cb && level_route(vector, eoi);
}

static void group_intx_ioapic(void)
{
    u32 ret;

    start_intx(15);
    ioapic_route(platform_irq, VEC_INTX);
    int ok = intx_level(VEC_INTX, EOI_LAPIC, &ret);
    set_callback(0);
    ioapic_mask(platform_irq);
    check(15, ok, "PCI INTx through the IOAPIC: one send, one interrupt; "
          "the level stays while the flag does", ret);
}

static void group_intx_pic(void)
{
    u32 ret;
    int irq;

    start_intx(16);
    irq = platform_irq;
    ioapic_mask(irq);
    /* level-triggered in the ELCR; the slave's IRQs need the cascade */
    outb(ELCR + irq / 8, inb(ELCR + irq / 8) | 1 << irq % 8);
    if (irq >= 8) {
        outb(PIC1 + 1, inb(PIC1 + 1) & ~(1 << 2));
        outb(PIC2 + 1, inb(PIC2 + 1) & ~(1 << (irq - 8)));
    } else {
        outb(PIC1 + 1, inb(PIC1 + 1) & ~(1 << irq));
    }
    pic_irq = irq;
    int ok = intx_level(VEC_PIC + irq, EOI_PIC, &ret);
    outb(PIC1, 0x0b);                   /* OCW3: read the ISR */
    outb(PIC2, 0x0b);
    u32 isr = inb(PIC1) | inb(PIC2) << 8;
    outb(PIC1, 0x0a);                   /* back to the IRR */
    outb(PIC2, 0x0a);
    set_callback(0);
    outb(PIC1 + 1, 0xff);
    outb(PIC2 + 1, 0xff);
    check(16, ok && !isr, "PCI INTx through the 8259: one send, one "
          "interrupt; the level stays while the flag does", isr);
}

static void group_vector(void)
{
    u32 ret;
    int ok;

    current_check = 17;
    check_pending_comes(17, leave_upcall_pending(),
                        CALLBACK(CALLBACK_VECTOR, VEC_DOMAIN), VEC_DOMAIN,
                        EOI_NONE, "vector 0x50: set, read back; the upcall "
                        "already pending comes");

    /* twice: through the LAPIC without an EOI, the second would not come */
    current_check = 18;
    ok = two_upcalls(VEC_DOMAIN, EOI_NONE);
    check(18, ok && max_isr_count == 0 && !lapic_isr_count(),
          "vector 0x50: two sends, two interrupts, not through the LAPIC, "
          "no EOI", max_isr_count);

    current_check = 19;
    ok = upcall_repeats(VEC_DOMAIN, EOI_NONE);
    check(19, ok,
          "vector 0x50: injected again while the handler leaves the flag set",
          count[VEC_DOMAIN]);

    current_check = 20;
    check_held_until_sti(20, VEC_DOMAIN, EOI_NONE, 0,
                         "vector 0x50: a send with IF=0 waits for sti, then "
                         "comes once");

    /*
     * A write to COM1 makes the UART lower its IRQ 4 (masked everywhere);
     * the 8259 then reports "no interrupt" to the local APIC, which must
     * not make the CPU forget the upcall.
     */
    current_check = 21;
    reset_seen(VEC_DOMAIN, EOI_NONE, 0);
    cli();
    ret = send(port_a);
    putc('\n');
    wait_ms(WAIT_MS);
    check(21, ret == 0 && upcalls_were(VEC_DOMAIN, 1, port_a),
          "vector 0x50: a send with IF=0 still comes at sti after a COM1 "
          "write", ret);

    /* as when an event arrives while the guest serves a LAPIC interrupt */
    current_check = 22;
    reset_seen(VEC_DOMAIN, EOI_NONE, 0);
    in_timer_send = 1;
    wait_ms(1);
    in_timer_send = 0;
    /* due right at the handler's iret, so before wait_ms() returned */
    u32 at_once = count[VEC_DOMAIN];
    late = 0;
    wait_ms(WAIT_MS);
    check(22, at_once == 1 && upcalls_were(VEC_DOMAIN, 1, port_a),
          "vector 0x50: an upcall raised in a LAPIC interrupt's handler "
          "comes after its EOI", at_once);

    /* Xen system time is QEMU's virtual clock: 1 ns is long past */
    current_check = 23;
    reset_seen(VEC_DOMAIN, EOI_NONE, 0);
    ret = hypercall(HC_SET_TIMER_OP, 1, 0);
    wait_ms(WAIT_MS);
    ok = ret == 0 && upcalls_were(VEC_DOMAIN, 1, port_timer) &&
         timer_upcalls == 1;
    reset_seen(VEC_DOMAIN, EOI_NONE, 0);
    ret |= hypercall(HC_SET_TIMER_OP, 0, 1u << 8);      /* 2^40 ns */
    wait_ms(WAIT_MS);
    ok &= upcalls_were(VEC_DOMAIN, 0, 0);
    ret |= hypercall(HC_SET_TIMER_OP, 0, 0);
    check(23, ok && ret == 0, "VIRQ_TIMER: a past deadline fires once, one "
          "2^40 ns away not yet; 0 cancels", ret);

    current_check = 24;
    reset_seen(VEC_DOMAIN, EOI_NONE, 0);
    u64 period = 999999;
    u32 short_ret = hypercall3(HC_VCPU_OP, VCPUOP_set_periodic_timer, 0,
                               (u32)&period);
    period = 1000000;
    ret = hypercall3(HC_VCPU_OP, VCPUOP_set_periodic_timer, 0, (u32)&period);
    ok = short_ret == (u32)-EINVAL && ret == 0;
    timer_start(WATCHDOG_MS, 0);
    for (int i = 0; i < 3 && ok; i++) {
        u32 before = timer_upcalls;

        sti();
        ret = hypercall(HC_SCHED_OP, SCHEDOP_block, 0);
        cli();
        ok &= ret == 0 && timer_upcalls > before && !timer_fired;
    }
    timer_stop();
    ret |= hypercall3(HC_VCPU_OP, VCPUOP_stop_periodic_timer, 0, 0);
    wait_ms(2);                         /* an upcall already on its way */
    u32 after_stop = timer_upcalls;
    wait_ms(WAIT_MS);
    check(24, ok && ret == 0 && timer_upcalls == after_stop &&
              strays(VEC_DOMAIN) == 0,
          "periodic VIRQ_TIMER: SCHEDOP_block returns 0 after each tick; "
          "stopped, no more", timer_upcalls);

    current_check = 25;
    check_route_off(25, "vector 0x50 turned off: a send raises the flag but "
                    "no interrupt");
    quiesce();
}

static u32 set_upcall_vector(u32 vector)
{
    u32 arg[2] = { 0, vector };         /* vcpu 0; u8 vector, padding */

    return hypercall(HC_HVM_OP, HVMOP_set_evtchn_upcall_vector, (u32)arg);
}

static void group_vcpu_vector(void)
{
    u32 ret;

    current_check = 26;
    quiesce();
    u32 low = set_upcall_vector(0x0f);
    ret = set_upcall_vector(VEC_VCPU);
    check(26, low == (u32)-EINVAL && ret == 0,
          "per-vCPU vector: 0x0f is -EINVAL, 0x60 is taken", low);

    /* it takes precedence over HVM_PARAM_CALLBACK_IRQ's vector */
    current_check = 27;
    set_callback(CALLBACK(CALLBACK_VECTOR, VEC_DOMAIN));
    int ok = two_upcalls(VEC_VCPU, EOI_LAPIC);
    check(27, ok && first_isr == 1 && first_tmr == 0 && !lapic_isr_count(),
          "per-vCPU vector 0x60: two sends, two edge interrupts through the "
          "LAPIC, none on 0x50", first_isr | first_tmr << 1);

    /* ... and over a GSI */
    current_check = 28;
    ioapic_route(GSI, VEC_GSI);
    ret = set_callback(CALLBACK(CALLBACK_GSI, GSI));
    reset_seen(VEC_VCPU, EOI_LAPIC, 0);
    ret |= send_wait(port_a);
    check(28, ret == 0 && upcalls_were(VEC_VCPU, 1, port_a),
          "per-vCPU vector 0x60 with GSI 22 set: one interrupt, on 0x60 only",
          ret);
    quiesce();
}

static const struct {
    const char *name;
    void (*run)(void);
} groups[] = {
    { "none", group_none },
    { "gsi", group_gsi },
    { "intx-ioapic", group_intx_ioapic },
    { "intx-pic", group_intx_pic },
    { "vector", group_vector },
    { "vcpu-vector", group_vcpu_vector },
};
#define NR_GROUPS ((int)(sizeof(groups) / sizeof(groups[0])))

void kmain(u32 magic, const u32 *mbi)
{
    puts("xen-events: event channel delivery through every callback route\n");
    setup_idt();
    setup_pic();
    setup_lapic();

    current_check = 1;
    const char *cmdline = boot_cmdline(magic, mbi);
    int all = has_word(cmdline, "all"), any = all;
    for (int i = 0; i < NR_GROUPS; i++) {
        any |= has_word(cmdline, groups[i].name);
    }
    require(1, magic == MB_BOOT_MAGIC && any,
            "booted by a Multiboot loader, the cmdline names groups", magic);

    keep_going = has_word(cmdline, "keep-going");
    setup();
    for (int i = 0; i < NR_GROUPS; i++) {
        if (all || has_word(cmdline, groups[i].name)) {
            puts("group ");
            puts(groups[i].name);
            putc('\n');
            groups[i].run();
        }
    }
    finish("xen-events");
}
