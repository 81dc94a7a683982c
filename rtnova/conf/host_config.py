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

"""nova.conf as the inputs of the host rules: the one reader of the CPU sets.

Which option is the dedicated CPU set (``[compute] cpu_dedicated_set``, else
the deprecated ``[DEFAULT] vcpu_pin_set``), the emulator pool and the
priority options are decided here and nowhere else; the compute driver,
``rtnova-status`` and ``rtnova-plan`` all call this module. The rules
themselves live in :mod:`rtnova.hardware.host_config_rules`. nova's compute
and libvirt options and ``[rtnova]`` must be registered on ``conf``. No nova
import, so ``rtnova-status`` reads nova.conf exactly as the compute driver
does.
"""

import dataclasses

from oslo_config import cfg

from rtnova.hardware import cpuset
from rtnova.hardware import emulator
from rtnova.hardware import errors
from rtnova.hardware import host_config_rules as rules

POOL_OPTION = rules.POOL_OPTION
HostFacts = rules.HostFacts


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


def dedicated_spec(conf):
    """(option name, CPU list text) of the dedicated set nova uses.

    nova reads ``[DEFAULT] vcpu_pin_set`` only when ``[compute]
    cpu_dedicated_set`` is unset (nova.virt.hardware); the text is None
    when neither is set.
    """
    dedicated = conf.compute.cpu_dedicated_set
    if not dedicated and getattr(conf, 'vcpu_pin_set', None):
        return '[DEFAULT] vcpu_pin_set', conf.vcpu_pin_set
    return '[compute] cpu_dedicated_set', dedicated


def cpu_sets(conf):
    """The :class:`rules.CPUSets` of nova.conf.

    :raises errors.InvalidHostConfig: naming an option with a bad CPU list.
    """
    dedicated_option, dedicated = dedicated_spec(conf)
    return rules.CPUSets(
        pool=parse_pool(conf.rtnova.emulator_pin_set),
        dedicated=cpuset.parse_cpu_option(dedicated, dedicated_option),
        shared=cpuset.parse_cpu_option(conf.compute.cpu_shared_set,
                                       rules.SHARED_OPTION),
        dedicated_option=dedicated_option)


def _nova_priority(conf):
    # nova-compute and rtnova-status register nova's [libvirt] options; a
    # caller that does not cannot have changed the option from nova's 1
    try:
        return conf.libvirt.realtime_scheduler_priority
    except (cfg.NoSuchOptError, cfg.NoSuchGroupError):
        return rules.NOVA_DEFAULT_PRIORITY


def power_management(conf):
    """nova's ``[libvirt] cpu_power_management`` and its strategy.

    As keyword arguments (``power_management``, ``power_strategy``); empty
    when the caller has not registered nova's [libvirt] options (nova-compute
    and rtnova-status do), so the defaults apply.
    """
    try:
        return {'power_management': conf.libvirt.cpu_power_management,
                'power_strategy':
                    conf.libvirt.cpu_power_management_strategy}
    except (cfg.NoSuchOptError, cfg.NoSuchGroupError):
        return {}


def priority_settings(conf):
    """The :class:`rules.PrioritySettings` of nova.conf."""
    opts = conf.rtnova
    return rules.PrioritySettings(
        default_policy=opts.default_realtime_policy,
        default_priority=opts.default_realtime_priority,
        nova_priority=_nova_priority(conf),
        min_priority=opts.min_realtime_priority,
        max_priority=opts.max_realtime_priority)


def problems(conf, facts):
    """Every broken rule of this host's configuration (empty: none)."""
    return (rules.pool_problems(cpu_sets(conf), facts) +
            rules.priority_problems(priority_settings(conf)))


@dataclasses.dataclass(frozen=True)
class DriverSettings:
    """The ``[rtnova]`` options one nova-compute runs with, read once.

    None of them is mutable, so reading them when the service starts (where
    they are validated) is what reading them on every call would give; it
    also lets one process run several computes with their own options (the
    functional tests' two hosts).
    """

    pool: frozenset
    guests_per_cpu: int
    # None when the priority options are invalid (start-up refuses then)
    limits: object
    report_ready_trait: bool

    @property
    def pool_capacity(self):
        return emulator.capacity(self.pool, self.guests_per_cpu)


def driver_settings(conf):
    """:class:`DriverSettings` of ``conf``; bad CPU lists raise."""
    try:
        limits = rules.priority_limits(priority_settings(conf))
    except errors.InvalidHostConfig:
        limits = None
    return DriverSettings(
        pool=parse_pool(conf.rtnova.emulator_pin_set),
        guests_per_cpu=conf.rtnova.emulator_pool_guests_per_cpu,
        limits=limits,
        report_ready_trait=conf.rtnova.report_ready_trait)
