/*
 * What every boot-sector test guest here starts and ends with.
 *
 * The BIOS loads the sector at 0:0x7c00 and jumps to it in real mode;
 * BOOT_SECTOR_START gives it flat segments (DS = SS = 0) and a stack
 * below itself, BOOT_SECTOR_END pads it to 512 bytes with the boot
 * signature.  Results go to isa-debug-exit at DEBUG_EXIT, where QEMU
 * exits with status (value << 1) | 1: DEBUG_EXIT_OK (0x21, status 67)
 * for success.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define DEBUG_EXIT      0xf4
#define DEBUG_EXIT_OK   0x21

#define BOOT_SECTOR_START \
    .code16;                \
    .globl _start;          \
_start:                     \
    cli;                    \
    xor %ax, %ax;           \
    mov %ax, %ds;           \
    mov %ax, %ss;           \
    mov $0x7c00, %sp

#define BOOT_SECTOR_END \
    .org 510;               \
    .word 0xaa55
