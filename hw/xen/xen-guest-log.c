/*
 * A guest log channel (include/hw/xen/xen-guest-log.h)
 *
 * The Xen platform device's drivers write their log a byte at a time
 * (port 0x12, or BAR0 offset 8 for VMDP), and a guest under TCG's Xen
 * emulation may write to the hypervisor console; either may write
 * without pause, so lines are capped (the rest is cut, with a marker),
 * bytes that are not printable ASCII are escaped, and only so many lines
 * a second reach QEMU's error output (where libxl collects the device
 * model's log); the rest are counted, and the count is reported with the
 * next line that gets through.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/error-report.h"
#include "qemu/timer.h"
#include "hw/xen/xen-guest-log.h"
#include "trace.h"

/* room for a cap of escapes ("\xNN") and the cut marker */
#define ESCAPED_MAX(n)  ((n) * 4 + 16)

void xen_guest_log_init(XenGuestLog *log, const char *name,
                        const char *prefix)
{
    log->name = name;
    log->prefix = prefix;
    log->line_max = MAX(log->line_max, 1);
    log->line = g_malloc(ESCAPED_MAX(log->line_max));
    log->len = 0;
    log->cut = false;
}

void xen_guest_log_cleanup(XenGuestLog *log)
{
    g_free(log->line);
    log->line = NULL;
}

/* May another line go out in this second? */
static bool log_budget(XenGuestLog *log)
{
    int64_t now = qemu_clock_get_ns(QEMU_CLOCK_REALTIME);

    if (now - log->window_start >= NANOSECONDS_PER_SECOND) {
        log->window_start = now;
        log->window_lines = 0;
    }
    if (log->rate && log->window_lines >= log->rate) {
        return false;
    }
    log->window_lines++;
    return true;
}

static void log_emit(XenGuestLog *log)
{
    log->line[log->len] = '\0';
    if (!log_budget(log)) {
        log->dropped++;
        log->dropped_unreported++;
        trace_xen_guest_log_dropped(log->name, log->dropped);
    } else {
        if (log->dropped_unreported) {
            warn_report("%s: %" PRIu64 " guest log lines dropped "
                        "(more than %u a second)", log->name,
                        log->dropped_unreported, log->rate);
            log->dropped_unreported = 0;
        }
        log->lines++;
        trace_xen_guest_log(log->name, log->line);
        info_report("%s%s%s", log->prefix, log->line,
                    log->cut ? " [...]" : "");
    }
    log->len = 0;
    log->cut = false;
}

void xen_guest_log_byte(XenGuestLog *log, uint8_t byte)
{
    if (byte == '\n') {
        log_emit(log);
        return;
    }
    if (log->cut) {
        return;                         /* discard the rest of the line */
    }
    if (log->len >= log->line_max) {
        log->cut = true;
        return;
    }
    if (byte >= 0x20 && byte < 0x7f && byte != '\\') {
        log->line[log->len++] = byte;
    } else {
        log->len += sprintf(log->line + log->len, "\\x%02x", byte);
    }
}
