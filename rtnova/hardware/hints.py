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

"""What the guest image needs for a real-time request.

A real-time guest must keep its own kernel off the real-time vCPUs: the
guest side of the host's ``isolcpus``/``nohz_full``/``rcu_nocbs``, usually
set by tuned's ``realtime-virtual-guest`` profile from ``isolated_cores``.
The format follows the seeds' setup guide (comma lists: ``2,3``).
"""

import dataclasses

from rtnova.hardware import cpuset

TUNED_PROFILE = 'realtime-virtual-guest'
_PAGE_ARGS = {2048: '2M', 1048576: '1G'}


@dataclasses.dataclass(frozen=True)
class GuestHints:
    # guest vCPUs to isolate inside the guest, as a CPU list ('2,3')
    isolated_cpus: str
    # guest kernel command line arguments
    kernel_args: tuple
    # the line for /etc/tuned/realtime-virtual-guest-variables.conf
    # ('isolated_cores=2,3')
    tuned_variables: str
    tuned_profile: str = TUNED_PROFILE
    # explanations the planner and docs show next to the lists
    notes: tuple = ()

    @property
    def cmdline(self):
        return ' '.join(self.kernel_args)


def guest_hints(request):
    """The :class:`GuestHints` of a real-time request; None otherwise."""
    if not request.realtime:
        return None
    isolated = set(request.rt_vcpus)
    notes = []
    if not request.non_rt_vcpus:
        # The guest kernel needs one CPU for its own housekeeping (timers,
        # RCU callbacks, unbound work) and refuses nohz_full on its boot
        # CPU, so vCPU 0 stays unisolated inside the guest.
        isolated.discard(0)
        notes.append('every vCPU is real-time: vCPU 0 is left to the guest '
                     'kernel\'s housekeeping inside the guest; run the '
                     'real-time workload on the other vCPUs')
    cpus = cpuset.format_cpu_spec(isolated, allow_ranges=False)
    args = []
    if cpus:
        args = ['isolcpus=%s' % cpus, 'nohz=on', 'nohz_full=%s' % cpus,
                'rcu_nocbs=%s' % cpus]
    else:
        notes.append('no vCPU can be isolated inside a one-vCPU guest')
    page = _page_arg(request)
    if page:
        args.insert(0, 'default_hugepagesz=%s' % page)
    return GuestHints(
        isolated_cpus=cpus, kernel_args=tuple(args),
        tuned_variables='isolated_cores=%s' % cpus if cpus else '',
        notes=tuple(notes))


def _page_arg(request):
    if request.topology is None:
        return None
    sizes = {c.pagesize_kb for c in request.topology.cells}
    if len(sizes) == 1:
        return _PAGE_ARGS.get(sizes.pop())
    return None
