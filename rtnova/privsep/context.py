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


"""rtnova's oslo.privsep context: what nova-compute may do as root.

nova-compute runs as an unprivileged user in production (distribution
packages, kolla, TripleO); nova's own privileged work goes through its
``nova.privsep`` contexts. rtnova's privileged work on the host goes
through :data:`host_pctxt` and the entrypoints in
:mod:`rtnova.privsep.host`; the daemon is started on first use with
``privsep-helper`` (through sudo or rootwrap, see
``doc/source/privileges.rst``).

The daemon keeps uid 0 and only these capabilities (measured on kernel
6.18 with a daemon of this context, see the privileges page):

* ``CAP_SYS_NICE``: ``sched_setaffinity`` and ``sched_setscheduler`` on
  threads of another user (QEMU runs as its own user) and on the root-owned
  ``kvm-pit`` kernel thread, and any real-time policy at all (uid 0 without
  it gets EPERM for SCHED_FIFO).
* ``CAP_SYS_PTRACE``: reading ``/proc/<pid>/numa_maps`` and
  ``smaps_rollup`` of a process of another user, or of a root process with
  capabilities the daemon lacks (the kernel's ptrace read check;
  CAP_DAC_READ_SEARCH does not pass it).

Writing ``/proc/irq/<n>/smp_affinity_list`` needs no capability: the files
are root's, mode 0644, and the daemon is uid 0.
"""

import copy

from oslo_config import cfg
from oslo_privsep import capabilities as caps
from oslo_privsep import priv_context

CFG_SECTION = 'rtnova_privileged'
CAPABILITIES = (caps.CAP_SYS_NICE, caps.CAP_SYS_PTRACE)

host_pctxt = priv_context.PrivContext(
    'rtnova',
    cfg_section=CFG_SECTION,
    pypath=__name__ + '.host_pctxt',
    capabilities=list(CAPABILITIES),
)


def list_opts():
    """The ``[rtnova_privileged]`` options, for oslo-config-generator."""
    group = cfg.OptGroup(
        CFG_SECTION, title='rtnova privsep daemon',
        help='The oslo.privsep daemon through which nova-compute places '
             'QEMU and KVM threads, steers guests\' PCI interrupts and reads '
             'QEMU\'s memory maps. Started with privsep-helper on first use; '
             'see rtnova\'s privileges documentation.')
    opts = copy.deepcopy(priv_context.OPTS)
    for opt in opts:
        if opt.dest == 'capabilities':
            opt.default = [caps.CAPS_BYVALUE[c] for c in CAPABILITIES]
    return [(group, opts)]
