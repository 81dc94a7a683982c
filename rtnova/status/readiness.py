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

"""Whether this host is ready for real-time guests (``CUSTOM_RT_READY``).

The compute driver asks :func:`critical_checks_pass` when it updates its
provider tree; the answer is the same checks ``rtnova-status`` prints, run
against the same nova.conf, reduced to the ones
``[rtnova] readiness_critical_checks`` names.
"""

from rtnova.conf import host_config
from rtnova.hardware import errors
from rtnova.hostfs import host_reader as probe_mod
from rtnova.status import checks

import rtnova.conf

TRAIT = 'CUSTOM_RT_READY'


def sets_from_conf(conf):
    """The CPU sets and priority options of nova.conf.

    nova's compute and libvirt options must be registered on ``conf``.

    :raises errors.InvalidHostConfig: naming the option with a bad CPU list.
    """
    sets = host_config.cpu_sets(conf)
    return checks.HostSets(
        dedicated=sets.dedicated, shared=sets.shared, pool=sets.pool,
        dedicated_option=sets.dedicated_option,
        max_priority=conf.rtnova.max_realtime_priority,
        priorities=host_config.priority_settings(conf),
        **host_config.power_management(conf))


def evaluate(conf=rtnova.conf.CONF, probe=None):
    """Every check's :class:`checks.Result`, critical ones flagged."""
    probe = probe or probe_mod.HostReader()
    return checks.run_checks(
        probe, sets_from_conf(conf),
        critical=frozenset(conf.rtnova.readiness_critical_checks))


def failed_critical_checks(conf=rtnova.conf.CONF, probe=None):
    return [r for r in evaluate(conf, probe)
            if r.critical and r.code == checks.FAILURE]


def critical_checks_pass(conf=rtnova.conf.CONF, probe=None):
    """True when no critical check fails (warnings pass).

    A bad CPU list in nova.conf counts as not ready; nova-compute reports
    that error itself.
    """
    try:
        return not failed_critical_checks(conf, probe)
    except errors.InvalidHostConfig:
        return False
