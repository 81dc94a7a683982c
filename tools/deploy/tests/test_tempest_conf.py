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

"""The generated tempest.conf, from computes' nova.conf files in a temp dir.

No deployment needed: these read only files the test writes.
"""

import configparser
import os

import fixtures
import testtools

from tools.deploy import config
from tools.deploy import layout as lay
from tools.deploy import tempest_conf

IDS = {'images': ['img-1', 'img-2'], 'flavors': ['fl-1', 'fl-2']}


class TempestConfTest(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.L = lay.Layout(self.useFixture(fixtures.TempDir()).path)

    def write_computes(self, instances, scheme=None):
        for host in lay.COMPUTES:
            libvirt = {'virt_type': 'kvm'}
            if scheme:
                libvirt['live_migration_scheme'] = scheme
            os.makedirs(self.L.host(host['name']), exist_ok=True)
            config.write(self.L.host(host['name'], 'nova.conf'), config.ini({
                'DEFAULT': {'instances_path': instances(host['name'])},
                'libvirt': libvirt}))

    def parsed(self):
        parser = configparser.ConfigParser(interpolation=None)
        parser.read_string(tempest_conf.render(self.L, IDS, '2.104'))
        return parser

    def test_own_instances_paths_turn_moves_off(self):
        self.write_computes(lambda name: '/srv/%s/instances' % name, 'tcp')
        features = self.parsed()['compute-feature-enabled']
        self.assertEqual(('false', 'false', 'false'), (
            features['resize'], features['cold_migration'],
            features['live_migration']))

    def test_shared_instances_path_turns_moves_on(self):
        self.write_computes(lambda name: '/srv/instances')
        features = self.parsed()['compute-feature-enabled']
        self.assertEqual(('true', 'true', 'false'), (
            features['resize'], features['cold_migration'],
            features['live_migration']))
        self.write_computes(lambda name: '/srv/instances', 'tcp')
        self.assertEqual(
            'true', self.parsed()['compute-feature-enabled']['live_migration'])

    def test_no_compute_config_turns_moves_off(self):
        features = self.parsed()['compute-feature-enabled']
        self.assertEqual('false', features['resize'])

    def test_refs_credentials_and_validation(self):
        conf = self.parsed()
        self.assertEqual(('img-1', 'img-2', 'fl-1', 'fl-2', '2.104'), (
            conf['compute']['image_ref'], conf['compute']['image_ref_alt'],
            conf['compute']['flavor_ref'], conf['compute']['flavor_ref_alt'],
            conf['compute']['max_microversion']))
        self.assertEqual(lay.url('keystone', '/v3'),
                         conf['identity']['uri_v3'])
        self.assertEqual(lay.PASSWORD, conf['auth']['admin_password'])
        self.assertEqual('false', conf['auth']['create_isolated_networks'])
        self.assertEqual('false', conf['validation']['run_validation'])
        self.assertEqual(str(len(lay.COMPUTES)),
                         conf['compute']['min_compute_nodes'])
        self.assertIn(
            'RealtimeFilter',
            conf['compute-feature-enabled']['scheduler_enabled_filters'])
