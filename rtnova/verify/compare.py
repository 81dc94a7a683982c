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

"""Hold a guest's real threads and memory against its XML's intent.

Pure: takes the :class:`~rtnova.domain_xml.reader.Intent`, the classified
threads, the ``numa_maps`` mappings and ``VmLck`` of the QEMU process, and
returns one :class:`Fact` per thing the XML asked for -- the taskset / chrt /
numa_maps checks of the FOSDEM demo.
"""

import dataclasses

from rtnova.domain_xml import reader
from rtnova.hardware import cpuset
from rtnova.hardware import policies
from rtnova.hardware import threads as threads_mod
from rtnova.hardware import tuning

OTHER = tuning.ThreadSched(policies.SCHED_OTHER, 0)


@dataclasses.dataclass(frozen=True)
class Fact:
    subject: str
    aspect: str
    expected: str
    actual: str
    ok: bool

    def to_dict(self):
        return {'subject': self.subject, 'aspect': self.aspect,
                'expected': self.expected, 'actual': self.actual,
                'status': 'match' if self.ok else 'drift'}


_cpus = cpuset.describe


def _sched(policy, priority):
    return '%s:%d' % (policy, priority) if policy in policies.REALTIME_SCHED \
        else policy


def thread_facts_of(subject, thread, affinity, sched, judge_sched=True):
    """Facts of one thread held against its wanted CPUs and scheduling.

    ``affinity`` None: not judged; ``sched`` None: SCHED_OTHER wanted.
    """
    facts = []
    if affinity is not None:
        facts.append(Fact(subject, 'affinity', _cpus(affinity),
                          _cpus(thread.affinity),
                          thread.affinity == affinity))
    if not judge_sched:
        return facts
    sched = sched or OTHER
    facts.append(Fact(subject, 'scheduling',
                      _sched(sched.policy, sched.priority),
                      _sched(thread.policy, thread.priority),
                      (thread.policy, thread.priority) ==
                      (sched.policy, sched.priority)))
    return facts


def thread_facts(intent, threads):
    facts = []
    by_index = {}
    for thread in threads:
        by_index.setdefault((thread.kind, thread.index), []).append(thread)

    def named(kind, index, subject, comm, affinity, sched):
        found = by_index.get((kind, index))
        if not found:
            facts.append(Fact(subject, 'thread', repr(comm), 'missing',
                              False))
            return
        facts.extend(thread_facts_of(
            '%s (tid %d)' % (subject, found[0].tid), found[0],
            affinity.get(index), sched.get(index)))

    for vcpu in range(intent.vcpus):
        named(threads_mod.VCPU, vcpu, 'vCPU %d' % vcpu, 'CPU %d/KVM' % vcpu,
              intent.vcpu_affinity, intent.vcpu_sched)
    for iothread in intent.iothreads:
        named(threads_mod.IOTHREAD, iothread, 'I/O thread %d' % iothread,
              'IO iothread%d' % iothread, intent.iothread_affinity,
              intent.iothread_sched)
    facts.extend(_emulator_facts(intent, threads))
    return facts


def _emulator_facts(intent, threads):
    """``<emulatorpin>`` holds for every emulator thread (libvirt moves
    them all into the emulator cgroup); ``<emulatorsched>`` only for QEMU's
    main thread: libvirt sets it on the process id alone, and QEMU's helper
    threads (RCU, workers, monitor I/O, VNC) keep the policy of the thread
    that created them, which libvirt does not choose.
    """
    facts = []
    emulators = [t for t in threads if t.kind == threads_mod.EMULATOR]
    if intent.emulator_sched and not any(t.main for t in emulators):
        facts.append(Fact('emulator main thread', 'thread',
                          'QEMU main loop', 'missing', False))
    for thread in emulators:
        facts.extend(thread_facts_of(
            'emulator thread %d (%s)' % (thread.tid, thread.comm),
            thread, intent.emulator_affinity,
            intent.emulator_sched if thread.main else None,
            judge_sched=thread.main or not intent.emulator_sched))
    return facts


def guest_ram(intent, mappings):
    """The mappings that hold guest RAM.

    With hugepages: every hugetlb mapping (QEMU has no other). Without: the
    largest mapping by resident pages, QEMU's RAM block.
    """
    if intent.hugepages:
        return [m for m in mappings if m.huge]
    if not mappings:
        return []
    return [max(mappings, key=lambda m: sum(m.pages_per_node.values()))]


def _resident_kb(mappings):
    return sum(m.kernelpagesize_kb * sum(m.pages_per_node.values())
               for m in mappings)


def memory_facts(intent, mappings, locked_kb):
    facts = []
    ram = guest_ram(intent, mappings)
    if intent.hugepages:
        sizes = sorted({m.kernelpagesize_kb for m in ram})
        wanted = intent.hugepage_sizes_kb
        expected = '%d KiB on %s hugepages' % (
            intent.memory_kb, '/'.join('%d KiB' % s for s in wanted)
            if wanted else 'the default size')
        actual = '%d KiB on %s' % (
            _resident_kb(ram), '/'.join('%d KiB' % s for s in sizes)
            + ' hugepages' if sizes else 'no hugepages')
        ok = bool(ram) and _resident_kb(ram) >= intent.memory_kb and (
            not wanted or set(sizes) <= set(wanted))
        facts.append(Fact('guest RAM', 'hugepage backing', expected, actual,
                          ok))
    if intent.numa_nodes is not None:
        facts.append(_numa_fact(intent, ram))
    if intent.locked:
        facts.append(Fact('QEMU process', 'locked memory (VmLck)',
                          '>= %d KiB' % intent.memory_kb,
                          '%d KiB' % locked_kb,
                          locked_kb >= intent.memory_kb))
    return facts


def _numa_fact(intent, ram):
    policy = reader.NUMA_MODE_POLICY.get(intent.numa_mode)
    nodes = intent.numa_nodes
    expected = '%s nodes %s' % (intent.numa_mode, _cpus(nodes))
    if not ram:
        return Fact('guest RAM', 'NUMA binding', expected,
                    'no guest RAM mapping found', False)
    resident = set()
    policies = set()
    ok = True
    for mapping in ram:
        resident |= {n for n, pages in mapping.pages_per_node.items()
                     if pages}
        policies.add('%s:%s' % (mapping.policy, _cpus(mapping.policy_nodes))
                     if mapping.policy_nodes else mapping.policy)
        if mapping.policy == policy:
            ok = ok and mapping.policy_nodes == nodes
        elif intent.numa_mode in ('strict', 'restrictive') and \
                mapping.policy == 'default':
            # libvirt may enforce strict/restrictive with cgroup
            # cpuset.mems instead of mbind(): then only residency tells.
            pass
        else:
            ok = False
    if intent.numa_mode in ('strict', 'restrictive'):
        ok = ok and resident <= nodes
    actual = 'policy %s, pages on nodes %s' % (
        ', '.join(sorted(policies)), _cpus(frozenset(resident)))
    return Fact('guest RAM', 'NUMA binding', expected, actual, ok)


def compare(intent, threads, mappings, locked_kb):
    return thread_facts(intent, threads) + memory_facts(intent, mappings,
                                                        locked_kb)
