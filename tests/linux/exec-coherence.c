/*
 * exec-coherence: does code that reaches a page from a device (a block
 * device's DMA, a PV backend's grant copy, a NIC's receive path) run as
 * it arrived?
 *
 *   exec-coherence read DEV ROUNDS
 *       New code comes from DEV, read with O_DIRECT: the device writes
 *       the code page itself.
 *   exec-coherence recv IP PORT ROUNDS
 *       New code comes over TCP from IP:PORT (an HTTP server whose reply
 *       body is ROUNDS pages, page r holding the code of round r),
 *       received straight into the code page.
 *
 * Each round runs code in a page (written with memcpy), brings new code
 * into that very page from the source, runs it, then writes newer code
 * with memcpy and runs it once more.  The code is "mov $value, %eax;
 * ret", so what ran is the value it returns.  Prints
 * "XCOHERE: ROUNDS rounds stale-arrived N stale-store M" and exits with
 * status 0 when nothing stale ran.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#define PAGE 4096

typedef uint32_t (*code_fn)(void);

static void put_code(uint8_t *page, uint32_t value)
{
    uint8_t code[6] = { 0xb8, value, value >> 8, value >> 16, value >> 24,
                        0xc3 };

    memcpy(page, code, sizeof(code));
}

static uint8_t *map_code(size_t len)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE | PROT_EXEC,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

    if (p == MAP_FAILED) {
        perror("exec-coherence: mmap");
        exit(2);
    }
    return p;
}

/* Round r's code as it arrives from the source: returns ARRIVED(r) */
#define ARRIVED(r)  (0x20000000u + (uint32_t)(r))

struct source {
    int fd;
    bool disk;
    uint8_t *page;              /* a disk source's write buffer */
};

/* Bring round @r's code into @page; false on an I/O error */
static bool fetch(struct source *src, long r, uint8_t *page)
{
    if (src->disk) {
        off_t at = (off_t)(r % 256) * PAGE;

        put_code(src->page, ARRIVED(r));
        return pwrite(src->fd, src->page, PAGE, at) == PAGE &&
               pread(src->fd, page, PAGE, at) == PAGE;
    }
    return recv(src->fd, page, PAGE, MSG_WAITALL) == PAGE;
}

static int rounds(struct source *src, long n)
{
    uint8_t *page = map_code(PAGE);
    long stale_arrived = 0, stale_store = 0;

    for (long r = 0; r < n; r++) {
        uint32_t old = 0x10000000 + r, store = 0x30000000 + r;

        put_code(page, old);
        for (int i = 0; i < 3; i++) {
            ((code_fn)page)();          /* translated now, if ever */
        }
        if (!fetch(src, r, page)) {
            perror("exec-coherence: fetching code");
            return 2;
        }
        if (((code_fn)page)() != ARRIVED(r)) {
            stale_arrived++;
        }
        put_code(page, store);
        if (((code_fn)page)() != store) {
            stale_store++;
        }
    }
    printf("XCOHERE: %ld rounds stale-arrived %ld stale-store %ld\n",
           n, stale_arrived, stale_store);
    return stale_arrived || stale_store;
}

static int open_disk(struct source *src, const char *dev)
{
    src->disk = true;
    src->page = map_code(PAGE);
    memset(src->page, 0xcc, PAGE);
    src->fd = open(dev, O_RDWR | O_DIRECT | O_SYNC);
    if (src->fd < 0) {
        perror(dev);
        return -1;
    }
    return 0;
}

/* Ask the HTTP server for its reply and skip to the body */
static int open_http(struct source *src, const char *ip, int port)
{
    struct sockaddr_in sin = { .sin_family = AF_INET,
                               .sin_port = htons(port) };
    static const char get[] = "GET / HTTP/1.0\r\n\r\n";
    uint32_t last4 = 0;
    char c;

    src->disk = false;
    src->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (src->fd < 0 || inet_pton(AF_INET, ip, &sin.sin_addr) != 1 ||
        connect(src->fd, (struct sockaddr *)&sin, sizeof(sin)) ||
        write(src->fd, get, sizeof(get) - 1) != sizeof(get) - 1) {
        perror("exec-coherence: HTTP request");
        return -1;
    }
    while (last4 != 0x0d0a0d0a) {       /* "\r\n\r\n" ends the header */
        if (read(src->fd, &c, 1) != 1) {
            perror("exec-coherence: HTTP header");
            return -1;
        }
        last4 = last4 << 8 | (uint8_t)c;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct source src;

    if (argc == 4 && !strcmp(argv[1], "read")) {
        return open_disk(&src, argv[2]) ? 2 : rounds(&src, atol(argv[3]));
    }
    if (argc == 5 && !strcmp(argv[1], "recv")) {
        return open_http(&src, argv[2], atoi(argv[3])) ? 2 :
               rounds(&src, atol(argv[4]));
    }
    fprintf(stderr, "usage: exec-coherence read DEV ROUNDS | "
            "recv IP PORT ROUNDS\n");
    return 2;
}
