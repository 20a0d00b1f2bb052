/*
 * Entry of the test kernels: Multiboot v1 header, our own flat GDT, a
 * zeroed .bss, a stack, kmain(magic, info); and one stub per vector
 * (0-255) whose common path calls the kernel's trap().
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "entry.h"

#define MB_MAGIC        0x1BADB002
#define MB_FLAGS        0       /* an ELF kernel needs no address fields */
#define STACK_SIZE      16384

    /* first in the image (see guest.ld): must be in the first 8 KiB */
    .section .multiboot, "a"
    .align 4
    .long MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

    .text
    .globl _start
_start:
    cli
    cld
    mov %eax, %edx              /* Multiboot magic; rep stosb needs %eax */

    /* the IDT's gates name CODE_SEL: it must be ours, not the loader's */
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
 * 256 stubs of STUB_SIZE bytes each, so that C finds vector n's at
 * isr_stubs + n * STUB_SIZE without a table.  The CPU pushes an error
 * code for some exceptions only; the others push a dummy, so that every
 * frame has the layout of struct frame in guest.h.
 */
    .balign STUB_SIZE
    .globl isr_stubs
isr_stubs:
    .set vec, 0
    .rept 256
1:
    .if !(vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21 || vec == 29 || vec == 30)
    push $0
    .endif
    push $vec
    jmp isr_common
    .org 1b + STUB_SIZE         /* pads; an error if a stub outgrew it */
    .set vec, vec + 1
    .endr

isr_common:
    pusha
    push %esp                   /* struct frame * */
    call trap                   /* may change the saved registers */
    add $4, %esp
    popa
    add $8, %esp                /* vector and error code */
    iret

/*
 * One GDT for every kernel; each uses the entries it needs (entry.h
 * names them).  All segments are flat, so that ring 3 too reaches the
 * hypercall page in .bss.
 */
    .data
    .align 8
    .globl gdt
gdt:
    .quad 0
    .quad 0x00cf9a000000ffff    /* CODE_SEL: flat 4 GiB, 32-bit, execute/read */
    .quad 0x00cf92000000ffff    /* DATA_SEL: flat 4 GiB, read/write */
    .quad 0x00cffa000000ffff    /* USER_CS: as CODE_SEL, DPL 3 */
    .quad 0x00cff2000000ffff    /* USER_DS: as DATA_SEL, DPL 3 */
    /* no relocation can scatter an address the way a descriptor does */
    .quad 0                     /* TSS_SEL: filled in from C */
    /* where a TSS descriptor's upper half would be in long mode */
    .quad 0
lm_cs_desc:
    .quad 0x00af9a000000ffff    /* LM_CS: 64-bit (L=1), execute/read */
gdt_desc:
    .word gdt_desc - gdt - 1
    .long gdt
.if lm_cs_desc - gdt != LM_CS
    .error "LM_CS of entry.h is not where the GDT has it"
.endif

    .bss
    .align 16
    .skip STACK_SIZE
stack_top:

    .section .note.GNU-stack, "", @progbits    /* no executable stack */
