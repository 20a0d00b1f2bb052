/*
 * The Xen platform device's unplug handshake, from inside the guest, as
 * a PV driver does it (Xen's docs/misc/hvm-emulated-unplug.pandoc, and
 * docs/xen/xen-platform.rst): magic and protocol version at ports
 * 0x10-0x12, product and build, then the unplug mask.
 *
 * Every run checks the handshake.  With "unplug" on the cmdline, run.sh
 * gave the machine an IDE disk (1 MiB, primary master) and an e1000
 * NIC; both must answer before the unplug (PCI config space, ATA
 * IDENTIFY) and be gone after it, while the IDE controller and the
 * platform device stay.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "xen-hvm.h"

#define XEN_IOPORT_MAGIC        0x10    /* 16-bit read; unplug mask write */
#define XEN_IOPORT_BUILD        0x10    /* 32-bit write */
#define XEN_IOPORT_VERSION      0x12    /* 8-bit read */
#define XEN_IOPORT_PRODUCT      0x12    /* 16-bit write */
#define XEN_MAGIC               0x49d2
#define XEN_PROTOCOL_VERSION    1
#define PRODUCT_EXPERIMENTAL    0xffff  /* public/hvm/pvdrivers.h */
#define DRIVER_BUILD            1
#define UNPLUG_ALL_IDE_DISKS    1
#define UNPLUG_ALL_NICS         2

/* what pci_find() looks for on bus 0 */
#define ID_XEN_PLATFORM         PCI_ID(0x5853, 0x0001)
#define ID_E1000                PCI_ID(0x8086, 0x100e)
#define ID_PIIX3_IDE            PCI_ID(0x8086, 0x7010)

/* ---- ATA on the primary channel's legacy ports ---- */

#define ATA_DATA        0x1f0
#define ATA_DRIVE       0x1f6
#define ATA_STATUS      0x1f7   /* read */
#define ATA_COMMAND     0x1f7   /* write */
#define ATA_CONTROL     0x3f6
#define ATA_NIEN        0x02    /* no interrupts: we poll */
#define ATA_MASTER      0xa0
#define ATA_IDENTIFY    0xec
#define ATA_BSY         0x80
#define ATA_DRDY        0x40
#define ATA_DRQ         0x08
#define ATA_ERR         0x01
#define DISK_SECTORS    2048    /* run.sh's 1 MiB image */
#define ATA_POLLS       1000000

/*
 * IDENTIFY DEVICE to the primary master: the status once the drive is
 * no longer busy, and the 256 words if it offers them (DRQ).  A unit
 * without a drive reads status 0 in QEMU (hw/ide/core.c: no drive on
 * either unit of the bus), whatever the command.
 */
static u8 ata_identify(u16 id[256])
{
    u8 status = 0;

    outb(ATA_CONTROL, ATA_NIEN);
    outb(ATA_DRIVE, ATA_MASTER);
    outb(ATA_COMMAND, ATA_IDENTIFY);
    for (int i = 0; i < ATA_POLLS; i++) {
        status = inb(ATA_STATUS);
        if (!(status & ATA_BSY)) {
            break;
        }
    }
    fill(id, 0, 512);
    if ((status & (ATA_BSY | ATA_DRQ | ATA_ERR)) == ATA_DRQ) {
        for (int i = 0; i < 256; i++) {
            id[i] = inw(ATA_DATA);
        }
    }
    return status;
}

/* Words 27-46 are the model, two characters a word, first in the high byte */
static int model_is(const u16 id[256], const char *want)
{
    for (int i = 0; want[i]; i++) {
        u16 w = id[27 + i / 2];
        char c = i & 1 ? w & 0xff : w >> 8;

        if (c != want[i]) {
            return 0;
        }
    }
    return 1;
}

static u32 lba_sectors(const u16 id[256])
{
    return id[60] | (u32)id[61] << 16;
}

/* ---- the handshake ---- */

static void check_handshake(int code)
{
    u16 magic = inw(XEN_IOPORT_MAGIC);
    check_eq(code, "platform port 0x10 reads the magic 0x49d2", magic,
             XEN_MAGIC);
    u8 version = inb(XEN_IOPORT_VERSION);
    check_eq(code, "platform port 0x12 reads protocol version 1", version,
             XEN_PROTOCOL_VERSION);
    outw(XEN_IOPORT_PRODUCT, PRODUCT_EXPERIMENTAL);
    outl(XEN_IOPORT_BUILD, DRIVER_BUILD);
    magic = inw(XEN_IOPORT_MAGIC);
    check_eq(code, "after product 0xffff, build 1: the magic again (not "
             "blacklisted)", magic, XEN_MAGIC);
    check(code, pci_find(ID_XEN_PLATFORM) != PCI_NONE,
          "the platform device 5853:0001 is on PCI bus 0",
          pci_find(ID_XEN_PLATFORM));
}

static void check_devices_unplug(int code)
{
    static u16 id[256];
    u8 status;

    u32 nic = pci_find(ID_E1000), ide = pci_find(ID_PIIX3_IDE);
    check(code, nic != PCI_NONE, "the e1000 8086:100e is on PCI bus 0", nic);
    check(code, ide != PCI_NONE && pci_read(ide, 8) >> 16 == 0x0101,
          "the PIIX3 IDE controller 8086:7010 is on PCI bus 0", ide);

    status = ata_identify(id);
    check(code, (status & (ATA_DRDY | ATA_DRQ)) == (ATA_DRDY | ATA_DRQ),
          "IDE primary master answers IDENTIFY (DRDY, DRQ)", status);
    check(code, !(id[0] & 0x8000) && model_is(id, "QEMU HARDDISK"),
          "... as an ATA disk, model QEMU HARDDISK", id[0]);
    check_eq(code, "... of 2048 sectors, run.sh's image", lba_sectors(id),
             DISK_SECTORS);

    outw(XEN_IOPORT_MAGIC, UNPLUG_ALL_IDE_DISKS | UNPLUG_ALL_NICS);
    check_eq(code, "after unplugging disks and NICs: the e1000's slot reads "
             "all ones", pci_read(nic, 0), PCI_NONE);
    check_eq(code, "... the IDE controller is still there", pci_read(ide, 0),
             ID_PIIX3_IDE);
    check_eq(code, "... the primary master's status reads 0 (no drive)",
             inb(ATA_STATUS), 0);
    status = ata_identify(id);
    check(code, status == 0 && id[0] == 0 && lba_sectors(id) == 0,
          "... and IDENTIFY gets no answer: status 0, no data", status);
    check(code, pci_find(ID_XEN_PLATFORM) != PCI_NONE &&
                inw(XEN_IOPORT_MAGIC) == XEN_MAGIC,
          "... the platform device stays, with its magic",
          inw(XEN_IOPORT_MAGIC));
}

void check_unplug(int with_devices)
{
    current_check = CHECK_UNPLUG;
    check_handshake(CHECK_UNPLUG);
    if (with_devices) {
        check_devices_unplug(CHECK_UNPLUG);
    } else {
        puts("no \"unplug\" on the cmdline: no disk or NIC to unplug\n");
    }
}
