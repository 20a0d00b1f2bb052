/*
 * PVH boot of a Linux bzImage: the vmlinux inside it, loaded at its
 * Xen PVH entry point
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_X86_PVH_H
#define HW_I386_X86_PVH_H

#include "hw/i386/x86.h"

/*
 * Must this machine boot its kernel through the PVH entry?  A Xen PVH
 * guest does: microvm with Xen emulated, where nothing else would run
 * a kernel as Xen's guest.
 */
bool x86_pvh_required(X86MachineState *x86ms);

/*
 * Decompress the vmlinux that the bzImage @filename carries, check its
 * ELF headers and its Xen PVH entry note, and load its segments into
 * guest memory (as ROM blobs, rewritten at each reset).  On success the
 * entry point, load address and size are in @fw_cfg as load_elfboot()
 * puts them, for pvh.bin.
 */
bool x86_pvh_load_bzimage(X86MachineState *x86ms, const char *filename,
                          FWCfgState *fw_cfg, Error **errp);

#endif
