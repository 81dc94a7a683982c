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

"""The ``tempest.conf`` of the deployment tier: what it really offers.

Every feature flag below says what the deployment does or lacks; a test
that a ``False`` flag skips is reported by tempest as skipped with the
flag's reason, a test that cannot pass for another reason is in
``tools/deploy/tempest-exclude.txt`` with its own.
"""

import configparser

from tools.deploy import config
from tools.deploy import layout as lay

# [compute-feature-enabled]: True where the tier's computes (libvirt + KVM,
# nova-compute as the nova user) do it, False with the reason
FEATURES = {
    # nova's libvirt driver grows the root disk to the flavor's (AUTO)
    'disk_config': 'true',
    # needs the QEMU guest agent in the guest; the tier's guest is a boot
    # sector
    'change_password': 'false',
    # nova sanitizes an FQDN server name into the hostname (the test
    # checks it inside the guest over SSH: skipped as validation)
    'hostname_fqdn_sanitization': 'true',
    # libvirt's console log (the boot sector prints five lines on COM1)
    'console_output': 'true',
    # resize, cold and live migration: read from the computes' nova.conf
    # (migration_features)
    'pause': 'true',
    'suspend': 'true',
    # shelve snapshots to glance's file store and unshelves from it
    'shelve': 'true',
    'snapshot': 'true',
    'rescue': 'true',
    # stable rescue needs the image property hw_rescue_device/bus
    'stable_rescue': 'false',
    # no nova-metadata-api service and no guest network to reach one
    'metadata_service': 'false',
    # nova makes config drives with genisoimage, which the tier does not
    # install
    'config_drive': 'false',
    # no console proxy (novncproxy, spice, serial) runs
    'vnc_console': 'false',
    'spice_console': 'false',
    'serial_console': 'false',
    # ports cannot be bound: ML2 has no mechanism driver, no agent
    'interface_attach': 'false',
    # personality files were removed from the API at 2.57; the tier does
    # not enable them for older microversions either
    'personality': 'false',
    'enable_instance_password': 'true',
    'scheduler_enabled_filters': config.ENABLED_FILTERS,
}


def _compute_confs(L):
    confs = []
    for host in lay.COMPUTES:
        parser = configparser.ConfigParser(interpolation=None, strict=False)
        parser.read(L.host(host['name'], 'nova.conf'))
        confs.append(parser)
    return confs


def migration_features(L):
    """resize, cold_migration, live_migration as the computes allow them.

    nova's libvirt driver asks the destination over SSH (as the nova
    user) whether it shares the instances directory, and copies the disk
    over SSH where it does not. The tier's layout for moves gives every
    compute the same ``instances_path``; where each has its own, moves are
    not part of the tier and the flags are off. Live migration also needs
    a transport between the hosts' libvirtds (``live_migration_scheme``).
    """
    confs = _compute_confs(L)
    paths = {c.get('DEFAULT', 'instances_path', fallback=None)
             for c in confs}
    shared = len(paths) == 1 and None not in paths
    live = shared and all(c.has_option('libvirt', 'live_migration_scheme')
                          for c in confs)
    flag = {True: 'true', False: 'false'}
    return {'resize': flag[shared], 'cold_migration': flag[shared],
            'live_migration': flag[live]}


def _auth():
    return {
        'use_dynamic_credentials': 'true',
        # dynamic credentials would make a network, subnet and router per
        # project: no port of them could be bound (no agents)
        'create_isolated_networks': 'false',
        'admin_username': 'admin',
        'admin_password': lay.PASSWORD,
        'admin_project_name': 'admin',
        'admin_domain_name': 'Default',
        'default_credentials_domain_name': 'Default',
    }


def render(L, ids, microversion):
    """tempest.conf text; ``ids``: {'images': [2 ids], 'flavors': [2]}."""
    image, image_alt = ids['images']
    flavor, flavor_alt = ids['flavors']
    return config.ini({
        'DEFAULT': {'log_dir': L.path('tempest', 'workspace', 'logs'),
                    'log_file': 'tempest.log'},
        'oslo_concurrency': {'lock_path': L.path('tempest', 'workspace',
                                                 'tempest_lock')},
        'auth': _auth(),
        'identity': {'uri_v3': lay.url('keystone', '/v3'),
                     'auth_version': 'v3', 'region': 'RegionOne',
                     'v3_endpoint_type': 'public'},
        'identity-feature-enabled': {'api_v2': 'false'},
        'compute': {'image_ref': image, 'image_ref_alt': image_alt,
                    'flavor_ref': flavor, 'flavor_ref_alt': flavor_alt,
                    'region': 'RegionOne', 'endpoint_type': 'publicURL',
                    'min_compute_nodes': str(len(lay.COMPUTES)),
                    'min_microversion': '2.1',
                    'max_microversion': microversion,
                    'build_timeout': '300'},
        'compute-feature-enabled': dict(FEATURES,
                                        **migration_features(L)),
        'image': {'region': 'RegionOne', 'disk_formats': 'raw,qcow2'},
        'network': {'region': 'RegionOne'},
        'network-feature-enabled': {'floating_ips': 'false'},
        # the guest is a boot sector without SSH or a network
        'validation': {'run_validation': 'false'},
        'service_available': {'nova': 'true', 'glance': 'true',
                              'neutron': 'true', 'keystone': 'true',
                              'cinder': 'false', 'swift': 'false',
                              'horizon': 'false'},
    })
