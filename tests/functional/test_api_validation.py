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

"""Bad real-time requests are refused through nova's own API and services.

A bad value of one of rtnova's keys is refused when the flavor is edited
(HTTP 400, microversion >= 2.86, by rtnova's validators loaded through
``nova.api.extra_spec_validators``). A request that can only be judged on
the compute node (operator bounds, image properties, combinations) fails
the boot: the server goes to ERROR with a fault naming the key.
"""

from nova.tests.functional.api import client

from tests.functional import base

RT = {'hw:cpu_policy': 'dedicated', 'hw:cpu_realtime': 'yes',
      'hw:cpu_realtime_mask': '^0'}

BAD_VALUES = [
    ('hw:cpu_realtime_policy', 'deadline'),
    ('hw:cpu_realtime_policy', 'FIFO'),
    ('hw:cpu_realtime_priority', 'high'),
    ('hw:cpu_realtime_priority', '0'),
    ('hw:cpu_realtime_priority', '100'),
    ('hw:emulator_threads_sched', 'fifo'),
    ('hw:emulator_threads_sched', 'fifo:100'),
    ('hw:emulator_threads_sched', 'idle'),
    ('hw:iothreads_sched', 'rr:0'),
    ('hw:iothreads_sched', 'batch'),
    ('resources:CUSTOM_RT_EMULATOR_POOL', 'one'),
    ('hw:pci_irq_affinity_mask', 'vcpu0'),
    ('hw:pci_irq_affinity_mask', '0-'),
]
GOOD_VALUES = [
    ('hw:cpu_realtime_policy', 'rr'),
    ('hw:cpu_realtime_priority', '99'),
    ('hw:emulator_threads_sched', 'fifo:1'),
    ('hw:iothreads_sched', 'other'),
    ('resources:CUSTOM_RT_EMULATOR_POOL', '1'),
    ('hw:pci_irq_affinity_mask', '^0'),
]


class FlavorExtraSpecValidationTest(base.RtnovaServersTestBase):

    def setUp(self):
        super().setUp()
        self.admin = self.api_fixture.admin_api
        self.admin.microversion = '2.86'

    def _flavor(self):
        return self.admin.post_flavor(
            {'flavor': {'name': 'rt-validate', 'ram': 1024, 'vcpus': 2,
                        'disk': 1}})['id']

    def test_bad_values_are_400(self):
        flavor = self._flavor()
        for key, value in BAD_VALUES:
            exc = self.assertRaises(
                client.OpenStackApiException, self.admin.post_extra_spec,
                flavor, {'extra_specs': {key: value}})
            self.assertEqual(400, exc.response.status_code, (key, value))
            self.assertIn('Validation failed', exc.response.text)
            self.assertIn(value, exc.response.text)
        self.assertEqual({}, self.admin.get_extra_specs(flavor))

    def test_good_values_are_accepted(self):
        flavor = self._flavor()
        for key, value in GOOD_VALUES:
            self.admin.post_extra_spec(flavor, {'extra_specs': {key: value}})
        self.assertEqual(dict(GOOD_VALUES),
                         self.admin.get_extra_specs(flavor))

    def test_unknown_hw_key_still_refused(self):
        # rtnova adds keys to the hw: namespace, it does not open it up
        exc = self.assertRaises(
            client.OpenStackApiException, self.admin.post_extra_spec,
            self._flavor(), {'extra_specs': {'hw:cpu_realtime_prio': '5'}})
        self.assertEqual(400, exc.response.status_code)


class BootTimeRefusalTest(base.RtnovaServersTestBase):

    def setUp(self):
        super().setUp()
        self.flags(sysinfo_serial='none', group='libvirt')
        self.start_rt_compute(dedicated='0-7',
                              info=base.host_info(nodes=1, cores=8))

    def _boot_refused(self, extra, key, image=None):
        flavor = self._create_flavor(vcpu=2, memory_mb=1024,
                                     extra_spec=extra)
        kwargs = {}
        if image is not None:
            kwargs['image_uuid'] = self._create_image(image)['id']
        server = self._create_server(flavor_id=flavor, networks='none',
                                     expected_state='ERROR', **kwargs)
        fault = server['fault']['message']
        self.assertIn(key, fault)
        self.assertIn('Fix:', fault)
        self.assertNotIn('Traceback', fault)
        self.assertNotIn('No valid host', fault)
        self._delete_server(server)
        return fault

    def test_priority_above_operator_maximum(self):
        fault = self._boot_refused(
            dict(RT, **{'hw:cpu_realtime_priority': '60'}),
            'hw:cpu_realtime_priority')
        self.assertIn('max_realtime_priority', fault)

    def test_priority_below_operator_minimum(self):
        self.flags(min_realtime_priority=5, group='rtnova')
        # [rtnova] options are read when nova-compute starts
        self.restart_compute_service('compute1')
        self._boot_refused(dict(RT, **{'hw:cpu_realtime_priority': '2'}),
                           'hw:cpu_realtime_priority')

    def test_thread_sched_above_operator_maximum(self):
        self._boot_refused(
            dict(RT, **{'hw:emulator_threads_sched': 'fifo:70'}),
            'hw:emulator_threads_sched')

    def test_image_priority_above_maximum(self):
        self._boot_refused(RT, 'hw_cpu_realtime_priority',
                           image={'hw_cpu_realtime_priority': '99'})

    def test_image_contradicts_flavor(self):
        self._boot_refused(
            dict(RT, **{'hw:cpu_realtime_policy': 'fifo'}),
            'hw_cpu_realtime_policy',
            image={'hw_cpu_realtime_policy': 'rr'})

    def test_realtime_key_without_realtime(self):
        self._boot_refused(
            {'hw:cpu_policy': 'dedicated', 'hw:cpu_realtime_policy': 'rr'},
            'hw:cpu_realtime_policy')

    def test_good_request_boots(self):
        flavor = self._create_flavor(vcpu=2, memory_mb=1024, extra_spec=dict(
            RT, **{'hw:cpu_realtime_priority': '20'}))
        server = self._create_server(flavor_id=flavor, networks='none')
        self.assertEqual('ACTIVE', server['status'])


class PoolRequestTest(base.RtnovaServersTestBase):
    """With an emulator pool, all-RT and one-vCPU RT guests are valid."""

    POOL_RT = {'hw:cpu_policy': 'dedicated', 'hw:cpu_realtime': 'yes',
               'hw:emulator_threads_policy': 'share',
               'resources:CUSTOM_RT_EMULATOR_POOL': '1'}

    def setUp(self):
        super().setUp()
        self.flags(sysinfo_serial='none', group='libvirt')
        self.start_rt_compute(dedicated='2-7', pool='0-1',
                              info=base.host_info(nodes=1, cores=8))

    def _boot(self, vcpus, extra, **kwargs):
        flavor = self._create_flavor(vcpu=vcpus, memory_mb=1024,
                                     extra_spec=extra)
        return self._create_server(flavor_id=flavor, networks='none',
                                   **kwargs)

    def test_all_rt_and_single_vcpu_guests_boot(self):
        for vcpus in (2, 1):
            server = self._boot(vcpus, self.POOL_RT)
            self.assertEqual('ACTIVE', server['status'])
            tree = self.domain_tree(server)
            # the emulator threads live in the pool, off the RT vCPUs
            self.assertEqual('0-1', tree.find(
                './cputune/emulatorpin').get('cpuset'))
            self.assertEqual(vcpus, len(tree.findall('./cputune/vcpupin')))

    def test_pool_with_isolate_refused_at_boot(self):
        extra = dict(self.POOL_RT, **{'hw:emulator_threads_policy':
                                      'isolate'})
        server = self._boot(2, extra, expected_state='ERROR')
        self.assertIn('resources:CUSTOM_RT_EMULATOR_POOL',
                      server['fault']['message'])


class NovaRefusesAtTheApiTest(base.RtnovaServersTestBase):
    """Combinations nova itself refuses never reach a compute node.

    nova's API runs ``numa_get_constraints`` on POST /servers, so these
    are refused even earlier than a boot-time fault: HTTP 400 with nova's
    message, and no server is created.
    """

    def _post(self, extra):
        flavor = self._create_flavor(vcpu=2, memory_mb=1024,
                                     extra_spec=extra)
        server = self._build_server(flavor_id=flavor, networks='none')
        exc = self.assertRaises(client.OpenStackApiException,
                                self.api.post_server, {'server': server})
        self.assertEqual(400, exc.response.status_code)
        self.assertEqual([], self.api.get_servers())
        return exc.response.text

    def test_realtime_without_dedicated_policy(self):
        text = self._post({'hw:cpu_realtime': 'yes',
                           'hw:cpu_realtime_mask': '^0'})
        self.assertIn('realtime', text)

    def test_all_realtime_without_emulator_policy(self):
        # nova's own wording; it names no key (rtnova cannot reword nova's
        # API errors without patching nova)
        text = self._post({'hw:cpu_policy': 'dedicated',
                           'hw:cpu_realtime': 'yes'})
        self.assertIn('offloaded emulator threads', text)
