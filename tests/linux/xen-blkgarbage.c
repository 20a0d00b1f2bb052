/*
 * xen-blkgarbage: a guest process that plays blkfront for one xen-disk
 * and sends QEMU's xen-block backend good and bad requests, for the
 * "bad-blk" scenario (scenarios.py).
 *
 *     xen-blkgarbage VDEV PROTOCOL
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
 *   - the good read again, which must still work and match.
 * It disconnects (state Closed) at the end, so that the next run can
 * connect again.  Results are console lines "XBLK: ...", the last one
 *     XBLK: summary good N bad N failed N
 * and the exit status is 0 iff nothing failed.
 *
 * Built static (gcc -static -no-pie -O2) by build-images.sh.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
typedef uint16_t domid_t;   /* <xen/evtchn.h> uses it, does not define it */
#include <xen/evtchn.h>
#include <xen/gntalloc.h>
#include <xen/io/xs_wire.h>

#define PAGE            4096
#define NR_DATA         16              /* pages moved by the good requests */
#define NR_PAGES        (1 + 1 + 2 * NR_DATA)   /* ring, indirect, data */
#define RING_SLOTS      32              /* both ABIs, one page */
#define RING_HEADER     64              /* sring's indexes and padding */

/* Protocol numbers of the blkif interface (Xen's public/io/blkif.h) */
#define OP_READ         0
#define OP_WRITE        1
#define OP_FLUSH        3
#define OP_INDIRECT     6
#define RSP_OKAY        0
#define RSP_ERROR       (-1)

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
static int xs_fd, evtchn_fd;
static unsigned port, backend_id, vdev;
static char fe[64], be[128];
static uint8_t *pages;                  /* NR_PAGES mapped grants */
static uint32_t grefs[NR_PAGES];
static uint32_t req_prod, rsp_cons;
static uint64_t disk_sectors;
static int good, bad, failed;

static void fail(const char *fmt, ...)
{
    va_list ap;

    printf("XBLK: FAIL ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    failed++;
}

static void die(const char *what)
{
    printf("XBLK: FAIL %s: %s\n", what, strerror(errno));
    printf("XBLK: summary good %d bad %d failed %d\n", good, bad, failed + 1);
    exit(1);
}

/* One xenstore request through /dev/xen/xenbus; reply in buf (NUL ended) */
static int xs_request(uint32_t type, const char *a, const char *b,
                      char *buf, size_t size)
{
    struct xsd_sockmsg msg = { .type = type };
    char out[512];
    size_t la = strlen(a) + 1, lb = b ? strlen(b) : 0;
    ssize_t n;

    msg.len = la + lb;
    memcpy(out, &msg, sizeof(msg));
    memcpy(out + sizeof(msg), a, la);
    if (b) {
        memcpy(out + sizeof(msg) + la, b, lb);
    }
    if (write(xs_fd, out, sizeof(msg) + msg.len) < 0) {
        die("xenbus write");
    }
    n = read(xs_fd, out, sizeof(out) - 1);
    if (n < (ssize_t)sizeof(msg)) {
        die("xenbus read");
    }
    memcpy(&msg, out, sizeof(msg));
    if (buf) {
        n -= sizeof(msg);
        n = (size_t)n < size ? n : (ssize_t)size - 1;
        memcpy(buf, out + sizeof(msg), n);
        buf[n] = 0;
    }
    return msg.type == XS_ERROR ? -1 : 0;
}

static int xs_read_str(const char *path, char *buf, size_t size)
{
    return xs_request(XS_READ, path, NULL, buf, size);
}

static void xs_printf(const char *dir, const char *key, const char *fmt, ...)
{
    char path[192], value[64];
    va_list ap;

    snprintf(path, sizeof(path), "%s/%s", dir, key);
    va_start(ap, fmt);
    vsnprintf(value, sizeof(value), fmt, ap);
    va_end(ap);
    if (xs_request(XS_WRITE, path, value, NULL, 0)) {
        fail("xenstore write %s=%s refused", path, value);
    }
}

static int backend_state(void)
{
    char path[192], buf[16];

    snprintf(path, sizeof(path), "%s/state", be);
    return xs_read_str(path, buf, sizeof(buf)) ? -1 : atoi(buf);
}

static int wait_backend(int state)
{
    for (int i = 0; i < 1000; i++) {
        if (backend_state() == state) {
            return 0;
        }
        usleep(10000);
    }
    fail("backend state %d, not %d, after 10 s", backend_state(), state);
    return -1;
}

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
 * Push the request built in the current slot, wait for its response,
 * check its id, operation and status.
 */
static void submit(const char *what, uint64_t id, unsigned want_op,
                   int want_status)
{
    struct ioctl_evtchn_notify notify = { .port = port };
    uint8_t *rsp;
    uint64_t rid;
    int16_t status;
    int i;

    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    *ring_index(0) = ++req_prod;        /* req_prod */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    ioctl(evtchn_fd, IOCTL_EVTCHN_NOTIFY, &notify);

    for (i = 0; i < 5000 && *ring_index(8) == rsp_cons; i++) {
        usleep(1000);
    }
    if (*ring_index(8) == rsp_cons) {
        fail("%s: no response after 5 s", what);
        exit(1);
    }
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    /* a response slot: id at 0, operation at 8, status at 10 */
    rsp = page(0) + RING_HEADER + (rsp_cons % RING_SLOTS) * abi->slot;
    memcpy(&rid, rsp, 8);
    memcpy(&status, rsp + 10, 2);
    rsp_cons++;
    *ring_index(12) = rsp_cons + 1;     /* rsp_event */

    if (rid != id || rsp[8] != want_op || status != want_status) {
        fail("%s: response id %" PRIu64 " op %u status %d, want %" PRIu64
             " %u %d", what, rid, rsp[8], status, id, want_op, want_status);
        return;
    }
    printf("XBLK: ok %s\n", what);
    if (want_status == RSP_OKAY) {
        good++;
    } else {
        bad++;
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
        fail("%s: the data read back differs from the data written", what);
    } else {
        printf("XBLK: ok %s: data matches\n", what);
    }
}

static void connect_ring(const char *protocol)
{
    struct ioctl_evtchn_bind_unbound_port bind;
    struct ioctl_gntalloc_alloc_gref *alloc;
    char path[192], buf[128];
    int gnt_fd;

    snprintf(fe, sizeof(fe), "device/vbd/%u", vdev);
    snprintf(path, sizeof(path), "%s/backend", fe);
    if (xs_read_str(path, be, sizeof(be))) {
        die("no backend path in xenstore");
    }
    snprintf(path, sizeof(path), "%s/backend-id", fe);
    backend_id = xs_read_str(path, buf, sizeof(buf)) ? 0 : atoi(buf);
    snprintf(path, sizeof(path), "%s/sectors", be);
    if (xs_read_str(path, buf, sizeof(buf))) {
        die("no sectors in xenstore");
    }
    if (sscanf(buf, "%" SCNu64, &disk_sectors) != 1) {
        die("bad sectors in xenstore");
    }

    gnt_fd = open("/dev/xen/gntalloc", O_RDWR);
    if (gnt_fd < 0) {
        die("/dev/xen/gntalloc");
    }
    alloc = calloc(1, sizeof(*alloc) + NR_PAGES * sizeof(uint32_t));
    alloc->domid = backend_id;
    alloc->flags = GNTALLOC_FLAG_WRITABLE;
    alloc->count = NR_PAGES;
    if (ioctl(gnt_fd, IOCTL_GNTALLOC_ALLOC_GREF, alloc)) {
        die("IOCTL_GNTALLOC_ALLOC_GREF");
    }
    memcpy(grefs, alloc->gref_ids, sizeof(grefs));
    pages = mmap(NULL, NR_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
                 gnt_fd, alloc->index);
    if (pages == MAP_FAILED) {
        die("mmap of the granted pages");
    }
    memset(pages, 0, NR_PAGES * PAGE);
    *ring_index(4) = 1;                 /* req_event */
    *ring_index(12) = 1;                /* rsp_event */

    evtchn_fd = open("/dev/xen/evtchn", O_RDWR);
    if (evtchn_fd < 0) {
        die("/dev/xen/evtchn");
    }
    bind.remote_domain = backend_id;
    port = ioctl(evtchn_fd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &bind);
    if ((int)port < 0) {
        die("IOCTL_EVTCHN_BIND_UNBOUND_PORT");
    }

    /* a frontend left Closed by blkfront (or a previous run) restarts */
    xs_printf(fe, "state", "%d", 1);    /* Initialising */
    if (wait_backend(2)) {              /* InitWait */
        exit(1);
    }
    xs_printf(fe, "ring-ref", "%u", grefs[0]);
    xs_printf(fe, "event-channel", "%u", port);
    xs_printf(fe, "protocol", "%s", protocol);
    xs_printf(fe, "state", "%d", 3);    /* Initialised */
    if (wait_backend(4)) {              /* Connected */
        exit(1);
    }
    xs_printf(fe, "state", "%d", 4);
    printf("XBLK: connected %s, ring gref %u, port %u, %" PRIu64
           " sectors\n", protocol, grefs[0], port, disk_sectors);
}

int main(int argc, char **argv)
{
    const unsigned data = 2, back = 2 + NR_DATA;
    uint64_t id, end;

    if (argc != 3) {
        fprintf(stderr, "usage: xen-blkgarbage VDEV PROTOCOL\n");
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
    xs_fd = open("/dev/xen/xenbus", O_RDWR);
    if (xs_fd < 0) {
        die("/dev/xen/xenbus");
    }
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
        fail("direct read: data differs");
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

    /* good again: the ring and the disk still work */
    memset(page(back), 0, NR_DATA * PAGE);
    id = indirect(OP_READ, NR_DATA, 8, back, grefs[1]);
    submit("indirect read after the bad requests", id, OP_READ, RSP_OKAY);
    check_read_back("indirect read after the bad requests");

    xs_printf(fe, "state", "%d", 6);    /* Closed */
    wait_backend(6);
    printf("XBLK: summary good %d bad %d failed %d\n", good, bad, failed);
    return failed ? 1 : 0;
}
