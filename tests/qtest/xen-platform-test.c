/*
 * qtest for the Xen platform PCI device (xen-platform)
 *
 * Plays a PV driver against the device port by port, on pc and q35, and
 * checks what QEMU itself then says: QMP's query-pci and query-block,
 * the device's QOM record, events, the bytes in disk images.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "qobject/qdict.h"
#include "qobject/qlist.h"
#include "qobject/qstring.h"
#include "xen-qtest.h"

#define XP_SLOT         5
#define XP_DEVFN        (XP_SLOT << 3)
#define BAR0_PORT       0xc000
#define MAGIC           0x49d2
#define MAGIC_REFUSED   0xd249

typedef struct Machine {
    const char *name;
    uint8_t pam_reg;        /* first PAM register of the host bridge */
} Machine;

static const Machine pc = { "pc", 0x59 };
static const Machine q35 = { "q35", 0x90 };

/* --- helpers --- */

static uint32_t cfg_addr(int devfn, int reg)
{
    return 0x80000000u | devfn << 8 | (reg & 0xfc);
}

static uint32_t cfg_readl(QTestState *qts, int devfn, int reg)
{
    qtest_outl(qts, 0xcf8, cfg_addr(devfn, reg));
    return qtest_inl(qts, 0xcfc);
}

static void cfg_writel(QTestState *qts, int devfn, int reg, uint32_t val)
{
    qtest_outl(qts, 0xcf8, cfg_addr(devfn, reg));
    qtest_outl(qts, 0xcfc, val);
}

static void cfg_writeb(QTestState *qts, int devfn, int reg, uint8_t val)
{
    qtest_outl(qts, 0xcf8, cfg_addr(devfn, reg));
    qtest_outb(qts, 0xcfc + (reg & 3), val);
}

/* Map BAR0 at BAR0_PORT and turn on I/O decoding */
static void map_bar0(QTestState *qts)
{
    cfg_writel(qts, XP_DEVFN, 0x10, BAR0_PORT);
    cfg_writel(qts, XP_DEVFN, 0x04, 0x3);
}

static QTestState *start(const Machine *m, const char *extra)
{
    return qtest_initf("-machine %s -nodefaults "
                       "-device xen-platform,id=xp,addr=0x%x %s",
                       m->name, XP_SLOT, extra ? extra : "");
}

static uint64_t qom_uint(QTestState *qts, const char *prop)
{
    QDict *rsp = qtest_qmp(qts, "{'execute': 'qom-get', 'arguments': "
                           "{'path': 'xp', 'property': %s}}", prop);
    uint64_t val = qdict_get_int(rsp, "return");

    qobject_unref(rsp);
    return val;
}

static bool qom_bool(QTestState *qts, const char *prop)
{
    QDict *rsp = qtest_qmp(qts, "{'execute': 'qom-get', 'arguments': "
                           "{'path': 'xp', 'property': %s}}", prop);
    bool val = qdict_get_bool(rsp, "return");

    qobject_unref(rsp);
    return val;
}

static gint cmp_str(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(const char * const *)a, *(const char * const *)b);
}

/* Every name in a QMP list of dicts, space-separated, sorted */
static char *names(QList *list, const char *key)
{
    GPtrArray *arr = g_ptr_array_new();
    QListEntry *e;
    char *ret;

    QLIST_FOREACH_ENTRY(list, e) {
        QDict *d = qobject_to(QDict, qlist_entry_obj(e));
        const char *s = d ? qdict_get_try_str(d, key) : NULL;

        if (s && *s) {
            g_ptr_array_add(arr, (gpointer)s);
        }
    }
    g_ptr_array_sort(arr, cmp_str);
    g_ptr_array_add(arr, NULL);
    ret = g_strjoinv(" ", (char **)arr->pdata);
    g_ptr_array_free(arr, true);
    return ret;
}

/* The drives QEMU still has, by name */
static char *drives(QTestState *qts)
{
    QDict *rsp = qtest_qmp(qts, "{'execute': 'query-block'}");
    char *ret = names(qdict_get_qlist(rsp, "return"), "device");

    qobject_unref(rsp);
    return ret;
}

/* The qdev ids of the devices on PCI bus 0 */
static char *pci_ids(QTestState *qts)
{
    QDict *rsp = qtest_qmp(qts, "{'execute': 'query-pci'}");
    QDict *bus = qobject_to(QDict,
                            qlist_peek(qdict_get_qlist(rsp, "return")));
    char *ret = names(qdict_get_qlist(bus, "devices"), "qdev_id");

    qobject_unref(rsp);
    return ret;
}

/*
 * QEMU's network clients: every NIC with its MAC and its peer, one per
 * line (HMP info network), in a stable order
 */
static char *network(QTestState *qts)
{
    g_autofree char *out = qtest_hmp(qts, "info network");
    g_auto(GStrv) lines = g_strsplit(out, "\r\n", -1);
    GPtrArray *arr = g_ptr_array_new();
    char *ret;

    for (char **l = lines; *l; l++) {
        g_ptr_array_add(arr, *l);
    }
    g_ptr_array_sort(arr, cmp_str);
    g_ptr_array_add(arr, NULL);
    ret = g_strjoinv("\n", (char **)arr->pdata);
    g_ptr_array_free(arr, true);
    return ret;
}

static char *unplugged(QTestState *qts)
{
    QDict *rsp = qtest_qmp(qts, "{'execute': 'qom-get', 'arguments': "
                           "{'path': 'xp', 'property': 'unplugged-devices'}}");
    GPtrArray *arr = g_ptr_array_new();
    QListEntry *e;
    char *ret;

    QLIST_FOREACH_ENTRY(qdict_get_qlist(rsp, "return"), e) {
        g_ptr_array_add(arr, (gpointer)qstring_get_str(
                            qobject_to(QString, qlist_entry_obj(e))));
    }
    g_ptr_array_sort(arr, cmp_str);
    g_ptr_array_add(arr, NULL);
    ret = g_strjoinv(" ", (char **)arr->pdata);
    g_ptr_array_free(arr, true);
    qobject_unref(rsp);
    return ret;
}

static char *scratch_image(const char *tag)
{
    char *path = g_strdup_printf("%s/xp-%s-XXXXXX", g_get_tmp_dir(), tag);
    int fd = g_mkstemp(path);

    g_assert(fd >= 0);
    g_assert(ftruncate(fd, 1 << 20) == 0);
    close(fd);
    return path;
}

/* --- identity and ports --- */

static void test_identity(const void *data)
{
    QTestState *qts = start(data, NULL);
    uint32_t bar;

    g_assert_cmphex(cfg_readl(qts, XP_DEVFN, 0x00), ==, 0x00015853);
    g_assert_cmphex(cfg_readl(qts, XP_DEVFN, 0x2c), ==, 0x00015853);
    /* class 0xff80, revision 1 */
    g_assert_cmphex(cfg_readl(qts, XP_DEVFN, 0x08), ==, 0xff800001);
    /* interrupt pin A */
    g_assert_cmphex(cfg_readl(qts, XP_DEVFN, 0x3c) >> 8 & 0xff, ==, 1);

    cfg_writel(qts, XP_DEVFN, 0x10, 0xffffffff);
    bar = cfg_readl(qts, XP_DEVFN, 0x10);
    g_assert_cmphex(bar & 1, ==, 1);                    /* I/O */
    g_assert_cmphex(~(bar & ~3u) + 1, ==, 0x100);       /* 256 bytes */

    cfg_writel(qts, XP_DEVFN, 0x14, 0xffffffff);
    bar = cfg_readl(qts, XP_DEVFN, 0x14);
    g_assert_cmphex(bar & 0xf, ==, 0x8);                /* mem, 32-bit, pf */
    g_assert_cmphex(~(bar & ~0xfu) + 1, ==, 0x1000000); /* 16 MiB */
    qtest_quit(qts);
}

static void test_fixed_ports(const void *data)
{
    QTestState *qts = start(data, NULL);

    g_assert_cmphex(qtest_inw(qts, 0x10), ==, MAGIC);
    g_assert_cmphex(qtest_inb(qts, 0x12), ==, 1);
    g_assert_cmphex(qtest_inb(qts, 0x10), ==, 0);       /* flags */

    /* everything the protocol does not define reads all-ones */
    g_assert_cmphex(qtest_inl(qts, 0x10), ==, 0xffffffff);
    g_assert_cmphex(qtest_inb(qts, 0x11), ==, 0xff);
    g_assert_cmphex(qtest_inw(qts, 0x12), ==, 0xffff);
    g_assert_cmphex(qtest_inw(qts, 0x11), ==, 0xffff);
    for (int port = 0x13; port <= 0x1f; port++) {
        g_assert_cmphex(qtest_inb(qts, port), ==, 0xff);
    }
    for (int port = 0x14; port <= 0x1c; port += 4) {
        g_assert_cmphex(qtest_inw(qts, port), ==, 0xffff);
        g_assert_cmphex(qtest_inl(qts, port), ==, 0xffffffff);
    }

    /* ... and undefined writes change nothing */
    qtest_outl(qts, 0x12, 0x12345678);
    qtest_outb(qts, 0x11, 0x5a);
    qtest_outw(qts, 0x14, 0xffff);
    qtest_outl(qts, 0x18, 0xffffffff);
    g_assert_cmphex(qtest_inw(qts, 0x10), ==, MAGIC);
    g_assert_cmpuint(qom_uint(qts, "unplugged-mask"), ==, 0);
    g_assert_cmpuint(qom_uint(qts, "platform-flags"), ==, 0);

    /* the flags byte keeps only the ROM lock bit */
    qtest_outb(qts, 0x10, 0xff);
    g_assert_cmphex(qtest_inb(qts, 0x10), ==, 1);
    qtest_outb(qts, 0x10, 0);
    g_assert_cmphex(qtest_inb(qts, 0x10), ==, 0);
    qtest_quit(qts);
}

/* --- handshake and blacklist --- */

static void handshake(QTestState *qts, uint16_t product, uint32_t build)
{
    uint16_t magic = qtest_inw(qts, 0x10);

    /* the previous driver's verdict stands until the build is written */
    g_assert_true(magic == MAGIC || magic == MAGIC_REFUSED);
    g_assert_cmphex(qtest_inb(qts, 0x12), ==, 1);
    qtest_outw(qts, 0x12, product);
    qtest_outl(qts, 0x10, build);
}

static void test_handshake(const void *data)
{
    QTestState *qts = start(data, "-device e1000,id=nic0");

    handshake(qts, 3, 0x060100);
    g_assert_cmphex(qtest_inw(qts, 0x10), ==, MAGIC);
    g_assert_cmpuint(qom_uint(qts, "driver-product"), ==, 3);
    g_assert_cmpuint(qom_uint(qts, "driver-build"), ==, 0x060100);
    g_assert_false(qom_bool(qts, "driver-blacklisted"));
    qtest_quit(qts);
}

static void test_blacklist(const void *data)
{
    QTestState *qts = start(data, "-global 'xen-platform.blacklist="
                            "linux:0x100-0x1ff;2:7' -device e1000,id=nic0");
    g_autofree char *before = NULL, *after = NULL;

    /* not listed: another build, another product */
    handshake(qts, 3, 0x200);
    g_assert_cmphex(qtest_inw(qts, 0x10), ==, MAGIC);
    handshake(qts, 1, 0x150);
    g_assert_cmphex(qtest_inw(qts, 0x10), ==, MAGIC);
    handshake(qts, 2, 7);
    g_assert_cmphex(qtest_inw(qts, 0x10), ==, MAGIC_REFUSED);

    /* listed: the magic says so, and unplug is refused */
    handshake(qts, 3, 0x1ff);
    g_assert_cmphex(qtest_inw(qts, 0x10), ==, MAGIC_REFUSED);
    g_assert_true(qom_bool(qts, "driver-blacklisted"));
    before = pci_ids(qts);
    qtest_outw(qts, 0x10, 0x3);
    after = pci_ids(qts);
    g_assert_cmpstr(before, ==, after);
    g_assert_nonnull(strstr(after, "nic0"));
    g_assert_cmpuint(qom_uint(qts, "unplugged-mask"), ==, 0);

    /* a blacklisted driver may still log */
    for (const char *c = "refused\n"; *c; c++) {
        qtest_outb(qts, 0x12, *c);
    }
    g_assert_cmpuint(qom_uint(qts, "log-lines"), ==, 1);

    /* reset forgets the driver */
    qtest_system_reset(qts);
    g_assert_cmphex(qtest_inw(qts, 0x10), ==, MAGIC);
    qtest_quit(qts);
}

/* A malformed property stops QEMU with a message that names it */
static void test_blacklist_bad_property(void)
{
    const char *bad[] = { "linux", "nosuch:1", "linux:9-3", "linux:x",
                          "3:0x100000000", "70000:1" };

    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *arg = g_strdup_printf("xen-platform,blacklist=%s",
                                               bad[i]);
        const char *argv[] = { getenv("QTEST_QEMU_BINARY"), "-machine", "pc",
                               "-accel", "qtest", "-display", "none",
                               "-device", arg, NULL };
        g_autofree char *out = NULL, *err = NULL;
        int status;

        g_assert_true(g_spawn_sync(NULL, (char **)argv, NULL, 0, NULL,
                                   NULL, &out, &err, &status, NULL));
        g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) != 0);
        g_assert_nonnull(strstr(err, "blacklist"));
    }
}

/* --- unplug --- */

/*
 * One of each kind of device the protocol names, and the ones it must
 * leave alone.  pc puts -drive if=ide on PIIX IDE, q35 on AHCI (primary
 * master: AHCI port 0).
 */
#define ZOO_MIGRATABLE \
    "-drive file=%s,format=raw,if=ide,index=0,id=hd0 " \
    "-drive file=%s,format=raw,if=ide,index=1,id=hd1 " \
    "-drive if=ide,index=2,media=cdrom,id=cd0 " \
    "-device lsi53c895a,id=hba " \
    "-drive file=%s,format=raw,if=none,id=sd0 " \
    "-device scsi-hd,drive=sd0,bus=hba.0,scsi-id=0,id=sdisk " \
    "-drive if=none,id=scd0 " \
    "-device scsi-cd,drive=scd0,bus=hba.0,scsi-id=1,id=scd " \
    "-netdev user,id=n0 -device e1000,netdev=n0,id=nic-e1000 " \
    "-netdev user,id=n1 -device rtl8139,netdev=n1,id=nic-rtl " \
    "-netdev user,id=n2 -device virtio-net-pci,netdev=n2,id=nic-virtio "

/* NVMe blocks migration, in and out */
#define ZOO ZOO_MIGRATABLE \
    "-drive file=%s,format=raw,if=none,id=nv0 " \
    "-device nvme,drive=nv0,serial=xp,id=nvme "

typedef struct UnplugCase {
    const Machine *machine;
    uint16_t mask;
    const char *drives;         /* what query-block still lists */
    const char *pci;            /* qdev ids still on PCI bus 0 */
    const char *unplugged;      /* the device's record */
} UnplugCase;

#define ALL_PCI "hba nic-e1000 nic-rtl nic-virtio nvme xp"
#define NO_NICS "hba nvme xp"

static const UnplugCase unplug_cases[] = {
    { &pc, 0x1, "cd0 nv0 scd0", ALL_PCI, "hd0 hd1 sdisk" },
    { &pc, 0x2, "cd0 hd0 hd1 nv0 scd0 sd0", NO_NICS,
      "nic-e1000 nic-rtl nic-virtio" },
    { &pc, 0x4, "cd0 hd0 nv0 scd0 sd0", ALL_PCI, "hd1" },
    { &pc, 0x5, "cd0 nv0 scd0", ALL_PCI, "hd0 hd1 sdisk" },
    { &pc, 0x8, "cd0 hd0 hd1 scd0 sd0", "hba nic-e1000 nic-rtl nic-virtio xp",
      "nvme" },
    { &pc, 0xf, "cd0 scd0", "hba xp",
      "hd0 hd1 nic-e1000 nic-rtl nic-virtio nvme sdisk" },
    { &q35, 0x1, "cd0 nv0 scd0", ALL_PCI, "hd0 hd1 sdisk" },
    { &q35, 0x2, "cd0 hd0 hd1 nv0 scd0 sd0", NO_NICS,
      "nic-e1000 nic-rtl nic-virtio" },
    { &q35, 0x4, "cd0 hd0 nv0 scd0 sd0", ALL_PCI, "hd1" },
    { &q35, 0x8, "cd0 hd0 hd1 scd0 sd0", "hba nic-e1000 nic-rtl nic-virtio xp",
      "nvme" },
    { &q35, 0xf, "cd0 scd0", "hba xp",
      "hd0 hd1 nic-e1000 nic-rtl nic-virtio nvme sdisk" },
};

typedef struct Zoo {
    QTestState *qts;
    char *img[4];
} Zoo;

static void zoo_start_args(Zoo *z, const Machine *m, bool nvme,
                           const char *extra)
{
    g_autofree char *args = NULL;

    for (int i = 0; i < 4; i++) {
        z->img[i] = scratch_image("disk");
    }
    if (nvme) {
        args = g_strdup_printf(ZOO "%s", z->img[0], z->img[1], z->img[2],
                               z->img[3], extra ? extra : "");
    } else {
        args = g_strdup_printf(ZOO_MIGRATABLE "%s", z->img[0], z->img[1],
                               z->img[2], extra ? extra : "");
    }
    z->qts = start(m, args);
}

static void zoo_start(Zoo *z, const Machine *m, const char *extra)
{
    zoo_start_args(z, m, true, extra);
}

static void zoo_stop(Zoo *z)
{
    qtest_quit(z->qts);
    for (int i = 0; i < 4; i++) {
        unlink(z->img[i]);
        g_free(z->img[i]);
    }
}

static void test_unplug(const void *data)
{
    const UnplugCase *c = data;
    Zoo z;
    QDict *ev, *evdata;
    g_autofree char *d = NULL, *p = NULL, *u = NULL, *again = NULL;
    g_autofree char *n = NULL;

    zoo_start(&z, c->machine, NULL);
    g_assert_cmpstr(drives(z.qts), ==, "cd0 hd0 hd1 nv0 scd0 sd0");

    handshake(z.qts, 3, 1);
    qtest_outw(z.qts, 0x10, c->mask);

    ev = qtest_qmp_eventwait_ref(z.qts, "XEN_PLATFORM_UNPLUG");
    evdata = qdict_get_qdict(ev, "data");
    g_assert_cmpint(qdict_get_int(evdata, "mask"), ==, c->mask);
    g_assert_cmpstr(qdict_get_str(evdata, "source"), ==, "protocol");
    g_assert_cmpstr(qdict_get_str(evdata, "device"), ==, "xp");
    qobject_unref(ev);

    d = drives(z.qts);
    p = pci_ids(z.qts);
    u = unplugged(z.qts);
    g_assert_cmpstr(d, ==, c->drives);
    g_assert_cmpstr(p, ==, c->pci);
    g_assert_cmpstr(u, ==, c->unplugged);
    g_assert_cmpuint(qom_uint(z.qts, "unplugged-mask"), ==, c->mask);

    n = network(z.qts);
    for (const char *nic = "nic-e1000\0nic-rtl\0nic-virtio\0"; *nic;
         nic += strlen(nic) + 1) {
        /* a NIC that went took its place as its netdev's peer with it */
        g_assert_true(!strstr(n, nic) == !!(c->mask & 0x2));
    }

    /* twice: nothing more goes */
    qtest_outw(z.qts, 0x10, c->mask);
    again = unplugged(z.qts);
    g_assert_cmpstr(again, ==, c->unplugged);
    g_free(p);
    p = pci_ids(z.qts);
    g_assert_cmpstr(p, ==, c->pci);
    zoo_stop(&z);
}

/* Bits the protocol does not define are ignored, the others honoured */
static void test_unplug_unknown_bits(const void *data)
{
    Zoo z;
    g_autofree char *p = NULL, *d = NULL;

    zoo_start(&z, data, NULL);
    qtest_outw(z.qts, 0x10, 0xfff0);
    p = pci_ids(z.qts);
    g_assert_cmpstr(p, ==, ALL_PCI);
    g_assert_cmpuint(qom_uint(z.qts, "unplugged-mask"), ==, 0);
    qtest_outw(z.qts, 0x10, 0xfff2);
    d = drives(z.qts);
    g_assert_cmpstr(d, ==, "cd0 hd0 hd1 nv0 scd0 sd0");
    g_assert_cmpuint(qom_uint(z.qts, "unplugged-mask"), ==, 2);
    zoo_stop(&z);
}

/* The old SUSE and VMDP ports in BAR0 */
static void test_legacy_ports(const void *data)
{
    Zoo z;
    g_autofree char *p = NULL, *d = NULL;

    zoo_start(&z, data, NULL);
    map_bar0(z.qts);

    /* flags at offset 0 */
    qtest_outb(z.qts, BAR0_PORT, 1);
    g_assert_cmphex(qtest_inb(z.qts, 0x10), ==, 1);
    g_assert_cmphex(qtest_inb(z.qts, BAR0_PORT), ==, 1);
    qtest_outb(z.qts, BAR0_PORT, 0);
    g_assert_cmphex(qtest_inb(z.qts, 0x10), ==, 0);

    /* VMDP: 'x' and '\n' are log bytes, 2 the NICs, 1 the disks */
    qtest_outb(z.qts, BAR0_PORT + 8, 'x');
    qtest_outb(z.qts, BAR0_PORT + 8, '\n');
    g_assert_cmpuint(qom_uint(z.qts, "log-lines"), ==, 1);
    qtest_outb(z.qts, BAR0_PORT + 8, 2);
    p = pci_ids(z.qts);
    g_assert_cmpstr(p, ==, NO_NICS);
    qtest_outb(z.qts, BAR0_PORT + 8, 1);
    d = drives(z.qts);
    g_assert_cmpstr(d, ==, "cd0 nv0 scd0");
    g_assert_cmpuint(qom_uint(z.qts, "unplugged-mask"), ==, 3);

    /* undefined BAR0 accesses read all-ones */
    g_assert_cmphex(qtest_inl(z.qts, BAR0_PORT + 0x40), ==, 0xffffffff);
    g_assert_cmphex(qtest_inb(z.qts, BAR0_PORT + 4), ==, 0xff);
    zoo_stop(&z);
}

static void test_legacy_suse(const void *data)
{
    Zoo z;
    g_autofree char *p = NULL, *d = NULL;

    zoo_start(&z, data, NULL);
    map_bar0(z.qts);
    qtest_outl(z.qts, BAR0_PORT + 4, 0);        /* not 1: nothing */
    g_assert_cmpuint(qom_uint(z.qts, "unplugged-mask"), ==, 0);
    qtest_outl(z.qts, BAR0_PORT + 4, 1);
    p = pci_ids(z.qts);
    d = drives(z.qts);
    g_assert_cmpstr(p, ==, NO_NICS);
    g_assert_cmpstr(d, ==, "cd0 nv0 scd0");
    zoo_stop(&z);
}

/* Every PCI device as "slot.fn:id" (the address matters as much) */
static char *pci_map(QTestState *qts)
{
    QDict *rsp = qtest_qmp(qts, "{'execute': 'query-pci'}");
    QDict *bus = qobject_to(QDict,
                            qlist_peek(qdict_get_qlist(rsp, "return")));
    GString *out = g_string_new("");
    QListEntry *e;

    QLIST_FOREACH_ENTRY(qdict_get_qlist(bus, "devices"), e) {
        QDict *d = qobject_to(QDict, qlist_entry_obj(e));

        g_string_append_printf(out, "%02x.%x:%s ",
                               (int)qdict_get_int(d, "slot"),
                               (int)qdict_get_int(d, "function"),
                               qdict_get_str(d, "qdev_id"));
    }
    qobject_unref(rsp);
    return g_string_free(out, false);
}

/*
 * QEMU outlives the guest's reboot here: after a reset the guest finds
 * every emulated device again, where it was, on the same drive or netdev,
 * and its drivers can unplug them once more.
 */
static void test_reset_replug(const void *data)
{
    Zoo z;
    g_autofree char *pci0 = NULL, *drv0 = NULL, *net0 = NULL;
    g_autofree char *pci1 = NULL, *drv1 = NULL, *net1 = NULL;
    g_autofree char *u = NULL, *p = NULL;

    zoo_start(&z, data, NULL);
    pci0 = pci_map(z.qts);
    drv0 = drives(z.qts);
    net0 = network(z.qts);

    for (int round = 0; round < 2; round++) {
        qtest_outw(z.qts, 0x10, 0xf);
        g_free(p);
        p = pci_ids(z.qts);
        g_assert_cmpstr(p, ==, "hba xp");

        qtest_system_reset(z.qts);
        g_free(pci1);
        g_free(drv1);
        g_free(net1);
        g_free(u);
        pci1 = pci_map(z.qts);
        drv1 = drives(z.qts);
        net1 = network(z.qts);
        u = unplugged(z.qts);
        g_assert_cmpstr(pci1, ==, pci0);
        g_assert_cmpstr(drv1, ==, drv0);
        g_assert_cmpstr(net1, ==, net0);
        g_assert_cmpstr(u, ==, "");
        g_assert_cmpuint(qom_uint(z.qts, "unplugged-mask"), ==, 0);
    }
    zoo_stop(&z);
}

/*
 * A device that cannot come back at reset (its netdev is gone, its id
 * taken) stays unplugged and in the record, its drive out of sight, and
 * returns at a later reset once it can; QEMU carries on meanwhile.
 */
static void test_reset_replug_retry(void)
{
    Zoo z;
    g_autofree char *d = NULL, *u = NULL, *p = NULL;

    zoo_start(&z, &pc, NULL);
    qtest_outw(z.qts, 0x10, 0x3);
    qtest_qmp_assert_success(z.qts, "{'execute': 'netdev_del', "
                             "'arguments': {'id': 'n0'}}");
    qtest_qmp_assert_success(z.qts, "{'execute': 'device_add', 'arguments':"
                             " {'driver': 'e1000', 'id': 'sdisk', 'addr': '0x10'}}");

    for (int round = 0; round < 2; round++) {
        qtest_system_reset(z.qts);
        g_free(u);
        g_free(d);
        u = unplugged(z.qts);
        d = drives(z.qts);
        g_assert_cmpstr(u, ==, "nic-e1000 sdisk");
        g_assert_cmpstr(d, ==, "cd0 hd0 hd1 nv0 scd0");
        g_assert_cmpuint(qom_uint(z.qts, "unplugged-mask"), ==, 0x3);
    }

    qtest_qmp_assert_success(z.qts, "{'execute': 'netdev_add', 'arguments':"
                             " {'type': 'user', 'id': 'n0'}}");
    qtest_system_reset(z.qts);
    g_free(u);
    u = unplugged(z.qts);
    p = pci_map(z.qts);
    g_assert_cmpstr(u, ==, "sdisk");
    g_assert_nonnull(strstr(p, "03.0:nic-e1000"));
    zoo_stop(&z);
}

/* --- safety --- */

static void ide_wait(QTestState *qts, uint8_t want)
{
    for (int i = 0; i < 100000; i++) {
        uint8_t st = qtest_inb(qts, 0x1f7);

        if (!(st & 0x80) && (st & want) == want) {
            return;
        }
    }
    g_assert_not_reached();
}

/*
 * Sectors the guest wrote through the emulated IDE disk right before it
 * asked for the unplug are in the image file as soon as the unplug is
 * done, while QEMU still runs (its own flush at exit proves nothing).
 */
static void test_unplug_keeps_data(void)
{
    g_autofree char *img = scratch_image("data");
    g_autofree char *args = g_strdup_printf(
        "-drive file=%s,format=raw,if=ide,index=0,id=hd0", img);
    QTestState *qts = start(&pc, args);
    g_autofree char *contents = NULL;
    g_autofree char *d = NULL;
    gsize len;

    for (int sector = 0; sector < 8; sector++) {
        qtest_outb(qts, 0x1f6, 0xe0);           /* LBA, master */
        ide_wait(qts, 0x40);
        qtest_outb(qts, 0x1f2, 1);
        qtest_outb(qts, 0x1f3, sector);
        qtest_outb(qts, 0x1f4, 0);
        qtest_outb(qts, 0x1f5, 0);
        qtest_outb(qts, 0x1f7, 0x30);           /* WRITE SECTORS */
        ide_wait(qts, 0x08);
        for (int w = 0; w < 256; w++) {
            qtest_outw(qts, 0x1f0, 0xa500 | sector);
        }
    }
    /* no waiting for the last write: the unplug must */
    qtest_outw(qts, 0x10, 0x1);
    d = drives(qts);
    g_assert_cmpstr(d, ==, "");

    g_assert_true(g_file_get_contents(img, &contents, &len, NULL));
    for (int sector = 0; sector < 8; sector++) {
        for (int b = 0; b < 512; b += 2) {
            g_assert_cmphex((uint8_t)contents[sector * 512 + b], ==, sector);
            g_assert_cmphex((uint8_t)contents[sector * 512 + b + 1], ==,
                            0xa5);
        }
    }
    qtest_quit(qts);
    unlink(img);
}

/* --- log --- */

static void test_log(const void *data)
{
    QTestState *qts = start(data, "-global xen-platform.log-line-max=16 "
                            "-global xen-platform.log-lines-per-sec=5");
    int64_t t0, t1;
    uint64_t lines, dropped;

    /* a 4 KiB line, every byte value but '\n', is one (cut) line */
    for (int i = 0; i < 4096; i++) {
        qtest_outb(qts, 0x12, (i & 0xff) == '\n' ? 'x' : i & 0xff);
    }
    qtest_outb(qts, 0x12, '\n');
    g_assert_cmpuint(qom_uint(qts, "log-lines"), ==, 1);

    /* a flood: a bounded number of lines a second, the rest counted */
    t0 = g_get_monotonic_time();
    for (int i = 0; i < 200; i++) {
        qtest_outb(qts, 0x12, 'a' + i % 26);
        qtest_outb(qts, 0x12, '\n');
    }
    t1 = g_get_monotonic_time();
    lines = qom_uint(qts, "log-lines") - 1;
    dropped = qom_uint(qts, "log-dropped");
    g_assert_cmpuint(lines + dropped, ==, 200);
    g_assert_cmpuint(lines, <=, 5 * ((t1 - t0) / G_USEC_PER_SEC + 2));
    g_assert_cmpuint(dropped, >, 0);
    qtest_quit(qts);
}

/* --- ROM lock --- */

static void test_rom_lock(const void *data)
{
    const Machine *m = data;
    QTestState *qts = start(m, NULL);

    /* as firmware does: shadow RAM, readable and writable, 0xc0000 up */
    for (int i = 0; i < 7; i++) {
        cfg_writeb(qts, 0, m->pam_reg + i, 0x33);
    }
    qtest_writeb(qts, 0xc0000, 0xaa);
    qtest_writeb(qts, 0xfffff, 0xbb);
    g_assert_cmphex(qtest_readb(qts, 0xc0000), ==, 0xaa);

    qtest_outb(qts, 0x10, 1);
    qtest_writeb(qts, 0xc0000, 0x11);
    qtest_writeb(qts, 0xfffff, 0x22);
    qtest_writeb(qts, 0xdffff, 0x33);
    g_assert_cmphex(qtest_readb(qts, 0xc0000), ==, 0xaa);
    g_assert_cmphex(qtest_readb(qts, 0xfffff), ==, 0xbb);
    g_assert_cmphex(qtest_readb(qts, 0xdffff), ==, 0x00);
    /* below and above the area, RAM is still RAM */
    qtest_writeb(qts, 0x9ffff, 0x44);
    g_assert_cmphex(qtest_readb(qts, 0x9ffff), ==, 0x44);
    qtest_writeb(qts, 0x100000, 0x55);
    g_assert_cmphex(qtest_readb(qts, 0x100000), ==, 0x55);

    qtest_outb(qts, 0x10, 0);
    qtest_writeb(qts, 0xc0000, 0x66);
    g_assert_cmphex(qtest_readb(qts, 0xc0000), ==, 0x66);

    /* reset unlocks */
    qtest_outb(qts, 0x10, 1);
    qtest_system_reset(qts);
    g_assert_cmphex(qtest_inb(qts, 0x10), ==, 0);
    for (int i = 0; i < 7; i++) {
        cfg_writeb(qts, 0, m->pam_reg + i, 0x33);
    }
    qtest_writeb(qts, 0xc0000, 0x77);
    g_assert_cmphex(qtest_readb(qts, 0xc0000), ==, 0x77);
    qtest_quit(qts);
}

/* --- migration --- */

static void test_migration(const void *data)
{
    const Machine *m = data;
    Zoo src;
    g_autofree char *sock = g_strdup_printf("%s/xp-mig-%d.sock",
                                            g_get_tmp_dir(), getpid());
    g_autofree char *uri = g_strdup_printf("unix:%s", sock);
    g_autofree char *dst_args = NULL, *p = NULL, *d = NULL, *u = NULL;
    QTestState *dst;

    zoo_start_args(&src, m, false, NULL);
    dst_args = g_strdup_printf(ZOO_MIGRATABLE "-incoming %s", src.img[0],
                               src.img[1], src.img[2], uri);
    dst = start(m, dst_args);

    handshake(src.qts, 3, 0x42);
    qtest_outb(src.qts, 0x10, 1);                       /* ROM lock */
    qtest_outw(src.qts, 0x10, 0x3);

    qtest_qmp_assert_success(src.qts, "{'execute': 'migrate', 'arguments': "
                             "{'uri': %s}}", uri);
    xen_qtest_wait_migration(src.qts);
    qtest_qmp_eventwait(dst, "RESUME");

    p = pci_ids(dst);
    d = drives(dst);
    g_assert_cmpstr(p, ==, "hba xp");
    g_assert_null(strstr(d, "hd0"));
    g_assert_null(strstr(d, "hd1"));
    g_assert_null(strstr(d, "sd0"));
    g_assert_nonnull(strstr(d, "cd0"));
    g_assert_nonnull(strstr(d, "scd0"));
    g_assert_cmpuint(qom_uint(dst, "unplugged-mask"), ==, 0x3);
    g_assert_cmpuint(qom_uint(dst, "driver-build"), ==, 0x42);
    g_assert_cmphex(qtest_inb(dst, 0x10), ==, 1);
    u = unplugged(dst);
    g_assert_nonnull(strstr(u, "nic-e1000"));

    qtest_quit(dst);
    zoo_stop(&src);
    unlink(sock);
}

/*
 * Stock QEMU's device (hw/i386/xen/xen_platform.c) migrates as section
 * "platform" version 4: the PCI device, then the flags byte.  These
 * tests read the streams this device writes and load one written by
 * hand to that layout, in QEMU's file format (migration/savevm.c).
 */

#define XP_IDSTR            "0000:00:05.0/platform"
#define VM_FILE_MAGIC       0x5145564d          /* "QEVM" */
#define VM_FILE_VERSION     3
#define VM_EOF              0x00
#define VM_SECTION_FULL     0x04
#define VM_SUBSECTION       0x05
#define VM_VMDESCRIPTION    0x06
#define VM_CONFIGURATION    0x07
#define VM_SECTION_FOOTER   0x7e
#define PCI_STATE_SIZE      (4 + 256 + 4 * 4)   /* version, config, irqs */

/* A stream of the VM's state, saved to a file */
static GByteArray *save_stream(QTestState *qts)
{
    g_autofree char *path = g_strdup_printf("%s/xp-save-%d.mig",
                                            g_get_tmp_dir(), getpid());
    g_autofree char *uri = g_strdup_printf("file:%s", path);
    gchar *data;
    gsize len;

    qtest_qmp_assert_success(qts, "{'execute': 'migrate', 'arguments': "
                             "{'uri': %s}}", uri);
    xen_qtest_wait_migration(qts);
    /* a VM stopped by a migration is migrated again only once resumed */
    qtest_qmp_assert_success(qts, "{'execute': 'cont'}");
    g_assert_true(g_file_get_contents(path, &data, &len, NULL));
    unlink(path);
    return g_byte_array_new_take((guint8 *)data, len);
}

static uint32_t be32_at(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

typedef struct PlatformSection {
    uint8_t config[256];
    uint8_t flags;
    char *subsections;      /* their names, space-separated */
} PlatformSection;

/*
 * Find the device's section in a saved stream and read it field by
 * field, to stock QEMU's layout; fail on anything else.
 */
static void parse_platform(GByteArray *stream, PlatformSection *ps)
{
    const char *idstr = XP_IDSTR;
    const uint8_t *end = stream->data + stream->len;
    const uint8_t *p = stream->data;
    const uint8_t *hdr = NULL;
    g_autoptr(GString) subs = g_string_new("");
    uint32_t section_id;

    g_assert_cmphex(be32_at(p), ==, VM_FILE_MAGIC);
    g_assert_cmpuint(be32_at(p + 4), ==, VM_FILE_VERSION);
    /* the old name is gone */
    g_assert_null(g_strstr_len((const char *)p, stream->len,
                               "xen_platform"));

    /* type, section id, idstr length, idstr */
    for (p += 5; p + strlen(idstr) < end; p++) {
        if (p[0] == strlen(idstr) && p[-5] == VM_SECTION_FULL &&
            !memcmp(p + 1, idstr, strlen(idstr))) {
            g_assert_null(hdr);         /* just one */
            hdr = p - 5;
        }
    }
    g_assert_nonnull(hdr);
    section_id = be32_at(hdr + 1);
    p = hdr + 6 + strlen(idstr);
    g_assert_cmpuint(end - p, >, 8 + PCI_STATE_SIZE + 1 + 5);
    g_assert_cmpuint(be32_at(p), ==, 0);            /* instance */
    g_assert_cmpuint(be32_at(p + 4), ==, 4);        /* version */
    p += 8;

    g_assert_cmpuint(be32_at(p), ==, 2);            /* PCIDevice version */
    memcpy(ps->config, p + 4, sizeof(ps->config));
    p += PCI_STATE_SIZE;
    ps->flags = *p++;

    while (p < end && *p == VM_SUBSECTION) {
        uint8_t len = p[1];
        g_autofree char *name = g_strndup((const char *)p + 2, len);
        size_t size;

        g_assert_cmpuint(be32_at(p + 2 + len), ==, 1);
        if (!strcmp(name, "platform/driver")) {
            size = 2 + 4 + 1;
        } else if (!strcmp(name, "platform/unplug")) {
            size = 2;
        } else {
            g_assert_not_reached();
        }
        g_string_append_printf(subs, "%s%s", subs->len ? " " : "", name);
        p += 2 + len + 4 + size;
    }
    g_assert_cmpuint(end - p, >=, 5);
    g_assert_cmphex(p[0], ==, VM_SECTION_FOOTER);
    g_assert_cmpuint(be32_at(p + 1), ==, section_id);
    ps->subsections = g_strdup(subs->str);
}

static void check_saved(QTestState *qts, uint8_t flags, const char *subs)
{
    g_autoptr(GByteArray) stream = save_stream(qts);
    PlatformSection ps;

    parse_platform(stream, &ps);
    g_assert_cmphex(ps.config[0] | ps.config[1] << 8, ==, 0x5853);
    g_assert_cmphex(ps.config[2] | ps.config[3] << 8, ==, 0x0001);
    g_assert_cmphex(ps.flags, ==, flags);
    g_assert_cmpstr(ps.subsections, ==, subs);
    g_free(ps.subsections);
}

/*
 * Saved from a fresh device, the section is stock QEMU's, byte for
 * byte in layout; what only this device has follows as subsections,
 * once there is any.
 */
static void test_migration_layout(const void *data)
{
    const Machine *m = data;
    QTestState *qts = start(m, "-device e1000,id=nic0");

    check_saved(qts, 0, "");
    qtest_outb(qts, 0x10, 1);                           /* ROM lock */
    check_saved(qts, 1, "");
    handshake(qts, 3, 0x42);
    check_saved(qts, 1, "platform/driver");
    qtest_outw(qts, 0x10, 0x2);                         /* NICs */
    g_assert_cmpuint(qom_uint(qts, "unplugged-mask"), ==, 0x2);
    check_saved(qts, 1, "platform/driver platform/unplug");
    qtest_quit(qts);

    /* ... unless told to stream exactly as stock QEMU does */
    qts = start(m, "-device e1000,id=nic0 "
                "-global xen-platform.x-migrate-extra-state=off");
    handshake(qts, 3, 0x42);
    qtest_outw(qts, 0x10, 0x2);
    check_saved(qts, 0, "");
    qtest_quit(qts);
}

static void put_be32(GByteArray *b, uint32_t v)
{
    uint8_t be[4] = { v >> 24, v >> 16, v >> 8, v };

    g_byte_array_append(b, be, sizeof(be));
}

static void put_byte(GByteArray *b, uint8_t v)
{
    g_byte_array_append(b, &v, 1);
}

/*
 * A stream with just what stock QEMU's device saves, as it saves it:
 * the config space of an unmodified stock device with BAR0 at
 * BAR0_PORT, BAR1 at bar1 and both decoded, and the flags.
 */
static GByteArray *stock_stream(const char *machine, uint32_t bar1,
                                uint8_t flags)
{
    GByteArray *b = g_byte_array_new();
    const uint32_t section_id = 7;
    uint8_t config[256] = {
        [0x00] = 0x53, [0x01] = 0x58,           /* vendor */
        [0x02] = 0x01, [0x03] = 0x00,           /* device */
        [0x04] = 0x03,                          /* command: I/O, memory */
        [0x08] = 0x01,                          /* revision */
        [0x0a] = 0x80, [0x0b] = 0xff,           /* class */
        [0x2c] = 0x53, [0x2d] = 0x58,           /* subsystem vendor */
        [0x2e] = 0x01, [0x2f] = 0x00,           /* subsystem */
        [0x3d] = 0x01,                          /* interrupt pin A */
    };

    stl_le_p(config + 0x10, BAR0_PORT | 0x1);   /* I/O */
    stl_le_p(config + 0x14, bar1 | 0x8);        /* memory, prefetchable */

    put_be32(b, VM_FILE_MAGIC);
    put_be32(b, VM_FILE_VERSION);
    put_byte(b, VM_CONFIGURATION);
    put_be32(b, strlen(machine));
    g_byte_array_append(b, (const guint8 *)machine, strlen(machine));

    put_byte(b, VM_SECTION_FULL);
    put_be32(b, section_id);
    put_byte(b, strlen(XP_IDSTR));
    g_byte_array_append(b, (const guint8 *)XP_IDSTR, strlen(XP_IDSTR));
    put_be32(b, 0);                             /* instance */
    put_be32(b, 4);                             /* version */
    put_be32(b, 2);                             /* PCIDevice version */
    g_byte_array_append(b, config, sizeof(config));
    for (int i = 0; i < 4; i++) {
        put_be32(b, 0);                         /* INTx levels */
    }
    put_byte(b, flags);
    put_byte(b, VM_SECTION_FOOTER);
    put_be32(b, section_id);
    put_byte(b, VM_EOF);

    put_byte(b, VM_VMDESCRIPTION);
    put_be32(b, 2);
    g_byte_array_append(b, (const guint8 *)"{}", 2);
    return b;
}

/* The machine's versioned name, as the configuration section has it */
static char *machine_name(QTestState *qts)
{
    QDict *rsp = qtest_qmp(qts, "{'execute': 'qom-get', 'arguments': "
                           "{'path': '/machine', 'property': 'type'}}");
    const char *type = qdict_get_str(rsp, "return");
    char *name;

    g_assert_true(g_str_has_suffix(type, "-machine"));
    name = g_strndup(type, strlen(type) - strlen("-machine"));
    qobject_unref(rsp);
    return name;
}

static void load_stream(QTestState *qts, GByteArray *stream)
{
    g_autofree char *path = g_strdup_printf("%s/xp-load-%d.mig",
                                            g_get_tmp_dir(), getpid());
    g_autofree char *uri = g_strdup_printf("file:%s", path);

    g_assert_true(g_file_set_contents(path, (const char *)stream->data,
                                      stream->len, NULL));
    qtest_qmp_assert_success(qts, "{'execute': 'migrate-incoming', "
                             "'arguments': {'uri': %s, "
                             "'exit-on-error': false}}", uri);
    xen_qtest_wait_migration(qts);
    unlink(path);
}

/*
 * A stream from stock QEMU loads: the config space and the flags land,
 * the ROM lock with them, and the state stock QEMU does not have is a
 * fresh device's, whatever the device had before.
 */
static void test_migration_from_stock(const void *data)
{
    const Machine *m = data;
    const uint32_t bar1 = 0xe0000000;
    QTestState *qts = start(m, "-incoming defer");
    g_autofree char *machine = machine_name(qts);
    g_autoptr(GByteArray) stream = stock_stream(machine, bar1, 1);
    uint8_t rom;

    handshake(qts, 3, 0x42);
    g_assert_cmpuint(qom_uint(qts, "driver-build"), ==, 0x42);
    load_stream(qts, stream);

    g_assert_cmphex(cfg_readl(qts, XP_DEVFN, 0x10), ==, BAR0_PORT | 0x1);
    g_assert_cmphex(cfg_readl(qts, XP_DEVFN, 0x14), ==, bar1 | 0x8);
    g_assert_cmphex(qtest_inb(qts, 0x10), ==, 1);
    g_assert_cmphex(qtest_inb(qts, BAR0_PORT), ==, 1);  /* BAR0 decoded */
    g_assert_cmpuint(qom_uint(qts, "platform-flags"), ==, 1);
    g_assert_cmpuint(qom_uint(qts, "driver-product"), ==, 0);
    g_assert_cmpuint(qom_uint(qts, "driver-build"), ==, 0);
    g_assert_false(qom_bool(qts, "driver-blacklisted"));
    g_assert_cmpuint(qom_uint(qts, "unplugged-mask"), ==, 0);
    g_assert_cmphex(qtest_inw(qts, 0x10), ==, MAGIC);

    /* locked: shadow RAM made writable still keeps what it had */
    for (int i = 0; i < 7; i++) {
        cfg_writeb(qts, 0, m->pam_reg + i, 0x33);
    }
    rom = qtest_readb(qts, 0xc0000);
    qtest_writeb(qts, 0xc0000, rom ^ 0xff);
    g_assert_cmphex(qtest_readb(qts, 0xc0000), ==, rom);
    qtest_outb(qts, 0x10, 0);
    qtest_writeb(qts, 0xc0000, rom ^ 0xff);
    g_assert_cmphex(qtest_readb(qts, 0xc0000), ==, rom ^ 0xff);
    qtest_quit(qts);

    /* the same stream with the flags clear: nothing locked */
    qts = start(m, "-incoming defer");
    g_byte_array_unref(stream);
    stream = stock_stream(machine, bar1, 0);
    load_stream(qts, stream);
    g_assert_cmphex(qtest_inb(qts, 0x10), ==, 0);
    for (int i = 0; i < 7; i++) {
        cfg_writeb(qts, 0, m->pam_reg + i, 0x33);
    }
    qtest_writeb(qts, 0xc0000, 0x5a);
    g_assert_cmphex(qtest_readb(qts, 0xc0000), ==, 0x5a);
    qtest_quit(qts);
}

/* --- bad input --- */

/*
 * 100,000 random accesses, fixed seed, any width, offset and value, over
 * the fixed ports and BAR0: QEMU stays up and the device still answers.
 */
static void test_fuzz(const void *data)
{
    Zoo z;
    GRand *rand = g_rand_new_with_seed(0x5853);

    zoo_start(&z, data, NULL);
    map_bar0(z.qts);
    for (int i = 0; i < 100000; i++) {
        bool bar0 = g_rand_boolean(rand);
        uint16_t port = bar0 ? BAR0_PORT + g_rand_int_range(rand, 0, 0x100)
                             : 0x10 + g_rand_int_range(rand, 0, 0x10);
        uint32_t val = g_rand_int(rand);

        switch (g_rand_int_range(rand, 0, 6)) {
        case 0:
            qtest_inb(z.qts, port);
            break;
        case 1:
            qtest_inw(z.qts, port);
            break;
        case 2:
            qtest_inl(z.qts, port);
            break;
        case 3:
            qtest_outb(z.qts, port, val);
            break;
        case 4:
            qtest_outw(z.qts, port, val);
            break;
        default:
            qtest_outl(z.qts, port, val);
            break;
        }
    }
    g_rand_free(rand);
    /* the random product/build may be anything: nothing is blacklisted */
    g_assert_cmphex(qtest_inw(z.qts, 0x10), ==, MAGIC);
    g_assert_cmphex(qtest_inb(z.qts, 0x12), ==, 1);
    zoo_stop(&z);
}

static void add_test(const Machine *m, const char *name,
                     GTestDataFunc fn)
{
    g_autofree char *path = g_strdup_printf("/xen-platform/%s/%s",
                                            m->name, name);

    qtest_add_data_func(path, m, fn);
}

int main(int argc, char **argv)
{
    const Machine *machines[] = { &pc, &q35 };

    g_test_init(&argc, &argv, NULL);

    for (size_t i = 0; i < G_N_ELEMENTS(machines); i++) {
        const Machine *m = machines[i];

        add_test(m, "identity", test_identity);
        add_test(m, "fixed-ports", test_fixed_ports);
        add_test(m, "handshake", test_handshake);
        add_test(m, "blacklist", test_blacklist);
        add_test(m, "unplug/unknown-bits", test_unplug_unknown_bits);
        add_test(m, "legacy/vmdp", test_legacy_ports);
        add_test(m, "legacy/suse", test_legacy_suse);
        add_test(m, "log", test_log);
        add_test(m, "rom-lock", test_rom_lock);
        add_test(m, "migration", test_migration);
        add_test(m, "migration/stock-layout", test_migration_layout);
        add_test(m, "migration/from-stock", test_migration_from_stock);
        add_test(m, "reset-replug", test_reset_replug);
        add_test(m, "fuzz", test_fuzz);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(unplug_cases); i++) {
        const UnplugCase *c = &unplug_cases[i];
        g_autofree char *p = g_strdup_printf("/xen-platform/%s/unplug/0x%x",
                                             c->machine->name, c->mask);

        qtest_add_data_func(p, c, test_unplug);
    }
    qtest_add_func("/xen-platform/pc/reset-replug-retry",
                   test_reset_replug_retry);
    qtest_add_func("/xen-platform/pc/unplug/keeps-data",
                   test_unplug_keeps_data);
    qtest_add_func("/xen-platform/blacklist-bad-property",
                   test_blacklist_bad_property);
    return g_test_run();
}
