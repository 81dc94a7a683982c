# Copyright 2026 The rtnova Authors
#
#    Licensed under the Apache License, Version 2.0 (the "License"); you may
#    not use this file except in compliance with the License. You may obtain
#    a copy of the License at
#
#         http://www.apache.org/licenses/LICENSE-2.0
#
#    Unless required by applicable law or agreed to in writing, software
#    distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
#    WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
#    License for the specific language governing permissions and limitations
#    under the License.

"""Checks of the kernel, KVM, libvirt and memory of the host.

Each takes (probe, sets) and returns (code, details, fix).
"""

from rtnova.status import result
from rtnova.status import sched_checks

SUCCESS, WARNING, FAILURE = result.SUCCESS, result.WARNING, result.FAILURE

# nova 34's floor (nova.virt.libvirt.driver.MIN_LIBVIRT_VERSION); below it
# nova-compute refuses to start at all.
MIN_LIBVIRT_VERSION = (8, 0, 0)


def check_realtime_kernel(probe, sets):
    version = probe.kernel_version()
    if probe.kernel_realtime_flag() == '1' or 'PREEMPT_RT' in version:
        return SUCCESS, 'PREEMPT_RT kernel (%s)' % version, ''
    return (FAILURE,
            'the running kernel is not PREEMPT_RT (uname -v: %s); vCPU '
            'threads can be delayed by non-preemptible kernel sections'
            % (version or 'unknown'),
            'install and boot a real-time kernel (kernel-rt, '
            'linux-image-rt-amd64)')


def check_hugepages(probe, sets):
    pages = probe.hugepages()
    lines = []
    reserved_any = False
    exhausted = []
    for node in sorted(pages):
        parts = []
        for size, (total, free) in sorted(pages[node].items()):
            parts.append('%d x %d KiB (%d free)' % (total, size, free))
            reserved_any = reserved_any or total > 0
            if total and not free:
                exhausted.append('node%d/%d KiB' % (node, size))
        lines.append('node%d: %s' % (node, ', '.join(parts) or 'none'))
    details = '; '.join(lines) or 'no NUMA nodes found'
    if not reserved_any:
        return (WARNING, 'no hugepages reserved (%s): guests with '
                'hw:mem_page_size take page faults in host memory' % details,
                'reserve pages per node, e.g. echo 4 > /sys/devices/system/'
                'node/node0/hugepages/hugepages-1048576kB/nr_hugepages, and '
                'boot with default_hugepagesz=1G')
    if exhausted:
        return (WARNING, 'no free pages left in %s (%s)' % (
            ', '.join(exhausted), details),
            'reserve more hugepages on those nodes')
    return SUCCESS, details, ''


def check_lapic_timer_advance(probe, sets):
    value = probe.lapic_timer_advance()
    if value is None:
        return (FAILURE, 'the kvm module is not loaded',
                'modprobe kvm_intel (or kvm_amd)')
    kind, setting = value
    if kind == 'ns':
        if setting == 0:
            return (WARNING, 'kvm lapic_timer_advance_ns = 0: guest timer '
                    'interrupts arrive late by the VM entry latency',
                    'options kvm lapic_timer_advance_ns=-1 (adaptive) in '
                    '/etc/modprobe.d/kvm.conf, then reload kvm')
        what = 'adaptive' if setting < 0 else '%d ns' % setting
        return SUCCESS, 'kvm lapic_timer_advance_ns = %d (%s)' % (
            setting, what), ''
    if setting.upper().startswith('Y') or setting == '1':
        return SUCCESS, ('kvm lapic_timer_advance = %s (adaptive timer '
                         'advance; this kernel has no _ns parameter)'
                         % setting), ''
    return (WARNING, 'kvm lapic_timer_advance = %s: guest timer interrupts '
            'arrive late by the VM entry latency' % setting,
            'options kvm lapic_timer_advance=Y in /etc/modprobe.d/kvm.conf')


def check_rt_throttling(probe, sets):
    runtime, period = probe.sched_rt()
    if runtime is None:
        return (WARNING, 'cannot read /proc/sys/kernel/sched_rt_runtime_us',
                'check that /proc/sys is mounted')
    if runtime < 0:
        return _unthrottled(probe, sets)
    period = period or 1000000
    stall_ms = (period - runtime) / 1000.0
    return (WARNING,
            'sched_rt_runtime_us = %d of %d: a SCHED_FIFO vCPU that busy-'
            'polls is stopped for %.0f ms every %.0f ms, a latency spike the '
            'guest cannot avoid' % (runtime, period, stall_ms,
                                    period / 1000.0),
            'sysctl kernel.sched_rt_runtime_us=-1 (tuned '
            'realtime-virtual-host sets it)')


def _unthrottled(probe, sets):
    # on Linux >= 6.12 the deadline fair server still hands normal tasks
    # CPU time when RT throttling is off (issue 10 measured it)
    if sched_checks.fair_server_active(
            probe, sched_checks.target_cpus(probe, sets)) is False:
        return SUCCESS, ('sched_rt_runtime_us = -1: real-time tasks are not '
                         'throttled (isolcpus keeps housekeeping off those '
                         'CPUs)'), ''
    release = probe.kernel_release()
    return (WARNING,
            'sched_rt_runtime_us = -1 turns RT throttling off, but kernel %s '
            'also has the deadline fair server (Linux 6.12 and newer), which '
            'may still give normal tasks up to 50 ms of every second on each '
            'CPU: -1 alone is not enough (see fair_server)'
            % ('%d.%d' % release if release else '(version unknown)'),
            'keep -1, set the fair server\'s runtime to 0 on the dedicated '
            'CPUs (see fair_server) with stalld running, and keep other '
            'threads off those CPUs (see dedicated_cpu_intruders)')


def _qemu_conf_controllers(text):
    for line in text.splitlines():
        line = line.strip()
        if line.startswith('cgroup_controllers') and '=' in line:
            value = line.partition('=')[2]
            return [v.strip().strip('"\'') for v in
                    value.strip().strip('[]').split(',') if v.strip()]
    return None


def check_rt_cgroup(probe, sets):
    # Only kernels with CONFIG_RT_GROUP_SCHED give a new cpu cgroup a zero
    # real-time budget; elsewhere libvirt's cpu controller is harmless and
    # quota:cpu_* flavors need it.
    if probe.rt_group_sched_root() is None:
        return SUCCESS, ('no real-time group scheduling in the kernel (no '
                         'cpu.rt_runtime_us): guest cgroups do not limit '
                         'SCHED_FIFO vCPUs, libvirt keeps its cpu controller '
                         'and quota:cpu_* flavors work'), ''
    controllers = _qemu_conf_controllers(probe.libvirt_qemu_conf())
    if controllers is not None and 'cpu' not in controllers:
        return SUCCESS, ('the kernel has RT group scheduling and libvirt '
                         'does not use the cpu controller (qemu.conf '
                         'cgroup_controllers = %s); flavors with '
                         'quota:cpu_shares/period/quota cannot boot on this '
                         'host' % ', '.join(controllers)), ''
    return (FAILURE,
            'the kernel has RT group scheduling (cpu.rt_runtime_us) and '
            'libvirt puts each guest in a cpu cgroup with a real-time budget '
            'of 0 us: a guest with SCHED_FIFO/RR vCPUs fails to start '
            '("Cannot set scheduler parameters")',
            'set cgroup_controllers = [ "cpuset", "memory", "devices", '
            '"blkio", "cpuacct" ] in /etc/libvirt/qemu.conf and restart '
            'libvirtd (needed on this kernel only; flavors with '
            'quota:cpu_* extra specs then no longer boot here), or boot a '
            'kernel without CONFIG_RT_GROUP_SCHED')


def check_tuned_profile(probe, sets):
    profile = probe.tuned_profile()
    if profile and 'realtime-virtual-host' in profile.split():
        return SUCCESS, 'tuned profile: %s' % profile, ''
    shown = profile or 'none (tuned not installed or not active)'
    return (WARNING, 'tuned profile: %s' % shown,
            'tuned-adm profile realtime-virtual-host (with isolated_cores '
            'in /etc/tuned/realtime-virtual-host-variables.conf)')


def check_libvirt_version(probe, sets):
    version = probe.libvirt_version()
    if version is None:
        return (FAILURE, 'libvirt is not available (no libvirt-python)',
                'pip install libvirt-python and install libvirt-daemon')
    text = '.'.join(str(v) for v in version)
    if tuple(version) < MIN_LIBVIRT_VERSION:
        return (FAILURE, 'libvirt %s is older than nova 34 supports (%s)' % (
            text, '.'.join(str(v) for v in MIN_LIBVIRT_VERSION)),
            'upgrade libvirt')
    return SUCCESS, 'libvirt %s' % text, ''


def check_kvm_device(probe, sets):
    exists, usable = probe.kvm_device()
    if not exists:
        return (FAILURE, '/dev/kvm does not exist: no hardware '
                'virtualization', 'enable VT-x/AMD-V in the BIOS and load '
                'kvm_intel or kvm_amd')
    if not usable:
        return (FAILURE, '/dev/kvm is not readable and writable by this '
                'user', 'run as root or add the user to the kvm group')
    return SUCCESS, '/dev/kvm is usable', ''


def check_memory_lock(probe, sets):
    soft, hard = probe.memlock_limit()
    if hard == -1 or probe.can_raise_memlock():
        return SUCCESS, ('RLIMIT_MEMLOCK can be raised to unlimited: '
                         '<locked/> guest memory works'), ''
    return (FAILURE,
            'RLIMIT_MEMLOCK is %d/%d bytes and cannot be raised (no '
            'CAP_SYS_RESOURCE): a guest with <locked/> memory fails to '
            'start' % (soft, hard),
            'run libvirtd with CAP_SYS_RESOURCE (not in an unprivileged '
            'container) or raise LimitMEMLOCK for its service')
