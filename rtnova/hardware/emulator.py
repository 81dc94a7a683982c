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

"""Emulator and I/O threads: where they run, and the pool's capacity.

:func:`thread_cpus` is the one place rtnova decides where a guest's emulator
and I/O threads run; the fit, the tuning plan (so the driver's XML), the
planner and the tests all ask it.

The emulator pool is ``[rtnova] emulator_pin_set``: housekeeping CPUs that
carry the emulator and I/O threads of every guest asking for it (the Siemens
design of the seeds: vCPUs on the dedicated set, emulators and I/O of all
VMs sharing the emulator set). Capacity is counted in guests:
``guests_per_cpu`` per pool CPU, 20 by default (the seeds' "0.05 core per
VM").
"""

from rtnova.hardware import policies

DEFAULT_GUESTS_PER_CPU = 20


def capacity(pool_cpus, guests_per_cpu=DEFAULT_GUESTS_PER_CPU):
    return len(pool_cpus) * guests_per_cpu


def free_units(host):
    return host.pool_capacity - host.pool_used


def local_pool_cpus(host, host_cell_ids):
    """Pool CPUs on the guest's NUMA node(s); the whole pool if none.

    Keeping emulator threads NUMA-local avoids cross-node memory traffic
    for virtio queues; falling back to the whole pool keeps a guest
    schedulable on a node without a pool CPU.
    """
    local = frozenset(cpu for cpu in host.emulator_pool
                      if host.cell_of_cpu(cpu) in host_cell_ids)
    return local or frozenset(host.emulator_pool)


def thread_cpus(placement, rt_vcpus=frozenset()):
    """The host CPUs of a placed guest's emulator and I/O threads.

    With the pool: the pool CPUs chosen at placement. Otherwise nova 34's
    rule (``LibvirtDriver._get_emulatorpin_cpuset``, applied per vCPU and
    united): the reserved pCPU for ``isolate``; ``[compute]
    cpu_shared_set`` for ``share`` when one is configured; else the CPUs of
    the guest's non-real-time vCPUs (of every vCPU for a guest without
    real-time vCPUs).

    :param placement: a :class:`rtnova.hardware.placement.Placement`
    :param rt_vcpus: the guest's real-time vCPUs
    """
    if placement.pool_cpus:
        return frozenset(placement.pool_cpus)
    policy = placement.emulator_policy
    if policy == policies.EMULATOR_ISOLATE:
        return placement.cpuset_reserved
    if policy == policies.EMULATOR_SHARE and placement.shared_cpus:
        return frozenset(placement.shared_cpus)
    cpus = frozenset()
    for cell in placement.cells:
        for vcpu in cell.vcpus - frozenset(rt_vcpus):
            cpus |= cell.cpus_of(vcpu)
    return cpus
