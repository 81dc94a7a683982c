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

"""What a domain's live XML asks for: pinning, scheduling, memory.

The reading side of :mod:`rtnova.domain_xml.writer`: reads libvirt's
``<cputune>``, ``<numatune>``, ``<memoryBacking>``, ``<vcpu>`` and
``<iothreads>`` into plain data that :mod:`rtnova.verify.compare` holds the
real threads against. Scheduler elements become the tuning plan's own
:class:`~rtnova.hardware.tuning.ThreadSched`, with priority 0 for the
non-real-time policies (what the kernel reports for them).
"""

import dataclasses

from lxml import etree

from rtnova.hardware import cpuset
from rtnova.hardware import policies
from rtnova.hardware import tuning

# libvirt <numatune> mode -> the policy numa_maps shows for guest RAM
NUMA_MODE_POLICY = {'strict': 'bind', 'preferred': 'prefer',
                    'interleave': 'interleave', 'restrictive': None}


@dataclasses.dataclass(frozen=True)
class Intent:
    name: str
    vcpus: int
    memory_kb: int
    # vCPU -> allowed CPUs (<vcpupin>, else <vcpu cpuset>)
    vcpu_affinity: dict
    vcpu_sched: dict
    # None: the XML does not constrain the emulator threads
    emulator_affinity: frozenset = None
    emulator_sched: tuning.ThreadSched = None
    iothreads: tuple = ()
    iothread_affinity: dict = dataclasses.field(default_factory=dict)
    iothread_sched: dict = dataclasses.field(default_factory=dict)
    # <numatune><memory mode nodeset>; memnodes folded into the nodeset
    numa_mode: str = None
    numa_nodes: frozenset = None
    # KiB sizes of <hugepages><page>; () with hugepages on = default size
    hugepages: bool = False
    hugepage_sizes_kb: tuple = ()
    locked: bool = False


def _spec(value):
    return frozenset(cpuset.parse_cpu_spec(value))


def _size_kb(value, unit):
    factors = {'b': 1.0 / 1024, 'bytes': 1.0 / 1024, 'k': 1, 'kib': 1,
               'kb': 1000.0 / 1024, 'm': 1024, 'mib': 1024,
               'mb': 1000.0 * 1000 / 1024, 'g': 1024 * 1024,
               'gib': 1024 * 1024, 'gb': 1000.0 ** 3 / 1024}
    return int(int(value) * factors[(unit or 'KiB').lower()])


def _sched(element):
    policy = element.get('scheduler')
    priority = 0
    if policy in policies.REALTIME_SCHED:
        priority = int(element.get('priority', 0))
    return tuning.ThreadSched(policy=policy, priority=priority)


def _iothread_ids(root):
    ids = root.find('iothreadids')
    if ids is not None:
        return tuple(int(e.get('id')) for e in ids.findall('iothread'))
    if root.find('iothreads') is not None:
        return tuple(range(1, int(root.find('iothreads').text) + 1))
    return ()


def _cputune(cputune, fields):
    """Fold ``<cputune>`` into ``fields`` (the Intent's keyword arguments)."""
    for pin in cputune.findall('vcpupin'):
        fields['vcpu_affinity'][int(pin.get('vcpu'))] = _spec(
            pin.get('cpuset'))
    pin = cputune.find('emulatorpin')
    if pin is not None:
        fields['emulator_affinity'] = _spec(pin.get('cpuset'))
    for pin in cputune.findall('iothreadpin'):
        fields['iothread_affinity'][int(pin.get('iothread'))] = _spec(
            pin.get('cpuset'))
    for sched in cputune.findall('vcpusched'):
        for vcpu in _spec(sched.get('vcpus')):
            fields['vcpu_sched'][vcpu] = _sched(sched)
    sched = cputune.find('emulatorsched')
    if sched is not None:
        fields['emulator_sched'] = _sched(sched)
    for sched in cputune.findall('iothreadsched'):
        for iothread in _spec(sched.get('iothreads')):
            fields['iothread_sched'][iothread] = _sched(sched)


def _numatune(numatune):
    """(mode, nodes) of ``<numatune>``, memnodes folded into the nodes."""
    mode = nodes = None
    memory = numatune.find('memory')
    if memory is not None and memory.get('nodeset'):
        mode = memory.get('mode', 'strict')
        nodes = _spec(memory.get('nodeset'))
    memnodes = numatune.findall('memnode')
    if memnodes:
        mode = mode or memnodes[0].get('mode', 'strict')
        nodes = (nodes or frozenset()).union(
            *[_spec(m.get('nodeset')) for m in memnodes])
    return mode, nodes


def _memory_backing(backing):
    """(hugepages, page sizes in KiB, locked) of ``<memoryBacking>``."""
    pages = backing.find('hugepages')
    sizes = ()
    if pages is not None:
        sizes = tuple(sorted({_size_kb(p.get('size'), p.get('unit'))
                              for p in pages.findall('page')}))
    return pages is not None, sizes, backing.find('locked') is not None


def parse_domain_xml(xml):
    """An :class:`Intent` from a domain's (live) XML text."""
    root = etree.fromstring(xml.encode() if isinstance(xml, str) else xml)
    vcpu = root.find('vcpu')
    vcpus = int(vcpu.get('current', vcpu.text)) if vcpu is not None else 1
    # <vcpu cpuset> is the default affinity of every thread of the guest
    default = _spec(vcpu.get('cpuset')) \
        if vcpu is not None and vcpu.get('cpuset') else None
    memory = root.find('memory')
    iothreads = _iothread_ids(root)
    fields = {
        'name': root.findtext('name'), 'vcpus': vcpus,
        'memory_kb': _size_kb(memory.text, memory.get('unit'))
        if memory is not None else 0,
        'vcpu_affinity': {v: default for v in range(vcpus)} if default
        else {},
        'vcpu_sched': {}, 'emulator_affinity': default,
        'iothreads': iothreads,
        'iothread_affinity': {i: default for i in iothreads} if default
        else {},
        'iothread_sched': {},
    }
    if root.find('cputune') is not None:
        _cputune(root.find('cputune'), fields)
    if root.find('numatune') is not None:
        fields['numa_mode'], fields['numa_nodes'] = _numatune(
            root.find('numatune'))
    if root.find('memoryBacking') is not None:
        (fields['hugepages'], fields['hugepage_sizes_kb'],
         fields['locked']) = _memory_backing(root.find('memoryBacking'))
    return Intent(**fields)
