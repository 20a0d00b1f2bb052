/*
 * xen-xsgarbage: a guest process that sends QEMU's emulated xenstore
 * random requests through /dev/xen/xenbus, for the "bad-xenstore"
 * scenario (scenarios.py).
 *
 *     xen-xsgarbage N SEED
 *
 * It sends N requests made from SEED (same SEED, same requests), one at
 * a time: any type, the read-only ones (read, directory, get-perms,
 * watch) on any path, the others (write, mkdir, rm, set-perms) on paths
 * under data/xsfuzz, which it owns; paths and values of any length and
 * any bytes, with or without their NULs; permissions lists and
 * transaction ends of any text; transactions it started and ones it did
 * not.  The kernel refuses some itself (write() fails); every other one
 * must be answered with its own type or XS_ERROR, watch events aside.
 * Then xenstore must still work: a value written reads back, and the
 * device directory still lists a vbd and a vif.  Results are console
 * lines "XXS: ...":
 *     XXS: fuzz N requests: answered N error N refused N
 *     XXS: summary good N bad N failed N
 * and the exit status is 0 iff nothing failed.  With XXS_TRACE set in
 * the environment, each request is described on stderr before it goes,
 * to find the one that went unanswered.
 *
 * Built static (gcc -static -no-pie -O2), with xen-frontend.c, by
 * build-images.sh.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xen/io/xs_wire.h>

#include "xen-frontend.h"

#define FUZZ_DIR        "data/xsfuzz"
#define MAX_TX          4

static int fd;
static char in[2 * (sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX)];
static size_t in_len;
static uint32_t tx[MAX_TX];             /* transactions started, 0: none */


/* The next whole message from the device, watch events skipped */
static struct xsd_sockmsg *next_reply(void)
{
    struct xsd_sockmsg *m;
    size_t whole;
    ssize_t n;

    for (;;) {
        m = (struct xsd_sockmsg *)in;
        whole = sizeof(*m) + (in_len >= sizeof(*m) ? m->len : 0);
        if (in_len >= sizeof(*m) && m->len > XENSTORE_PAYLOAD_MAX) {
            xf_fail("a reply of %u bytes", m->len);
            exit(xf_summary());
        }
        if (in_len >= sizeof(*m) && in_len >= whole) {
            if (m->type != XS_WATCH_EVENT) {
                return m;
            }
            memmove(in, in + whole, in_len - whole);
            in_len -= whole;
            continue;
        }
        n = read(fd, in + in_len, sizeof(in) - in_len);
        if (n <= 0) {
            xf_die("xenbus read");
        }
        in_len += n;
    }
}

static void drop_reply(struct xsd_sockmsg *m)
{
    size_t whole = sizeof(*m) + m->len;

    memmove(in, in + whole, in_len - whole);
    in_len -= whole;
}

/* Random bytes, @n of them; text from a path's alphabet if @text */
static size_t put_text(char *p, size_t n, int text)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789"
                                   "-_@";

    for (size_t i = 0; i < n; i++) {
        uint64_t r = xf_rnd();

        p[i] = text && r % 64 ? alphabet[r / 64 % (sizeof(alphabet) - 1)]
                              : (char)(r / 64);
    }
    return n;
}

/* A path, NUL ended (most of the time): under FUZZ_DIR if @mine */
static size_t put_path(char *p, int mine)
{
    static const char *const any[] = {
        "", "/", "/local", "/local/domain/0", "device", "@introduceDomain",
        "@releaseDomain", "/tool", "control/shutdown", "..",
    };
    uint64_t r = xf_rnd();
    size_t n = 0, len;

    if (!mine && r % 3 == 0) {
        n = strlen(any[r / 3 % 10]);
        memcpy(p, any[r / 3 % 10], n);
    } else if (!mine && r % 3 == 1) {
        len = r % 64 ? 1 + r / 3 % 80 : 1 + r / 3 % 3000;
        n = put_text(p, len, 1);
    } else {
        n = strlen(FUZZ_DIR);
        memcpy(p, FUZZ_DIR, n);
        for (unsigned c = 0; c < 1 + r / 3 % 4; c++) {
            p[n++] = '/';
            len = r % 32 ? 1 + xf_rnd() % 12 : xf_rnd() % 400;
            n += put_text(p + n, len, r % 16);
        }
    }
    if (r >> 60) {
        p[n++] = 0;
    }
    return n;
}

/* One random request; its type, or -1 if the kernel refused it */
static int request(char *out, uint32_t *len, uint32_t *tx_id)
{
    struct xsd_sockmsg *m = (struct xsd_sockmsg *)out;
    char *p = out + sizeof(*m);
    static const uint32_t common[] = {
        XS_READ, XS_WRITE, XS_DIRECTORY, XS_DIRECTORY_PART, XS_MKDIR, XS_RM,
        XS_GET_PERMS, XS_SET_PERMS, XS_WATCH, XS_UNWATCH,
        XS_TRANSACTION_START, XS_TRANSACTION_END,
    };
    uint64_t r = xf_rnd();
    uint32_t type = r % 4 ? common[r / 4 % 12] :
                    r % 64 ? r / 4 % XS_TYPE_COUNT : r / 4 % 40;
    size_t n = 0;

    switch (type) {
    case XS_READ:
    case XS_DIRECTORY:
    case XS_DIRECTORY_PART:
    case XS_GET_PERMS:
        n = put_path(p, 0);
        if (type == XS_DIRECTORY_PART) {
            n += put_text(p + n, xf_rnd() % 6, xf_rnd() % 2);
        }
        break;
    case XS_MKDIR:
    case XS_RM:
        n = r % 64 ? put_path(p, 1) : (strcpy(p, FUZZ_DIR), sizeof(FUZZ_DIR));
        break;
    case XS_WRITE:
        n = put_path(p, 1);
        n += put_text(p + n, r % 32 ? xf_rnd() % 64 : xf_rnd() % 4000,
                      xf_rnd() % 2);
        break;
    case XS_SET_PERMS:
        n = put_path(p, 1);
        for (unsigned i = 0, perms = xf_rnd() % 5; i < perms; i++) {
            uint64_t x = xf_rnd();

            n += sprintf(p + n, "%c%u", "nrwbx"[x % 5],
                         x % 4 ? (unsigned)(x >> 8) % 3 : (unsigned)(x >> 8));
            if (x >> 62) {
                p[n++] = 0;
            }
        }
        break;
    case XS_WATCH:
    case XS_UNWATCH:
        n = put_path(p, r % 2);
        /* a token too long for an event beside its path, sometimes */
        n += put_text(p + n, r % 32 ? xf_rnd() % 16 : xf_rnd() % 4000, 1);
        p[n++] = 0;
        break;
    case XS_TRANSACTION_END:
        n = put_text(p, r % 4 ? 1 : xf_rnd() % 4, r % 4 ? 0 : 1);
        p[0] = r % 4 ? "TF"[r / 4 % 2] : p[0];
        p[n++] = 0;
        break;
    default:
        n = put_text(p, xf_rnd() % 32, xf_rnd() % 2);
        break;
    }
    if (n > XENSTORE_PAYLOAD_MAX) {
        n = XENSTORE_PAYLOAD_MAX;
    }
    m->type = type;
    m->req_id = (uint32_t)(r >> 32);
    m->tx_id = r % 4 ? 0 : r % 8 == 4 ? (uint32_t)xf_rnd() : tx[r / 8 % MAX_TX];
    if (type == XS_TRANSACTION_END && !m->tx_id) {
        /* Linux drops the reply to this one: the reader would wait */
        m->tx_id = tx[r / 8 % MAX_TX] ? tx[r / 8 % MAX_TX] : xf_rnd() | 1;
    }
    m->len = n;
    *len = sizeof(*m) + n;
    *tx_id = m->tx_id;
    return type;
}

static void fuzz(unsigned count)
{
    /* room for the longest request made, which is cut at the maximum */
    static char out[sizeof(struct xsd_sockmsg) + 4 * XENSTORE_PAYLOAD_MAX];
    unsigned answered = 0, error = 0, refused = 0;

    for (unsigned k = 0; k < count; k++) {
        struct xsd_sockmsg *reply;
        uint32_t len, tx_id, type, req_id;

        type = request(out, &len, &tx_id);
        req_id = ((struct xsd_sockmsg *)out)->req_id;
        if (getenv("XXS_TRACE")) {
            fprintf(stderr, "XXS: %u type %u len %u tx %u\n", k, type, len,
                    tx_id);
        }
        if (write(fd, out, len) != (ssize_t)len) {
            refused++;
            continue;
        }
        reply = next_reply();
        if (reply->type != type && reply->type != XS_ERROR) {
            xf_fail("request %u (type %u, %u bytes): a reply of type %u", k,
                    type, len, reply->type);
        } else if (reply->req_id != req_id) {
            xf_fail("request %u (type %u): reply id %u, want %u", k, type,
                    reply->req_id, req_id);
        } else if (reply->type == XS_ERROR) {
            error++;
        } else {
            answered++;
            if (type == XS_TRANSACTION_START) {
                sscanf((char *)(reply + 1), "%" SCNu32, &tx[xf_rnd() % MAX_TX]);
            } else if (type == XS_TRANSACTION_END) {
                for (unsigned i = 0; i < MAX_TX; i++) {
                    tx[i] = tx[i] == tx_id ? 0 : tx[i];
                }
            }
        }
        drop_reply(reply);
    }
    printf("XXS: fuzz %u requests: answered %u error %u refused %u\n", count,
           answered, error, refused);
}

int main(int argc, char **argv)
{
    char buf[4096];

    if (argc != 3) {
        fprintf(stderr, "usage: xen-xsgarbage N SEED\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    xf_tag = "XXS";
    xf_seed(argv[2]);
    fd = open("/dev/xen/xenbus", O_RDWR);
    if (fd < 0) {
        xf_die("/dev/xen/xenbus");
    }
    fuzz(atoi(argv[1]));
    close(fd);

    /* xenstore still works, and the guest's devices are still there */
    xf_xs_open();
    xf_xs_printf("data", "xsfuzz-check", "%d", 5853);
    if (xf_xs_read("data/xsfuzz-check", buf, sizeof(buf)) ||
        strcmp(buf, "5853")) {
        xf_fail("data/xsfuzz-check reads back \"%s\"", buf);
    } else if (xf_xs_read("device/vbd", buf, sizeof(buf)) ||
               xf_xs_read("device/vif", buf, sizeof(buf))) {
        xf_fail("device/vbd or device/vif is gone");
    } else {
        printf("XXS: ok xenstore still works\n");
        xf_good++;
    }
    return xf_summary();
}
