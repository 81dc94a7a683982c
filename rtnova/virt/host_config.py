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

"""Start-up validation of the host's real-time configuration.

nova-compute refuses to start (as nova itself does for a bad
``cpu_dedicated_set``) when the emulator pool cannot work: a pool CPU that
is also dedicated to vCPUs would be double-booked, an offline or missing CPU
would leave emulator threads unpinnable, and an isolated CPU (``isolcpus``)
has no load balancing, so every emulator thread of every pool guest would
pile onto its first CPU.
"""

import dataclasses

from rtnova.hardware import cpuset
from rtnova.hardware import errors
from rtnova.status import result

POOL_OPTION = '[rtnova] emulator_pin_set'
CMDLINE_PATH = '/proc/cmdline'


def read_cmdline(path=CMDLINE_PATH):
    """The running kernel's command line (injectable for tests)."""
    with open(path) as fh:
        return fh.read()


@dataclasses.dataclass(frozen=True)
class HostFacts:
    """What the running host has, as nova-compute sees it at start."""

    # CPU ids the kernel knows (online or not)
    present: frozenset
    online: frozenset
    cmdline: str = ''


def parse_pool(spec):
    """``[rtnova] emulator_pin_set`` as a set (empty when unset)."""
    if not spec:
        return frozenset()
    pool = cpuset.parse_cpu_option(spec, POOL_OPTION, example='0-1')
    if not pool:
        raise errors.InvalidHostConfig(
            POOL_OPTION, '%r selects no CPU' % spec,
            'list at least one housekeeping CPU, or unset the option')
    return pool


def _fmt(cpus):
    return cpuset.format_cpu_spec(cpus)


def validate_pool(pool, dedicated, facts):
    """Refuse an emulator pool that cannot work on this host.

    :param pool: the parsed ``emulator_pin_set``
    :param dedicated: CPUs of ``[compute] cpu_dedicated_set`` (or the legacy
        ``vcpu_pin_set``)
    :param facts: the :class:`HostFacts`
    :raises errors.InvalidHostConfig: naming the option and the fix
    """
    if not pool:
        return
    overlap = pool & dedicated
    if overlap:
        raise errors.InvalidHostConfig(
            POOL_OPTION, 'CPUs %s are also in [compute] cpu_dedicated_set, '
            'so emulator threads would share pCPUs that nova hands out to '
            'pinned vCPUs' % _fmt(overlap),
            'remove %s from one of the two options' % _fmt(overlap))
    missing = pool - facts.present
    if missing:
        raise errors.InvalidHostConfig(
            POOL_OPTION, 'CPUs %s do not exist on this host (it has %s)' % (
                _fmt(missing), _fmt(facts.present)),
            'list only CPUs this host has')
    offline = pool - facts.online
    if offline:
        raise errors.InvalidHostConfig(
            POOL_OPTION, 'CPUs %s are offline' % _fmt(offline),
            'bring them online (echo 1 > /sys/devices/system/cpu/cpuN/'
            'online) or remove them from the option')
    isolated = pool & (result.kernel_cpu_list(facts.cmdline, 'isolcpus') or
                       frozenset())
    if isolated:
        raise errors.InvalidHostConfig(
            POOL_OPTION, 'CPUs %s are isolated (isolcpus= on the kernel '
            'command line): the scheduler does not balance threads there, '
            'so all emulator threads would pile onto one CPU' %
            _fmt(isolated),
            'use housekeeping CPUs (not in isolcpus) for the pool')
