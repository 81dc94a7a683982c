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

"""The domain XML writer's rewrite of nova's live-migration XML."""

from lxml import etree

from rtnova.domain_xml import writer
from tests.unit import base
from tests.unit import test_live_migration

NOVA_REWRITE = test_live_migration.NOVA_REWRITE
_request = test_live_migration._request


class KeepSchedulingTest(base.TestCase):

    def _tune(self, xml):
        return etree.fromstring(xml.encode()).find('cputune')

    def test_rr_policy_restored_priority_kept(self):
        tune = self._tune(writer.keep_realtime_scheduling(
            NOVA_REWRITE, _request(emulator_sched=('fifo', 3),
                                   iothread_sched=('rr', 4))))
        self.assertEqual([{'vcpus': '1', 'scheduler': 'rr',
                           'priority': '25'}],
                         [dict(e.attrib) for e in tune.findall('vcpusched')])
        self.assertEqual([{'scheduler': 'fifo', 'priority': '3'}],
                         [dict(e.attrib) for e in
                          tune.findall('emulatorsched')])
        self.assertEqual({'iothreads': '1', 'scheduler': 'rr',
                          'priority': '4'},
                         dict(tune.find('iothreadsched').attrib))

    def test_thread_sched_dropped_when_the_request_has_none(self):
        tune = self._tune(writer.keep_realtime_scheduling(
            NOVA_REWRITE, _request()))
        self.assertIsNone(tune.find('emulatorsched'))
        self.assertIsNone(tune.find('iothreadsched'))

    def test_non_realtime_guest_untouched(self):
        self.assertIs(NOVA_REWRITE, writer.keep_realtime_scheduling(
            NOVA_REWRITE, _request(realtime=False)))
