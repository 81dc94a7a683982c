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

"""``/proc/<pid>/numa_maps``: where a process's memory is, and its policy.

The FOSDEM demo checks a real-time guest's memory with ``numa_maps``; this
parses it into plain records.
"""

import dataclasses
import re

from rtnova.hardware import cpuset

_NUMA_NODE_PAGES = re.compile(r'^N(\d+)=(\d+)$')


@dataclasses.dataclass(frozen=True)
class Mapping:
    """One line of ``/proc/<pid>/numa_maps``."""

    address: str
    # 'default', 'bind', 'prefer', 'interleave', 'local', ...
    policy: str
    policy_nodes: frozenset
    huge: bool
    kernelpagesize_kb: int
    # NUMA node -> pages resident there
    pages_per_node: dict
    path: str = ''


def parse_numa_maps(text):
    """Parse ``numa_maps`` lines into :class:`Mapping` objects.

    A line is ``<address> <policy>[:<nodes>] [key[=value]]...``, e.g.
    ``7f81.. bind:0 file=/dev/hugepages/.. huge anon=32 dirty=32 N0=32
    kernelpagesize_kB=2048``. File names with spaces are escaped as
    ``\\040`` by the kernel, so splitting on whitespace is safe.
    """
    mappings = []
    for line in text.splitlines():
        words = line.split()
        if len(words) < 2:
            continue
        policy, _, nodes = words[1].partition(':')
        pages = {}
        huge = False
        pagesize = 4
        path = ''
        for word in words[2:]:
            match = _NUMA_NODE_PAGES.match(word)
            if match:
                pages[int(match.group(1))] = int(match.group(2))
            elif word == 'huge':
                huge = True
            elif word.startswith('kernelpagesize_kB='):
                pagesize = int(word.partition('=')[2])
            elif word.startswith('file='):
                path = word.partition('=')[2]
        mappings.append(Mapping(
            address=words[0], policy=policy,
            policy_nodes=frozenset(cpuset.parse_cpu_spec(nodes))
            if nodes else frozenset(),
            huge=huge, kernelpagesize_kb=pagesize, pages_per_node=pages,
            path=path))
    return mappings
