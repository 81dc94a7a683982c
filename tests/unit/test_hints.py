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

"""Guest hints: what the guest kernel must isolate."""


from rtnova.hardware import hints
from rtnova.hardware import request
from rtnova.hardware import sample
from tests.unit import base


def hints_of(extra, vcpus=4):
    return hints.guest_hints(
        request.build_request(vcpus, 4096, extra, {}))


class GuestHintsTest(base.TestCase):

    def test_seeds_flavor_matches_setup_guide(self):
        result = hints_of(sample.RT1_SMALL['extra_specs'])
        self.assertEqual('2,3', result.isolated_cpus)
        self.assertEqual('isolated_cores=2,3', result.tuned_variables)
        self.assertEqual('realtime-virtual-guest', result.tuned_profile)
        self.assertEqual('default_hugepagesz=1G isolcpus=2,3 nohz=on '
                         'nohz_full=2,3 rcu_nocbs=2,3', result.cmdline)
        self.assertEqual((), result.notes)

    def test_inclusion_mask_and_small_pages(self):
        result = hints_of({'hw:cpu_policy': 'dedicated',
                           'hw:cpu_realtime': 'yes',
                           'hw:cpu_realtime_mask': '1,3'})
        self.assertEqual('1,3', result.isolated_cpus)
        self.assertNotIn('default_hugepagesz', result.cmdline)

    def test_not_realtime(self):
        self.assertIsNone(hints_of({'hw:cpu_policy': 'dedicated'}))

    def test_all_realtime_keeps_vcpu0_for_guest_housekeeping(self):
        result = hints_of({'hw:cpu_policy': 'dedicated',
                           'hw:cpu_realtime': 'yes',
                           'hw:emulator_threads_policy': 'share',
                           'resources:CUSTOM_RT_EMULATOR_POOL': '1'})
        self.assertEqual('1,2,3', result.isolated_cpus)
        self.assertIn('vCPU 0', result.notes[0])

    def test_single_vcpu_guest_has_nothing_to_isolate(self):
        result = hints_of({'hw:cpu_policy': 'dedicated',
                           'hw:cpu_realtime': 'yes',
                           'hw:emulator_threads_policy': 'share',
                           'resources:CUSTOM_RT_EMULATOR_POOL': '1',
                           'hw:mem_page_size': '2MB'}, vcpus=1)
        self.assertEqual('', result.isolated_cpus)
        self.assertEqual(('default_hugepagesz=2M',), result.kernel_args)
        self.assertEqual('', result.tuned_variables)
        self.assertEqual(2, len(result.notes))
