/*
 * A Multiboot test kernel that checks, from the guest's side, QEMU's TCG
 * emulation of the Xen HVM hypercall interface as of Xen 4.10
 * (-accel tcg,xen-version=0x4000a): the CPUID leaves, the hypercall page
 * MSR, and a few hypercalls through the 32-bit ABI (number in EAX,
 * arguments in EBX, ECX, EDX, ESI, EDI, result in EAX).
 *
 * The cmdline says which vendor QEMU emulates ("intel": vmcall in the
 * hypercall page, "amd": vmmcall); CPUID leaf 0 must agree.
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
 *   0x06    13    CPUID 0x40000001 EAX (version) is not 0x0004000a
 *   0x07    15    CPUID 0x40000002 EAX (hypercall pages) is not 1
 *   0x08    17    CPUID 0x40000002 EBX (hypercall MSR) is not 0x40000000
 *   0x09    19    CPUID 0x40000004 faulted
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
 *   0x20    65    an exception before the first check
 *   0x21    67    success
 *
 * An unexpected exception (for instance #UD when QEMU does not handle
 * vmcall) fails the check in progress, with the vector on COM1.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;

#define COM1            0x3f8
#define DEBUG_EXIT      0xf4
#define EXIT_SUCCESS    0x21
#define FAIL_SETUP      0x20

#define MB_BOOT_MAGIC   0x2BADB002
#define MB_INFO_CMDLINE (1 << 2)

#define XEN_CPUID_BASE  0x40000000
#define XEN_MSR         0x40000000
#define XEN_VERSION     0x0004000a
#define HC_XEN_VERSION  17
#define HC_IRET         23
#define HC_UNKNOWN      55
#define XENVER_version      0
#define XENVER_extraversion 1
#define ENOSYS          38
#define EFAULT          14

/* Exceptions outside any check are reported as FAIL_SETUP. */
static volatile int current_check;
/* Set while a #GP is expected: the #GP handler then skips a wrmsr. */
static volatile int expect_gp, gp_count;

static u8 hypercall_page[4096] __attribute__((aligned(4096)));

static void outb(u16 port, u8 val)
{
    asm volatile("outb %0, %1" : : "a"(val), "Nd"(port));
}

static void putc(char c)
{
    outb(COM1, c);
}

static void puts(const char *s)
{
    while (*s) {
        putc(*s++);
    }
}

static void puthex(u32 v, int digits)
{
    puts("0x");
    for (int i = (digits - 1) * 4; i >= 0; i -= 4) {
        putc("0123456789abcdef"[(v >> i) & 15]);
    }
}

static void putdec(u32 v)
{
    char buf[12];
    int i = sizeof(buf);

    buf[--i] = 0;
    do {
        buf[--i] = '0' + v % 10;
        v /= 10;
    } while (v);
    puts(buf + i);
}

static void __attribute__((noreturn)) exit_qemu(u8 code)
{
    puts("exit code ");
    putdec(code);
    putc('\n');
    outb(DEBUG_EXIT, code);
    for (;;) {          /* no isa-debug-exit: let the caller's timeout act */
        asm volatile("cli; hlt");
    }
}

/* One line per check; the first failure ends the run with its code. */
static void check(int code, int ok, const char *what, u32 value)
{
    puts(ok ? "ok " : "FAILED ");
    putdec(code);
    puts(" - ");
    puts(what);
    puts(" (");
    puthex(value, 8);
    puts(")\n");
    if (!ok) {
        exit_qemu(code);
    }
}

/* Written by isr_common in entry.S: pusha, then the stub's pushes. */
struct frame {
    u32 edi, esi, ebp, esp, ebx, edx, ecx, eax;
    u32 vector, error, eip, cs, eflags;
};

void exception(struct frame *f);
void exception(struct frame *f)
{
    if (f->vector == 13 && expect_gp) {
        gp_count++;
        f->eip += 2;    /* the faulting wrmsr is 0f 30 */
        return;
    }
    puts("unexpected exception ");
    putdec(f->vector);
    puts(" error ");
    puthex(f->error, 8);
    puts(" at eip ");
    puthex(f->eip, 8);
    puts(" eax ");
    puthex(f->eax, 8);
    putc('\n');
    exit_qemu(current_check ? current_check : FAIL_SETUP);
}

struct gate {
    u16 offset_lo, selector;
    u8 zero, type;
    u16 offset_hi;
};

static struct gate idt[32];
extern const u32 isr_table[32];

static void setup_idt(void)
{
    struct {
        u16 limit;
        u32 base;
    } __attribute__((packed)) desc = { sizeof(idt) - 1, (u32)idt };

    for (int i = 0; i < 32; i++) {
        idt[i].offset_lo = isr_table[i] & 0xffff;
        idt[i].selector = 0x08;         /* CODE_SEL of entry.S */
        idt[i].type = 0x8e;             /* present 32-bit interrupt gate */
        idt[i].offset_hi = isr_table[i] >> 16;
    }
    asm volatile("lidt %0" : : "m"(desc));
}

static void cpuid(u32 leaf, u32 r[4])
{
    asm volatile("cpuid"
                 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
                 : "a"(leaf), "c"(0));
}

static void wrmsr(u32 msr, u32 lo, u32 hi)
{
    asm volatile("wrmsr" : : "c"(msr), "a"(lo), "d"(hi) : "memory");
}

/* Compare n bytes; -ffreestanding leaves us without memcmp. */
static int equal(const void *a, const void *b, int n)
{
    const u8 *p = a, *q = b;

    for (int i = 0; i < n; i++) {
        if (p[i] != q[i]) {
            return 0;
        }
    }
    return 1;
}

/* An inline rep stosb, which the compiler cannot turn into memset(). */
static void fill(void *p, u8 val, u32 n)
{
    asm volatile("rep stosb" : "+D"(p), "+c"(n) : "a"(val) : "memory");
}

static int is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Whether the cmdline has word w, which the kernel's path may not be. */
static int has_word(const char *s, const char *w)
{
    while (*s) {
        while (is_space(*s)) {
            s++;
        }
        const char *p = s, *q = w;
        while (*q && *p == *q) {
            p++, q++;
        }
        if (!*q && (!*p || is_space(*p))) {
            return 1;
        }
        while (*s && !is_space(*s)) {
            s++;
        }
    }
    return 0;
}

/* Hypercall number nr through its slot of the hypercall page. */
static u32 hypercall(u32 nr, u32 a1, u32 a2)
{
    u32 eax = (u32)hypercall_page + nr * 32;   /* the slot sets EAX = nr */
    u32 ebx = a1, ecx = a2, edx = 0, esi = 0, edi = 0;

    asm volatile("call *%%eax"
                 : "+a"(eax), "+b"(ebx), "+c"(ecx), "+d"(edx),
                   "+S"(esi), "+D"(edi)
                 : : "memory", "cc");
    return eax;
}

/* A hypercall without the page, as the vendor's instruction allows. */
static u32 direct_hypercall(int amd, u32 nr)
{
    u32 eax = nr, ebx = 0, ecx = 0, edx = 0, esi = 0, edi = 0;

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

void kmain(u32 magic, const u32 *mbi);
void kmain(u32 magic, const u32 *mbi)
{
    u32 r[4];
    int amd;

    puts("xen-hvm: checking the Xen HVM interface\n");
    setup_idt();

    current_check = 1;
    check(1, magic == MB_BOOT_MAGIC, "booted by a Multiboot loader", magic);

    /* QEMU passes "<kernel path> <-append>", as GRUB does */
    current_check = 2;
    const char *cmdline = (mbi[0] & MB_INFO_CMDLINE) ? (const char *)mbi[4] : "";
    int intel = has_word(cmdline, "intel");
    amd = has_word(cmdline, "amd");
    puts("cmdline: ");
    puts(cmdline);
    putc('\n');
    check(2, intel != amd, "cmdline names one of intel, amd", mbi[0]);

    current_check = 3;
    cpuid(0, r);
    u32 vendor[3] = { r[1], r[3], r[2] };       /* EBX, EDX, ECX */
    int cpu_amd = equal(vendor, "AuthenticAMD", 12);
    int cpu_intel = equal(vendor, "GenuineIntel", 12);
    check(3, (cpu_amd || cpu_intel) && cpu_amd == amd,
          "CPUID vendor is the cmdline's", r[1]);

    current_check = 4;
    cpuid(XEN_CPUID_BASE, r);
    u32 sig[3] = { r[1], r[2], r[3] };          /* EBX, ECX, EDX */
    check(4, equal(sig, "XenVMMXenVMM", 12),
          "CPUID 0x40000000 signature is XenVMMXenVMM", r[1]);
    current_check = 5;
    check(5, r[0] == XEN_CPUID_BASE + 4,
          "CPUID 0x40000000 max leaf is 0x40000004", r[0]);

    current_check = 6;
    cpuid(XEN_CPUID_BASE + 1, r);
    check(6, r[0] == XEN_VERSION, "CPUID 0x40000001 version is 4.10", r[0]);

    current_check = 7;
    cpuid(XEN_CPUID_BASE + 2, r);
    check(7, r[0] == 1, "CPUID 0x40000002 says 1 hypercall page", r[0]);
    current_check = 8;
    check(8, r[1] == XEN_MSR, "CPUID 0x40000002 hypercall MSR is 0x40000000",
          r[1]);

    current_check = 9;
    cpuid(XEN_CPUID_BASE + 4, r);
    check(9, 1, "CPUID 0x40000004 (HVM leaf) does not fault", r[0]);

    /* Paging is off: the page's address is its guest-physical address. */
    current_check = 10;
    wrmsr(XEN_MSR, (u32)hypercall_page | 0, 0);
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
    static char extra[32];
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
    volatile const u8 *rom = (volatile const u8 *)0xfffff000;
    u8 before[16];
    for (int i = 0; i < 16; i++) {
        before[i] = rom[i];
    }
    ret = hypercall(HC_XEN_VERSION, XENVER_extraversion, 0xfffff000);
    int same = 1;
    for (int i = 0; i < 16; i++) {
        same &= before[i] == rom[i];
    }
    check(18, ret == (u32)-EFAULT && same,
          "extraversion to 0xfffff000 (ROM) is -EFAULT, ROM unchanged", ret);

    current_check = 19;
    ret = hypercall(HC_XEN_VERSION, XENVER_extraversion, 0x10000000);
    check(19, ret == (u32)-EFAULT,
          "extraversion to 0x10000000 (past RAM) is -EFAULT", ret);

    /* One hypercall page only: page index 1 must be refused with #GP */
    current_check = 20;
    expect_gp = 1;
    wrmsr(XEN_MSR, (u32)hypercall_page | 1, 0);
    expect_gp = 0;
    check(20, gp_count == 1, "wrmsr 0x40000000 with page index 1 raises #GP",
          gp_count);

    current_check = 21;
    ret = hypercall(HC_XEN_VERSION, XENVER_version, 0);
    check(21, ret == XEN_VERSION, "xen_version still works after all that",
          ret);

    puts("xen-hvm: all checks passed\n");
    exit_qemu(EXIT_SUCCESS);
}
