/*
 * What the test frontends (xen-blkgarbage, xen-netgarbage) share: result
 * lines on the console, xenstore through /dev/xen/xenbus, pages granted
 * through /dev/xen/gntalloc and an event channel through /dev/xen/evtchn.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef XEN_FRONTEND_H
#define XEN_FRONTEND_H

#include <stddef.h>
#include <stdint.h>

#define PAGE            4096

/* Set by main: the prefix of the result lines ("XBLK") */
extern const char *xf_tag;
/* Counted by the callers: answers as wanted to good and bad requests */
extern int xf_good, xf_bad;

/* A result line "TAG: FAIL ..."; the summary counts it */
void xf_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "TAG: FAIL what: errno's text", the summary, exit 1 */
void xf_die(const char *what) __attribute__((noreturn));
/* "TAG: summary good N bad N failed N"; the exit status to return */
int xf_summary(void);

void xf_xs_open(void);
/* 0 and the value NUL-ended in buf, or -1 if xenstore refuses */
int xf_xs_read(const char *path, char *buf, size_t size);
/* Write dir/key = the value, a failure if xenstore refuses */
void xf_xs_printf(const char *dir, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/*
 * The xenstore paths of device @type/@id's frontend (@fe, 64 bytes) and
 * backend (@be, 128 bytes); the backend's domain id
 */
unsigned xf_find_backend(const char *type, unsigned id, char *fe, char *be);
/* The backend at path @be reaches XenbusState @state within 10 s */
int xf_wait_backend(const char *be, int state);

/* @n zeroed pages granted writable to @domid; their grefs in @grefs */
uint8_t *xf_grant_pages(unsigned domid, unsigned n, uint32_t *grefs);
/*
 * Random numbers for the fuzzers: xf_seed() from SEED's text (decimal or
 * 0x hex), then the same numbers from xf_rnd() for the same SEED
 */
void xf_seed(const char *text);
uint64_t xf_rnd(void);

/* An unbound port for @domid to bind; xf_notify() signals it */
unsigned xf_bind_port(unsigned domid);
void xf_notify(void);

#endif
