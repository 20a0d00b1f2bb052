/*
 * A boot sector that leaves through Xen's sched_op(SCHEDOP_shutdown)
 * hypercall (QEMU under -accel tcg,xen-version=...), with the reason
 * given at build time: -DREASON=0 poweroff, 3 crash, 1 reboot (the next
 * boot, told apart by a CMOS byte, exits through isa-debug-exit with
 * status 0x43).
 *
 * QEMU's exit status tells the outcome: 0 for a poweroff, what -action
 * panic= says for a crash; if the hypercall returns instead, the guest
 * reports its error through isa-debug-exit (status 3).  No hypercall
 * page is needed: vmcall itself is the hypercall.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "boot-sector.inc"

#define HYPERVISOR_SCHED_OP     29
#define SCHEDOP_SHUTDOWN        2
#define CMOS_BOOTS              0x3e

BOOT_SECTOR_START

    movl $REASON, reason
#if REASON == 1
    mov $CMOS_BOOTS, %al
    out %al, $0x70
    in $0x71, %al
    test %al, %al
    jz 1f
    mov $DEBUG_EXIT_OK, %al             /* booted again: status 0x43 */
    out %al, $DEBUG_EXIT
1:  mov $CMOS_BOOTS, %al
    out %al, $0x70
    mov $1, %al
    out %al, $0x71
#endif

    mov $HYPERVISOR_SCHED_OP, %eax
    mov $SCHEDOP_SHUTDOWN, %ebx
    mov $reason, %ecx
    .byte 0x0f, 0x01, 0xc1              /* vmcall */
    test %eax, %eax
    jnz fail
2:  hlt                                 /* QEMU acts on the request */
    jmp 2b
fail:
    mov $0x01, %al
    out %al, $DEBUG_EXIT
3:  hlt
    jmp 3b

    .align 4
reason:
    .long 0

BOOT_SECTOR_END
