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

"""Checks of guest memory: hugepages per NUMA node, memory locking, KSM
and transparent hugepages.

Each takes (probe, sets) and returns (code, details, fix).
"""

from rtnova.status import result

SUCCESS, WARNING, FAILURE = result.SUCCESS, result.WARNING, result.FAILURE


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


def check_ksm(probe, sets):
    run = probe.ksm_run()
    if run is None:
        return SUCCESS, 'no KSM in this kernel', ''
    if run in (0, 2):
        return SUCCESS, 'KSM stopped (/sys/kernel/mm/ksm/run = %d)' % run, ''
    return (WARNING,
            'KSM runs (/sys/kernel/mm/ksm/run = %d): ksmd scans and merges '
            'guest memory in the background; real-time guests are marked '
            'nosharepages, but ksmd still takes CPU time and memory locks '
            'and a write to a merged page of another guest faults' % run,
            'echo 2 > /sys/kernel/mm/ksm/run and systemctl disable --now ksm '
            'ksmtuned (tuned realtime-virtual-host does both)')


def check_thp(probe, sets):
    mode = probe.thp_enabled()
    if mode is None:
        return SUCCESS, 'no transparent hugepages in this kernel', ''
    if mode != 'always':
        return SUCCESS, 'transparent hugepages: %s' % mode, ''
    return (WARNING,
            'transparent hugepages: always: any anonymous mapping may fault '
            'in a huge page (with direct compaction stalls) and khugepaged '
            'collapses pages in the background',
            'echo madvise > /sys/kernel/mm/transparent_hugepage/enabled (or '
            'never; boot with transparent_hugepage=madvise to keep it): '
            'real-time guests get explicit hugepages (hw:mem_page_size)')
