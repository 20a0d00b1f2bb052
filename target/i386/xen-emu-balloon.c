/*
 * Xen HVM emulation: ballooning
 *
 * XENMEM_decrease_reservation gives frames of guest RAM back to Xen.
 * The guest frame numbers then have no memory behind them: reads return
 * all ones and writes are dropped, as for any gap in the address space,
 * and QEMU gives the host memory behind them back to the host.
 * XENMEM_populate_physmap puts fresh, zeroed frames back.
 *
 * Each run of consecutive frames given back is covered by one I/O
 * region over guest RAM: a balloon driver returns thousands of pages,
 * mostly in runs, and a region per page would make every change of the
 * memory map slow.  The runs migrate; a machine reset brings every frame
 * back, as a new domain would have it.
 *
 * QEMU's balloon commands (QMP balloon, query-balloon, the BALLOON_CHANGE
 * event) drive the guest's balloon driver as Xen's toolstack does: the
 * target goes to memory/target in the guest's xenstore, in KiB, beside
 * memory/static-max, the RAM the guest was given.
 *
 * As libxl does, the domain may have a little more than its RAM: 1 MiB
 * that XENMEM_populate_physmap puts at frames that had no RAM, in a hole
 * of the address space or over firmware.  Those pages come from one RAM
 * block of that size, made with the machine so that it migrates, each
 * mapped where the guest asked.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/module.h"
#include "qapi/error.h"
#include "cpu.h"
#include "exec/target_page.h"
#include "exec/address-spaces.h"
#include "exec/memory.h"
#include "exec/ramblock.h"
#include "hw/boards.h"
#include "hw/xen/xen.h"
#include "hw/xen/xen_backend_ops.h"
#include "migration/vmstate.h"
#include "qapi/qapi-events-machine.h"
#include "qom/object.h"
#include "system/balloon.h"
#include "system/reset.h"
#include "system/system.h"
#include "trace.h"
#include "xen-emu-hypercall.h"

/*
 * A run is an object of its own, the owner of its hole: the memory map
 * references the owner, so a run removed from the map lives on until
 * no vCPU or device can still reach it through an old map.
 */
#define TYPE_XEN_BALLOON_RUN "xen-balloon-run"
OBJECT_DECLARE_SIMPLE_TYPE(BalloonRun, XEN_BALLOON_RUN)

struct BalloonRun {
    Object parent_obj;
    uint64_t start, end;        /* frames [start, end) */
    MemoryRegion hole;
};

/* libxl's LIBXL_MAXMEM_CONSTANT: 1 MiB over the domain's RAM */
#define SLACK_PAGES 256
#define NO_GFN      UINT64_MAX

/* A page of the slack, mapped at a frame that had no RAM */
#define TYPE_XEN_BALLOON_SLACK "xen-balloon-slack"
OBJECT_DECLARE_SIMPLE_TYPE(SlackPage, XEN_BALLOON_SLACK)

struct SlackPage {
    Object parent_obj;
    uint64_t gfn;
    MemoryRegion alias;
};

typedef struct XenBalloon {
    GTree *runs;                /* start frame -> BalloonRun */
    uint64_t frames;            /* given back, in all */
    /* the runs as (start, end) pairs, for the migration stream */
    uint32_t nr_words;
    uint64_t *words;
    /* the slack: its pages, and where each is mapped (NO_GFN: nowhere) */
    MemoryRegion slack_ram;
    bool have_slack;
    SlackPage *slack[SLACK_PAGES];
    uint32_t slack_used;
    uint64_t slack_gfns[SLACK_PAGES];   /* for the migration stream */
    /* QEMU's balloon commands */
    Notifier machine_done;
    struct qemu_xs_handle *xsh;
} XenBalloon;

static XenBalloon balloon;

static uint64_t hole_read(void *opaque, hwaddr addr, unsigned size)
{
    return ~0ull;
}

static void hole_write(void *opaque, hwaddr addr, uint64_t val,
                       unsigned size)
{
}

static const MemoryRegionOps hole_ops = {
    .read = hole_read,
    .write = hole_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
};

static gint cmp_frame(gconstpointer a, gconstpointer b, gpointer unused)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

static void run_free(gpointer data)
{
    object_unref(data);
}

/* Where frame *@data is against the run whose start is @key */
static gint cmp_run(gconstpointer key, gconstpointer data)
{
    const BalloonRun *run = container_of(key, BalloonRun, start);
    uint64_t gfn = *(const uint64_t *)data;

    return gfn < run->start ? -1 : gfn >= run->end;
}

/* The run that covers frame @gfn, or NULL */
static BalloonRun *run_at(uint64_t gfn)
{
    return g_tree_search(balloon.runs, cmp_run, &gfn);
}

static void run_add(uint64_t start, uint64_t end)
{
    BalloonRun *run = XEN_BALLOON_RUN(object_new(TYPE_XEN_BALLOON_RUN));

    run->start = start;
    run->end = end;
    memory_region_init_io(&run->hole, OBJECT(run), &hole_ops, NULL,
                          "xen-ballooned",
                          (end - start) << TARGET_PAGE_BITS);
    memory_region_add_subregion_overlap(get_system_memory(),
                                        start << TARGET_PAGE_BITS,
                                        &run->hole, 0);
    g_tree_insert(balloon.runs, &run->start, run);
}

static void run_remove(BalloonRun *run)
{
    memory_region_del_subregion(get_system_memory(), &run->hole);
    g_tree_remove(balloon.runs, &run->start);
}

/* Is frame @gfn guest RAM now, not given back nor covered by a device? */
static bool gfn_is_ram(uint64_t gfn, MemoryRegionSection *out)
{
    MemoryRegionSection sec;
    bool ram;

    sec = memory_region_find(get_system_memory(), gfn << TARGET_PAGE_BITS,
                             TARGET_PAGE_SIZE);
    if (!sec.mr) {
        return false;
    }
    ram = sec.mr == current_machine->ram &&
          int128_get64(sec.size) == TARGET_PAGE_SIZE;
    if (out) {
        *out = sec;
    }
    memory_region_unref(sec.mr);
    return ram;
}

/* The host memory behind frame @gfn goes back to the host */
static void discard(uint64_t gfn)
{
    MemoryRegionSection sec;

    if (!ram_block_discard_is_disabled() && gfn_is_ram(gfn, &sec)) {
        ram_block_discard_range(sec.mr->ram_block, sec.offset_within_region,
                                TARGET_PAGE_SIZE);
    }
}

/* The page of the slack mapped at frame @gfn, or -1 */
static int slack_at(uint64_t gfn)
{
    for (int i = 0; i < SLACK_PAGES; i++) {
        if (balloon.slack[i] && balloon.slack[i]->gfn == gfn) {
            return i;
        }
    }
    return -1;
}

/*
 * May frame @gfn take a page of the slack?  Not where the guest's RAM is,
 * nor in a run given back (that takes its own RAM back), nor past the
 * guest's physical address width.  Firmware, I/O and holes may be
 * covered, as Xen's p2m covers them.
 */
static bool gfn_takes_slack(uint64_t gfn)
{
    unsigned int bits = X86_CPU(first_cpu)->phys_bits;
    MemoryRegionSection sec;
    bool ram;

    if (!balloon.have_slack || gfn >> (bits - TARGET_PAGE_BITS) ||
        run_at(gfn) || slack_at(gfn) >= 0) {
        return false;
    }
    sec = memory_region_find(get_system_memory(), gfn << TARGET_PAGE_BITS,
                             TARGET_PAGE_SIZE);
    if (!sec.mr) {
        return true;
    }
    ram = sec.mr == current_machine->ram;
    memory_region_unref(sec.mr);
    return !ram;
}

/* Map page @i of the slack at frame @gfn, zeroed first if @fresh */
static void slack_map(int i, uint64_t gfn, bool fresh)
{
    SlackPage *page = XEN_BALLOON_SLACK(object_new(TYPE_XEN_BALLOON_SLACK));
    hwaddr offset = (hwaddr)i << TARGET_PAGE_BITS;

    if (fresh) {
        memset(memory_region_get_ram_ptr(&balloon.slack_ram) + offset, 0,
               TARGET_PAGE_SIZE);
        /* drops what TCG translated from the page's last mapping */
        memory_region_set_dirty(&balloon.slack_ram, offset, TARGET_PAGE_SIZE);
    }
    page->gfn = gfn;
    memory_region_init_alias(&page->alias, OBJECT(page), "xen-populated",
                             &balloon.slack_ram, offset, TARGET_PAGE_SIZE);
    /* above the chipset's windows over low RAM (PAM) too */
    memory_region_add_subregion_overlap(get_system_memory(),
                                        gfn << TARGET_PAGE_BITS,
                                        &page->alias, 2);
    balloon.slack[i] = page;
    balloon.slack_used++;
}

static void slack_unmap(int i)
{
    memory_region_del_subregion(get_system_memory(),
                                &balloon.slack[i]->alias);
    object_unref(balloon.slack[i]);
    balloon.slack[i] = NULL;
    balloon.slack_used--;
}

static bool slack_in(uint64_t gfn, uint64_t n)
{
    int i = 0;

    if (n > SLACK_PAGES - balloon.slack_used) {
        return false;
    }
    for (uint64_t k = 0; k < n; k++) {
        if (!gfn_takes_slack(gfn + k)) {
            return false;
        }
    }
    for (uint64_t k = 0; k < n; k++) {
        while (balloon.slack[i]) {
            i++;
        }
        slack_map(i, gfn + k, true);
    }
    return true;
}

static bool slack_out(uint64_t gfn, uint64_t n)
{
    for (uint64_t k = 0; k < n; k++) {
        if (slack_at(gfn + k) < 0) {
            return false;
        }
    }
    for (uint64_t k = 0; k < n; k++) {
        int i = slack_at(gfn + k);

        slack_unmap(i);
        if (!ram_block_discard_is_disabled()) {
            ram_block_discard_range(balloon.slack_ram.ram_block,
                                    (hwaddr)i << TARGET_PAGE_BITS,
                                    TARGET_PAGE_SIZE);
        }
    }
    return true;
}

bool xen_emu_balloon_out(uint64_t gfn, unsigned int order)
{
    uint64_t n = 1ull << order, start = gfn, end = gfn + n;
    BalloonRun *left, *right;

    if (end < gfn) {
        return false;
    }
    for (uint64_t i = gfn; i < end; i++) {
        if (!gfn_is_ram(i, NULL)) {
            return slack_out(gfn, n);
        }
    }
    for (uint64_t i = gfn; i < end; i++) {
        discard(i);
    }
    /* one run with the runs just before and after */
    left = gfn ? run_at(gfn - 1) : NULL;
    right = g_tree_lookup(balloon.runs, &end);
    if (left) {
        start = left->start;
        run_remove(left);
    }
    if (right) {
        end = right->end;
        run_remove(right);
    }
    run_add(start, end);
    balloon.frames += n;
    return true;
}

bool xen_emu_balloon_in(uint64_t gfn, unsigned int order)
{
    uint64_t n = 1ull << order, start, end;
    BalloonRun *run = run_at(gfn);

    if (!run) {
        return slack_in(gfn, n);
    }
    if (gfn + n < gfn || gfn + n > run->end) {
        return false;
    }
    start = run->start;
    end = run->end;
    run_remove(run);
    if (start < gfn) {
        run_add(start, gfn);
    }
    if (gfn + n < end) {
        run_add(gfn + n, end);
    }
    balloon.frames -= n;
    return true;
}

uint64_t xen_emu_balloon_current(void)
{
    return (current_machine->ram_size >> TARGET_PAGE_BITS) - balloon.frames +
           balloon.slack_used;
}

uint64_t xen_emu_balloon_maximum(void)
{
    return (current_machine->ram_size >> TARGET_PAGE_BITS) +
           (balloon.have_slack ? SLACK_PAGES : 0);
}

/* The guest's RAM now, in bytes */
static uint64_t balloon_actual(void)
{
    return xen_emu_balloon_current() << TARGET_PAGE_BITS;
}

void xen_emu_balloon_changed(void)
{
    if (balloon.xsh) {
        qapi_event_send_balloon_change(balloon_actual());
    }
}

static bool xs_write_kib(const char *node, uint64_t bytes)
{
    g_autofree char *path = g_strdup_printf("/local/domain/%u/memory/%s",
                                            xen_domid, node);
    g_autofree char *kib = g_strdup_printf("%" PRIu64, bytes >> 10);

    return qemu_xen_xs_write(balloon.xsh, XBT_NULL, path, kib, strlen(kib));
}

static void balloon_target(void *opaque, ram_addr_t target)
{
    /* the toolstack's limit: no more than the guest was given */
    target = MIN(target, current_machine->ram_size);
    trace_xen_emu_balloon_target(target);
    if (!xs_write_kib("target", target)) {
        warn_report("xen: cannot write the balloon target to xenstore");
    }
}

static void balloon_stat(void *opaque, BalloonInfo *info)
{
    info->actual = balloon_actual();
}

/*
 * Once the machine is built: a xenstore is there, and any balloon device
 * of the command line (virtio-balloon) has taken QEMU's balloon commands
 * before; then they stay with it.
 */
static void balloon_machine_done(Notifier *n, void *unused)
{
    uint64_t all = current_machine->ram_size;

    /* before an incoming migration brings the slack's contents */
    memory_region_init_ram(&balloon.slack_ram, NULL, "xen.balloon-slack",
                           SLACK_PAGES * TARGET_PAGE_SIZE, &error_fatal);
    balloon.have_slack = true;

    if (!xen_xenstore_ops) {
        return;
    }
    balloon.xsh = qemu_xen_xs_open();
    if (!balloon.xsh) {
        return;
    }
    if (!xs_write_kib("static-max", all) || !xs_write_kib("target", all)) {
        warn_report("xen: cannot write memory/static-max and memory/target "
                    "to xenstore");
    }
    if (qemu_add_balloon_handler(balloon_target, balloon_stat, &balloon)) {
        trace_xen_emu_balloon_commands_taken();
    }
}

static gboolean remove_one(gpointer key, gpointer value, gpointer data)
{
    memory_region_del_subregion(get_system_memory(),
                                &((BalloonRun *)value)->hole);
    return false;
}

static void remove_all(void)
{
    memory_region_transaction_begin();
    g_tree_foreach(balloon.runs, remove_one, NULL);
    for (int i = 0; i < SLACK_PAGES; i++) {
        if (balloon.slack[i]) {
            slack_unmap(i);
        }
    }
    memory_region_transaction_commit();
    g_tree_destroy(balloon.runs);
    balloon.runs = g_tree_new_full(cmp_frame, NULL, NULL, run_free);
    balloon.frames = 0;
}

static void balloon_reset(void *opaque)
{
    remove_all();
    if (balloon.have_slack && !ram_block_discard_is_disabled()) {
        ram_block_discard_range(balloon.slack_ram.ram_block, 0,
                                SLACK_PAGES * TARGET_PAGE_SIZE);
    }
}

static gboolean save_one(gpointer key, gpointer value, gpointer data)
{
    BalloonRun *run = value;
    uint32_t *i = data;

    balloon.words[(*i)++] = run->start;
    balloon.words[(*i)++] = run->end;
    return false;
}

static bool balloon_needed(void *opaque)
{
    return g_tree_nnodes(balloon.runs) > 0 || balloon.slack_used;
}

static int balloon_pre_save(void *opaque)
{
    uint32_t i = 0;

    g_free(balloon.words);
    balloon.nr_words = 2 * g_tree_nnodes(balloon.runs);
    balloon.words = g_new(uint64_t, balloon.nr_words);
    g_tree_foreach(balloon.runs, save_one, &i);
    for (i = 0; i < SLACK_PAGES; i++) {
        balloon.slack_gfns[i] = balloon.slack[i] ? balloon.slack[i]->gfn
                                                 : NO_GFN;
    }
    return 0;
}

static int balloon_pre_load(void *opaque)
{
    /* the slack's contents, loaded before, stay: only its map goes */
    remove_all();
    g_free(balloon.words);
    balloon.words = NULL;
    balloon.nr_words = 0;
    for (int i = 0; i < SLACK_PAGES; i++) {
        balloon.slack_gfns[i] = NO_GFN;
    }
    return 0;
}

/* After the runs: map the slack as the source had it */
static int slack_post_load(void)
{
    for (int i = 0; i < SLACK_PAGES; i++) {
        uint64_t gfn = balloon.slack_gfns[i];

        if (gfn == NO_GFN) {
            continue;
        }
        if (!gfn_takes_slack(gfn)) {
            return -EINVAL;
        }
        slack_map(i, gfn, false);
    }
    return 0;
}

static int balloon_post_load(void *opaque, int version_id)
{
    uint64_t max = current_machine->ram_size >> TARGET_PAGE_BITS;
    int ret = 0;

    memory_region_transaction_begin();
    for (uint32_t i = 0; i + 1 < balloon.nr_words; i += 2) {
        uint64_t start = balloon.words[i], end = balloon.words[i + 1];

        if (start >= end || end - start > max - balloon.frames ||
            (i && start <= balloon.words[i - 1])) {
            ret = -EINVAL;
            break;
        }
        run_add(start, end);
        balloon.frames += end - start;
    }
    if (!ret) {
        ret = slack_post_load();
    }
    memory_region_transaction_commit();
    g_free(balloon.words);
    balloon.words = NULL;
    return ret;
}

static bool slack_needed(void *opaque)
{
    return balloon.slack_used;
}

static const VMStateDescription vmstate_xen_balloon_slack = {
    .name = "xen-emu/balloon/slack",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = slack_needed,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64_ARRAY(slack_gfns, XenBalloon, SLACK_PAGES),
        VMSTATE_END_OF_LIST()
    }
};

static const VMStateDescription vmstate_xen_balloon = {
    .name = "xen-emu/balloon",
    .version_id = 1,
    .minimum_version_id = 1,
    .needed = balloon_needed,
    .pre_save = balloon_pre_save,
    .pre_load = balloon_pre_load,
    .post_load = balloon_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT32(nr_words, XenBalloon),
        VMSTATE_VARRAY_UINT32_ALLOC(words, XenBalloon, nr_words, 0,
                                    vmstate_info_uint64, uint64_t),
        VMSTATE_END_OF_LIST()
    },
    .subsections = (const VMStateDescription * const []) {
        &vmstate_xen_balloon_slack,
        NULL
    }
};

void xen_emu_balloon_init(void)
{
    if (balloon.runs) {
        return;
    }
    balloon.runs = g_tree_new_full(cmp_frame, NULL, NULL, run_free);
    qemu_register_reset(balloon_reset, NULL);
    vmstate_register(NULL, 0, &vmstate_xen_balloon, &balloon);
    balloon.machine_done.notify = balloon_machine_done;
    qemu_add_machine_init_done_notifier(&balloon.machine_done);
}

static const TypeInfo balloon_run_info = {
    .name = TYPE_XEN_BALLOON_RUN,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(BalloonRun),
};

static const TypeInfo balloon_slack_info = {
    .name = TYPE_XEN_BALLOON_SLACK,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(SlackPage),
};

static void balloon_register_types(void)
{
    type_register_static(&balloon_run_info);
    type_register_static(&balloon_slack_info);
}

type_init(balloon_register_types)
