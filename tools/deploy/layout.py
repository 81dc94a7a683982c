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

"""Where the deployment tier puts things: state directory, addresses, ports.

Everything the tier writes lives under the state directory (default
``/var/tmp/rtnova-deploy``) except what Linux keeps elsewhere by nature and
``down`` removes by name: the ``nova`` system user, one sudoers drop-in,
the network namespaces with their veth pairs and one bridge.
"""

import os

DEFAULT_STATE = '/var/tmp/rtnova-deploy'

#: the bridge the compute namespaces hang on; the controller's services
#: listen on its address (an address of this tier only, not the host's)
BRIDGE = 'rtnova-br0'
SUBNET = '10.231.16.%d'
CONTROLLER_IP = SUBNET % 1
PREFIXLEN = 24

PORTS = {
    'mariadb': 13306,
    'rabbitmq': 35672,
    'rabbitmq_dist': 35673,
    'epmd': 34369,
    'keystone': 15000,
    'placement': 18778,
    'glance': 19292,
    'neutron': 19696,
    'nova-api': 18774,
}

NOVA_USER = 'nova'
SUDOERS = '/etc/sudoers.d/rtnova-deploy'
PASSWORD = 'rtnova-secret'

#: the compute hosts: name (netns, hostname, nova host), address,
#: nova's [compute] cpu_dedicated_set and rtnova's emulator pool.
#: This machine has two CPUs; every "host" shares them (see deploying.rst):
#: rt-c1 and rt-c2 mirror each other so that a pool guest can move between
#: two pool hosts and land on other CPUs; rt-c3 has two dedicated CPUs for
#: the seeds' 2-vCPU flavor.
COMPUTES = (
    {'name': 'rt-c1', 'ip': SUBNET % 11, 'veth': 'rtnova-c1',
     'dedicated': '1', 'emulator_pin_set': '0'},
    {'name': 'rt-c2', 'ip': SUBNET % 12, 'veth': 'rtnova-c2',
     'dedicated': '0', 'emulator_pin_set': '1'},
    {'name': 'rt-c3', 'ip': SUBNET % 13, 'veth': 'rtnova-c3',
     'dedicated': '0-1', 'emulator_pin_set': None},
)


class Layout(object):
    """Paths under one state directory."""

    def __init__(self, state):
        self.state = os.path.abspath(state)

    def path(self, *parts):
        return os.path.join(self.state, *parts)

    @property
    def venv(self):
        return self.path('venv')

    def bin(self, name):
        return self.path('venv', 'bin', name)

    def etc(self, *parts):
        return self.path('etc', *parts)

    def log(self, name):
        return self.path('log', '%s.log' % name)

    def pidfile(self, name):
        return self.path('run', '%s.pid' % name)

    def host(self, name, *parts):
        return self.path('hosts', name, *parts)

    @property
    def services_json(self):
        return self.path('services.json')

    @property
    def clouds_yaml(self):
        return self.path('clouds.yaml')


def url(service, path=''):
    return 'http://%s:%d%s' % (CONTROLLER_IP, PORTS[service], path)
