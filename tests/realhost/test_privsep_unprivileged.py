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


"""rtnova's privsep entrypoints work for a client that is not root.

As nova-compute runs in production: the client runs as ``nobody`` and
starts rtnova's privsep daemon with ``sudo privsep-helper`` (a sudoers
drop-in this test writes and removes). Through the daemon it pins and
makes SCHED_FIFO a thread of a root process that holds every capability,
reads that process' ``numa_maps`` and points an interrupt at a CPU, none of
which it may do itself (checked first). The daemon runs as uid 0 with
CAP_SYS_NICE and CAP_SYS_PTRACE only, and goes away with its client.

Touches host-wide state (an IRQ's affinity, restored; a sudoers file,
removed): run it under ``flock /work/realhost.lock``.
"""

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import time

import fixtures
import testtools

from rtnova.hostfs import host_reader

USER = 'nobody'
CONTEXT = 'rtnova.privsep.context.host_pctxt'
HELPER = os.path.join(os.path.dirname(sys.executable), 'privsep-helper')
SUDOERS = '/etc/sudoers.d/rtnova-privsep-test-%d' % os.getpid()
# CAP_SYS_PTRACE (19) and CAP_SYS_NICE (23)
EXPECTED_CAPS = (1 << 19) | (1 << 23)
# a root process with a second thread, as QEMU has vCPU threads
TARGET = ('import threading, time; '
          'threading.Thread(target=time.sleep, args=(600,)).start(); '
          'time.sleep(600)')
CLIENT = os.path.join(os.path.dirname(__file__), 'privsep_client.py')
SITE_PACKAGES = sysconfig.get_paths()['purelib']


def _client_python():
    """An interpreter ``USER`` may run, of this one's version.

    On this machine the venv's interpreter lives under /root (mode 0700),
    where nobody may not go; the system's python3 of the same minor version
    then runs the client, with the venv's packages on its path.
    """
    version = 'python%d.%d' % sys.version_info[:2]
    for python in (sys.executable, os.path.join('/usr/bin', version)):
        try:
            subprocess.run([python, '-c', 'pass'], user=USER,
                           group='nogroup', extra_groups=[], cwd='/',
                           capture_output=True, check=True)
        except (OSError, subprocess.CalledProcessError):
            continue
        return python
    return None


def _missing():
    if os.geteuid() != 0:
        return 'root (the test writes a sudoers drop-in)'
    if not shutil.which('sudo') or not shutil.which('visudo'):
        return 'sudo (bindep.txt; tools/install.sh installs it)'
    if not os.path.exists(HELPER):
        return 'privsep-helper next to %s (oslo.privsep)' % sys.executable
    # sudo drops PYTHONPATH: the helper imports the installed rtnova
    probe = subprocess.run(
        [sys.executable, '-c', 'import rtnova.privsep.host'], cwd='/',
        env={'PATH': os.environ.get('PATH', '')}, capture_output=True)
    if probe.returncode:
        return ('rtnova installed in %s (tools/install.sh)'
                % os.path.dirname(os.path.dirname(sys.executable)))
    if _client_python() is None:
        return 'a python%d.%d that %s may run' % (
            sys.version_info[0], sys.version_info[1], USER)
    return None


class SudoersDropIn(fixtures.Fixture):
    """Lets ``USER`` run this venv's privsep-helper for rtnova's context."""

    def _setUp(self):
        rule = ('%s ALL=(root) NOPASSWD: %s --privsep_context %s '
                '--privsep_sock_path /tmp/*\n' % (USER, HELPER, CONTEXT))
        with tempfile.NamedTemporaryFile('w', dir='/etc/sudoers.d',
                                         prefix='.rtnova-', delete=False) \
                as fh:
            fh.write(rule)
        self.addCleanup(_remove, fh.name)
        os.chmod(fh.name, 0o440)
        # a broken drop-in would break sudo for everyone: check it first
        subprocess.run(['visudo', '-cqf', fh.name], check=True)
        os.rename(fh.name, SUDOERS)
        self.addCleanup(_remove, SUDOERS)


def _remove(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _writable_irq():
    """(irq, its affinity list) of an interrupt root may re-point."""
    for name in sorted(os.listdir('/proc/irq'), key=lambda n: (len(n), n)):
        path = '/proc/irq/%s/smp_affinity_list' % name
        if not name.isdigit() or not os.path.exists(path):
            continue
        with open(path) as fh:
            current = fh.read().strip()
        if ',' in current or '-' not in current:
            continue
        try:
            with open(path, 'w') as fh:
                fh.write(current + '\n')
        except OSError:
            # managed by the kernel (EIO) or not settable
            continue
        return int(name), current
    return None, None


class TestPrivsepUnprivileged(testtools.TestCase):

    def setUp(self):
        super().setUp()
        missing = _missing()
        if missing:
            self.skipTest('needs ' + missing)
        self.useFixture(SudoersDropIn())
        self.target = subprocess.Popen([sys.executable, '-c', TARGET])
        self.addCleanup(self._end, self.target)
        self.pid = self.target.pid
        # the second thread: a non-main thread, as a vCPU is
        self.tid = self._second_thread(self.pid)
        self.irq, self.irq_before = _writable_irq()
        if self.irq is None:
            self.skipTest('needs an interrupt whose affinity root may set')
        self.addCleanup(self._restore_irq)

    def _second_thread(self, pid):
        # the target starts its thread right after the interpreter is up
        deadline = time.monotonic() + 30
        tids = []
        while len(tids) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
            tids = host_reader.HostReader().thread_ids(pid)
        self.assertEqual(2, len(tids), 'the target has no second thread')
        return tids[1]

    def _restore_irq(self):
        with open('/proc/irq/%d/smp_affinity_list' % self.irq, 'w') as fh:
            fh.write(self.irq_before + '\n')

    @staticmethod
    def _end(proc):
        if proc.poll() is None:
            proc.kill()
        proc.wait()

    def _run_client(self, cpu):
        args = {'pid': self.pid, 'tid': self.tid, 'cpu': cpu,
                'irq': self.irq, 'priority': 7,
                'helper_command': 'sudo -n %s' % HELPER}
        # the installed rtnova (as the helper imports it), not this tree
        client = subprocess.Popen(
            [_client_python(), CLIENT, json.dumps(args)],
            user=USER, group='nogroup', extra_groups=[], cwd='/',
            env={'PATH': '/usr/bin:/bin', 'PYTHONPATH': SITE_PACKAGES},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(self._end, client)
        line = client.stdout.readline()
        if not line:
            client.stdin.close()
            self.fail('the client failed: %s' % client.stderr.read())
        return client, json.loads(line)

    def test_unprivileged_client_places_thread_reads_maps_steers_irq(self):
        cpu = 1 if 1 in os.sched_getaffinity(self.tid) else 0
        client, out = self._run_client(cpu)
        # the client is nobody, and may do none of it itself
        self.assertEqual(65534, out['uid'])
        self.assertEqual({'affinity': 1, 'numa_maps': 13, 'irq': 13},
                         out['direct'])
        # through the daemon: pinned, FIFO 7, maps read, IRQ re-pointed
        thread = [t for t in host_reader.HostReader().process_threads(self.pid)
                  if t.tid == self.tid][0]
        self.assertEqual((frozenset({cpu}), 'fifo', 7),
                         (thread.affinity, thread.policy, thread.priority))
        own = [m.address for m in host_reader.HostReader().numa_maps(self.pid)]
        self.assertEqual(own, out['numa_maps'])
        with open('/proc/irq/%d/smp_affinity_list' % self.irq) as fh:
            self.assertEqual(str(cpu), fh.read().strip())
        # one daemon, uid 0, with CAP_SYS_NICE and CAP_SYS_PTRACE only
        self.assertEqual(1, len(out['daemons']), out['daemons'])
        daemon = out['daemons'][0]
        # a pidfd becomes readable when the process ends (not our child)
        pidfd = os.pidfd_open(daemon)
        self.addCleanup(os.close, pidfd)
        self.addCleanup(self._kill_daemon, pidfd)
        status = host_reader.HostReader().status(daemon)
        self.assertEqual('0', status['Uid'].split()[1])
        self.assertEqual(EXPECTED_CAPS, int(status['CapEff'], 16))
        self.assertEqual(EXPECTED_CAPS, int(status['CapPrm'], 16))
        # the daemon ends with its client
        client.stdin.close()
        self.assertEqual(0, client.wait(30), client.stderr.read())
        ended, _, _ = select.select([pidfd], [], [], 30)
        self.assertEqual([pidfd], ended,
                         'the privsep daemon outlived its client')

    @staticmethod
    def _kill_daemon(pidfd):
        ended, _, _ = select.select([pidfd], [], [], 0)
        if not ended:
            signal.pidfd_send_signal(pidfd, signal.SIGKILL)
