/*
 * What the xen-hvm kernel's files share beyond lib/ (guest.h, xen.h):
 * the symbols of user.S and long-mode.S, and what xen-hvm.c lends
 * hypercalls.c and unplug.c.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef XEN_HVM_H
#define XEN_HVM_H

#include "xen.h"

#define DOMID_OTHER     5       /* neither DOMID_SELF nor ours (1) */
#define ROM_PTR         0xfffff000      /* BIOS ROM: readable, not writable */
#define NO_RAM_PTR      0x10000000      /* past the 128 MiB of RAM */

/* user.S */
void user_return(void);
void run_user(u32 eip, u32 esp);

/* long-mode.S */
struct call64;
extern const u32 lm_isr_table[32];
void call64(struct call64 *c);
void vmcall64(void);
void vmmcall64(void);

/* Set by kmain from the cmdline: QEMU emulates an AMD CPU (vmmcall) */
extern int amd;
/* "tuned": run.sh set xen-gnttab-max-frames=128,xen-evtchn-max-pirq=512 */
extern int tuned;
/* The fuzz's random numbers: the same sequence in every run */
u32 rnd(void);

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
    CHECK_CONSOLE_IO = 0x29,
    CHECK_VCPU_START = 0x2a,
    CHECK_IOAPIC = 0x2b,
    CHECK_XENSTORE_RING = 0x2c,
};

/* hypercalls.c: the hypercall families, through the 32-bit ABI */
void check_hypercall_families(void);
/* hypercalls.c: a few of them again through the 64-bit ABI */
void check_families_64(void);
/* hypercalls.c: garbage in xenstore's ring (the "fuzz" run) */
void xenstore_ring_fuzz(int code);
/*
 * unplug.c: the platform device's unplug handshake; with_devices: the
 * cmdline said "unplug", so there is an IDE disk and an e1000 to unplug
 */
void check_unplug(int with_devices);
/* vcpu-start.c: vCPU 1 started with VCPUOP_initialise and VCPUOP_up */
void check_vcpu_start(void);
/* vcpu-start.c: where vCPU 1 starts (asm) */
void ap_entry(void);

#endif
