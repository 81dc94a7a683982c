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

"""Reads of CPUs and NUMA nodes: topology, memory, frequency, idle, and
the kernel's CPU masks (workqueues, watchdog).
"""

import dataclasses
import re

from rtnova.hardware import cpuset
from rtnova.hostfs import files

_NODE_DIR = re.compile(r'node(\d+)$')
_CPU_DIR = re.compile(r'cpu(\d+)$')
_PAGES_DIR = re.compile(r'hugepages-(\d+)kB$')
_STATE_DIR = re.compile(r'state(\d+)$')
_MEMTOTAL = re.compile(r'MemTotal:\s+(\d+)\s+kB')
CPU = 'sys/devices/system/cpu'
NODE = 'sys/devices/system/node'


@dataclasses.dataclass(frozen=True)
class IdleState:
    """One cpuidle state of one CPU (``.../cpuN/cpuidle/stateM``)."""

    index: int
    name: str
    latency_us: int
    disabled: bool


class CPUReads(files.HostFiles):

    # topology

    def online_cpus(self):
        return cpuset.parse_cpu_spec_or_none(self.read(CPU + '/online'))

    def present_cpus(self):
        """CPUs the kernel knows, online or not (None: unreadable)."""
        return cpuset.parse_cpu_spec_or_none(self.read(CPU + '/present'))

    def numa_nodes(self):
        """{node id: CPUs} from /sys/devices/system/node/node*/cpulist."""
        nodes = {}
        for path in self.glob(NODE + '/node*'):
            match = _NODE_DIR.search(path)
            if match:
                nodes[int(match.group(1))] = cpuset.parse_cpu_spec_or_none(
                    self.read(self.relative(path) + '/cpulist'))
        return nodes

    def node_memory_kb(self, node):
        """MemTotal of a NUMA node in KiB (0 when unreadable)."""
        meminfo = self.read('%s/node%d/meminfo' % (NODE, node), '')
        match = _MEMTOTAL.search(meminfo)
        return int(match.group(1)) if match else 0

    def hugepages(self):
        """{node: {page size KiB: (reserved, free)}}."""
        result = {}
        for node in self.numa_nodes():
            sizes = {}
            for path in self.glob('%s/node%d/hugepages/hugepages-*kB'
                                  % (NODE, node)):
                match = _PAGES_DIR.search(path)
                rel = self.relative(path)
                sizes[int(match.group(1))] = (
                    self.read_int(rel + '/nr_hugepages', 0),
                    self.read_int(rel + '/free_hugepages', 0))
            result[node] = sizes
        return result

    def smt_control(self):
        return self.read(CPU + '/smt/control')

    def thread_siblings(self, cpu):
        """CPUs sharing ``cpu``'s core (itself included), or None."""
        return cpuset.parse_cpu_spec_or_none(self.read(
            '%s/cpu%d/topology/thread_siblings_list' % (CPU, cpu)))

    # frequency and idle

    def governors(self):
        """{cpu: scaling_governor} for CPUs that have a cpufreq policy."""
        governors = {}
        for path in self.glob(CPU + '/cpu*'):
            match = _CPU_DIR.search(path)
            if not match:
                continue
            governor = self.read(self.relative(path) +
                                 '/cpufreq/scaling_governor')
            if governor is not None:
                governors[int(match.group(1))] = governor
        return governors

    def intel_pstate_status(self):
        return self.read(CPU + '/intel_pstate/status')

    def idle_states(self, cpu):
        """[:class:`IdleState`] of a CPU; empty without a cpuidle driver."""
        states = []
        for path in self.glob('%s/cpu%d/cpuidle/state*' % (CPU, cpu)):
            match = _STATE_DIR.search(path)
            if not match:
                continue
            rel = self.relative(path)
            states.append(IdleState(
                index=int(match.group(1)),
                name=self.read(rel + '/name', '?'),
                latency_us=self.read_int(rel + '/latency', 0),
                disabled=self.read(rel + '/disable', '0') != '0'))
        return sorted(states, key=lambda s: s.index)

    def idle_driver(self):
        return self.read(CPU + '/cpuidle/current_driver')

    def intel_idle_max_cstate(self):
        return self.read_int('sys/module/intel_idle/parameters/max_cstate')

    # the kernel's own CPU masks

    def workqueue_cpus(self):
        return cpuset.parse_hex_mask(
            self.read('sys/devices/virtual/workqueue/cpumask'))

    def watchdog_cpus(self):
        return cpuset.parse_cpu_spec_or_none(
            self.read('proc/sys/kernel/watchdog_cpumask'))
