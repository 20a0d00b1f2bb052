/*
 * A boot sector that floods the guest log: 10 MiB through port 0x12 as
 * fast as the CPU can write it, lines of 64 bytes with a control
 * character in each.  Then, after a pause (so that a new second of log
 * budget opens), one more line, and a check that the device still
 * answers the magic.  Success: isa-debug-exit status 0x43; else 3.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "boot-sector.inc"

#define BUF_SEG         0x1000

BOOT_SECTOR_START
    mov $BUF_SEG, %ax
    mov %ax, %es
    mov %ax, %ds

    /* 32 KiB of lines: 63 bytes of text (one of them \x01), then \n */
    xor %di, %di
fill:
    mov %di, %ax
    and $63, %ax
    cmp $63, %ax
    je newline
    cmp $10, %ax
    je control
    add $0x30, %al
    jmp store
newline:
    mov $'\n', %al
    jmp store
control:
    mov $1, %al
store:
    stosb
    cmp $0x8000, %di
    jne fill

    /* 320 times 32 KiB = 10 MiB */
    mov $320, %bx
    mov $0x12, %dx
    cld
flood:
    xor %si, %si
    mov $0x8000, %cx
    rep outsb
    dec %bx
    jnz flood

    /* wait 1.5 s (BIOS), then one more line */
    sti
    mov $0x86, %ah
    mov $0x16, %cx
    mov $0xe360, %dx
    int $0x15
    cli
    mov $0x12, %dx
    mov $'!', %al
    out %al, %dx
    mov $'\n', %al
    out %al, %dx

    mov $0x10, %dx
    in %dx, %ax
    cmp $0x49d2, %ax
    jne fail
    mov $DEBUG_EXIT_OK, %al
    out %al, $DEBUG_EXIT
1:  hlt
    jmp 1b
fail:
    mov $0x01, %al
    out %al, $DEBUG_EXIT
2:  hlt
    jmp 2b

BOOT_SECTOR_END
