/*
 * The test frontends' shared parts: see xen-frontend.h.
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
#include <unistd.h>
typedef uint16_t domid_t;   /* <xen/evtchn.h> uses it, does not define it */
#include <xen/evtchn.h>
#include <xen/gntalloc.h>
#include <xen/io/xs_wire.h>

#include "xen-frontend.h"

const char *xf_tag = "XFRONT";
int xf_good, xf_bad;
static int failed;
static int xs_fd = -1, evtchn_fd = -1;
static unsigned port;

void xf_fail(const char *fmt, ...)
{
    va_list ap;

    printf("%s: FAIL ", xf_tag);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    failed++;
}

int xf_summary(void)
{
    printf("%s: summary good %d bad %d failed %d\n", xf_tag, xf_good, xf_bad,
           failed);
    fflush(stdout);
    return failed ? 1 : 0;
}

void xf_die(const char *what)
{
    xf_fail("%s: %s", what, strerror(errno));
    exit(xf_summary());
}

void xf_xs_open(void)
{
    xs_fd = open("/dev/xen/xenbus", O_RDWR);
    if (xs_fd < 0) {
        xf_die("/dev/xen/xenbus");
    }
}

/* One xenstore request; reply in buf (NUL ended) */
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
        xf_die("xenbus write");
    }
    n = read(xs_fd, out, sizeof(out) - 1);
    if (n < (ssize_t)sizeof(msg)) {
        xf_die("xenbus read");
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

int xf_xs_read(const char *path, char *buf, size_t size)
{
    return xs_request(XS_READ, path, NULL, buf, size);
}

void xf_xs_printf(const char *dir, const char *key, const char *fmt, ...)
{
    char path[192], value[64];
    va_list ap;

    snprintf(path, sizeof(path), "%s/%s", dir, key);
    va_start(ap, fmt);
    vsnprintf(value, sizeof(value), fmt, ap);
    va_end(ap);
    if (xs_request(XS_WRITE, path, value, NULL, 0)) {
        xf_fail("xenstore write %s=%s refused", path, value);
    }
}

unsigned xf_find_backend(const char *type, unsigned id, char *fe, char *be)
{
    char path[192], buf[16];

    snprintf(fe, 64, "device/%s/%u", type, id);
    snprintf(path, sizeof(path), "%s/backend", fe);
    if (xf_xs_read(path, be, 128)) {
        xf_die("no backend path in xenstore");
    }
    snprintf(path, sizeof(path), "%s/backend-id", fe);
    return xf_xs_read(path, buf, sizeof(buf)) ? 0 : atoi(buf);
}

static int backend_state(const char *be)
{
    char path[192], buf[16];

    snprintf(path, sizeof(path), "%s/state", be);
    return xf_xs_read(path, buf, sizeof(buf)) ? -1 : atoi(buf);
}

int xf_wait_backend(const char *be, int state)
{
    for (int i = 0; i < 1000; i++) {
        if (backend_state(be) == state) {
            return 0;
        }
        usleep(10000);
    }
    xf_fail("backend state %d, not %d, after 10 s", backend_state(be),
            state);
    return -1;
}

uint8_t *xf_grant_pages(unsigned domid, unsigned n, uint32_t *grefs)
{
    struct ioctl_gntalloc_alloc_gref *alloc;
    uint8_t *pages;
    int fd;

    fd = open("/dev/xen/gntalloc", O_RDWR);
    if (fd < 0) {
        xf_die("/dev/xen/gntalloc");
    }
    alloc = calloc(1, sizeof(*alloc) + n * sizeof(uint32_t));
    alloc->domid = domid;
    alloc->flags = GNTALLOC_FLAG_WRITABLE;
    alloc->count = n;
    if (ioctl(fd, IOCTL_GNTALLOC_ALLOC_GREF, alloc)) {
        xf_die("IOCTL_GNTALLOC_ALLOC_GREF");
    }
    memcpy(grefs, alloc->gref_ids, n * sizeof(uint32_t));
    pages = mmap(NULL, (size_t)n * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
                 fd, alloc->index);
    if (pages == MAP_FAILED) {
        xf_die("mmap of the granted pages");
    }
    memset(pages, 0, (size_t)n * PAGE);
    free(alloc);
    return pages;
}

unsigned xf_bind_port(unsigned domid)
{
    struct ioctl_evtchn_bind_unbound_port bind = { .remote_domain = domid };
    int ret;

    evtchn_fd = open("/dev/xen/evtchn", O_RDWR);
    if (evtchn_fd < 0) {
        xf_die("/dev/xen/evtchn");
    }
    ret = ioctl(evtchn_fd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &bind);
    if (ret < 0) {
        xf_die("IOCTL_EVTCHN_BIND_UNBOUND_PORT");
    }
    port = ret;
    return port;
}

void xf_notify(void)
{
    struct ioctl_evtchn_notify notify = { .port = port };

    ioctl(evtchn_fd, IOCTL_EVTCHN_NOTIFY, &notify);
}

/* xorshift64, its state spread from the seed and never 0 */
static uint64_t rng = 1;

void xf_seed(const char *text)
{
    uint64_t v = 0;

    sscanf(text, "%" SCNi64, &v);
    rng = v * 0x9e3779b97f4a7c15ULL | 1;
}

uint64_t xf_rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}
