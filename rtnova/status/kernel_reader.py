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

"""Reads of kernel tunables for rtnova-status: idle, KVM, memory, isolation.

A mixin of :class:`rtnova.status.host_reader.HostProbe`: every path goes
through its ``read``/``_glob`` under the injectable root, so fake trees
work.
"""

import dataclasses
import errno
import os
import re
import struct

from rtnova.hardware import cpuset

_STATE_DIR = re.compile(r'state(\d+)$')
_CPU_DIR = re.compile(r'cpu(\d+)$')
_RELEASE = re.compile(r'(\d+)\.(\d+)')
FAIR_SERVER = 'sys/kernel/debug/sched/fair_server'
KVM_PARAMS = 'sys/module/%s/parameters'


@dataclasses.dataclass(frozen=True)
class IdleState:
    """One cpuidle state of one CPU (``.../cpuN/cpuidle/stateM``)."""

    index: int
    name: str
    latency_us: int
    disabled: bool


@dataclasses.dataclass(frozen=True)
class FairServer:
    """What the deadline fair server (Linux >= 6.12) looks like here.

    ``state`` is 'read' (``runtime`` holds {cpu: (runtime ns, period ns)}),
    'refused' (the files exist, reading them fails: ``error`` says why),
    'unmounted' (no ``/sys/kernel/debug/sched``: debugfs is not mounted)
    or 'absent' (debugfs is mounted and has no fair_server directory).
    """

    state: str
    runtime: dict = dataclasses.field(default_factory=dict)
    error: str = ''


class KernelReads(object):

    # kernel version and scheduler

    def kernel_release(self):
        """(major, minor) of ``uname -r`` (/proc/sys/kernel/osrelease)."""
        match = _RELEASE.match(self.read('proc/sys/kernel/osrelease', ''))
        return (int(match.group(1)), int(match.group(2))) if match else None

    def sysctl(self, name):
        """A /proc/sys value by sysctl name (``kernel.timer_migration``)."""
        return self.read('proc/sys/' + name.replace('.', '/'))

    def fair_server(self, cpus):
        """:class:`FairServer` for ``cpus``."""
        if not os.path.isdir(self.path('sys/kernel/debug/sched')):
            return FairServer('unmounted')
        if not os.path.isdir(self.path(FAIR_SERVER)):
            return FairServer('absent')
        runtime = {}
        for cpu in sorted(cpus):
            base = self.path('%s/cpu%d/' % (FAIR_SERVER, cpu))
            try:
                runtime[cpu] = (_int_file(base + 'runtime'),
                                _int_file(base + 'period'))
            except OSError as exc:
                if exc.errno == errno.ENOENT:
                    continue
                return FairServer('refused', error=exc.strerror or str(exc))
            except ValueError:
                return FairServer('refused', error='unexpected content')
        return FairServer('read', runtime=runtime)

    # CPU idle

    def idle_states(self, cpu):
        """[:class:`IdleState`] of a CPU; empty without a cpuidle driver."""
        states = []
        base = 'sys/devices/system/cpu/cpu%d/cpuidle' % cpu
        for path in self._glob(base + '/state*'):
            match = _STATE_DIR.search(path)
            if not match:
                continue
            rel = os.path.relpath(path, self.root)
            states.append(IdleState(
                index=int(match.group(1)),
                name=self.read(rel + '/name', '?'),
                latency_us=self.read_int(rel + '/latency', 0),
                disabled=self.read(rel + '/disable', '0') != '0'))
        return sorted(states, key=lambda s: s.index)

    def idle_driver(self):
        return self.read('sys/devices/system/cpu/cpuidle/current_driver')

    def intel_idle_max_cstate(self):
        return self.read_int('sys/module/intel_idle/parameters/max_cstate')

    def cpu_dma_latency(self):
        """The PM QoS CPU latency limit in us now in force, or None.

        Reading ``/dev/cpu_dma_latency`` returns it as a native 32-bit
        integer (2000000000 means no limit); opening the device for reading
        adds no request of its own.
        """
        try:
            with open(self.path('dev/cpu_dma_latency'), 'rb') as fh:
                data = fh.read(4)
        except OSError:
            return None
        if len(data) != 4:
            return None
        return struct.unpack('=i', data)[0]

    # KVM

    def module_params(self, module):
        """{parameter: value} of a loaded module, None when not loaded."""
        base = KVM_PARAMS % module
        if not os.path.isdir(self.path(base)):
            return None
        params = {}
        for path in self._glob(base + '/*'):
            value = self.read(os.path.relpath(path, self.root))
            if value is not None:
                params[os.path.basename(path)] = value
        return params

    def loaded_kvm_modules(self):
        names = (os.path.basename(p) for p in self._glob('sys/module/kvm*'))
        return sorted(name for name in names if name != 'kvm')

    def cpu_flags(self):
        """The first CPU's ``flags`` in /proc/cpuinfo (empty if unread)."""
        for line in self.read('proc/cpuinfo', '').splitlines():
            key, _, value = line.partition(':')
            if key.strip() == 'flags':
                return frozenset(value.split())
        return frozenset()

    # memory

    def ksm_run(self):
        return self.read_int('sys/kernel/mm/ksm/run')

    def thp_enabled(self):
        """The selected ``[mode]`` of transparent hugepages, or None."""
        text = self.read('sys/kernel/mm/transparent_hugepage/enabled')
        if text is None:
            return None
        match = re.search(r'\[(\w+)\]', text)
        return match.group(1) if match else text.strip()

    # isolation of the dedicated CPUs

    def workqueue_cpus(self):
        return cpuset.parse_hex_mask(
            self.read('sys/devices/virtual/workqueue/cpumask'))

    def default_irq_cpus(self):
        return cpuset.parse_hex_mask(
            self.read('proc/irq/default_smp_affinity'))

    def watchdog_cpus(self):
        spec = self.read('proc/sys/kernel/watchdog_cpumask')
        return cpuset.parse_cpu_spec_or_none(spec)

    def thread_siblings(self, cpu):
        """CPUs sharing ``cpu``'s core (itself included), or None."""
        spec = self.read('sys/devices/system/cpu/cpu%d/topology/'
                         'thread_siblings_list' % cpu)
        return cpuset.parse_cpu_spec_or_none(spec)


def _int_file(path):
    with open(path) as fh:
        return int(fh.read().strip())
