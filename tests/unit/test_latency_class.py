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

"""Latency classes, the provider config file, ``rtnova-probe --accepted``."""

import datetime
import io
import os

import fixtures
from nova.compute import provider_config

from rtnova.cmd import latency_probe
from rtnova.hardware import errors
from rtnova.hardware import latency_class
from rtnova.probe import acceptance
from rtnova.probe import probe_errors
from tests.unit import base

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
DOMAIN = """<domain type='kvm'><name>%s</name><vcpu>1</vcpu>
<memory unit='KiB'>65536</memory><cputune><vcpupin vcpu='0' cpuset='%s'/>
</cputune></domain>"""


def run(max_us, realtime=True):
    return {'host': 'cmp1', 'seconds': 60.0,
            'vcpus': [{'vcpu': 0, 'realtime': realtime, 'max_us': max_us},
                      {'vcpu': 1, 'realtime': False, 'max_us': 9000.0}]}


class ClassesTest(base.TestCase):

    def test_traits_are_cumulative(self):
        self.assertEqual(['CUSTOM_RT_LATENCY_LE_50US',
                          'CUSTOM_RT_LATENCY_LE_100US',
                          'CUSTOM_RT_LATENCY_LE_200US',
                          'CUSTOM_RT_LATENCY_LE_500US',
                          'CUSTOM_RT_LATENCY_LE_1MS',
                          'CUSTOM_RT_LATENCY_LE_5MS',
                          'CUSTOM_RT_LATENCY_LE_10MS'],
                         latency_class.traits_for(35.2))
        self.assertIn('CUSTOM_RT_LATENCY_LE_20US',
                      latency_class.traits_for(20.0))
        self.assertEqual([], latency_class.traits_for(54000.0))
        self.assertRaises(errors.InvalidHostConfig,
                          latency_class.traits_for, None)

    def test_age(self):
        doc = latency_class.document(35.0, NOW, 60.0, {1}, 'cmp1')
        day = datetime.timedelta(days=1)
        self.assertEqual('', latency_class.age_problem(doc, NOW + day,
                                                       30 * day))
        self.assertIn('40 days old (older than 30 days)',
                      latency_class.age_problem(doc, NOW + 40 * day,
                                                30 * day))
        self.assertIn('no rtnova latency acceptance',
                      latency_class.age_problem({}, NOW, day))


class PublishTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.dir = self.useFixture(fixtures.TempDir()).path

    def test_nova_reads_the_traits_of_the_real_time_vcpus(self):
        path, doc = acceptance.publish(self.dir, run(35.0), {1}, NOW)
        self.assertEqual(os.path.join(self.dir, acceptance.FILE_NAME), path)
        # nova's own loader and schema accept it
        configs = provider_config.get_provider_configs(self.dir)
        traits = configs['$COMPUTE_NODE']['traits']['additional']
        self.assertIn('CUSTOM_RT_LATENCY_LE_50US', traits)
        self.assertNotIn('CUSTOM_RT_LATENCY_LE_20US', traits)
        meta = acceptance.read(self.dir)['meta'][latency_class.META_KEY]
        self.assertEqual(('2026-12-07T12:00:00+00:00', 60.0, 35.0, [1]),
                         (meta['measured_at'], meta['seconds'],
                          meta['max_us'], meta['dedicated_cpus']))

    def test_without_real_time_vcpus_every_vcpu_counts(self):
        _path, doc = acceptance.publish(self.dir, run(35.0, False), {1},
                                        NOW)
        self.assertEqual(['CUSTOM_RT_LATENCY_LE_10MS'],
                         doc['providers'][0]['traits']['additional'])

    def test_above_every_class_adds_nothing_and_keeps_the_result(self):
        _path, doc = acceptance.publish(self.dir, run(54000.0), {1}, NOW)
        self.assertEqual([], doc['providers'])
        self.assertEqual({}, provider_config.get_provider_configs(self.dir))
        self.assertEqual(54000.0, acceptance.read(self.dir)['meta'][
            latency_class.META_KEY]['max_us'])

    def accepted(self, *argv):
        out, err = io.StringIO(), io.StringIO()
        code = latency_probe.main(['--accepted', '--provider-config-dir',
                                   self.dir] + list(argv), out=out, err=err)
        return code, out.getvalue() + err.getvalue()

    def test_accepted_shows_and_ages(self):
        code, out = self.accepted()
        self.assertEqual(latency_probe.CANNOT_RUN, code)
        self.assertIn('no acceptance published', out)
        acceptance.publish(self.dir, run(35.0), {1})
        code, out = self.accepted()
        self.assertEqual(latency_probe.PASSED, code, out)
        self.assertIn('max 35.0 us on CPUs 1', out)
        acceptance.publish(self.dir, run(35.0), {1},
                           NOW - datetime.timedelta(days=400))
        code, out = self.accepted('--max-age-days', '30')
        self.assertEqual(latency_probe.FAILED, code)
        self.assertIn('run rtnova-probe --accept again', out)


class BusyCPUsTest(base.TestCase):

    def test_a_cpu_a_guest_uses_is_refused(self):
        dom = type('Dom', (), {
            'XMLDesc': lambda self, flags: DOMAIN % ('guest-a', '1'),
            'name': lambda self: 'guest-a'})()
        conn = type('Conn', (), {
            'listAllDomains': lambda self, flags: [dom]})()
        busy = acceptance.busy_cpus(conn)
        self.assertEqual({1: 'guest-a'}, busy)
        acceptance.refuse_busy({2, 3}, busy)
        error = self.assertRaises(probe_errors.AcceptanceError,
                                  acceptance.refuse_busy, {1, 2}, busy)
        self.assertIn('dedicated CPUs 1 are in use by guest-a', str(error))
