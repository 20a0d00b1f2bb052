/*
 * A boot sector that checks, from the guest's side, that unplugged
 * devices come back when the guest reboots (QEMU outliving the guest).
 *
 * First boot: the PV driver handshake, unplug of every disk and NIC,
 * check that the boot disk (IDE primary master) and the NIC at PCI slot
 * 6 are gone, then a reset through port 0xcf9.  The second boot only
 * happens if the firmware finds the re-plugged disk: check that disk
 * and NIC are back and that the handshake was reset, and report success
 * through isa-debug-exit (exit status 0x43).  Anything else: status 3.
 *
 * The disk checks read the legacy IDE ports (built with -DLEGACY_IDE, for
 * pc); on q35's AHCI, booting a second time is the disk's proof.
 * A CMOS byte (0x3f) counts the boots; CMOS survives the reset.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "boot-sector.inc"

#define CMOS_BOOTS      0x3f
#define NIC_CFG         0x80003000      /* bus 0, slot 6, function 0 */

BOOT_SECTOR_START

    mov $CMOS_BOOTS, %al
    out %al, $0x70
    in $0x71, %al
    test %al, %al
    jnz second_boot

    mov $CMOS_BOOTS, %al
    out %al, $0x70
    mov $1, %al
    out %al, $0x71

    /* handshake: magic, version, product "linux", a build */
    mov $0x10, %dx
    in %dx, %ax
    cmp $0x49d2, %ax
    jne fail_1
    mov $0x12, %dx
    in %dx, %al
    cmp $1, %al
    jne fail_2
    mov $3, %ax
    out %ax, %dx
    mov $0x10, %dx
    mov $0x060100, %eax
    out %eax, %dx
    in %dx, %ax
    cmp $0x49d2, %ax
    jne fail_3

    /* unplug disks and NICs */
    mov $0x3, %ax
    out %ax, %dx

#ifdef LEGACY_IDE
    call ide_status
    test %al, %al                       /* no device: status reads 0 */
    jnz fail_4
#endif
    call nic_vendor
    cmp $0xffff, %ax                    /* empty slot */
    jne fail_5

    /* reboot */
    mov $0xcf9, %dx
    mov $0x06, %al
    out %al, %dx
1:  hlt
    jmp 1b

second_boot:
#ifdef LEGACY_IDE
    call ide_status
    test $0x40, %al                     /* drive ready: the disk is back */
    jz fail_6
#endif
    call nic_vendor
    cmp $0x8086, %ax
    jne fail_7
    mov $0x10, %dx                      /* a fresh handshake */
    in %dx, %ax
    cmp $0x49d2, %ax
    jne fail_8
    mov $DEBUG_EXIT_OK, %al
    out %al, $DEBUG_EXIT
3:  hlt
    jmp 3b

fail_1:
    mov $2, %al
    jmp fail_code
fail_2:
    mov $3, %al
    jmp fail_code
fail_3:
    mov $4, %al
    jmp fail_code
fail_4:
    mov $5, %al
    jmp fail_code
fail_5:
    mov $6, %al
    jmp fail_code
fail_6:
    mov $7, %al
    jmp fail_code
fail_7:
    mov $8, %al
    jmp fail_code
fail_8:
    mov $9, %al
    jmp fail_code
fail_code:
    out %al, $DEBUG_EXIT
2:  hlt
    jmp 2b

/* status register of the primary master */
ide_status:
    mov $0x1f6, %dx
    mov $0xa0, %al
    out %al, %dx
    mov $0x1f7, %dx
    in %dx, %al
    ret

/* vendor id of PCI 00:06.0 */
nic_vendor:
    mov $0xcf8, %dx
    mov $NIC_CFG, %eax
    out %eax, %dx
    mov $0xcfc, %dx
    in %dx, %ax
    ret

BOOT_SECTOR_END
