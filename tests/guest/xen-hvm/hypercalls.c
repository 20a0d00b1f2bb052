/*
 * The hypercall families beyond xen_version, as a 32-bit HVM guest sees
 * them (Xen's "compat" layouts): memory_op, hvm_op, grant_table_op,
 * event_channel_op, physdev_op, vcpu_op, set_timer_op and sched_op,
 * with xen_version(XENVER_get_features) first; then a few of them again
 * through the 64-bit ABI, from long mode.
 *
 * Each family has one exit code (xen-hvm.h, table in xen-hvm.c) and
 * prints one line per check.  The families run in this order and build
 * on each other: memory_op puts shared_info and grant-table frames into
 * pages of ours, which grant_table_op, the event channels and the
 * timers then read; event_channel_op ends with EVTCHNOP_reset, so the
 * timers bind their own port.  The operations' numbers and the compat
 * shared_info layout are in lib/xen.h, the argument structs here.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "xen-hvm.h"

#define OFFSET_IS(type, field, off) \
    _Static_assert(__builtin_offsetof(type, field) == off, \
                   #type "." #field " is not where Xen has it")

/* The BIOS ROM's last page, which no call that fails may change */
static u8 rom_copy[64];

static void save_rom(void)
{
    for (u32 i = 0; i < sizeof(rom_copy); i++) {
        rom_copy[i] = peek8((const u8 *)ROM_PTR + i);
    }
}

static int rom_unchanged(void)
{
    for (u32 i = 0; i < sizeof(rom_copy); i++) {
        if (peek8((const u8 *)ROM_PTR + i) != rom_copy[i]) {
            return 0;
        }
    }
    return 1;
}

/* A call that writes through a pointer to ROM: -EFAULT, ROM unchanged */
static void check_rom_efault(int code, const char *what, u32 ret)
{
    check_eq(code, what, ret, -EFAULT);
    check(code, rom_unchanged(), "... and the ROM is unchanged", ret);
}

static u32 gfn_of(const void *page)
{
    return (u32)page / PAGE_SIZE;
}

/*
 * Pages of ours that Xen's pages replace: shared_info lands at
 * shinfo_a, then moves to shinfo_b; grant-table frames 0-2 at
 * gnt_frame[0-2] (frame 2 from long mode); vcpu_page gets a vcpu_info.
 */
static u8 shinfo_a[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static u8 shinfo_b[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static u8 gnt_frame[3][PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static u8 vcpu_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

/* Where shared_info is once memory_op moved it; QEMU writes it any time */
static u8 *shinfo;

/* ---- xen_version(XENVER_get_features) ---- */

/*
 * writable_page_tables (0), writable_descriptor_tables (1),
 * auto_translated_physmap (2), hvm_callback_vector (8), hvm_pirqs (10)
 */
#define FEATURES_SUBMAP_0   0x707

struct feature_info {
    u32 submap_idx, submap;
};

static u32 get_features(u32 idx, u32 *submap)
{
    struct feature_info fi = { idx, 0xdeadbeef };
    u32 ret = hypercall(HC_XEN_VERSION, XENVER_get_features, (u32)&fi);

    *submap = fi.submap;
    return ret;
}

static void check_features(int code)
{
    u32 submap, ret;

    current_check = code;
    ret = get_features(0, &submap);
    check_eq(code, "xen_version(XENVER_get_features) succeeds", ret, 0);
    check_eq(code, "feature submap 0 is 0x707 (writable page and descriptor "
             "tables, auto-translated physmap, callback vector, safe "
             "pvclock, HVM PIRQs)",
             submap, FEATURES_SUBMAP_0);
    ret = get_features(1, &submap);
    check(code, ret == 0 && submap == 0, "feature submap 1 is 0", submap);
    ret = hypercall(HC_XEN_VERSION, XENVER_get_features, ROM_PTR);
    check_rom_efault(code, "get_features into 0xfffff000 (ROM) is -EFAULT",
                     ret);
    ret = hypercall(HC_XEN_VERSION, XENVER_get_features, NO_RAM_PTR);
    check_eq(code, "get_features into 0x10000000 (no RAM) is -EFAULT", ret,
             -EFAULT);
}

/* ---- memory_op ---- */

struct add_to_physmap {             /* compat_xen_add_to_physmap */
    u16 domid, size;
    u32 space, idx, gpfn;
};

struct add_to_physmap_batch {       /* compat_xen_add_to_physmap_batch */
    u16 domid, space, size, extra;
    u32 idxs, gpfns, errs;          /* guest handles: 32-bit pointers */
};
OFFSET_IS(struct add_to_physmap_batch, idxs, 8);

static u32 add_to_physmap(u16 domid, u32 space, u32 idx, u32 gpfn)
{
    struct add_to_physmap x = { .domid = domid, .space = space, .idx = idx,
                                .gpfn = gpfn };

    return hypercall(HC_MEMORY_OP, XENMEM_add_to_physmap, (u32)&x);
}

static u32 add_to_physmap_batch(u16 domid, u16 space, u16 size,
                                const u32 *idxs, const u32 *gpfns, u32 errs)
{
    struct add_to_physmap_batch b = {
        .domid = domid, .space = space, .size = size,
        .idxs = (u32)idxs, .gpfns = (u32)gpfns, .errs = errs,
    };

    return hypercall(HC_MEMORY_OP, XENMEM_add_to_physmap_batch, (u32)&b);
}

/* How many bytes of page are not byte */
static u32 count_not(const u8 *page, u8 byte)
{
    u32 n = 0;

    for (u32 i = 0; i < PAGE_SIZE; i++) {
        n += peek8(page + i) != byte;
    }
    return n;
}

#define DOMID_QEMU                  0       /* the backend domain */
#define STORE_PFN                   0xfeff9 /* QEMU's xenstore page */

#define SHINFO_FILL     0x11
#define GNT_FILL        0x33
#define SHINFO_MARK     0x5eed1234
#define SHINFO_MARK_AT  (PAGE_SIZE - 4)     /* past struct shared_info */

/* -accel tcg,...,xen-gnttab-max-frames: 64 by default, 128 when tuned */
#define GNTTAB_MAX_FRAMES       (tuned ? 128 : 64)

static void check_memory_op(int code)
{
    u8 *a = shinfo_a, *b = shinfo_b;
    u32 ret;

    current_check = code;
    fill(shinfo_a, SHINFO_FILL, PAGE_SIZE);
    fill(shinfo_b, SHINFO_FILL + 1, PAGE_SIZE);
    fill(gnt_frame, GNT_FILL, sizeof(gnt_frame));

    ret = add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0,
                         gfn_of(shinfo_a));
    check_eq(code, "add_to_physmap(shared_info) at a page of ours", ret, 0);
    check(code, count_not(a, SHINFO_FILL) > 0,
          "... which no longer reads as what we wrote there",
          count_not(a, SHINFO_FILL));
    poke32(a + SHINFO_MARK_AT, SHINFO_MARK);

    ret = add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 0,
                         gfn_of(shinfo_b));
    check_eq(code, "add_to_physmap(shared_info) again, at another page",
             ret, 0);
    check_eq(code, "... which now holds what we wrote into shared_info",
             peek32(b + SHINFO_MARK_AT), SHINFO_MARK);
    check_eq(code, "... and the first page is our RAM again, bytes intact",
             count_not(a, SHINFO_FILL), 0);
    shinfo = b;

    ret = add_to_physmap(DOMID_OTHER, XENMAPSPACE_shared_info, 0,
                         gfn_of(shinfo_b));
    check_eq(code, "add_to_physmap for domain 5 is -ESRCH", ret, -ESRCH);
    ret = add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 1,
                         gfn_of(shinfo_b));
    check_eq(code, "add_to_physmap(shared_info) with idx 1 is -EINVAL", ret,
             -EINVAL);
    ret = add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn, 0, gfn_of(shinfo_a));
    check_eq(code, "add_to_physmap(gmfn) is -EOPNOTSUPP", ret, -EOPNOTSUPP);
    ret = add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn_foreign, 0,
                         gfn_of(shinfo_a));
    check_eq(code, "add_to_physmap(gmfn_foreign) is -EPERM", ret, -EPERM);
    ret = add_to_physmap(DOMID_SELF, 99, 0, gfn_of(shinfo_a));
    check_eq(code, "add_to_physmap of space 99 is -EINVAL", ret, -EINVAL);
    ret = hypercall(HC_MEMORY_OP, XENMEM_add_to_physmap, NO_RAM_PTR);
    check_eq(code, "add_to_physmap from 0x10000000 (no RAM) is -EFAULT", ret,
             -EFAULT);

    ret = add_to_physmap(DOMID_SELF, XENMAPSPACE_grant_table, 0,
                         gfn_of(gnt_frame[0]));
    check_eq(code, "add_to_physmap(grant_table frame 0)", ret, 0);
    const u8 *store = gnt_frame[0] +
                      GNTTAB_RESERVED_XENSTORE * GRANT_ENTRY_SIZE;
    u32 flags_domid = peek32(store);
    /* QEMU's xenstore has the page mapped: GTF_reading, GTF_writing too */
    check(code, peek32(gnt_frame[0]) == 0 && peek32(gnt_frame[0] + 4) == 0 &&
                (flags_domid & GTF_type_mask) == GTF_permit_access &&
                flags_domid >> 16 == DOMID_QEMU &&
                peek32(store + 4) == STORE_PFN,
          "... which reads as frame 0: entry 1 grants QEMU xenstore's page",
          peek32(store + 4));

    /* frame GNTTAB_MAX_FRAMES is past the frames a table may have */
    u32 idxs[2] = { 1, GNTTAB_MAX_FRAMES };
    u32 gpfns[2] = { gfn_of(gnt_frame[1]), gfn_of(gnt_frame[2]) };
    s32 errs[3] = { 0x7777, 0x7777, 0x7777 };
    ret = add_to_physmap_batch(DOMID_SELF, XENMAPSPACE_grant_table, 2, idxs,
                               gpfns, (u32)errs);
    check_eq(code, "add_to_physmap_batch of grant frames 1 and 64 "
             "(128 tuned)", ret, 0);
    check(code, errs[0] == 0 && errs[1] == -EINVAL && errs[2] == 0x7777,
          "... says 0 for frame 1, -EINVAL for the one past the table, "
          "nothing more", errs[1]);
    check(code, count_not(gnt_frame[1], 0) == 0 &&
                count_not(gnt_frame[2], GNT_FILL) == 0,
          "... and frame 1 is there (zeroes), not the other",
          count_not(gnt_frame[1], 0));
    ret = add_to_physmap_batch(DOMID_OTHER, XENMAPSPACE_grant_table, 1, idxs,
                               gpfns, (u32)errs);
    check_eq(code, "add_to_physmap_batch for domain 5 is -ESRCH", ret,
             -ESRCH);
    /* frame 1 where it is already: only the result has nowhere to go */
    ret = add_to_physmap_batch(DOMID_SELF, XENMAPSPACE_grant_table, 1, idxs,
                               gpfns, ROM_PTR);
    check_rom_efault(code, "add_to_physmap_batch with errs in ROM is -EFAULT",
                     ret);
    ret = add_to_physmap_batch(DOMID_SELF, XENMAPSPACE_grant_table, 1,
                               (const u32 *)NO_RAM_PTR, gpfns, (u32)errs);
    check_eq(code, "add_to_physmap_batch with idxs at 0x10000000 is -EFAULT",
             ret, -EFAULT);

    /* the e820 map: { nr_entries, buffer } of 20-byte entries */
    u32 map[2], e820[16 * 5];
    fill(e820, 0x5a, sizeof(e820));
    map[0] = 16;
    map[1] = (u32)e820;
    ret = hypercall(HC_MEMORY_OP, XENMEM_memory_map, (u32)map);
    check_eq(code, "memory_map into 16 entries", ret, 0);
    check(code, map[0] >= 1 && map[0] < 16 && e820[5 * map[0]] == 0x5a5a5a5a,
          "... says how many it wrote, and wrote no more", map[0]);
    u32 i, ram = 0;
    for (i = 0; i < map[0] && i < 16; i++) {
        u32 *e = e820 + 5 * i;
        if (e[0] == 0 && e[1] == 0 && (e[2] >= 0x100000 || e[3]) &&
            e[4] == 1) {
            ram = 1;
        }
    }
    check(code, ram, "... one is RAM from 0: QEMU's e820 map",
          e820[0] ^ e820[2] ^ e820[4] << 28);
    map[0] = 0;
    ret = hypercall(HC_MEMORY_OP, XENMEM_memory_map, (u32)map);
    check(code, ret == 0 && map[0] == 0,
          "memory_map into 0 entries writes none", map[0]);
    ret = hypercall(HC_MEMORY_OP, XENMEM_memory_map, NO_RAM_PTR);
    check_eq(code, "memory_map from 0x10000000 (no RAM) is -EFAULT", ret,
             -EFAULT);
}

/* ---- memory_op: the reservation, and its slack ---- */

struct memory_reservation {         /* compat_memory_reservation */
    u32 extent_start;               /* guest handle: a 32-bit pointer */
    u32 nr_extents, extent_order, mem_flags;
    u16 domid;
};

#define RAM_PAGES       (128 << 8)  /* -m 128 */
#define SLACK_PAGES     256         /* libxl's 1 MiB over the RAM */
#define NO_RAM_GFN      (NO_RAM_PTR >> 12)

static u32 reservation(u32 op)
{
    u16 domid = DOMID_SELF;

    return hypercall(HC_MEMORY_OP, op, (u32)&domid);
}

/* populate_physmap or decrease_reservation of one extent at @gfn */
static u32 one_extent(u32 op, u32 gfn, u32 order)
{
    struct memory_reservation r = {
        .extent_start = (u32)&gfn, .nr_extents = 1, .extent_order = order,
        .domid = DOMID_SELF,
    };

    return hypercall(HC_MEMORY_OP, op, (u32)&r);
}

static void check_reservation(int code)
{
    u8 *page = (u8 *)NO_RAM_PTR;
    u32 ret;

    check_eq(code, "current_reservation: the 128 MiB of RAM",
             reservation(XENMEM_current_reservation), RAM_PAGES);
    check_eq(code, "maximum_reservation: the RAM and 1 MiB of slack",
             reservation(XENMEM_maximum_reservation),
             RAM_PAGES + SLACK_PAGES);

    ret = one_extent(XENMEM_populate_physmap, NO_RAM_GFN, 0);
    check_eq(code, "populate_physmap at 0x10000000 (no RAM) puts a page",
             ret, 1);
    check_eq(code, "... counted in current_reservation",
             reservation(XENMEM_current_reservation), RAM_PAGES + 1);
    check_eq(code, "... which reads as zeroes", count_not(page, 0), 0);
    fill(page, 0xa5, PAGE_SIZE);
    check_eq(code, "... and holds what we write", count_not(page, 0xa5), 0);
    ret = one_extent(XENMEM_populate_physmap, NO_RAM_GFN, 0);
    check_eq(code, "populate_physmap there again does nothing", ret, 0);
    ret = one_extent(XENMEM_populate_physmap, gfn_of(shinfo_a), 0);
    check_eq(code, "populate_physmap of a page of RAM does nothing", ret, 0);
    ret = one_extent(XENMEM_decrease_reservation, NO_RAM_GFN, 0);
    check_eq(code, "decrease_reservation gives it back", ret, 1);
    check_eq(code, "... no longer counted",
             reservation(XENMEM_current_reservation), RAM_PAGES);
    check_eq(code, "... and nothing we wrote is there",
             count_not(page, 0xa5), PAGE_SIZE);

    /* an extent of 2^9 pages is more than the slack, one of 2^8 not */
    ret = one_extent(XENMEM_populate_physmap, NO_RAM_GFN, 9);
    check_eq(code, "populate_physmap of 512 pages is more than the slack",
             ret, 0);
    ret = one_extent(XENMEM_populate_physmap, NO_RAM_GFN + 256, 8);
    check_eq(code, "populate_physmap of 256 pages", ret, 1);
    ret = one_extent(XENMEM_populate_physmap, NO_RAM_GFN, 0);
    check_eq(code, "... and then of a 257th does nothing", ret, 0);
    check_eq(code, "current_reservation is the maximum",
             reservation(XENMEM_current_reservation),
             RAM_PAGES + SLACK_PAGES);
    ret = one_extent(XENMEM_decrease_reservation, NO_RAM_GFN + 256, 8);
    check_eq(code, "decrease_reservation gives the 256 back", ret, 1);
    check_eq(code, "... and current_reservation is the RAM again",
             reservation(XENMEM_current_reservation), RAM_PAGES);
}

/* ---- hvm_op ---- */

/* the callback as vector 0xf3 (type 2): never taken here, with IF=0 */
#define CALLBACK_VECTOR_F3              CALLBACK(CALLBACK_VECTOR, 0xf3)

struct upcall_vector {
    u32 vcpu;
    u8 vector;
};

static u32 hvm_param(u32 op, u16 domid, u32 index, u64 *value)
{
    struct hvm_param p = { .domid = domid, .index = index, .value = *value };
    u32 ret = hypercall(HC_HVM_OP, op, (u32)&p);

    *value = p.value;
    return ret;
}

static u32 upcall_vector(u32 vcpu, u8 vector)
{
    struct upcall_vector u = { vcpu, vector };

    return hypercall(HC_HVM_OP, HVMOP_set_evtchn_upcall_vector, (u32)&u);
}

/* xenstore's event channel, as hvm_op says */
static u32 store_port;

static void check_hvm_op(int code)
{
    u64 v;
    u32 ret;

    current_check = code;
    v = ~0ull;
    ret = hvm_param(HVMOP_get_param, DOMID_SELF, HVM_PARAM_STORE_PFN, &v);
    check(code, ret == 0 && v == STORE_PFN,
          "get_param(HVM_PARAM_STORE_PFN) is 0xfeff9", v);
    v = ~0ull;
    ret = hvm_param(HVMOP_get_param, DOMID_SELF, HVM_PARAM_STORE_EVTCHN, &v);
    check(code, ret == 0 && v && v < NR_PORTS,
          "get_param(HVM_PARAM_STORE_EVTCHN) is a port", v);
    store_port = v;
    ret = hvm_param(HVMOP_get_param, DOMID_SELF, HVM_NR_PARAMS, &v);
    check_eq(code, "get_param of parameter 39 is -EINVAL", ret, -EINVAL);
    ret = hvm_param(HVMOP_get_param, DOMID_OTHER, HVM_PARAM_STORE_PFN, &v);
    check_eq(code, "get_param for domain 5 is -ESRCH", ret, -ESRCH);
    ret = hypercall(HC_HVM_OP, HVMOP_get_param, NO_RAM_PTR);
    check_eq(code, "get_param at 0x10000000 (no RAM) is -EFAULT", ret,
             -EFAULT);

    v = CALLBACK_VECTOR_F3;
    ret = hvm_param(HVMOP_set_param, DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, &v);
    check_eq(code, "set_param(HVM_PARAM_CALLBACK_IRQ, vector 0xf3)", ret, 0);
    v = 0;
    ret = hvm_param(HVMOP_get_param, DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, &v);
    check64(code, ret == 0 && v == CALLBACK_VECTOR_F3,
            "... which get_param reads back", v);
    v = 0;
    ret = hvm_param(HVMOP_set_param, DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, &v);
    check_eq(code, "set_param(HVM_PARAM_CALLBACK_IRQ, none)", ret, 0);
    v = ~0ull;
    ret = hvm_param(HVMOP_get_param, DOMID_SELF, HVM_PARAM_CALLBACK_IRQ, &v);
    check64(code, ret == 0 && v == 0, "... which get_param reads back", v);
    v = 0x1000;
    ret = hvm_param(HVMOP_set_param, DOMID_SELF, HVM_PARAM_STORE_PFN, &v);
    check_eq(code, "set_param(HVM_PARAM_STORE_PFN) is -EPERM", ret, -EPERM);
    ret = hvm_param(HVMOP_set_param, DOMID_SELF, HVM_NR_PARAMS, &v);
    check_eq(code, "set_param of parameter 39 is -EINVAL", ret, -EINVAL);
    v = 0;
    ret = hvm_param(HVMOP_set_param, DOMID_OTHER, HVM_PARAM_CALLBACK_IRQ, &v);
    check_eq(code, "set_param for domain 5 is -ESRCH", ret, -ESRCH);

    ret = upcall_vector(0, 0x0f);
    check_eq(code, "set_evtchn_upcall_vector with vector 0x0f is -EINVAL",
             ret, -EINVAL);
    ret = upcall_vector(5, 0xf3);
    check_eq(code, "set_evtchn_upcall_vector for vCPU 5 (none) is -EINVAL",
             ret, -EINVAL);
    ret = hypercall(HC_HVM_OP, HVMOP_set_evtchn_upcall_vector, NO_RAM_PTR);
    check_eq(code, "set_evtchn_upcall_vector from 0x10000000 is -EFAULT",
             ret, -EFAULT);
    /* upcalls become vector 0xf3 in the local APIC, never taken (IF=0) */
    ret = upcall_vector(0, 0xf3);
    check_eq(code, "set_evtchn_upcall_vector(vCPU 0, 0xf3)", ret, 0);

    ret = hypercall(HC_HVM_OP, HVMOP_pagetable_dying, 0);
    check_eq(code, "hvm_op(HVMOP_pagetable_dying) is -ENOSYS", ret, -ENOSYS);
}

/* ---- grant_table_op ---- */

#define NO_GFN32                0xffffffff      /* INVALID_GFN, cut */

struct gnttab_query_size {
    u16 dom, pad;
    u32 nr_frames, max_nr_frames;
    s16 status;
};

struct gnttab_setup_table {         /* compat: a 32-bit frame_list */
    u16 dom, pad;
    u32 nr_frames;
    s16 status;
    u16 pad2;
    u32 frame_list;
};
OFFSET_IS(struct gnttab_setup_table, frame_list, 12);

struct gnttab_get_version {
    u16 dom, pad;
    u32 version;
};

static u32 gnttab(u32 op, void *arg, u32 count)
{
    return hypercall3(HC_GRANT_TABLE_OP, op, (u32)arg, count);
}

static u32 query_size(u16 dom, struct gnttab_query_size *q, u32 count)
{
    *q = (struct gnttab_query_size){ .dom = dom, .nr_frames = 0x7777,
                                     .max_nr_frames = 0x7777,
                                     .status = 0x777 };
    return gnttab(GNTTABOP_query_size, q, count);
}

static u32 setup_table(u16 dom, u32 nr_frames, u32 list, s16 *status)
{
    struct gnttab_setup_table st = { .dom = dom, .nr_frames = nr_frames,
                                     .status = 0x777, .frame_list = list };
    u32 ret = gnttab(GNTTABOP_setup_table, &st, 1);

    *status = st.status;
    return ret;
}

static void check_grant_table_op(int code)
{
    struct gnttab_query_size q;
    u32 ret;

    current_check = code;
    ret = query_size(DOMID_SELF, &q, 1);
    check(code, ret == 0 && q.status == GNTST_okay,
          "GNTTABOP_query_size succeeds", ret);
    check_eq(code, tuned ? "... max_nr_frames is 128 (xen-gnttab-max-frames)"
                         : "... max_nr_frames is 64", q.max_nr_frames,
             GNTTAB_MAX_FRAMES);
    check_eq(code, "... nr_frames is 2, as memory_op mapped", q.nr_frames, 2);
    ret = query_size(DOMID_OTHER, &q, 1);
    check(code, ret == 0 && q.status == GNTST_bad_domain,
          "query_size for domain 5: status GNTST_bad_domain", q.status);
    ret = query_size(DOMID_SELF, &q, 2);
    check_eq(code, "query_size with count 2 is -EINVAL", ret, -EINVAL);
    ret = query_size(DOMID_SELF, &q, 0);
    check_eq(code, "query_size with count 0 is -EINVAL", ret, -EINVAL);
    ret = gnttab(GNTTABOP_query_size, (void *)NO_RAM_PTR, 1);
    check_eq(code, "query_size at 0x10000000 (no RAM) is -EFAULT", ret,
             -EFAULT);

    u32 version = 1;
    ret = gnttab(GNTTABOP_set_version, &version, 1);
    check_eq(code, "GNTTABOP_set_version(1) succeeds", ret, 0);
    version = 2;
    ret = gnttab(GNTTABOP_set_version, &version, 1);
    check(code, (s32)ret < 0, "GNTTABOP_set_version(2) fails", ret);
    struct gnttab_get_version gv = { .dom = DOMID_SELF };
    ret = gnttab(GNTTABOP_get_version, &gv, 1);
    check(code, ret == 0 && gv.version == 1,
          "GNTTABOP_get_version: still version 1", gv.version);
    gv.dom = DOMID_OTHER;
    ret = gnttab(GNTTABOP_get_version, &gv, 1);
    check_eq(code, "get_version for domain 5 is -ESRCH", ret, -ESRCH);

    u32 list[4] = { 0x7777, 0x7777, 0x7777, 0x7777 };
    s16 status;
    ret = setup_table(DOMID_SELF, 3, (u32)list, &status);
    check(code, ret == 0 && status == GNTST_okay,
          "GNTTABOP_setup_table for 3 frames succeeds", status);
    check(code, list[0] == gfn_of(gnt_frame[0]) &&
                list[1] == gfn_of(gnt_frame[1]) && list[2] == NO_GFN32 &&
                list[3] == 0x7777,
          "... and lists frames 0 and 1 where mapped, frame 2 as invalid",
          list[1]);
    ret = setup_table(DOMID_SELF, GNTTAB_MAX_FRAMES + 1, (u32)list, &status);
    check(code, ret == 0 && status == GNTST_general_error,
          "setup_table for 65 frames: status GNTST_general_error", status);
    ret = setup_table(DOMID_OTHER, 1, (u32)list, &status);
    check(code, ret == 0 && status == GNTST_bad_domain,
          "setup_table for domain 5: status GNTST_bad_domain", status);
    ret = setup_table(DOMID_SELF, 1, ROM_PTR, &status);
    check_rom_efault(code, "setup_table with frame_list in ROM is -EFAULT",
                     ret);

    ret = gnttab(GNTTABOP_map_grant_ref, list, 1);
    check_eq(code, "GNTTABOP_map_grant_ref is -ENOSYS", ret, -ENOSYS);
    ret = gnttab(GNTTABOP_copy, list, 1);
    check_eq(code, "GNTTABOP_copy is -ENOSYS", ret, -ENOSYS);
}

/* ---- event_channel_op ---- */

#define NO_VCPU                 7       /* the VM has vCPU 0 only */

struct evtchn_alloc_unbound {
    u16 dom, remote_dom;
    u32 port;
};

struct evtchn_status {
    u16 dom, pad;
    u32 port;
    u32 status, vcpu;
    union {
        u16 unbound_dom;
        struct {
            u16 dom, pad;
            u32 port;
        } interdomain;
        u32 virq;
    } u;
};
OFFSET_IS(struct evtchn_status, u, 16);

struct evtchn_bind_virq {
    u32 virq, vcpu, port;
};

struct evtchn_two {         /* bind_ipi {vcpu, port}, bind_vcpu {port, vcpu} */
    u32 a, b;
};

static u32 evtchn(u32 op, void *arg)
{
    return hypercall(HC_EVENT_CHANNEL_OP, op, (u32)arg);
}

/* close, send, unmask: their argument is the port alone */
static u32 port_op(u32 op, u32 port)
{
    return evtchn(op, &port);
}

static u32 alloc_unbound(u16 dom, u32 *port)
{
    struct evtchn_alloc_unbound a = { .dom = dom, .remote_dom = DOMID_QEMU };
    u32 ret = evtchn(EVTCHNOP_alloc_unbound, &a);

    *port = a.port;
    return ret;
}

static u32 port_status(u16 dom, u32 port, struct evtchn_status *st)
{
    *st = (struct evtchn_status){ .dom = dom, .port = port,
                                  .status = 0x7777, .vcpu = 0x7777 };
    return evtchn(EVTCHNOP_status, st);
}

/* A call that gave a port: it succeeded, and the port is one of ours */
static void check_new_port(int code, const char *what, u32 ret, u32 port)
{
    check(code, ret == 0 && port && port < NR_PORTS, what, ret ? ret : port);
}

/* Whether port has status want; the check shows the status it has */
static void check_status(int code, const char *what, u32 port, u32 want)
{
    struct evtchn_status st;
    u32 ret = port_status(DOMID_SELF, port, &st);

    check(code, ret == 0 && st.status == want, what,
          ret ? ret : st.status);
}

static u32 bind_ipi(u32 vcpu, u32 *port)
{
    struct evtchn_two b = { vcpu, 0 };
    u32 ret = evtchn(EVTCHNOP_bind_ipi, &b);

    *port = b.b;
    return ret;
}

static u32 bind_virq(u32 virq, u32 vcpu, u32 *port)
{
    struct evtchn_bind_virq b = { virq, vcpu, 0 };
    u32 ret = evtchn(EVTCHNOP_bind_virq, &b);

    *port = b.port;
    return ret;
}

static u32 bind_vcpu(u32 port, u32 vcpu)
{
    struct evtchn_two b = { port, vcpu };

    return evtchn(EVTCHNOP_bind_vcpu, &b);
}

/* A port's bit in one of shared_info's bitmaps (SHINFO_PENDING, _MASK) */
static u32 *port_word(u32 bitmap, u32 port)
{
    return (u32 *)(shinfo + bitmap) + port / 32;
}

static int port_bit(u32 bitmap, u32 port)
{
    return peek32(port_word(bitmap, port)) >> (port % 32) & 1;
}

/* QEMU sets bits at any time: only locked instructions here */
static void set_port_bit(u32 bitmap, u32 port)
{
    __atomic_fetch_or(port_word(bitmap, port), 1u << port % 32,
                      __ATOMIC_SEQ_CST);
}

static void clear_port_bit(u32 bitmap, u32 port)
{
    __atomic_fetch_and(port_word(bitmap, port), ~(1u << port % 32),
                       __ATOMIC_SEQ_CST);
}

/* vCPU 0's vcpu_info: its slot in shared_info, or where it registered one */
static u8 *vcpu_info;

static void clear_upcall(u8 *vi)
{
    poke8(vi + VI_UPCALL_PENDING, 0);
    poke32(vi + VI_PENDING_SEL, 0);
}

static int upcall_pending(const u8 *vi)
{
    return peek8(vi + VI_UPCALL_PENDING);
}

/* Did port's event reach vi: upcall pending, the port's selector bit? */
static int upcall_for(const u8 *vi, u32 port)
{
    return upcall_pending(vi) == 1 &&
           (peek32(vi + VI_PENDING_SEL) >> (port / 32) & 1);
}

/* The FIFO ABI: vCPU 0's control block, and one event array page */
static u8 fifo_cb_page[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static u8 fifo_array[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
#define FIFO_CB_OFFSET              8
#define fifo_cb                     (fifo_cb_page + FIFO_CB_OFFSET)

struct evtchn_init_control {
    u64 control_gfn;
    u32 offset, vcpu;
    u8 link_bits, pad[7];
};
OFFSET_IS(struct evtchn_init_control, link_bits, 16);

static u32 init_control(u64 gfn, u32 offset, u32 vcpu, u8 *link_bits)
{
    struct evtchn_init_control c = { gfn, offset, vcpu, 0x55 };
    u32 ret = evtchn(EVTCHNOP_init_control, &c);

    *link_bits = c.link_bits;
    return ret;
}

static u32 expand_array(u64 gfn)
{
    return evtchn(EVTCHNOP_expand_array, &gfn);
}

static u32 set_priority(u32 port, u32 priority)
{
    struct evtchn_two p = { port, priority };

    return evtchn(EVTCHNOP_set_priority, &p);
}

static u32 *fifo_word(u32 port)
{
    return (u32 *)fifo_array + port;
}

static u32 fifo_head(u32 priority)
{
    return peek32(fifo_cb + FIFO_CB_HEAD + 4 * priority);
}

static u32 poll(u32 ports, u32 nr_ports);

/*
 * SCHEDOP_poll sleeps up to 50 ms while none of its ports is pending:
 * ten million TSC ticks are 50 ms at 200 MHz, and far more than a poll
 * that returns at once takes
 */
#define POLL_AT_ONCE_TICKS          10000000ull

/* What the guest does when it has consumed every queue */
static void fifo_consumed(void)
{
    for (int i = 0; i < PAGE_SIZE; i += 4) {
        poke32(fifo_array + i, 0);
    }
    for (int i = 0; i < FIFO_CB_SIZE; i += 4) {
        poke32(fifo_cb + i, 0);
    }
    clear_upcall(vcpu_info);
}

/*
 * EVTCHNOP_init_control, expand_array and set_priority, and events
 * through the FIFO queues: QEMU links them, the test consumes them.
 */
static void check_fifo(int code)
{
    struct evtchn_status st;
    u32 ipi, ipi2, ret, i;
    u8 bits;

    ret = expand_array(gfn_of(fifo_array));
    check_eq(code, "FIFO: expand_array before init_control is -EOPNOTSUPP",
             ret, -EOPNOTSUPP);
    ret = set_priority(1, 3);
    check_eq(code, "FIFO: set_priority under 2-level is -ENOSYS", ret,
             -ENOSYS);
    ret = init_control(gfn_of(fifo_cb_page), 4, 0, &bits);
    check_eq(code, "FIFO: init_control at offset 4 is -EINVAL", ret, -EINVAL);
    ret = init_control(gfn_of(fifo_cb_page), PAGE_SIZE - 64, 0, &bits);
    check_eq(code, "FIFO: init_control across the page end is -EINVAL", ret,
             -EINVAL);
    ret = init_control(gfn_of(fifo_cb_page), 0, NO_VCPU, &bits);
    check_eq(code, "FIFO: init_control for vCPU 7 (none) is -ENOENT", ret,
             -ENOENT);
    ret = init_control(ROM_PTR / PAGE_SIZE, 0, 0, &bits);
    check_eq(code, "FIFO: init_control in the BIOS ROM is -EINVAL", ret,
             -EINVAL);
    ret = init_control(NO_RAM_PTR / PAGE_SIZE, 0, 0, &bits);
    check_eq(code, "FIFO: init_control past RAM is -EINVAL", ret, -EINVAL);
    ret = init_control(0xfee00, 0, 0, &bits);
    check_eq(code, "FIFO: init_control on the local APIC is -EINVAL", ret,
             -EINVAL);
    ret = init_control(~1ull, 0, 0, &bits);
    check_eq(code, "FIFO: init_control of gfn 2^64 - 2 is -EINVAL", ret,
             -EINVAL);
    ret = expand_array(gfn_of(fifo_array));
    check_eq(code, "FIFO: ... which leave the guest on 2-level",
             ret, -EOPNOTSUPP);

    ret = bind_ipi(0, &ipi);
    check_new_port(code, "FIFO: bind_ipi before the switch", ret, ipi);
    clear_port_bit(SHINFO_PENDING, ipi);
    clear_port_bit(SHINFO_MASK, ipi);
    set_port_bit(SHINFO_MASK, ipi);
    ret = port_op(EVTCHNOP_send, ipi);
    check(code, ret == 0 && port_bit(SHINFO_PENDING, ipi),
          "FIFO: an event pending (masked) under 2-level", ret);
    clear_port_bit(SHINFO_MASK, ipi);

    fifo_consumed();
    ret = init_control(gfn_of(fifo_cb_page), FIFO_CB_OFFSET, 0, &bits);
    check(code, ret == 0 && bits == FIFO_LINK_BITS,
          "FIFO: init_control for vCPU 0: 17 link bits", ret ? ret : bits);
    ret = init_control(gfn_of(fifo_cb_page), FIFO_CB_OFFSET, 0, &bits);
    check_eq(code, "FIFO: init_control again is -EINVAL", ret, -EINVAL);
    ret = set_priority(ipi, 16);
    check_eq(code, "FIFO: set_priority 16 is -EINVAL", ret, -EINVAL);
    ret = set_priority(4096, 3);
    check_eq(code, "FIFO: set_priority of port 4096 is -EINVAL", ret,
             -EINVAL);
    ret = set_priority(0, 3);
    check_eq(code, "FIFO: set_priority of port 0 is -EINVAL", ret, -EINVAL);
    ret = set_priority(ipi, 3);
    check_eq(code, "FIFO: set_priority 3", ret, 0);
    check(code, !upcall_pending(vcpu_info) &&
                peek32(fifo_cb + FIFO_CB_READY) == 0,
          "FIFO: no event array page: nothing queued yet", ret);
    ret = expand_array(ROM_PTR / PAGE_SIZE);
    check_eq(code, "FIFO: expand_array in the BIOS ROM is -EINVAL", ret,
             -EINVAL);
    ret = expand_array(gfn_of(fifo_array));
    check(code, ret == 0 &&
                peek32(fifo_word(ipi)) == (FIFO_PENDING | FIFO_LINKED) &&
                fifo_head(3) == ipi &&
                peek32(fifo_cb + FIFO_CB_READY) == 1u << 3 &&
                upcall_pending(vcpu_info),
          "FIFO: expand_array queues the events that waited for it, "
          "those from 2-level too", peek32(fifo_word(ipi)));

    fifo_consumed();
    poke32(fifo_word(ipi), FIFO_MASKED);
    ret = port_op(EVTCHNOP_send, ipi);
    check(code, ret == 0 && peek32(fifo_word(ipi)) ==
                            (FIFO_PENDING | FIFO_MASKED) &&
                !upcall_pending(vcpu_info) && !fifo_head(3),
          "FIFO: send to the port masked: pending, not queued, no upcall",
          peek32(fifo_word(ipi)));
    ret = port_op(EVTCHNOP_unmask, ipi);
    check(code, ret == 0 && peek32(fifo_word(ipi)) ==
                            (FIFO_PENDING | FIFO_LINKED) &&
                fifo_head(3) == ipi && upcall_pending(vcpu_info),
          "FIFO: unmask queues it and raises the upcall",
          peek32(fifo_word(ipi)));

    fifo_consumed();
    ret = bind_ipi(0, &ipi2);
    check_new_port(code, "FIFO: bind_ipi of a second port", ret, ipi2);
    ret = port_op(EVTCHNOP_send, ipi2);
    check(code, ret == 0 && fifo_head(FIFO_PRIORITY_DEFAULT) == ipi2 &&
                peek32(fifo_cb + FIFO_CB_READY) ==
                    1u << FIFO_PRIORITY_DEFAULT,
          "FIFO: a new port has the default priority, 7", ret);
    ret = set_priority(ipi2, 3);
    check_eq(code, "FIFO: set_priority 3 of the second port", ret, 0);
    fifo_consumed();
    ret = port_op(EVTCHNOP_send, ipi);
    ret |= port_op(EVTCHNOP_send, ipi2);
    ret |= port_op(EVTCHNOP_send, ipi);
    check(code, ret == 0 && fifo_head(3) == ipi &&
                peek32(fifo_word(ipi)) ==
                    (FIFO_PENDING | FIFO_LINKED | ipi2) &&
                peek32(fifo_word(ipi2)) == (FIFO_PENDING | FIFO_LINKED),
          "FIFO: two sends and a third: the queue is head, LINK, tail",
          peek32(fifo_word(ipi)));
    /* the guest takes the head; the next event links behind the tail */
    poke32(fifo_word(ipi), 0);
    ret = port_op(EVTCHNOP_send, ipi);
    check(code, ret == 0 &&
                peek32(fifo_word(ipi2)) ==
                    (FIFO_PENDING | FIFO_LINKED | ipi) &&
                fifo_head(3) == ipi,
          "FIFO: an event consumed and sent again goes behind the tail",
          peek32(fifo_word(ipi2)));
    /* the guest empties the queue: the next event is a new head */
    fifo_consumed();
    ret = port_op(EVTCHNOP_send, ipi2);
    check(code, ret == 0 && fifo_head(3) == ipi2 &&
                peek32(fifo_word(ipi2)) == (FIFO_PENDING | FIFO_LINKED) &&
                upcall_pending(vcpu_info),
          "FIFO: once the guest emptied the queue, a new head and upcall",
          fifo_head(3));
    check(code, !port_bit(SHINFO_PENDING, ipi2),
          "FIFO: ... and nothing in the 2-level bitmap", ipi2);
    clear_upcall(vcpu_info);
    u64 t0 = rdtsc();
    ret = poll((u32)&ipi2, 1);
    u64 ticks = rdtsc() - t0;
    check(code, ret == 0 && ticks < POLL_AT_ONCE_TICKS,
          "FIFO: SCHEDOP_poll of the port pending returns at once",
          ret ? ret : (u32)(ticks >> 10));
    fifo_consumed();

    ret = port_op(EVTCHNOP_close, ipi2);
    ret |= port_op(EVTCHNOP_close, ipi);
    check_eq(code, "FIFO: close both ports", ret, 0);
    for (i = 1; i < FIFO_MAX_PAGES; i++) {
        ret = expand_array(gfn_of(fifo_array));
        if (ret) {
            break;
        }
    }
    check(code, i == FIFO_MAX_PAGES, "FIFO: 128 event array pages in all",
          ret);
    ret = expand_array(gfn_of(fifo_array));
    check_eq(code, "FIFO: a 129th page is -ENOSPC", ret, -ENOSPC);
    ret = port_status(DOMID_SELF, NR_PORTS, &st);
    check_eq(code, "FIFO: port 1024 is a port now (closed)", ret, 0);
    i = NR_PORTS;
    ret = poll((u32)&i, 1);
    check_eq(code, "FIFO: ... which SCHEDOP_poll takes", ret, 0);
}

static void check_event_channel_op(int code)
{
    struct evtchn_status st;
    u32 unbound, ipi, virq, port, ret;

    current_check = code;
    vcpu_info = shinfo;         /* vCPU 0's slot: it has not registered one */

    ret = alloc_unbound(DOMID_SELF, &unbound);
    check_new_port(code, "EVTCHNOP_alloc_unbound for QEMU gives a port", ret,
                   unbound);
    ret = port_status(DOMID_SELF, unbound, &st);
    check(code, ret == 0 && st.status == EVTCHNSTAT_unbound &&
                st.u.unbound_dom == DOMID_QEMU,
          "EVTCHNOP_status: unbound, for domain 0", st.status);
    ret = alloc_unbound(DOMID_OTHER, &port);
    check_eq(code, "alloc_unbound for domain 5 is -ESRCH", ret, -ESRCH);
    ret = evtchn(EVTCHNOP_alloc_unbound, (void *)NO_RAM_PTR);
    check_eq(code, "alloc_unbound at 0x10000000 (no RAM) is -EFAULT", ret,
             -EFAULT);
    ret = port_status(DOMID_SELF, store_port, &st);
    check(code, ret == 0 && st.status == EVTCHNSTAT_interdomain &&
                st.u.interdomain.dom == DOMID_QEMU,
          "xenstore's port is interdomain, to domain 0", st.status);

    ret = bind_ipi(0, &ipi);
    check_new_port(code, "EVTCHNOP_bind_ipi gives a port", ret, ipi);
    ret = port_status(DOMID_SELF, ipi, &st);
    check(code, ret == 0 && st.status == EVTCHNSTAT_ipi && st.vcpu == 0,
          "... whose status is IPI, vCPU 0", st.status);
    ret = bind_ipi(NO_VCPU, &port);
    check_eq(code, "bind_ipi for vCPU 7 (none) is -ENOENT", ret, -ENOENT);

    clear_port_bit(SHINFO_PENDING, ipi);
    clear_port_bit(SHINFO_MASK, ipi);
    clear_upcall(vcpu_info);
    ret = port_op(EVTCHNOP_send, ipi);
    check_eq(code, "EVTCHNOP_send to the IPI port", ret, 0);
    check(code, port_bit(SHINFO_PENDING, ipi) && upcall_for(vcpu_info, ipi),
          "... sets its bit at shared_info+2048, and the upcall flags",
          peek32(port_word(SHINFO_PENDING, ipi)));

    clear_port_bit(SHINFO_PENDING, ipi);
    clear_upcall(vcpu_info);
    set_port_bit(SHINFO_MASK, ipi);
    ret = port_op(EVTCHNOP_send, ipi);
    check(code, ret == 0 && port_bit(SHINFO_PENDING, ipi) &&
                !upcall_pending(vcpu_info),
          "send to the port masked: pending, no upcall", ret);
    ret = port_op(EVTCHNOP_unmask, ipi);
    check(code, ret == 0 && !port_bit(SHINFO_MASK, ipi) &&
                upcall_for(vcpu_info, ipi),
          "EVTCHNOP_unmask clears the mask and raises the upcall", ret);
    clear_port_bit(SHINFO_PENDING, ipi);
    clear_upcall(vcpu_info);
    ret = port_op(EVTCHNOP_send, unbound);
    check(code, ret == 0 && !port_bit(SHINFO_PENDING, unbound),
          "send to the unbound port: dropped", ret);

    ret = bind_virq(VIRQ_TIMER, 0, &virq);
    check_new_port(code, "EVTCHNOP_bind_virq(VIRQ_TIMER) gives a port", ret,
                   virq);
    ret = port_status(DOMID_SELF, virq, &st);
    check(code, ret == 0 && st.status == EVTCHNSTAT_virq &&
                st.u.virq == VIRQ_TIMER,
          "... whose status is VIRQ, VIRQ_TIMER", st.status);
    ret = bind_virq(VIRQ_TIMER, 0, &port);
    check_eq(code, "bind_virq(VIRQ_TIMER) again is -EEXIST", ret, -EEXIST);
    ret = bind_virq(NR_VIRQS, 0, &port);
    check_eq(code, "bind_virq of VIRQ 24 is -EINVAL", ret, -EINVAL);
    ret = bind_virq(VIRQ_TIMER, NO_VCPU, &port);
    check_eq(code, "bind_virq for vCPU 7 (none) is -ENOENT", ret, -ENOENT);

    ret = bind_vcpu(unbound, 0);
    check_eq(code, "EVTCHNOP_bind_vcpu of the unbound port to vCPU 0", ret,
             0);
    ret = bind_vcpu(unbound, NO_VCPU);
    check_eq(code, "bind_vcpu to vCPU 7 (none) is -ENOENT", ret, -ENOENT);
    ret = bind_vcpu(ipi, 0);
    check_eq(code, "bind_vcpu of an IPI port is -EINVAL", ret, -EINVAL);

    ret = port_op(EVTCHNOP_close, ipi);
    check_eq(code, "EVTCHNOP_close of the IPI port", ret, 0);
    check_status(code, "... whose status is closed now", ipi,
                 EVTCHNSTAT_closed);
    ret = port_op(EVTCHNOP_send, ipi);
    check_eq(code, "send to the closed port is -EINVAL", ret, -EINVAL);
    ret = port_op(EVTCHNOP_close, ipi);
    check(code, (s32)ret < 0, "closing it again fails", ret);

    ret = port_status(DOMID_SELF, 0, &st);
    check_eq(code, "status of port 0 is -EINVAL", ret, -EINVAL);
    ret = port_status(DOMID_SELF, NR_PORTS, &st);
    check_eq(code, "status of port 1024 is -EINVAL", ret, -EINVAL);
    ret = port_status(DOMID_OTHER, unbound, &st);
    check_eq(code, "status for domain 5 is -ESRCH", ret, -ESRCH);
    ret = evtchn(EVTCHNOP_status, (void *)NO_RAM_PTR);
    check_eq(code, "status at 0x10000000 (no RAM) is -EFAULT", ret, -EFAULT);
    ret = port_op(EVTCHNOP_send, NR_PORTS);
    check_eq(code, "send to port 1024 is -EINVAL", ret, -EINVAL);
    ret = port_op(EVTCHNOP_unmask, NR_PORTS);
    check_eq(code, "unmask of port 1024 is -EINVAL", ret, -EINVAL);

    check_fifo(code);
    ret = evtchn(99, &port);
    check_eq(code, "event_channel_op 99 is -ENOSYS", ret, -ENOSYS);

    u16 dom = DOMID_OTHER;
    ret = evtchn(EVTCHNOP_reset, &dom);
    check_eq(code, "EVTCHNOP_reset of domain 5 is -ESRCH", ret, -ESRCH);
    dom = DOMID_SELF;
    ret = evtchn(EVTCHNOP_reset, &dom);
    check_eq(code, "EVTCHNOP_reset of our own ports", ret, 0);
    check_status(code, "... closes the unbound port", unbound,
                 EVTCHNSTAT_closed);
    check_status(code, "... the VIRQ port", virq, EVTCHNSTAT_closed);
    check_status(code, "... and xenstore's", store_port, EVTCHNSTAT_closed);
    ret = expand_array(gfn_of(fifo_array));
    check_eq(code, "... and goes back to 2-level (expand_array -EOPNOTSUPP)",
             ret, -EOPNOTSUPP);
    ret = port_status(DOMID_SELF, NR_PORTS, &st);
    check_eq(code, "... where status of port 1024 is -EINVAL again", ret,
             -EINVAL);
    ret = alloc_unbound(DOMID_SELF, &port);
    check(code, ret == 0 && port == 1,
          "... so that alloc_unbound gets port 1 again", ret ? ret : port);
    ret = port_op(EVTCHNOP_close, port);
    check_eq(code, "close of that port", ret, 0);
}

/* ---- physdev_op ---- */

/* QEMU's xen-evtchn-max-pirq: 256 by default, 512 when tuned */
#define NR_PIRQS                    (tuned ? 512u : 256u)
#define IOAPIC_PINS                 24
#define UNUSED_GSI                  7       /* LPT1's: no such device here */
#define HUGE_PIRQ                   0x7fffffff

struct physdev_map_pirq {           /* compat: table_base right after */
    u16 domid, pad;
    s32 type, index, pirq, bus, devfn, entry_nr;
    u64 table_base;
};
OFFSET_IS(struct physdev_map_pirq, table_base, 28);

struct physdev_unmap_pirq {
    u16 domid, pad;
    s32 pirq;
};

static u32 physdev(u32 op, void *arg)
{
    return hypercall(HC_PHYSDEV_OP, op, (u32)arg);
}

/* irq_status_query {irq, flags}, get_free_pirq {type, pirq}, eoi {irq} */
static u32 physdev2(u32 op, u32 in, u32 *out)
{
    u32 arg[2] = { in, 0x7777 };
    u32 ret = physdev(op, arg);

    *out = arg[1];
    return ret;
}

static u32 map_gsi(s32 type, s32 gsi, s32 *pirq)
{
    struct physdev_map_pirq m = { .domid = DOMID_SELF, .type = type,
                                  .index = gsi, .pirq = -1 };
    u32 ret = physdev(PHYSDEVOP_map_pirq, &m);

    *pirq = m.pirq;
    return ret;
}

static void check_physdev_op(int code)
{
    u32 pirq, flags, ret;
    s32 gsi_pirq;

    current_check = code;
    ret = physdev2(PHYSDEVOP_get_free_pirq, MAP_PIRQ_TYPE_MSI, &pirq);
    check(code, ret == 0 && pirq < NR_PIRQS,
          "PHYSDEVOP_get_free_pirq gives a PIRQ", ret ? ret : pirq);
    ret = physdev2(PHYSDEVOP_irq_status_query, pirq, &flags);
    check(code, ret == 0 && flags == 0,
          "PHYSDEVOP_irq_status_query of it: no EOI needed", ret);

    ret = map_gsi(MAP_PIRQ_TYPE_GSI, UNUSED_GSI, &gsi_pirq);
    check(code, ret == 0 && gsi_pirq >= 0 && gsi_pirq < (s32)NR_PIRQS,
          "PHYSDEVOP_map_pirq of GSI 7 gives a PIRQ",
          ret ? ret : (u32)gsi_pirq);
    ret = physdev2(PHYSDEVOP_irq_status_query, gsi_pirq, &flags);
    check(code, ret == 0 && flags == XENIRQSTAT_needs_eoi,
          "... whose status says it needs EOIs", ret ? ret : flags);
    ret = physdev2(PHYSDEVOP_eoi, gsi_pirq, &flags);
    check_eq(code, "... and PHYSDEVOP_eoi of it succeeds", ret, 0);
    struct physdev_unmap_pirq u = { .domid = DOMID_SELF, .pirq = gsi_pirq };
    ret = physdev(PHYSDEVOP_unmap_pirq, &u);
    check_eq(code, "PHYSDEVOP_unmap_pirq of it", ret, 0);
    s32 none;
    ret = map_gsi(MAP_PIRQ_TYPE_GSI, IOAPIC_PINS, &none);
    check_eq(code, "map_pirq of GSI 24 (no such pin) is -EINVAL", ret,
             -EINVAL);

    ret = physdev2(PHYSDEVOP_irq_status_query, HUGE_PIRQ, &flags);
    check_eq(code, "irq_status_query of PIRQ 0x7fffffff is -EINVAL", ret,
             -EINVAL);
    ret = physdev2(PHYSDEVOP_eoi, HUGE_PIRQ, &flags);
    check_eq(code, "eoi of PIRQ 0x7fffffff is -EINVAL", ret, -EINVAL);
    ret = physdev2(PHYSDEVOP_eoi, 0x80000000, &flags);
    check_eq(code, "eoi of PIRQ 0x80000000 is -EINVAL", ret, -EINVAL);

    ret = physdev(PHYSDEVOP_get_free_pirq, (void *)ROM_PTR);
    check_rom_efault(code, "get_free_pirq into 0xfffff000 (ROM) is -EFAULT",
                     ret);
    ret = physdev(PHYSDEVOP_irq_status_query, (void *)NO_RAM_PTR);
    check_eq(code, "irq_status_query at 0x10000000 (no RAM) is -EFAULT", ret,
             -EFAULT);
    ret = physdev(PHYSDEVOP_pirq_eoi_gmfn_v2, &flags);
    check_eq(code, "PHYSDEVOP_pirq_eoi_gmfn_v2 is -ENOSYS", ret, -ENOSYS);
    ret = physdev(99, &flags);
    check_eq(code, "physdev_op 99 is -ENOSYS", ret, -ENOSYS);

    /*
     * Last, since it uses them up: PIRQs are there up to
     * xen-evtchn-max-pirq and no further.  Some below 24 are the GSIs'.
     */
    u32 n = 0, top = 0;
    while (n < 1024 &&
           !physdev2(PHYSDEVOP_get_free_pirq, MAP_PIRQ_TYPE_MSI, &pirq)) {
        n++;
        top = pirq > top ? pirq : top;
    }
    check(code, top < NR_PIRQS && n > NR_PIRQS / 2 && n < NR_PIRQS,
          tuned ? "get_free_pirq: 256 to 511 PIRQs (xen-evtchn-max-pirq=512)"
                : "get_free_pirq: 128 to 255 PIRQs (xen-evtchn-max-pirq)", n);
}

/* ---- vcpu_op ---- */

#define VCPU_INFO_AT    64      /* in vcpu_page */
#define VCPU_PAGE_FILL  0x44

struct register_vcpu_info {
    u64 mfn;
    u32 offset, rsvd;
};

/* compat vcpu_runstate_info: no padding before the 64-bit fields */
struct runstate32 {
    u32 state;
    u64 state_entry_time;
    u64 time[4];
} __attribute__((packed));
OFFSET_IS(struct runstate32, time, 12);
_Static_assert(sizeof(struct runstate32) == 44, "compat runstate is 44");

static u32 vcpu_op(u32 op, u32 vcpu, const void *arg)
{
    return hypercall3(HC_VCPU_OP, op, vcpu, (u32)arg);
}

static u32 register_vcpu_info(u32 vcpu, u64 mfn, u32 offset)
{
    struct register_vcpu_info r = { mfn, offset, 0 };

    return vcpu_op(VCPUOP_register_vcpu_info, vcpu, &r);
}

/* A runstate area: vcpu_op registers it, the timers read the clock in it */
static union {
    struct runstate32 rs;
    u8 bytes[64];
} runstate;

static u32 register_runstate(u32 vcpu, u32 addr)
{
    u64 a = addr;

    return vcpu_op(VCPUOP_register_runstate_memory_area, vcpu, &a);
}

static void check_vcpu_op(int code)
{
    u32 ret;

    current_check = code;
    fill(vcpu_page, VCPU_PAGE_FILL, PAGE_SIZE);
    ret = register_vcpu_info(0, gfn_of(vcpu_page),
                             PAGE_SIZE - VCPU_INFO_SIZE + 1);
    check_eq(code, "VCPUOP_register_vcpu_info at offset 4033 is -EINVAL",
             ret, -EINVAL);
    ret = register_vcpu_info(NO_VCPU, gfn_of(vcpu_page), VCPU_INFO_AT);
    check_eq(code, "register_vcpu_info for vCPU 7 (none) is -ENOENT", ret,
             -ENOENT);
    ret = register_vcpu_info(0, NO_RAM_PTR / PAGE_SIZE, 0);
    check_eq(code, "register_vcpu_info in a page past RAM is -EINVAL", ret,
             -EINVAL);
    ret = vcpu_op(VCPUOP_register_vcpu_info, 0, (void *)NO_RAM_PTR);
    check_eq(code, "register_vcpu_info from 0x10000000 (no RAM) is -EFAULT",
             ret, -EFAULT);

    u8 *vi = vcpu_page + VCPU_INFO_AT;
    ret = register_vcpu_info(0, gfn_of(vcpu_page), VCPU_INFO_AT);
    check_eq(code, "register_vcpu_info for vCPU 0 at our page + 64", ret, 0);
    check(code, upcall_pending(vi) == 1 &&
                peek32(vi + VI_PENDING_SEL) == 0xffffffff,
          "... sets evtchn_upcall_pending and every pending_sel bit there",
          peek32(vi + VI_PENDING_SEL));
    check(code, peek8(vi - 1) == VCPU_PAGE_FILL &&
                peek8(vi + VCPU_INFO_SIZE) == VCPU_PAGE_FILL,
          "... and writes nothing around the 64 bytes",
          peek8(vi + VCPU_INFO_SIZE));
    ret = register_vcpu_info(0, gfn_of(vcpu_page), VCPU_INFO_AT);
    check_eq(code, "register_vcpu_info a second time is -EINVAL", ret,
             -EINVAL);

    /* events go to the new vcpu_info now, not to shared_info's slot */
    u32 ipi;
    clear_upcall(vi);
    clear_upcall(vcpu_info);
    ret = bind_ipi(0, &ipi);
    ret = ret ? ret : port_op(EVTCHNOP_send, ipi);
    check(code, ret == 0 && upcall_for(vi, ipi) &&
                !upcall_pending(vcpu_info),
          "an IPI now raises the upcall in the registered vcpu_info only",
          ret);
    vcpu_info = vi;
    clear_upcall(vi);
    clear_port_bit(SHINFO_PENDING, ipi);
    port_op(EVTCHNOP_close, ipi);

    fill(runstate.bytes, 0xee, sizeof(runstate));
    ret = register_runstate(0, (u32)&runstate);
    check_eq(code, "VCPUOP_register_runstate_memory_area", ret, 0);
    check(code, runstate.rs.state == RUNSTATE_running &&
                runstate.rs.state_entry_time &&
                runstate.rs.state_entry_time == runstate.rs.time[0],
          "... writes state running, entry time at 4, time[0] at 12",
          runstate.rs.state);
    check(code, runstate.bytes[sizeof(struct runstate32)] == 0xee,
          "... and nothing past the 44 bytes of the 32-bit layout",
          runstate.bytes[sizeof(struct runstate32)]);
    ret = register_runstate(0, ROM_PTR);
    check_rom_efault(code, "register_runstate_memory_area in ROM is -EFAULT",
                     ret);
    ret = register_runstate(NO_VCPU, (u32)&runstate);
    check_eq(code, "register_runstate_memory_area for vCPU 7 is -ENOENT",
             ret, -ENOENT);

    /* pvclock: the area gets the time at once, as vcpu_info's copy has */
    static struct {
        u32 version, pad0;
        u64 tsc_timestamp, system_time;
        u32 mul;
        u8 shift;
        u8 flags, pad1[2];
    } __attribute__((aligned(32))) ta;
    u64 ta_addr = (u32)&ta;
    ret = vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0, &ta_addr);
    u32 vi_mul = peek32(vi + 32 + 24);
    check(code, ret == 0 && ta.version && !(ta.version & 1) && ta.mul &&
                ta.system_time && ta.tsc_timestamp && vi_mul == ta.mul,
          "VCPUOP_register_vcpu_time_memory_area: the area and vcpu_info "
          "have the time (even version, TSC, system time, multiplier)",
          ret ? ret : ta.mul);
    ta_addr = ROM_PTR;
    ret = vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0, &ta_addr);
    check_eq(code, "... an area that is no RAM page is -EFAULT", ret,
             -EFAULT);
    ret = vcpu_op(99, 0, &runstate);
    check_eq(code, "vcpu_op 99 is -ENOSYS", ret, -ENOSYS);

    /* vCPU 0 runs: it has been initialised, and it is up */
    static u8 hvm_context[128];     /* 32-bit mode, all zero */
    ret = vcpu_op(VCPUOP_initialise, 0, hvm_context);
    check_eq(code, "VCPUOP_initialise of vCPU 0, which runs, is -EEXIST",
             ret, -EEXIST);
    ret = vcpu_op(VCPUOP_initialise, 0, (void *)NO_RAM_PTR);
    check_eq(code, "... from 0x10000000 (no RAM) is -EFAULT", ret, -EFAULT);
    ret = vcpu_op(VCPUOP_initialise, NO_VCPU, hvm_context);
    check_eq(code, "VCPUOP_initialise of vCPU 7 (none) is -ENOENT", ret,
             -ENOENT);
    ret = vcpu_op(VCPUOP_up, 0, 0);
    check_eq(code, "VCPUOP_up of vCPU 0, up already, is 0", ret, 0);
}

/* ---- timers: vcpu_op's, set_timer_op; VIRQ_TIMER in shared_info ---- */

#define MS              1000000ull      /* in ns, Xen's time unit */
/*
 * Waits are in Xen's system time (QEMU's virtual clock, which the
 * timers run on too): TIMER_FIRES for an event due at once or within
 * 1 ms, TIMER_QUIET for one that must not come.  Should that clock
 * stand still, the host's TSC ends a wait after STUCK_TICKS (4-16 s at
 * 1-4 GHz).
 */
#define TIMER_FIRES     (1000 * MS)
#define TIMER_QUIET     (50 * MS)
#define STUCK_TICKS     (1ull << 34)

static u32 timer_port;

/* Xen's system time, as a runstate area registered now says */
static u64 xen_now(void)
{
    register_runstate(0, (u32)&runstate);
    return runstate.rs.state_entry_time;
}

/* Whether timer_port is pending within ns; its bit is cleared for next */
static int timer_fired(u64 ns)
{
    u64 t0 = rdtsc(), until = xen_now() + ns;
    int fired;

    do {
        fired = port_bit(SHINFO_PENDING, timer_port);
    } while (!fired && xen_now() < until && rdtsc() - t0 < STUCK_TICKS);
    clear_port_bit(SHINFO_PENDING, timer_port);
    return fired;
}

static u32 set_timer_op(u64 deadline)
{
    return hypercall(HC_SET_TIMER_OP, (u32)deadline, deadline >> 32);
}

static u32 singleshot(u32 vcpu, u64 timeout)
{
    struct {
        u64 timeout;
        u32 flags;
    } s = { timeout, 0 };

    return vcpu_op(VCPUOP_set_singleshot_timer, vcpu, &s);
}

static void check_timers(int code)
{
    u64 period;
    u32 ret;

    current_check = code;
    ret = bind_virq(VIRQ_TIMER, 0, &timer_port);
    check(code, ret == 0, "bind_virq(VIRQ_TIMER) after the reset", ret);
    clear_port_bit(SHINFO_MASK, timer_port);
    clear_port_bit(SHINFO_PENDING, timer_port);

    period = MS - 1;
    ret = vcpu_op(VCPUOP_set_periodic_timer, 0, &period);
    check_eq(code, "VCPUOP_set_periodic_timer of 999999 ns is -EINVAL", ret,
             -EINVAL);
    period = MS;
    ret = vcpu_op(VCPUOP_set_periodic_timer, NO_VCPU, &period);
    check_eq(code, "set_periodic_timer on vCPU 7 (none) is -ENOENT", ret,
             -ENOENT);
    ret = vcpu_op(VCPUOP_set_periodic_timer, 0, (void *)NO_RAM_PTR);
    check_eq(code, "set_periodic_timer from 0x10000000 is -EFAULT", ret,
             -EFAULT);
    ret = vcpu_op(VCPUOP_set_periodic_timer, 0, &period);
    check(code, ret == 0 && timer_fired(TIMER_FIRES),
          "set_periodic_timer of 1 ms: VIRQ_TIMER fires", ret);
    ret = vcpu_op(VCPUOP_stop_periodic_timer, 0, 0);
    timer_fired(0);     /* one may have come in between */
    check(code, ret == 0 && !timer_fired(TIMER_QUIET),
          "VCPUOP_stop_periodic_timer: it fires no more", ret);

    ret = singleshot(0, 1);
    check(code, ret == 0 && timer_fired(TIMER_FIRES),
          "VCPUOP_set_singleshot_timer for a time past: fires", ret);
    ret = singleshot(NO_VCPU, 1);
    check(code, ret == (u32)-ENOENT || ret == (u32)-EINVAL,
          "set_singleshot_timer on vCPU 7 (none) is -ENOENT or -EINVAL", ret);
    ret = singleshot(0, xen_now() + 20 * MS);
    ret = ret ? ret : vcpu_op(VCPUOP_stop_singleshot_timer, 0, 0);
    check(code, ret == 0 && !timer_fired(TIMER_QUIET),
          "a singleshot timer 20 ms ahead, stopped: does not fire", ret);

    ret = set_timer_op(1);
    check(code, ret == 0 && timer_fired(TIMER_FIRES),
          "set_timer_op for a time past: fires", ret);
    /* 2^36 ns is 68 s after QEMU started: the run is over by then */
    ret = set_timer_op(1ull << 36 | 1);
    check(code, ret == 0 && !timer_fired(TIMER_QUIET),
          "set_timer_op(1 + 2^36 ns) in EBX, ECX: does not fire (yet)", ret);
    ret = set_timer_op(xen_now() + 20 * MS);
    ret = ret ? ret : set_timer_op(0);
    check(code, ret == 0 && !timer_fired(TIMER_QUIET),
          "set_timer_op 20 ms ahead, then set_timer_op(0): does not fire",
          ret);
}

/* ---- sched_op ---- */

#define MAX_POLL_PORTS      128

struct sched_poll {                 /* compat: 32-bit ports pointer */
    u32 ports, nr_ports;
    u64 timeout;
};

static u32 poll(u32 ports, u32 nr_ports)
{
    struct sched_poll p = { ports, nr_ports, 0 };

    return hypercall(HC_SCHED_OP, SCHEDOP_poll, (u32)&p);
}

static void check_sched_op(int code)
{
    u32 ports[2] = { timer_port, NR_PORTS }, ret;

    current_check = code;
    /* timer_port is not pending: poll returns anyway (no IF to wake on) */
    ret = poll((u32)ports, 1);
    check_eq(code, "SCHEDOP_poll of the timer port returns 0", ret, 0);
    ret = poll((u32)ports, MAX_POLL_PORTS + 1);
    check_eq(code, "poll of 129 ports is -EINVAL", ret, -EINVAL);
    ret = poll((u32)(ports + 1), 1);
    check_eq(code, "poll of port 1024 is -EINVAL", ret, -EINVAL);
    ret = poll(NO_RAM_PTR, 1);
    check_eq(code, "poll with its ports at 0x10000000 is -EFAULT", ret,
             -EFAULT);
    ret = hypercall(HC_SCHED_OP, SCHEDOP_poll, NO_RAM_PTR);
    check_eq(code, "poll at 0x10000000 (no RAM) is -EFAULT", ret, -EFAULT);

    ret = hypercall(HC_SCHED_OP, SCHEDOP_yield, 0);
    check_eq(code, "SCHEDOP_yield", ret, 0);
    u32 reason = 99;
    ret = hypercall(HC_SCHED_OP, SCHEDOP_shutdown, (u32)&reason);
    check_eq(code, "SCHEDOP_shutdown for reason 99 is -EINVAL", ret, -EINVAL);
    ret = hypercall(HC_SCHED_OP, SCHEDOP_shutdown, NO_RAM_PTR);
    check_eq(code, "SCHEDOP_shutdown from 0x10000000 is -EFAULT", ret,
             -EFAULT);
    ret = hypercall(HC_SCHED_OP, 99, 0);
    check_eq(code, "sched_op 99 is -ENOSYS", ret, -ENOSYS);
}

/* ---- console_io ---- */

#define CONSOLEIO_write     0
#define CONSOLEIO_read      1

/* run.sh looks for these lines in QEMU's output (or the console chardev) */
static const char console_text[] = "xen-hvm: hello from console_io\n";
static const char console_text64[] = "xen-hvm: console_io in long mode\n";

static u32 console_io(u32 cmd, u32 count, u32 buf)
{
    u32 a[5] = { cmd, count, buf, 0, 0 };

    return hypercall5(HC_CONSOLE_IO, a);
}

static void check_console_io(int code)
{
    char in[16];
    u32 ret;

    current_check = code;
    ret = console_io(CONSOLEIO_write, sizeof(console_text) - 1,
                     (u32)console_text);
    check_eq(code, "console_io write of a line is 0", ret, 0);
    ret = console_io(CONSOLEIO_write, 0, NO_RAM_PTR);
    check_eq(code, "console_io write of 0 bytes is 0", ret, 0);
    ret = console_io(CONSOLEIO_write, 16, NO_RAM_PTR);
    check_eq(code, "console_io write from 0x10000000 (no RAM) is -EFAULT",
             ret, -EFAULT);
    /* Xen copies until the buffer gives out: a huge count ends there */
    ret = console_io(CONSOLEIO_write, 0xffffffff, 0x8000000 - 8);
    check_eq(code, "console_io write of 4 GiB - 1 runs into -EFAULT", ret,
             -EFAULT);
    /* end the line those last 8 bytes of RAM began */
    console_io(CONSOLEIO_write, 1, (u32)"\n");
    /* an unprivileged domain may write, not read (XSM's default policy) */
    fill(in, 0xa5, sizeof(in));
    ret = console_io(CONSOLEIO_read, sizeof(in), (u32)in);
    check_eq(code, "console_io read is -EPERM", ret, -EPERM);
    u32 changed = 0;
    for (u32 i = 0; i < sizeof(in); i++) {
        changed += in[i] != (char)0xa5;
    }
    check(code, !changed, "console_io read wrote nothing", changed);
    ret = console_io(99, 0, 0);
    check_eq(code, "console_io command 99 is -EPERM (XSM first)", ret,
             -EPERM);
}

/*
 * The xenstore ring, fuzzed: as a guest that gets its xenstore client
 * wrong, or one that means harm.  First whole messages of any type, with
 * random ids, transactions and payloads of up to 63 bytes, for QEMU to
 * parse; then random bytes and headers of any length, and the indexes
 * the guest owns set anywhere, which make QEMU give up on the ring, as
 * xenstored would.  Events are sent or not.  QEMU must go on answering
 * hypercalls.
 */
#define XS_RING_ROUNDS      20000
#define XS_RING_SIZE        1024
#define XS_REQ_CONS         2048
#define XS_REQ_PROD         2052
#define XS_RSP_CONS         2056
#define XS_RSP_PROD         2060

/* Append @n bytes from @src to the request ring, if it has the room */
static void xs_append(u8 *ring, const u8 *src, u32 n)
{
    u32 prod = peek32(ring + XS_REQ_PROD);
    u32 used = prod - peek32(ring + XS_REQ_CONS);

    if (used > XS_RING_SIZE || n > XS_RING_SIZE - used) {
        return;
    }
    for (u32 i = 0; i < n; i++) {
        ring[(prod + i) % XS_RING_SIZE] = src[i];
    }
    poke32(ring + XS_REQ_PROD, prod + n);
}

/* Garbage: bytes, headers of any length, the guest's indexes anywhere */
static void xs_garbage(u8 *ring, u32 r, u8 *buf, u32 n)
{
    switch (r % 20) {
    case 0 ... 7:                       /* bytes */
        xs_append(ring, buf, n);
        break;
    case 8 ... 12:                      /* a header: type, id, tx, len */
        poke32(buf, r % 40);
        poke32(buf + 8, r & 0x100 ? rnd() : 0);
        poke32(buf + 12, r & 0x200 ? rnd() : rnd() % 64);
        xs_append(ring, buf, 16 + (r & 0x400 ? n : 0));
        break;
    case 13:                            /* req_prod anywhere */
        poke32(ring + XS_REQ_PROD, r & 0x100 ? rnd() :
               peek32(ring + XS_REQ_CONS) + rnd() % 4096 - 2048);
        break;
    case 14:                            /* rsp_cons anywhere */
        poke32(ring + XS_RSP_CONS, r & 0x100 ? rnd() :
               peek32(ring + XS_RSP_PROD) + rnd() % 4096 - 2048);
        break;
    default:                            /* take the responses */
        poke32(ring + XS_RSP_CONS, peek32(ring + XS_RSP_PROD));
        break;
    }
}

void xenstore_ring_fuzz(int code)
{
    u8 *ring = (u8 *)(STORE_PFN * (u32)PAGE_SIZE);
    u8 buf[64];
    u64 port = 0;
    u32 ret;

    current_check = code;
    ret = hvm_param(HVMOP_get_param, DOMID_SELF, HVM_PARAM_STORE_EVTCHN,
                    &port);
    check(code, ret == 0 && port, "xenstore ring fuzz: xenstore has a port",
          ret);
    for (u32 i = 0; i < XS_RING_ROUNDS; i++) {
        u32 r = rnd(), n = rnd() % sizeof(buf);

        for (u32 j = 0; j < sizeof(buf); j++) {
            buf[j] = rnd();
        }
        if (i < XS_RING_ROUNDS / 2) {
            /* a whole message, or the responses taken */
            u32 m = n % 48;

            poke32(buf, r % 40);
            poke32(buf + 8, r & 0x100 ? rnd() : 0);
            poke32(buf + 12, m);
            if (m && r & 0x200) {
                buf[15 + m] = 0;        /* its payload NUL-ended */
            }
            if (r % 4) {
                xs_append(ring, buf, 16 + m);
            } else {
                poke32(ring + XS_RSP_CONS, peek32(ring + XS_RSP_PROD));
            }
            r |= i % 2 ? 0 : 0x800;     /* an event every other round */
        } else {
            xs_garbage(ring, r, buf, n);
        }
        if (r & 0x800) {
            port_op(EVTCHNOP_send, port);
        }
    }
    ret = hypercall(HC_XEN_VERSION, XENVER_version, 0);
    check(code, ret == XEN_VERSION,
          "xenstore ring fuzz: 20000 rounds, xen_version still answered",
          ret);
}

void check_hypercall_families(void)
{
    save_rom();
    check_features(CHECK_FEATURES);
    check_memory_op(CHECK_MEMORY_OP);
    check_reservation(CHECK_MEMORY_OP);
    check_hvm_op(CHECK_HVM_OP);
    check_grant_table_op(CHECK_GRANT_TABLE_OP);
    check_event_channel_op(CHECK_EVENT_CHANNEL_OP);
    check_physdev_op(CHECK_PHYSDEV_OP);
    check_vcpu_op(CHECK_VCPU_OP);
    check_timers(CHECK_TIMERS);
    check_sched_op(CHECK_SCHED_OP);
    check_console_io(CHECK_CONSOLE_IO);
}

/* ---- the 64-bit ABI: pointers, longs and handles of 8 bytes ---- */

#define NO_RAM_PTR64        0x200000000ull  /* 8 GiB: no page maps it */

struct add_to_physmap64 {
    u16 domid, size;
    u32 space;
    u64 idx, gpfn;
};
OFFSET_IS(struct add_to_physmap64, idx, 8);

struct gnttab_setup_table64 {
    u16 dom, pad;
    u32 nr_frames;
    s16 status;
    u16 pad2[3];
    u64 frame_list;
};
OFFSET_IS(struct gnttab_setup_table64, frame_list, 16);

struct sched_poll64 {
    u64 ports;
    u32 nr_ports, pad;
    u64 timeout;
};

void check_families_64(void)
{
    int code = CHECK_FAMILIES_64;
    u64 ret;

    current_check = code;
    struct feature_info fi = { 0, 0xdeadbeef };
    ret = hypercall64(code, HC_XEN_VERSION, XENVER_get_features, (u32)&fi,
                      0);
    check64(code, ret == 0 && fi.submap == FEATURES_SUBMAP_0,
            "long mode: get_features submap 0 is 0x707", fi.submap);
    ret = hypercall64(code, HC_XEN_VERSION, XENVER_get_features,
                      NO_RAM_PTR64, 0);
    check64(code, ret == (u64)-EFAULT,
            "long mode: get_features to 8 GiB (unmapped) is -EFAULT", ret);

    struct hvm_param p = { .domid = DOMID_SELF,
                           .index = HVM_PARAM_STORE_PFN };
    ret = hypercall64(code, HC_HVM_OP, HVMOP_get_param, (u32)&p, 0);
    check64(code, ret == 0 && p.value == STORE_PFN,
            "long mode: get_param(HVM_PARAM_STORE_PFN) is 0xfeff9", p.value);

    /* the 32-bit layout would read idx 0 from idx's upper half */
    fill(gnt_frame[2], GNT_FILL, PAGE_SIZE);
    struct add_to_physmap64 x = { .domid = DOMID_SELF,
                                  .space = XENMAPSPACE_grant_table,
                                  .idx = 2, .gpfn = gfn_of(gnt_frame[2]) };
    ret = hypercall64(code, HC_MEMORY_OP, XENMEM_add_to_physmap, (u32)&x, 0);
    check64(code, ret == 0 && count_not(gnt_frame[2], 0) == 0,
            "long mode: add_to_physmap(grant_table frame 2) maps it", ret);

    u64 list[5] = { 0x7777, 0x7777, 0x7777, 0x7777, 0x7777 };
    struct gnttab_setup_table64 st = { .dom = DOMID_SELF, .nr_frames = 4,
                                       .status = 0x777,
                                       .frame_list = (u32)list };
    ret = hypercall64(code, HC_GRANT_TABLE_OP, GNTTABOP_setup_table,
                      (u32)&st, 1);
    check64(code, ret == 0 && st.status == GNTST_okay &&
                  list[0] == gfn_of(gnt_frame[0]) &&
                  list[1] == gfn_of(gnt_frame[1]) &&
                  list[2] == gfn_of(gnt_frame[2]) && list[3] == ~0ull &&
                  list[4] == 0x7777,
            "long mode: setup_table lists 4 frames of 8 bytes", list[3]);

    /* the 32-bit layout would find nr_ports 0 in the pointer's upper half */
    u32 ports[1] = { timer_port };
    struct sched_poll64 sp = { .ports = (u32)ports,
                               .nr_ports = MAX_POLL_PORTS + 1 };
    ret = hypercall64(code, HC_SCHED_OP, SCHEDOP_poll, (u32)&sp, 0);
    check64(code, ret == (u64)-EINVAL,
            "long mode: poll of 129 ports (nr_ports at 8) is -EINVAL", ret);

    struct register_vcpu_info r = { gfn_of(vcpu_page), VCPU_INFO_AT, 0 };
    ret = hypercall64(code, HC_VCPU_OP, VCPUOP_register_vcpu_info, 0,
                      (u32)&r);
    check64(code, ret == (u64)-EINVAL,
            "long mode: register_vcpu_info again is -EINVAL", ret);
    u64 period = MS - 1;
    ret = hypercall64(code, HC_VCPU_OP, VCPUOP_set_periodic_timer, 0,
                      (u32)&period);
    check64(code, ret == (u64)-EINVAL,
            "long mode: set_periodic_timer of 999999 ns is -EINVAL", ret);

    /* cmd and count are unsigned int: their upper halves do not count */
    ret = hypercall64(code, HC_CONSOLE_IO, 1ull << 32 | CONSOLEIO_write,
                      1ull << 32 | (sizeof(console_text64) - 1),
                      (u32)console_text64);
    check64(code, ret == 0,
            "long mode: console_io write, upper halves set, is 0", ret);
}
