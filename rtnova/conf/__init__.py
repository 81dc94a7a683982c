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

"""The ``[rtnova]`` configuration group, and the readers of nova.conf.

One option module per concern (as in openstack/placement's
``placement/conf``), each exposing its options as ``OPTS``; they all go into
the one ``[rtnova]`` group, so the group and the registration are here:
``register_opts`` registers every module of ``_MODULES`` (calling it twice
is harmless) and ``rtnova.conf.opts.list_opts`` lists them for
oslo-config-generator. tests/unit/test_conf.py keeps ``_MODULES`` complete.

The modules that read options into plain data for the rest of rtnova live
here too (``host_config``: the CPU sets and priorities;
``guest_features.latency_features``), so which option means what is decided
in this package only.
"""

from oslo_config import cfg

from rtnova.conf import drift_check
from rtnova.conf import emulator_pool
from rtnova.conf import guest_features
from rtnova.conf import priorities
from rtnova.conf import ready_trait

GROUP = cfg.OptGroup(
    'rtnova',
    title='rtnova options',
    help='Options of rtnova, the real-time extension for nova\'s libvirt '
         'driver. They are read by nova-compute (host layout, guest XML), '
         'nova-scheduler (RealtimeFilter) and nova-api (extra spec bounds).')

_MODULES = (emulator_pool, priorities, guest_features, ready_trait,
            drift_check)

CONF = cfg.CONF


def all_opts():
    opts = []
    for mod in _MODULES:
        opts.extend(mod.OPTS)
    return opts


def register_opts(conf=CONF):
    conf.register_group(GROUP)
    conf.register_opts(all_opts(), group=GROUP)


register_opts(CONF)
