/*
 * PVH boot of a Linux bzImage
 *
 * A bzImage is a real-mode setup, a decompressor, and a compressed ELF
 * vmlinux (the "payload"; boot protocol 2.08 and later say where it is
 * in the setup header).  A Xen PVH guest is started at the entry point
 * its vmlinux names in a XEN_ELFNOTE_PHYS32_ENTRY note, in 32-bit
 * protected mode with paging off, its segments already in place: so
 * the payload is decompressed here, its ELF headers and notes checked,
 * and its PT_LOAD segments put at their physical addresses.  pvh.bin
 * then jumps to the entry, as for an ELF vmlinux given to -kernel.
 *
 * Everything in the file is checked before it is used: a truncated or
 * corrupt payload, ELF headers that point outside the image, or a note
 * that is too short or names an entry outside the loaded segments is a
 * configuration error naming the file.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "qemu/bswap.h"
#include "qapi/error.h"
#include "hw/loader.h"
#include "hw/nvram/fw_cfg.h"
#include "hw/i386/x86.h"
#include "hw/i386/microvm.h"
#include "hw/i386/x86-pvh.h"
#include "hw/xen/xen.h"
#include "system/xen.h"
#include "elf.h"
#include "trace.h"
#include <zlib.h>
#include <lzma.h>
#ifdef CONFIG_ZSTD
#include <zstd.h>
#endif
#ifdef CONFIG_BZIP2
#include <bzlib.h>
#endif
#ifdef CONFIG_LZ4
#include <lz4.h>
#endif
#ifdef CONFIG_LZO
#include <lzo/lzo1x.h>
#endif

/* The setup header (Linux's Documentation/arch/x86/boot.rst) */
#define SETUP_SECTS         0x1f1
#define SETUP_MAGIC         0x202       /* "HdrS" */
#define SETUP_VERSION       0x206
#define SETUP_PAYLOAD_OFF   0x248
#define SETUP_PAYLOAD_LEN   0x24c
#define SETUP_HDR_END       0x250

/* No vmlinux decompresses to more than this */
#define PVH_MAX_VMLINUX     (1 * GiB)
/* Segments go above the BIOS area */
#define PVH_MIN_LOAD_ADDR   (1 * MiB)

bool x86_pvh_required(X86MachineState *x86ms)
{
    return xen_mode == XEN_EMULATE &&
           object_dynamic_cast(OBJECT(x86ms), TYPE_MICROVM_MACHINE);
}

/*
 * Each decompressor fills @out (@out_len bytes, which the payload's
 * trailer announces) from @in, and fails unless the stream ends exactly
 * there: shorter, longer or damaged output is an error.
 */
static bool unpack_gzip(const uint8_t *in, size_t in_len, uint8_t *out,
                        size_t out_len, Error **errp)
{
    z_stream zs = {
        .next_in = (Bytef *)in, .avail_in = in_len,
        .next_out = out, .avail_out = out_len,
    };
    int ret;

    if (in_len > UINT_MAX || out_len > UINT_MAX ||
        inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
        error_setg(errp, "cannot start gzip decompression");
        return false;
    }
    ret = inflate(&zs, Z_FINISH);
    inflateEnd(&zs);
    if (ret != Z_STREAM_END) {
        error_setg(errp, "gzip payload is %s",
                   ret == Z_BUF_ERROR && zs.avail_out ? "truncated" :
                   ret == Z_BUF_ERROR ? "larger than its stated size" :
                   "corrupt");
        return false;
    }
    if (zs.avail_out) {
        error_setg(errp, "gzip payload is smaller than its stated size");
        return false;
    }
    return true;
}

static bool unpack_lzma(const uint8_t *in, size_t in_len, uint8_t *out,
                        size_t out_len, bool xz, Error **errp)
{
    lzma_stream ls = LZMA_STREAM_INIT;
    const char *fmt = xz ? "xz" : "lzma";
    lzma_ret ret;

    /* the 4-byte size trailer after the stream is not read */
    ret = xz ? lzma_stream_decoder(&ls, UINT64_MAX, 0)
             : lzma_alone_decoder(&ls, UINT64_MAX);
    if (ret != LZMA_OK) {
        error_setg(errp, "cannot start %s decompression", fmt);
        return false;
    }
    ls.next_in = in;
    ls.avail_in = in_len;
    ls.next_out = out;
    ls.avail_out = out_len;
    do {
        /* each call progresses or fails: LZMA_BUF_ERROR when it cannot */
        ret = lzma_code(&ls, LZMA_FINISH);
    } while (ret == LZMA_OK);
    lzma_end(&ls);
    if (ret != LZMA_STREAM_END) {
        error_setg(errp, "%s payload is %s", fmt,
                   ret == LZMA_BUF_ERROR && ls.avail_out ? "truncated" :
                   ret == LZMA_BUF_ERROR ? "larger than its stated size" :
                   "corrupt");
        return false;
    }
    if (ls.avail_out) {
        error_setg(errp, "%s payload is smaller than its stated size", fmt);
        return false;
    }
    return true;
}

static bool unpack_xz(const uint8_t *in, size_t in_len, uint8_t *out,
                      size_t out_len, Error **errp)
{
    return unpack_lzma(in, in_len, out, out_len, true, errp);
}

static bool unpack_lzma_alone(const uint8_t *in, size_t in_len,
                              uint8_t *out, size_t out_len, Error **errp)
{
    return unpack_lzma(in, in_len, out, out_len, false, errp);
}

#ifdef CONFIG_ZSTD
static bool unpack_zstd(const uint8_t *in, size_t in_len, uint8_t *out,
                        size_t out_len, Error **errp)
{
    size_t frame = ZSTD_findFrameCompressedSize(in, in_len);
    size_t n;

    if (ZSTD_isError(frame)) {
        error_setg(errp, "zstd payload is corrupt or truncated");
        return false;
    }
    n = ZSTD_decompress(out, out_len, in, frame);
    if (ZSTD_isError(n) || n != out_len) {
        error_setg(errp, "zstd payload is corrupt or not its stated size");
        return false;
    }
    return true;
}
#endif

#ifdef CONFIG_BZIP2
static bool unpack_bzip2(const uint8_t *in, size_t in_len, uint8_t *out,
                         size_t out_len, Error **errp)
{
    bz_stream bs = {
        .next_in = (char *)in, .avail_in = in_len,
        .next_out = (char *)out, .avail_out = out_len,
    };
    int ret;

    if (in_len > UINT_MAX || out_len > UINT_MAX ||
        BZ2_bzDecompressInit(&bs, 0, 0) != BZ_OK) {
        error_setg(errp, "cannot start bzip2 decompression");
        return false;
    }
    do {
        ret = BZ2_bzDecompress(&bs);
    } while (ret == BZ_OK && bs.avail_in && bs.avail_out);
    BZ2_bzDecompressEnd(&bs);
    if (ret != BZ_STREAM_END) {
        error_setg(errp, "bzip2 payload is %s",
                   ret != BZ_OK ? "corrupt" :
                   bs.avail_out ? "truncated" : "larger than its stated size");
        return false;
    }
    if (bs.avail_out) {
        error_setg(errp, "bzip2 payload is smaller than its stated size");
        return false;
    }
    return true;
}
#endif

#ifdef CONFIG_LZ4
/*
 * Linux compresses with "lz4 -l": LZ4's legacy frame, a magic number and
 * then blocks, each preceded by its compressed size (a second magic
 * number where two frames were concatenated), then the size trailer.
 */
#define LZ4_LEGACY_MAGIC    0x184c2102

static bool unpack_lz4(const uint8_t *in, size_t in_len, uint8_t *out,
                       size_t out_len, Error **errp)
{
    size_t pos = 4, done = 0;

    in_len -= 4;        /* the size trailer */
    while (pos < in_len) {
        uint32_t block;
        int n;

        if (in_len - pos < 4) {
            error_setg(errp, "lz4 payload is corrupt (a block header is cut)");
            return false;
        }
        block = ldl_le_p(in + pos);
        pos += 4;
        if (block == LZ4_LEGACY_MAGIC) {
            continue;
        }
        if (block > in_len - pos || block > INT_MAX) {
            error_setg(errp, "lz4 payload is truncated");
            return false;
        }
        n = LZ4_decompress_safe((const char *)in + pos, (char *)out + done,
                                block, MIN(out_len - done, INT_MAX));
        if (n < 0) {
            error_setg(errp, "lz4 payload is corrupt or larger than its "
                       "stated size");
            return false;
        }
        pos += block;
        done += n;
    }
    if (done != out_len) {
        error_setg(errp, "lz4 payload is smaller than its stated size");
        return false;
    }
    return true;
}
#endif

#ifdef CONFIG_LZO
/*
 * Linux compresses with lzop: a file header, then blocks of at most
 * 256 KiB, each with its sizes and checksums, the last one empty; then
 * the size trailer.
 */
#define LZOP_FILTER         0x800
#define LZOP_ADLER32_D      0x1
#define LZOP_ADLER32_C      0x2
#define LZOP_CRC32_D        0x100
#define LZOP_CRC32_C        0x200
#define LZOP_MAX_BLOCK      (256 * KiB)

/* The block checksum that @flags ask for (@adler or @crc), or 0 */
static uint32_t lzop_checksum(uint32_t flags, uint32_t adler, uint32_t crc,
                              const uint8_t *data, size_t len)
{
    if (flags & adler) {
        return lzo_adler32(1, data, len);
    }
    if (flags & crc) {
        return lzo_crc32(0, data, len);
    }
    return 0;
}

static bool unpack_lzo(const uint8_t *in, size_t in_len, uint8_t *out,
                       size_t out_len, Error **errp)
{
    static const uint8_t magic[] = {
        0x89, 'L', 'Z', 'O', 0, '\r', '\n', 0x1a, '\n'
    };
    size_t pos = sizeof(magic), done = 0;
    uint32_t flags, dst, src;
    uint16_t version;
    lzo_uint n;

    in_len -= 4;        /* the size trailer */
    /* version, library version, [needed version], method, [level] */
    if (in_len < pos + 2) {
        goto truncated;
    }
    version = lduw_be_p(in + pos);
    pos += version >= 0x940 ? 8 : 5;
    if (in_len < pos + 4) {
        goto truncated;
    }
    flags = ldl_be_p(in + pos);
    /* flags, [filter], mode, mtime, [mtime high], name length */
    pos += 4 + (flags & LZOP_FILTER ? 4 : 0) + 8 +
           (version >= 0x940 ? 4 : 0) + 1;
    if (in_len < pos) {
        goto truncated;
    }
    pos += in[pos - 1] + 4;     /* the name, the header's checksum */

    if (lzo_init() != LZO_E_OK) {
        error_setg(errp, "cannot start lzo decompression");
        return false;
    }
    for (;;) {
        uint32_t sum_d = 0, sum_c = 0;

        if (in_len < pos + 4) {
            goto truncated;
        }
        dst = ldl_be_p(in + pos);
        pos += 4;
        if (!dst) {
            break;
        }
        if (in_len < pos + 4) {
            goto truncated;
        }
        src = ldl_be_p(in + pos);
        pos += 4;
        if (flags & (LZOP_ADLER32_D | LZOP_CRC32_D)) {
            if (in_len < pos + 4) {
                goto truncated;
            }
            sum_d = ldl_be_p(in + pos);
            pos += 4;
        }
        /* a block that did not shrink is stored, with one checksum */
        if (src < dst && (flags & (LZOP_ADLER32_C | LZOP_CRC32_C))) {
            if (in_len < pos + 4) {
                goto truncated;
            }
            sum_c = ldl_be_p(in + pos);
            pos += 4;
        }
        if (dst > LZOP_MAX_BLOCK || src > dst) {
            error_setg(errp, "lzo payload is corrupt (a block of %u bytes "
                       "from %u)", dst, src);
            return false;
        }
        if (dst > out_len - done) {
            error_setg(errp, "lzo payload is larger than its stated size");
            return false;
        }
        if (in_len - pos < src) {
            goto truncated;
        }
        if (src < dst &&
            lzop_checksum(flags, LZOP_ADLER32_C, LZOP_CRC32_C, in + pos,
                          src) != sum_c) {
            goto corrupt;
        }
        if (src == dst) {
            memcpy(out + done, in + pos, dst);
        } else {
            n = dst;
            if (lzo1x_decompress_safe(in + pos, src, out + done, &n,
                                      NULL) != LZO_E_OK || n != dst) {
                goto corrupt;
            }
        }
        if (lzop_checksum(flags, LZOP_ADLER32_D, LZOP_CRC32_D, out + done,
                          dst) != sum_d) {
            goto corrupt;
        }
        pos += src;
        done += dst;
    }
    if (done != out_len) {
        error_setg(errp, "lzo payload is smaller than its stated size");
        return false;
    }
    return true;

truncated:
    error_setg(errp, "lzo payload is truncated");
    return false;
corrupt:
    error_setg(errp, "lzo payload is corrupt");
    return false;
}
#endif

typedef bool (*PvhUnpackFn)(const uint8_t *in, size_t in_len,
                            uint8_t *out, size_t out_len, Error **errp);

/* The formats Linux can compress its vmlinux with, by magic number */
static const struct {
    const char *name;
    uint8_t magic[6];
    size_t magic_len;
    PvhUnpackFn unpack;     /* NULL: this QEMU was built without it */
} pvh_payload_formats[] = {
    { "gzip", { 0x1f, 0x8b }, 2, unpack_gzip },
    { "xz", { 0xfd, '7', 'z', 'X', 'Z', 0 }, 6, unpack_xz },
    { "lzma", { 0x5d, 0, 0 }, 3, unpack_lzma_alone },
#ifdef CONFIG_ZSTD
    { "zstd", { 0x28, 0xb5, 0x2f, 0xfd }, 4, unpack_zstd },
#else
    { "zstd", { 0x28, 0xb5, 0x2f, 0xfd }, 4, NULL },
#endif
#ifdef CONFIG_BZIP2
    { "bzip2", { 'B', 'Z', 'h' }, 3, unpack_bzip2 },
#else
    { "bzip2", { 'B', 'Z', 'h' }, 3, NULL },
#endif
#ifdef CONFIG_LZ4
    { "lz4", { 0x02, 0x21, 0x4c, 0x18 }, 4, unpack_lz4 },
#else
    { "lz4", { 0x02, 0x21, 0x4c, 0x18 }, 4, NULL },
#endif
#ifdef CONFIG_LZO
    { "lzo", { 0x89, 'L', 'Z', 'O', 0 }, 5, unpack_lzo },
#else
    { "lzo", { 0x89, 'L', 'Z', 'O', 0 }, 5, NULL },
#endif
};

/*
 * The vmlinux in a bzImage's payload, decompressed: g_free() it.  The
 * payload's last 4 bytes are the size of the vmlinux (gzip's own
 * trailer has it there; Linux appends it to the other formats).
 */
static uint8_t *unpack_payload(const uint8_t *image, size_t image_len,
                               size_t *vmlinux_len, Error **errp)
{
    unsigned int setup_sects;
    uint64_t off, len;
    const uint8_t *p;
    uint8_t *out;
    size_t out_len;
    bool ok;
    size_t i;

    if (image_len < SETUP_HDR_END) {
        error_setg(errp, "too short for a bzImage setup header");
        return NULL;
    }
    if (lduw_le_p(image + SETUP_VERSION) < 0x208) {
        error_setg(errp, "boot protocol 0x%x is older than 2.08, which "
                   "first says where the compressed vmlinux is",
                   lduw_le_p(image + SETUP_VERSION));
        return NULL;
    }
    setup_sects = image[SETUP_SECTS] ? image[SETUP_SECTS] : 4;
    off = (setup_sects + 1) * 512 + (uint64_t)ldl_le_p(image +
                                                       SETUP_PAYLOAD_OFF);
    len = ldl_le_p(image + SETUP_PAYLOAD_LEN);
    if (len < 8 || off + len > image_len) {
        error_setg(errp, "the compressed vmlinux (%" PRIu64 " bytes at "
                   "offset %" PRIu64 ") is not within the file's %zu bytes: "
                   "truncated or corrupt", len, off, image_len);
        return NULL;
    }
    p = image + off;
    out_len = ldl_le_p(p + len - 4);
    if (out_len < sizeof(Elf32_Ehdr) || out_len > PVH_MAX_VMLINUX) {
        error_setg(errp, "the compressed vmlinux states a size of %zu bytes: "
                   "corrupt", out_len);
        return NULL;
    }
    for (i = 0; i < ARRAY_SIZE(pvh_payload_formats); i++) {
        if (!memcmp(p, pvh_payload_formats[i].magic,
                    pvh_payload_formats[i].magic_len)) {
            break;
        }
    }
    if (i == ARRAY_SIZE(pvh_payload_formats)) {
        error_setg(errp, "the compressed vmlinux is in no format known here "
                   "(it starts %02x %02x %02x %02x)", p[0], p[1], p[2], p[3]);
        return NULL;
    }
    if (!pvh_payload_formats[i].unpack) {
        error_setg(errp, "the vmlinux is compressed with %s, which this "
                   "QEMU was built without", pvh_payload_formats[i].name);
        return NULL;
    }

    out = g_try_malloc(out_len);
    if (!out) {
        error_setg(errp, "cannot allocate %zu bytes for the vmlinux", out_len);
        return NULL;
    }
    ok = pvh_payload_formats[i].unpack(p, len, out, out_len, errp);
    if (!ok) {
        g_free(out);
        return NULL;
    }
    *vmlinux_len = out_len;
    return out;
}

/* A program header, whichever the ELF class */
typedef struct PvhPhdr {
    uint32_t type;
    uint64_t offset, paddr, filesz, memsz, align;
} PvhPhdr;

typedef struct PvhElf {
    const uint8_t *data;
    size_t len;
    bool is64;
    uint64_t phoff;
    unsigned int phentsize, phnum;
} PvhElf;

static bool elf_open(PvhElf *elf, const uint8_t *data, size_t len,
                     Error **errp)
{
    uint16_t machine;

    elf->data = data;
    elf->len = len;
    if (len < sizeof(Elf32_Ehdr) || memcmp(data, ELFMAG, SELFMAG) ||
        data[EI_DATA] != ELFDATA2LSB ||
        (data[EI_CLASS] != ELFCLASS32 && data[EI_CLASS] != ELFCLASS64)) {
        error_setg(errp, "the decompressed vmlinux is not a "
                   "little-endian ELF file");
        return false;
    }
    elf->is64 = data[EI_CLASS] == ELFCLASS64;
    if (elf->is64 && len < sizeof(Elf64_Ehdr)) {
        error_setg(errp, "the vmlinux's ELF header is truncated");
        return false;
    }
    machine = lduw_le_p(data + offsetof(Elf32_Ehdr, e_machine));
    if (machine != EM_X86_64 && machine != EM_386) {
        error_setg(errp, "the vmlinux is for ELF machine %u, not x86",
                   machine);
        return false;
    }
    if (elf->is64) {
        elf->phoff = ldq_le_p(data + offsetof(Elf64_Ehdr, e_phoff));
        elf->phentsize = lduw_le_p(data + offsetof(Elf64_Ehdr, e_phentsize));
        elf->phnum = lduw_le_p(data + offsetof(Elf64_Ehdr, e_phnum));
    } else {
        elf->phoff = ldl_le_p(data + offsetof(Elf32_Ehdr, e_phoff));
        elf->phentsize = lduw_le_p(data + offsetof(Elf32_Ehdr, e_phentsize));
        elf->phnum = lduw_le_p(data + offsetof(Elf32_Ehdr, e_phnum));
    }
    if (elf->phentsize < (elf->is64 ? sizeof(Elf64_Phdr) :
                                      sizeof(Elf32_Phdr)) ||
        elf->phoff > len ||
        (uint64_t)elf->phnum * elf->phentsize > len - elf->phoff) {
        error_setg(errp, "the vmlinux's program headers are not within "
                   "its %zu bytes", len);
        return false;
    }
    return true;
}

/* Program header @i, its file contents checked to be within the image */
static bool elf_phdr(PvhElf *elf, unsigned int i, PvhPhdr *ph, Error **errp)
{
    const uint8_t *p = elf->data + elf->phoff + (uint64_t)i * elf->phentsize;

    if (elf->is64) {
        ph->type = ldl_le_p(p + offsetof(Elf64_Phdr, p_type));
        ph->offset = ldq_le_p(p + offsetof(Elf64_Phdr, p_offset));
        ph->paddr = ldq_le_p(p + offsetof(Elf64_Phdr, p_paddr));
        ph->filesz = ldq_le_p(p + offsetof(Elf64_Phdr, p_filesz));
        ph->memsz = ldq_le_p(p + offsetof(Elf64_Phdr, p_memsz));
        ph->align = ldq_le_p(p + offsetof(Elf64_Phdr, p_align));
    } else {
        ph->type = ldl_le_p(p + offsetof(Elf32_Phdr, p_type));
        ph->offset = ldl_le_p(p + offsetof(Elf32_Phdr, p_offset));
        ph->paddr = ldl_le_p(p + offsetof(Elf32_Phdr, p_paddr));
        ph->filesz = ldl_le_p(p + offsetof(Elf32_Phdr, p_filesz));
        ph->memsz = ldl_le_p(p + offsetof(Elf32_Phdr, p_memsz));
        ph->align = ldl_le_p(p + offsetof(Elf32_Phdr, p_align));
    }
    if ((ph->type == PT_LOAD || ph->type == PT_NOTE) &&
        (ph->offset > elf->len || ph->filesz > elf->len - ph->offset)) {
        error_setg(errp, "the vmlinux's program header %u (%" PRIu64
                   " bytes at offset %" PRIu64 ") is not within its %zu "
                   "bytes", i, ph->filesz, ph->offset, elf->len);
        return false;
    }
    return true;
}

/*
 * The XEN_ELFNOTE_PHYS32_ENTRY note in the PT_NOTE segment @ph, if any,
 * into @entry: true if found, false (with @errp set) if the segment's
 * notes are malformed or the entry note is too short for an address.
 */
static bool find_entry_note(PvhElf *elf, PvhPhdr *ph, bool *found,
                            uint64_t *entry, Error **errp)
{
    /* like load_elf(), align names and descriptions as the segment says */
    uint64_t align = ph->align == 8 ? 8 : 4;
    const uint8_t *p = elf->data + ph->offset;
    uint64_t left = ph->filesz;

    while (left >= 12) {
        uint64_t namesz = ldl_le_p(p), descsz = ldl_le_p(p + 4);
        uint32_t type = ldl_le_p(p + 8);
        uint64_t name_space = QEMU_ALIGN_UP(namesz, align);
        uint64_t desc_space = QEMU_ALIGN_UP(descsz, align);
        const uint8_t *name = p + 12, *desc = name + name_space;

        if (name_space > left - 12 || desc_space > left - 12 - name_space) {
            error_setg(errp, "an ELF note of the vmlinux runs past the end "
                       "of its PT_NOTE segment");
            return false;
        }
        if (namesz == 4 && !memcmp(name, "Xen", 4) &&
            type == XEN_ELFNOTE_PHYS32_ENTRY) {
            if (descsz < 4) {
                error_setg(errp, "the vmlinux's Xen PVH entry note "
                           "(XEN_ELFNOTE_PHYS32_ENTRY) has %" PRIu64
                           " bytes, too few for an address", descsz);
                return false;
            }
            *entry = descsz >= 8 ? ldq_le_p(desc) : ldl_le_p(desc);
            *found = true;
            return true;
        }
        p += 12 + name_space + desc_space;
        left -= 12 + name_space + desc_space;
    }
    return true;
}

bool x86_pvh_load_bzimage(X86MachineState *x86ms, const char *filename,
                          FWCfgState *fw_cfg, Error **errp)
{
    g_autoptr(GMappedFile) mapped = NULL;
    g_autoptr(GError) gerr = NULL;
    g_autofree uint8_t *vmlinux = NULL;
    g_autofree char *label = NULL;
    uint64_t entry = 0, low = UINT64_MAX, high = 0;
    bool found = false, entry_loaded = false;
    Error *err = NULL;
    size_t len = 0;
    PvhElf elf;
    PvhPhdr ph;
    unsigned int i;

    mapped = g_mapped_file_new(filename, false, &gerr);
    if (!mapped) {
        error_setg(errp, "cannot read kernel '%s': %s", filename,
                   gerr->message);
        return false;
    }
    vmlinux = unpack_payload((const uint8_t *)g_mapped_file_get_contents(
                                 mapped),
                             g_mapped_file_get_length(mapped), &len, &err);
    if (!vmlinux || !elf_open(&elf, vmlinux, len, &err)) {
        goto fail;
    }

    /* first check everything, then load */
    for (i = 0; i < elf.phnum; i++) {
        if (!elf_phdr(&elf, i, &ph, &err)) {
            goto fail;
        }
        if (ph.type == PT_NOTE && !found &&
            !find_entry_note(&elf, &ph, &found, &entry, &err)) {
            goto fail;
        }
        if (ph.type != PT_LOAD || !ph.memsz) {
            continue;
        }
        if (ph.filesz > ph.memsz || ph.paddr < PVH_MIN_LOAD_ADDR ||
            ph.paddr > x86ms->below_4g_mem_size ||
            ph.memsz > x86ms->below_4g_mem_size - ph.paddr) {
            error_setg(&err, "the vmlinux's segment %u (%" PRIu64 " bytes at "
                       "0x%" PRIx64 ") is not within the guest's RAM "
                       "between 1 MiB and 0x%" PRIx64, i, ph.memsz, ph.paddr,
                       (uint64_t)x86ms->below_4g_mem_size);
            goto fail;
        }
        low = MIN(low, ph.paddr);
        high = MAX(high, ph.paddr + ph.memsz);
    }
    if (!found) {
        error_setg(&err, "the vmlinux has no Xen PVH entry note "
                   "(XEN_ELFNOTE_PHYS32_ENTRY): a Xen PVH guest needs a "
                   "kernel built with CONFIG_PVH");
        goto fail;
    }
    for (i = 0; i < elf.phnum; i++) {
        elf_phdr(&elf, i, &ph, &error_abort);
        if (ph.type == PT_LOAD && entry >= ph.paddr &&
            entry - ph.paddr < ph.filesz) {
            entry_loaded = true;
        }
    }
    if (!entry_loaded || entry > UINT32_MAX) {
        error_setg(&err, "the vmlinux's Xen PVH entry 0x%" PRIx64 " is "
                   "not within the code it loads", entry);
        goto fail;
    }

    label = g_strdup_printf("%s (vmlinux)", filename);
    for (i = 0; i < elf.phnum; i++) {
        elf_phdr(&elf, i, &ph, &error_abort);
        if (ph.type != PT_LOAD || !ph.memsz) {
            continue;
        }
        rom_add_elf_program(label, NULL,
                            g_memdup2(vmlinux + ph.offset, ph.filesz),
                            ph.filesz, ph.memsz, ph.paddr, NULL);
    }
    trace_x86_pvh_load_bzimage(filename, len, low, high, entry);

    fw_cfg_add_i32(fw_cfg, FW_CFG_KERNEL_ENTRY, entry);
    fw_cfg_add_i32(fw_cfg, FW_CFG_KERNEL_ADDR, low);
    fw_cfg_add_i32(fw_cfg, FW_CFG_KERNEL_SIZE, high - low);
    return true;

fail:
    error_propagate_prepend(errp, err, "kernel '%s': ", filename);
    return false;
}
