/*
 * A round trip to 64-bit long mode, so that xen-hvm.c can check the
 * 64-bit hypercall ABI (number in RAX, arguments in RDI, RSI, ...) from
 * a 32-bit Multiboot kernel.
 *
 * void call64(struct call64 *c): from flat 32-bit protected mode with
 * paging off, enable PAE paging with xen-hvm.c's pml4 and enter long
 * mode, load RAX, RBX, RCX, RDX, RSI, RDI, R8 and R10 from *c, call
 * c->rip, store RAX in c->rax, and go back to where we came from.
 *
 * Interrupts stay off, but an exception in long mode would find the
 * 32-bit IDT, whose 8-byte gates mean nothing there, and end in a triple
 * fault.  So the trip loads a 64-bit IDT (idt64_desc, built by
 * xen-hvm.c from lm_isr_table) whose handlers record the vector, error
 * code and RIP in *c and leave long mode the normal way: xen-hvm.c then
 * reports the failure like any other.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "entry.h"
#include "long-mode.h"

#define MSR_EFER        0xc0000080
#define EFER_LME        0x100
#define CR0_PG          0x80000000
#define CR4_PAE         0x20

    .text
    .code32
    .globl call64
call64:
    push %ebp
    push %ebx
    push %esi
    push %edi
    mov 20(%esp), %ebp
    /* for lm_fault, which has to find both from any depth of the stack */
    mov %ebp, call_state
    mov %esp, call_esp
    sidt idt32_desc

    /* the order the architecture asks for: PAE and CR3, LME, then PG */
    mov %cr4, %eax
    or $CR4_PAE, %eax
    mov %eax, %cr4
    mov $pml4, %eax
    mov %eax, %cr3
    mov $MSR_EFER, %ecx
    rdmsr
    or $EFER_LME, %eax
    wrmsr
    mov %cr0, %eax
    or $CR0_PG, %eax
    mov %eax, %cr0              /* EFER.LMA is set: compatibility mode */
    ljmp $LM_CS, $in64

    .code64
in64:
    /*
     * Absolute addresses in 64-bit code need relocations that a 32-bit
     * object does not have: RIP-relative ones throughout.
     */
    lidt idt64_desc(%rip)
    /*
     * What the upper halves of the registers hold after the switch is
     * undefined; writing the low halves clears them.
     */
    mov %esp, %esp
    mov %ebp, %ebp
    push %rbp
    mov C64_RAX(%rbp), %rax
    mov C64_RBX(%rbp), %rbx
    mov C64_RCX(%rbp), %rcx
    mov C64_RDX(%rbp), %rdx
    mov C64_RSI(%rbp), %rsi
    mov C64_RDI(%rbp), %rdi
    mov C64_R8(%rbp), %r8
    mov C64_R10(%rbp), %r10
    call *C64_RIP(%rbp)
    pop %rbp
    mov %rax, C64_RAX(%rbp)

leave64:
    /* a far return to a 32-bit code segment: compatibility mode again */
    pushq $CODE_SEL
    lea in32(%rip), %rax
    push %rax
    lretq

    .code32
in32:
    /* paging off while in compatibility mode leaves long mode (LMA = 0) */
    mov %cr0, %eax
    and $~CR0_PG, %eax
    mov %eax, %cr0
    lidt idt32_desc
    mov $MSR_EFER, %ecx
    rdmsr
    and $~EFER_LME, %eax
    wrmsr
    mov %cr4, %eax
    and $~CR4_PAE, %eax
    mov %eax, %cr4
    pop %edi
    pop %esi
    pop %ebx
    pop %ebp
    ret

/* What xen-hvm.c calls for a hypercall without the page. */
    .code64
    .globl vmcall64, vmmcall64
vmcall64:
    .byte 0x0f, 0x01, 0xc1
    ret
vmmcall64:
    .byte 0x0f, 0x01, 0xd9
    ret

/*
 * The 64-bit IDT's handlers.  As in lib/entry.S, a dummy error code where
 * the CPU pushes none, so that lm_fault finds vector, error code and RIP
 * in the same places.
 */
.macro lm_stub n
lm_isr\n:
    .if !(\n == 8 || (\n >= 10 && \n <= 14) || \n == 17 || \n == 21 || \n == 29 || \n == 30)
    pushq $0
    .endif
    pushq $\n
    jmp lm_fault
.endm

.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    lm_stub \n
.endr

lm_fault:
    mov call_state(%rip), %ebp
    popq C64_VECTOR(%rbp)
    popq C64_ERROR(%rbp)
    popq C64_FAULT_RIP(%rbp)
    /* drop whatever the call left, and leave as call64 would have */
    mov call_esp(%rip), %esp
    jmp leave64

    .section .rodata
    .align 4
    .globl lm_isr_table
lm_isr_table:
.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .long lm_isr\n
.endr

    .bss
    .align 4
call_state:
    .skip 4
call_esp:
    .skip 4
idt32_desc:
    .skip 6

    .section .note.GNU-stack, "", @progbits    /* no executable stack */
