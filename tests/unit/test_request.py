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

"""The real-time request model: nova's keys, rtnova's new controls."""

import dataclasses

from oslo_config import fixture as config_fixture

from nova import exception as nova_exc
from nova import objects

from rtnova.hardware import errors
from rtnova.hardware import request
from rtnova.hardware import sample
from rtnova.virt import instance_request as requests
from tests.unit import base

RT = {'hw:cpu_policy': 'dedicated', 'hw:cpu_realtime': 'yes',
      'hw:cpu_realtime_mask': '^0'}
POOL_ALL_RT = {'hw:cpu_policy': 'dedicated', 'hw:cpu_realtime': 'yes',
               'hw:emulator_threads_policy': 'share',
               'resources:CUSTOM_RT_EMULATOR_POOL': '1'}


def build(extra, image=None, vcpus=4, memory_mb=4096, **limits):
    return request.build_request(vcpus, memory_mb, extra, image or {},
                                 request.PriorityLimits(**limits))


class RequestTestCase(base.TestCase):

    def assertRefused(self, key, extra, image=None, vcpus=4, **limits):
        exc = self.assertRaises(errors.InvalidRequest, build, extra, image,
                                vcpus, **limits)
        self.assertEqual(key, exc.key)
        self.assertIn(key, str(exc))
        self.assertIn('Fix:', str(exc))
        return exc


class NovaKeysTest(RequestTestCase):

    def test_seeds_flavor(self):
        req = build(sample.RT1_SMALL['extra_specs'])
        self.assertTrue(req.realtime)
        self.assertEqual({2, 3}, req.rt_vcpus)
        self.assertEqual({0, 1}, req.non_rt_vcpus)
        self.assertEqual(('fifo', 10), (req.rt_policy, req.rt_priority))
        self.assertIsNone(req.emulator_sched)
        cell, = req.topology.cells
        self.assertEqual({0, 1, 2, 3}, cell.pcpus)
        self.assertEqual(1048576, cell.pagesize_kb)
        self.assertEqual('dedicated', req.topology.cpu_policy)

    def test_inclusion_mask_equals_exclusion_mask(self):
        inclusion = dict(RT, **{'hw:cpu_realtime_mask': '2-3'})
        exclusion = dict(RT, **{'hw:cpu_realtime_mask': '^0-1'})
        self.assertEqual(build(inclusion), build(exclusion))

    def test_image_mask_wins(self):
        req = build(RT, {'hw_cpu_realtime_mask': '^0-2'})
        self.assertEqual({3}, req.rt_vcpus)

    def test_not_realtime(self):
        req = build({'hw:cpu_policy': 'dedicated'})
        self.assertFalse(req.realtime)
        self.assertEqual(frozenset(), req.rt_vcpus)
        self.assertEqual({0, 1, 2, 3}, req.non_rt_vcpus)
        self.assertIsNone(req.rt_priority)

    def test_no_topology_for_plain_flavor(self):
        self.assertIsNone(build({}).topology)

    def test_mixed_policy_realtime_mask_pins_rt_vcpus_only(self):
        req = build({'hw:cpu_policy': 'mixed', 'hw:cpu_realtime': 'yes',
                     'hw:cpu_realtime_mask': '^0-1'})
        cell, = req.topology.cells
        self.assertEqual({2, 3}, cell.pcpus)
        self.assertEqual({0, 1}, cell.cpus)

    def test_numa_nodes_split(self):
        req = build(dict(RT, **{'hw:numa_nodes': '2'}))
        self.assertEqual([({0, 1}, 2048), ({2, 3}, 2048)],
                         [(c.pcpus, c.memory_mb) for c in req.topology.cells])

    def test_realtime_without_pinning_names_policy_fix(self):
        exc = self.assertRefused('hw:cpu_realtime', {
            'hw:cpu_realtime': 'yes', 'hw:cpu_realtime_mask': '^0'})
        self.assertIn('hw:cpu_policy=dedicated', exc.fix)

    def test_all_realtime_without_emulator_policy(self):
        exc = self.assertRefused('hw:cpu_realtime', {
            'hw:cpu_policy': 'dedicated', 'hw:cpu_realtime': 'yes'})
        self.assertIn('resources:CUSTOM_RT_EMULATOR_POOL=1', exc.fix)

    def test_mask_beyond_flavor(self):
        self.assertRefused('hw_cpu_realtime_mask', RT,
                           {'hw_cpu_realtime_mask': '4-5'})

    def test_bad_page_size(self):
        self.assertRefused('hw:mem_page_size',
                           dict(RT, **{'hw:mem_page_size': '1XB'}))

    def test_locked_memory(self):
        self.assertTrue(build(dict(RT, **{'hw:locked_memory': 'true',
                                          'hw:mem_page_size': 'small'}))
                        .locked_memory)
        self.assertRefused('hw:locked_memory',
                           dict(RT, **{'hw:locked_memory': 'true'}))

    def test_frozen(self):
        req = build(RT)
        self.assertRaises(dataclasses.FrozenInstanceError, setattr, req,
                          'rt_priority', 99)


class NewControlsTest(RequestTestCase):

    def test_operator_defaults(self):
        req = build(RT, default_policy='rr', default_priority=20,
                    min_priority=5, max_priority=60)
        self.assertEqual(('rr', 20), (req.rt_policy, req.rt_priority))

    def test_flavor_policy_and_priority(self):
        req = build(dict(RT, **{'hw:cpu_realtime_policy': 'rr',
                                'hw:cpu_realtime_priority': '30'}))
        self.assertEqual(('rr', 30), (req.rt_policy, req.rt_priority))

    def test_priority_above_operator_max(self):
        exc = self.assertRefused(
            'hw:cpu_realtime_priority',
            dict(RT, **{'hw:cpu_realtime_priority': '50'}))
        self.assertIn('max_realtime_priority', str(exc))
        self.assertEqual(70, build(dict(
            RT, **{'hw:cpu_realtime_priority': '70'}),
            max_priority=80).rt_priority)

    def test_priority_below_operator_min(self):
        exc = self.assertRefused(
            'hw:cpu_realtime_priority',
            dict(RT, **{'hw:cpu_realtime_priority': '2'}), min_priority=5)
        self.assertIn('min_realtime_priority', str(exc))

    def test_image_cannot_exceed_max(self):
        self.assertRefused('hw_cpu_realtime_priority', RT,
                           {'hw_cpu_realtime_priority': '99'})

    def test_image_priority_used_when_flavor_silent(self):
        self.assertEqual(12, build(RT, {'hw_cpu_realtime_priority': '12'})
                         .rt_priority)

    def test_image_may_not_contradict_flavor(self):
        self.assertRefused(
            'hw_cpu_realtime_policy',
            dict(RT, **{'hw:cpu_realtime_policy': 'fifo'}),
            {'hw_cpu_realtime_policy': 'rr'})

    def test_bad_policy(self):
        self.assertRefused('hw:cpu_realtime_policy',
                           dict(RT, **{'hw:cpu_realtime_policy': 'deadline'}))

    def test_flavor_keys_need_realtime(self):
        self.assertRefused('hw:cpu_realtime_priority', {
            'hw:cpu_policy': 'dedicated', 'hw:cpu_realtime_priority': '10'})

    def test_image_keys_ignored_without_realtime(self):
        req = build({'hw:cpu_policy': 'dedicated'},
                    {'hw_cpu_realtime_priority': '99'})
        self.assertIsNone(req.rt_priority)

    def test_thread_scheduling(self):
        req = build(dict(RT, **{'hw:emulator_threads_sched': 'fifo:5',
                                'hw:iothreads_sched': 'rr:3'}))
        self.assertEqual(('fifo', 5), req.emulator_sched)
        self.assertEqual(('rr', 3), req.iothread_sched)
        req = build(dict(RT, **{'hw:emulator_threads_sched': 'other'}))
        self.assertIsNone(req.emulator_sched)

    def test_thread_scheduling_refusals(self):
        for value in ('fifo:60', 'fifo', 'idle', 'rr:x', 'fifo:0'):
            self.assertRefused(
                'hw:emulator_threads_sched',
                dict(RT, **{'hw:emulator_threads_sched': value}))

    def test_all_rt_guest_with_pool(self):
        req = build(POOL_ALL_RT)
        self.assertEqual({0, 1, 2, 3}, req.rt_vcpus)
        self.assertEqual(frozenset(), req.non_rt_vcpus)
        self.assertEqual(1, req.pool_units)
        self.assertTrue(req.pool_units > 0)
        self.assertEqual(1, req.topology.pool_units)

    def test_single_vcpu_rt_guest_with_pool(self):
        req = build(POOL_ALL_RT, vcpus=1, memory_mb=1024)
        self.assertEqual({0}, req.rt_vcpus)

    def test_granular_pool_key(self):
        extra = dict(POOL_ALL_RT)
        del extra['resources:CUSTOM_RT_EMULATOR_POOL']
        extra['resources1:CUSTOM_RT_EMULATOR_POOL'] = '1'
        self.assertEqual(1, build(extra).pool_units)

    def test_pool_refusals(self):
        self.assertRefused('resources:CUSTOM_RT_EMULATOR_POOL', dict(
            POOL_ALL_RT, **{'hw:emulator_threads_policy': 'isolate'}))
        self.assertRefused('resources:CUSTOM_RT_EMULATOR_POOL', {
            'resources:CUSTOM_RT_EMULATOR_POOL': '1'})
        self.assertRefused('resources:CUSTOM_RT_EMULATOR_POOL', dict(
            POOL_ALL_RT, **{'resources:CUSTOM_RT_EMULATOR_POOL': '-1'}))

    def test_limits_validated(self):
        self.assertRaises(errors.InvalidHostConfig, request.PriorityLimits,
                          default_priority=60)
        self.assertRaises(errors.InvalidHostConfig, request.PriorityLimits,
                          min_priority=50, max_priority=40)
        self.assertRaises(errors.InvalidHostConfig, request.PriorityLimits,
                          default_policy='other')


class AdapterTest(base.TestCase):

    def setUp(self):
        super().setUp()
        objects.register_all()
        self.conf = self.useFixture(config_fixture.Config(requests.CONF))

    def test_default_priority_is_10(self):
        self.assertEqual(10, requests.priority_limits().default_priority)

    def test_nova_priority_kept_when_rtnova_unset(self):
        self.conf.config(realtime_scheduler_priority=5, group='libvirt')
        self.assertEqual(5, requests.priority_limits().default_priority)
        self.conf.config(default_realtime_priority=7, group='rtnova')
        self.assertEqual(7, requests.priority_limits().default_priority)

    def test_nova_priority_outside_range_names_nova_option(self):
        self.conf.config(realtime_scheduler_priority=60, group='libvirt')
        exc = self.assertRaises(errors.InvalidHostConfig,
                                requests.priority_limits)
        self.assertEqual('[libvirt] realtime_scheduler_priority', exc.option)

    def _flavor(self, extra):
        return objects.Flavor(name='rt', vcpus=4, memory_mb=4096,
                              extra_specs=extra)

    def test_refusal_is_invalid_input_naming_key(self):
        exc = self.assertRaises(
            nova_exc.InvalidInput, requests.request_from_flavor,
            self._flavor(dict(RT, **{'hw:cpu_realtime_priority': '80'})),
            objects.ImageMeta.from_dict({}))
        self.assertIn('hw:cpu_realtime_priority', exc.format_message())

    def test_typed_image_properties_round_trip(self):
        image = objects.ImageMeta.from_dict({'properties': {
            'hw_numa_nodes': '2', 'hw_numa_cpus.0': '0-1',
            'hw_numa_cpus.1': '2-3', 'hw_numa_mem.0': '1024',
            'hw_numa_mem.1': '3072', 'hw_cpu_realtime_mask': '^0-1'}})
        req = requests.request_from_flavor(self._flavor(RT), image)
        self.assertEqual({2, 3}, req.rt_vcpus)
        self.assertEqual([1024, 3072],
                         [c.memory_mb for c in req.topology.cells])

    def test_rtnova_image_keys_from_system_metadata(self):
        req = requests.request_from_flavor(
            self._flavor(RT), objects.ImageMeta.from_dict({}),
            {'image_hw_cpu_realtime_priority': '15',
             'image_hw_cpu_realtime_policy': 'rr'})
        self.assertEqual(('rr', 15), (req.rt_policy, req.rt_priority))
