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

"""Smoke test of the functional tier: boot through the API, read the XML."""

from nova.virt.libvirt import driver as nova_libvirt_driver

from rtnova.virt import driver as rt_driver
from tests.functional import base


class SmokeTest(base.RtnovaServersTestBase):

    def test_boot_reads_back_domain_xml(self):
        self.start_rt_compute(info=base.host_info(nodes=1, cores=4))
        compute = self.computes['compute1']
        # nova's own service loaded rtnova's driver from compute_driver
        self.assertIsInstance(compute.driver,
                              rt_driver.RealtimeLibvirtDriver)
        self.assertIsInstance(compute.driver,
                              nova_libvirt_driver.LibvirtDriver)

        flavor = self._create_flavor(vcpu=2, memory_mb=512, extra_spec={
            'hw:cpu_policy': 'dedicated'})
        server = self._create_server(flavor_id=flavor, networks='none')
        tree = self.domain_tree(server)

        self.assertEqual(server['id'], tree.findtext('uuid'))
        pins = tree.findall('./cputune/vcpupin')
        self.assertEqual(2, len(pins))
        pcpus = {int(p.get('cpuset')) for p in pins}
        self.assertEqual(2, len(pcpus), 'two vCPUs on one pCPU')
        self.assertTrue(pcpus <= set(range(8)))
