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

"""Real-time guests moving between hosts, through nova's services.

Two hosts whose emulator pools differ (src: CPUs 0 and 6, dst: CPUs 1 and
7), an ``rr`` guest whose priority comes from its image, emulator threads
on the pool. Built on nova's own live-migration pattern
(``nova/tests/functional/libvirt/test_numa_live_migration.py``): fakelibvirt
on both ends, the migration stub defines the destination XML on dst.
"""

from unittest import mock

from lxml import etree

from nova import context as nova_context
from nova import objects
from nova.tests.functional.api import client
from nova.tests.functional.libvirt import base as nova_libvirt_base

from rtnova.verify import compare
from rtnova.virt import readback_report
from tests.functional import test_driver_xml as xml_tests

# nova's own CPU options are process-wide in the functional harness, so
# both hosts share the dedicated set; rtnova's options are per compute
DEDICATED = '2-5,8-11'
SRC_POOL, DST_POOL = '0,6', '1,7'
NODE_CPUS = xml_tests.NODE_CPUS
RR_POOL_SPECS = dict(xml_tests.ALL_RT_POOL_SPECS,
                     **{'hw:cpu_realtime_policy': 'rr',
                        'hw:emulator_threads_sched': 'fifo:3'})
IMAGE_PRIORITY = {'hw_cpu_realtime_priority': '25'}


def _cpus(spec):
    return xml_tests._cpus(spec)


class _MovesTestBase(nova_libvirt_base.LibvirtMigrationMixin,
                     xml_tests._DriverTestBase):

    def _start_hosts(self, dst_flags=None):
        self.start_rt_compute(
            hostname='src', dedicated=DEDICATED, pool=SRC_POOL,
            info=self._host_info())
        self.start_rt_compute(
            hostname='dst', dedicated=DEDICATED, pool=DST_POOL,
            info=self._host_info(), **(dst_flags or {}))
        self.src, self.dest = self.computes['src'], self.computes['dst']

    def _boot_rr_guest(self):
        image = self._create_image(dict(IMAGE_PRIORITY))['id']
        self.server = self._boot(1, 1024, RR_POOL_SPECS, host='src',
                                 image_uuid=image)
        return self.server

    def _migrate_stub(self, domain, destination, params, flags):
        self.destination_xml = params['destination_xml']
        super()._migrate_stub(domain, destination, params, flags)

    def _host_of(self, server):
        return self.api.get_server(server['id'])['OS-EXT-SRV-ATTR:host']

    def _events(self, server, action):
        """Every event of ``action`` as 'name result details' lines."""
        actions = [a for a in self.api.get_instance_actions(server['id'])
                   if a['action'] == action]
        self.assertTrue(actions, 'no %s action' % action)
        text = []
        for event in self.api.get_instance_action_details(
                server['id'], actions[0]['request_id'])['events']:
            # 'details': the error message nova shows (2.84+)
            text.append('%s %s %s' % (event['event'], event['result'],
                                      event.get('details') or ''))
        return '\n'.join(text)


class LiveMigrationTest(_MovesTestBase):

    def test_rr_image_priority_pool_guest_keeps_its_properties(self):
        self._start_hosts()
        server = self._boot_rr_guest()
        src_tree = self.defined_tree(server)
        self.assertEqual({'vcpus': '0', 'scheduler': 'rr', 'priority': '25'},
                         dict(src_tree.find('./cputune/vcpusched').attrib))
        self.assertEqual(1, self._pool_usage('src'))

        self._live_migrate(server, 'completed')
        self.assertEqual('dst', self._host_of(server))
        tree = etree.fromstring(self.destination_xml.encode())
        vcpu = _cpus(tree.find('./cputune/vcpupin').get('cpuset'))
        self.assertTrue(vcpu <= _cpus(DEDICATED))
        node = [n for n, cpus in enumerate(NODE_CPUS) if vcpu & cpus][0]
        # nova would write scheduler='fifo' here
        self.assertEqual(
            [{'vcpus': '0', 'scheduler': 'rr', 'priority': '25'}],
            [dict(e.attrib) for e in tree.findall('./cputune/vcpusched')])
        # the destination's own pool, on the guest's node there
        self.assertEqual(
            _cpus(DST_POOL) & NODE_CPUS[node],
            _cpus(tree.find('./cputune/emulatorpin').get('cpuset')))
        self.assertEqual({'scheduler': 'fifo', 'priority': '3'},
                         dict(tree.find('./cputune/emulatorsched').attrib))
        self.assertEqual(
            str(node), tree.find('./numatune/memnode').get('nodeset'))
        self.assertEqual(0, self._pool_usage('src'))
        self.assertEqual(1, self._pool_usage('dst'))

    def test_pool_guest_moves_to_the_destination_pool(self):
        # not real-time: only the pool carries its emulator threads
        self._start_hosts()
        specs = {'hw:cpu_policy': 'dedicated',
                 'hw:emulator_threads_policy': 'share',
                 'resources:%s' % xml_tests.POOL_RC: '1'}
        server = self.server = self._boot(1, 1024, specs, host='src')
        self.assertTrue(_cpus(self.defined_tree(server).find(
            './cputune/emulatorpin').get('cpuset')) <= _cpus(SRC_POOL))
        self._live_migrate(server, 'completed')
        tree = etree.fromstring(self.destination_xml.encode())
        self.assertTrue(_cpus(tree.find('./cputune/emulatorpin').get(
            'cpuset')) <= _cpus(DST_POOL))
        self.assertEqual([], tree.findall('./cputune/vcpusched'))
        self.assertEqual(0, self._pool_usage('src'))
        self.assertEqual(1, self._pool_usage('dst'))

    def test_destination_bounds_refuse_before_anything_moves(self):
        # dst allows priorities up to 20 only: the image's 25 is refused in
        # dst's pre-live-migration check, before the source does anything
        self._start_hosts(dst_flags={'max_realtime_priority': 20})
        server = self._boot_rr_guest()
        self.migrate_stub_ran = False
        exc = self.assertRaises(
            client.OpenStackApiException, self.api.post_server_action,
            server['id'], {'os-migrateLive': {'host': None,
                                              'block_migration': 'auto'}})
        # nova's harness turns the conductor's cast into a call, so the
        # pre-check error reaches the API (nova's own
        # test_numa_live_migration notes the same 500); a real API answers
        # 202 and the conductor records the error
        self.assertEqual(500, exc.response.status_code)
        self._wait_for_migration_status(server, ['error'])
        server = self._wait_for_state_change(server, 'ACTIVE')
        self.assertFalse(self.migrate_stub_ran)
        self.assertEqual('src', self._host_of(server))
        self.assertEqual(1, self._pool_usage('src'))
        self.assertEqual(0, self._pool_usage('dst'))
        events = self._events(server, 'live-migration')
        self.assertIn('compute_check_can_live_migrate_destination Error',
                      events)
        self.assertIn('hw_cpu_realtime_priority: priority 25 is above the '
                      'operator maximum 20 ([rtnova] max_realtime_priority)',
                      events)


class ColdMoveTest(_MovesTestBase):
    """Resize and cold migration: checked on the source before the disk moves.

    nova's own functional tests replace ``migrate_disk_and_power_off`` of
    nova's driver (the disk copy); the mock records whether it was reached.
    Casts stay casts here (as in a real cloud): with nova's cast-as-call
    fixture the source's refusal would travel back into the destination's
    prep_resize and error the server there.
    """

    CAST_AS_CALL = False

    def _disk_step(self):
        return mock.patch('nova.virt.libvirt.driver.LibvirtDriver'
                          '.migrate_disk_and_power_off', return_value='{}')

    def test_resize_refused_by_destination_bounds(self):
        self._start_hosts(dst_flags={'max_realtime_priority': 20})
        server = self._boot_rr_guest()
        flavor = self._create_flavor(vcpu=1, memory_mb=2048,
                                     extra_spec=RR_POOL_SPECS)
        with self._disk_step() as disk_step:
            self.api.post_server_action(
                server['id'], {'resize': {'flavorRef': flavor}})
            self._wait_for_migration_status(server, ['error'])
            server = self._wait_for_state_change(server, 'ACTIVE')
            # nova saves the migration as 'error' and the server as ACTIVE
            # before it gives the source's allocation back to the instance
            # (ComputeManager.resize_instance reverts after
            # _resize_instance raised); until then placement still shows
            # the destination's pool unit. The action event ends after the
            # revert: that is when the refusal is over for an operator too.
            self._wait_for_action_fail_completion(
                server, 'resize', 'compute_resize_instance')
        self.assertFalse(disk_step.called, 'the disk step ran')
        self.assertEqual('src', self._host_of(server))
        self.assertEqual(1024, server['flavor']['ram'])
        self.assertEqual(1, self._pool_usage('src'))
        self.assertEqual(0, self._pool_usage('dst'))
        events = self._events(server, 'resize')
        self.assertIn('compute_resize_instance Error', events)
        self.assertIn('hw_cpu_realtime_priority: priority 25 is above the '
                      'operator maximum 20 ([rtnova] max_realtime_priority)',
                      events)

    def test_cold_migration_keeps_rr_image_priority_and_dst_pool(self):
        self._start_hosts()
        server = self._boot_rr_guest()
        with self._disk_step() as disk_step:
            self._migrate_server(server)
        self.assertTrue(disk_step.called)
        self.assertEqual('dst', self._host_of(server))
        tree = self.defined_tree(server)
        self.assertEqual(
            [{'vcpus': '0', 'scheduler': 'rr', 'priority': '25'}],
            [dict(e.attrib) for e in tree.findall('./cputune/vcpusched')])
        self.assertTrue(_cpus(tree.find('./cputune/emulatorpin').get(
            'cpuset')) <= _cpus(DST_POOL))
        self._confirm_resize(server)
        self.assertEqual(0, self._pool_usage('src'))
        self.assertEqual(1, self._pool_usage('dst'))


class HardRebootTest(_MovesTestBase):
    """Bounds lowered under a running guest: hard reboot refuses."""

    def test_refused_hard_reboot_keeps_the_guest_running(self):
        self._start_hosts()
        server = self._boot_rr_guest()
        self.flags(max_realtime_priority=20, group='rtnova')
        self.restart_compute_service('src')
        self.api.post_server_action(server['id'], {'reboot': {'type': 'HARD'}})
        server = self._wait_for_state_change(server, 'ACTIVE')
        conn = self.computes['src'].driver._host.get_connection()
        self.assertTrue(conn.lookupByUUIDString(server['id']).isActive())
        events = self._events(server, 'reboot')
        self.assertIn('rtnova_check_priority_bounds Error', events)
        self.assertIn('hw_cpu_realtime_priority: priority 25 is above the '
                      'operator maximum 20', events)


class RestartElsewhereTest(_MovesTestBase):
    """Unshelve and evacuate start the guest with spawn on the new host."""

    def _assert_rr_on_dst(self, server):
        self.assertEqual('dst', self._host_of(server))
        tree = self.defined_tree(server)
        self.assertEqual(
            [{'vcpus': '0', 'scheduler': 'rr', 'priority': '25'}],
            [dict(e.attrib) for e in tree.findall('./cputune/vcpusched')])
        self.assertTrue(_cpus(tree.find('./cputune/emulatorpin').get(
            'cpuset')) <= _cpus(DST_POOL))

    def test_unshelve_to_another_host_keeps_image_priority(self):
        self.flags(shelved_offload_time=0)
        self._start_hosts()
        server = self._boot_rr_guest()
        self._shelve_server(server)
        self.assertEqual(0, self._pool_usage('src'))
        self.api.post_server_action(server['id'],
                                    {'unshelve': {'host': 'dst'}})
        server = self._wait_for_state_change(server, 'ACTIVE')
        self._assert_rr_on_dst(server)
        self.assertEqual(1, self._pool_usage('dst'))

    def test_evacuate_keeps_image_priority(self):
        self._start_hosts()
        server = self._boot_rr_guest()
        self.computes['src'].stop()
        self.api.put_service_force_down(
            self.api.get_services(host='src',
                                  binary='nova-compute')[0]['id'], True)
        # nova's helper expects SHUTOFF: the stopped source compute never
        # reported the guest running again
        server = self._evacuate_server(server, expected_host='dst')
        self._assert_rr_on_dst(server)
        self.assertEqual(1, self._pool_usage('dst'))


class DriftReportTest(_MovesTestBase):
    """A drift report is an action event the tenant sees, and a fault."""

    def test_periodic_report_is_visible(self):
        self._start_hosts()
        server = self._boot_rr_guest()
        conn = self.computes['src'].driver._host.get_connection()
        dom = conn.lookupByUUIDString(server['id'])
        fact = compare.Fact('vCPU 0 (tid 4245)', 'affinity', '3', '0-11',
                            False)
        readback_report.drift_reporter('src')(dom, [fact])

        events = self._events(server, readback_report.DRIFT_ACTION)
        self.assertIn('rtnova_realtime_readback Error', events)
        self.assertIn('Real-time properties of the guest did not take: vCPU '
                      '0 (tid 4245) affinity: expected 3, actual 0-11', events)
        ctx = nova_context.get_admin_context()
        faults = objects.InstanceFaultList.get_by_instance_uuids(
            ctx, [server['id']])
        self.assertIn('vCPU 0 (tid 4245) affinity', faults[0].message)
        # reporting changes nothing about the server
        self.assertEqual('ACTIVE', self.api.get_server(server['id'])[
            'status'])
