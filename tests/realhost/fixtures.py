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

"""A private libvirtd + QEMU/KVM for the real-host test tier.

The daemons run in a mount namespace of their own, with their own
configuration, runtime, state, log and cache directories
(:mod:`tests.realhost.private_libvirtd`): the tests change no file of the
host. What the host needs beyond installed packages, and what the fixture
sets up only inside that namespace:

* the ``libvirt-qemu`` user and the ``kvm``/``libvirt-qemu`` groups Debian's
  libvirt resolves at start-up, even when qemu.conf names another user;
* ``user``/``group = "root"`` in qemu.conf (QEMU must open /dev/kvm and the
  hugetlbfs mount as root here);
* ``cgroup_controllers`` without ``cpu`` only when the kernel has
  ``CONFIG_RT_GROUP_SCHED`` (this one does): libvirt's per-domain ``cpu``
  cgroups then get a real-time budget of 0 us and every
  ``<vcpusched scheduler='fifo'>`` fails with "Cannot set scheduler
  parameters: Operation not permitted" (the ``rt_cgroup`` check of
  rtnova-status);
* hugetlbfs, and some reserved 2 MiB pages (a global setting: raised while
  the tier runs, restored after).

Some hosts refuse nova's default guest CPU (``host-model``) and
``host-passthrough`` at QEMU start; :mod:`tests.realhost.cpu_mode` finds the
mode this host accepts by trying each. ``<locked/>`` fails where
RLIMIT_MEMLOCK cannot be raised (:class:`tests.realhost.nova_base.
SandboxRefusals`); a firmware-only domain (no disk) starts.

Several test processes (stestr workers) may run real-host tests at once:
they share one private daemon, except tests that run nova-compute, which
get one each (``own_daemon``: nova refuses a hypervisor with instances it
does not know). Who uses the daemon and the hugepages, and what the
fixture changed, is recorded in a state file under a lock; the last user
stops the shared daemon, removes its directories and restores the
hugepage reservation.
"""

import contextlib
import fcntl
import hashlib
import json
import os
import socket
import tempfile
import uuid

import fixtures
import testtools

try:
    import libvirt
except ImportError:  # pragma: no cover - reported as a skip reason
    libvirt = None

from rtnova.hostfs import host_reader as probe_mod
from tests.realhost import private_libvirtd

STATE_BASE = os.path.join(tempfile.gettempdir(), 'rtnova-realhost')
HUGEPAGES_2M = '/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages'
# VNC ports of the nova tests' own daemons: slot N has 5910 + 10 N onwards
# (5900-5909 stay for whatever else the host runs)
DISPLAY_BASE = 5910
DISPLAY_SLOT_PORTS = 10
DISPLAY_SLOTS = 32
DOMAIN_PREFIX = 'rtnova-test-'
PROGRAMS = {
    'libvirtd': 'libvirt-daemon (provides libvirtd)',
    'virtlogd': 'libvirt-daemon (provides virtlogd)',
    'qemu-system-x86_64': 'qemu-system-x86 (provides qemu-system-x86_64)',
    'unshare': 'util-linux (provides unshare)',
    'qemu-img': 'qemu-utils (provides qemu-img, nova-compute uses it)',
}
# libvirt creates these parents of its per-domain cgroups (cgroup v1,
# no systemd) and leaves them; the fixture removes the ones it caused
CGROUP_PARENTS = tuple(
    '/sys/fs/cgroup/%s/machine' % c for c in (
        'cpu', 'cpuacct', 'cpu,cpuacct', 'cpuset', 'memory', 'devices',
        'blkio', 'freezer', 'pids', 'systemd', 'unified')) + (
    '/sys/fs/cgroup/machine.slice', '/sys/fs/cgroup/machine')
_which = private_libvirtd.which


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


def kernel_needs_cpu_controller_dropped():
    """True on kernels with RT group scheduling (rtnova-status rt_cgroup)."""
    return probe_mod.HostReader().rt_group_sched_root() is not None


def _sha256(path):
    try:
        with open(path, 'rb') as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    except FileNotFoundError:
        return None


def host_snapshot():
    """What the real-host tier must leave as it found it."""
    with open('/proc/self/mountinfo') as fh:
        mounts = sorted(' '.join(ln.split()[3:5]) for ln in fh)
    with open(HUGEPAGES_2M) as fh:
        hugepages = int(fh.read())
    paths = ('/etc/libvirt/qemu.conf', '/etc/passwd', '/etc/group')
    dirs = ('/etc/libvirt', '/run/libvirt', '/var/lib/libvirt',
            '/var/log/libvirt', '/var/cache/libvirt', '/dev/hugepages')
    return {
        'files': {p: _sha256(p) for p in paths},
        'dirs': {d: sorted(os.listdir(d)) if os.path.isdir(d) else None
                 for d in dirs},
        'mounts': mounts,
        'nr_hugepages_2M': hugepages,
        'cgroups': sorted(p for p in CGROUP_PARENTS if os.path.isdir(p)),
    }


def _read_int(path):
    with open(path) as fh:
        return int(fh.read())


def _write_int(path, value):
    with open(path, 'w') as fh:
        fh.write(str(value))


class _SharedState(object):
    """Who uses the private daemon, and what the fixture changed."""

    def __init__(self, base=STATE_BASE):
        self.lock_path = base + '.lock'
        self.path = base + '.json'

    @contextlib.contextmanager
    def locked(self):
        lock = self._acquire()
        try:
            state = self._load()
            state['holders'] = {
                h: pid for h, pid in state['holders'].items()
                if private_libvirtd.pid_alive(pid)}
            yield state
            if state['holders'] or state['daemon']:
                with open(self.path + '.tmp', 'w') as fh:
                    json.dump(state, fh)
                os.replace(self.path + '.tmp', self.path)
            else:
                # nothing left to share: leave no file behind
                for path in (self.path, self.lock_path):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(path)
        finally:
            lock.close()

    def _acquire(self):
        """flock the lock file; retry if a releaser unlinked it meanwhile."""
        while True:
            lock = open(self.lock_path, 'a')
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                if os.stat(self.lock_path).st_ino == os.fstat(
                        lock.fileno()).st_ino:
                    return lock
            except FileNotFoundError:
                pass
            lock.close()

    def _load(self):
        try:
            with open(self.path) as fh:
                state = json.load(fh)
        except (OSError, ValueError):
            state = {}
        state.setdefault('holders', {})
        # the private daemon (PrivateLibvirtd.to_state()), when one runs
        state.setdefault('daemon', None)
        # original nr_hugepages, when the fixture raised it
        state.setdefault('hugepages_2m_was', None)
        # machine cgroups that did not exist before the daemon started
        state.setdefault('new_cgroups', None)
        return state


def display_port_slot():
    """(socket, (min, max)): a VNC port range, ours while the socket is open.

    nova gives every guest a VNC display (``autoport``); two private
    daemons in the host's network namespace (two test workers) would each
    pick the first free port and race for it. A slot is an abstract unix
    socket bound by the holder: released even if the process dies, no file
    left behind.
    """
    for slot in range(DISPLAY_SLOTS):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.bind('\0rtnova-realhost-display-slot-%d' % slot)
        except OSError:
            sock.close()
            continue
        low = DISPLAY_BASE + slot * DISPLAY_SLOT_PORTS
        return sock, (low, low + DISPLAY_SLOT_PORTS - 1)
    raise RuntimeError('all %d VNC port slots of the real-host tests are '
                       'taken' % DISPLAY_SLOTS)


class LibvirtdFixture(fixtures.Fixture):
    """A private libvirtd + QEMU/KVM and a libvirt connection to it.

    ``self.uri`` names the private daemon's socket
    (``qemu+unix:///system?socket=...``), ``self.conn`` is a
    ``libvirt.virConnect`` to it and ``self.daemon`` the
    :class:`private_libvirtd.PrivateLibvirtd` (its files, as seen from
    here). Domains made with :meth:`start_domain` are destroyed and
    undefined at cleanUp; the daemon, its directories and the hugepage
    reservation are undone when its last user (across processes) cleans up.
    """

    def __init__(self, hugepages_2m=64, state=None, own_daemon=False,
                 without_cpuset=False):
        super().__init__()
        # an own daemon whose QEMUs get no cpuset cgroup
        self.without_cpuset = without_cpuset
        self.hugepages_2m = hugepages_2m
        self._state = state or _SharedState()
        # a daemon for this fixture alone: nova-compute refuses to start on
        # a hypervisor that runs instances its database does not know, so
        # each nova test gets its own (hugepages stay shared bookkeeping)
        self.own_daemon = own_daemon
        self._holder = '%d-%s' % (os.getpid(), uuid.uuid4().hex)
        self.conn = None
        self.daemon = None
        self.domains = []

    @property
    def uri(self):
        return self.daemon.uri

    def _setUp(self):
        missing = missing_prerequisites()
        if missing:
            raise testtools.TestCase.skipException(
                'real libvirtd + KVM not available: missing ' +
                '; '.join(missing))
        self.addCleanup(self._release)
        with self._state.locked() as state:
            state['holders'][self._holder] = os.getpid()
            self._reserve_hugepages(state)
            if state['new_cgroups'] is None:
                state['new_cgroups'] = [p for p in CGROUP_PARENTS
                                        if not os.path.isdir(p)]
            if not self.own_daemon:
                self._ensure_daemon(state)
        if self.own_daemon:
            self.daemon = private_libvirtd.PrivateLibvirtd.start(
                kernel_needs_cpu_controller_dropped(),
                display_ports=self._display_ports(),
                without_cpuset=self.without_cpuset)
        self.conn = libvirt.open(self.uri)
        self.addCleanup(self._close)

    def _display_ports(self):
        sock, ports = display_port_slot()
        self.addCleanup(sock.close)
        return ports

    # set-up steps, all under the shared lock

    def _reserve_hugepages(self, state):
        if not self.hugepages_2m:
            return
        current = _read_int(HUGEPAGES_2M)
        if current >= self.hugepages_2m:
            return
        if state['hugepages_2m_was'] is None:
            state['hugepages_2m_was'] = current
        _write_int(HUGEPAGES_2M, self.hugepages_2m)
        got = _read_int(HUGEPAGES_2M)
        if got < self.hugepages_2m:
            raise RuntimeError(
                'could reserve only %d of %d 2 MiB hugepages (%s): free some '
                'memory' % (got, self.hugepages_2m, HUGEPAGES_2M))

    def _ensure_daemon(self, state):
        if state['daemon']:
            daemon = private_libvirtd.PrivateLibvirtd.from_state(
                state['daemon'])
            if daemon.alive():
                self.daemon = daemon
                return
            daemon.stop()
        self.daemon = private_libvirtd.PrivateLibvirtd.start(
            kernel_needs_cpu_controller_dropped())
        state['daemon'] = self.daemon.to_state()

    # clean-up

    def _close(self):
        for dom in self.domains:
            _remove_domain(dom)
        self.domains = []
        self.conn.close()
        self.conn = None

    def _release(self):
        if self.own_daemon and self.daemon:
            _remove_all_domains(self.daemon.uri)
            self.daemon.stop()
        with self._state.locked() as state:
            state['holders'].pop(self._holder, None)
            if state['holders']:
                return
            if state['daemon']:
                daemon = private_libvirtd.PrivateLibvirtd.from_state(
                    state['daemon'])
                if daemon.alive():
                    _remove_all_domains(daemon.uri)
                daemon.stop()
                state['daemon'] = None
            for path in state['new_cgroups'] or ():
                with contextlib.suppress(OSError):
                    os.rmdir(path)
            state['new_cgroups'] = None
            if state['hugepages_2m_was'] is not None:
                _write_int(HUGEPAGES_2M, state['hugepages_2m_was'])
                state['hugepages_2m_was'] = None

    # domains

    def start_domain(self, xml):
        """Define and start a domain; it is removed at cleanUp."""
        dom = self.conn.defineXML(xml)
        self.domains.append(dom)
        dom.create()
        return dom

    def qemu_pid(self, dom):
        """pid of a running domain's QEMU process (libvirt's pidfile)."""
        with open(os.path.join(self.daemon.qemu_pid_dir,
                               '%s.pid' % dom.name())) as fh:
            return int(fh.read().strip())


def _remove_domain(dom):
    try:
        if dom.isActive():
            dom.destroy()
    except libvirt.libvirtError:
        pass
    try:
        dom.undefine()
    except libvirt.libvirtError:
        pass


def _remove_all_domains(uri):
    """Every domain of the private daemon (nova's too): it is ours alone."""
    try:
        conn = libvirt.open(uri)
    except libvirt.libvirtError:
        return
    try:
        for dom in conn.listAllDomains():
            _remove_domain(dom)
    finally:
        conn.close()


def domain_name():
    return DOMAIN_PREFIX + uuid.uuid4().hex[:8]


def firmware_domain_xml(name, vcpus=2, memory_mib=64, cputune='',
                        numatune='', memory_backing='', iothreads=0,
                        numa_cell=False, cpu_element=None):
    """XML of a small domain with no disk: SeaBIOS runs and idles.

    Enough for QEMU's vCPU, emulator and I/O threads to exist with the
    pinning and scheduling the XML asks for. ``cpu_element``: a whole
    ``<cpu>`` element instead of the default (none, or a NUMA cell).
    """
    cpu = cpu_element or ''
    if numa_cell and cpu_element is None:
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
