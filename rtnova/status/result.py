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

"""A check's result, and what nova.conf says that the checks compare with.

The CPU syntax the checks print and read is ``rtnova.hardware.cpuset``'s
(``fmt`` is its ``describe``); the command-line parser is the host rules'.
"""

import dataclasses

from oslo_upgradecheck import upgradecheck

from rtnova.hardware import cpuset
from rtnova.hardware import host_config_rules as rules

Code = upgradecheck.Code
SUCCESS = Code.SUCCESS
WARNING = Code.WARNING
FAILURE = Code.FAILURE


@dataclasses.dataclass(frozen=True)
class HostSets(rules.CPUSets):
    """What nova.conf says that the checks compare the host with.

    The CPU sets are the host rules' own (``rules.CPUSets``); the checks
    add the few other options they compare with.
    """

    # [rtnova] max_realtime_priority: the highest vCPU priority a flavor
    # may ask for (kthread_priorities compares kernel threads with it)
    max_priority: int = 49
    # nova's [libvirt] cpu_power_management and its strategy (cpu_idle
    # names what nova does to the dedicated CPUs' power state)
    power_management: bool = False
    power_strategy: str = 'cpu_state'
    # the priority options ([rtnova] and nova's [libvirt] one)
    priorities: rules.PrioritySettings = rules.PrioritySettings()


@dataclasses.dataclass(frozen=True)
class Result:
    name: str
    title: str
    critical: bool
    code: Code
    details: str
    fix: str = ''

    def to_dict(self):
        return {'check': self.name, 'title': self.title,
                'critical': self.critical,
                'result': upgradecheck.UPGRADE_CHECK_MSG_MAP[self.code],
                'code': int(self.code), 'details': self.details,
                'fix': self.fix}


fmt = cpuset.describe


# the kernel command line parser of the host rules (last occurrence wins,
# isolcpus flags skipped)
kernel_cpu_list = rules.kernel_cpu_list


def no_dedicated_set():
    """The result of a check that compares with an unset dedicated set."""
    return (WARNING, 'nothing to compare: no dedicated set',
            'set [compute] cpu_dedicated_set')


def housekeeping(online, sets):
    """Online CPUs outside the dedicated set (fix hints name them)."""
    return (online or frozenset()) - sets.dedicated
