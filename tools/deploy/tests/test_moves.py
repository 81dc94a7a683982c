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

"""Moves of a real-time pool guest between the two pool hosts, by CLI.

Cold migration (``server migrate`` + confirm), resize (to a bigger pool
flavor + confirm) and live migration (``server migrate
--live-migration``, libvirt's TCP transport between the host namespaces)
each land the guest on the other pool host: its vCPU pinned on that
host's dedicated CPU at the flavor's policy and priority, its emulator
threads on that host's pool, ``rtnova-verify`` clean, and placement
counting the pool unit on that host only.
"""

from tools.deploy.tests import base

PRIORITY = '12'


class MovesTest(base.DeployTestCase):

    def assert_landed(self, info, source, before):
        host = info['OS-EXT-SRV-ATTR:host']
        self.assertNotEqual(source, host, 'the guest moved')
        self.assertIn(host, base.POOL_HOSTS)
        self.assert_pool_tuning(info, priority=PRIORITY)
        self.assert_no_drift(info)
        want = {name: before[name][base.POOL_RC] + (name == host)
                for name in base.POOL_HOSTS}

        def pools():
            now = self.all_usages()
            return {name: now[name][base.POOL_RC] for name in want} == want
        # the source's allocation goes when the move is confirmed
        base.poll('pool usage %r' % want, pools, timeout=60)
        return host

    def confirm(self, server):
        self.wait_status(server, 'VERIFY_RESIZE', timeout=300)
        self.openstack('server', 'resize', 'confirm', server)
        return self.wait_status(server, 'ACTIVE')

    def test_cold_migration_resize_and_live_migration_keep_the_tuning(self):
        flavor = self.pool_flavor(**{'hw:cpu_realtime_priority': PRIORITY})
        bigger = self.pool_flavor(ram=320, **{
            'hw:cpu_realtime_priority': PRIORITY})
        before = self.all_usages()
        info = self.server(flavor, self.image())
        server, host = info['id'], info['OS-EXT-SRV-ATTR:host']
        self.assertIn(host, base.POOL_HOSTS)
        self.assert_pool_tuning(info, priority=PRIORITY)

        self.openstack('server', 'migrate', server)
        host = self.assert_landed(self.confirm(server), host, before)

        self.openstack('server', 'resize', '--flavor', bigger, server)
        info = self.confirm(server)
        self.assertIn(bigger, str(info['flavor']))
        host = self.assert_landed(info, host, before)

        # --wait returns once the migration ended (status no longer
        # MIGRATING); a failed one leaves the guest ACTIVE on the source
        self.openstack('server', 'migrate', '--live-migration', '--wait',
                       server)
        self.assert_landed(self.show(server), host, before)

        self.openstack('server', 'delete', '--wait', server)
        base.poll('usage of every provider back to %r' % before,
                  lambda: self.all_usages() == before, timeout=60)
