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

"""A real libvirtd + QEMU/KVM for the real-host test tier.

What it takes on these machines (Debian 12 with libvirt 9.0 and QEMU 7.2
installed, but no systemd and package scripts that did not run):

* the ``libvirt-qemu`` user and the ``kvm``/``libvirt-qemu`` groups libvirt
  resolves at start-up, even when qemu.conf names another user;
* ``user``/``group = "root"`` in /etc/libvirt/qemu.conf (QEMU must open
  /dev/kvm and the hugetlbfs mount as root here);
* ``cgroup_controllers`` without ``cpu``: this kernel has
  ``CONFIG_RT_GROUP_SCHED``, and libvirt's per-domain ``cpu`` cgroups get a
  real-time budget of 0 us, so every ``<vcpusched scheduler='fifo'>`` fails
  with "Cannot set scheduler parameters: Operation not permitted";
* /var/log/libvirt and /var/lib/libvirt/qemu, ``virtlogd -d``, then
  ``libvirtd -d``;
* hugetlbfs on /dev/hugepages and some reserved 2 MiB pages.

``<cpu mode='host-passthrough'>`` does not work here (use the default CPU
model) and ``<locked/>`` fails (RLIMIT_MEMLOCK cannot be raised in this
sandbox); a firmware-only domain (no disk) starts.

Several test processes (stestr workers, other engineers' runs) may use the
daemon at once, so what the fixture starts or changes is recorded in a
state file under a lock and undone only by the last user.
"""

import contextlib
import fcntl
import json
import os
import shutil
import signal
import subprocess
import time
import uuid

import fixtures
import testtools

try:
    import libvirt
except ImportError:  # pragma: no cover - reported as a skip reason
    libvirt = None

URI = 'qemu:///system'
QEMU_CONF = '/etc/libvirt/qemu.conf'
STATE_DIR = '/run/rtnova-realhost'
HUGEPAGES_2M = '/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages'
HUGETLBFS = '/dev/hugepages'
DOMAIN_PREFIX = 'rtnova-test-'
# qemu.conf settings the tier needs, and why (see the module docstring)
QEMU_CONF_SETTINGS = (
    ('user', '"root"'),
    ('group', '"root"'),
    ('cgroup_controllers',
     '[ "cpuset", "memory", "devices", "blkio", "cpuacct" ]'),
)
PROGRAMS = {
    'libvirtd': 'libvirt-daemon (provides libvirtd)',
    'virtlogd': 'libvirt-daemon (provides virtlogd)',
    'qemu-system-x86_64': 'qemu-system-x86 (provides qemu-system-x86_64)',
}
DAEMON_PIDFILES = {'virtlogd': '/run/virtlogd.pid',
                   'libvirtd': '/run/libvirtd.pid'}


def _which(program):
    return shutil.which(program, path=os.environ.get('PATH', '') +
                        ':/usr/sbin:/sbin:/usr/bin')


def missing_prerequisites():
    """What this machine lacks for a real libvirtd + KVM (empty if none)."""
    missing = []
    if os.geteuid() != 0:
        missing.append('root privileges (run the real-host tier as root)')
    if not os.path.exists('/dev/kvm'):
        missing.append('/dev/kvm (no KVM: enable virtualization or nested '
                       'virtualization)')
    elif not os.access('/dev/kvm', os.R_OK | os.W_OK):
        missing.append('read/write access to /dev/kvm')
    for program, package in sorted(PROGRAMS.items()):
        if not _which(program):
            missing.append('%s: install package %s (tools/install.sh reads '
                           'bindep.txt)' % (program, package))
    if libvirt is None:
        missing.append('libvirt-python (pip install libvirt-python)')
    return missing


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _daemon_pid(name):
    """pid of a running daemon from its pidfile, else None."""
    try:
        with open(DAEMON_PIDFILES[name]) as fh:
            pid = int(fh.read().strip())
    except (OSError, ValueError):
        return None
    if not _pid_alive(pid):
        return None
    try:
        with open('/proc/%d/comm' % pid) as fh:
            if fh.read().strip() != name:
                return None
    except OSError:
        return None
    return pid


def edit_qemu_conf(path=QEMU_CONF, settings=QEMU_CONF_SETTINGS):
    """Set ``settings`` in qemu.conf, keeping every other line.

    Idempotent: returns True only when the file changed.
    """
    try:
        with open(path) as fh:
            lines = fh.read().splitlines()
    except FileNotFoundError:
        lines = []
    wanted = dict(settings)
    seen = set()
    out = []
    for line in lines:
        key = line.split('=', 1)[0].strip()
        if '=' in line and not line.lstrip().startswith('#') and \
                key in wanted:
            if key in seen:
                continue
            seen.add(key)
            out.append('%s = %s' % (key, wanted[key]))
        else:
            out.append(line)
    for key, value in settings:
        if key not in seen:
            out.append('%s = %s' % (key, value))
    if out == lines:
        return False
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w') as fh:
        fh.write('\n'.join(out) + '\n')
    return True


def _ensure_accounts():
    """The user and groups libvirt's QEMU driver resolves at start-up."""
    for group in ('kvm', 'libvirt-qemu'):
        if subprocess.run(['getent', 'group', group],
                          stdout=subprocess.DEVNULL).returncode:
            subprocess.run(['groupadd', '-r', group], check=True)
    if subprocess.run(['getent', 'passwd', 'libvirt-qemu'],
                      stdout=subprocess.DEVNULL).returncode:
        subprocess.run(['useradd', '-r', '-g', 'kvm', '-d', '/var/lib/libvirt',
                        '-s', '/usr/sbin/nologin', 'libvirt-qemu'],
                       check=True)


def _wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise RuntimeError('timed out after %ss waiting for %s' % (timeout, what))


def _stop_pid(pid, timeout=15):
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    _wait_for(lambda: not _pid_alive(pid), timeout, 'pid %d to exit' % pid)


class _SharedState(object):
    """Who uses the real-host resources, and what the fixture changed."""

    def __init__(self, directory=STATE_DIR):
        self.directory = directory
        self.path = os.path.join(directory, 'state.json')

    @contextlib.contextmanager
    def locked(self):
        os.makedirs(self.directory, exist_ok=True)
        with open(os.path.join(self.directory, 'lock'), 'w') as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                state = self._load()
                state['holders'] = {
                    h: pid for h, pid in state['holders'].items()
                    if _pid_alive(pid)}
                yield state
                with open(self.path + '.tmp', 'w') as fh:
                    json.dump(state, fh)
                os.replace(self.path + '.tmp', self.path)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _load(self):
        try:
            with open(self.path) as fh:
                state = json.load(fh)
        except (OSError, ValueError):
            state = {}
        state.setdefault('holders', {})
        # daemons the fixture started: name -> pid
        state.setdefault('started', {})
        # original nr_hugepages, when the fixture raised it
        state.setdefault('hugepages_2m_was', None)
        state.setdefault('mounted_hugetlbfs', False)
        return state


class LibvirtdFixture(fixtures.Fixture):
    """A running libvirtd + QEMU/KVM and a libvirt connection to it.

    ``self.conn`` is a ``libvirt.virConnect`` on ``qemu:///system``.
    Domains made with :meth:`start_domain` are destroyed and undefined at
    cleanUp; daemons, hugetlbfs mount and hugepage reservation the fixture
    set up are undone when its last user (across processes) cleans up.
    """

    def __init__(self, hugepages_2m=64, state=None):
        super().__init__()
        self.hugepages_2m = hugepages_2m
        self._state = state or _SharedState()
        self._holder = '%d-%s' % (os.getpid(), uuid.uuid4().hex)
        self.conn = None
        self.domains = []

    def _setUp(self):
        missing = missing_prerequisites()
        if missing:
            raise testtools.TestCase.skipException(
                'real libvirtd + KVM not available: missing ' +
                '; '.join(missing))
        self.addCleanup(self._release)
        with self._state.locked() as state:
            state['holders'][self._holder] = os.getpid()
            self._prepare_host(state)
            self._ensure_daemons(state)
        self.conn = libvirt.open(URI)
        self.addCleanup(self._close)

    # set-up steps, all under the shared lock

    def _prepare_host(self, state):
        _ensure_accounts()
        for directory in ('/var/log/libvirt', '/var/lib/libvirt/qemu',
                          '/var/cache/libvirt'):
            os.makedirs(directory, exist_ok=True)
        edit_qemu_conf()
        if not os.path.ismount(HUGETLBFS):
            os.makedirs(HUGETLBFS, exist_ok=True)
            subprocess.run(['mount', '-t', 'hugetlbfs', 'hugetlbfs',
                            HUGETLBFS], check=True)
            state['mounted_hugetlbfs'] = True
        if self.hugepages_2m:
            with open(HUGEPAGES_2M) as fh:
                current = int(fh.read())
            if current < self.hugepages_2m:
                if state['hugepages_2m_was'] is None:
                    state['hugepages_2m_was'] = current
                with open(HUGEPAGES_2M, 'w') as fh:
                    fh.write(str(self.hugepages_2m))
                with open(HUGEPAGES_2M) as fh:
                    got = int(fh.read())
                if got < self.hugepages_2m:
                    raise RuntimeError(
                        'could reserve only %d of %d 2 MiB hugepages (%s): '
                        'free some memory' % (got, self.hugepages_2m,
                                              HUGEPAGES_2M))

    def _ensure_daemons(self, state):
        for name in ('virtlogd', 'libvirtd'):
            if _daemon_pid(name):
                continue
            subprocess.run([_which(name), '-d'], check=True)
            _wait_for(lambda: _daemon_pid(name), 30, '%s to start' % name)
            state['started'][name] = _daemon_pid(name)
        _wait_for(lambda: os.path.exists('/run/libvirt/libvirt-sock'), 30,
                  'libvirtd socket /run/libvirt/libvirt-sock')

    # clean-up

    def _close(self):
        for dom in self.domains:
            try:
                if dom.isActive():
                    dom.destroy()
            except libvirt.libvirtError:
                pass
            try:
                dom.undefine()
            except libvirt.libvirtError:
                pass
        self.domains = []
        self.conn.close()
        self.conn = None

    def _release(self):
        with self._state.locked() as state:
            state['holders'].pop(self._holder, None)
            if state['holders']:
                return
            for name in ('libvirtd', 'virtlogd'):
                pid = state['started'].pop(name, None)
                if pid and _daemon_pid(name) == pid:
                    _stop_pid(pid)
            if state['hugepages_2m_was'] is not None:
                with open(HUGEPAGES_2M, 'w') as fh:
                    fh.write(str(state['hugepages_2m_was']))
                state['hugepages_2m_was'] = None
            if state['mounted_hugetlbfs']:
                subprocess.run(['umount', HUGETLBFS])
                state['mounted_hugetlbfs'] = False

    # domains

    def start_domain(self, xml):
        """Define and start a domain; it is removed at cleanUp."""
        dom = self.conn.defineXML(xml)
        self.domains.append(dom)
        dom.create()
        return dom

    def qemu_pid(self, dom):
        """pid of a running domain's QEMU process (libvirt's pidfile)."""
        with open('/run/libvirt/qemu/%s.pid' % dom.name()) as fh:
            return int(fh.read().strip())


def domain_name():
    return DOMAIN_PREFIX + uuid.uuid4().hex[:8]


def firmware_domain_xml(name, vcpus=2, memory_mib=64, cputune='',
                        numatune='', memory_backing='', iothreads=0,
                        numa_cell=False):
    """XML of a small domain with no disk: SeaBIOS runs and idles.

    Enough for QEMU's vCPU, emulator and I/O threads to exist with the
    pinning and scheduling the XML asks for.
    """
    cpu = ''
    if numa_cell:
        cpu = ("<cpu><numa><cell id='0' cpus='0-%d' memory='%d' "
               "unit='MiB'/></numa></cpu>" % (vcpus - 1, memory_mib))
    return """<domain type='kvm'>
  <name>%(name)s</name>
  <memory unit='MiB'>%(mem)d</memory>
  <vcpu placement='static'>%(vcpus)d</vcpu>
  %(iothreads)s
  %(membacking)s
  %(cputune)s
  %(numatune)s
  %(cpu)s
  <os><type arch='x86_64' machine='pc'>hvm</type></os>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <emulator>%(emulator)s</emulator>
    <memballoon model='none'/>
  </devices>
</domain>
""" % {'name': name, 'mem': memory_mib, 'vcpus': vcpus,
       'iothreads': ('<iothreads>%d</iothreads>' % iothreads
                     if iothreads else ''),
       'membacking': memory_backing, 'cputune': cputune,
       'numatune': numatune, 'cpu': cpu,
       'emulator': _which('qemu-system-x86_64') or
       '/usr/bin/qemu-system-x86_64'}


class RealHostTestCase(testtools.TestCase):
    """Base of real-host tests: skips, naming what is missing, if needed."""

    def setUp(self):
        super().setUp()
        missing = missing_prerequisites()
        if missing:
            self.skipTest('real libvirtd + KVM not available: missing ' +
                          '; '.join(missing))
        self.libvirtd = self.useFixture(LibvirtdFixture())
