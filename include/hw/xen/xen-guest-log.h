/*
 * A log channel fed by a guest a byte at a time
 *
 * Used by the Xen platform device's log port and by the Xen hypervisor
 * console (HYPERVISOR_console_io) under TCG.  Lines end in '\n'; each
 * is capped at line_max bytes, bytes that are not printable ASCII are
 * escaped, and at most rate lines a second reach QEMU's error output,
 * each after the owner's prefix.  Lines over the budget are counted and
 * reported with the next line that gets through.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_XEN_XEN_GUEST_LOG_H
#define HW_XEN_XEN_GUEST_LOG_H

typedef struct XenGuestLog {
    const char *name;         /* who logs, for warnings: "xen-platform" */
    const char *prefix;       /* before each line: "xen-platform: guest: " */
    char *line;
    uint32_t len;
    bool cut;                 /* the current line overflowed */
    uint32_t line_max;        /* bytes of a line before it is cut */
    uint32_t rate;            /* lines a second, 0 for no limit */
    int64_t window_start;     /* start of the current second, ns */
    uint32_t window_lines;
    uint64_t dropped_unreported;
    uint64_t lines;           /* totals */
    uint64_t dropped;
} XenGuestLog;

/* line_max and rate are set beforehand (0 line_max means 1) */
void xen_guest_log_init(XenGuestLog *log, const char *name,
                        const char *prefix);
void xen_guest_log_byte(XenGuestLog *log, uint8_t byte);
void xen_guest_log_cleanup(XenGuestLog *log);

#endif
