/*
 * Xen platform device: which PV drivers are refused
 *
 * The "blacklist" property is a ';'-separated list of PRODUCT:BUILDS,
 * where PRODUCT is a name or number from Xen's public/hvm/pvdrivers.h
 * and BUILDS is '*', a build number, or an inclusive range FIRST-LAST
 * (numbers in decimal or 0x-prefixed hex):
 *
 *   blacklist=linux:*;xensource-windows:0x100-0x1ff;2:42
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/cutils.h"
#include "qapi/error.h"
#include "xen-platform-internal.h"

static const struct {
    const char *name;
    uint16_t number;
} products[] = {
    { "xensource-windows", 0x0001 },
    { "gplpv-windows", 0x0002 },
    { "linux", 0x0003 },
    { "experimental", 0xffff },
};

const char *xen_platform_product_name(uint16_t product)
{
    for (size_t i = 0; i < ARRAY_SIZE(products); i++) {
        if (products[i].number == product) {
            return products[i].name;
        }
    }
    return NULL;
}

static bool parse_number(const char *str, uint64_t max, uint64_t *val)
{
    return *str && !qemu_strtou64(str, NULL, 0, val) && *val <= max;
}

static bool parse_product(const char *str, uint16_t *product)
{
    uint64_t n;

    for (size_t i = 0; i < ARRAY_SIZE(products); i++) {
        if (!strcmp(str, products[i].name)) {
            *product = products[i].number;
            return true;
        }
    }
    if (parse_number(str, UINT16_MAX, &n)) {
        *product = n;
        return true;
    }
    return false;
}

static bool parse_builds(const char *str, XenBlacklistEntry *e)
{
    g_autofree char *first = g_strdup(str);
    char *dash = strchr(first, '-');
    uint64_t lo, hi;

    if (!strcmp(str, "*")) {
        e->first_build = 0;
        e->last_build = UINT32_MAX;
        return true;
    }
    if (dash) {
        *dash = '\0';
    }
    if (!parse_number(first, UINT32_MAX, &lo) ||
        (dash && !parse_number(dash + 1, UINT32_MAX, &hi))) {
        return false;
    }
    e->first_build = lo;
    e->last_build = dash ? hi : lo;
    return e->first_build <= e->last_build;
}

GArray *xen_platform_blacklist_parse(const char *spec, Error **errp)
{
    g_autoptr(GArray) list = g_array_new(false, false,
                                         sizeof(XenBlacklistEntry));
    g_auto(GStrv) items = g_strsplit(spec ? spec : "", ";", -1);

    for (char **item = items; *item; item++) {
        g_autofree char *text = g_strstrip(g_strdup(*item));
        char *colon = strchr(text, ':');
        XenBlacklistEntry e;

        if (!*text) {
            continue;
        }
        if (colon) {
            *colon = '\0';
        }
        if (!colon || !parse_product(text, &e.product)) {
            error_setg(errp, "xen-platform: blacklist: '%s' is not "
                       "PRODUCT:BUILDS with PRODUCT a number or one of "
                       "xensource-windows, gplpv-windows, linux, "
                       "experimental", *item);
            return NULL;
        }
        if (!parse_builds(colon + 1, &e)) {
            error_setg(errp, "xen-platform: blacklist: in '%s', builds must "
                       "be '*', a number or FIRST-LAST", *item);
            return NULL;
        }
        g_array_append_val(list, e);
    }
    return g_steal_pointer(&list);
}

bool xen_platform_blacklist_match(GArray *list, uint16_t product,
                                  uint32_t build)
{
    for (guint i = 0; i < list->len; i++) {
        XenBlacklistEntry *e = &g_array_index(list, XenBlacklistEntry, i);

        if (e->product == product &&
            build >= e->first_build && build <= e->last_build) {
            return true;
        }
    }
    return false;
}
