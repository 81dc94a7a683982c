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

"""Host descriptions for ``rtnova-plan``: this machine, or a JSON file.

A host description is the plain dict ``rtnova.hardware.host
.from_description`` reads (the embedded sample host is one). This module
builds one from the running machine -- NUMA nodes, memory and hugepages from
``/sys`` through the host reader (``rtnova.hostfs``) -- and nova.conf's
CPU sets.
"""

import json

from rtnova.conf import host_config
from rtnova.hardware import cpuset

SMALL_PAGE_KB = 4


def _spec(cpus):
    return cpuset.format_cpu_spec(cpus) if cpus else None


def _siblings(probe, cpus):
    """Thread sibling groups, as libvirt reports them from sysfs."""
    groups = set()
    for cpu in sorted(cpus):
        groups.add(_spec(probe.thread_siblings(cpu) or {cpu}))
    return sorted(groups)


def this_host(probe, conf, name='this-host'):
    """Describe the machine ``probe`` reads, configured as ``conf`` says.

    ``conf`` carries nova's ``[compute]`` options (``cpu_dedicated_set``,
    ``cpu_shared_set``), ``[DEFAULT] vcpu_pin_set`` and ``[rtnova]``.
    Hugepages in use by other processes count as used; pinned CPUs are
    nova's bookkeeping and unknown here, so none are assumed.
    """
    online = probe.online_cpus() or frozenset()
    pages = probe.hugepages()
    cells = []
    for node, cpus in sorted(probe.numa_nodes().items()):
        total_kb = probe.node_memory_kb(node)
        huge = pages.get(node, {})
        huge_kb = sum(size * total for size, (total, _free) in huge.items())
        mempages = {SMALL_PAGE_KB: max(total_kb - huge_kb, 0) //
                    SMALL_PAGE_KB}
        used = {}
        for size, (total, free) in huge.items():
            mempages[size] = total
            used[size] = max(total - free, 0)
        node_cpus = (cpus or frozenset()) & online
        cells.append({
            'id': node,
            'cpus': _spec(node_cpus) or '',
            'memory_mb': total_kb // 1024,
            'mempages': mempages,
            'used_pages': used,
            'siblings': _siblings(probe, node_cpus),
        })
    _option, dedicated = host_config.dedicated_spec(conf)
    return {
        'name': name,
        'cells': cells,
        'config': {
            'cpu_dedicated_set': dedicated,
            'cpu_shared_set': conf.compute.cpu_shared_set,
            'emulator_pin_set': conf.rtnova.emulator_pin_set,
            'emulator_pool_guests_per_cpu':
                conf.rtnova.emulator_pool_guests_per_cpu,
        },
    }


def load_file(path):
    with open(path) as fh:
        return json.load(fh)
