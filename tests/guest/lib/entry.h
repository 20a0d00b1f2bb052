/*
 * What entry.S and the test kernels' C and assembly agree on: the
 * selectors of entry.S's GDT and the size of its vector stubs.  Plain
 * #defines only, so that assembly can include it too.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef GUEST_ENTRY_H
#define GUEST_ENTRY_H

#define CODE_SEL        0x08    /* flat 4 GiB, 32-bit, execute/read */
#define DATA_SEL        0x10    /* flat 4 GiB, read/write */
#define USER_CS         (0x18 | 3)      /* CODE_SEL at DPL 3, with RPL 3 */
#define USER_DS         (0x20 | 3)      /* DATA_SEL at DPL 3, with RPL 3 */
#define TSS_SEL         0x28    /* empty: a kernel that needs a TSS fills it */
#define LM_CS           0x38    /* 64-bit code (L=1), DPL 0 */

#define STUB_SIZE       16      /* isr_stubs + STUB_SIZE * n handles vector n */

#endif
