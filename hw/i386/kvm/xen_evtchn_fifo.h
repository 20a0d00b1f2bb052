/*
 * Xen emulation: the FIFO event channel ABI
 *
 * The queues of the FIFO ABI (Xen's public/event_channel.h): a control
 * block per vCPU and event array pages, all in guest memory.  The event
 * channel backend (xen_evtchn.c) owns the ports and calls these with its
 * port lock held; the guest changes the same words concurrently, so each
 * update of guest memory here is atomic.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_I386_KVM_XEN_EVTCHN_FIFO_H
#define HW_I386_KVM_XEN_EVTCHN_FIFO_H

typedef struct XenEvtchnFifo XenEvtchnFifo;

/*
 * EVTCHNOP_init_control: the first call for any vCPU creates the FIFO
 * state in *@fifo (on failure *@fifo stays NULL); ports below @nr_ports
 * are the backend's port space.  -errno as Xen answers.
 */
int xen_evtchn_fifo_init_control(XenEvtchnFifo **fifo, uint32_t nr_ports,
                                 uint64_t gfn, uint32_t offset,
                                 uint32_t vcpu);
/* EVTCHNOP_expand_array: one more page of event words; -errno */
int xen_evtchn_fifo_expand_array(XenEvtchnFifo *fifo, uint64_t gfn);
/* EVTCHNOP_set_priority; -errno */
int xen_evtchn_fifo_set_priority(XenEvtchnFifo *fifo, uint32_t port,
                                 uint32_t priority);
/* Drop the guest mappings and the state (EVTCHNOP_reset, machine reset) */
void xen_evtchn_fifo_destroy(XenEvtchnFifo *fifo);

/* A port is being bound: default priority, nothing remembered pending */
void xen_evtchn_fifo_port_init(XenEvtchnFifo *fifo, uint32_t port);
/*
 * Raise @port for vCPU @vcpu: set PENDING, queue it unless masked or
 * queued already, and raise the vCPU's upcall if its queue was empty.
 * A port beyond the event array pages is remembered pending.
 */
void xen_evtchn_fifo_set_pending(XenEvtchnFifo *fifo, uint32_t port,
                                 uint32_t vcpu);
/* A port pending since before the 2-level ABI was left, or its page */
void xen_evtchn_fifo_mark_pending(XenEvtchnFifo *fifo, uint32_t port);
/* Queue @port if it was remembered pending and has its page now */
void xen_evtchn_fifo_replay(XenEvtchnFifo *fifo, uint32_t port,
                            uint32_t vcpu);
void xen_evtchn_fifo_clear_pending(XenEvtchnFifo *fifo, uint32_t port);
/*
 * EVTCHNOP_unmask (@do_unmask) or a move to another vCPU (!@do_unmask,
 * MASKED is left as it is): queue the port if it is pending and unmasked.
 */
void xen_evtchn_fifo_unmask(XenEvtchnFifo *fifo, uint32_t port,
                            uint32_t vcpu, bool do_unmask);
/* PENDING and MASKED of @port, as the guest sees them */
bool xen_evtchn_fifo_is_pending(XenEvtchnFifo *fifo, uint32_t port);
bool xen_evtchn_fifo_is_masked(XenEvtchnFifo *fifo, uint32_t port);

/* Migration: an empty state to load into, and its description */
XenEvtchnFifo *xen_evtchn_fifo_new_for_load(uint32_t nr_ports);
extern const VMStateDescription vmstate_xen_evtchn_fifo;

#endif
