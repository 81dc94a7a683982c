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

"""Checks of RT throttling and what backs it: sched_rt_runtime_us, the
deadline fair server (Linux >= 6.12), stalld and the guests' cgroup budget.

Each takes (probe, sets) and returns (code, details, fix). ``fair_server``
ends in Warning at worst (it costs latency); ``stalld`` ends in Failure when
nothing at all keeps a busy SCHED_FIFO vCPU from starving its CPU's kernel
threads (a host that can lock up), and is critical by default.

Measured on this project's test host (kernel 6.18, design notes): with
``sched_rt_runtime_us = -1`` a SCHED_FIFO vCPU whose pCPU also runs a busy
SCHED_OTHER loop stalls ~54 ms every second: the fair server gives normal
tasks 50 ms of every 1000 ms on each CPU even with RT throttling off.
"""

from rtnova.status import result

SUCCESS, WARNING, FAILURE = result.SUCCESS, result.WARNING, result.FAILURE
_fmt = result.fmt

FAIR_SERVER_SINCE = (6, 12)
FAIR_SERVER_PATH = '/sys/kernel/debug/sched/fair_server'
_DEFAULT_SHARE = ('by default it gives normal (SCHED_OTHER) tasks 50 ms of '
                  'every 1000 ms on each CPU even with sched_rt_runtime_us '
                  '= -1, so a FIFO vCPU stalls that long whenever another '
                  'task is runnable on its CPU (~54 ms per second measured '
                  'on a 6.18 host)')
# what both RT throttling checks say when the sysctl cannot be read
_RT_UNREADABLE = (WARNING, 'cannot read /proc/sys/kernel/sched_rt_runtime_us',
                  'check that /proc/sys is mounted')


def target_cpus(probe, sets):
    return sets.dedicated or probe.online_cpus() or frozenset()


def _release_text(release):
    return '%d.%d' % release if release else '(version unknown)'


def _no_fair_server(server, release):
    """The kernel has no fair server (none in debugfs, or older than 6.12)."""
    return server.state == 'absent' or (
        server.state == 'unmounted' and release is not None and
        release < FAIR_SERVER_SINCE)


def fair_server_active(probe, cpus):
    """Whether the fair server gives normal tasks time on ``cpus``.

    None when that cannot be told (then presume the kernel default: on).
    """
    server = probe.fair_server(cpus)
    if _no_fair_server(server, probe.kernel_release()):
        return False
    if server.state == 'unmounted':
        return None
    if server.state == 'refused':
        return None
    return any(runtime > 0 for runtime, _ in server.runtime.values())


def check_rt_throttling(probe, sets):
    runtime, period = probe.sched_rt()
    if runtime is None:
        return _RT_UNREADABLE
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
    if fair_server_active(probe, target_cpus(probe, sets)) is False:
        return SUCCESS, ('sched_rt_runtime_us = -1: real-time tasks are not '
                         'throttled (isolcpus keeps housekeeping off those '
                         'CPUs)'), ''
    release = probe.kernel_release()
    return (WARNING,
            'sched_rt_runtime_us = -1 turns RT throttling off, but kernel %s '
            'also has the deadline fair server (Linux 6.12 and newer), which '
            'may still give normal tasks up to 50 ms of every second on each '
            'CPU: -1 alone is not enough (see fair_server)'
            % _release_text(release),
            'keep -1, set the fair server\'s runtime to 0 on the dedicated '
            'CPUs (see fair_server) with stalld running, and keep other '
            'threads off those CPUs (see dedicated_cpu_intruders)')


def _zero_fix(cpus):
    return ('for c in %s; do echo 0 > %s/cpu$c/runtime; done (at every '
            'boot; keep stalld running then, see stalld)'
            % (' '.join(str(c) for c in sorted(cpus)), FAIR_SERVER_PATH))


def check_fair_server(probe, sets):
    cpus = target_cpus(probe, sets)
    server = probe.fair_server(cpus)
    release = probe.kernel_release()
    if _no_fair_server(server, release):
        return SUCCESS, ('no deadline fair server (kernel %s; it came with '
                         '6.12): sched_rt_runtime_us alone decides'
                         % _release_text(release)), ''
    if server.state == 'unmounted':
        return (WARNING,
                'debugfs is not mounted, so the fair server cannot be read; '
                'kernel %s has it (6.12 and newer): %s'
                % (_release_text(release), _DEFAULT_SHARE),
                'mount -t debugfs none /sys/kernel/debug and run this check '
                'again; then ' + _zero_fix(cpus))
    if server.state == 'refused':
        return (WARNING,
                '%s exists but reading it is refused (%s: kernel lockdown or '
                'a confined container), so its runtime on CPUs %s is '
                'unknown; %s' % (FAIR_SERVER_PATH, server.error, _fmt(cpus),
                                 _DEFAULT_SHARE),
                'as root on a host without lockdown: ' + _zero_fix(cpus))
    busy = {c: v for c, v in server.runtime.items() if v[0] > 0}
    if not busy:
        return SUCCESS, ('fair server runtime 0 on CPUs %s'
                         % _fmt(frozenset(server.runtime) or cpus)), ''
    shown = ', '.join('CPU %d: %d of %d ms' % (c, r // 1000000, p // 1000000)
                      for c, (r, p) in sorted(busy.items())[:6])
    return (WARNING,
            'the fair server gives normal tasks CPU time on %s (%s): a '
            'SCHED_FIFO vCPU stalls that long whenever another task is '
            'runnable on its CPU, even with sched_rt_runtime_us = -1'
            % (_fmt(frozenset(busy)), shown), _zero_fix(busy))


def _stalld_pid(probe):
    for pid, name in sorted(probe.processes().items()):
        if name == 'stalld':
            return pid
    return None


def check_stalld(probe, sets):
    runtime, _ = probe.sched_rt()
    if runtime is None:
        return _RT_UNREADABLE
    pid = _stalld_pid(probe)
    if pid is not None:
        return SUCCESS, ('stalld runs (pid %d): it gives starving tasks a '
                         'short boost' % pid), ''
    if runtime >= 0:
        return SUCCESS, ('not needed: RT throttling (sched_rt_runtime_us = '
                         '%d) leaves normal tasks time on every CPU (its '
                         'cost: see rt_throttling)' % runtime), ''
    active = fair_server_active(probe, target_cpus(probe, sets))
    if active:
        return SUCCESS, ('not needed while the fair server gives starving '
                         'normal tasks their share (its cost: see '
                         'fair_server); needed once its runtime is 0'), ''
    installed = ('installed but not running' if probe.stalld_installed()
                 else 'not installed')
    why = ('the fair server cannot be read (see fair_server); if its '
           'runtime is 0, ' if active is None else
           'no fair server gives normal tasks time, so ')
    return (WARNING if active is None else FAILURE,
            'sched_rt_runtime_us = -1 and stalld is %s: %sa busy SCHED_FIFO '
            'vCPU starves the per-CPU kernel threads of its CPU (kworker, '
            'ksoftirqd, RCU) without limit: hung tasks, RCU stalls, a host '
            'that stops answering (OpenShift turned stalld back on for this)'
            % (installed, why),
            'install stalld (dnf/apt install stalld) and systemctl enable '
            '--now stalld')


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
