/*
 * Taking an IDE disk's drive away, and giving it back
 *
 * IDE devices cannot leave their bus.  What makes a disk disappear for
 * the guest is the unit losing its drive; what makes it come back is the
 * drive being attached and the unit set up again, as at realize.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_IDE_IDE_UNPLUG_H
#define HW_IDE_IDE_UNPLUG_H

#include "hw/ide/ide-dev.h"

/*
 * Detach @dev's drive; the unit reports no device from then on.  The
 * caller must have drained the drive, and holds its own reference to it
 * if it is to outlive the detach.
 */
void ide_dev_take_drive(IDEDevice *dev);

/* Attach @blk to @dev again and set the unit up as realize does. */
bool ide_dev_give_drive(IDEDevice *dev, BlockBackend *blk, Error **errp);

#endif
