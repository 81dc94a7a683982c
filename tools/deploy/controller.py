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

"""The controller's services: MariaDB, RabbitMQ, keystone, placement,
glance, nova-api (WSGI under uWSGI), nova-conductor and nova-scheduler.

Each listens on the bridge address only (:data:`layout.CONTROLLER_IP`), on
the tier's own ports, with its data under the state directory: the host's
Debian instances (``/var/lib/mysql``, ``/var/lib/rabbitmq``) are not used.
"""

import os
import shutil
import subprocess

from tools.deploy import config
from tools.deploy import layout as lay
from tools.deploy import procs

IP = lay.CONTROLLER_IP
DATABASES = ('keystone', 'placement', 'glance', 'neutron', 'nova_api',
             'nova', 'nova_cell0')


def mariadb(L):
    data = L.path('mysql')
    # mariadbd runs as Debian's mysql user: its socket and pid file live
    # in a directory of its own
    run = L.path('mysql-run')
    sock = os.path.join(run, 'mysql.sock')
    if not os.path.isdir(data):
        for path in (data, run):
            os.makedirs(path, exist_ok=True)
            shutil.chown(path, 'mysql', 'mysql')
        procs.run(['mariadb-install-db', '--no-defaults', '--datadir=' + data,
                   '--user=mysql', '--skip-test-db'], 'mariadb-install-db')
    svc = procs.service('mariadb', [
        shutil.which('mariadbd', path='/usr/sbin:/usr/bin'), '--no-defaults',
        '--datadir=' + data, '--socket=' + sock, '--bind-address=' + IP,
        '--port=%d' % lay.PORTS['mariadb'], '--user=mysql',
        '--pid-file=' + os.path.join(run, 'mariadbd.pid'), '--skip-log-bin',
        '--innodb-buffer-pool-size=64M', '--max-connections=400',
        '--skip-name-resolve'], L, port=lay.PORTS['mariadb'])
    procs.start(L, svc)
    procs.wait_until(svc, procs.port_open(IP, lay.PORTS['mariadb']),
                     'MariaDB port')
    sql = ''.join(
        'CREATE DATABASE IF NOT EXISTS %s;' % name for name in DATABASES)
    sql += ("CREATE USER IF NOT EXISTS '%s'@'%%' IDENTIFIED BY '%s';"
            "GRANT ALL ON *.* TO '%s'@'%%';FLUSH PRIVILEGES;" % (
                config.DB_USER, lay.PASSWORD, config.DB_USER))
    procs.run(['mariadb', '--no-defaults', '-S', sock, '-u', 'root', '-e',
               sql], 'create the databases')


def rabbitmq(L):
    base = L.path('rabbitmq')
    os.makedirs(base, exist_ok=True)
    config.write(L.etc('rabbitmq.conf'), config.rabbitmq(L))
    with open(os.path.join(base, 'enabled_plugins'), 'w') as fh:
        fh.write('[].\n')
    open(os.path.join(base, 'rabbitmq-env.conf'), 'w').close()
    epmd = procs.service('epmd', ['epmd', '-port', str(lay.PORTS['epmd']),
                                  '-address', '127.0.0.1'], L,
                         port=lay.PORTS['epmd'])
    procs.start(L, epmd)
    procs.wait_until(epmd, procs.port_open('127.0.0.1', lay.PORTS['epmd']),
                     'epmd port')
    env = {'HOME': base, 'RABBITMQ_NODENAME': 'rtnova@localhost',
           'RABBITMQ_MNESIA_BASE': os.path.join(base, 'mnesia'),
           'RABBITMQ_LOG_BASE': L.path('log'), 'RABBITMQ_LOGS': '-',
           'RABBITMQ_CONFIG_FILE': L.etc('rabbitmq.conf'),
           'RABBITMQ_ENABLED_PLUGINS_FILE': os.path.join(base,
                                                         'enabled_plugins'),
           'RABBITMQ_CONF_ENV_FILE': os.path.join(base, 'rabbitmq-env.conf'),
           'RABBITMQ_ADVANCED_CONFIG_FILE': os.path.join(base,
                                                         'advanced.config'),
           'RABBITMQ_PID_FILE': L.path('run', 'rabbitmq-beam.pid'),
           'RABBITMQ_DIST_PORT': str(lay.PORTS['rabbitmq_dist']),
           'ERL_EPMD_PORT': str(lay.PORTS['epmd']),
           'ERL_EPMD_ADDRESS': '127.0.0.1'}
    svc = procs.service('rabbitmq', ['/usr/lib/rabbitmq/bin/rabbitmq-server'],
                        L, configs=[L.etc('rabbitmq.conf')], env=env,
                        port=lay.PORTS['rabbitmq'])
    procs.start(L, svc)
    procs.wait_until(svc, procs.port_open(IP, lay.PORTS['rabbitmq']),
                     'AMQP port', timeout=180)


def uwsgi(L, name, module, env, configs, pythonpath=()):
    """A WSGI application under uWSGI: one process, a few threads."""
    port = lay.PORTS[name]
    svc = procs.service(name, [
        L.bin('uwsgi'), '--master', '--die-on-term', '--need-app',
        '--processes', '1', '--threads', '4', '--enable-threads',
        '--lazy-apps', '--buffer-size', '65535',
        # uWSGI's http-socket closes each connection after its response;
        # saying so keeps clients from reusing it (else: connection reset)
        '--add-header', 'Connection: close',
        '--http-socket', '%s:%d' % (IP, port), '--module', module,
        '--venv', L.venv] + [
            arg for path in pythonpath for arg in ('--pythonpath', path)],
        L, configs=configs, env=env, port=port)
    procs.start(L, svc)
    # uWSGI's master opens the port before its worker loads the app
    procs.wait_until(svc, procs.http_answers('http://%s:%d/' % (IP, port)),
                     'HTTP answer')
    return svc


def keystone(L):
    conf = L.etc('keystone.conf')
    config.write(conf, config.keystone(L))
    manage = [L.bin('keystone-manage'), '--config-file', conf]
    for sub in ('fernet', 'credential'):
        os.makedirs(L.path('keystone', sub), exist_ok=True)
    procs.run(manage + ['db_sync'], 'keystone db_sync')
    for setup in ('fernet_setup', 'credential_setup'):
        procs.run(manage + [setup, '--keystone-user', 'root',
                            '--keystone-group', 'root'], 'keystone ' + setup)
    endpoint = lay.url('keystone', '/v3')
    procs.run(manage + [
        'bootstrap', '--bootstrap-password', lay.PASSWORD,
        '--bootstrap-admin-url', endpoint, '--bootstrap-public-url', endpoint,
        '--bootstrap-internal-url', endpoint,
        '--bootstrap-region-id', 'RegionOne'], 'keystone bootstrap')
    uwsgi(L, 'keystone', 'keystone.wsgi.api:application',
          {'OS_KEYSTONE_CONFIG_DIR': L.etc(),
           'OS_KEYSTONE_CONFIG_FILES': 'keystone.conf'}, [conf])


def admin_env(L):
    return {'OS_CLIENT_CONFIG_FILE': L.clouds_yaml,
            'OS_CLOUD': 'rtnova-admin'}


def openstack(L, *args):
    return procs.run([L.bin('openstack')] + list(args),
                     'openstack ' + ' '.join(args), env=admin_env(L))


def identity(L):
    """Projects, users, services and endpoints (the catalog)."""
    config.write(L.clouds_yaml, config.clouds_yaml(L), 0o644)
    os_ = lambda *a: openstack(L, *a)  # noqa: E731
    os_('project', 'create', '--or-show', 'service')
    os_('project', 'create', '--or-show', 'demo')
    os_('user', 'create', '--or-show', '--password', lay.PASSWORD,
        '--project', 'demo', 'demo')
    os_('role', 'add', '--project', 'demo', '--user', 'demo', 'member')
    for user, kind, name in (('placement', 'placement', 'placement'),
                             ('glance', 'image', 'glance'),
                             ('neutron', 'network', 'neutron'),
                             ('nova', 'compute', 'nova')):
        os_('user', 'create', '--or-show', '--password', lay.PASSWORD, user)
        # 'service': neutron's auth_token middleware refuses nova's
        # service token without it (401 on every server listing)
        for role in ('admin', 'service'):
            os_('role', 'add', '--project', 'service', '--user', user, role)
        env = dict(os.environ, **admin_env(L))
        if subprocess.run([L.bin('openstack'), 'service', 'show', name],
                          capture_output=True, env=env).returncode == 0:
            continue
        os_('service', 'create', '--name', name, kind)
        path = '/v2.1' if kind == 'compute' else ''
        key = 'nova-api' if kind == 'compute' else name
        for interface in ('public', 'internal'):
            os_('endpoint', 'create', '--region', 'RegionOne', kind,
                interface, lay.url(key, path))


def placement(L):
    conf = L.etc('placement.conf')
    config.write(conf, config.placement(L))
    procs.run([L.bin('placement-manage'), '--config-file', conf, 'db',
               'sync'], 'placement db sync')
    uwsgi(L, 'placement', 'placement.wsgi.api:application',
          {'OS_PLACEMENT_CONFIG_DIR': L.etc()}, [conf])


def glance(L):
    conf = L.etc('glance-api.conf')
    config.write(conf, config.glance(L))
    config.write(L.etc('glance-api-paste.ini'), config.glance_paste())
    procs.run([L.bin('glance-manage'), '--config-file', conf, 'db_sync'],
              'glance db_sync')
    uwsgi(L, 'glance', 'glance.wsgi.api:application',
          {'OS_GLANCE_CONFIG_DIR': L.etc()},
          [conf, L.etc('glance-api-paste.ini')])


def neutron(L, checkout):
    conf, plugin = L.etc('neutron.conf'), L.etc('ml2_conf.ini')
    os.makedirs(L.path('neutron', 'lock'), exist_ok=True)
    config.write(conf, config.neutron(L))
    config.write(plugin, config.ml2())
    shutil.copy(L.path('venv', 'etc', 'neutron', 'api-paste.ini'),
                L.etc('neutron-api-paste.ini'))
    procs.run([L.bin('neutron-db-manage'), '--config-file', conf,
               '--config-file', plugin, 'upgrade', 'heads'],
              'neutron-db-manage upgrade heads')
    uwsgi(L, 'neutron', 'tools.deploy.neutron_app:application',
          {'OS_NEUTRON_CONFIG_DIR': L.etc(),
           'OS_NEUTRON_CONFIG_FILES': 'neutron.conf;ml2_conf.ini'},
          [conf, plugin, L.etc('neutron-api-paste.ini')],
          pythonpath=[checkout])


def nova(L):
    conf = L.etc('nova.conf')
    os.makedirs(L.path('nova', 'lock'), exist_ok=True)
    config.write(conf, config.nova_controller(L))
    manage = [L.bin('nova-manage'), '--config-file', conf]
    procs.run(manage + ['api_db', 'sync'], 'nova-manage api_db sync')
    procs.run(manage + ['cell_v2', 'map_cell0'], 'nova-manage map_cell0')
    res = subprocess.run(manage + ['cell_v2', 'list_cells'],
                         capture_output=True, text=True)
    if ' cell1 ' not in res.stdout:
        procs.run(manage + ['cell_v2', 'create_cell', '--name', 'cell1'],
                  'nova-manage create_cell')
    procs.run(manage + ['db', 'sync'], 'nova-manage db sync')
    # nova's WSGI app reads its paste pipeline from the first file
    shutil.copy(L.path('venv', 'etc', 'nova', 'api-paste.ini'),
                L.etc('api-paste.ini'))
    uwsgi(L, 'nova-api', 'nova.wsgi.osapi_compute:application',
          {'OS_NOVA_CONFIG_DIR': L.etc(),
           'OS_NOVA_CONFIG_FILES': 'api-paste.ini;nova.conf'},
          [conf, L.etc('api-paste.ini')])
    for name in ('nova-conductor', 'nova-scheduler'):
        procs.start(L, procs.service(
            name, [L.bin(name), '--config-file', conf], L, configs=[conf]))


def discover_hosts(L):
    procs.run([L.bin('nova-manage'), '--config-file', L.etc('nova.conf'),
               'cell_v2', 'discover_hosts', '--verbose'],
              'nova-manage discover_hosts')


def up(L, checkout):
    mariadb(L)
    rabbitmq(L)
    keystone(L)
    identity(L)
    placement(L)
    glance(L)
    neutron(L, checkout)
    nova(L)
