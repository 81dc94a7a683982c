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

"""``hw:pci_irq_affinity_mask``: which vCPUs take a guest's PCI interrupts.

The key follows StarlingX's flavor key of the same name: a list of the
guest's vCPUs (nova's CPU-spec syntax) whose host CPUs should receive the
interrupts of the PCI devices passed through to the guest, so a device's
interrupts land on the pCPU of the vCPU that services them instead of on
housekeeping CPUs (or, worse, on another guest's real-time CPU). As in
StarlingX it needs pinned vCPUs (``hw:cpu_policy=dedicated``) and must name
vCPUs the flavor has; like ``hw:cpu_realtime_mask`` a leading ``^``
excludes vCPUs from all of them (``^0`` = every vCPU but 0).
"""

from rtnova.hardware import cpuset
from rtnova.hardware import errors

KEY = 'hw:pci_irq_affinity_mask'


def irq_vcpus(extra_specs, vcpus, pinned):
    """The vCPUs named by ``hw:pci_irq_affinity_mask`` (empty: not set).

    :param vcpus: the flavor's vCPU count
    :param pinned: the guest's pinned (dedicated) vCPUs
    :raises errors.InvalidRequest: naming the key and the fix
    """
    value = extra_specs.get(KEY)
    if value is None:
        return frozenset()
    chosen = cpuset.parse_vcpu_mask(KEY, str(value), vcpus)
    every = frozenset(range(vcpus))
    if not chosen:
        raise errors.InvalidRequest(
            KEY, '%r names no vCPU' % (value,),
            'name at least one vCPU, e.g. %s=0' % KEY)
    if not chosen <= every:
        raise errors.InvalidRequest(
            KEY, 'vCPUs %s do not exist (the flavor has %d: %s)' % (
                cpuset.format_cpu_spec(chosen - every), vcpus,
                cpuset.format_cpu_spec(every)),
            'name vCPUs from 0 to %d' % (vcpus - 1))
    unpinned = chosen - frozenset(pinned)
    if unpinned:
        raise errors.InvalidRequest(
            KEY, 'vCPUs %s are not pinned, so they have no host CPU to '
            'steer interrupts to' % cpuset.format_cpu_spec(unpinned),
            'set hw:cpu_policy=dedicated (or name only dedicated vCPUs of a '
            'mixed guest)')
    return chosen


def irq_pcpus(vcpus, pinning):
    """Host CPUs of ``vcpus`` from the guest's pinning ({vCPU: pCPU}).

    :raises errors.InvalidRequest: when a vCPU has no pinning (the claim
        did not pin it, so there is nowhere to steer to)
    """
    missing = frozenset(vcpus) - frozenset(pinning)
    if missing:
        raise errors.InvalidRequest(
            KEY, 'vCPUs %s have no host CPU in the instance\'s pinning'
            % cpuset.format_cpu_spec(missing),
            'name only pinned vCPUs')
    return frozenset(pinning[v] for v in vcpus)
