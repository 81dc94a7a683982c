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

"""Where the host's tasks are confined to the housekeeping CPUs.

The one place that picks the way (cgroup v1's cpuset, systemd's
``AllowedCPUs=`` on cgroup v2, or cgroup v2's cpuset without systemd; the
decision is :func:`rtnova.hardware.shield_cgroups.way`), applies it and
undoes it. What each way changed goes into the state (``data``) before
the change, so an interrupted apply is undone too.
"""

import errno

from rtnova.hardware import cpuset
from rtnova.hardware import shield_cgroups as plan
from rtnova.shield import cpuset_v1
from rtnova.shield import cpuset_v2
from rtnova.shield import systemd_units

_fmt = cpuset.format_cpu_spec
_REFUSED_EINVAL = ('new tasks they start are born there, and one that asks '
                   'for a dedicated CPU (sched_setaffinity, taskset) is '
                   'refused with EINVAL')


def choose(host):
    """The way for this host, or InvalidHostConfig (nothing changed)."""
    mode, runs = host.cgroup_mode(), host.systemd_runs()
    if mode != 'v2' or not runs:
        return plan.way(mode, runs)
    known = host.systemd.allowed_cpus(plan.CONFINED_UNITS[1]) is not None
    return plan.way(mode, runs, host.systemd.version(), known)


def confine(host, data, keep, save):
    """Confine the host's tasks to ``keep``; the report lines."""
    return _WAYS[data.get('cgroup_way', plan.V1)][0](host, data, keep, save)


def release(host, data):
    """Undo :func:`confine`: (report lines, [what could not be undone])."""
    return _WAYS[data.get('cgroup_way', plan.V1)][1](host, data)


def persist_texts(data, keep):
    """{drop-in path: text} that persist the confinement (systemd only)."""
    if data.get('cgroup_way') != plan.V2_SYSTEMD:
        return {}
    return {plan.dropin_path(unit): plan.dropin_text(unit, keep)
            for unit in plan.CONFINED_UNITS}


def persisted(host, data):
    """After drop-ins were written or removed: systemd reads them."""
    if data.get('cgroup_way') == plan.V2_SYSTEMD:
        host.systemd.daemon_reload()


def _confine_v1(host, data, keep, save):
    if cpuset_v1.create(host, keep):
        data['cpuset_created'] = True
        save()
    moved, refused = cpuset_v1.move_in(host)
    return (['cpuset /%s (CPUs %s): %d tasks moved in; %s'
             % (cpuset_v1.PATH, _fmt(keep), moved, _REFUSED_EINVAL)] +
            ['  not moved: %s' % r for r in refused])


def _release_v1(host, data):
    left = cpuset_v1.move_out(host)
    if left:
        return [], ['tasks %s stay in /%s' % (left, cpuset_v1.PATH)]
    if not data['cpuset_created']:
        return [], []
    cpuset_v1.remove(host)
    return ['removed cpuset /%s; its tasks are back in the root cpuset'
            % cpuset_v1.PATH], []


def _confine_cgroup(host, data, keep, save):
    if cpuset_v2.enable_controller(host):
        data['controller_enabled'] = True
        save()
    if cpuset_v2.create(host, keep):
        data['cpuset_created'] = True
        save()
    moved, refused = cpuset_v2.move_in(host)
    lines = ['cgroup /%s (CPUs %s): %d processes of the root cgroup moved '
             'in; %s' % (cpuset_v2.PATH, _fmt(keep), moved, _REFUSED_EINVAL)]
    lines += ['  not moved: %s' % r for r in refused]
    lines.append('  not moved: %d kernel threads stay in the root cgroup: '
                 'the kernel refuses to move one flagged PF_NO_SETAFFINITY '
                 '(per-CPU threads, workqueue workers, kthreadd)'
                 % cpuset_v2.kept_at_root(host))
    lines += _effect_lines(host, [cpuset_v2.NAME], keep)
    return lines + _partition_lines(host)


def _release_cgroup(host, data):
    lines, failed = [], []
    left = cpuset_v2.move_out(host)
    if left:
        return [], ['processes %s stay in /%s' % (left, cpuset_v2.PATH)]
    if data['cpuset_created']:
        cpuset_v2.remove(host)
        lines.append('removed cgroup /%s; its processes are back in the '
                     'root cgroup' % cpuset_v2.PATH)
    if data.get('controller_enabled'):
        problem = cpuset_v2.disable_controller(host)
        if problem:
            failed.append(problem)
        else:
            lines.append('cpuset disabled again in /%s' % cpuset_v2.SUBTREE)
    return lines, failed


def _confine_units(host, data, keep, save):
    for unit in plan.CONFINED_UNITS:
        if all(item[0] != unit for item in data['units']):
            runtime = plan.runtime_dropin_path(unit)
            data['units'].append([
                unit, host.systemd.allowed_cpus(unit) or '',
                host.read_text(runtime),
                [d for d in _parents(runtime) if not host.exists(d)]])
            save()
        try:
            host.systemd.set_allowed_cpus(unit, _fmt(keep))
        except systemd_units.SystemctlFailed as exc:
            raise systemd_units.SystemctlFailed(
                '%s; what the shield changed so far is recorded: '
                'rtnova-shield --undo puts it back' % exc)
    lines = ['systemd: %s set to AllowedCPUs=%s at run time (systemctl '
             'set-property --runtime; before: %s); %s; %s keeps its CPUs' % (
                 ', '.join(plan.CONFINED_UNITS), _fmt(keep),
                 ', '.join('%s %s' % (u, b or 'every CPU')
                           for u, b, _, _ in data['units']),
                 _REFUSED_EINVAL, plan.LIBVIRT_UNIT)]
    lines += _effect_lines(host, plan.CONFINED_UNITS, keep)
    lines += _pin_kthreads(host, data, keep)
    save()
    return lines + _partition_lines(host)


def _effect_lines(host, names, keep):
    lines = []
    for name in names:
        cpus = cpuset_v2.effective_cpus(host, name)
        if cpus != keep:
            lines.append(
                '  not in effect: /%s/%s/cpuset.cpus.effective is %s, not '
                '%s: the cpuset controller is not enabled for it (%s lists '
                'it when it is; systemd enables it for a unit with '
                'AllowedCPUs=)' % (cpuset_v2.ROOT, name, _fmt(cpus) or
                                   'empty', _fmt(keep), cpuset_v2.SUBTREE))
    return lines


def _pin_kthreads(host, data, keep):
    root_pids = set(host.task_ids(cpuset_v2.ROOT + '/cgroup.procs'))
    pinned, refused = 0, []
    for thread in plan.kthreads_to_pin(host.threads(), root_pids, keep):
        try:
            host.set_affinity(thread.tid, keep)
        except OSError as exc:
            if exc.errno != errno.ESRCH:
                refused.append('%d %s: %s' % (thread.tid, thread.comm,
                                              exc.strerror))
            continue
        data['affinities'].append([thread.tid, sorted(thread.affinity)])
        pinned += 1
    return (['kernel threads of the root cgroup (systemd\'s units hold user '
             'space only): %d given CPUs %s (sched_setaffinity); those '
             'flagged PF_NO_SETAFFINITY stay' % (pinned, _fmt(keep))] +
            ['  not moved: %s' % r for r in refused])


def _release_units(host, data):
    lines, failed = [], []
    for tid, cpus in reversed(data.get('affinities', [])):
        try:
            host.set_affinity(tid, frozenset(cpus))
        except OSError as exc:
            if exc.errno != errno.ESRCH:  # one that exited has no undo
                failed.append('kernel thread %d: %s' % (tid, exc.strerror))
    for unit, before, runtime, made_dirs in reversed(data['units']):
        try:
            host.systemd.set_allowed_cpus(unit, before)
        except systemd_units.SystemctlFailed as exc:
            failed.append(str(exc))
            continue
        _restore_runtime_dropin(host, unit, runtime, made_dirs)
        lines.append('systemd: %s AllowedCPUs=%s again' % (
            unit, before or '(every CPU)'))
    host.systemd.daemon_reload()
    return lines, failed


def _parents(path):
    """run/systemd/system.control and its unit directory, deepest first."""
    unit_dir = path.rsplit('/', 1)[0]
    return [unit_dir, unit_dir.rsplit('/', 1)[0]]


def _restore_runtime_dropin(host, unit, text, made_dirs):
    """systemd's runtime drop-in as it was before the shield's first
    set-property (daemon-reload follows, so systemd reads it).
    """
    path = plan.runtime_dropin_path(unit)
    if text is not None:
        if host.read_text(path) != text:
            host.write(path, text)
        return
    if host.exists(path):
        host.remove_file(path)
    for directory in made_dirs:
        if host.exists(directory) and not host.list_dir(directory):
            host.remove_dir(directory)


def _partition_lines(host):
    if not cpuset_v2.has_partitions(host):
        return []
    kinds = ('root and isolated' if plan.isolated_partitions(
        host.kernel_release()) else 'root, not isolated')
    return ['cpuset partitions (%s ones on this kernel): %s'
            % (kinds, plan.PARTITION_NOT_USED)]


def libvirt_cgroups(host):
    """{path: CPUs} of libvirt's cgroups (v1 cpusets or v2 cgroups)."""
    if host.cgroup_mode() == 'v1':
        return cpuset_v1.libvirt_partitions(host)
    return cpuset_v2.libvirt_cgroups(host)


def check_lines(host, dedicated):
    """(lines on the confining cgroups and libvirt's, open findings)."""
    lines, bad = [], 0
    if host.cgroup_mode() == 'v2' and host.systemd_runs():
        for unit in plan.CONFINED_UNITS:
            cpus = cpuset_v2.effective_cpus(host, unit)
            lines.append('systemd unit %s runs on CPUs %s%s' % (
                unit, _fmt(cpus) or '(unreadable)',
                ', dedicated ones among them' if cpus & dedicated else ''))
    for path, cpus in sorted(libvirt_cgroups(host).items()):
        line, wrong = plan.libvirt_finding(path, cpus, dedicated)
        lines.append(line)
        bad += wrong
    return lines, bad


_WAYS = {
    plan.V1: (_confine_v1, _release_v1),
    plan.V2_CGROUP: (_confine_cgroup, _release_cgroup),
    plan.V2_SYSTEMD: (_confine_units, _release_units),
}
