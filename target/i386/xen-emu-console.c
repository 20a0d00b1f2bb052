/*
 * Xen HVM emulation: the hypervisor console, HYPERVISOR_console_io
 *
 * What a guest writes there (Linux's earlyprintk=xen, XTF's console
 * output) goes by default to QEMU's error output, one line at a time
 * after "xen console: ", through the same capped, escaped and
 * rate-limited channel as the Xen platform device's guest log.  With
 * -accel ...,xen-console-io=ID the raw bytes go to chardev ID instead.
 *
 * The guest is an ordinary domain: under Xen's default XSM policy it may
 * write (as debug builds of Xen let it) but nothing else, so read and
 * any other command are -EPERM, not -ENOSYS: the permission check comes
 * before Xen looks at the command.  A write returns 0, or -EFAULT when
 * the buffer stops being readable guest RAM (what came before it is
 * written, as on Xen).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/error-report.h"
#include "qapi/error.h"
#include "qom/object.h"
#include "cpu.h"
#include "chardev/char.h"
#include "chardev/char-fe.h"
#include "system/system.h"
#include "hw/xen/interface/xen.h"
#include "hw/xen/xen-guest-log.h"
#include "xen-emu-hypercall.h"

/* as the platform device's log-line-max and log-lines-per-sec defaults */
#define CONSOLE_LINE_MAX        256
#define CONSOLE_LINES_PER_SEC   20

static char *console_chr_id;            /* property "xen-console-io" */
static CharBackend console_chr;
static bool console_chr_ready;
static Notifier console_init_done;
static XenGuestLog console_log = {
    .line_max = CONSOLE_LINE_MAX,
    .rate = CONSOLE_LINES_PER_SEC,
};

/*
 * Chardevs are created after the accelerator's properties are set, so
 * the one named is looked up once the machine is built; a name that
 * leads nowhere stops QEMU there, before the guest runs.
 */
static void console_machine_done(Notifier *n, void *data)
{
    Chardev *chr;
    Error *err = NULL;

    if (!console_chr_id || console_chr_ready) {
        return;
    }
    chr = qemu_chr_find(console_chr_id);
    if (!chr) {
        error_report("xen-console-io: no chardev with id '%s'",
                     console_chr_id);
        exit(1);
    }
    if (!qemu_chr_fe_init(&console_chr, chr, &err)) {
        error_prepend(&err, "xen-console-io: ");
        error_report_err(err);
        exit(1);
    }
    console_chr_ready = true;
}

static char *get_console_io(Object *obj, Error **errp)
{
    return g_strdup(console_chr_id ? console_chr_id : "");
}

static void set_console_io(Object *obj, const char *value, Error **errp)
{
    g_free(console_chr_id);
    console_chr_id = *value ? g_strdup(value) : NULL;
    if (console_chr_id && !console_init_done.notify) {
        console_init_done.notify = console_machine_done;
        qemu_add_machine_init_done_notifier(&console_init_done);
    }
}

void xen_emu_console_class_init(ObjectClass *oc)
{
    object_class_property_add_str(oc, "xen-console-io", get_console_io,
                                  set_console_io);
    object_class_property_set_description(oc, "xen-console-io",
        "Chardev id for what a Xen guest writes with "
        "HYPERVISOR_console_io (default: QEMU's error output)");
}

static void console_output(const uint8_t *buf, size_t len)
{
    if (console_chr_ready) {
        qemu_chr_fe_write_all(&console_chr, buf, len);
        return;
    }
    if (!console_log.line) {
        xen_guest_log_init(&console_log, "xen console", "xen console: ");
    }
    for (size_t i = 0; i < len; i++) {
        xen_guest_log_byte(&console_log, buf[i]);
    }
}

/* Page by page: the guest's count is never what we allocate */
static long console_write(XenHypercall *hc, uint32_t count, uint64_t va)
{
    uint8_t buf[TARGET_PAGE_SIZE];

    while (count) {
        size_t n = MIN(count, TARGET_PAGE_SIZE - (va & ~TARGET_PAGE_MASK));

        if (xen_emu_copy_in(hc, va, buf, n)) {
            qemu_log_mask(LOG_GUEST_ERROR, "xen: console_io write: 0x%"
                          PRIx64 " is not readable guest RAM (%" PRIu32
                          " bytes left)\n", va, count);
            return -EFAULT;
        }
        console_output(buf, n);
        va += n;
        if (!hc->wide) {
            va = (uint32_t)va;
        }
        count -= n;
    }
    return 0;
}

long xen_emu_console_io(XenHypercall *hc)
{
    /* Xen takes both as unsigned int: the upper halves do not count */
    uint32_t cmd = hc->arg[0];
    uint32_t count = hc->arg[1];

    if (cmd == CONSOLEIO_write) {
        return console_write(hc, count, hc->arg[2]);
    }
    /* CONSOLEIO_read or anything else: only a privileged domain may */
    qemu_log_mask(LOG_GUEST_ERROR, "xen: console_io command %" PRIu32
                  " is for privileged domains only\n", cmd);
    return -EPERM;
}
