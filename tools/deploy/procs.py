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

"""The tier's processes: each a session of its own with a pid file and a log.

A service is plain data (name, argv, env, config files, log) recorded in
``services.json``, so an operator can stop, start or reconfigure one
service on its own (``python -m tools.deploy stop|start NAME``) and see its
command line, config and log (``python -m tools.deploy status``).
"""

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request


class DeployError(Exception):
    """A step of up/down failed; the message says which and where to look."""


def load(layout):
    try:
        with open(layout.services_json) as fh:
            return json.load(fh)
    except FileNotFoundError:
        return {}


def record(layout, service):
    services = load(layout)
    services[service['name']] = service
    tmp = layout.services_json + '.tmp'
    with open(tmp, 'w') as fh:
        json.dump(services, fh, indent=1)
    os.replace(tmp, layout.services_json)


def service(name, argv, layout, configs=(), env=None, port=None, host=None):
    return {'name': name, 'argv': list(argv), 'env': dict(env or {}),
            'configs': list(configs), 'log': layout.log(name),
            'pidfile': layout.pidfile(name), 'port': port, 'host': host}


def read_pid(svc):
    try:
        with open(svc['pidfile']) as fh:
            pid = int(fh.read().strip())
    except (OSError, ValueError):
        return None
    return pid if alive(pid) else None


def alive(pid):
    try:
        with open('/proc/%d/stat' % pid) as fh:
            return fh.read().rpartition(')')[2].split()[0] != 'Z'
    except OSError:
        return False


def start(layout, svc):
    """Start ``svc`` (recorded first) unless it runs; returns its pid."""
    record(layout, svc)
    pid = read_pid(svc)
    if pid:
        return pid
    env = dict(os.environ)
    env.update(svc['env'])
    with open(svc['log'], 'ab') as log:
        proc = subprocess.Popen(svc['argv'], env=env, stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True, cwd=layout.state)
    with open(svc['pidfile'], 'w') as fh:
        fh.write('%d\n' % proc.pid)
    return proc.pid


def stop(svc, timeout=30):
    """SIGTERM the service's process group, SIGKILL what outlives timeout."""
    pid = read_pid(svc)
    if pid:
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10)):
            try:
                os.killpg(pid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and _group_alive(pid):
                time.sleep(0.2)
            if not _group_alive(pid):
                break
    try:
        os.unlink(svc['pidfile'])
    except FileNotFoundError:
        pass


def _group_alive(pgid):
    for entry in os.listdir('/proc'):
        if entry.isdigit():
            try:
                with open('/proc/%s/stat' % entry) as fh:
                    fields = fh.read().rpartition(')')[2].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != 'Z':
                return True
    return False


def log_tail(svc, lines=15):
    try:
        with open(svc['log'], errors='replace') as fh:
            return ''.join(fh.readlines()[-lines:])
    except OSError:
        return '(no log)'


def wait_until(svc, ready, what, timeout=120):
    """Poll ``ready()``; fail at once, with the log's tail, if svc died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if ready():
            return
        if not read_pid(svc):
            raise DeployError('%s exited before %s; its log %s ends:\n%s' % (
                svc['name'], what, svc['log'], log_tail(svc)))
        time.sleep(0.5)
    raise DeployError('%s: no %s after %ds; its log %s ends:\n%s' % (
        svc['name'], what, timeout, svc['log'], log_tail(svc)))


def port_open(host, port):
    def ready():
        try:
            socket.create_connection((host, port), timeout=1).close()
            return True
        except OSError:
            return False
    return ready


def http_answers(url):
    """Ready when ``url`` answers HTTP at all (401 and 300 included)."""
    def ready():
        try:
            urllib.request.urlopen(url, timeout=5).close()
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False
        return True
    return ready


def run(argv, what, env=None, **kwargs):
    """A one-shot command; a failure names the step and shows its output."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    res = subprocess.run(argv, env=full_env, capture_output=True, text=True,
                         **kwargs)
    if res.returncode != 0:
        raise DeployError('%s failed (exit %d): %s\n%s%s' % (
            what, res.returncode, ' '.join(argv), res.stdout[-2000:],
            res.stderr[-3000:]))
    return res.stdout
