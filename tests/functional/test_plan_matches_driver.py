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

"""rtnova-plan shows the XML the compute driver writes, for the same inputs.

The same flavor is booted through nova's API on a compute running
``rtnova.RealtimeLibvirtDriver`` and planned by ``rtnova-plan`` on a host
description of that compute; the real-time elements must be identical.
"""

import io
import json
import os

import fixtures
from lxml import etree

from rtnova.cmd import plan
from rtnova.hardware import sample
from tests.functional import base

DEDICATED = '1-5,7-11'
POOL = '0,6'
# the fake host of base.host_info(nodes=2, cores=6, gigapages_per_node=4)
HOST = {
    'name': 'compute1',
    'cells': [
        {'id': node, 'cpus': '%d-%d' % (node * 6, node * 6 + 5),
         'memory_mb': 8192,
         'mempages': {4: (8 * 1024 * 1024 - 4 * base.PAGE_1G) // 4,
                      base.PAGE_1G: 4}}
        for node in (0, 1)],
    'config': {'cpu_dedicated_set': DEDICATED, 'emulator_pin_set': POOL},
}
ELEMENTS = ('cputune', 'numatune', 'memoryBacking')


def _canonical(element):
    """An element as comparable data: tag, attributes, sorted children."""
    return (element.tag, tuple(sorted(element.attrib.items())),
            tuple(sorted(_canonical(child) for child in element)))


class PlanMatchesDriverTest(base.RtnovaServersTestBase):

    def setUp(self):
        super().setUp()
        self.start_rt_compute(
            dedicated=DEDICATED, pool=POOL,
            info=base.host_info(nodes=2, cores=6, gigapages_per_node=4))
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def _planned(self, flavor):
        paths = []
        for name, content in (('host.json', HOST), ('flavor.json', flavor)):
            paths.append(os.path.join(self.tmp, name))
            with open(paths[-1], 'w') as fh:
                json.dump(content, fh)
        out = io.StringIO()
        code = plan.main(['--json', '--host-file', paths[0],
                          '--flavor-file', paths[1]], out=out,
                         err=io.StringIO())
        self.assertEqual(plan.FITS, code)
        return etree.fromstring(
            '<domain>%s</domain>' % json.loads(out.getvalue())[
                'libvirt_xml'])

    def _booted(self, flavor):
        flavor_id = self._create_flavor(
            vcpu=flavor['vcpus'], memory_mb=flavor['memory_mb'],
            extra_spec=flavor['extra_specs'])
        server = self._create_server(flavor_id=flavor_id, networks='none')
        return self.defined_tree(server)

    def _assert_same(self, flavor):
        planned, booted = self._planned(flavor), self._booted(flavor)
        for name in ELEMENTS:
            want, got = planned.find(name), booted.find(name)
            self.assertIsNotNone(want, name)
            self.assertIsNotNone(got, name)
            self.assertEqual(_canonical(want), _canonical(got), name)
        self.assertEqual(planned.find('./features/pmu').get('state'),
                         booted.find('./features/pmu').get('state'))

    def test_rt1_small(self):
        self._assert_same(dict(sample.RT1_SMALL, image_properties={}))

    def test_all_rt_guest_on_the_pool(self):
        self._assert_same({
            'name': 'rt.pool', 'vcpus': 2, 'memory_mb': 1024,
            'extra_specs': {
                'hw:cpu_policy': 'dedicated', 'hw:cpu_realtime': 'yes',
                'hw:emulator_threads_policy': 'share',
                'hw:cpu_realtime_policy': 'rr',
                'hw:cpu_realtime_priority': '30',
                'hw:mem_page_size': '1GB',
                'resources:CUSTOM_RT_EMULATOR_POOL': '1'}})
