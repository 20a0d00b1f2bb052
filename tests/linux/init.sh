#!/bin/sh
# /init of the Linux test guest (busybox sh), both in the initramfs and on
# the root disk, which it tells apart by the disk's /etc/xen-test-root.
# From the initramfs it loads the drivers and reports what the kernel
# found; with xtest.root=DEV (or xtest=root: the first of xvda sda vda)
# it switches to that ext4 disk and runs again there.  Then it takes
# shell commands from the console, one per line, for the test runner
# (tests/linux/scenarios.py): it answers "XTEST: ready" when it waits
# for one and "XTEST: end STATUS" after each.
#
# Results are console lines "XTEST: <key> <value...>".  xtest=basic (no
# runner) reports, checks the root disk takes writes, and powers off.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin

x() { echo "XTEST: $*"; }
halt() { sync; poweroff -f; sleep 5; exit 1; }  # exit: panic=-1 ends it too
done_() { x uptime "$(cut -d' ' -f1 /proc/uptime)"; x "done"; halt; }
fail() {
    x fail "$*"
    echo "--- last kernel messages:"
    dmesg | tail -n 30
    halt
}
driver() { d=$(readlink "$1/driver") && echo "${d##*/}" || echo -; }

# devtmpfs is not mounted for us: the kernel only does that for a disk root
[ -e /proc/self ] || mount -t proc proc /proc
[ -d /sys/kernel ] || mount -t sysfs sysfs /sys
[ -e /dev/null ] || mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
# keep kernel messages off the console so that XTEST lines stay whole
dmesg -n 1

scenario=basic root=
read -r cmdline </proc/cmdline
for arg in $cmdline; do
    case $arg in
    xtest=*) scenario=${arg#*=} ;;
    xtest.root=*) root=${arg#*=} ;;
    esac
done
if [ -e /etc/xen-test-root ]; then stage=root; else stage=initramfs; fi
x stage "$stage"
x scenario "$scenario"

load_modules() {
    cmdline=$(cat /proc/cmdline)
    while read -r m; do
        n=$(basename "$m" .ko | tr - _)
        # its MODULE.PARAM=VALUE words of the kernel command line, as
        # kmod's modprobe passes them in a stock initramfs
        params=
        for w in $cmdline; do
            case "$w" in "$n".*) params="$params ${w#*.}" ;; esac
        done
        insmod "/lib/modules/$(uname -r)/$m" $params 2>/dev/null
        if [ -d "/sys/module/$n" ]; then x module "$n" loaded
        else x module "$n" failed; fi
    done </etc/modules
}

report() {
    x uname "$(uname -r)"
    [ -r /sys/hypervisor/type ] && x hypervisor "$(cat /sys/hypervisor/type)"
    for b in /sys/block/*; do
        case ${b##*/} in loop* | ram*) continue ;; esac
        x block "${b##*/}" "$(cat "$b/size")" "$(driver "$b/device")"
    done
    for n in /sys/class/net/*; do
        x net "${n##*/}" "$(driver "$n/device")" "$(cat "$n/address")"
    done
    for d in /sys/bus/xen/devices/*; do
        [ -e "$d" ] && x xenbus "${d##*/}" "$(driver "$d")"
    done
    # event channels and the callback vector (HYP:) once Xen is there
    grep -iE 'xen|events|HYP:' /proc/interrupts | while read -r l; do x irq "$l"; done
    dmesg | grep -iE 'xen|grant table' | while read -r l; do x dmesg "$l"; done
}

# switch to the root disk, whose /init goes on with stage "root"
to_root() {
    i=0
    while [ -z "$root" ] && [ $i -lt 100 ]; do  # disks are probed async
        for d in xvda sda vda; do [ -b /dev/$d ] && root=/dev/$d && break; done
        [ -n "$root" ] || usleep 100000
        i=$((i + 1))
    done
    [ -n "$root" ] || fail "no root disk"
    mount -t ext4 "$root" /newroot || fail "cannot mount $root"
    [ -e /newroot/etc/xen-test-root ] || fail "$root has no /etc/xen-test-root"
    x root "$root" mounted
    for d in proc sys dev; do mount --move /$d /newroot/$d; done
    exec switch_root /newroot /init
}

# count boots in /var/xtest-boots: proves the write reached the disk
check_root_rw() {
    n=$(cat /var/xtest-boots 2>/dev/null || echo 0)
    echo $((n + 1)) >/var/xtest-boots || fail "cannot write the root disk"
    sync
    x rootwrite boots "$(cat /var/xtest-boots)"
}

# the runner's commands, until it powers the guest off
serve() {
    stty -echo 2>/dev/null
    while :; do
        x ready
        read -r cmd || halt
        eval "$cmd"
        x end $?
    done
}

# make run: a login-free shell on the PV root, kernel messages back on
demo_shell() {
    dmesg -n 7
    echo
    echo "Root on $(awk '$2 == "/" { print $1 }' /proc/mounts), busybox sh;" \
         "'poweroff -f' ends the demo."
    exec setsid cttyhack sh -l
}

case $stage:$scenario in
initramfs:basic | initramfs:root | initramfs:demo)
    load_modules; report; to_root ;;
root:demo) demo_shell ;;
initramfs:*) load_modules; report; serve ;;
root:basic) check_root_rw; mount -o remount,ro /; done_ ;;
root:*) check_root_rw; serve ;;
esac
