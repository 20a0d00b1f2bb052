/*
 * qtest for the Xen platform PCI device
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "libqtest.h"

static void test_magic(const void *data)
{
    const char *machine = data;
    QTestState *qts = qtest_initf("-machine %s -device xen-platform", machine);

    g_assert_cmphex(qtest_inw(qts, 0x10), ==, 0x49d2);
    g_assert_cmphex(qtest_inb(qts, 0x12), ==, 1);
    qtest_quit(qts);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_data_func("/xen-platform/pc/magic", "pc", test_magic);
    qtest_add_data_func("/xen-platform/q35/magic", "q35", test_magic);
    return g_test_run();
}
