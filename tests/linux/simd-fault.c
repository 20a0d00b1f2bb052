/*
 * simd-fault: do unmasked SSE floating-point exceptions fault, as the
 * kernel's SIGFPE shows them, with the destination register untouched?
 *
 * Each case loads xmm1 with a known value, sets MXCSR, runs one SSE
 * instruction and reports, on a line "XSIMD: NAME ...": whether SIGFPE
 * came and its si_code, xmm1's low 32 bits as the signal frame (or, with
 * no signal, the register) shows them, and MXCSR's six exception flags.
 * Exits with status 0 when every case matched what the SDM says.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

#define MXCSR_DEFAULT 0x1f80
#define IM (1 << 7)
#define DM (1 << 8)
#define ZM (1 << 9)
#define OM (1 << 10)

static sigjmp_buf back;
static volatile int sig_code;                   /* the handler's */
static volatile uint32_t frame_xmm1, frame_mxcsr;   /* the handler's */

static void on_fpe(int sig, siginfo_t *info, void *ctx)
{
    ucontext_t *uc = ctx;

    sig_code = info->si_code;
    frame_xmm1 = uc->uc_mcontext.fpregs->_xmm[1].element[0];
    frame_mxcsr = uc->uc_mcontext.fpregs->mxcsr;
    siglongjmp(back, 1);
}

enum op { DIVSS, UCOMISS, ADDPS };

struct result {
    int code;           /* si_code, or -1 when no signal came */
    uint32_t xmm1;
    uint32_t flags;     /* MXCSR's IE..PE */
};

/* xmm1 = @dest, xmm0 = @src (all four lanes), then @op xmm0, xmm1 */
static struct result run(enum op op, uint32_t mxcsr, uint32_t dest,
                         uint32_t src)
{
    static uint32_t vdest[4] __attribute__((aligned(16)));
    static uint32_t vsrc[4] __attribute__((aligned(16)));
    static uint32_t out[4] __attribute__((aligned(16)));
    uint32_t def = MXCSR_DEFAULT, now;
    struct result r = { -1, 0, 0 };
    int i;

    for (i = 0; i < 4; i++) {
        vdest[i] = dest;
        vsrc[i] = src;
    }
    sig_code = -1;
    if (sigsetjmp(back, 1) == 0) {
        asm volatile("movaps %0, %%xmm1\n\t"
                     "movaps %1, %%xmm0\n\t"
                     "ldmxcsr %2" : : "m"(vdest), "m"(vsrc), "m"(mxcsr)
                     : "xmm0", "xmm1");
        switch (op) {
        case DIVSS:
            asm volatile("divss %%xmm0, %%xmm1" : : : "xmm1");
            break;
        case UCOMISS:
            asm volatile("ucomiss %%xmm0, %%xmm1" : : : "cc");
            break;
        case ADDPS:
            asm volatile("addps %%xmm0, %%xmm1" : : : "xmm1");
            break;
        }
        asm volatile("movaps %%xmm1, %0\n\t"
                     "stmxcsr %1" : "=m"(out), "=m"(now));
        r.xmm1 = out[0];
        r.flags = now & 0x3f;
    } else {
        r.code = sig_code;
        r.xmm1 = frame_xmm1;
        r.flags = frame_mxcsr & 0x3f;
    }
    asm volatile("ldmxcsr %0" : : "m"(def));
    return r;
}

static int failed;

/* @loose: flags the SDM leaves to the implementation in this case */
static void check_loose(const char *name, struct result r, int code,
                        uint32_t xmm1, uint32_t flags, uint32_t loose)
{
    int ok = r.code == code && r.xmm1 == xmm1 &&
             (r.flags & ~loose) == (flags & ~loose);

    printf("XSIMD: %s signal %d xmm1 %08x flags %02x: %s\n", name, r.code,
           r.xmm1, r.flags, ok ? "ok" : "WRONG");
    if (!ok) {
        printf("XSIMD: %s wanted signal %d xmm1 %08x flags %02x\n", name,
               code, xmm1, flags);
        failed = 1;
    }
}

static void check(const char *name, struct result r, int code,
                  uint32_t xmm1, uint32_t flags)
{
    check_loose(name, r, code, xmm1, flags, 0);
}

int main(void)
{
    struct sigaction sa;
    const uint32_t zero = 0, one = 0x3f800000, two = 0x40000000;
    const uint32_t denormal = 1, qnan = 0xffc00000, huge = 0x7f7fffff;

    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_fpe;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGFPE, &sa, NULL);

    /* masked: the default result and the flag, no fault */
    check("divss-0/0-masked", run(DIVSS, MXCSR_DEFAULT, zero, zero),
          -1, qnan, 0x01);
    /* IE unmasked: #XM, xmm1 keeps its 0.0, IE set */
    check("divss-0/0-unmasked", run(DIVSS, MXCSR_DEFAULT & ~IM, zero, zero),
          FPE_FLTINV, zero, 0x01);
    /* ZE unmasked: 1/0 */
    check("divss-1/0-unmasked", run(DIVSS, MXCSR_DEFAULT & ~ZM, one, zero),
          FPE_FLTDIV, one, 0x04);
    /* an unmasked flag the instruction does not raise: no fault */
    check("divss-2/1-unmasked-ie", run(DIVSS, MXCSR_DEFAULT & ~IM, two, one),
          -1, two, 0x00);
    /* DE unmasked: a denormal compared, EFLAGS aside */
    check("ucomiss-denormal-unmasked",
          run(UCOMISS, MXCSR_DEFAULT & ~DM, denormal, denormal),
          FPE_FLTUND, denormal, 0x02);
    check("ucomiss-denormal-masked",
          run(UCOMISS, MXCSR_DEFAULT, denormal, denormal), -1, denormal,
          0x02);
    /* OE unmasked: an overflow in every lane; PE may come with it */
    check_loose("addps-overflow-unmasked",
                run(ADDPS, MXCSR_DEFAULT & ~OM, huge, huge),
                FPE_FLTOVF, huge, 0x08, 0x20);
    printf("XSIMD: %s\n", failed ? "FAILED" : "PASSED");
    return failed;
}
