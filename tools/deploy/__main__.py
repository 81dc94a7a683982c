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

"""The deployment tier's command line (run as root from a checkout).

    python3 -m tools.deploy up [--state DIR]     install, start everything
    python3 -m tools.deploy status [--state DIR] pid, command, config, log
    python3 -m tools.deploy stop|start NAME      one service on its own
    python3 -m tools.deploy down [--state DIR]   stop all, remove it all
    python3 -m tools.deploy tempest [--regex R]  tempest's compute API tests

Exit status: 0 done, 1 a step failed (the message names it and its log),
2 bad usage.
"""

import argparse
import os
import sys
import time

from tools.deploy import computes
from tools.deploy import controller
from tools.deploy import install
from tools.deploy import layout as lay
from tools.deploy import procs
from tools.deploy import tempest


def _up(L, args):
    started = time.monotonic()
    os.makedirs(L.state, exist_ok=True)
    os.chmod(L.state, 0o755)
    for sub in ('etc', 'log', 'run'):
        os.makedirs(L.path(sub), exist_ok=True)
    install.system_packages(args.checkout)
    install.virtualenv(L, args.checkout)
    computes.network(L)
    controller.up(L, args.checkout)
    computes.up(L, args.checkout)
    controller.discover_hosts(L)
    print(usage(L, time.monotonic() - started))


def usage(L, seconds):
    return '\n'.join([
        'rtnova deployment up in %.0f s (state: %s)' % (seconds, L.state),
        '',
        '  export OS_CLIENT_CONFIG_FILE=%s' % L.clouds_yaml,
        '  export OS_CLOUD=rtnova-admin    # or rtnova-member (project demo)',
        '  export PATH=%s:$PATH' % L.bin(''),
        '  openstack compute service list',
        '',
        'Services (command, config, log): python3 -m tools.deploy status '
        '--state %s' % L.state,
        'Compute hosts: ssh -i %s -o UserKnownHostsFile=%s root@ADDRESS '
        '(%s)' % (
            L.path('ssh', 'id_ed25519'), L.path('ssh', 'known_hosts'),
            ', '.join('%s: %s' % (h['name'], h['ip'])
                      for h in lay.COMPUTES)),
        'Take it down: python3 -m tools.deploy down --state %s' % L.state])


def _status(L, args):
    services = procs.load(L)
    if not services:
        print('no deployment in %s' % L.state)
        return 1
    for name, svc in services.items():
        pid = procs.read_pid(svc)
        print('%-16s %s' % (name, 'running, pid %d' % pid if pid
                            else 'stopped'))
        print('  command: %s' % ' '.join(svc['argv']))
        for key, value in sorted(svc['env'].items()):
            if key.startswith('OS_'):
                print('  env:     %s=%s' % (key, value))
        for conf in svc['configs']:
            print('  config:  %s' % conf)
        print('  log:     %s' % svc['log'])
    return 0


def _one(L, args, action):
    services = procs.load(L)
    if args.name not in services:
        print('no service %r; known: %s' % (args.name, ', '.join(services)),
              file=sys.stderr)
        return 2
    svc = services[args.name]
    if action == 'stop':
        procs.stop(svc)
    else:
        computes.refresh(L, svc)
        procs.start(L, svc)
    return 0


def _down(L, args):
    started = time.monotonic()
    computes.down(L)
    for svc in reversed(list(procs.load(L).values())):
        if procs.read_pid(svc):
            began = time.monotonic()
            procs.stop(svc)
            print('stopped %s (%.1f s)' % (svc['name'],
                                           time.monotonic() - began))
    computes.network_down(L)
    computes.user_down(L)
    install.remove_state(L)
    print('rtnova deployment down in %.0f s; removed %s' % (
        time.monotonic() - started, L.state))


def main(argv=None):
    parser = argparse.ArgumentParser(prog='python3 -m tools.deploy')
    parser.add_argument('command',
                        choices=('up', 'down', 'status', 'stop', 'start',
                                 'tempest'))
    parser.add_argument('name', nargs='?', help='service (stop, start)')
    parser.add_argument('--state', default=lay.DEFAULT_STATE,
                        help='state directory (default %(default)s)')
    parser.add_argument('--checkout', default=os.path.dirname(os.path.dirname(
        os.path.dirname(os.path.abspath(__file__)))),
        help='the rtnova checkout to build and install')
    parser.add_argument('--regex', default=tempest.DEFAULT_REGEX,
                        help='tempest: tests to run (default %(default)s)')
    parser.add_argument('--concurrency', type=int,
                        default=tempest.DEFAULT_CONCURRENCY,
                        help='tempest: workers (default %(default)s)')
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print('the deployment tier runs as root (it starts daemons, '
              'namespaces and a user)', file=sys.stderr)
        return 2
    if args.concurrency < 1:
        parser.error('--concurrency must be 1 or more')
    if args.command in ('stop', 'start') and not args.name:
        parser.error('%s needs a service name' % args.command)
    L = lay.Layout(args.state)
    try:
        if args.command == 'up':
            return _up(L, args) or 0
        if args.command == 'down':
            return _down(L, args) or 0
        if args.command == 'status':
            return _status(L, args)
        if args.command == 'tempest':
            return tempest.run(L, args.regex, args.concurrency)
        return _one(L, args, args.command)
    except procs.DeployError as exc:
        print('rtnova deploy %s: %s' % (args.command, exc), file=sys.stderr)
        return 1


if __name__ == '__main__':
    sys.exit(main())
