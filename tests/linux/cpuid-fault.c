/*
 * cpuid-fault: does CPUID fault in this process once it asks Linux to
 * (arch_prctl(ARCH_SET_CPUID, 0), which Linux offers only where the CPU
 * has CPUID faulting), and run again once it asks back?
 *
 *   cpuid-fault probe   one CPUID each way; a line
 *                       "XCPUID: probe get G set S faulted F restored R"
 *   cpuid-fault loop    faulting on, CPUID over and over without a pause
 *                       (so that the vCPU's MSR stays on) until /var/stop
 *                       exists or 300 s pass; then a line
 *                       "XCPUID: loop faulted N ran M restored R"
 *
 * Exits with status 0 when CPUID faulted every time it was off and ran
 * when back on.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static sigjmp_buf back;

static void on_segv(int sig)
{
    siglongjmp(back, 1);
}

static long arch_prctl(int code, unsigned long arg)
{
    return syscall(SYS_arch_prctl, code, arg);
}

/* 1 if CPUID faulted (SIGSEGV), 0 if it ran */
static int cpuid_faults(void)
{
    unsigned int a = 0, b, c = 0, d;

    if (sigsetjmp(back, 1)) {
        return 1;
    }
    __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
    return 0;
}

int main(int argc, char **argv)
{
    struct sigaction sa;
    int restored;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_segv;
    sigaction(SIGSEGV, &sa, NULL);

    if (argc == 2 && !strcmp(argv[1], "probe")) {
        long get = arch_prctl(ARCH_GET_CPUID, 0);
        long set = arch_prctl(ARCH_SET_CPUID, 0);
        int faulted = set == 0 && cpuid_faults();

        restored = arch_prctl(ARCH_SET_CPUID, 1) == 0 && !cpuid_faults();
        printf("XCPUID: probe get %ld set %ld faulted %d restored %d\n",
               get, set, faulted, restored);
        return get == 1 && set == 0 && faulted && restored ? 0 : 1;
    }
    if (argc == 2 && !strcmp(argv[1], "loop")) {
        time_t end = time(NULL) + 300;
        unsigned long faulted = 0, ran = 0;

        if (arch_prctl(ARCH_SET_CPUID, 0)) {
            printf("XCPUID: loop cannot turn faulting on\n");
            return 1;
        }
        while (access("/var/stop", F_OK) && time(NULL) < end) {
            if (cpuid_faults()) {
                faulted++;
            } else {
                ran++;
            }
        }
        restored = arch_prctl(ARCH_SET_CPUID, 1) == 0 && !cpuid_faults();
        printf("XCPUID: loop faulted %lu ran %lu restored %d\n",
               faulted, ran, restored);
        return faulted && !ran && restored ? 0 : 1;
    }
    fprintf(stderr, "usage: cpuid-fault probe|loop\n");
    return 2;
}
