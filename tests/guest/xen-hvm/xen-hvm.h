/*
 * What entry.S, long-mode.S and xen-hvm.c share: symbols defined in
 * assembly and used from C, and C functions called from assembly.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef XEN_HVM_H
#define XEN_HVM_H

typedef unsigned int u32;

struct frame;
struct call64;

/* entry.S */
extern u32 gdt[];
extern const u32 isr_table[32];
void user_return(void);
void run_user(u32 eip, u32 esp);

/* long-mode.S */
extern const u32 lm_isr_table[32];
void call64(struct call64 *c);
void vmcall64(void);
void vmmcall64(void);

/* xen-hvm.c, called from entry.S */
void kmain(u32 magic, const u32 *mbi);
void exception(struct frame *f);

#endif
