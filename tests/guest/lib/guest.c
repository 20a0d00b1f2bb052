/*
 * What the test kernels share (guest.h): COM1 output, the checks and
 * isa-debug-exit, the Multiboot cmdline, PCI, and the IDT.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "guest.h"

#define COM1            0x3f8
#define DEBUG_EXIT      0xf4            /* isa-debug-exit's iobase */
#define PCI_ADDR        0xcf8
#define PCI_DATA        0xcfc

/* ---- COM1 ---- */

void putc(char c)
{
    outb(COM1, c);
}

void puts(const char *s)
{
    while (*s) {
        putc(*s++);
    }
}

void puthex(u64 v, int digits)
{
    puts("0x");
    for (int i = (digits - 1) * 4; i >= 0; i -= 4) {
        putc("0123456789abcdef"[(v >> i) & 15]);
    }
}

void putdec(u32 v)
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

/* ---- checks ---- */

volatile int current_check;     /* volatile: trap() reads it at any time */
int keep_going;
static int first_failure;

void exit_qemu(u8 code)
{
    puts("exit code ");
    putdec(code);
    putc('\n');
    outb(DEBUG_EXIT, code);
    for (;;) {          /* no isa-debug-exit: let the caller's timeout act */
        asm volatile("cli; hlt");
    }
}

void fail_current(void)
{
    exit_qemu(current_check ? current_check : FAIL_SETUP);
}

void finish(const char *name)
{
    current_check = 0;
    if (first_failure) {
        exit_qemu(first_failure);
    }
    puts(name);
    puts(": all checks passed\n");
    exit_qemu(EXIT_SUCCESS);
}

static void report(int code, int ok, const char *what, u64 value, int digits)
{
    puts(ok ? "ok " : "FAILED ");
    putdec(code);
    puts(" - ");
    puts(what);
    puts(" (");
    puthex(value, digits);
    puts(")\n");
    if (!ok && !keep_going) {
        exit_qemu(code);
    }
    if (!ok && !first_failure) {
        first_failure = code;
    }
}

void check(int code, int ok, const char *what, u32 value)
{
    report(code, ok, what, value, 8);
}

void check64(int code, int ok, const char *what, u64 value)
{
    report(code, ok, what, value, 16);
}

void check_eq(int code, const char *what, u32 got, u32 want)
{
    if (got != want) {
        puts("expected ");
        puthex(want, 8);
        puts(", but:\n");
    }
    check(code, got == want, what, got);
}

void require(int code, int ok, const char *what, u32 value)
{
    check(code, ok, what, value);
    if (!ok) {
        exit_qemu(code);
    }
}

int equal(const void *a, const void *b, int n)
{
    const u8 *p = a, *q = b;

    for (int i = 0; i < n; i++) {
        if (p[i] != q[i]) {
            return 0;
        }
    }
    return 1;
}

void fill(void *p, u8 val, u32 n)
{
    asm volatile("rep stosb" : "+D"(p), "+c"(n) : "a"(val) : "memory");
}

/* ---- Multiboot ---- */

const char *boot_cmdline(u32 magic, const u32 *mbi)
{
    const char *cmdline = magic == MB_BOOT_MAGIC &&
                          (mbi[0] & MB_INFO_CMDLINE) ? (const char *)mbi[4]
                                                     : "";

    puts("cmdline: ");
    puts(cmdline);
    putc('\n');
    return cmdline;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t';
}

int has_word(const char *s, const char *w)
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

/* ---- PCI ---- */

u32 pci_read(u32 devfn, u32 reg)
{
    outl(PCI_ADDR, 0x80000000 | devfn << 8 | (reg & 0xfc));     /* bus 0 */
    return inl(PCI_DATA);
}

u32 pci_find(u32 id)
{
    for (u32 devfn = 0; devfn < 256; devfn++) {
        if (pci_read(devfn, 0) == id) {
            return devfn;
        }
    }
    return PCI_NONE;
}

/* ---- the IDT ---- */

struct gate {
    u16 offset_lo, selector;
    u8 zero, type;
    u16 offset_hi;
};

static struct gate idt[256];

void set_gate(int vector, u32 handler, u8 type)
{
    idt[vector].offset_lo = handler & 0xffff;
    idt[vector].selector = CODE_SEL;
    idt[vector].type = type;
    idt[vector].offset_hi = handler >> 16;
}

void setup_idt(void)
{
    struct {
        u16 limit;
        u32 base;
    } __attribute__((packed)) desc = { sizeof(idt) - 1, (u32)idt };

    for (int i = 0; i < 256; i++) {
        set_gate(i, (u32)isr_stubs + i * STUB_SIZE, GATE_INTR);
    }
    asm volatile("lidt %0" : : "m"(desc));
}

void put_exception(u32 vector, u32 error, const char *ip_name, u64 ip,
                   int ip_digits)
{
    puts("unexpected exception ");
    putdec(vector);
    puts(" error ");
    puthex(error, 8);
    puts(" at ");
    puts(ip_name);
    putc(' ');
    puthex(ip, ip_digits);
}

void unexpected(const struct frame *f)
{
    put_exception(f->vector, f->error, "eip", f->eip, 8);
    puts(" eax ");
    puthex(f->eax, 8);
    putc('\n');
    fail_current();
}
