/*
 * xen-garbage: a guest process that throws garbage at what QEMU's Xen
 * emulation offers a guest, for the "bad-input" scenario (scenarios.py).
 *
 *     xen-garbage PORTS HYPERCALLS [SEED [shared]]
 *
 * With iopl(3) it makes PORTS random accesses (8, 16 or 32 bits, in or
 * out, random values) to the Xen platform device's fixed ports 0x10-0x1f
 * and to its BAR0 I/O ports (found in /sys/bus/pci/devices), each
 * access kept inside its range (a dword at 0x1e would write the PIC's
 * ports too, which no device model could answer for); a quarter of them
 * aim at the accesses the protocol defines.  Reads are checked against
 * what the device documents (docs/xen/xen-platform.rst): the magic, the
 * protocol version, the platform flags (either value with "shared": then
 * another process writes them too), all-ones for the rest.
 *
 * Interleaved with them it executes HYPERCALLS VMCALLs and VMMCALLs
 * itself, from user mode, with random hypercall numbers and arguments,
 * in 64-bit mode and (far call into the 32-bit user code segment) in
 * compatibility mode: as on Xen, each must come back with -EPERM in RAX
 * and every other register untouched.
 *
 * A signal (SIGSEGV, SIGILL, ...) is counted and reported, not fatal.
 * Results are console lines "XGARBAGE: ...", the last one
 *     XGARBAGE: summary ports N hypercalls N eperm N other N
 * and the exit status is 0 iff nothing went wrong.  Same SEED (default
 * 5853), same garbage.
 *
 * Built static (gcc -static -no-pie -O2) by build-images.sh.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mman.h>

#define FIXED_PORT      0x10
#define FIXED_LEN       16
#define MAGIC           0x49d2
#define MAGIC_BLACKLIST 0xd249
#define USER32_CS       0x23    /* Linux's 32-bit user code segment */
#define EPERM64         ((uint64_t)-EPERM)
#define EPERM32         ((uint32_t)-EPERM)
#define SHOW_MAX        5       /* details of the first few failures */

static uint64_t rng;

static uint64_t rnd(void)                      /* xorshift64* */
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545f4914f6cdd1dULL;
}

/* --- signals: counted, then back to the loop --- */

static sigjmp_buf recover;
static volatile sig_atomic_t in_test;
static unsigned long sig_count[NSIG];
static int sigs[] = { SIGSEGV, SIGILL, SIGFPE, SIGBUS, SIGTRAP };

static void on_signal(int sig)
{
    if (!in_test) {
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    sig_count[sig]++;
    siglongjmp(recover, 1);
}

/* --- hypercalls from user mode --- */

/* 64-bit: every GPR the ABI reads or might clobber, in this order */
struct regs64 {
    uint64_t rax, rdi, rsi, rdx, r10, r8, r9, rbx, rcx, r11, rbp, r15;
};
static const char *const names64[] = {
    "rax", "rdi", "rsi", "rdx", "r10", "r8", "r9", "rbx", "rcx", "r11",
    "rbp", "r15",
};

/* hcall64(in, out, amd): load *in, VMCALL (VMMCALL if amd), store to *out */
void hcall64(const struct regs64 *in, struct regs64 *out, int amd);
__asm__(
    ".text\n"
    ".globl hcall64\n"
    "hcall64:\n"
    "    push %rbx\n    push %rbp\n    push %r12\n    push %r13\n"
    "    push %r14\n    push %r15\n"
    "    mov %rdi, %r12\n    mov %rsi, %r13\n    mov %edx, %r14d\n"
    "    mov 0(%r12), %rax\n    mov 8(%r12), %rdi\n   mov 16(%r12), %rsi\n"
    "    mov 24(%r12), %rdx\n   mov 32(%r12), %r10\n  mov 40(%r12), %r8\n"
    "    mov 48(%r12), %r9\n    mov 56(%r12), %rbx\n  mov 64(%r12), %rcx\n"
    "    mov 72(%r12), %r11\n   mov 80(%r12), %rbp\n  mov 88(%r12), %r15\n"
    "    test %r14d, %r14d\n"
    "    jnz 1f\n"
    "    vmcall\n"
    "    jmp 2f\n"
    "1:  vmmcall\n"
    "2:  mov %rax, 0(%r13)\n    mov %rdi, 8(%r13)\n   mov %rsi, 16(%r13)\n"
    "    mov %rdx, 24(%r13)\n   mov %r10, 32(%r13)\n  mov %r8, 40(%r13)\n"
    "    mov %r9, 48(%r13)\n    mov %rbx, 56(%r13)\n  mov %rcx, 64(%r13)\n"
    "    mov %r11, 72(%r13)\n   mov %rbp, 80(%r13)\n  mov %r15, 88(%r13)\n"
    "    pop %r15\n    pop %r14\n    pop %r13\n    pop %r12\n"
    "    pop %rbp\n    pop %rbx\n"
    "    ret\n");

/* compatibility mode: the 32-bit ABI's registers */
struct regs32 {
    uint32_t eax, ebx, ecx, edx, esi, edi, ebp;
};
static const char *const names32[] = {
    "eax", "ebx", "ecx", "edx", "esi", "edi", "ebp",
};

/*
 * hcall32(in, out): a far call through far32 (offset, USER32_CS) to
 * "VMCALL; LRET" (or VMMCALL) in a page below 4 GiB, on a stack there
 * too, since compatibility mode only has ESP.  The far call pushes a
 * 32-bit return address: this binary is not PIE, its text is low.
 */
struct far32 {
    uint32_t offset;
    uint16_t selector;
} __attribute__((packed));
struct far32 far32;
uint64_t hcall32_stack, hcall32_saved_rsp;
struct regs32 *hcall32_out;
void hcall32(const struct regs32 *in);
__asm__(
    ".text\n"
    ".globl hcall32\n"
    "hcall32:\n"
    "    push %rbx\n    push %rbp\n    push %r12\n    push %r13\n"
    "    push %r14\n    push %r15\n"
    "    mov %rsp, hcall32_saved_rsp(%rip)\n"
    "    mov hcall32_stack(%rip), %rsp\n"
    "    mov 0(%rdi), %eax\n    mov 4(%rdi), %ebx\n    mov 8(%rdi), %ecx\n"
    "    mov 12(%rdi), %edx\n   mov 16(%rdi), %esi\n   mov 24(%rdi), %ebp\n"
    "    mov 20(%rdi), %edi\n"
    "    lcall *far32(%rip)\n"
    "    mov hcall32_saved_rsp(%rip), %rsp\n"
    "    mov %rdi, %r8\n"
    "    mov hcall32_out(%rip), %rdi\n"
    "    mov %eax, 0(%rdi)\n    mov %ebx, 4(%rdi)\n    mov %ecx, 8(%rdi)\n"
    "    mov %edx, 12(%rdi)\n   mov %esi, 16(%rdi)\n   mov %r8d, 20(%rdi)\n"
    "    mov %ebp, 24(%rdi)\n"
    "    pop %r15\n    pop %r14\n    pop %r13\n    pop %r12\n"
    "    pop %rbp\n    pop %rbx\n"
    "    ret\n");

#define LOW_SIZE        65536
static uint8_t *low;            /* code at 0 and 8, stack at the top */

static int setup_compat(void)
{
    static const uint8_t code[16] = {
        0x0f, 0x01, 0xc1, 0xcb, 0xcc, 0xcc, 0xcc, 0xcc, /* vmcall; lret */
        0x0f, 0x01, 0xd9, 0xcb, 0xcc, 0xcc, 0xcc, 0xcc, /* vmmcall; lret */
    };

    if ((uintptr_t)hcall32 >= 1ULL << 32) {
        printf("XGARBAGE: compat skipped: the binary is above 4 GiB\n");
        return 0;
    }
    low = mmap(NULL, LOW_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
               MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    if (low == MAP_FAILED) {
        printf("XGARBAGE: compat skipped: mmap: %s\n", strerror(errno));
        return 0;
    }
    memcpy(low, code, sizeof(code));
    hcall32_stack = (uintptr_t)low + LOW_SIZE - 64;
    far32.selector = USER32_CS;
    return 1;
}

static uint64_t rnd_arg(void)
{
    static uint64_t buf[64];

    switch (rnd() % 6) {
    case 0: return rnd() & 0xff;                        /* small */
    case 1: return (uintptr_t)&buf[rnd() % 64];         /* our memory */
    case 2: return 0xffff888000000000ULL + (rnd() & 0x3ffffff8);  /* kernel */
    case 3: return rnd() & 0xfffff000;                  /* a low page */
    default: return rnd();
    }
}

static uint64_t rnd_nr(void)
{
    switch (rnd() % 8) {
    case 0: case 1: case 2: case 3:
        return rnd() % 48;              /* Xen's hypercall numbers */
    case 4: return rnd() % 256;
    case 5: return 0xffffffffULL - rnd() % 4;
    default: return rnd();
    }
}

static unsigned long hc_done, hc_eperm, hc_other, hc_clobber, hc_compat;
static unsigned long shown;

static void one_hypercall(int compat_ok)
{
    int amd = rnd() & 1;

    if (compat_ok && rnd() % 4 == 0) {
        struct regs32 in, out;
        uint32_t *pi = (uint32_t *)&in, *po = (uint32_t *)&out;

        for (unsigned i = 0; i < sizeof(in) / 4; i++) {
            pi[i] = rnd_arg();
        }
        in.eax = rnd_nr();
        memset(&out, 0x5a, sizeof(out));
        far32.offset = (uintptr_t)low + (amd ? 8 : 0);
        hcall32_out = &out;
        hc_done++;                      /* first: it may fault */
        hc_compat++;
        hcall32(&in);
        if (out.eax == EPERM32) {
            hc_eperm++;
        } else {
            hc_other++;
            if (shown++ < SHOW_MAX) {
                printf("XGARBAGE: compat %s nr 0x%x (ebx 0x%x) returned "
                       "0x%x, not -EPERM\n", amd ? "vmmcall" : "vmcall",
                       in.eax, in.ebx, out.eax);
            }
        }
        for (unsigned i = 1; i < sizeof(in) / 4; i++) {
            if (pi[i] != po[i]) {
                hc_clobber++;
                if (shown++ < SHOW_MAX) {
                    printf("XGARBAGE: compat nr 0x%x changed %s: 0x%x -> "
                           "0x%x\n", in.eax, names32[i], pi[i], po[i]);
                }
                break;
            }
        }
    } else {
        struct regs64 in, out;
        uint64_t *pi = (uint64_t *)&in, *po = (uint64_t *)&out;

        for (unsigned i = 0; i < sizeof(in) / 8; i++) {
            pi[i] = rnd_arg();
        }
        in.rax = rnd_nr();
        memset(&out, 0x5a, sizeof(out));
        hc_done++;
        hcall64(&in, &out, amd);
        if (out.rax == EPERM64) {
            hc_eperm++;
        } else {
            hc_other++;
            if (shown++ < SHOW_MAX) {
                printf("XGARBAGE: %s nr 0x%" PRIx64 " (rdi 0x%" PRIx64
                       ") returned 0x%" PRIx64 ", not -EPERM\n",
                       amd ? "vmmcall" : "vmcall", in.rax, in.rdi, out.rax);
            }
        }
        for (unsigned i = 1; i < sizeof(in) / 8; i++) {
            if (pi[i] != po[i]) {
                hc_clobber++;
                if (shown++ < SHOW_MAX) {
                    printf("XGARBAGE: nr 0x%" PRIx64 " changed %s: 0x%"
                           PRIx64 " -> 0x%" PRIx64 "\n", in.rax,
                           names64[i], pi[i], po[i]);
                }
                break;
            }
        }
    }
}

/* --- the platform device's ports --- */

struct range {
    const char *name;
    unsigned base, len;
};

static unsigned flags;          /* the platform flags, as last written */
static int shared;              /* another process writes them too */
static unsigned long io_reads, io_writes, io_badreads;

/* what the device answers to a read (docs/xen/xen-platform.rst) */
static int read_ok(int fixed, unsigned off, unsigned width, uint32_t val)
{
    uint32_t ones = width == 4 ? 0xffffffff : (1u << (8 * width)) - 1;

    if (fixed && off == 0 && width == 2) {
        return val == MAGIC || val == MAGIC_BLACKLIST;
    }
    if (off == 0 && width == 1) {
        /* with another writer about, either value of the ROM lock */
        return shared ? val <= 1 : val == flags;
    }
    if (fixed && off == 2 && width == 1) {
        return val == 1;
    }
    return val == ones;
}

/* both the fixed port 0x10 and BAR0 offset 0 are the flags byte */
static void note_write(unsigned off, unsigned width, uint32_t val)
{
    if (off == 0 && width == 1) {
        flags = val & 1;        /* the ROM lock; other bits are dropped */
    }
}

/*
 * The accesses the protocol gives a meaning to (docs/xen/xen-platform.rst),
 * as offsets into ranges[0] (fixed) or ranges[1] (BAR0): a quarter of the
 * garbage aims at them, so that the device's state keeps changing.
 */
static const struct {
    int bar0;
    unsigned off, width;
} meaningful[] = {
    { 0, 0, 1 },        /* platform flags: the ROM lock */
    { 0, 0, 2 },        /* magic / unplug */
    { 0, 0, 4 },        /* build number */
    { 0, 2, 1 },        /* version / log byte */
    { 0, 2, 2 },        /* product */
    { 1, 0, 1 },        /* BAR0: platform flags */
    { 1, 4, 1 },        /* BAR0: SUSE unplug */
    { 1, 4, 4 },
    { 1, 8, 1 },        /* BAR0: VMDP unplug, log byte */
};

static void one_access(const struct range *ranges, int nranges)
{
    static const unsigned widths[] = { 1, 2, 4 };
    const struct range *r;
    unsigned width, off, port;
    int fixed;
    uint32_t val;

    if (rnd() % 4 == 0) {
        unsigned i = rnd() % (sizeof(meaningful) / sizeof(meaningful[0]));

        r = &ranges[meaningful[i].bar0 && nranges > 1];
        off = meaningful[i].off;
        width = meaningful[i].width;
    } else {
        r = &ranges[rnd() % nranges];
        width = widths[rnd() % 3];
        off = rnd() % (r->len - width + 1);
    }
    port = r->base + off;
    fixed = r->base == FIXED_PORT;

    switch (rnd() % 4) {
    case 0:
        val = rnd() & 0xf;      /* unplug masks, flags, SUSE/VMDP */
        break;
    case 1:
        val = '\n';             /* ends a guest log line */
        break;
    default:
        val = rnd();
    }
    if (rnd() & 1) {
        io_reads++;
        switch (width) {
        case 1:
            val = inb(port);
            break;
        case 2:
            val = inw(port);
            break;
        default:
            val = inl(port);
        }
        if (!read_ok(fixed, off, width, val)) {
            io_badreads++;
            if (shown++ < SHOW_MAX) {
                printf("XGARBAGE: %u-byte read of port 0x%x (%s+%u) gave "
                       "0x%x\n", width, port, r->name, off, val);
            }
        }
    } else {
        io_writes++;
        switch (width) {
        case 1:
            outb(val, port);
            break;
        case 2:
            outw(val, port);
            break;
        default:
            outl(val, port);
        }
        note_write(off, width, width == 1 ? val & 0xff : val);
    }
}

/* BAR0 of the platform device (5853:0001), from sysfs; 0 if none */
static int find_bar0(struct range *r)
{
    DIR *d = opendir("/sys/bus/pci/devices");
    struct dirent *e;
    int found = 0;

    if (!d) {
        return 0;
    }
    while (!found && (e = readdir(d))) {
        char path[512];
        unsigned vendor = 0, device = 0;
        unsigned long long start, end, fl;
        FILE *f;

        if (e->d_name[0] == '.') {
            continue;
        }
        snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/vendor",
                 e->d_name);
        f = fopen(path, "r");
        if (f) {
            if (fscanf(f, "%x", &vendor) != 1) {
                vendor = 0;
            }
            fclose(f);
        }
        snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/device",
                 e->d_name);
        f = fopen(path, "r");
        if (f) {
            if (fscanf(f, "%x", &device) != 1) {
                device = 0;
            }
            fclose(f);
        }
        if (vendor != 0x5853 || device != 0x0001) {
            continue;
        }
        snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource",
                 e->d_name);
        f = fopen(path, "r");
        if (f) {
            /* the first line is BAR0: start end flags; 0x100 is I/O */
            if (fscanf(f, "%llx %llx %llx", &start, &end, &fl) == 3 &&
                (fl & 0x100) && start && end > start && end < 0x10000) {
                r->base = start;
                r->len = end - start + 1;
                found = 1;
            }
            fclose(f);
        }
        printf("XGARBAGE: platform device %s\n", e->d_name);
    }
    closedir(d);
    return found;
}

int main(int argc, char **argv)
{
    /* static: sigsetjmp() comes back to this frame */
    static unsigned long ports, hypercalls, total, i, bad_sigs;
    static struct range ranges[2] = { { "fixed", FIXED_PORT, FIXED_LEN } };
    static int nranges = 1, compat_ok;
    struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_NODEFER };
    uint16_t magic;

    if (argc < 3) {
        fprintf(stderr, "usage: xen-garbage PORTS HYPERCALLS [SEED [shared]]"
                "\n");
        return 2;
    }
    shared = argc > 4 && !strcmp(argv[4], "shared");
    ports = strtoul(argv[1], NULL, 0);
    hypercalls = strtoul(argv[2], NULL, 0);
    rng = argc > 3 ? strtoull(argv[3], NULL, 0) : 5853;
    rng = rng ? rng : 1;
    setvbuf(stdout, NULL, _IOLBF, 0);

    for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
        sigaction(sigs[i], &sa, NULL);
    }
    if (iopl(3) < 0) {
        printf("XGARBAGE: iopl(3): %s\n", strerror(errno));
        return 1;
    }
    ranges[1].name = "bar0";
    if (find_bar0(&ranges[1])) {
        nranges = 2;
        printf("XGARBAGE: bar0 0x%x %u\n", ranges[1].base, ranges[1].len);
    } else {
        printf("XGARBAGE: bar0 none\n");
    }
    compat_ok = setup_compat();

    flags = inb(FIXED_PORT);            /* whatever the driver left */
    printf("XGARBAGE: before magic 0x%x flags %u\n", inw(FIXED_PORT), flags);
    total = ports + hypercalls;
    in_test = 1;
    for (;;) {
        /*
         * Each access or call is counted before it is made, so one that
         * faults counts as done; a signal lands back here (SA_NODEFER:
         * nothing stays blocked, so no signal mask to save).
         */
        sigsetjmp(recover, 0);
        i = io_reads + io_writes + hc_done;
        if (i >= total) {
            break;
        }
        /* interleaved, in proportion to what is left of each */
        if (rnd() % (total - i) < ports - io_reads - io_writes) {
            one_access(ranges, nranges);
        } else {
            one_hypercall(compat_ok);
        }
    }
    in_test = 0;

    for (i = 0; i < NSIG; i++) {
        bad_sigs += sig_count[i];
    }
    magic = inw(FIXED_PORT);
    printf("XGARBAGE: after magic 0x%x version %u flags %u\n", magic,
           inb(FIXED_PORT + 2), inb(FIXED_PORT));
    printf("XGARBAGE: io reads %lu writes %lu badreads %lu\n",
           io_reads, io_writes, io_badreads);
    printf("XGARBAGE: calls compat %lu clobbered %lu\n", hc_compat,
           hc_clobber);
    printf("XGARBAGE: signals segv %lu ill %lu fpe %lu bus %lu trap %lu\n",
           sig_count[SIGSEGV], sig_count[SIGILL], sig_count[SIGFPE],
           sig_count[SIGBUS], sig_count[SIGTRAP]);
    /* a call that faulted is neither -EPERM nor other */
    printf("XGARBAGE: summary ports %lu hypercalls %lu eperm %lu other %lu\n",
           io_reads + io_writes, hc_done, hc_eperm, hc_other);
    return io_badreads || hc_other || hc_clobber || bad_sigs ||
           hc_done != hypercalls || io_reads + io_writes != ports;
}
