/*
 * QTest for the IO-APIC that the pc machines give an emulated Xen guest:
 * 48 redirection entries, as Xen's virtual IO-APIC has, of which the
 * entries past 23 migrate once the guest has programmed one.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "xen-qtest.h"

#define IOAPIC_BASE     0xfec00000
#define IOAPIC_VERSION  0x01
#define IOAPIC_RTE(n)   (0x10 + 2 * (n))        /* low half; high at +1 */
#define RTE_MASKED      0x10000

#define XEN_ACCEL       "-accel tcg,xen-version=0x4000a "

static uint32_t ioapic_read(QTestState *qts, uint32_t reg)
{
    qtest_writel(qts, IOAPIC_BASE, reg);
    return qtest_readl(qts, IOAPIC_BASE + 0x10);
}

static void ioapic_write(QTestState *qts, uint32_t reg, uint32_t val)
{
    qtest_writel(qts, IOAPIC_BASE, reg);
    qtest_writel(qts, IOAPIC_BASE + 0x10, val);
}

static uint32_t highest_entry(QTestState *qts)
{
    return (ioapic_read(qts, IOAPIC_VERSION) >> 16) & 0xff;
}

/* Entry n holds a programmed vector, destination and trigger mode */
static bool entry_holds(QTestState *qts, int n)
{
    uint32_t lo = 0xa000 | (0x30 + n), hi = 0x02000000;

    ioapic_write(qts, IOAPIC_RTE(n), lo);
    ioapic_write(qts, IOAPIC_RTE(n) + 1, hi);
    return ioapic_read(qts, IOAPIC_RTE(n)) == lo &&
           ioapic_read(qts, IOAPIC_RTE(n) + 1) == hi;
}

static void test_entries(const void *data)
{
    const char *machine = data;
    QTestState *qts = qtest_initf("-machine %s " XEN_ACCEL "-S", machine);

    g_assert_cmpuint(highest_entry(qts), ==, 47);
    for (int n = 0; n < 48; n++) {
        g_assert_cmphex(ioapic_read(qts, IOAPIC_RTE(n)), ==, RTE_MASKED);
    }
    g_assert_true(entry_holds(qts, 24));
    g_assert_true(entry_holds(qts, 47));
    ioapic_write(qts, IOAPIC_RTE(48), 0x1234);
    g_assert_cmphex(ioapic_read(qts, IOAPIC_RTE(48)), ==, 0);

    /* a reset masks them all again */
    qtest_qmp_assert_success(qts, "{'execute': 'system_reset'}");
    qtest_qmp_eventwait(qts, "RESET");
    for (int n = 24; n < 48; n++) {
        g_assert_cmphex(ioapic_read(qts, IOAPIC_RTE(n)), ==, RTE_MASKED);
    }
    qtest_quit(qts);
}

/* Other guests keep QEMU's 24 entries */
static void test_not_xen(const void *data)
{
    const char *machine = data;
    QTestState *qts = qtest_initf("-machine %s", machine);

    g_assert_cmpuint(highest_entry(qts), ==, 23);
    ioapic_write(qts, IOAPIC_RTE(24), 0x1234);
    g_assert_cmphex(ioapic_read(qts, IOAPIC_RTE(24)), ==, 0);
    qtest_quit(qts);
}

/* Migrate a stopped pc guest to a file; true if entries past 23 went */
static bool save(QTestState *qts, const char *path)
{
    g_autofree char *uri = g_strdup_printf("file:%s", path);
    g_autofree char *stream = NULL;
    gsize len;

    qtest_qmp_assert_success(qts, "{'execute': 'migrate', 'arguments': "
                             "{'uri': %s}}", uri);
    xen_qtest_wait_migration(qts);
    g_assert_true(g_file_get_contents(path, &stream, &len, NULL));
    return memmem(stream, len, "ioapic/extra-entries",
                  strlen("ioapic/extra-entries")) != NULL;
}

static void test_migration(void)
{
    g_autofree char *path = g_strdup_printf("%s/xen-ioapic-%d.mig",
                                            g_get_tmp_dir(), getpid());
    QTestState *src, *dst;

    /* untouched: the stream is what a QEMU with 24 entries reads */
    src = qtest_init("-machine pc " XEN_ACCEL "-S");
    ioapic_write(src, IOAPIC_RTE(3), 0x31);
    g_assert_false(save(src, path));
    qtest_quit(src);

    /* programmed: the entries travel and arrive */
    src = qtest_init("-machine pc " XEN_ACCEL "-S");
    g_assert_true(entry_holds(src, 40));
    g_assert_true(save(src, path));
    qtest_quit(src);

    dst = qtest_initf("-machine pc " XEN_ACCEL "-incoming file:%s", path);
    xen_qtest_wait_migration(dst);
    g_assert_cmphex(ioapic_read(dst, IOAPIC_RTE(40)), ==, 0xa000 | 0x58);
    g_assert_cmphex(ioapic_read(dst, IOAPIC_RTE(40) + 1), ==, 0x02000000);
    g_assert_cmphex(ioapic_read(dst, IOAPIC_RTE(41)), ==, RTE_MASKED);
    qtest_quit(dst);
    unlink(path);
}

/* -global ioapic.num-entries is the user's choice over the machine's */
static void test_global(void)
{
    QTestState *qts = qtest_init("-machine pc " XEN_ACCEL "-S "
                                 "-global ioapic.num-entries=24");

    g_assert_cmpuint(highest_entry(qts), ==, 23);
    qtest_quit(qts);
    qts = qtest_init("-machine q35 -global ioapic.num-entries=32");
    g_assert_cmpuint(highest_entry(qts), ==, 31);
    qtest_quit(qts);
}

/* num-entries outside 24..48 is a configuration error */
static void test_bad_property(void)
{
    const char *qemu = g_getenv("QTEST_QEMU_BINARY");
    g_autofree char *err = NULL;
    int status;
    const char *argv[] = {
        "timeout", "60", qemu, "-machine", "pc", "-accel", "qtest",
        "-display", "none",
        "-nodefaults", "-global", "ioapic.num-entries=49", NULL
    };

    g_assert_nonnull(qemu);
    g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL,
                               G_SPAWN_SEARCH_PATH |
                               G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
                               &err, &status, NULL));
    /* QEMU's exit status 1, not timeout's 124 */
    g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 1);
    g_assert_nonnull(strstr(err, "num-entries must be between 24 and 48"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);

    qtest_add_data_func("/xen-ioapic/pc/entries", "pc", test_entries);
    qtest_add_data_func("/xen-ioapic/q35/entries", "q35", test_entries);
    qtest_add_data_func("/xen-ioapic/pc/not-xen", "pc", test_not_xen);
    qtest_add_data_func("/xen-ioapic/q35/not-xen", "q35", test_not_xen);
    qtest_add_func("/xen-ioapic/pc/migration", test_migration);
    qtest_add_func("/xen-ioapic/global", test_global);
    qtest_add_func("/xen-ioapic/bad-property", test_bad_property);
    return g_test_run();
}
