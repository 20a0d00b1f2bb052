/*
 * What long-mode.S and xen-hvm.c must agree on for the trip to 64-bit
 * long mode, besides lib/entry.h's LM_CS: the layout of struct call64
 * (xen-hvm.c checks the offsets with _Static_assert).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef XEN_HVM_LONG_MODE_H
#define XEN_HVM_LONG_MODE_H

/* struct call64: what call64() loads before the call, and what came out */
#define C64_RIP         0       /* the function to call */
#define C64_RAX         8       /* in, and the result out */
#define C64_RBX         16
#define C64_RCX         24
#define C64_RDX         32
#define C64_RSI         40
#define C64_RDI         48
#define C64_R8          56
#define C64_R10         64
#define C64_VECTOR      72      /* out: an exception's vector, or left as is */
#define C64_ERROR       80      /* out: its error code, 0 if it has none */
#define C64_FAULT_RIP   88      /* out: where it happened */

#endif
