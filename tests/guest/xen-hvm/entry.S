/*
 * Entry of the xen-hvm test kernel: Multiboot v1 header, our own flat
 * GDT, a zeroed .bss, a stack, and the exception stubs whose common
 * path calls exception() in xen-hvm.c.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define MB_MAGIC        0x1BADB002
#define MB_FLAGS        0       /* an ELF kernel needs no address fields */
#define CODE_SEL        0x08
#define DATA_SEL        0x10
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

    .section .rodata
    .align 4
    .globl isr_table
isr_table:
.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .long isr\n
.endr

    .data
    .align 8
gdt:
    .quad 0
    .quad 0x00cf9a000000ffff    /* CODE_SEL: flat 4 GiB, 32-bit, execute/read */
    .quad 0x00cf92000000ffff    /* DATA_SEL: flat 4 GiB, read/write */
gdt_desc:
    .word gdt_desc - gdt - 1
    .long gdt

    .bss
    .align 16
    .skip STACK_SIZE
stack_top:

    .section .note.GNU-stack, "", @progbits    /* no executable stack */
