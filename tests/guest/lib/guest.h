/*
 * What the freestanding 32-bit test kernels (xen-hvm, xen-events) share:
 * types, port I/O and a few CPU instructions, COM1 output, the checks
 * and their exit codes through isa-debug-exit, the Multiboot cmdline,
 * PCI configuration reads, and the IDT over entry.S's vector stubs.
 * xen.h adds Xen's interface and the hypercall page.
 *
 * A kernel defines kmain() and trap(), which entry.S calls.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef GUEST_H
#define GUEST_H

#include "entry.h"

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef short s16;
typedef int s32;

#define PAGE_SIZE       4096

/*
 * The result goes to isa-debug-exit at port 0xf4, QEMU's exit status
 * being (code << 1) | 1: a check's own code when it fails, or these.
 */
#define FAIL_SETUP      0x20    /* an exception outside any check */
#define EXIT_SUCCESS    0x21

/* ---- port I/O, CPU instructions ---- */

static inline void outb(u16 port, u8 val)
{
    asm volatile("outb %0, %1" : : "a"(val), "Nd"(port));
}

static inline void outw(u16 port, u16 val)
{
    asm volatile("outw %0, %1" : : "a"(val), "Nd"(port));
}

static inline void outl(u16 port, u32 val)
{
    asm volatile("outl %0, %1" : : "a"(val), "Nd"(port));
}

static inline u8 inb(u16 port)
{
    u8 val;

    asm volatile("inb %1, %0" : "=a"(val) : "Nd"(port));
    return val;
}

static inline u16 inw(u16 port)
{
    u16 val;

    asm volatile("inw %1, %0" : "=a"(val) : "Nd"(port));
    return val;
}

static inline u32 inl(u16 port)
{
    u32 val;

    asm volatile("inl %1, %0" : "=a"(val) : "Nd"(port));
    return val;
}

static inline void cli(void)
{
    asm volatile("cli" : : : "memory");
}

static inline void sti(void)
{
    asm volatile("sti" : : : "memory");
}

/* r[] = EAX, EBX, ECX, EDX of leaf (subleaf 0) */
static inline void cpuid(u32 leaf, u32 r[4])
{
    asm volatile("cpuid"
                 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
                 : "a"(leaf), "c"(0));
}

static inline void wrmsr(u32 msr, u32 lo, u32 hi)
{
    asm volatile("wrmsr" : : "c"(msr), "a"(lo), "d"(hi) : "memory");
}

static inline u64 rdmsr(u32 msr)
{
    u32 lo, hi;

    asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (u64)hi << 32 | lo;
}

/* Under TCG (no icount) the host's TSC: it runs whatever the guest does */
static inline u64 rdtsc(void)
{
    u32 lo, hi;

    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (u64)hi << 32 | lo;
}

/*
 * Memory that QEMU changes or reads behind the compiler's back (Xen's
 * pages, the ROM it must not write, our RAM when Xen's pages leave it,
 * device registers) is accessed through these, each access a real one.
 */
static inline u8 peek8(const void *p)
{
    return *(const volatile u8 *)p;     /* QEMU may have changed it */
}

static inline u32 peek32(const void *p)
{
    return *(const volatile u32 *)p;    /* QEMU may have changed it */
}

static inline void poke8(void *p, u8 val)
{
    *(volatile u8 *)p = val;            /* QEMU reads it on its own */
}

static inline void poke32(void *p, u32 val)
{
    *(volatile u32 *)p = val;           /* QEMU reads it on its own */
}

/* ---- the IO-APIC: registers through its select and window ---- */

#define IOAPIC          0xfec00000
#define IOAPIC_VERSION  0x01
#define IOAPIC_REDIR    0x10    /* entry n: low half at +2n, high at +2n+1 */

static inline u32 ioapic_read(u32 reg)
{
    poke32((void *)IOAPIC, reg);
    return peek32((void *)(IOAPIC + 0x10));
}

static inline void ioapic_write(u32 reg, u32 val)
{
    poke32((void *)IOAPIC, reg);
    poke32((void *)(IOAPIC + 0x10), val);
}

/* ---- COM1 ---- */

void putc(char c);
void puts(const char *s);
/* "0x", then the last @digits hex digits of v */
void puthex(u64 v, int digits);
void putdec(u32 v);

/* ---- checks ---- */

/*
 * The check in progress, which an unexpected exception fails; 0 outside
 * any check (FAIL_SETUP).  Volatile: trap() reads it, whenever it runs.
 */
extern volatile int current_check;
/*
 * Set, a failed check does not end the run: the run goes on (the checks
 * after it may then fail for its sake), and finish() exits with the
 * first failure's code.
 */
extern int keep_going;

/* Write code to isa-debug-exit; halt if QEMU does not exit */
void __attribute__((noreturn)) exit_qemu(u8 code);
/* Fail the check in progress, or FAIL_SETUP outside any */
void __attribute__((noreturn)) fail_current(void);
/*
 * Exit with the first failed check's code (keep_going), or else print
 * "NAME: all checks passed" and exit with EXIT_SUCCESS
 */
void __attribute__((noreturn)) finish(const char *name);

/*
 * "ok CODE - WHAT (VALUE)" or "FAILED ..." on COM1; a failure ends the
 * run with its code, unless keep_going
 */
void check(int code, int ok, const char *what, u32 value);
/* The same, for a result that must be exactly want: shows both if not */
void check_eq(int code, const char *what, u32 got, u32 want);
/* check() for a 64-bit value: all 16 digits show */
void check64(int code, int ok, const char *what, u64 value);
/* A check the rest cannot do without: its failure always ends the run */
void require(int code, int ok, const char *what, u32 value);

/* Compare n bytes; -ffreestanding leaves us without memcmp */
int equal(const void *a, const void *b, int n);
/* An inline rep stosb, which the compiler cannot turn into memset() */
void fill(void *p, u8 val, u32 n);

/* ---- Multiboot ---- */

#define MB_BOOT_MAGIC   0x2BADB002      /* in EAX at entry */
#define MB_INFO_CMDLINE (1 << 2)

/*
 * The cmdline, "" if the loader is not Multiboot or passed none; shown
 * on COM1.  QEMU passes "<kernel path> <-append>", as GRUB does.
 */
const char *boot_cmdline(u32 magic, const u32 *mbi);
/* Whether the cmdline has word w, which the kernel's path may not be */
int has_word(const char *cmdline, const char *w);

/* ---- PCI configuration space of bus 0, mechanism #1 ---- */

#define PCI_NONE                0xffffffff      /* no device: all ones */
#define PCI_ID(vendor, device)  ((u32)(device) << 16 | (vendor))

u32 pci_read(u32 devfn, u32 reg);
/* The device/function of the first device with id, or PCI_NONE */
u32 pci_find(u32 id);

/* ---- the IDT, the traps ---- */

/* Written by isr_common in entry.S: pusha, then the stub's pushes */
struct frame {
    u32 edi, esi, ebp, esp, ebx, edx, ecx, eax;
    u32 vector, error, eip, cs, eflags;
};

#define GATE_INTR       0x8e    /* 32-bit interrupt gate (IF=0), DPL 0 */
#define GATE_INTR_USER  0xee    /* the same, DPL 3: int n from ring 3 */

/* Every vector to its stub in entry.S, as an interrupt gate; lidt */
void setup_idt(void);
void set_gate(int vector, u32 handler, u8 type);
/* "unexpected exception V error E at IP_NAME IP", no newline */
void put_exception(u32 vector, u32 error, const char *ip_name, u64 ip,
                   int ip_digits);
/* Report the frame of an exception no check expected; fail_current() */
void __attribute__((noreturn)) unexpected(const struct frame *f);

/* entry.S */
extern u32 gdt[];
extern const u8 isr_stubs[];

/* Each kernel's own, called by entry.S */
void kmain(u32 magic, const u32 *mbi);
/* Any vector; may change the frame, which iret then restores */
void trap(struct frame *f);

#endif
