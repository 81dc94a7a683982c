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

"""What the tier installs: Debian packages (kept) and one virtualenv (in
the state directory, removed by ``down``).

The Debian packages are bindep.txt's ``deploy`` profile; their own system
instances are never started: while apt runs, a policy-rc.d that refuses
every start is in place unless the host already has one.
"""

import glob
import hashlib
import os
import re
import shutil
import subprocess

from tools.deploy import procs

POLICY_RC = '/usr/sbin/policy-rc.d'
# nova, the services and the client, at the series rtnova is pinned to
# (design notes: these install together with pip check clean)
PYPI = ('nova==34.0.0', 'keystone==30.0.0', 'glance==33.0.0',
        'openstack-placement==16.0.0', 'neutron==29.0.0',
        'python-openstackclient==10.5.0',
        'osc-placement', 'uWSGI==2.0.31', 'PyMySQL',
        # builds rtnova's wheel (pbr's setup.py bdist_wheel)
        'wheel',
        # the guest CPU mode probe reuses the real-host tier's domain XML
        # (tests/realhost/fixtures.py imports testtools)
        'testtools')


def deploy_packages(checkout):
    """Debian packages of bindep.txt's ``deploy`` profile."""
    with open(os.path.join(checkout, 'bindep.txt')) as fh:
        return [m.group(1) for m in (
            re.match(r'^([a-z0-9][a-z0-9.+-]*) .*\[.*deploy.*\]', line)
            for line in fh) if m]


def system_packages(checkout):
    missing = [p for p in deploy_packages(checkout) if subprocess.run(
        ['dpkg-query', '-W', '-f=${Status}', p], capture_output=True,
        text=True).stdout.find('ok installed') < 0]
    if not missing:
        return
    print('installing Debian packages: %s' % ' '.join(missing))
    own_policy = not os.path.exists(POLICY_RC)
    if own_policy:
        with open(POLICY_RC, 'w') as fh:
            fh.write('#!/bin/sh\n# rtnova deploy: no system instances\n'
                     'exit 101\n')
        os.chmod(POLICY_RC, 0o755)
    try:
        env = {'DEBIAN_FRONTEND': 'noninteractive'}
        procs.run(['apt-get', 'update', '-qq'], 'apt-get update', env=env)
        procs.run(['apt-get', 'install', '-y', '-qq',
                   '--no-install-recommends'] + missing, 'apt-get install',
                  env=env)
    finally:
        if own_policy:
            os.unlink(POLICY_RC)


def virtualenv(L, checkout):
    """One venv: the services from PyPI, rtnova from a wheel of checkout."""
    if not os.path.exists(L.bin('python')):
        # Debian's python3: the nova user must be able to run it
        procs.run(['/usr/bin/python3', '-m', 'venv', L.venv], 'venv')
    with open(os.path.join(checkout, 'requirements.txt'), 'rb') as fh:
        wanted = fh.read() + ' '.join(PYPI).encode()
    stamp = L.path('venv', '.rtnova-deploy-' +
                   hashlib.sha1(wanted).hexdigest()[:12])
    if not os.path.exists(stamp):
        print('installing nova, keystone, glance, placement, uWSGI into %s'
              % L.venv)
        procs.run([L.bin('pip'), 'install', '-q', '-r',
                   os.path.join(checkout, 'requirements.txt')] + list(PYPI),
                  'pip install')
        open(stamp, 'w').close()
    dist = L.path('dist')
    shutil.rmtree(dist, ignore_errors=True)
    procs.run([L.bin('pip'), 'wheel', '-q', '--no-deps', '-w', dist,
               checkout], 'build the rtnova wheel')
    wheel = glob.glob(os.path.join(dist, 'rtnova-*.whl'))
    procs.run([L.bin('pip'), 'install', '-q', '--no-deps',
               '--force-reinstall'] + wheel, 'pip install rtnova wheel')
    procs.run([L.bin('pip'), 'check'], 'pip check')


def remove_state(L):
    shutil.rmtree(L.state, ignore_errors=True)
