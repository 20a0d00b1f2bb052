/*
 * A Multiboot test kernel that checks, from the guest's side, QEMU's TCG
 * emulation of the Xen HVM hypercall interface as of Xen 4.10
 * (-accel tcg,xen-version=0x4000a): the CPUID leaves, the hypercall page
 * MSR, and the hypercalls through the 32-bit ABI (number in EAX,
 * arguments in EBX, ECX, EDX, ESI, EDI, result in EAX): xen_version
 * here, every other family QEMU implements in hypercalls.c; the Xen
 * platform device's unplug handshake (unplug.c); then, after a switch
 * to 64-bit long mode (long-mode.S), some of them again through the
 * 64-bit ABI (number in RAX, arguments in RDI, RSI, RDX, R10, R8, result
 * in RAX).
 *
 * The cmdline says which vendor QEMU emulates ("intel": vmcall in the
 * hypercall page, "amd": vmmcall); CPUID leaf 0 must agree.  More words:
 *
 *   unplug the machine has an IDE disk of 2048 sectors (primary master)
 *          and an e1000 NIC, which check 0x27 unplugs; without it, that
 *          check does the handshake only
 *   smp    the machine has a second vCPU, which check 0x2a starts
 *          with VCPUOP_initialise and VCPUOP_up
 *
 * and two add work after the checks:
 *
 *   fuzz   1,000,000 hypercalls with random numbers and arguments, half
 *          through the page, half direct; then xen_version must still
 *          answer right.  The arguments never point into the kernel.
 *   bench  the average cost, in TSC cycles, of xen_version through the
 *          page and of an inb from port 0x61, as "hypercall_cycles=N",
 *          "inb_cycles=N" and "ratio_x100=N" lines.
 *
 * One line per check goes to COM1; the result goes to isa-debug-exit at
 * port 0xf4, QEMU's exit status being (code << 1) | 1:
 *
 *   code  status  meaning
 *   0x01     3    EAX at entry is not the Multiboot magic 0x2BADB002
 *   0x02     5    no cmdline, or it names neither or both of intel, amd
 *   0x03     7    CPUID 0 vendor is not GenuineIntel/AuthenticAMD, or
 *                 disagrees with the cmdline
 *   0x04     9    CPUID 0x40000000 EBX,ECX,EDX are not "XenVMMXenVMM"
 *   0x05    11    CPUID 0x40000000 EAX (max leaf) is not 0x40000004
 *   0x06    13    CPUID 0x40000001 EAX (version) is not 0x0004000a, or
 *                 with "v4.4", "v4.5", "v4.6" or "v4.17" that version
 *   0x07    15    CPUID 0x40000002 EAX (hypercall pages) is not 1
 *   0x08    17    CPUID 0x40000002 EBX (hypercall MSR) is not 0x40000000
 *   0x09    19    CPUID 0x40000004 faulted, or its EAX is not what the
 *                 version offers (0xc for 4.10), or EBX (vCPU id) not 0
 *   0x0a    21    wrmsr 0x40000000 with page index 0 faulted
 *   0x0b    23    a hypercall page slot other than 23 is not
 *                 "mov $slot,%eax; vmcall or vmmcall; ret"
 *   0x0c    25    slot 23 (iret) does not start with ud2
 *   0x0d    27    xen_version(XENVER_version) is not 0x0004000a
 *   0x0e    29    xen_version(XENVER_extraversion) does not return 0
 *   0x0f    31    the extraversion is not NUL-terminated within 16 bytes,
 *                 or bytes past the 16 were written
 *   0x10    33    hypercall 55 through the page is not -ENOSYS
 *   0x11    35    a direct vmcall/vmmcall with EAX=0x12345678 is not -ENOSYS
 *   0x12    37    extraversion to 0xfffff000 (the BIOS ROM, not RAM) is not
 *                 -EFAULT, or changed the bytes there
 *   0x13    39    extraversion to 0x10000000 (past the 128 MiB of RAM,
 *                 nothing mapped) is not -EFAULT
 *   0x14    41    wrmsr 0x40000000 with page index 1 did not raise one #GP
 *   0x15    43    xen_version(XENVER_version) fails after the checks above
 *   0x16    45    at CPL 3, xen_version through the page or a direct
 *                 vmcall/vmmcall is not -EPERM, or ring 3 faulted, or
 *                 xen_version fails back at CPL 0
 *   0x17    47    fuzz: an exception during the random hypercalls, or
 *                 QEMU wrote past the scratch buffer they may point into
 *   0x18    49    fuzz: xen_version(XENVER_version) is not 0x0004000a after
 *   0x19    51    fuzz: the extraversion is not what it was before
 *   0x1a    53    bench: a timed xen_version is not 0x0004000a, or the TSC
 *                 did not advance
 *   0x1b    55    in 64-bit long mode: xen_version through the page with
 *                 RDI=0 is not RAX=0x4000a; extraversion with RDI=1 and
 *                 RSI pointing to a buffer, in low memory or above 4 GiB
 *                 (an alias of low memory), is not 0 or writes other bytes;
 *                 RDI=0 with the 32-bit ABI's EBX=1, ECX=a buffer is not
 *                 the version or writes the buffer; a direct
 *                 vmcall/vmmcall with RAX=0x100000011 is not -ENOSYS in all
 *                 64 bits of RAX; an exception in long mode; or afterwards
 *                 not back in 32-bit protected mode, paging off, with
 *                 xen_version through the 32-bit ABI right
 *   0x1c    57    xen_version(XENVER_get_features): submap 0 is not 0x707,
 *                 submap 1 not 0, or a pointer to ROM or past RAM not
 *                 -EFAULT (or the ROM changed: also for 0x1d-0x24)
 *   0x1d    59    memory_op: add_to_physmap of shared_info fails, or the
 *                 page does not turn into shared_info and back into our
 *                 RAM when it moves on; of grant-table frame 0 fails, or
 *                 the page does not hold xenstore's grant (entry 1); the
 *                 batch's per-entry errors are not 0 and -EINVAL (frame
 *                 64); domain 5 is not -ESRCH, idx 1 of shared_info or
 *                 space 99 not -EINVAL, gmfn not -EOPNOTSUPP, gmfn_foreign
 *                 not -EPERM; bad pointers not -EFAULT; XENMEM_memory_map
 *                 not QEMU's e820 map (RAM from 0, Xen's pages reserved),
 *                 or more entries than the buffer holds; the current and
 *                 maximum reservation not the RAM and the RAM and 256
 *                 pages; populate_physmap does not put a zeroed page of
 *                 RAM at 0x10000000, 256 at most, or puts one over RAM;
 *                 decrease_reservation does not take them away
 *   0x1e    61    hvm_op: HVM_PARAM_STORE_PFN is not 0xfeff9, STORE_EVTCHN
 *                 not a port, CALLBACK_IRQ does not read back what was set;
 *                 parameter 39 is not -EINVAL, setting STORE_PFN not
 *                 -EPERM, domain 5 not -ESRCH; set_evtchn_upcall_vector
 *                 with vector 0x0f or vCPU 5 not -EINVAL, or with vector
 *                 0xf3 for vCPU 0 fails; HVMOP_pagetable_dying is not
 *                 -ENOSYS; a pointer past RAM not -EFAULT
 *   0x1f    63    grant_table_op: query_size is not 2 of at most 64 frames,
 *                 a count other than 1 not -EINVAL; set_version(1) fails or
 *                 set_version(2) succeeds, get_version is not 1;
 *                 setup_table does not list frames 0 and 1 where
 *                 memory_op put them and frame 2 as 0xffffffff, or its
 *                 status is not GNTST_general_error for 65 frames or
 *                 GNTST_bad_domain for domain 5; map_grant_ref or copy
 *                 is not -ENOSYS; a bad pointer not -EFAULT
 *   0x20    65    an exception before the first check
 *   0x21    67    success
 *   0x22    69    event_channel_op: alloc_unbound, bind_ipi or bind_virq
 *                 fails, or status does not say unbound, IPI, VIRQ
 *                 (xenstore's port: interdomain); send to the IPI port
 *                 does not set its bit at shared_info+2048 and raise the
 *                 upcall in vCPU 0's slot, or does while masked; unmask
 *                 does not deliver it; send to an unbound port is not
 *                 dropped; close does not close, send to a closed port or
 *                 port 1024 is not -EINVAL; a second VIRQ_TIMER is not
 *                 -EEXIST, vCPU 7 not -ENOENT, domain 5 not -ESRCH;
 *                 bind_vcpu wrong; op 99 not -ENOSYS; reset leaves a
 *                 port open, or the guest on the FIFO ABI.  FIFO:
 *                 expand_array before init_control not -EOPNOTSUPP,
 *                 set_priority not -ENOSYS; init_control at a misaligned
 *                 offset, across the page end, in ROM, past RAM, on the
 *                 local APIC or at gfn 2^64 - 2 not -EINVAL (and the
 *                 guest left on 2-level), for vCPU 7 not -ENOENT;
 *                 init_control not 17 link bits, again not -EINVAL;
 *                 set_priority 16, of port 0 or 4096 not -EINVAL; the
 *                 event pending under 2-level not queued at priority 3
 *                 (head, ready bit, upcall) when the event array page
 *                 comes; a masked event queued, an unmask not queueing
 *                 it; new ports not at priority 7; three sends not
 *                 making head, LINK, tail; an event sent again after the
 *                 guest took it not behind the tail; a new event after
 *                 the guest emptied the queue not a new head; a poll of
 *                 the port pending not at once; a 129th array page not
 *                 -ENOSPC; port 1024 not a port, for status and poll
 *   0x23    71    physdev_op: get_free_pirq, map_pirq of GSI 7,
 *                 irq_status_query, eoi or unmap_pirq fail or say the
 *                 wrong flags; PIRQ 0x7fffffff (eoi, irq_status_query) or
 *                 GSI 24 is not -EINVAL; a bad pointer not -EFAULT;
 *                 pirq_eoi_gmfn_v2 or op 99 not -ENOSYS
 *   0x24    73    vcpu_op: register_vcpu_info at offset 4033 or a second
 *                 time is not -EINVAL, for vCPU 7 not -ENOENT; registered,
 *                 the vcpu_info does not have the upcall and every
 *                 selector bit pending, or events still go to
 *                 shared_info's slot; the runstate area is not the 32-bit
 *                 layout, state running; time_memory_area does not
 *                 fill its area and vcpu_info's time; op 99 is not
 *                 -ENOSYS; a bad pointer not -EFAULT; initialise of
 *                 vCPU 0 (running) not -EEXIST, of vCPU 7 not -ENOENT;
 *                 up of vCPU 0 not 0
 *   0x25    75    timers: VIRQ_TIMER does not fire for a periodic timer of
 *                 1 ms, or a singleshot timer or set_timer_op in the past,
 *                 or fires once they are stopped, or for set_timer_op(1 +
 *                 2^36 ns) (the upper half in ECX); a period under 1 ms is
 *                 not -EINVAL, vCPU 7 not -ENOENT
 *   0x26    77    sched_op: poll of 129 ports or of port 1024 is not
 *                 -EINVAL, of one port not 0; yield fails; shutdown for
 *                 reason 99 is not -EINVAL; bad pointers not -EFAULT; op 99
 *                 not -ENOSYS
 *   0x27    79    the platform device: port 0x10 is not the magic 0x49d2,
 *                 before and after product 0xffff, build 1; port 0x12 not
 *                 protocol version 1; device 5853:0001 missing.  With
 *                 "unplug": the e1000 missing, or the IDE primary master
 *                 not a 2048-sector "QEMU HARDDISK" for ATA IDENTIFY; after
 *                 the unplug mask 3 (disks, NICs) the e1000 still there,
 *                 the IDE controller gone, or the master still answering
 *                 (status not 0, the value of a unit without a drive)
 *   0x28    81    in long mode, the 64-bit layouts: get_features is not
 *                 0x707, or -EFAULT above 4 GiB; STORE_PFN not 0xfeff9;
 *                 add_to_physmap (64-bit idx) of grant frame 2 or
 *                 setup_table (8-byte frame list) wrong; poll of 129 ports
 *                 (nr_ports at 8) not -EINVAL; vcpu_op with its argument
 *                 in RDX not -EINVAL for a second vcpu_info or a short
 *                 period
 *   0x29    83    console_io: a write of a line, of 0 bytes, or in long
 *                 mode with the upper halves of cmd and count set (check
 *                 0x28) is not 0; from 0x10000000 (no RAM), or of 4 GiB - 1
 *                 bytes from 8 bytes before the end of RAM, not -EFAULT;
 *                 read or command 99 not -EPERM, or read wrote the buffer.
 *                 run.sh finds the lines written in QEMU's output, or in
 *                 the chardev that xen-console-io names
 *   0x2a    85    "smp": VCPUOP_initialise of vCPU 1, which the firmware
 *                 started, is not -EEXIST; after an INIT IPI, a context
 *                 with mode 2 still -EEXIST after 2^34 TSC cycles;
 *                 VCPUOP_up then not -EINVAL, a context from no RAM not
 *                 -EFAULT, or one Xen refuses (padding, CS not present,
 *                 SS.DPL not CS.DPL, TR a data segment, EIP past CS's
 *                 limit, EFER.LMA without LME, a reserved CR4 bit) not
 *                 -EINVAL; a flat 32-bit context refused, or taken twice;
 *                 vCPU 1 runs before VCPUOP_up, or not after it, or not
 *                 at the context's EIP with its EAX and ESP
 *   0x2b    87    the IO-APIC is not Xen's: its version register does not
 *                 say 48 redirection entries, entry 47 does not hold what
 *                 is written, or an entry 48 reads other than 0
 *   0x2c    89    fuzz, first: xenstore has no event channel, or after
 *                 20000 rounds of garbage in its ring (10000 of whole
 *                 messages of any type and random payload, then random
 *                 bytes and headers, both of the guest's indexes set
 *                 anywhere; events sent) xen_version is not 0x0004000a,
 *                 or an exception
 *
 * They run in the order 0x01-0x16, (fuzz: 0x2c), 0x1c-0x26, 0x29, 0x27,
 * 0x2b, 0x1b, 0x28, then 0x2a, fuzz (0x17-0x19) and bench (0x1a).  An
 * unexpected exception (for instance #UD when QEMU does not handle
 * vmcall) fails the check in progress, with the vector on COM1.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "xen-hvm.h"
#include "long-mode.h"

/* Set while a #GP is expected: the #GP handler then skips a wrmsr. */
static volatile int expect_gp, gp_count;

/* Any vector: only a #GP that a check expects is not a failure */
void trap(struct frame *f)
{
    if (f->vector == 13 && expect_gp) {
        gp_count++;
        f->eip += 2;    /* the faulting wrmsr is 0f 30 */
        return;
    }
    unexpected(f);
}

/* A hypercall without the page, as the vendor's instruction allows. */
static u32 direct_hypercall5(int amd, u32 nr, const u32 a[5])
{
    u32 eax = nr, ebx = a[0], ecx = a[1], edx = a[2], esi = a[3], edi = a[4];

    if (amd) {
        asm volatile(".byte 0x0f, 0x01, 0xd9"          /* vmmcall */
                     : "+a"(eax), "+b"(ebx), "+c"(ecx), "+d"(edx),
                       "+S"(esi), "+D"(edi)
                     : : "memory", "cc");
    } else {
        asm volatile(".byte 0x0f, 0x01, 0xc1"          /* vmcall */
                     : "+a"(eax), "+b"(ebx), "+c"(ecx), "+d"(edx),
                       "+S"(esi), "+D"(edi)
                     : : "memory", "cc");
    }
    return eax;
}

static u32 direct_hypercall(int amd, u32 nr)
{
    const u32 a[5] = { 0 };

    return direct_hypercall5(amd, nr, a);
}

/* Set by kmain from the cmdline, before anything below runs. */
int amd, tuned;

/*
 * Ring 3.  Of the TSS only SS0:ESP0 matter, the stack an interrupt from
 * ring 3 switches to; run_user in user.S sets ESP0 each time.
 */
u32 tss[26];

#define USER_RETURN     0x80    /* the vector ring 3 leaves by */

/* written by ring-3 code that the compiler does not see run */
static volatile u32 user_page_ret, user_direct_ret;
static u8 user_stack[1024] __attribute__((aligned(16)));

/* Called by nobody: run_user irets here, and it leaves by int $0x80. */
static void __attribute__((noreturn)) user_main(void)
{
    /* both would succeed at CPL 0: only the CPL makes them -EPERM */
    user_page_ret = hypercall(HC_XEN_VERSION, XENVER_version, 0);
    user_direct_ret = direct_hypercall(amd, HC_XEN_VERSION);
    asm volatile("int %0" : : "i"(USER_RETURN));
    __builtin_unreachable();
}

static void check_cpl3(int code)
{
    u32 base = (u32)tss;

    current_check = code;
    tss[2] = DATA_SEL;                                  /* SS0 */
    gdt[TSS_SEL / 4] = base << 16 | (sizeof(tss) - 1);
    /* present, DPL 0, available 32-bit TSS */
    gdt[TSS_SEL / 4 + 1] = (base & 0xff000000) | 0x8900 | (base >> 16 & 0xff);
    asm volatile("ltr %w0" : : "r"(TSS_SEL) : "memory");

    user_page_ret = user_direct_ret = 0;
    run_user((u32)user_main, (u32)user_stack + sizeof(user_stack));
    /* so that a CPL left at 3 shows, as -EPERM */
    u32 back = hypercall(HC_XEN_VERSION, XENVER_version, 0);

    puts("CPL 3: through the page ");
    puthex(user_page_ret, 8);
    puts(", direct ");
    puthex(user_direct_ret, 8);
    puts("; back at CPL 0 ");
    puthex(back, 8);
    putc('\n');
    check(code, user_page_ret == (u32)-EPERM &&
                user_direct_ret == (u32)-EPERM && back == XEN_VERSION,
          amd ? "xen_version and vmmcall at CPL 3 are -EPERM"
              : "xen_version and vmcall at CPL 3 are -EPERM", back);
}

/*
 * Fuzz.  Any argument may be taken for a pointer, so each is one of a
 * small integer, a pointer into a scratch buffer, ROM, nothing, or above
 * RAM: never the kernel, whose survival is what the checks after the
 * loop rely on.  Small integers do point into RAM, but at the real-mode
 * IVT, which nobody here uses.
 */
#define FUZZ_CALLS      1000000
#define SCRATCH         0x00800000      /* past the image: see xen-hvm.ld */
#define SCRATCH_SIZE    0x10000
/*
 * No pointer starts in the last page of the buffer: QEMU writes at most
 * 1 KiB through one (XENVER_capabilities), so a write into the guard
 * page after the buffer is a bug.  (add_to_physmap_batch aside: its
 * errs[] takes 4 bytes for each entry, but the count comes from the
 * buffer, mostly zeroes.)
 */
#define SCRATCH_PTRS    (SCRATCH_SIZE - 4096)
#define GUARD_SIZE      4096
#define GUARD_BYTE      0x5a

static char extra[32];          /* check 14's extraversion, and its border */

/* xorshift32 with a fixed seed: every run makes the same calls (rnd()) */
static u32 rng = 0x2545f491;

u32 rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static u32 fuzz_arg(void)
{
    u32 r = rnd();

    switch (r % 5) {
    case 0:
        return r >> 28;
    case 1:
        return SCRATCH + rnd() % SCRATCH_PTRS;
    case 2:
        return 0xfffff000;              /* BIOS ROM */
    case 3:
        return 0x10000000;              /* past the 128 MiB of RAM */
    default:
        return rnd() | 0x80000000;      /* MMIO or nothing */
    }
}

/*
 * One of the FIFO sub-ops, its argument made here: the frames it names
 * are never the kernel's (scratch pages, the IVT's, ROM, MMIO, none), for
 * QEMU writes event words and control blocks into those it accepts.
 */
static void fuzz_fifo(u32 *a)
{
    static const u32 gfns[] = {
        SCRATCH / PAGE_SIZE, SCRATCH / PAGE_SIZE + 7, 0,
        ROM_PTR / PAGE_SIZE, NO_RAM_PTR / PAGE_SIZE, 0xfee00,
    };
    u32 *arg = (u32 *)(SCRATCH + rnd() % (SCRATCH_PTRS / 8) * 8);
    u32 r = rnd();

    a[0] = EVTCHNOP_init_control + r % 3;
    a[1] = (u32)arg;
    if (a[0] == EVTCHNOP_set_priority) {
        arg[0] = r & 8 ? rnd() % 64 : rnd();            /* port */
        arg[1] = r & 16 ? rnd() % 17 : rnd();           /* priority */
        return;
    }
    /* control_gfn or array_gfn, then (init_control) offset and vCPU */
    arg[0] = r & 8 ? gfns[rnd() % 6] : rnd();
    arg[1] = r & 16 ? 0 : rnd();
    arg[2] = r & 32 ? rnd() % (PAGE_SIZE / 8) * 8 : rnd();
    arg[3] = r & 64 ? 0 : rnd() % 4;
}

static void fuzz(int code)
{
    u8 *guard = (u8 *)SCRATCH + SCRATCH_SIZE;

    current_check = code;
    fill(guard, GUARD_BYTE, GUARD_SIZE);
    for (u32 i = 1; i <= FUZZ_CALLS; i++) {
        u32 a[5];

        for (int j = 0; j < 5; j++) {
            a[j] = fuzz_arg();
        }
        u32 nr = i & 1 ? rnd() % 127 : rnd();
        if ((i & 1) && nr >= HC_IRET) {
            nr++;                       /* any slot but the iret one */
        }
        if (nr == HC_EVENT_CHANNEL_OP && rnd() % 4 == 0) {
            fuzz_fifo(a);
        }
        if (nr == HC_SCHED_OP &&
            (a[0] == SCHEDOP_shutdown || a[0] == SCHEDOP_block)) {
            /*
             * a shutdown would end the test, as it should; and with
             * interrupts off, so would a block (it waits for one)
             */
            a[0] = SCHEDOP_yield;
        }
        if (i & 1) {
            hypercall5(nr, a);
        } else {
            direct_hypercall5(amd, nr, a);
        }
        if (i % 100000 == 0) {
            puts("fuzz: ");
            putdec(i);
            puts(" hypercalls\n");
        }
    }
    u32 spoilt = 0;
    for (int i = 0; i < GUARD_SIZE; i++) {
        spoilt += guard[i] != GUARD_BYTE;
    }
    check(code, !spoilt, "fuzz: 1000000 random hypercalls, guard page intact",
          spoilt);

    current_check = code + 1;
    u32 ret = hypercall(HC_XEN_VERSION, XENVER_version, 0);
    check(code + 1, ret == XEN_VERSION,
          "fuzz: xen_version(XENVER_version) is still 4.10", ret);

    /* the same bytes as check 14's, the untouched border included */
    static char again[32];
    current_check = code + 2;
    fill(again, 0xff, 16);
    fill(again + 16, 0xa5, 16);
    ret = hypercall(HC_XEN_VERSION, XENVER_extraversion, (u32)again);
    check(code + 2, ret == 0 && equal(again, extra, 32),
          "fuzz: the extraversion is still the same", ret);
}

/*
 * Bench.  Under TCG the TSC is the host's (no icount), so these are host
 * cycles: what the emulation costs, not what a real CPU would take.
 */
#define BENCH_CALLS     1000000
#define BENCH_PORT      0x61    /* PC speaker / PIT 2: a device model reads */

/* total / BENCH_CALLS without libgcc's 64-bit division */
static u32 per_call(u64 total)
{
    u32 q, r, n = BENCH_CALLS;

    /* #DE only past 2^32 cycles per call */
    asm("divl %4" : "=a"(q), "=d"(r)
        : "a"((u32)total), "d"((u32)(total >> 32)), "rm"(n));
    return q;
}

static void bench(int code)
{
    u32 wrong = 0;

    current_check = code;
    u64 t0 = rdtsc();
    for (u32 i = 0; i < BENCH_CALLS; i++) {
        wrong |= hypercall(HC_XEN_VERSION, XENVER_version, 0) ^ XEN_VERSION;
    }
    u64 t1 = rdtsc();
    for (u32 i = 0; i < BENCH_CALLS; i++) {
        inb(BENCH_PORT);
    }
    u64 t2 = rdtsc();

    u32 hc = per_call(t1 - t0), io = per_call(t2 - t1);
    check(code, !wrong && hc && io,
          "bench: 1000000 xen_version and 1000000 inb timed", wrong);
    puts("hypercall_cycles=");
    putdec(hc);
    puts("\ninb_cycles=");
    putdec(io);
    puts("\nratio_x100=");
    putdec(hc * 100 / io);
    putc('\n');
}

/*
 * Long mode.  call64() in long-mode.S makes one call in 64-bit mode with
 * the registers of a struct call64 and comes back to 32-bit protected
 * mode with paging off, so that everything else here stays as it was and
 * the checks report as usual.
 *
 * Paging: the first 1 GiB identity-mapped with 2 MiB pages (the kernel,
 * its stack and buffers, the hypercall page: all below 8 MiB), and one
 * 2 MiB page above 4 GiB that aliases the 2 MiB of low memory holding
 * lm_buf, but at another offset: a pointer to the alias cut to its low
 * 32 bits leads 2 MiB past lm_buf instead, so only a full 64-bit RSI
 * reaches lm_buf through it.
 */
struct call64 {
    u64 rip, rax, rbx, rcx, rdx, rsi, rdi, r8, r10;
    u64 vector, error, fault_rip;
};
#define C64_OFFSET_IS(field, off) \
    _Static_assert(__builtin_offsetof(struct call64, field) == off, \
                   "struct call64 does not match long-mode.h")
C64_OFFSET_IS(rip, C64_RIP);
C64_OFFSET_IS(rax, C64_RAX);
C64_OFFSET_IS(rbx, C64_RBX);
C64_OFFSET_IS(rcx, C64_RCX);
C64_OFFSET_IS(rdx, C64_RDX);
C64_OFFSET_IS(rsi, C64_RSI);
C64_OFFSET_IS(rdi, C64_RDI);
C64_OFFSET_IS(r8, C64_R8);
C64_OFFSET_IS(r10, C64_R10);
C64_OFFSET_IS(vector, C64_VECTOR);
C64_OFFSET_IS(error, C64_ERROR);
C64_OFFSET_IS(fault_rip, C64_FAULT_RIP);


#define NO_FAULT        (~0ull)         /* no vector is that */
#define PTE_P           0x001
#define PTE_RW          0x002
#define PTE_PS          0x080           /* in a PDE: a 2 MiB page */
#define PAGE_2M         0x200000
#define HIGH_WINDOW     0x100000000ull  /* 4 GiB: what pdpt[4] maps */
#define MSR_EFER        0xc0000080
#define EFER_LME        (1u << 8)
#define EFER_LMA        (1u << 10)
#define CR0_PG          (1u << 31)
#define CR4_PAE         (1u << 5)
#define NR_HIGH_ENOSYS  0x100000011ull  /* xen_version's 17, plus bit 32 */
/* upper halves that the 64-bit ABI must ignore in RBX and RCX */
#define JUNK_RBX        0xfeedface00000000ull
#define JUNK_RCX        0xdeadbeef00000000ull
#define CANARY_BYTE     0x5a

/* long-mode.S loads CR3 with pml4 and the IDT from idt64_desc */
u64 pml4[512] __attribute__((aligned(4096)));
static u64 pdpt[512] __attribute__((aligned(4096)));
static u64 pd_low[512] __attribute__((aligned(4096)));
static u64 pd_high[512] __attribute__((aligned(4096)));

struct gate64 {
    u16 offset_lo, selector;
    u8 ist, type;
    u16 offset_mid;
    u32 offset_hi, zero;
};
static struct gate64 idt64[32];
struct {
    u16 limit;
    u64 base;
} __attribute__((packed)) idt64_desc;

/* aligned so that it cannot straddle two 2 MiB pages */
static u8 lm_buf[32] __attribute__((aligned(32)));
static u8 canary[32];

static u64 high_alias;          /* lm_buf's address above 4 GiB */

static void setup_long_mode(void)
{
    for (u32 i = 0; i < 512; i++) {
        pd_low[i] = (u64)i * PAGE_2M | PTE_PS | PTE_RW | PTE_P;
    }
    pdpt[0] = (u32)pd_low | PTE_RW | PTE_P;

    /* the image ends below 8 MiB, so frame + 1 is a slot of pd_high */
    u32 frame = (u32)lm_buf / PAGE_2M;
    pd_high[frame + 1] = (u64)frame * PAGE_2M | PTE_PS | PTE_RW | PTE_P;
    pdpt[HIGH_WINDOW >> 30] = (u32)pd_high | PTE_RW | PTE_P;
    high_alias = HIGH_WINDOW + (u64)(frame + 1) * PAGE_2M +
                 (u32)lm_buf % PAGE_2M;
    pml4[0] = (u32)pdpt | PTE_RW | PTE_P;

    for (int i = 0; i < 32; i++) {
        idt64[i].offset_lo = lm_isr_table[i] & 0xffff;
        idt64[i].selector = LM_CS;
        idt64[i].type = 0x8e;                   /* 64-bit interrupt gate */
        idt64[i].offset_mid = lm_isr_table[i] >> 16;
    }
    idt64_desc.limit = sizeof(idt64) - 1;
    idt64_desc.base = (u32)idt64;
}

/* Make the call c describes in 64-bit mode; an exception ends the run. */
static u64 call64_checked(int code, struct call64 *c)
{
    c->vector = NO_FAULT;
    call64(c);
    if (c->vector != NO_FAULT) {
        put_exception(c->vector, c->error, "rip", c->fault_rip, 16);
        puts(" in long mode\n");
        exit_qemu(code);
    }
    return c->rax;
}

/* One call in 64-bit mode; RDX, R8, R10 are 0. */
static u64 run64(int code, u64 rip, u64 rax, u64 rdi, u64 rsi,
                 u64 rbx, u64 rcx)
{
    struct call64 c = {
        .rip = rip, .rax = rax, .rdi = rdi, .rsi = rsi,
        .rbx = rbx, .rcx = rcx,
    };

    return call64_checked(code, &c);
}

u64 hypercall64(int code, u32 nr, u64 rdi, u64 rsi, u64 rdx)
{
    struct call64 c = {
        .rip = (u32)hypercall_page + nr * 32,
        .rdi = rdi, .rsi = rsi, .rdx = rdx,
    };

    return call64_checked(code, &c);
}

/* Did the extraversion land in lm_buf just as the 32-bit call's in extra? */
static int extraversion_again(void)
{
    return equal(lm_buf, extra, sizeof(lm_buf));
}

static void check_long_mode(int code)
{
    u64 page = (u32)hypercall_page + HC_XEN_VERSION * 32;
    u64 ret;

    current_check = code;
    setup_long_mode();

    ret = run64(code, page, 0, XENVER_version, 0, 0, 0);
    check64(code, ret == XEN_VERSION,
            "long mode: xen_version(XENVER_version) with RDI=0 is 4.10", ret);

    /*
     * The 32-bit ABI would read XENVER_version from EBX and return the
     * version instead of 0; check 14's extra shows what to expect.
     */
    fill(lm_buf, 0xff, 16);
    fill(lm_buf + 16, 0xa5, 16);
    fill(canary, CANARY_BYTE, sizeof(canary));
    ret = run64(code, page, 0, XENVER_extraversion, (u32)lm_buf,
                JUNK_RBX | XENVER_version, JUNK_RCX | (u32)canary);
    check64(code, ret == 0 && extraversion_again(),
            "long mode: extraversion with RDI=1, RSI=buffer fills it", ret);

    /* the 32-bit ABI would take this for an extraversion into canary */
    ret = run64(code, page, 0, XENVER_version, 0,
                JUNK_RBX | XENVER_extraversion, JUNK_RCX | (u32)canary);
    u32 spoilt = 0;
    for (u32 i = 0; i < sizeof(canary); i++) {
        spoilt += canary[i] != CANARY_BYTE;
    }
    check64(code, ret == XEN_VERSION && !spoilt,
            "long mode: RDI=0 with EBX=1, ECX=buffer is still the version, "
            "nothing written", ret);

    fill(lm_buf, 0xff, 16);
    fill(lm_buf + 16, 0xa5, 16);
    puts("long mode: the buffer's alias is at ");
    puthex(high_alias, 16);
    putc('\n');
    ret = run64(code, page, 0, XENVER_extraversion, high_alias, JUNK_RBX,
                JUNK_RCX);
    check64(code, ret == 0 && extraversion_again(),
            "long mode: extraversion to a pointer above 4 GiB fills it", ret);

    ret = run64(code, amd ? (u32)vmmcall64 : (u32)vmcall64, NR_HIGH_ENOSYS,
                XENVER_version, 0, 0, 0);
    check64(code, ret == (u64)-ENOSYS,
            amd ? "long mode: vmmcall with RAX=0x100000011 is -ENOSYS"
                : "long mode: vmcall with RAX=0x100000011 is -ENOSYS", ret);

    /* the rest of the run, fuzz and bench included, needs all this undone */
    u32 cr0, cr4;
    asm volatile("mov %%cr0, %0" : "=r"(cr0));
    asm volatile("mov %%cr4, %0" : "=r"(cr4));
    u64 efer = rdmsr(MSR_EFER);
    u32 back = hypercall(HC_XEN_VERSION, XENVER_version, 0);
    puts("back from long mode: CR0 ");
    puthex(cr0, 8);
    puts(", CR4 ");
    puthex(cr4, 8);
    puts(", EFER ");
    puthex(efer, 8);
    putc('\n');
    check(code, !(cr0 & CR0_PG) && !(cr4 & CR4_PAE) &&
                !(efer & (EFER_LME | EFER_LMA)) && back == XEN_VERSION,
          "back in 32-bit protected mode, paging off, xen_version is 4.10",
          back);
}

#define IOAPIC_RTE(n)   (IOAPIC_REDIR + 2 * (n))        /* low half */

/* Xen's virtual IO-APIC has 48 entries; only the first 24 are wired */
static void check_ioapic(int code)
{
    current_check = code;
    check_eq(code, "IO-APIC: the highest redirection entry is 47",
             ioapic_read(IOAPIC_VERSION) >> 16 & 0xff, 47);
    ioapic_write(IOAPIC_RTE(47), 0x100f3);      /* masked, vector 0xf3 */
    ioapic_write(IOAPIC_RTE(47) + 1, 0x03000000);
    check_eq(code, "IO-APIC entry 47 holds its vector and mask",
             ioapic_read(IOAPIC_RTE(47)), 0x100f3);
    check_eq(code, "IO-APIC entry 47 holds its destination",
             ioapic_read(IOAPIC_RTE(47) + 1), 0x03000000);
    check_eq(code, "IO-APIC entry 48 does not exist",
             ioapic_read(IOAPIC_RTE(48)), 0);
    ioapic_write(IOAPIC_RTE(47), 0x10000);      /* back to reset: masked */
    ioapic_write(IOAPIC_RTE(47) + 1, 0);
}

void kmain(u32 magic, const u32 *mbi)
{
    u32 r[4];

    puts("xen-hvm: checking the Xen HVM interface\n");
    setup_idt();
    set_gate(USER_RETURN, (u32)user_return, GATE_INTR_USER);

    current_check = 1;
    check(1, magic == MB_BOOT_MAGIC, "booted by a Multiboot loader", magic);

    current_check = 2;
    const char *cmdline = boot_cmdline(magic, mbi);
    int intel = has_word(cmdline, "intel");
    amd = has_word(cmdline, "amd");
    tuned = has_word(cmdline, "tuned");
    check(2, intel != amd, "cmdline names one of intel, amd", mbi[0]);
    int do_fuzz = has_word(cmdline, "fuzz");
    int do_bench = has_word(cmdline, "bench");
    int do_unplug = has_word(cmdline, "unplug");
    int do_smp = has_word(cmdline, "smp");

    current_check = 3;
    cpuid(0, r);
    u32 vendor[3] = { r[1], r[3], r[2] };       /* EBX, EDX, ECX */
    int cpu_amd = equal(vendor, "AuthenticAMD", 12);
    int cpu_intel = equal(vendor, "GenuineIntel", 12);
    check(3, (cpu_amd || cpu_intel) && cpu_amd == amd,
          "CPUID vendor is the cmdline's", r[1]);

    current_check = 4;
    cpuid(XEN_CPUID_BASE, r);
    check(4, xen_signature(r),
          "CPUID 0x40000000 signature is XenVMMXenVMM", r[1]);
    current_check = 5;
    check(5, r[0] == XEN_CPUID_BASE + 4,
          "CPUID 0x40000000 max leaf is 0x40000004", r[0]);

    /*
     * "v4.4" ... "v4.17" on the cmdline: QEMU emulates that version, and
     * only the CPUID leaves are checked, against what that Xen offers in
     * the HVM leaf: IOMMU mappings from 4.5, the vCPU id from 4.6, the
     * per-vCPU upcall vector from 4.17.
     */
    static const struct {
        const char *word;
        u32 version, hvm_eax;
    } versions[] = {
        { "v4.4", 0x40004, 0 },
        { "v4.5", 0x40005, 0x04 },
        { "v4.6", 0x40006, 0x0c },
        { "v4.17", 0x40011, 0x4c },
    };
    u32 want_version = XEN_VERSION, want_hvm = 0x0c;
    const char *leaves_only = 0;
    for (u32 i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        if (has_word(cmdline, versions[i].word)) {
            want_version = versions[i].version;
            want_hvm = versions[i].hvm_eax;
            leaves_only = versions[i].word;
        }
    }

    current_check = 6;
    cpuid(XEN_CPUID_BASE + 1, r);
    check(6, r[0] == want_version,
          "CPUID 0x40000001 version is the emulated one (4.10 by default)",
          r[0]);

    current_check = 7;
    cpuid(XEN_CPUID_BASE + 2, r);
    check(7, r[0] == 1, "CPUID 0x40000002 says 1 hypercall page", r[0]);
    current_check = 8;
    check(8, r[1] == XEN_MSR, "CPUID 0x40000002 hypercall MSR is 0x40000000",
          r[1]);

    current_check = 9;
    cpuid(XEN_CPUID_BASE + 4, r);
    check(9, r[0] == want_hvm && r[1] == 0,
          "CPUID 0x40000004 (HVM leaf): the version's features, vCPU id 0",
          r[0]);
    if (leaves_only) {
        puts("only the CPUID leaves, for Xen ");
        puts(leaves_only + 1);
        putc('\n');
        finish("xen-hvm");
    }

    current_check = 10;
    set_hypercall_page(0);
    check(10, 1, "wrmsr 0x40000000 fills the hypercall page",
          (u32)hypercall_page);

    current_check = 11;
    u8 call_modrm = amd ? 0xd9 : 0xc1;         /* vmmcall : vmcall */
    for (u32 i = 0; i < 128; i++) {
        const u8 *s = hypercall_page + i * 32;
        u8 want[9] = { 0xb8, i, 0, 0, 0, 0x0f, 0x01, call_modrm, 0xc3 };

        if (i != HC_IRET && !equal(s, want, 9)) {
            puts("slot ");
            putdec(i);
            puts(" holds");
            for (int j = 0; j < 9; j++) {
                putc(' ');
                puthex(s[j], 2);
            }
            putc('\n');
            check(11, 0, "hypercall page slot", i);
        }
    }
    check(11, 1, amd ? "hypercall page slots are mov, vmmcall, ret"
                     : "hypercall page slots are mov, vmcall, ret", 128);

    current_check = 12;
    const u8 *iret_slot = hypercall_page + HC_IRET * 32;
    check(12, iret_slot[0] == 0x0f && iret_slot[1] == 0x0b,
          "hypercall page slot 23 (iret) is ud2",
          iret_slot[0] | iret_slot[1] << 8);

    current_check = 13;
    u32 ret = hypercall(HC_XEN_VERSION, XENVER_version, 0);
    check(13, ret == XEN_VERSION, "xen_version(XENVER_version) is 4.10", ret);

    /* Xen writes 16 bytes; the 16 after them must stay untouched */
    fill(extra, 0xff, 16);
    fill(extra + 16, 0xa5, 16);
    current_check = 14;
    ret = hypercall(HC_XEN_VERSION, XENVER_extraversion, (u32)extra);
    check(14, ret == 0, "xen_version(XENVER_extraversion) succeeds", ret);
    current_check = 15;
    int nul = 0, untouched = 1;
    for (int i = 0; i < 16; i++) {
        nul |= !extra[i];
    }
    for (int i = 16; i < 32; i++) {
        untouched &= (u8)extra[i] == 0xa5;
    }
    if (nul) {
        puts("extraversion: \"");
        puts(extra);
        puts("\"\n");
    }
    check(15, nul && untouched,
          "extraversion is a string of at most 16 bytes", nul | untouched << 1);

    current_check = 16;
    ret = hypercall(HC_UNKNOWN, 0, 0);
    check(16, ret == (u32)-ENOSYS, "hypercall 55 is -ENOSYS", ret);

    current_check = 17;
    ret = direct_hypercall(amd, 0x12345678);
    check(17, ret == (u32)-ENOSYS,
          amd ? "vmmcall with EAX=0x12345678 is -ENOSYS"
              : "vmcall with EAX=0x12345678 is -ENOSYS", ret);

    /* 0xfffff000 is the top of the BIOS ROM: must not be written either */
    current_check = 18;
    /* peek8: read it for real each time, as QEMU, not we, might change it */
    const u8 *rom = (const u8 *)ROM_PTR;
    u8 before[16];
    for (int i = 0; i < 16; i++) {
        before[i] = peek8(rom + i);
    }
    ret = hypercall(HC_XEN_VERSION, XENVER_extraversion, ROM_PTR);
    int same = 1;
    for (int i = 0; i < 16; i++) {
        same &= before[i] == peek8(rom + i);
    }
    check(18, ret == (u32)-EFAULT && same,
          "extraversion to 0xfffff000 (ROM) is -EFAULT, ROM unchanged", ret);

    current_check = 19;
    ret = hypercall(HC_XEN_VERSION, XENVER_extraversion, NO_RAM_PTR);
    check(19, ret == (u32)-EFAULT,
          "extraversion to 0x10000000 (past RAM) is -EFAULT", ret);

    /* One hypercall page only: page index 1 must be refused with #GP */
    current_check = 20;
    expect_gp = 1;
    set_hypercall_page(1);
    expect_gp = 0;
    check(20, gp_count == 1, "wrmsr 0x40000000 with page index 1 raises #GP",
          gp_count);

    current_check = 21;
    ret = hypercall(HC_XEN_VERSION, XENVER_version, 0);
    check(21, ret == XEN_VERSION, "xen_version still works after all that",
          ret);

    check_cpl3(22);
    if (do_fuzz) {
        /* while xenstore's port is open: the event channel checks close it */
        xenstore_ring_fuzz(CHECK_XENSTORE_RING);
    }
    check_hypercall_families();
    check_unplug(do_unplug);
    check_ioapic(CHECK_IOAPIC);
    /*
     * call64() comes back to 32-bit protected mode, so fuzz and bench
     * run after it as they did before, and check that it did.
     */
    check_long_mode(27);
    check_families_64();
    if (do_smp) {
        check_vcpu_start();
    }
    if (do_fuzz) {
        fuzz(23);
    }
    if (do_bench) {
        bench(26);
    }

    finish("xen-hvm");
}
