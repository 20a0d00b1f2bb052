/*
 * Taking an IDE disk's drive away, and giving it back
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "hw/ide/ide-unplug.h"
#include "hw/ide/ide-bus.h"
#include "system/block-backend.h"
#include "ide-internal.h"

static IDEState *unit_of(IDEDevice *dev)
{
    IDEBus *bus = IDE_BUS(qdev_get_parent_bus(DEVICE(dev)));

    return &bus->ifs[dev->unit];
}

void ide_dev_take_drive(IDEDevice *dev)
{
    blk_detach_dev(dev->conf.blk, DEVICE(dev));
    unit_of(dev)->blk = NULL;
    dev->conf.blk = NULL;
}

bool ide_dev_give_drive(IDEDevice *dev, BlockBackend *blk, Error **errp)
{
    IDEState *s = unit_of(dev);
    IDEDriveKind kind = s->drive_kind;

    if (blk_attach_dev(blk, DEVICE(dev)) < 0) {
        error_setg(errp, "the drive is attached to another device");
        return false;
    }
    dev->conf.blk = blk;
    if (!blkconf_apply_backend_options(&dev->conf, kind == IDE_CD,
                                       kind != IDE_CD, errp) ||
        ide_init_drive(s, dev, kind, errp) < 0) {
        blk_detach_dev(blk, DEVICE(dev));
        dev->conf.blk = NULL;
        s->blk = NULL;
        return false;
    }
    return true;
}
