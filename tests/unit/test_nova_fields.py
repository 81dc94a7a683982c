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

"""The storage convention the scheduler's screen reads nova's objects by.

``rtnova.scheduler.host_model`` reads a versioned object's field from the
instance attribute ``_obj_<name>`` that oslo.versionedobjects stores it
in, not through the field's property (a Python call per read), and takes
an AttributeError as "unset" (the screen then leaves the host to the
exact path). These tests fail if oslo.versionedobjects stores fields
otherwise, for every field the screen and the conversion read, on nova's
own objects as the scheduler gets them (re-read from the database JSON).
"""

import random

from nova import objects

from rtnova.hardware import cell_bounds
from rtnova.hardware import guest_topology as guest_mod
from rtnova.scheduler import host_screen
from tests.unit import base
from tests.unit import fit_scenarios as fs

# the fields host_model reads as _obj_<name>, per nova object
TOPOLOGY_FIELDS = ('cells',)
CELL_FIELDS = ('id', 'cpuset', 'pcpuset', 'pinned_cpus', 'siblings',
               'mempages', 'memory', 'memory_usage', 'cpu_usage')
PAGE_FIELDS = ('size_kb', 'total', 'used', 'reserved')


def _reread(topology):
    return objects.NUMATopology.obj_from_db_obj(topology._to_json())


class StoredFieldTest(base.TestCase):

    def _same(self, obj, names):
        for name in names:
            # the very object the property returns, not a copy
            self.assertIs(getattr(obj, name), getattr(obj, '_obj_' + name),
                          (type(obj).__name__, name))

    def test_stored_attribute_is_the_property_value(self):
        rng = random.Random(3)
        for _ in range(20):
            topology = _reread(fs.random_host(rng)[0])
            self._same(topology, TOPOLOGY_FIELDS)
            for cell in topology.cells:
                self._same(cell, CELL_FIELDS)
                for page in cell.mempages:
                    self._same(page, PAGE_FIELDS)

    def test_an_unset_field_raises_attribute_error(self):
        cell = objects.NUMACell(id=0, cpuset=set(), pcpuset={1, 2},
                                memory=1024, memory_usage=0, siblings=[],
                                mempages=[])
        self.assertNotIn('pinned_cpus', cell)
        self.assertRaises(AttributeError, getattr, cell, '_obj_pinned_cpus')
        page = objects.NUMAPagesTopology(size_kb=4, total=10)
        # a field with a default but never set is not stored either
        self.assertRaises(AttributeError, getattr, page, '_obj_used')

    def test_screen_leaves_a_host_with_an_unset_field_to_the_fit(self):
        topology = _reread(fs.random_host(random.Random(5), nodes=2)[0])
        for cell in topology.cells:
            del cell.pinned_cpus
        for cells in (1, 2):
            guest = guest_mod.GuestTopology(
                cells=tuple(guest_mod.GuestCell(
                    id=i, cpus=frozenset(), pcpus=frozenset({i}),
                    memory_mb=512, pagesize_kb=None)
                    for i in range(cells)),
                cpu_policy='dedicated')
            bounds = cell_bounds.bounds_of(guest)
            self.assertEqual(
                (None, None),
                host_screen.screen(bounds, topology, tuple(range(cells))))
