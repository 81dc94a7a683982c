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

"""Emulator/I-O thread placement equals nova's, masked guests included.

``emulator.thread_cpus`` is rtnova's one owner of where a guest's emulator
and I/O threads go when the guest does not use the emulator pool. nova's
libvirt driver decides it vCPU by vCPU (``_get_pin_cpuset`` then
``_get_emulatorpin_cpuset``, united over the guest); the test runs nova's
two methods on the same claim and requires the same CPUs.
"""

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

import nova.conf
from nova import objects
from nova.virt.libvirt import driver as nova_driver

from rtnova.hardware import emulator
from rtnova.hardware import placement
from tests.unit import base

objects.register_all()
SHARED_SET = frozenset({0, 1})


class _OnlineCpus(object):
    """The one host fact nova's method asks for (online CPUs)."""

    def __init__(self):
        self._host = self

    def get_online_cpus(self):
        return set(range(32))


def _nova_emulator_cpus(cells, rt_vcpus, policy):
    """nova's answer: its per-vCPU rule, united over the guest."""
    drv = _OnlineCpus()
    cpus = set()
    for inst_cell, host_cell in cells:
        for vcpu in sorted(inst_cell.cpuset | inst_cell.pcpuset):
            pin = nova_driver.LibvirtDriver._get_pin_cpuset(
                drv, vcpu, inst_cell, host_cell)
            cpus |= set(nova_driver.LibvirtDriver._get_emulatorpin_cpuset(
                drv, vcpu, inst_cell, rt_vcpus, policy, pin))
    return frozenset(cpus)


@st.composite
def _claims(draw):
    """A claimed guest: one or two cells, some vCPUs pinned, a mask."""
    vcpus = draw(st.integers(min_value=1, max_value=8))
    ncells = draw(st.sampled_from([1, 2] if vcpus > 1 else [1]))
    mixed = draw(st.booleans()) and vcpus > 1
    pinned = frozenset(range(vcpus))
    if mixed:
        pinned = frozenset(draw(st.sets(st.integers(0, vcpus - 1),
                                        min_size=1, max_size=vcpus - 1)))
    rt = frozenset(draw(st.sets(st.sampled_from(sorted(pinned)),
                                max_size=len(pinned))))
    policy = draw(st.sampled_from([None, 'share', 'isolate']))
    pcpus = draw(st.permutations(range(4, 4 + 2 * vcpus)))
    return vcpus, ncells, pinned, rt, policy, pcpus


def _cells(vcpus, ncells, pinned, pcpus, policy, shared_conf):
    split = [set(range(vcpus)[i::ncells]) for i in range(ncells)]
    nova_cells, ours = [], []
    for cell_id, guest_cpus in enumerate(split):
        pins = {v: pcpus[v] for v in guest_cpus & pinned}
        reserved = ({pcpus[vcpus + cell_id]}
                    if policy == 'isolate' and cell_id == 0 else None)
        inst = objects.InstanceNUMACell(
            id=cell_id, cpuset=guest_cpus - pinned,
            pcpuset=guest_cpus & pinned, memory=512, cpu_pinning=pins,
            cpuset_reserved=reserved)
        floating = set(SHARED_SET) if shared_conf else set()
        host = objects.NUMACell(id=cell_id, cpuset=floating,
                                pcpuset=set(pcpus), memory=4096)
        nova_cells.append((inst, host))
        ours.append(placement.CellPlacement(
            guest_cell=cell_id, host_cell=cell_id,
            vcpus=frozenset(guest_cpus), pinning=tuple(sorted(pins.items())),
            floating_cpus=frozenset(floating),
            cpuset_reserved=frozenset(reserved or ())))
    return nova_cells, ours


class EmulatorPlacementEqualsNovaTest(base.TestCase):

    @settings(max_examples=300, deadline=None)
    @given(_claims(), st.booleans())
    def test_same_cpus_as_nova(self, claim, shared_conf):
        vcpus, ncells, pinned, rt, policy, pcpus = claim
        # nova reads [compute] cpu_shared_set itself
        conf = nova.conf.CONF
        conf.set_override('cpu_shared_set', '0-1' if shared_conf else None,
                          group='compute')
        self.addCleanup(conf.clear_override, 'cpu_shared_set',
                        group='compute')
        nova_cells, ours = _cells(vcpus, ncells, pinned, pcpus, policy,
                                  shared_conf)
        placed = placement.Placement(
            cells=tuple(ours), emulator_policy=policy,
            shared_cpus=SHARED_SET if shared_conf else frozenset())
        self.assertEqual(
            _nova_emulator_cpus(nova_cells, rt or None, policy),
            emulator.thread_cpus(placed, rt))

    def test_masked_guest_uses_only_non_realtime_pcpus(self):
        # rt1.small's mask (^0-1): the emulator threads may use the pCPUs of
        # vCPUs 0 and 1 only, never those of the real-time vCPUs 2 and 3
        nova_cells, ours = _cells(4, 1, frozenset(range(4)), [5, 7, 9, 11],
                                  None, False)
        placed = placement.Placement(cells=tuple(ours))
        rt = frozenset({2, 3})
        self.assertEqual(frozenset({5, 7}), emulator.thread_cpus(placed, rt))
        self.assertEqual(frozenset({5, 7}),
                         _nova_emulator_cpus(nova_cells, rt, None))
