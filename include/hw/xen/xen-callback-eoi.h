/*
 * EOIs reported to the emulated Xen event-channel callback
 *
 * Xen keeps a GSI or PCI INTx callback asserted while vCPU 0's
 * evtchn_upcall_pending is set, and drops it once the guest has cleared
 * that flag.  KVM re-checks the flag at every exit; under TCG nothing
 * exits, so the IOAPIC and the 8259 report each EOI here before they
 * look at their input lines again, and a stale callback level is
 * dropped in time instead of raising the interrupt once more.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_XEN_XEN_CALLBACK_EOI_H
#define HW_XEN_XEN_CALLBACK_EOI_H

/* Set by the Xen emulation when it needs to hear about EOIs */
extern void (*xen_callback_eoi_hook)(void);

static inline void xen_callback_eoi(void)
{
    if (xen_callback_eoi_hook) {
        xen_callback_eoi_hook();
    }
}

#endif
