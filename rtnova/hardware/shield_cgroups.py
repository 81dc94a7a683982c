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

"""How the shield confines the host's tasks with cgroups: its decisions.

Plain data in, plain data out. One of three ways, chosen by :func:`way`:

- ``v1``: a cpuset hierarchy (``/sys/fs/cgroup/cpuset``): a housekeeping
  cpuset of the kind ``cset shield`` builds (``rtnova/shield/cpuset_v1``).
- ``v2-systemd``: cgroup v2 with systemd as PID 1: ``AllowedCPUs=`` of the
  units that hold the host's user space (:data:`CONFINED_UNITS`), set
  through systemd; ``machine.slice`` (libvirt's guests) keeps every CPU.
- ``v2-cgroup``: cgroup v2 without systemd: a child of the root cgroup
  takes the root's processes (``rtnova/shield/cpuset_v2``).

What a unit held before (as ``systemctl show`` says it) is what the undo
puts back; the names of the files systemd and the shield write are here.
"""

from rtnova.hardware import cpuset
from rtnova.hardware import errors
from rtnova.hardware import shield_plan

V1, V2_SYSTEMD, V2_CGROUP = 'v1', 'v2-systemd', 'v2-cgroup'
# the units that hold every user-space process systemd starts: PID 1,
# services, login sessions and user managers
CONFINED_UNITS = ('init.scope', 'system.slice', 'user.slice')
# libvirt's guests (machined's scopes): left with every CPU
LIBVIRT_UNIT = 'machine.slice'
# systemd 244 (Nov 2019) added AllowedCPUs= for the cgroup v2 cpuset
# controller; older versions refuse the property as unknown
ALLOWED_CPUS_SINCE = 244
DROPIN_NAME = '50-rtnova-shield.conf'
# where "systemctl set-property --runtime" keeps a property
RUNTIME_DROPIN = 'run/systemd/system.control/%s.d/50-AllowedCPUs.conf'
# cgroup v2 cpuset partitions: 'root' since Linux 5.0 (first named
# cpuset.sched.partition), 'isolated' (no load balancing) since 6.1
ISOLATED_PARTITION_SINCE = (6, 1)

PARTITION_NOT_USED = (
    'an isolated cpuset partition of the dedicated CPUs is not used: its '
    'CPUs belong to one cgroup subtree only, and libvirt keeps each '
    'guest\'s vCPU and emulator threads in one cgroup (machine.slice\'s '
    'scope, or machine/ without systemd) whose emulator threads run on '
    'housekeeping CPUs (the emulator pool, nova\'s shared emulator '
    'threads), which cannot be inside and outside the partition at once; '
    'tasks left in the root cgroup (kernel threads) would also lose its '
    'CPUs. What it adds over the shield, no load balancing on those CPUs, '
    'pinned vCPUs do not need; isolcpus=domain at boot gives it too')


def way(mode, systemd_runs, systemd_version=None, knows_allowed=False):
    """The way to confine tasks (:data:`V1`, ...), or InvalidHostConfig.

    ``mode`` is 'v1', 'v2' or None (no cpuset controller). For cgroup v2
    with systemd as PID 1, systemd must know ``AllowedCPUs=``: version 244
    or newer, or ``knows_allowed`` (``systemctl show`` printed the
    property: distributions backport it, RHEL 8's systemd 239 has it).
    """
    if mode is None:
        raise errors.InvalidHostConfig(
            'cgroup', 'no cpuset controller is mounted (neither '
            '/sys/fs/cgroup/cpuset nor cpuset in cgroup2\'s '
            'cgroup.controllers)', 'mount cgroup2 at /sys/fs/cgroup on a '
            'kernel with CONFIG_CPUSETS, or a cgroup v1 cpuset hierarchy')
    if mode == 'v1':
        return V1
    if not systemd_runs:
        return V2_CGROUP
    if not knows_allowed and (systemd_version or 0) < ALLOWED_CPUS_SINCE:
        raise errors.InvalidHostConfig(
            'systemd', 'version %s has no AllowedCPUs= (systemd %d and '
            'newer confine slices on cgroup v2), and the shield does not '
            'work behind its back' % (systemd_version or 'unknown',
                                      ALLOWED_CPUS_SINCE),
            'upgrade systemd, or boot with isolcpus=domain,<dedicated>')
    return V2_SYSTEMD


def dropin_path(unit):
    """The shield's persistent drop-in of ``unit`` (under the root)."""
    return 'etc/systemd/system/%s.d/%s' % (unit, DROPIN_NAME)


def dropin_text(unit, housekeeping):
    section = 'Scope' if unit.endswith('.scope') else 'Slice'
    return ('# written by rtnova-shield; rtnova-shield --undo removes it\n'
            '[%s]\nAllowedCPUs=%s\n' % (
                section, cpuset.format_cpu_spec(housekeeping)))


def runtime_dropin_path(unit):
    return RUNTIME_DROPIN % unit


def parse_show(text):
    """``AllowedCPUs`` from ``systemctl show -p AllowedCPUs`` ('' = all).

    None when systemd did not print the property: it does not know it
    (asked with -p, a known property is printed even when empty).
    """
    for line in (text or '').splitlines():
        key, sep, value = line.partition('=')
        if sep and key.strip() == 'AllowedCPUs':
            return value.strip()
    return None


def parse_version(text):
    """systemd's version from ``systemctl --version`` ('systemd 252 (..)')."""
    words = (text or '').split()
    if len(words) >= 2 and words[0] == 'systemd':
        digits = words[1].split('.')[0].split('~')[0]
        if digits.isdigit():
            return int(digits)
    return None


def kthreads_to_pin(threads, root_pids, housekeeping):
    """Kernel threads of the root cgroup that may leave the housekeeping
    CPUs and that the kernel lets move: their affinity is set, since
    systemd's units hold user space only.
    """
    return [t for t in threads
            if t.tid in root_pids and t.kthread and
            shield_plan.cgroup_movable(t) and
            not t.affinity <= housekeeping]


def libvirt_finding(path, cpus, dedicated):
    """(line, True when libvirt cannot pin vCPUs to every dedicated CPU)."""
    fmt = cpuset.format_cpu_spec
    if dedicated <= cpus:
        return ('libvirt\'s cgroup %s holds CPUs %s: vCPUs can be pinned to '
                'the dedicated CPUs' % (path, fmt(cpus))), False
    return ('libvirt\'s cgroup %s holds CPUs %s only: libvirt cannot pin '
            'vCPUs to %s; give it every CPU (its cpuset.cpus, or '
            'AllowedCPUs= of machine.slice)' % (
                path, fmt(cpus), fmt(dedicated - cpus))), True


def isolated_partitions(release):
    """Whether a kernel ``release`` ((major, minor)) has isolated ones."""
    return release is not None and tuple(release[:2]) >= (
        ISOLATED_PARTITION_SINCE)
