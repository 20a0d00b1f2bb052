/*
 * xen-populate: a guest process that moves single pages in and out of
 * the domain's memory through Xen's memory_op hypercall, for the
 * "balloon-slack" scenario (scenarios.py).
 *
 *     xen-populate reservation           current and maximum reservation
 *     xen-populate populate GFN [N]      XENMEM_populate_physmap of the N
 *                                        frames from GFN, one call each
 *     xen-populate giveback GFN [N]      XENMEM_decrease_reservation, same
 *     xen-populate write GFN SEED        fill frame GFN with SEED's pattern
 *     xen-populate check GFN WHAT        frame GFN holds WHAT: a SEED's
 *                                        pattern, "zero" or "ones"
 *
 * The hypercalls go through Linux's /dev/xen/privcmd (xen-privcmd, which
 * in a domU needs xen_privcmd.unrestricted=1, else it refuses them all
 * with EPERM), the frames are reached through /dev/mem: the frames the
 * scenario uses are no RAM to Linux, which lets a root process map them
 * even with STRICT_DEVMEM.  Each frame takes a call of its own, so that
 * the count done says exactly which frames made it.
 *
 * Results are console lines "XPOP: ...":
 *     XPOP: reservation current N maximum N
 *     XPOP: populate gfn 0xG asked N done N failed N [first 0xG ret R]
 *     XPOP: giveback gfn 0xG asked N done N failed N [first 0xG ret R]
 *     XPOP: write gfn 0xG seed S
 *     XPOP: check gfn 0xG want W got G [at OFFSET 0xVALUE]
 * where G is "zero", "ones", "seed" (WHAT's pattern) or "other".  The
 * exit status is 0 iff every call did what was asked (every frame done,
 * the frame holds WHAT), 1 if not, 2 for bad usage.
 *
 * Built static (gcc -static -no-pie -O2) by build-images.sh.
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
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

/* Linux's privcmd interface (include/uapi/xen/privcmd.h) */
struct privcmd_hypercall {
    uint64_t op;
    uint64_t arg[5];
};
#define IOCTL_PRIVCMD_HYPERCALL \
    _IOC(_IOC_NONE, 'P', 0, sizeof(struct privcmd_hypercall))

/* Xen's public interface (xen/include/public/memory.h), x86-64 layout */
#define HYPERVISOR_memory_op            12
#define XENMEM_decrease_reservation     1
#define XENMEM_current_reservation      3
#define XENMEM_maximum_reservation      4
#define XENMEM_populate_physmap         6
#define DOMID_SELF                      0x7ff0

struct xen_memory_reservation {
    uint64_t extent_start;      /* guest pointer to xen_pfn_t[] */
    uint64_t nr_extents;
    uint32_t extent_order;
    uint32_t mem_flags;
    uint16_t domid;
};

#define PAGE_SIZE       4096
#define PAGE_WORDS      (PAGE_SIZE / 8)
#define MAX_FRAMES      65536   /* a sanity bound on N */

static int privcmd = -1;

static const char *usage_text =
    "usage: xen-populate reservation\n"
    "       xen-populate populate|giveback GFN [N]\n"
    "       xen-populate write GFN SEED\n"
    "       xen-populate check GFN SEED|zero|ones\n";

/* A hypercall through privcmd: its return value, or -errno */
static long hypercall(uint64_t op, uint64_t a0, uint64_t a1)
{
    struct privcmd_hypercall h = { .op = op, .arg = { a0, a1 } };
    long ret;

    if (privcmd < 0) {
        privcmd = open("/dev/xen/privcmd", O_RDWR | O_CLOEXEC);
        if (privcmd < 0) {
            printf("XPOP: open /dev/xen/privcmd: %s\n", strerror(errno));
            exit(1);
        }
    }
    /* privcmd hands a negative hypercall return back as errno */
    ret = ioctl(privcmd, IOCTL_PRIVCMD_HYPERCALL, &h);
    return ret < 0 ? -errno : ret;
}

static long reservation(int cmd)
{
    uint16_t domid = DOMID_SELF;

    return hypercall(HYPERVISOR_memory_op, cmd, (uintptr_t)&domid);
}

/* One extent of one frame: 1 if done, 0 if refused, or -errno */
static long one_frame(int cmd, uint64_t gfn)
{
    uint64_t frame = gfn;       /* the extent list, of one frame */
    struct xen_memory_reservation r = {
        .extent_start = (uintptr_t)&frame,
        .nr_extents = 1,
        .extent_order = 0,
        .mem_flags = 0,
        .domid = DOMID_SELF,
    };

    return hypercall(HYPERVISOR_memory_op, cmd, (uintptr_t)&r);
}

static int do_reservation(void)
{
    long cur = reservation(XENMEM_current_reservation);
    long max = reservation(XENMEM_maximum_reservation);

    printf("XPOP: reservation current %ld maximum %ld\n", cur, max);
    return cur < 0 || max < 0;
}

static int do_frames(const char *name, int cmd, uint64_t gfn, uint64_t n)
{
    uint64_t done = 0, failed = 0, first = 0;
    long first_ret = 0;

    for (uint64_t i = 0; i < n; i++) {
        long ret = one_frame(cmd, gfn + i);

        if (ret == 1) {
            done++;
            continue;
        }
        if (!failed++) {
            first = gfn + i;
            first_ret = ret;
        }
    }
    printf("XPOP: %s gfn 0x%" PRIx64 " asked %" PRIu64 " done %" PRIu64
           " failed %" PRIu64, name, gfn, n, done, failed);
    if (failed) {
        printf(" first 0x%" PRIx64 " ret %ld", first, first_ret);
    }
    printf("\n");
    return done != n;
}

/* The frame @gfn, mapped through /dev/mem, uncached (O_SYNC) */
static volatile uint64_t *map_frame(uint64_t gfn)
{
    int fd = open("/dev/mem", O_RDWR | O_SYNC | O_CLOEXEC);
    void *p;

    if (fd < 0) {
        printf("XPOP: open /dev/mem: %s\n", strerror(errno));
        exit(1);
    }
    p = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
             (off_t)(gfn * PAGE_SIZE));
    if (p == MAP_FAILED) {
        printf("XPOP: mmap gfn 0x%" PRIx64 " of /dev/mem: %s\n", gfn,
               strerror(errno));
        exit(1);
    }
    close(fd);                  /* the mapping stays */
    return p;
}

/*
 * Word @i of SEED's pattern at frame @gfn: the frame number is mixed in,
 * so that a page that turns up at another frame does not pass.
 */
static uint64_t pattern(uint64_t seed, uint64_t gfn, unsigned i)
{
    uint64_t x = seed * 0x9e3779b97f4a7c15ULL + gfn * 0xbf58476d1ce4e5b9ULL +
                 i * 0x94d049bb133111ebULL + 1;

    /* splitmix64's finaliser: no word is 0 or all ones by accident */
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

static int do_write(uint64_t gfn, uint64_t seed)
{
    /* volatile: each store must reach the frame, as to a device */
    volatile uint64_t *p = map_frame(gfn);

    for (unsigned i = 0; i < PAGE_WORDS; i++) {
        p[i] = pattern(seed, gfn, i);
    }
    printf("XPOP: write gfn 0x%" PRIx64 " seed %" PRIu64 "\n", gfn, seed);
    return 0;
}

/* What word @i of the frame should be, for do_check() */
static uint64_t expected(int seeded, uint64_t seed, const char *want,
                         uint64_t gfn, unsigned i)
{
    if (seeded) {
        return pattern(seed, gfn, i);
    }
    return strcmp(want, "ones") ? 0 : UINT64_MAX;
}

static int do_check(uint64_t gfn, const char *want)
{
    volatile uint64_t *p;       /* each load from the frame itself */
    uint64_t page[PAGE_WORDS], seed = 0;
    int seeded = strcmp(want, "zero") && strcmp(want, "ones");
    int zero = 1, ones = 1, is_seed = seeded;
    const char *got, *wanted = seeded ? "seed" : want;
    char *end;
    unsigned i;

    if (seeded) {
        errno = 0;
        seed = strtoull(want, &end, 0);
        if (!*want || *end || errno) {
            fputs(usage_text, stderr);
            return 2;
        }
    }
    /* each word read once, then judged on the copy */
    p = map_frame(gfn);
    for (i = 0; i < PAGE_WORDS; i++) {
        page[i] = p[i];
    }
    for (i = 0; i < PAGE_WORDS; i++) {
        zero &= page[i] == 0;
        ones &= page[i] == UINT64_MAX;
        is_seed &= page[i] == pattern(seed, gfn, i);
    }
    got = zero ? "zero" : ones ? "ones" : is_seed ? "seed" : "other";
    printf("XPOP: check gfn 0x%" PRIx64 " want %s got %s", gfn, wanted, got);
    if (strcmp(got, wanted)) {
        /* the first word that is not what was wanted: stale, or torn? */
        for (i = 0; page[i] == expected(seeded, seed, want, gfn, i); i++) {
            continue;
        }
        printf(" at 0x%x 0x%016" PRIx64, i * 8, page[i]);
    }
    printf("\n");
    return strcmp(got, wanted) != 0;
}

static uint64_t number(const char *s)
{
    char *end;
    uint64_t v;

    errno = 0;
    v = strtoull(s, &end, 0);
    if (!*s || *end || errno) {
        fputs(usage_text, stderr);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "";
    uint64_t gfn, n;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (!strcmp(cmd, "reservation") && argc == 2) {
        return do_reservation();
    }
    if (argc < 3) {
        fputs(usage_text, stderr);
        return 2;
    }
    gfn = number(argv[2]);
    if ((!strcmp(cmd, "populate") || !strcmp(cmd, "giveback")) &&
        argc <= 4) {
        n = argc == 4 ? number(argv[3]) : 1;
        if (!n || n > MAX_FRAMES) {
            fputs(usage_text, stderr);
            return 2;
        }
        return do_frames(cmd, cmd[0] == 'p' ? XENMEM_populate_physmap
                                            : XENMEM_decrease_reservation,
                         gfn, n);
    }
    if (!strcmp(cmd, "write") && argc == 4) {
        return do_write(gfn, number(argv[3]));
    }
    if (!strcmp(cmd, "check") && argc == 4) {
        return do_check(gfn, argv[3]);
    }
    fputs(usage_text, stderr);
    return 2;
}
