/*
 * What the overlay's qtests share
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef TESTS_QTEST_XEN_QTEST_H
#define TESTS_QTEST_XEN_QTEST_H

#include "libqtest.h"
#include "qobject/qdict.h"

/* Wait up to 30 s for @qts's migration, out or in, to complete */
static inline void xen_qtest_wait_migration(QTestState *qts)
{
    for (int i = 0; i < 3000; i++) {
        QDict *rsp = qtest_qmp(qts, "{'execute': 'query-migrate'}");
        const char *st = qdict_get_try_str(qdict_get_qdict(rsp, "return"),
                                           "status");
        bool done = st && !strcmp(st, "completed");

        g_assert(!st || strcmp(st, "failed"));
        qobject_unref(rsp);
        if (done) {
            return;
        }
        g_usleep(10000);
    }
    g_assert_not_reached();
}

#endif
