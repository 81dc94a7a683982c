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

"""A dry run of one guest on one host: fit, then the tuning plan.

The same two steps the real system takes -- ``fit`` is what the scheduler
filter decides (and what nova's claim records), ``tuning.plan`` is what the
compute driver renders -- chained on plain data, for ``rtnova-plan``.
"""

import dataclasses

from rtnova.hardware import fit as fit_mod
from rtnova.hardware import hints as hints_mod
from rtnova.hardware import tuning

# nova 34 gives every guest one I/O thread (LibvirtDriver._get_guest_iothread)
NOVA_IOTHREADS = 1


@dataclasses.dataclass(frozen=True)
class Preview:
    request: object
    # placement.Placement, or fit.NoFit (falsy) with the reason
    result: object
    # placement.CellPlacement per guest cell (empty unless it fits)
    cells: tuple = ()
    # tuning.TuningPlan (None unless it fits)
    plan: object = None
    # hints.GuestHints (None for a non-real-time guest)
    hints: object = None

    @property
    def fits(self):
        return bool(self.result)


def preview(request, host, features=None, small_page_kb=4):
    """Fit ``request`` (a RealtimeRequest) on ``host`` (a HostTopology)."""
    hints = hints_mod.guest_hints(request)
    if request.topology is None:
        return Preview(request, fit_mod.NoFit(
            'the flavor asks for no pinned CPUs, NUMA cells or hugepages: '
            'nova schedules it as an ordinary guest and rtnova changes '
            'nothing (set hw:cpu_policy=dedicated for real-time)'),
            hints=hints)
    result = fit_mod.fit(request.topology, host)
    if not result:
        return Preview(request, result, hints=hints)
    plan = tuning.plan(request, result, iothreads=NOVA_IOTHREADS,
                       small_page_kb=small_page_kb, features=features)
    return Preview(request, result, result.cells, plan, hints)
