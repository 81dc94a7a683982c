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

"""tempest against a running deployment (``python3 -m tools.deploy tempest``).

tempest gets a virtualenv of its own (``tempest/venv`` in the state
directory): it is a client of the deployment's REST APIs, like an
operator's test host, and its requirements would otherwise move libraries
the deployment's venv holds at nova's pins (``pip check`` there stays
clean). The run's ``tempest.conf`` is generated from the deployment (see
:mod:`tools.deploy.tempest_conf`), the workspace lives in
``tempest/workspace`` and the exclude list with one reason a line is
``tools/deploy/tempest-exclude.txt``.
"""

import json
import os
import subprocess
import tempfile
import time
import urllib.request

from tests.realhost import boot_image
from tools.deploy import config
from tools.deploy import layout as lay
from tools.deploy import procs
from tools.deploy import tempest_conf

TEMPEST = 'tempest==47.0.0'
DEFAULT_REGEX = r'^tempest\.api\.compute\.(servers|flavors)\.'
EXCLUDE_LIST = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                            'tempest-exclude.txt')
# every server tempest boots pins one of the tier's dedicated CPUs
# (rt-c1 has one, rt-c2 two): a second worker's servers would not fit
DEFAULT_CONCURRENCY = 1

# nova's API tests read a few lines of console output (length=3 must give
# three lines); the tier's boot sector prints these and halts
CONSOLE_LINES = ['rtnova tempest guest %s' % word
                 for word in ('booted', 'from', 'its', 'boot', 'sector')]
IMAGES = ('rtnova-tempest', 'rtnova-tempest-alt')
# (name, vCPUs, RAM MiB, disk GiB): the alt flavor is the resize target.
# The computes have no cpu_shared_set: every CPU of the tier is a
# dedicated one (PCPU in placement), so tempest's flavors ask for one.
FLAVORS = (('rtnova-tempest', 1, 128, 1), ('rtnova-tempest-alt', 1, 192, 1))


def running(L):
    """True when every daemon the deployment recorded is alive."""
    services = procs.load(L)
    daemons = [s for s in services.values()
               if not s['name'].startswith('libvirtd')]
    return bool(daemons) and all(procs.read_pid(s) for s in daemons)


def venv(L, *parts):
    return L.path('tempest', 'venv', *parts)


def install(L):
    """tempest from PyPI into its own virtualenv under the state dir."""
    if not os.path.exists(venv(L, 'bin', 'python')):
        procs.run(['/usr/bin/python3', '-m', 'venv', venv(L)], 'tempest venv')
    stamp = venv(L, '.rtnova-' + TEMPEST)
    if not os.path.exists(stamp):
        print('installing %s into %s' % (TEMPEST, venv(L)))
        procs.run([venv(L, 'bin', 'pip'), 'install', '-q', TEMPEST],
                  'pip install ' + TEMPEST)
        open(stamp, 'w').close()


def _openstack(L, *args):
    env = {'OS_CLIENT_CONFIG_FILE': L.clouds_yaml, 'OS_CLOUD': 'rtnova-admin'}
    return procs.run([L.bin('openstack')] + list(args),
                     'openstack ' + ' '.join(args), env=env)


def _existing(L, kind, name):
    out = _openstack(L, kind, 'list', '-f', 'json')
    ids = [row['ID'] for row in json.loads(out) if row['Name'] == name]
    return ids[0] if ids else None


def _image(L, name):
    found = _existing(L, 'image', name)
    if found:
        return found
    data = boot_image.boot_sector('\r\n'.join(CONSOLE_LINES))
    with tempfile.NamedTemporaryFile(suffix='.img') as fh:
        fh.write(data)
        fh.flush()
        # the boot sector does not answer ACPI power-off: nova would wait
        # [DEFAULT] shutdown_timeout (60 s) at every stop before it
        # destroys the guest; the image says so, as for any such guest
        out = _openstack(L, 'image', 'create', '--public', '--disk-format',
                         'raw', '--container-format', 'bare', '--file',
                         fh.name, '--property', 'os_shutdown_timeout=0',
                         '-f', 'value', '-c', 'id', name)
    return out.strip()


def _flavor(L, name, vcpus, ram, disk):
    found = _existing(L, 'flavor', name)
    if not found:
        found = _openstack(L, 'flavor', 'create', '--vcpus', str(vcpus),
                           '--ram', str(ram), '--disk', str(disk), '-f',
                           'value', '-c', 'id', name).strip()
    _openstack(L, 'flavor', 'set', found, '--property',
               'hw:cpu_policy=dedicated')
    return found


def resources(L):
    """The images and flavors tempest.conf names (kept between runs)."""
    return {'images': [_image(L, name) for name in IMAGES],
            'flavors': [_flavor(L, *spec) for spec in FLAVORS]}


def max_microversion():
    """The compute API's newest microversion, from its version document."""
    with urllib.request.urlopen(lay.url('nova-api', '/'), timeout=30) as r:
        versions = json.load(r)['versions']
    for version in versions:
        if version['id'] == 'v2.1':
            return version['version']
    raise procs.DeployError('nova-api lists no v2.1 version: %s' % versions)


def workspace(L, *parts):
    return L.path('tempest', 'workspace', *parts)


def _env(L):
    # tempest and stestr keep their files in the state directory, not in
    # root's home
    return {'HOME': L.path('tempest'), 'PATH': venv(L, 'bin') + ':' +
            os.environ.get('PATH', '/usr/bin:/bin')}


def prepare(L):
    """Install tempest, make its resources, write the workspace."""
    install(L)
    ids = resources(L)
    if not os.path.exists(workspace(L, '.stestr.conf')):
        procs.run([venv(L, 'bin', 'tempest'), 'init', '--workspace-path',
                   L.path('tempest', 'workspaces.yaml'), workspace(L)],
                  'tempest init', env=_env(L))
    conf = workspace(L, 'etc', 'tempest.conf')
    config.write(conf, tempest_conf.render(L, ids, max_microversion()))
    return conf


# reads the last run's subunit stream (run by the tempest venv's python:
# subunit and testtools are tempest's requirements)
SUMMARY = r'''
import io, json, subprocess, sys
import subunit, testtools
out = subprocess.run([sys.executable, '-m', 'stestr', 'last', '--subunit'],
                     capture_output=True, check=True).stdout
result = {}
def record(test):
    result[test['id']] = test['status']
sink = testtools.StreamToDict(record)
sink.startTestRun()
subunit.ByteStreamToStreamResult(io.BytesIO(out)).run(sink)
sink.stopTestRun()
json.dump(result, sys.stdout)
'''


def summarize(L, seconds):
    """{'success': [...], 'skip': [...], 'fail': [...], 'seconds': s}."""
    out = procs.run([venv(L, 'bin', 'python'), '-c', SUMMARY],
                    'read the run', cwd=workspace(L), env=_env(L))
    by_status = {'seconds': round(seconds)}
    for test, status in json.loads(out).items():
        by_status.setdefault(status, []).append(test.split('[')[0])
    for tests in by_status.values():
        if isinstance(tests, list):
            tests.sort()
    with open(L.path('tempest', 'last-run.json'), 'w') as fh:
        json.dump(by_status, fh, indent=1)
    return by_status


def run(L, regex=DEFAULT_REGEX, concurrency=DEFAULT_CONCURRENCY,
        exclude_list=EXCLUDE_LIST):
    """Run tempest; 0 when every selected test passed or was skipped."""
    if not running(L):
        raise procs.DeployError(
            'no running deployment in %s: run python3 -m tools.deploy up '
            '--state %s first' % (L.state, L.state))
    conf = prepare(L)
    print('tempest.conf: %s' % conf)
    started = time.monotonic()
    rc = subprocess.run([venv(L, 'bin', 'tempest'), 'run', '--regex', regex,
                         '--exclude-list', exclude_list, '--concurrency',
                         str(concurrency)], cwd=workspace(L),
                        env=dict(os.environ, **_env(L))).returncode
    counts = summarize(L, time.monotonic() - started)
    print('rtnova tempest: %d passed, %d skipped, %d failed in %d s '
          '(%s; details %s)' % (
              len(counts.get('success', [])), len(counts.get('skip', [])),
              len(counts.get('fail', [])), counts['seconds'], regex,
              L.path('tempest', 'last-run.json')))
    return 0 if rc == 0 else 1
