/*
 * What xen-hvm.c lends the kernel's other C files (hypercalls.c,
 * unplug.c): types, port I/O, COM1 output, checks, and hypercalls
 * through the 32-bit ABI.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef XEN_HVM_LIB_H
#define XEN_HVM_LIB_H

#include "xen-hvm.h"

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned long long u64;
typedef short s16;
typedef int s32;

/* Hypercall numbers (Xen's public/xen.h) */
#define HC_MEMORY_OP        12
#define HC_SET_TIMER_OP     15
#define HC_XEN_VERSION      17
#define HC_GRANT_TABLE_OP   20
#define HC_IRET             23
#define HC_VCPU_OP          24
#define HC_SCHED_OP         29
#define HC_EVENT_CHANNEL_OP 32
#define HC_PHYSDEV_OP       33
#define HC_HVM_OP           34
#define HC_UNKNOWN          55

/* Xen's errno values, which are Linux's */
#define EPERM           1
#define ENOENT          2
#define ESRCH           3
#define EFAULT          14
#define EEXIST          17
#define EINVAL          22
#define ENOSYS          38
#define EOPNOTSUPP      95

#define DOMID_SELF      0x7ff0
#define DOMID_OTHER     5       /* neither DOMID_SELF nor ours (1) */
#define ROM_PTR         0xfffff000      /* BIOS ROM: readable, not writable */
#define NO_RAM_PTR      0x10000000      /* past the 128 MiB of RAM */
#define PAGE_SIZE       4096

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

/* Under TCG (no icount) the host's TSC: it runs whatever the guest does */
static inline u64 rdtsc(void)
{
    u32 lo, hi;

    asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return (u64)hi << 32 | lo;
}

/* Set by kmain from the cmdline: QEMU emulates an AMD CPU (vmmcall) */
extern int amd;
/* The check in progress, which an unexpected exception fails */
extern volatile int current_check;

void putc(char c);
void puts(const char *s);
void puthex(u64 v, int digits);
void putdec(u32 v);

/* One line per check on COM1; the first failure ends the run with code */
void check(int code, int ok, const char *what, u32 value);
/* The same, for a result that must be exactly want: shows both if not */
void check_eq(int code, const char *what, u32 got, u32 want);
/* check() for a 64-bit value: all 16 digits show */
void check64(int code, int ok, const char *what, u64 value);

int equal(const void *a, const void *b, int n);
void fill(void *p, u8 val, u32 n);

/* Hypercall nr through its slot of the hypercall page, 32-bit ABI */
u32 hypercall5(u32 nr, const u32 a[5]);
u32 hypercall(u32 nr, u32 a1, u32 a2);
u32 hypercall3(u32 nr, u32 a1, u32 a2, u32 a3);

/*
 * Hypercall nr through the page in 64-bit long mode (64-bit ABI: RDI,
 * RSI, RDX), back in 32-bit mode after; only once check_long_mode() has
 * set long mode up.  An exception there fails check code.
 */
u64 hypercall64(int code, u32 nr, u64 rdi, u64 rsi, u64 rdx);

/* The exit codes of the checks outside xen-hvm.c: see its table */
enum {
    CHECK_FEATURES = 0x1c,
    CHECK_MEMORY_OP = 0x1d,
    CHECK_HVM_OP = 0x1e,
    CHECK_GRANT_TABLE_OP = 0x1f,
    /* 0x20 and 0x21 are FAIL_SETUP and EXIT_SUCCESS */
    CHECK_EVENT_CHANNEL_OP = 0x22,
    CHECK_PHYSDEV_OP = 0x23,
    CHECK_VCPU_OP = 0x24,
    CHECK_TIMERS = 0x25,
    CHECK_SCHED_OP = 0x26,
    CHECK_UNPLUG = 0x27,
    CHECK_FAMILIES_64 = 0x28,
};

/* hypercalls.c: the hypercall families, through the 32-bit ABI */
void check_hypercall_families(void);
/* hypercalls.c: a few of them again through the 64-bit ABI */
void check_families_64(void);
/*
 * unplug.c: the platform device's unplug handshake; with_devices: the
 * cmdline said "unplug", so there is an IDE disk and an e1000 to unplug
 */
void check_unplug(int with_devices);

#endif
