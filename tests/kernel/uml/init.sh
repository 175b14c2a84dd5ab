#!/bin/sh
# PID 1 of a user-mode-linux guest started by tests/kernel/kernel-run.sh.
#
# The guest's root is the host's file system (hostfs), so the run directory the
# harness made under the host's /tmp is visible here at the same path. The
# harness passes it on the kernel command line as tandem_run=DIR (the kernel
# hands unknown name=value parameters to PID 1 as environment variables), with
# the modules to load as tandem_modules=a,b,c.
#
# Steps: mount proc, sysfs, a tmpfs on /run (for `ip netns`) and on /dev/shm;
# build a module tree for `modprobe -d` (UML's modules live in
# /usr/lib/uml/modules/<version>, modprobe wants DIR/lib/modules/<version>);
# point /proc/sys/kernel/modprobe at a wrapper so the kernel loads scheduler
# modules (ip_vs_wrr, ...) on demand; load the requested modules; bring lo up;
# run DIR/command.sh with its output in DIR/output; write its exit status to
# DIR/status; sync (hostfs writes go through the guest's page cache) and power
# off. The guest kernel's own exit status means nothing: the harness reads
# DIR/status.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# On AVX-512 hosts UML saves only the x87/SSE/AVX part of each guest thread's
# FPU state (see xstate_preload.cpp), so threads of one guest process would
# share the AVX-512 registers that glibc's EVEX string functions use. Tell
# glibc in the guest not to use AVX-512; AVX2 state is saved per thread.
export GLIBC_TUNABLES=glibc.cpu.hwcaps=-AVX512F,-AVX512VL,-AVX512BW,-AVX512DQ,-AVX512CD
run=${tandem_run:?tandem_run= missing from the kernel command line}

# Writes the status and powers the guest off. poweroff(8) comes with an init
# system (systemd-sysv), which a minimal root lacks; SysRq 'o' needs nothing
# but /proc and works whatever the SysRq mask is. PID 1 must not exit: that
# would panic the guest kernel.
finish() {
  echo "$1" > "$run/status.part" && mv "$run/status.part" "$run/status"
  sync
  echo o > /proc/sysrq-trigger 2>/dev/null || poweroff -f
  sleep 60
}

mount -t proc proc /proc && mount -t sysfs sysfs /sys && mount -t tmpfs tmpfs /run \
  && mkdir -p /run/netns /dev/shm && mount -t tmpfs tmpfs /dev/shm \
  || { echo "uml init: mounting proc, sys, /run or /dev/shm failed" > "$run/output"; finish 125; }

mkdir -p "$run/modtree/lib" && ln -sfn /usr/lib/uml/modules "$run/modtree/lib/modules"
printf '#!/bin/sh\nexec /sbin/modprobe -d %s "$@"\n' "$run/modtree" > "$run/modprobe"
chmod +x "$run/modprobe" && echo "$run/modprobe" > /proc/sys/kernel/modprobe

# One modprobe for all of them: every exec is slow in UML.
modules=$(echo "${tandem_modules:-}" | tr ',' ' ')
if [ -n "$modules" ] && ! modprobe -a -d "$run/modtree" $modules 2> "$run/modprobe.err"; then
  { echo "uml init: cannot load modules $modules:"; cat "$run/modprobe.err"; } > "$run/output"
  finish 125
fi
ip link set lo up

/bin/bash "$run/command.sh" > "$run/output" 2>&1 < /dev/null
finish $?
