/*
 * Xen emulation: the FIFO event channel ABI
 *
 * Each vCPU gives a control block (the ready bitmap and one queue head
 * per priority) and the domain gives event array pages, one 32-bit event
 * word per port (PENDING, MASKED, LINKED, BUSY and a LINK to the next
 * port of its queue).  Raising a port appends it to the queue of its
 * vCPU and priority; the tail of each queue is known only here.  The
 * guest consumes the queues from their heads, concurrently, with atomic
 * updates of the same words, so each word is updated with atomics here
 * too, and only in the ways the ABI allows.
 *
 * Guest memory is reached through host pointers into guest RAM, each
 * page kept referenced while it is in use; every write through them is
 * reported with memory_region_set_dirty(), so that migration's dirty log
 * and TCG's translated code see it as they see a DMA write.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/atomic.h"
#include "qemu/bitmap.h"
#include "qemu/bswap.h"
#include "qemu/log.h"
#include "exec/address-spaces.h"
#include "exec/memory.h"
#include "hw/boards.h"
#include "hw/core/cpu.h"
#include "hw/xen/interface/xen.h"
#include "hw/xen/interface/event_channel.h"
#include "migration/vmstate.h"
#include "system/xen-emu-vcpu.h"
#include "xen_evtchn.h"
#include "xen_evtchn_fifo.h"
#include "trace.h"

#define FIFO_PAGE_SHIFT 12
#define FIFO_PAGE_SIZE (1u << FIFO_PAGE_SHIFT)
#define WORDS_PER_PAGE (FIFO_PAGE_SIZE / sizeof(event_word_t))
#define MAX_ARRAY_PAGES (EVTCHN_FIFO_NR_CHANNELS / WORDS_PER_PAGE)

#define W_PENDING (1u << EVTCHN_FIFO_PENDING)
#define W_MASKED (1u << EVTCHN_FIFO_MASKED)
#define W_LINKED (1u << EVTCHN_FIFO_LINKED)
#define W_BUSY (1u << EVTCHN_FIFO_BUSY)

/* Tries at linking behind a tail word that the guest keeps changing */
#define LINK_TRIES 16

/* HVM_PARAM_CALLBACK_IRQ's type, in its top byte */
#define CALLBACK_TYPE(param) ((int)((param) >> 56))

/* A guest page in use: its RAM region (referenced) and host address */
typedef struct FifoPage {
    MemoryRegion *mr;
    hwaddr offset;
    uint8_t *hva;
    uint64_t gfn;
} FifoPage;

typedef struct FifoVcpu {
    FifoPage page;                          /* holding the control block */
    struct evtchn_fifo_control_block *cb;   /* NULL: no init_control yet */
    uint32_t cb_offset;                     /* in its page */
    uint32_t tail[EVTCHN_FIFO_MAX_QUEUES];  /* 0: the queue is empty */
    bool migrated_cb;                       /* cb, for the stream */
} FifoVcpu;

struct XenEvtchnFifo {
    uint32_t nr_ports;
    uint32_t nr_vcpus;
    FifoVcpu *vcpu;
    uint32_t nr_pages;
    FifoPage page[MAX_ARRAY_PAGES];
    uint8_t *priority;          /* per port */
    /* per port: the queue it was last linked on */
    uint8_t *queued_prio;
    uint32_t *queued_vcpu;
    /* per port: raised while it had no event word */
    unsigned long *early;
    /* for the migration stream: the frames behind page[], nr_ports */
    uint64_t page_gfn[MAX_ARRAY_PAGES];
    int32_t early_bits;
};

static void page_written(FifoPage *pg, void *p, size_t len)
{
    memory_region_set_dirty(pg->mr,
                            pg->offset + ((uint8_t *)p - pg->hva), len);
}

/* Map guest frame @gfn as Xen does: it must be writable RAM */
static int map_page(FifoPage *pg, uint64_t gfn)
{
    MemoryRegionSection mrs;

    if (gfn >= (1ull << (64 - FIFO_PAGE_SHIFT))) {
        return -EINVAL;
    }
    mrs = memory_region_find(get_system_memory(), gfn << FIFO_PAGE_SHIFT,
                             FIFO_PAGE_SIZE);
    if (!mrs.mr) {
        return -EINVAL;
    }
    if (!memory_region_is_ram(mrs.mr) || memory_region_is_ram_device(mrs.mr) ||
        memory_region_is_rom(mrs.mr) || mrs.readonly ||
        int128_lt(mrs.size, int128_make64(FIFO_PAGE_SIZE))) {
        memory_region_unref(mrs.mr);
        return -EINVAL;
    }
    pg->mr = mrs.mr;
    pg->gfn = gfn;
    pg->offset = mrs.offset_within_region;
    pg->hva = (uint8_t *)memory_region_get_ram_ptr(mrs.mr) + pg->offset;
    return 0;
}

static void unmap_page(FifoPage *pg)
{
    if (pg->mr) {
        memory_region_unref(pg->mr);
    }
    memset(pg, 0, sizeof(*pg));
}

static uint32_t *event_word(XenEvtchnFifo *f, uint32_t port, FifoPage **pg)
{
    if (port / WORDS_PER_PAGE >= f->nr_pages) {
        return NULL;
    }
    *pg = &f->page[port / WORDS_PER_PAGE];
    return (uint32_t *)(*pg)->hva + port % WORDS_PER_PAGE;
}

/* Atomic bit operations on a little-endian word of guest memory */
static uint32_t word_read(uint32_t *w)
{
    return le32_to_cpu(qatomic_read(w));
}

static uint32_t word_or(uint32_t *w, uint32_t bits)
{
    return le32_to_cpu(qatomic_fetch_or(w, cpu_to_le32(bits)));
}

static uint32_t word_and(uint32_t *w, uint32_t bits)
{
    return le32_to_cpu(qatomic_fetch_and(w, cpu_to_le32(bits)));
}

static XenEvtchnFifo *fifo_new(uint32_t nr_ports)
{
    XenEvtchnFifo *f = g_new0(XenEvtchnFifo, 1);

    f->nr_ports = nr_ports;
    f->nr_vcpus = MAX(current_machine->smp.max_cpus, 1);
    f->vcpu = g_new0(FifoVcpu, f->nr_vcpus);
    f->priority = g_new(uint8_t, nr_ports);
    memset(f->priority, EVTCHN_FIFO_PRIORITY_DEFAULT, nr_ports);
    f->queued_prio = g_new0(uint8_t, nr_ports);
    f->queued_vcpu = g_new0(uint32_t, nr_ports);
    f->early = bitmap_new(nr_ports);
    f->early_bits = nr_ports;
    return f;
}

void xen_evtchn_fifo_destroy(XenEvtchnFifo *f)
{
    if (!f) {
        return;
    }
    trace_xen_evtchn_fifo_destroy(f->nr_pages);
    for (uint32_t i = 0; i < f->nr_vcpus; i++) {
        unmap_page(&f->vcpu[i].page);
    }
    for (uint32_t i = 0; i < f->nr_pages; i++) {
        unmap_page(&f->page[i]);
    }
    g_free(f->vcpu);
    g_free(f->priority);
    g_free(f->queued_prio);
    g_free(f->queued_vcpu);
    g_free(f->early);
    g_free(f);
}

int xen_evtchn_fifo_init_control(XenEvtchnFifo **pf, uint32_t nr_ports,
                                 uint64_t gfn, uint32_t offset,
                                 uint32_t vcpu)
{
    XenEvtchnFifo *f = *pf;
    FifoVcpu *v;
    int ret;

    if (offset > FIFO_PAGE_SIZE - sizeof(struct evtchn_fifo_control_block) ||
        (offset & 7)) {
        qemu_log_mask(LOG_GUEST_ERROR, "xen: EVTCHNOP_init_control: "
                      "control block offset 0x%x is misplaced\n", offset);
        return -EINVAL;
    }
    if (!f) {
        f = fifo_new(nr_ports);
    }
    if (vcpu >= f->nr_vcpus) {
        ret = -ENOENT;
        goto fail;
    }
    v = &f->vcpu[vcpu];
    if (v->cb) {
        qemu_log_mask(LOG_GUEST_ERROR, "xen: EVTCHNOP_init_control: "
                      "vCPU %u has a control block already\n", vcpu);
        ret = -EINVAL;
        goto fail;
    }
    ret = map_page(&v->page, gfn);
    if (ret) {
        qemu_log_mask(LOG_GUEST_ERROR, "xen: EVTCHNOP_init_control: "
                      "gfn 0x%" PRIx64 " is not writable RAM\n", gfn);
        goto fail;
    }
    v->cb = (struct evtchn_fifo_control_block *)(v->page.hva + offset);
    v->cb_offset = offset;
    memset(v->tail, 0, sizeof(v->tail));
    trace_xen_evtchn_fifo_init_control(vcpu, gfn, offset, !*pf);
    *pf = f;
    return 0;

fail:
    if (f != *pf) {
        xen_evtchn_fifo_destroy(f);
    }
    return ret;
}

int xen_evtchn_fifo_expand_array(XenEvtchnFifo *f, uint64_t gfn)
{
    int ret;

    if (f->nr_pages >= MAX_ARRAY_PAGES) {
        qemu_log_mask(LOG_GUEST_ERROR, "xen: EVTCHNOP_expand_array: "
                      "the event array has its %u pages already\n",
                      f->nr_pages);
        return -ENOSPC;
    }
    ret = map_page(&f->page[f->nr_pages], gfn);
    if (ret) {
        qemu_log_mask(LOG_GUEST_ERROR, "xen: EVTCHNOP_expand_array: "
                      "gfn 0x%" PRIx64 " is not writable RAM\n", gfn);
        return ret;
    }
    f->nr_pages++;
    trace_xen_evtchn_fifo_expand_array(gfn, f->nr_pages);
    return 0;
}

int xen_evtchn_fifo_set_priority(XenEvtchnFifo *f, uint32_t port,
                                 uint32_t priority)
{
    if (port >= f->nr_ports || priority > EVTCHN_FIFO_PRIORITY_MIN) {
        return -EINVAL;
    }
    /* An event queued already stays where it is; the next one moves */
    f->priority[port] = priority;
    trace_xen_evtchn_fifo_set_priority(port, priority);
    return 0;
}

void xen_evtchn_fifo_port_init(XenEvtchnFifo *f, uint32_t port)
{
    if (port < f->nr_ports) {
        f->priority[port] = EVTCHN_FIFO_PRIORITY_DEFAULT;
        clear_bit(port, f->early);
    }
}

void xen_evtchn_fifo_mark_pending(XenEvtchnFifo *f, uint32_t port)
{
    if (port < f->nr_ports) {
        set_bit(port, f->early);
    }
}

/*
 * Make @port the LINK of @tail's word if the guest has not unlinked
 * @tail yet (then the queue is not empty).  BUSY keeps the guest from
 * unmasking @tail meanwhile, so that its other changes (masking,
 * clearing PENDING, unlinking) are few; a guest that keeps changing the
 * word anyway loses the event.
 */
static bool link_behind(XenEvtchnFifo *f, uint32_t tail, uint32_t port)
{
    FifoPage *pg;
    uint32_t *w = event_word(f, tail, &pg);
    uint32_t old, new, seen;
    bool linked = false;

    if (!w) {
        return false;
    }
    old = word_read(w);
    for (int i = 0; i < LINK_TRIES; i++) {
        if (!(old & W_LINKED)) {
            break;
        }
        new = (old & ~(W_BUSY | EVTCHN_FIFO_LINK_MASK)) | port;
        seen = le32_to_cpu(qatomic_cmpxchg(w, cpu_to_le32(old),
                                           cpu_to_le32(new)));
        if (seen == old) {
            linked = true;
            break;
        }
        if (i == 1) {
            word_or(w, W_BUSY);
            seen = word_read(w);
        }
        old = seen;
    }
    if (!linked) {
        if (old & W_LINKED) {
            qemu_log_mask(LOG_GUEST_ERROR, "xen: event channel %u: the guest "
                          "keeps changing event word %u, event lost\n",
                          port, tail);
            linked = true;
        }
        word_and(w, ~W_BUSY);
    }
    page_written(pg, w, sizeof(*w));
    return linked;
}

/* As Xen's vcpu_mark_events_pending() */
static void raise_upcall(uint32_t vcpu)
{
    struct vcpu_info *vi = xen_emu_vcpu_info_hva(vcpu);

    if (!vi) {
        return;
    }
    if (!qatomic_fetch_or(&vi->evtchn_upcall_pending, 1)) {
        xen_emu_inject_callback(vcpu,
                                CALLBACK_TYPE(xen_evtchn_get_callback_param()));
    }
    xen_emu_guest_memory_written(vi, sizeof(vi->evtchn_upcall_pending));
}

void xen_evtchn_fifo_set_pending(XenEvtchnFifo *f, uint32_t port,
                                 uint32_t vcpu)
{
    FifoPage *pg;
    uint32_t *w;
    FifoVcpu *v, *old_v;
    uint8_t prio, old_prio;
    bool new_head = false;

    if (port >= f->nr_ports) {
        return;
    }
    w = event_word(f, port, &pg);
    if (!w) {
        /* Queued when its page comes (xen_evtchn_fifo_replay) */
        set_bit(port, f->early);
        trace_xen_evtchn_fifo_no_word(port);
        return;
    }
    word_or(w, W_PENDING);
    v = vcpu < f->nr_vcpus ? &f->vcpu[vcpu] : NULL;
    if (!v || !v->cb) {
        /* The guest must not unmask before init_control: just PENDING */
        page_written(pg, w, sizeof(*w));
        trace_xen_evtchn_fifo_no_control_block(port, vcpu);
        return;
    }
    prio = f->priority[port];
    if (!(word_read(w) & W_MASKED) && !(word_or(w, W_LINKED) & W_LINKED)) {
        /*
         * The guest unlinked it: if it was the tail of the queue it was
         * last on, that queue is empty now.  Forget the tail, or a later
         * event there would be linked behind this one, on another queue.
         */
        old_v = &f->vcpu[f->queued_vcpu[port]];
        old_prio = f->queued_prio[port];
        if (old_v->tail[old_prio] == port) {
            old_v->tail[old_prio] = 0;
        }
        f->queued_vcpu[port] = vcpu;
        f->queued_prio[port] = prio;

        if (!v->tail[prio] || !link_behind(f, v->tail[prio], port)) {
            qatomic_set(&v->cb->head[prio], cpu_to_le32(port));
            new_head = true;
        }
        v->tail[prio] = port;
    }
    page_written(pg, w, sizeof(*w));
    trace_xen_evtchn_fifo_set_pending(port, vcpu, prio, new_head);
    if (new_head) {
        /* The head is written before the guest can see the queue ready */
        uint32_t was = word_or(&v->cb->ready, 1u << prio);

        page_written(&v->page, v->cb, sizeof(*v->cb));
        if (!(was & (1u << prio))) {
            raise_upcall(vcpu);
        }
    }
}

void xen_evtchn_fifo_replay(XenEvtchnFifo *f, uint32_t port, uint32_t vcpu)
{
    FifoPage *pg;

    if (port < f->nr_ports && test_bit(port, f->early) &&
        event_word(f, port, &pg)) {
        clear_bit(port, f->early);
        xen_evtchn_fifo_set_pending(f, port, vcpu);
    }
}

void xen_evtchn_fifo_clear_pending(XenEvtchnFifo *f, uint32_t port)
{
    FifoPage *pg;
    uint32_t *w;

    if (port >= f->nr_ports) {
        return;
    }
    clear_bit(port, f->early);
    w = event_word(f, port, &pg);
    if (w) {
        /* The guest skips an event that it finds queued but not pending */
        word_and(w, ~W_PENDING);
        page_written(pg, w, sizeof(*w));
    }
}

void xen_evtchn_fifo_unmask(XenEvtchnFifo *f, uint32_t port, uint32_t vcpu,
                            bool do_unmask)
{
    FifoPage *pg;
    uint32_t *w = event_word(f, port, &pg);

    if (!w) {
        return;
    }
    if (do_unmask) {
        word_and(w, ~W_MASKED);
        page_written(pg, w, sizeof(*w));
    } else if (word_read(w) & W_MASKED) {
        return;
    }
    if (word_read(w) & W_PENDING) {
        xen_evtchn_fifo_set_pending(f, port, vcpu);
    }
}

bool xen_evtchn_fifo_is_pending(XenEvtchnFifo *f, uint32_t port)
{
    FifoPage *pg;
    uint32_t *w = event_word(f, port, &pg);

    return w && (word_read(w) & W_PENDING);
}

bool xen_evtchn_fifo_is_masked(XenEvtchnFifo *f, uint32_t port)
{
    FifoPage *pg;
    uint32_t *w = event_word(f, port, &pg);

    return !w || (word_read(w) & W_MASKED);
}

/*
 * Migration: what lives only here (the frames the guest gave, the queue
 * tails, priorities, where each port was queued).  The event words and
 * control blocks are guest RAM and travel with it.
 */
XenEvtchnFifo *xen_evtchn_fifo_new_for_load(uint32_t nr_ports)
{
    return fifo_new(nr_ports);
}

static int fifo_pre_save(void *opaque)
{
    XenEvtchnFifo *f = opaque;

    for (uint32_t i = 0; i < f->nr_vcpus; i++) {
        f->vcpu[i].migrated_cb = f->vcpu[i].cb != NULL;
    }
    for (uint32_t i = 0; i < MAX_ARRAY_PAGES; i++) {
        f->page_gfn[i] = i < f->nr_pages ? f->page[i].gfn : 0;
    }
    return 0;
}

static int fifo_post_load(void *opaque, int version_id)
{
    XenEvtchnFifo *f = opaque;

    if (f->nr_pages > MAX_ARRAY_PAGES) {
        return -EINVAL;
    }
    for (uint32_t i = 0; i < f->nr_vcpus; i++) {
        FifoVcpu *v = &f->vcpu[i];

        if (!v->migrated_cb) {
            continue;
        }
        if (v->cb_offset > FIFO_PAGE_SIZE - sizeof(*v->cb) ||
            map_page(&v->page, v->page.gfn)) {
            return -EINVAL;
        }
        v->cb = (struct evtchn_fifo_control_block *)(v->page.hva +
                                                     v->cb_offset);
    }
    for (uint32_t i = 0; i < f->nr_pages; i++) {
        if (map_page(&f->page[i], f->page_gfn[i])) {
            return -EINVAL;
        }
    }
    return 0;
}

static const VMStateDescription vmstate_fifo_vcpu = {
    .name = "xen_evtchn_fifo/vcpu",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_BOOL(migrated_cb, FifoVcpu),
        VMSTATE_UINT64(page.gfn, FifoVcpu),
        VMSTATE_UINT32(cb_offset, FifoVcpu),
        VMSTATE_UINT32_ARRAY(tail, FifoVcpu, EVTCHN_FIFO_MAX_QUEUES),
        VMSTATE_END_OF_LIST()
    }
};

const VMStateDescription vmstate_xen_evtchn_fifo = {
    .name = "xen_evtchn_fifo",
    .version_id = 1,
    .minimum_version_id = 1,
    .pre_save = fifo_pre_save,
    .post_load = fifo_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32_EQUAL(nr_ports, XenEvtchnFifo, NULL),
        VMSTATE_UINT32_EQUAL(nr_vcpus, XenEvtchnFifo, NULL),
        VMSTATE_STRUCT_VARRAY_POINTER_UINT32(vcpu, XenEvtchnFifo, nr_vcpus,
                                             vmstate_fifo_vcpu, FifoVcpu),
        VMSTATE_UINT32(nr_pages, XenEvtchnFifo),
        VMSTATE_UINT64_ARRAY(page_gfn, XenEvtchnFifo, MAX_ARRAY_PAGES),
        VMSTATE_VBUFFER_UINT32(priority, XenEvtchnFifo, 0, NULL, nr_ports),
        VMSTATE_VBUFFER_UINT32(queued_prio, XenEvtchnFifo, 0, NULL, nr_ports),
        VMSTATE_VARRAY_UINT32(queued_vcpu, XenEvtchnFifo, nr_ports, 0,
                              vmstate_info_uint32, uint32_t),
        VMSTATE_BITMAP(early, XenEvtchnFifo, 0, early_bits),
        VMSTATE_END_OF_LIST()
    }
};
