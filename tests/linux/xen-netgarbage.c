/*
 * xen-netgarbage: a guest process that plays netfront for one vif and
 * transmits good and bad packets to QEMU's xen-net backend, for the
 * "bad-net" scenario (scenarios.py).
 *
 *     xen-netgarbage VIF [FUZZ SEED]
 *
 * VIF is the xenbus id of a vif that no driver holds (the scenario
 * unbinds netfront from it first).  Through /dev/xen/xenbus,
 * /dev/xen/gntalloc and /dev/xen/evtchn it connects a transmit and a
 * receive ring, then transmits, one packet at a time:
 *   - good packets: a UDP datagram in one slot; one in three slots with
 *     its checksum left blank; a TCP segment of 6000 bytes in four slots
 *     with a GSO extra slot (segment size 1448), which the backend must
 *     cut into 5 frames;
 *   - bad ones, each of which must be answered NETIF_RSP_ERROR in every
 *     slot (NETIF_RSP_NULL in an extra slot) and reach nobody;
 *   - with FUZZ, that many random packets from SEED (same SEED, same
 *     packets) instead of the good and bad ones: UDP datagrams and TCP
 *     segments, whole or damaged, over 1 to 22 slots with any grant,
 *     offset and size, checksum flags, and GSO extra slots of any type,
 *     size and flags.  Every slot must be answered once, a packet's
 *     slots all NETIF_RSP_OKAY or all NETIF_RSP_ERROR;
 *   - the first good packet again.
 * The scenario checks what reaches the host.  Results are console lines
 * "XNET: ...", the last one
 *     XNET: summary good N bad N failed N
 * (after "XNET: fuzz N packets: okay N error N" with FUZZ)
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

#define NR_DATA         20              /* one page per data slot */
#define NR_PAGES        (2 + NR_DATA)   /* tx ring, rx ring, data */
#define TX_SLOTS        256             /* one page, 12-byte slots */
#define RING_HEADER     64              /* sring's indexes and padding */
#define SLOT            12

/* Xen's public/io/netif.h */
#define TXF_CSUM_BLANK  1
#define TXF_VALIDATED   2
#define TXF_MORE_DATA   4
#define TXF_EXTRA_INFO  8
#define EXTRA_GSO       1
#define GSO_TCPV4       1
#define GSO_TCPV6       2
#define RSP_ERROR       (-1)
#define RSP_OKAY        0
#define RSP_NULL        1

#define GSO_MSS         1448
#define TCP_PAYLOAD     6000

static unsigned backend_id;
static char fe[64], be[128];
static uint8_t *pages;
static uint32_t grefs[NR_PAGES];
static uint32_t req_prod, rsp_cons;
static uint16_t next_id = 100;

static uint8_t *page(unsigned i)
{
    return pages + (size_t)i * PAGE;
}

/*
 * The tx ring's indexes, which the backend updates from another thread:
 * volatile, so that every poll reads memory
 */
static volatile uint32_t *tx_index(unsigned off)
{
    return (volatile uint32_t *)(page(0) + off);   /* as above */
}

static uint8_t *tx_slot(uint32_t i)
{
    return page(0) + RING_HEADER + (i % TX_SLOTS) * SLOT;
}

/*
 * A data slot: data at @offset in @gref, @size bytes (the whole packet's
 * in a first slot)
 */
static uint16_t put_req(uint32_t gref, uint16_t offset, uint16_t flags,
                        uint16_t size)
{
    uint8_t *s = tx_slot(req_prod++);
    uint16_t id = next_id++;

    memset(s, 0, SLOT);
    memcpy(s, &gref, 4);
    memcpy(s + 4, &offset, 2);
    memcpy(s + 6, &flags, 2);
    memcpy(s + 8, &id, 2);
    memcpy(s + 10, &size, 2);
    return id;
}

static void put_extra(uint8_t type, uint8_t flags, uint16_t gso_size,
                      uint8_t gso_type)
{
    uint8_t *s = tx_slot(req_prod++);

    memset(s, 0, SLOT);
    s[0] = type;
    s[1] = flags;
    memcpy(s + 2, &gso_size, 2);
    s[4] = gso_type;
}

/*
 * Set req_prod to @push_to and notify; wait for @want responses (exit
 * if they do not come)
 */
static void push(const char *what, uint32_t push_to, unsigned want)
{
    int i;

    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    *tx_index(0) = push_to;             /* req_prod */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    xf_notify();

    for (i = 0; i < 5000 && *tx_index(8) - rsp_cons < want; i++) {
        usleep(1000);
    }
    if (*tx_index(8) - rsp_cons != want) {
        xf_fail("%s: %u responses after 5 s, want %u", what,
                *tx_index(8) - rsp_cons, want);
        exit(xf_summary());
    }
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/*
 * Push the slots put since @first, wait for as many responses: each of
 * @ids must be answered @status once, and the @extras others
 * NETIF_RSP_NULL.  @push_to: where req_prod goes (req_prod, or fewer
 * slots for a chain that runs past the requests).
 */
static void transmit(const char *what, uint32_t push_to, const uint16_t *ids,
                     unsigned n, unsigned extras, int status)
{
    unsigned want = n + extras, nulls = 0, seen[32] = { 0 };
    int ok = 1;

    push(what, push_to, want);
    for (unsigned r = 0; r < want; r++) {
        uint8_t *s = tx_slot(rsp_cons++);
        uint16_t id;
        int16_t st;
        unsigned k;

        memcpy(&id, s, 2);
        memcpy(&st, s + 2, 2);
        if (st == RSP_NULL) {
            nulls++;
            continue;
        }
        k = 0;
        while (k < n && ids[k] != id) {
            k++;
        }
        if (k == n || st != status || seen[k]++) {
            xf_fail("%s: response id %u status %d, want one of %u ids with "
                    "%d", what, id, st, n, status);
            ok = 0;
        }
    }
    *tx_index(12) = rsp_cons + 1;       /* rsp_event */
    req_prod = push_to;
    if (nulls != extras) {
        xf_fail("%s: %u NULL responses, want %u", what, nulls, extras);
        ok = 0;
    }
    if (ok) {
        printf("XNET: ok %s\n", what);
        if (status == RSP_OKAY) {
            xf_good++;
        } else {
            xf_bad++;
        }
    }
}

static uint16_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2) {
        sum += (p[i] << 8) | p[i + 1];
    }
    if (n & 1) {
        sum += p[n - 1] << 8;
    }
    while (sum >> 16) {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return sum;
}

/*
 * An IPv4 packet in one buffer: Ethernet to the broadcast address, IP
 * from 10.9.0.2 to 10.9.0.1, @proto with @l4_len bytes after the IP
 * header, which the caller fills.  The IP header's checksum is right.
 */
static size_t ipv4(uint8_t *buf, uint8_t proto, size_t l4_len)
{
    static const uint8_t head[] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34,
        0x56, 0x08, 0x00,
    };
    uint8_t *ip = buf + 14;
    uint16_t total = 20 + l4_len, sum;

    memcpy(buf, head, sizeof(head));
    memset(ip, 0, 20);
    ip[0] = 0x45;
    ip[2] = total >> 8;
    ip[3] = total;
    ip[8] = 64;
    ip[9] = proto;
    memcpy(ip + 12, (uint8_t[]){ 10, 9, 0, 2, 10, 9, 0, 1 }, 8);
    sum = ~csum_add(0, ip, 20);
    ip[10] = sum >> 8;
    ip[11] = sum;
    return 14 + total;
}

/* A UDP datagram to port 9 with @len bytes of @fill; checksum right or 0 */
static size_t udp(uint8_t *buf, size_t len, uint8_t fill, int blank)
{
    size_t size = ipv4(buf, 17, 8 + len);
    uint8_t *u = buf + 34;
    uint32_t sum;
    uint16_t c;

    u[0] = 40000 >> 8;
    u[1] = 40000 & 0xff;
    u[2] = 0;
    u[3] = 9;
    u[4] = (8 + len) >> 8;
    u[5] = 8 + len;
    u[6] = u[7] = 0;
    memset(u + 8, fill, len);
    if (!blank) {
        sum = csum_add(0, buf + 26, 8) + 17 + 8 + len;
        c = ~csum_add(sum, u, 8 + len);
        u[6] = c >> 8;
        u[7] = c;
    }
    return size;
}

/* A TCP segment (ACK|PSH, seq 1000) with @len bytes of pattern */
static size_t tcp(uint8_t *buf, size_t len)
{
    size_t size = ipv4(buf, 6, 20 + len);
    uint8_t *t = buf + 34;

    memset(t, 0, 20);
    t[0] = 40000 >> 8;
    t[1] = 40000 & 0xff;
    t[3] = 9;
    t[6] = 1000 >> 8;
    t[7] = 1000 & 0xff;
    t[12] = 5 << 4;
    t[13] = 0x18;
    t[14] = 0x20;
    for (size_t i = 0; i < len; i++) {
        t[20 + i] = (uint8_t)(i * 7 + i / 251);
    }
    return size;
}

/*
 * Spread the packet at @buf (@size bytes) over @n slots from data page
 * @first: the first slot takes @head bytes, the others share the rest,
 * each at @offset in its page.  The ids of the slots in @ids.
 */
static void spread(const uint8_t *buf, size_t size, unsigned n, size_t head,
                   uint16_t flags, uint16_t offset, unsigned first,
                   uint16_t *ids, int extra_after_first, uint16_t gso_size,
                   uint8_t gso_type)
{
    size_t done = 0, len;

    for (unsigned i = 0; i < n; i++) {
        len = i == 0 ? head : (size - head) / (n - 1) +
              (i == n - 1 ? (size - head) % (n - 1) : 0);
        memcpy(page(2 + first + i) + offset, buf + done, len);
        ids[i] = put_req(grefs[2 + first + i], offset,
                         (i == 0 ? flags : 0) |
                         (i + 1 < n ? TXF_MORE_DATA : 0),
                         i == 0 ? size : len);
        done += len;
        if (i == 0 && extra_after_first) {
            put_extra(EXTRA_GSO, 0, gso_size, gso_type);
        }
    }
}

/*
 * Push the slots put since @first, wait for one response to each: the
 * data slots' (@n, from id @id0 on) all NETIF_RSP_OKAY or all
 * NETIF_RSP_ERROR, the others NETIF_RSP_NULL.  The status, or 2.
 */
static int fuzz_transmit(uint32_t first, uint16_t id0, unsigned n)
{
    unsigned want = req_prod - first, answered = 0;
    int status = 2;

    push("fuzz", req_prod, want);
    for (unsigned r = 0; r < want; r++) {
        uint8_t *sl = tx_slot(rsp_cons++);
        uint16_t id;
        int16_t st;

        memcpy(&id, sl, 2);
        memcpy(&st, sl + 2, 2);
        if (st == RSP_NULL) {
            continue;
        }
        if ((uint16_t)(id - id0) >= n || (st != RSP_OKAY && st != RSP_ERROR) ||
            (status != 2 && st != status)) {
            xf_fail("fuzz: response id %u status %d (ids %u to %u)", id, st,
                    id0, (uint16_t)(id0 + n - 1));
            return 2;
        }
        status = st;
        answered++;
    }
    *tx_index(12) = rsp_cons + 1;       /* rsp_event */
    if (answered != n) {
        xf_fail("fuzz: %u data slots answered, want %u", answered, n);
        return 2;
    }
    return status;
}

/*
 * @n random packets, one at a time.  Half are nearly right: a frame
 * whose slots add up, a damaged byte or field at most.  The chain always
 * ends within the pushed slots (MORE_DATA on all data slots but the
 * last, an extra slot's MORE flag only before another extra), so that
 * the backend has all of it.
 */
static void fuzz(unsigned n)
{
    static uint8_t buf[65536];
    unsigned okay = 0, error = 0;

    for (unsigned k = 0; k < n; k++) {
        uint64_t r = xf_rnd();
        int sane = r >> 63, status;
        unsigned nslots = sane ? 1 + r % 4 : 1 + r % 22;
        size_t size = r & 2 ? tcp(buf, (r >> 8) % 9000) :
                      udp(buf, (r >> 8) % 9000, 'f', r & 4);
        size_t head, done = 0, len;
        uint32_t first = req_prod;
        uint16_t id0 = next_id, flags;
        unsigned extras = r & 8 ? 1 + (r >> 24) % 2 : 0;

        if (r & 16) {                   /* a damaged byte */
            buf[sane ? 34 + xf_rnd() % (size - 34) : xf_rnd() % size] ^=
                1 << xf_rnd() % 8;
        }
        head = nslots == 1 ? size : 14 + xf_rnd() % (size - 13);
        for (unsigned i = 0; i < nslots; i++) {
            uint16_t off = sane ? xf_rnd() % 64 : xf_rnd() % 4096;
            uint32_t gref = grefs[2 + i % NR_DATA];

            len = i == 0 ? head : i == nslots - 1 ? size - done :
                  (size - done) / (nslots - i);
            if (off + len > PAGE && (sane || xf_rnd() % 2)) {
                off = len < PAGE ? PAGE - len : 0;  /* within its page */
            }
            memcpy(page(2 + i % NR_DATA) + off, buf + done,
                   off + len <= PAGE ? len : (size_t)(PAGE - off));
            if (!sane && xf_rnd() % 8 == 0) {
                gref = xf_rnd() % 3 ? xf_rnd() | 0x100000 : 2 + xf_rnd() % 6;
            }
            flags = i + 1 < nslots ? TXF_MORE_DATA : 0;
            if (i == 0) {
                flags |= xf_rnd() & (TXF_CSUM_BLANK | TXF_VALIDATED);
                flags |= extras ? TXF_EXTRA_INFO : 0;
            }
            put_req(gref, off, flags,
                    i == 0 ? (sane || xf_rnd() % 4 ? size : xf_rnd()) :
                    (sane || xf_rnd() % 4 ? len : xf_rnd()));
            done += len;
            for (unsigned e = 0; i == 0 && e < extras; e++) {
                uint64_t x = xf_rnd();

                put_extra(sane ? EXTRA_GSO : x % 8,
                          e + 1 < extras ? 1 : 0,
                          sane ? 500 + x % 1500 : x >> 8,
                          sane ? 1 + (x >> 32) % 2 : x >> 32);
            }
        }
        status = fuzz_transmit(first, id0, nslots);
        if (status == RSP_OKAY) {
            okay++;
        } else if (status == RSP_ERROR) {
            error++;
        }
    }
    printf("XNET: fuzz %u packets: okay %u error %u\n", n, okay, error);
}

static void connect_rings(unsigned vif)
{
    backend_id = xf_find_backend("vif", vif, fe, be);

    pages = xf_grant_pages(backend_id, NR_PAGES, grefs);
    *tx_index(4) = 1;                   /* req_event */
    *tx_index(12) = 1;                  /* rsp_event */

    /* a frontend left Closed by netfront (or a previous run) restarts */
    xf_xs_printf(fe, "state", "%d", 1); /* Initialising */
    if (xf_wait_backend(be, 2)) {       /* InitWait */
        exit(xf_summary());
    }
    xf_xs_printf(fe, "tx-ring-ref", "%u", grefs[0]);
    xf_xs_printf(fe, "rx-ring-ref", "%u", grefs[1]);
    xf_xs_printf(fe, "event-channel", "%u", xf_bind_port(backend_id));
    xf_xs_printf(fe, "request-rx-copy", "%u", 1);
    xf_xs_printf(fe, "state", "%d", 4); /* Connected */
    if (xf_wait_backend(be, 4)) {
        exit(xf_summary());
    }
    printf("XNET: connected, tx ring gref %u\n", grefs[0]);
}

int main(int argc, char **argv)
{
    static uint8_t buf[65536];
    uint16_t ids[NR_DATA];
    uint32_t start;
    size_t size;

    if (argc != 2 && argc != 4) {
        fprintf(stderr, "usage: xen-netgarbage VIF [FUZZ SEED]\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    xf_tag = "XNET";
    xf_xs_open();
    connect_rings(atoi(argv[1]));
    if (argc == 4) {
        xf_seed(argv[3]);
        fuzz(atoi(argv[2]));
        goto good_again;
    }

    /* good: each reaches the host */
    size = udp(buf, 100, 'a', 0);
    spread(buf, size, 1, size, 0, 0, 0, ids, 0, 0, 0);
    transmit("UDP, one slot", req_prod, ids, 1, 0, RSP_OKAY);
    size = udp(buf, 3000 - 42, 'b', 1);
    spread(buf, size, 3, 1000, TXF_CSUM_BLANK | TXF_VALIDATED, 100, 0, ids,
           0, 0, 0);
    transmit("UDP, three slots, checksum blank", req_prod, ids, 3, 0,
             RSP_OKAY);
    size = tcp(buf, TCP_PAYLOAD);
    spread(buf, size, 4, 54, TXF_CSUM_BLANK | TXF_EXTRA_INFO, 0, 0, ids, 1,
           GSO_MSS, GSO_TCPV4);
    transmit("TCP, GSO of 6000 bytes in four slots", req_prod, ids, 4, 1,
             RSP_OKAY);

    /* bad: every slot NETIF_RSP_ERROR, nothing sent */
    size = udp(buf, 100, 'x', 0);
    spread(buf, 10, 1, 10, 0, 0, 0, ids, 0, 0, 0);
    transmit("10 bytes", req_prod, ids, 1, 0, RSP_ERROR);
    spread(buf, size, 2, 100, 0, 0, 0, ids, 0, 0, 0);
    memcpy(tx_slot(req_prod - 1) + 10, &(uint16_t){ 2000 }, 2);
    transmit("second slot larger than the packet", req_prod, ids, 2, 0,
             RSP_ERROR);
    spread(buf, size, 2, 10, 0, 0, 0, ids, 0, 0, 0);
    transmit("first slot shorter than an Ethernet header", req_prod, ids, 2,
             0, RSP_ERROR);
    spread(buf, size, 1, size, 0, 4000, 0, ids, 0, 0, 0);
    transmit("slot crossing its page", req_prod, ids, 1, 0, RSP_ERROR);
    spread(buf, size, 1, size, 0, 0, 0, ids, 0, 0, 0);
    memcpy(tx_slot(req_prod - 1), &(uint32_t){ 0x7fffffff }, 4);
    transmit("gref 0x7fffffff", req_prod, ids, 1, 0, RSP_ERROR);
    spread(buf, size, 1, size, 0, 0, 0, ids, 0, 0, 0);
    memcpy(tx_slot(req_prod - 1), &(uint32_t){ 0xffffffff }, 4);
    transmit("gref 0xffffffff", req_prod, ids, 1, 0, RSP_ERROR);
    size = udp(buf, 19 * 100, 'x', 0);
    spread(buf, size, 19, 142, 0, 0, 0, ids, 0, 0, 0);
    transmit("19 slots", req_prod, ids, 19, 0, RSP_ERROR);
    size = tcp(buf, TCP_PAYLOAD);
    spread(buf, size, 4, 54, TXF_CSUM_BLANK | TXF_EXTRA_INFO, 0, 0, ids, 1,
           0, GSO_TCPV4);
    transmit("GSO segment size 0", req_prod, ids, 4, 1, RSP_ERROR);
    spread(buf, size, 4, 54, TXF_CSUM_BLANK | TXF_EXTRA_INFO, 0, 0, ids, 1,
           GSO_MSS, 3);
    transmit("GSO type 3", req_prod, ids, 4, 1, RSP_ERROR);
    spread(buf, size, 4, 54, TXF_CSUM_BLANK | TXF_EXTRA_INFO, 0, 0, ids, 1,
           GSO_MSS, GSO_TCPV6);
    transmit("GSO TCPv6 on an IPv4 segment", req_prod, ids, 4, 1, RSP_ERROR);
    size = udp(buf, 3000, 'x', 1);
    spread(buf, size, 2, 1500, TXF_CSUM_BLANK | TXF_EXTRA_INFO, 0, 0, ids, 1,
           GSO_MSS, GSO_TCPV4);
    transmit("GSO TCPv4 on a UDP datagram", req_prod, ids, 2, 1, RSP_ERROR);
    size = udp(buf, 100, 'x', 0);
    spread(buf, size, 1, size, TXF_EXTRA_INFO, 0, 0, ids, 1, 0, 0);
    tx_slot(req_prod - 1)[0] = 0;       /* extra type 0 */
    transmit("extra info of type 0", req_prod, ids, 1, 1, RSP_ERROR);
    spread(buf, size, 1, size, TXF_EXTRA_INFO, 0, 0, ids, 1, 0, 0);
    tx_slot(req_prod - 1)[0] = 9;       /* extra type 9 */
    transmit("extra info of type 9", req_prod, ids, 1, 1, RSP_ERROR);
    memcpy(buf + 12, "\x08\x00", 2);    /* IPv4, 6 bytes of it */
    spread(buf, 20, 1, 20, TXF_CSUM_BLANK, 0, 0, ids, 0, 0, 0);
    transmit("checksum blank, IPv4 header cut short", req_prod, ids, 1, 0,
             RSP_ERROR);
    /* a chain whose last pushed slot says more data follows */
    start = req_prod;
    size = udp(buf, 2000, 'x', 0);
    spread(buf, size, 3, 1000, 0, 0, 0, ids, 0, 0, 0);
    transmit("chain past the pushed requests", start + 2, ids, 2, 0,
             RSP_ERROR);

good_again:
    size = udp(buf, 100, 'a', 0);
    spread(buf, size, 1, size, 0, 0, 0, ids, 0, 0, 0);
    transmit("UDP, one slot, after the bad packets", req_prod, ids, 1, 0,
             RSP_OKAY);

    xf_xs_printf(fe, "state", "%d", 6); /* Closed */
    xf_wait_backend(be, 6);
    return xf_summary();
}
