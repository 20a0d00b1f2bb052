/*
 * xen-blkgarbage: a guest process that plays blkfront for one xen-disk
 * and sends QEMU's xen-block backend good and bad requests, for the
 * "bad-blk" scenario (scenarios.py).
 *
 *     xen-blkgarbage VDEV PROTOCOL [FUZZ SEED]
 *
 * VDEV is the xenbus id of a vbd that no driver holds (the scenario
 * unbinds blkfront from it first), PROTOCOL "x86_64-abi" or "x86_32-abi":
 * the ring layout it writes.  Through /dev/xen/xenbus, /dev/xen/gntalloc
 * and /dev/xen/evtchn it connects a one-page ring to the backend, then
 * sends, one at a time:
 *   - good requests: an indirect write of 16 pages, an indirect read of
 *     them back (the data must match), a direct read;
 *   - bad ones, each of which must be answered BLKIF_RSP_ERROR with its
 *     id and operation (the indirect one for BLKIF_OP_INDIRECT);
 *   - with FUZZ, that many random requests from SEED (same SEED, same
 *     requests): any operation, segment count, sector, grant and sector
 *     range, in the ring slot and in the indirect page, the rest of the
 *     slot garbage.  Each must be answered with its id and operation;
 *     none may reach sectors 8 to 135, which the next read checks;
 *   - the good read again, which must still work and match.
 * It disconnects (state Closed) at the end, so that the next run can
 * connect again.  Results are console lines "XBLK: ...", the last one
 *     XBLK: summary good N bad N failed N
 * (after "XBLK: fuzz N requests: okay N error N notsupp N" with FUZZ)
 * and the exit status is 0 iff nothing failed.
 *
 * Built static (gcc -static -no-pie -O2), with xen-frontend.c, by
 * build-images.sh.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xen-frontend.h"

#define NR_DATA         16              /* pages moved by the good requests */
#define NR_PAGES        (1 + 1 + 2 * NR_DATA)   /* ring, indirect, data */
#define RING_SLOTS      32              /* both ABIs, one page */
#define RING_HEADER     64              /* sring's indexes and padding */

/* Protocol numbers of the blkif interface (Xen's public/io/blkif.h) */
#define OP_READ         0
#define OP_WRITE        1
#define OP_FLUSH        3
#define OP_DISCARD      5
#define OP_INDIRECT     6
#define RSP_OKAY        0
#define RSP_ERROR       (-1)
#define RSP_EOPNOTSUPP  (-2)

/*
 * Where the fields sit in a ring slot for each guest ABI: the 32-bit
 * one packs 64-bit fields on 4 bytes, the 64-bit one aligns them on 8.
 */
struct abi {
    const char *name;
    unsigned slot;                      /* size of a request slot */
    unsigned id, sector, seg;           /* read/write request */
    unsigned ind_nr, ind_id, ind_sector, ind_handle, ind_grefs; /* indirect */
};

static const struct abi abis[] = {
    { "x86_64-abi", 112, 8, 16, 24, 2, 8, 16, 24, 28 },
    { "x86_32-abi", 108, 4, 12, 20, 2, 4, 12, 20, 24 },
};

static const struct abi *abi;
static unsigned port, backend_id, vdev;
static char fe[64], be[128];
static uint8_t *pages;                  /* NR_PAGES mapped grants */
static uint32_t grefs[NR_PAGES];
static uint32_t req_prod, rsp_cons;
static uint64_t disk_sectors;

static uint8_t *page(unsigned i)
{
    return pages + (size_t)i * PAGE;
}

static void put(unsigned off, uint64_t v, unsigned bytes)
{
    uint8_t *slot = page(0) + RING_HEADER + (req_prod % RING_SLOTS) *
                    abi->slot;

    memcpy(slot + off, &v, bytes);      /* little-endian, like the guest */
}

/*
 * The ring's producer and consumer indexes, which the backend updates
 * from another thread: volatile, so that every poll reads memory
 */
static volatile uint32_t *ring_index(unsigned off)
{
    return (volatile uint32_t *)(page(0) + off);   /* as above */
}

/*
 * Push the request built in the current slot and wait for its response:
 * its id, operation and status
 */
static void push(const char *what, uint64_t *rid, unsigned *op,
                 int16_t *status)
{
    uint8_t *rsp;
    int i;

    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    *ring_index(0) = ++req_prod;        /* req_prod */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    xf_notify();

    for (i = 0; i < 5000 && *ring_index(8) == rsp_cons; i++) {
        usleep(1000);
    }
    if (*ring_index(8) == rsp_cons) {
        xf_fail("%s: no response after 5 s", what);
        exit(xf_summary());
    }
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    /* a response slot: id at 0, operation at 8, status at 10 */
    rsp = page(0) + RING_HEADER + (rsp_cons % RING_SLOTS) * abi->slot;
    memcpy(rid, rsp, 8);
    *op = rsp[8];
    memcpy(status, rsp + 10, 2);
    rsp_cons++;
    *ring_index(12) = rsp_cons + 1;     /* rsp_event */
}

/* push(), then check the response's id, operation and status */
static void submit(const char *what, uint64_t id, unsigned want_op,
                   int want_status)
{
    uint64_t rid;
    unsigned op;
    int16_t status;

    push(what, &rid, &op, &status);
    if (rid != id || op != want_op || status != want_status) {
        xf_fail("%s: response id %" PRIu64 " op %u status %d, want %" PRIu64
             " %u %d", what, rid, op, status, id, want_op, want_status);
        return;
    }
    printf("XBLK: ok %s\n", what);
    if (want_status == RSP_OKAY) {
        xf_good++;
    } else {
        xf_bad++;
    }
}

static uint64_t next_id = 5853;

/* A read/write request with nseg segments from pages[first...] */
static uint64_t rw(unsigned op, unsigned nseg, uint64_t sector,
                   unsigned first, unsigned first_sect, unsigned last_sect)
{
    memset(page(0) + RING_HEADER + (req_prod % RING_SLOTS) * abi->slot, 0,
           abi->slot);
    put(0, op, 1);
    put(1, nseg, 1);
    put(2, vdev, 2);
    put(abi->id, next_id, 8);
    put(abi->sector, sector, 8);
    for (unsigned i = 0; i < nseg && i < 11; i++) {
        put(abi->seg + 8 * i, grefs[first + i], 4);
        put(abi->seg + 8 * i + 4, first_sect, 1);
        put(abi->seg + 8 * i + 5, last_sect, 1);
    }
    return next_id++;
}

/*
 * An indirect request of nseg segments (the descriptors in page 1, whose
 * gref is ind_gref), data from pages[first...], full pages.
 */
static uint64_t indirect(unsigned op, unsigned nseg, uint64_t sector,
                         unsigned first, uint32_t ind_gref)
{
    uint8_t *desc = page(1);

    memset(desc, 0, PAGE);
    for (unsigned i = 0; i < nseg && i < NR_DATA; i++) {
        memcpy(desc + 8 * i, &grefs[first + i], 4);
        desc[8 * i + 4] = 0;
        desc[8 * i + 5] = 7;
    }
    memset(page(0) + RING_HEADER + (req_prod % RING_SLOTS) * abi->slot, 0,
           abi->slot);
    put(0, OP_INDIRECT, 1);
    put(1, op, 1);
    put(abi->ind_nr, nseg, 2);
    put(abi->ind_id, next_id, 8);
    put(abi->ind_sector, sector, 8);
    put(abi->ind_handle, vdev, 2);
    put(abi->ind_grefs, ind_gref, 4);
    return next_id++;
}

static void fill(unsigned first, unsigned n, uint8_t seed)
{
    for (unsigned i = 0; i < n * PAGE; i++) {
        page(first)[i] = (uint8_t)(seed + i * 7 + i / 4096);
    }
}

static void check_read_back(const char *what)
{
    if (memcmp(page(2), page(2 + NR_DATA), NR_DATA * PAGE)) {
        xf_fail("%s: the data read back differs from the data written", what);
    } else {
        printf("XBLK: ok %s: data matches\n", what);
    }
}

/*
 * Half the random requests are nearly right, so that the paths of the
 * requests that succeed get random input too: their grants, sectors and
 * ranges are valid but for one in 8 or 16.
 */
static int sane;

/*
 * A segment's grant: half the time one of the pages the good reads fill
 * (never those they are compared with), else one nobody granted: a
 * reserved entry other than the console's and xenstore's (0 and 1, whose
 * pages are live), or one past any grant table.
 */
static uint32_t fuzz_gref(void)
{
    uint64_t r = xf_rnd();

    switch (sane && r % 16 ? 0 : r % 4) {
    case 0:
    case 1:
        return grefs[2 + NR_DATA + r / 4 % NR_DATA];
    case 2:
        return 2 + r / 4 % 6;
    default:
        return (uint32_t)(r >> 32) | 0x100000;
    }
}

/*
 * A first sector clear of sectors 8 to 8 + 8 * NR_DATA - 1, which the
 * last good read checks: above 1024, near the end, or far past it.
 */
static uint64_t fuzz_sector(void)
{
    uint64_t r = xf_rnd();

    switch (sane && r % 8 ? 0 : r % 3) {
    case 0:
        return 1024 + r / 3 % (disk_sectors - 1024);
    case 1:
        return disk_sectors - r / 3 % 64;
    default:
        return xf_rnd() | 1ULL << 40;
    }
}

/* A segment's sector range: mostly the whole page, sometimes anything */
static void fuzz_range(uint8_t *first, uint8_t *last)
{
    uint64_t r = xf_rnd();

    *first = r % (sane ? 32 : 4) ? 0 : (r >> 8) % 16;
    *last = r % (sane ? 32 : 8) ? 7 : (r >> 16) % 16;
}

/* @n random requests, one at a time; each answered with its id and op */
static void fuzz(unsigned n)
{
    static const uint8_t ops[] = {
        OP_READ, OP_WRITE, OP_FLUSH, OP_DISCARD, OP_INDIRECT,
    };
    unsigned okay = 0, error = 0, notsupp = 0;

    for (unsigned k = 0; k < n; k++) {
        uint8_t *slot = page(0) + RING_HEADER +
                        (req_prod % RING_SLOTS) * abi->slot;
        uint64_t r = xf_rnd(), id = next_id++, rid;
        unsigned op, want_op, nseg, rop;
        uint8_t first, last;
        int16_t status;
        uint32_t g;

        sane = r >> 63;
        op = sane || r % 8 < 5 ? ops[r % 5] : (r >> 8) & 0xff;
        for (unsigned i = 0; i < abi->slot; i++) {
            slot[i] = xf_rnd();
        }
        put(0, op, 1);
        put(2, vdev, 2);
        if (op == OP_INDIRECT) {
            want_op = sane || r & 0x100 ? ops[(r >> 9) % 3] : (r >> 16) & 0xff;
            nseg = sane ? 1 + (r >> 32) % NR_DATA :
                   r & 0x1000000 ? 1 + (r >> 32) % 256 : (r >> 32) & 0xffff;
            put(1, want_op, 1);
            put(abi->ind_nr, nseg, 2);
            put(abi->ind_id, id, 8);
            put(abi->ind_sector, fuzz_sector(), 8);
            put(abi->ind_handle, vdev, 2);
            put(abi->ind_grefs, !sane && r & 0x2000000 ? fuzz_gref() : grefs[1],
                4);
            for (unsigned i = 0; i < PAGE / 8; i++) {
                g = fuzz_gref();
                fuzz_range(&first, &last);
                memcpy(page(1) + 8 * i, &g, 4);
                page(1)[8 * i + 4] = first;
                page(1)[8 * i + 5] = last;
            }
        } else {
            want_op = op;
            nseg = sane ? 1 + (r >> 32) % 11 :
                   r & 0x1000000 ? (r >> 32) % 12 : (r >> 32) & 0xff;
            put(1, nseg, 1);
            put(abi->id, id, 8);
            put(abi->sector, fuzz_sector(), 8);
            for (unsigned i = 0; i < 11; i++) {
                fuzz_range(&first, &last);
                put(abi->seg + 8 * i, fuzz_gref(), 4);
                put(abi->seg + 8 * i + 4, first, 1);
                put(abi->seg + 8 * i + 5, last, 1);
            }
        }
        push("fuzz", &rid, &rop, &status);
        if (rid != id || rop != want_op) {
            xf_fail("fuzz request %u (op %u): response id %" PRIu64
                    " op %u, want %" PRIu64 " %u", k, op, rid, rop, id,
                    want_op);
        } else if (status == RSP_OKAY) {
            okay++;
        } else if (status == RSP_ERROR) {
            error++;
        } else if (status == RSP_EOPNOTSUPP) {
            notsupp++;
        } else {
            xf_fail("fuzz request %u (op %u): status %d", k, op, status);
        }
    }
    printf("XBLK: fuzz %u requests: okay %u error %u notsupp %u\n", n, okay,
           error, notsupp);
}

static void connect_ring(const char *protocol)
{
    char path[192], buf[128];

    backend_id = xf_find_backend("vbd", vdev, fe, be);
    snprintf(path, sizeof(path), "%s/sectors", be);
    if (xf_xs_read(path, buf, sizeof(buf))) {
        xf_die("no sectors in xenstore");
    }
    if (sscanf(buf, "%" SCNu64, &disk_sectors) != 1) {
        xf_die("bad sectors in xenstore");
    }

    pages = xf_grant_pages(backend_id, NR_PAGES, grefs);
    *ring_index(4) = 1;                 /* req_event */
    *ring_index(12) = 1;                /* rsp_event */
    port = xf_bind_port(backend_id);

    /* a frontend left Closed by blkfront (or a previous run) restarts */
    xf_xs_printf(fe, "state", "%d", 1); /* Initialising */
    if (xf_wait_backend(be, 2)) {       /* InitWait */
        exit(xf_summary());
    }
    xf_xs_printf(fe, "ring-ref", "%u", grefs[0]);
    xf_xs_printf(fe, "event-channel", "%u", port);
    xf_xs_printf(fe, "protocol", "%s", protocol);
    xf_xs_printf(fe, "state", "%d", 3); /* Initialised */
    if (xf_wait_backend(be, 4)) {       /* Connected */
        exit(xf_summary());
    }
    xf_xs_printf(fe, "state", "%d", 4);
    printf("XBLK: connected %s, ring gref %u, port %u, %" PRIu64
           " sectors\n", protocol, grefs[0], port, disk_sectors);
}

int main(int argc, char **argv)
{
    const unsigned data = 2, back = 2 + NR_DATA;
    uint64_t id, end;

    if (argc != 3 && argc != 5) {
        fprintf(stderr, "usage: xen-blkgarbage VDEV PROTOCOL [FUZZ SEED]\n");
        return 2;
    }
    vdev = atoi(argv[1]);
    for (unsigned i = 0; i < sizeof(abis) / sizeof(abis[0]); i++) {
        if (!strcmp(argv[2], abis[i].name)) {
            abi = &abis[i];
        }
    }
    if (!abi) {
        fprintf(stderr, "xen-blkgarbage: unknown protocol %s\n", argv[2]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    xf_tag = "XBLK";
    xf_xs_open();
    connect_ring(argv[2]);
    end = disk_sectors;

    /* good: 64 KiB written and read back through indirect requests */
    fill(data, NR_DATA, (uint8_t)abi->slot);
    id = indirect(OP_WRITE, NR_DATA, 8, data, grefs[1]);
    submit("indirect write, 16 segments", id, OP_WRITE, RSP_OKAY);
    id = indirect(OP_READ, NR_DATA, 8, back, grefs[1]);
    submit("indirect read, 16 segments", id, OP_READ, RSP_OKAY);
    check_read_back("indirect read");
    memset(page(back), 0, PAGE);
    id = rw(OP_READ, 1, 8, back, 0, 7);
    submit("direct read, 1 segment", id, OP_READ, RSP_OKAY);
    if (memcmp(page(back), page(data), PAGE)) {
        xf_fail("direct read: data differs");
    }

    /* bad: each one BLKIF_RSP_ERROR */
    id = indirect(OP_READ, 0, 0, back, grefs[1]);
    submit("indirect, 0 segments", id, OP_READ, RSP_ERROR);
    id = indirect(OP_READ, 257, 0, back, grefs[1]);
    submit("indirect, 257 segments", id, OP_READ, RSP_ERROR);
    id = indirect(OP_WRITE, 65535, 0, data, grefs[1]);
    submit("indirect, 65535 segments", id, OP_WRITE, RSP_ERROR);
    id = indirect(OP_FLUSH, 1, 0, data, grefs[1]);
    submit("indirect flush", id, OP_FLUSH, RSP_ERROR);
    id = indirect(OP_INDIRECT, 1, 0, data, grefs[1]);
    submit("indirect indirect", id, OP_INDIRECT, RSP_ERROR);
    id = indirect(0xff, 1, 0, data, grefs[1]);
    submit("indirect, operation 255", id, 0xff, RSP_ERROR);
    id = indirect(OP_READ, NR_DATA, 0, back, 0x7fffffff);
    submit("indirect page gref 0x7fffffff", id, OP_READ, RSP_ERROR);
    id = indirect(OP_READ, NR_DATA, 0, back, 6);
    submit("indirect page gref 6 (not granted)", id, OP_READ, RSP_ERROR);

    id = indirect(OP_READ, NR_DATA, 0, back, grefs[1]);
    page(1)[8 * 5 + 4] = 3;             /* segment 5: sectors 3..2 */
    page(1)[8 * 5 + 5] = 2;
    submit("indirect, segment first_sect > last_sect", id, OP_READ,
           RSP_ERROR);
    id = indirect(OP_WRITE, NR_DATA, 0, data, grefs[1]);
    page(1)[8 * 15 + 5] = 8;            /* segment 15: sectors 0..8 */
    submit("indirect, segment last_sect 8", id, OP_WRITE, RSP_ERROR);
    id = indirect(OP_READ, NR_DATA, 0, back, grefs[1]);
    page(1)[8 * 3 + 4] = 200;           /* segment 3: sectors 200..255 */
    page(1)[8 * 3 + 5] = 255;
    submit("indirect, segment sectors 200..255", id, OP_READ, RSP_ERROR);
    id = indirect(OP_READ, NR_DATA, end - 8 * NR_DATA + 1, back, grefs[1]);
    submit("indirect, one sector past the end", id, OP_READ, RSP_ERROR);
    id = indirect(OP_WRITE, NR_DATA, 1ULL << 54, data, grefs[1]);
    submit("indirect, sector 2^54 (bytes wrap)", id, OP_WRITE, RSP_ERROR);
    id = indirect(OP_READ, 1, UINT64_MAX - 7, back, grefs[1]);
    submit("indirect, sector 2^64-8", id, OP_READ, RSP_ERROR);
    id = indirect(OP_WRITE, 2, 0, data, grefs[1]);
    memset(page(1) + 8, 0xff, 4);       /* segment 1: gref 0xffffffff */
    submit("indirect write, data gref not granted", id, OP_WRITE,
           RSP_ERROR);

    id = rw(OP_READ, 12, 0, back, 0, 7);
    submit("direct, 12 segments", id, OP_READ, RSP_ERROR);
    id = rw(OP_READ, 255, 0, back, 0, 7);
    submit("direct, 255 segments", id, OP_READ, RSP_ERROR);
    id = rw(OP_READ, 1, 0, back, 5, 4);
    submit("direct, first_sect > last_sect", id, OP_READ, RSP_ERROR);
    id = rw(OP_WRITE, 1, 0, data, 0, 8);
    submit("direct, last_sect 8", id, OP_WRITE, RSP_ERROR);
    id = rw(OP_READ, 2, end - 1, back, 0, 0);
    submit("direct, one sector past the end", id, OP_READ, RSP_ERROR);
    id = rw(OP_WRITE, 1, 1ULL << 55, data, 0, 7);
    submit("direct, sector 2^55 (bytes wrap)", id, OP_WRITE, RSP_ERROR);
    id = rw(0x42, 1, 0, data, 0, 7);
    submit("direct, operation 0x42", id, 0x42, RSP_ERROR);

    if (argc == 5) {
        xf_seed(argv[4]);
        fuzz(atoi(argv[3]));
    }

    /* good again: the ring and the disk still work */
    memset(page(back), 0, NR_DATA * PAGE);
    id = indirect(OP_READ, NR_DATA, 8, back, grefs[1]);
    submit("indirect read after the bad requests", id, OP_READ, RSP_OKAY);
    check_read_back("indirect read after the bad requests");

    xf_xs_printf(fe, "state", "%d", 6); /* Closed */
    xf_wait_backend(be, 6);
    return xf_summary();
}
