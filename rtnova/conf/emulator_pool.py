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

"""Host layout: where emulator and I/O threads of real-time guests run."""

from oslo_config import cfg

OPTS = [
    cfg.StrOpt(
        'emulator_pin_set',
        help="""
Host CPUs that carry the emulator and I/O threads of real-time guests
(the "emulator pool").

All vCPU threads run on ``[compute] cpu_dedicated_set`` (or the legacy
``vcpu_pin_set``); emulator and I/O threads of every guest that asks for
the pool share these CPUs instead of sitting next to the guest's vCPUs.
They should be housekeeping (non-isolated) CPUs, disjoint from the
dedicated set; nova-compute refuses to start otherwise.

Syntax is nova's CPU spec: ``0-1``, ``0,2``, ``0-3,^2``. Unset means no
pool: nova's own ``hw:emulator_threads_policy`` semantics apply.

Related options: ``emulator_pool_guests_per_cpu``.
"""),
    cfg.IntOpt(
        'emulator_pool_guests_per_cpu',
        default=20,
        min=1,
        max=1000,
        help="""
How many real-time guests one emulator-pool CPU carries.

The pool's capacity, reported to placement as the inventory of the
``CUSTOM_RT_EMULATOR_POOL`` resource class, is
``len(emulator_pin_set) * emulator_pool_guests_per_cpu``; a flavor asks for
one unit with ``resources:CUSTOM_RT_EMULATOR_POOL=1``. The default of 20
follows the measurement quoted on openstack-dev (Siemens, 2017): emulator and
I/O threads of an idle-I/O real-time guest need about 0.05 of a core.
Lower it for guests with busy virtio devices.
"""),
]
