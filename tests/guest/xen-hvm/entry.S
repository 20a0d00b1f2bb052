/*
 * Entry of the xen-hvm test kernel: Multiboot v1 header, our own flat
 * GDT (with a 64-bit code segment for long-mode.S), a zeroed .bss, a
 * stack, the exception stubs whose common path calls exception() in
 * xen-hvm.c, and the way into ring 3 and back.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "long-mode.h"

#define MB_MAGIC        0x1BADB002
#define MB_FLAGS        0       /* an ELF kernel needs no address fields */
#define CODE_SEL        0x08
#define DATA_SEL        0x10
#define USER_CS         (0x18 | 3)
#define USER_DS         (0x20 | 3)
#define STACK_SIZE      16384

    /* first in the image (see xen-hvm.ld): must be in the first 8 KiB */
    .section .multiboot, "a"
    .align 4
    .long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

    .text
    .globl _start
_start:
    cli
    cld
    mov %eax, %edx              /* Multiboot magic; rep stosb needs %eax */

    /*
     * The loader's GDT is not ours to rely on once the IDT points at
     * CODE_SEL, so switch to a known flat one.
     */
    lgdt gdt_desc
    ljmp $CODE_SEL, $1f
1:  mov $DATA_SEL, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %fs
    mov %ax, %gs
    mov %ax, %ss

    /*
     * Zero .bss (stack and hypercall page included) ourselves rather than
     * trust the loader; the Multiboot info lies beyond the image, and
     * %ebx/%edx survive rep stosb.
     */
    mov $__bss_start, %edi
    mov $__bss_end, %ecx
    sub %edi, %ecx
    xor %eax, %eax
    rep stosb

    mov $stack_top, %esp
    push %ebx                   /* Multiboot info */
    push %edx                   /* Multiboot magic */
    call kmain
2:  cli
    hlt
    jmp 2b

/*
 * Exception stubs for vectors 0..31.  The CPU pushes an error code for
 * some vectors only; push a dummy for the others so that every frame has
 * the layout of struct frame in xen-hvm.c.
 */
.macro stub n
isr\n:
    .if !(\n == 8 || (\n >= 10 && \n <= 14) || \n == 17 || \n == 21 || \n == 29 || \n == 30)
    push $0
    .endif
    push $\n
    jmp isr_common
.endm

.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    stub \n
.endr

isr_common:
    pusha
    push %esp                   /* struct frame * */
    call exception              /* may change the saved EIP */
    add $4, %esp
    popa
    add $8, %esp                /* vector and error code */
    iret

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

    .section .rodata
    .align 4
    .globl isr_table
isr_table:
.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .long isr\n
.endr

    .data
    .align 8
    .globl gdt
gdt:
    .quad 0
    .quad 0x00cf9a000000ffff    /* CODE_SEL: flat 4 GiB, 32-bit, execute/read */
    .quad 0x00cf92000000ffff    /* DATA_SEL: flat 4 GiB, read/write */
    /* flat too, so that ring 3 reaches the hypercall page in .bss */
    .quad 0x00cffa000000ffff    /* USER_CS: as CODE_SEL, DPL 3 */
    .quad 0x00cff2000000ffff    /* USER_DS: as DATA_SEL, DPL 3 */
    /* no relocation can scatter an address the way a descriptor does */
    .quad 0                     /* TSS_SEL: xen-hvm.c fills it in */
    /* where a TSS descriptor's upper half would be in long mode */
    .quad 0
lm_cs_desc:
    .quad 0x00af9a000000ffff    /* LM_CS: 64-bit (L=1), execute/read */
gdt_desc:
    .word gdt_desc - gdt - 1
    .long gdt
.if lm_cs_desc - gdt != LM_CS
    .error "LM_CS of long-mode.h is not where the GDT has it"
.endif

    .bss
    .align 16
    .skip STACK_SIZE
stack_top:

    .section .note.GNU-stack, "", @progbits    /* no executable stack */
