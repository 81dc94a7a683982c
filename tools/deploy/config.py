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

"""The tier's configuration files, written from plain dicts."""

import os

from tools.deploy import layout as lay

DB_USER = 'rtnova'


def ini(sections):
    """{section: {option: value}} as an oslo.config file."""
    out = ['# written by tools/deploy (rtnova deployment tier)']
    for section, options in sections.items():
        out.append('\n[%s]' % section)
        out += ['%s = %s' % kv for kv in options.items()]
    return '\n'.join(out) + '\n'


def write(path, text, mode=0o640):
    with open(path, 'w') as fh:
        fh.write(text)
    os.chmod(path, mode)


def db(name):
    return 'mysql+pymysql://%s:%s@%s:%d/%s' % (
        DB_USER, lay.PASSWORD, lay.CONTROLLER_IP, lay.PORTS['mariadb'], name)


def transport_url():
    return 'rabbit://%s:%s@%s:%d/' % (DB_USER, lay.PASSWORD,
                                      lay.CONTROLLER_IP,
                                      lay.PORTS['rabbitmq'])


def auth(user):
    """keystoneauth options of service user ``user``."""
    return {'auth_url': lay.url('keystone', '/v3'), 'auth_type': 'password',
            'project_domain_name': 'Default', 'user_domain_name': 'Default',
            'project_name': 'service', 'username': user,
            'password': lay.PASSWORD}


def authtoken(user):
    return dict(auth(user), www_authenticate_uri=lay.url('keystone', '/v3'))


def keystone(L):
    return ini({
        'DEFAULT': {'debug': 'false'},
        'database': {'connection': db('keystone')},
        'token': {'provider': 'fernet'},
        'fernet_tokens': {'key_repository': L.path('keystone', 'fernet')},
        'credential': {'key_repository': L.path('keystone', 'credential')},
    })


def placement(L):
    return ini({
        'api': {'auth_strategy': 'keystone'},
        'placement_database': {'connection': db('placement')},
        'keystone_authtoken': authtoken('placement'),
    })


def glance(L):
    return ini({
        'DEFAULT': {'enabled_backends': 'fs:file',
                    'bind_host': lay.CONTROLLER_IP},
        'database': {'connection': db('glance')},
        'keystone_authtoken': authtoken('glance'),
        'paste_deploy': {'flavor': 'keystone',
                         'config_file': L.etc('glance-api-paste.ini')},
        'glance_store': {'default_backend': 'fs'},
        'fs': {'filesystem_store_datadir': L.path('glance', 'images')},
        'os_glance_staging_store': {
            'filesystem_store_datadir': L.path('glance', 'staging')},
        'os_glance_tasks_store': {
            'filesystem_store_datadir': L.path('glance', 'tasks')},
    })


def neutron(L):
    """neutron-server: ML2 with no mechanism driver, no agents.

    Servers boot with ``--nic none``; nova-api still asks neutron for
    every server's ports (security groups in the server view).
    """
    return ini({
        # port_forwarding (and the router it needs) maps the Port model
        # relationship neutron's port listing loads
        'DEFAULT': {'core_plugin': 'ml2',
                    'service_plugins': 'router,port_forwarding',
                    'auth_strategy': 'keystone',
                    'transport_url': transport_url(),
                    'state_path': L.path('neutron'),
                    'api_paste_config': L.etc('neutron-api-paste.ini'),
                    'notify_nova_on_port_status_changes': 'false',
                    'notify_nova_on_port_data_changes': 'false'},
        'database': {'connection': db('neutron')},
        'keystone_authtoken': authtoken('neutron'),
        'nova': dict(auth('nova'), region_name='RegionOne'),
        'oslo_concurrency': {'lock_path': L.path('neutron', 'lock')},
    })


def ml2():
    return ini({
        'ml2': {'type_drivers': 'flat', 'tenant_network_types': '',
                'mechanism_drivers': '', 'extension_drivers': 'port_security'},
        'ml2_type_flat': {'flat_networks': '*'},
    })


NOVA_FILTERS = 'nova.scheduler.filters.all_filters'
RT_FILTER = 'rtnova.scheduler.filters.RealtimeFilter'
# nova 34's default enabled_filters, then rtnova's (scheduler guide)
ENABLED_FILTERS = ('ComputeFilter,ComputeCapabilitiesFilter,'
                   'ImagePropertiesFilter,ServerGroupAntiAffinityFilter,'
                   'ServerGroupAffinityFilter,RealtimeFilter')


def nova_common(L, my_ip, state_path):
    return {
        'DEFAULT': {'transport_url': transport_url(), 'my_ip': my_ip,
                    'state_path': state_path},
        'api_database': {'connection': db('nova_api')},
        'database': {'connection': db('nova')},
        'keystone_authtoken': authtoken('nova'),
        'placement': dict(auth('placement'), region_name='RegionOne'),
        'glance': {'region_name': 'RegionOne'},
        'neutron': dict(auth('neutron'), region_name='RegionOne'),
        'oslo_concurrency': {'lock_path': state_path + '/lock'},
        'oslo_messaging_rabbit': {'heartbeat_in_pthread': 'false'},
    }


def nova_controller(L):
    sections = nova_common(L, lay.CONTROLLER_IP, L.path('nova'))
    sections['wsgi'] = {'api_paste_config': L.etc('api-paste.ini')}
    sections['api'] = {'auth_strategy': 'keystone'}
    sections['filter_scheduler'] = {
        'available_filters': NOVA_FILTERS,
        'enabled_filters': ENABLED_FILTERS,
    }
    # one worker each: this machine has two CPUs
    sections['scheduler'] = {'workers': '1'}
    sections['conductor'] = {'workers': '1'}
    return ini(_multi_filters(sections))


def _multi_filters(sections):
    # available_filters is a MultiStrOpt: one line per value
    fs = sections['filter_scheduler']
    fs['available_filters'] = '%s\navailable_filters = %s' % (
        NOVA_FILTERS, RT_FILTER)
    return sections


def nova_compute(L, host, cpu_mode_flags, rtnova_flags):
    """One compute host's nova.conf (nova-compute as the nova user)."""
    state = L.host(host['name'], 'nova')
    sections = nova_common(L, host['ip'], state)
    conf = L.host(host['name'], 'nova.conf')
    helper = 'sudo %s --config-file %s' % (L.bin('privsep-helper'), conf)
    sections['DEFAULT'].update({
        'host': host['name'],
        'compute_driver': 'rtnova.RealtimeLibvirtDriver',
        # one path on every host, a directory of its own in each host's
        # mount namespace (computes.bind_instances)
        'instances_path': L.path('instances'),
        'initial_cpu_allocation_ratio': '1.0',
    })
    sections['compute'] = {'cpu_dedicated_set': host['dedicated']}
    sections['libvirt'] = dict({
        'virt_type': 'kvm',
        # live migration over libvirt's TCP transport to the destination
        # host's own address (its libvirtd listens there, computes.py);
        # QEMU's migration stream goes to the same address
        'live_migration_scheme': 'tcp',
        'live_migration_inbound_addr': host['ip'],
    }, **cpu_mode_flags)
    sections['workarounds'] = {'disable_rootwrap': 'true'}
    if cpu_mode_flags.get('cpu_mode') == 'none':
        # nova compares the source host's CPU with what the destination's
        # QEMU offers as host-model, which this host's QEMU refuses (the
        # reason for cpu_mode none); libvirt checks the guest's own CPU on
        # the destination when the migration starts
        sections['workarounds']['skip_cpu_compare_on_dest'] = 'true'
    # nova's own context and rtnova's, both through sudo privsep-helper
    sections['nova_sys_admin'] = {'helper_command': helper}
    sections['rtnova_privileged'] = {'helper_command': helper}
    sections['rtnova'] = dict(rtnova_flags)
    if host['emulator_pin_set']:
        sections['rtnova']['emulator_pin_set'] = host['emulator_pin_set']
    return ini(sections)


def rabbitmq(L):
    return '\n'.join([
        'listeners.tcp.1 = %s:%d' % (lay.CONTROLLER_IP,
                                     lay.PORTS['rabbitmq']),
        'default_user = %s' % DB_USER,
        'default_pass = %s' % lay.PASSWORD,
        'loopback_users = none',
        'management.tcp.port = 0',
    ]) + '\n'


def clouds_yaml(L):
    clouds = []
    for cloud, user, project in (('rtnova-admin', 'admin', 'admin'),
                                 ('rtnova-member', 'demo', 'demo')):
        clouds.append('\n'.join([
            '  %s:' % cloud,
            '    auth:',
            '      auth_url: %s' % lay.url('keystone', '/v3'),
            '      username: %s' % user,
            '      password: %s' % lay.PASSWORD,
            '      project_name: %s' % project,
            '      user_domain_name: Default',
            '      project_domain_name: Default',
            '    region_name: RegionOne',
            '    identity_api_version: 3',
        ]))
    return 'clouds:\n' + '\n'.join(clouds) + '\n'


def glance_paste():
    """glance's paste pipeline (its wheel ships none): the keystone flavor."""
    return '\n'.join([
        '[pipeline:glance-api-keystone]',
        'pipeline = versionnegotiation authtoken context rootapp',
        '[composite:rootapp]',
        'paste.composite_factory = glance.api:root_app_factory',
        '/: apiversions', '/v2: apiv2app',
        '[app:apiversions]',
        'paste.app_factory = glance.api.versions:create_resource',
        '[app:apiv2app]',
        'paste.app_factory = glance.api.v2.router:API.factory',
        '[filter:versionnegotiation]',
        'paste.filter_factory = glance.api.middleware.version_negotiation:'
        'VersionNegotiationFilter.factory',
        '[filter:authtoken]',
        'paste.filter_factory = keystonemiddleware.auth_token:filter_factory',
        'delay_auth_decision = true',
        '[filter:context]',
        'paste.filter_factory = glance.api.middleware.context:'
        'ContextMiddleware.factory',
    ]) + '\n'
