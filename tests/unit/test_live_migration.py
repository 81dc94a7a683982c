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

"""A live-migrating real-time guest; the bounds a destination publishes."""

from rtnova.hardware import request as request_mod
from rtnova.virt import migrating_guest
from rtnova.virt import moves
from tests.unit import base

# what nova's _update_numa_xml leaves: one vcpusched, always fifo
NOVA_REWRITE = """<domain type='kvm'><name>g</name><cputune>
<vcpupin vcpu='0' cpuset='3'/><vcpupin vcpu='1' cpuset='4'/>
<emulatorpin cpuset='1'/><iothreadpin iothread='1' cpuset='1'/>
<emulatorsched scheduler='rr' priority='9'/>
<vcpusched vcpus='1' scheduler='fifo' priority='25'/>
</cputune></domain>"""


def _request(**kwargs):
    values = dict(vcpus=2, memory_mb=1024, realtime=True,
                  rt_vcpus=frozenset({1}), non_rt_vcpus=frozenset({0}),
                  rt_policy='rr', rt_priority=25, emulator_sched=None,
                  iothread_sched=None, locked_memory=False, topology=None)
    values.update(kwargs)
    return request_mod.RealtimeRequest(**values)


class MigratingGuestTest(base.TestCase):

    def test_only_the_destination_xml_changes(self):
        calls = []

        class Guest(object):
            uuid = 'u'

            def migrate(self, destination, **kwargs):
                calls.append((destination, kwargs))

        guest = migrating_guest.RealtimeMigratingGuest(Guest(), _request())
        self.assertEqual('u', guest.uuid)
        guest.migrate('qemu+tcp://dst/system', flags=3,
                      destination_xml=NOVA_REWRITE)
        (destination, kwargs), = calls
        self.assertEqual('qemu+tcp://dst/system', destination)
        self.assertEqual(3, kwargs['flags'])
        self.assertIn('scheduler="rr"', kwargs['destination_xml'])
        self.assertNotIn("scheduler='fifo'", kwargs['destination_xml'])


class PublishedLimitsTest(base.TestCase):
    """A host's bounds travel as compute node stats (strings)."""

    def test_round_trip(self):
        limits = request_mod.PriorityLimits(
            default_policy='rr', default_priority=15, min_priority=5,
            max_priority=20)
        stats = moves.limits_stats(limits)
        self.assertEqual({'rtnova_default_policy': 'rr',
                          'rtnova_default_priority': '15',
                          'rtnova_min_priority': '5',
                          'rtnova_max_priority': '20'}, stats)
        self.assertEqual(limits, moves.limits_from_stats(
            dict(stats, failed_builds='0')))

    def test_host_without_rtnova_publishes_nothing(self):
        self.assertEqual({}, moves.limits_stats(None))
        self.assertIsNone(moves.limits_from_stats({'failed_builds': '0'}))
        self.assertIsNone(moves.limits_from_stats(None))
