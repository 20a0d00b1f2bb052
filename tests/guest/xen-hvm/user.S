/*
 * The trip to ring 3 and back, for xen-hvm.c's CPL 3 check: over
 * lib/entry.S's flat DPL 3 segments, with xen-hvm.c's TSS in TSS_SEL.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "entry.h"

    .text
/*
 * void run_user(u32 eip, u32 esp): run eip at CPL 3 on stack esp until it
 * executes int $0x80.  The TSS's ESP0 is our own stack pointer, so the
 * int $0x80 frame lands right below the registers saved here and
 * user_return can unwind to our caller.
 */
    .globl run_user
run_user:
    push %ebp
    push %ebx
    push %esi
    push %edi
    mov %esp, tss + 4               /* ESP0 */
    mov 20(%esp), %eax
    mov 24(%esp), %ecx
    /* iret would load null into data segment registers of DPL 0 */
    mov $USER_DS, %dx
    mov %dx, %ds
    mov %dx, %es
    push $USER_DS                   /* SS */
    push %ecx                       /* ESP */
    pushf
    push $USER_CS
    push %eax                       /* EIP */
    iret

/* The int $0x80 gate (DPL 3): back to ring 0 and out of run_user. */
    .globl user_return
user_return:
    mov $DATA_SEL, %dx
    mov %dx, %ds
    mov %dx, %es
    mov %dx, %fs
    mov %dx, %gs
    add $20, %esp                   /* the user's EIP, CS, EFLAGS, ESP, SS */
    pop %edi
    pop %esi
    pop %ebx
    pop %ebp
    ret

    .section .note.GNU-stack, "", @progbits    /* no executable stack */
