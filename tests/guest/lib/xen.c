/*
 * The hypercall page and the hypercalls through it (xen.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "xen.h"

u8 hypercall_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

void set_hypercall_page(u32 index)
{
    wrmsr(XEN_MSR, (u32)hypercall_page | index, 0);
}

u32 hypercall5(u32 nr, const u32 a[5])
{
    u32 eax = (u32)hypercall_page + nr * 32;   /* the slot sets EAX = nr */
    u32 ebx = a[0], ecx = a[1], edx = a[2], esi = a[3], edi = a[4];

    asm volatile("call *%%eax"
                 : "+a"(eax), "+b"(ebx), "+c"(ecx), "+d"(edx),
                   "+S"(esi), "+D"(edi)
                 : : "memory", "cc");
    return eax;
}

u32 hypercall(u32 nr, u32 a1, u32 a2)
{
    const u32 a[5] = { a1, a2 };

    return hypercall5(nr, a);
}

u32 hypercall3(u32 nr, u32 a1, u32 a2, u32 a3)
{
    const u32 a[5] = { a1, a2, a3 };

    return hypercall5(nr, a);
}
