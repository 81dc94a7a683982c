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

"""A libvirtd + virtlogd of our own, in a private mount namespace.

The daemons run under ``unshare --mount --propagation private``. Inside
that namespace only, directories of one temporary root are bind-mounted over
libvirt's system paths (/etc/libvirt, /run/libvirt, /var/lib/libvirt,
/var/log/libvirt, /var/cache/libvirt), private copies of /etc/passwd and
/etc/group carry the accounts libvirt resolves at start-up, and hugetlbfs is
mounted under the root. Nothing of the host's file system changes: a path
that does not exist on the host (so cannot be a mount point) is created in
an overlay of its nearest existing parent, again inside the namespace only.

The test process, outside the namespace, reaches the daemon through the
socket path in :attr:`PrivateLibvirtd.uri` and finds its files under
:attr:`PrivateLibvirtd.root`.
"""

import os
import shlex
import shutil
import signal
import subprocess
import tempfile
import time

# libvirt system path -> directory under the private root
SYSTEM_DIRS = (
    ('/etc/libvirt', 'etc'),
    ('/run/libvirt', 'run'),
    ('/var/lib/libvirt', 'lib'),
    ('/var/log/libvirt', 'log'),
    ('/var/cache/libvirt', 'cache'),
)
# Debian's libvirt resolves its built-in QEMU user and groups at start-up
# even when qemu.conf names root.
ACCOUNTS = {
    'group': ('kvm:x:{gid_kvm}:', 'libvirt-qemu:x:{gid_qemu}:'),
    'passwd': ('libvirt-qemu:x:{uid_qemu}:{gid_kvm}:libvirt:'
               '/var/lib/libvirt:/usr/sbin/nologin',),
}
# CONFIG_RT_GROUP_SCHED kernels give a new cpu cgroup 0 us of real-time
# budget: libvirt must then leave the cpu controller alone (see
# rtnova.status.sched_checks.check_rt_cgroup).
CONTROLLERS_WITHOUT_CPU = ('cpuset', 'memory', 'devices', 'blkio', 'cpuacct')
# libvirt's default list (qemu.conf); without cpuset, libvirt pins QEMU's
# threads by sched_setaffinity alone, as where QEMU has no cpuset cgroup
# (the deployment tier's hosts: ``ip netns exec`` mounts a sysfs without
# /sys/fs/cgroup)
CONTROLLERS = ('cpu',) + CONTROLLERS_WITHOUT_CPU
DAEMONS = ('virtlogd', 'libvirtd')


def which(program):
    return shutil.which(program, path=os.environ.get('PATH', '') +
                        ':/usr/sbin:/sbin:/usr/bin')


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise RuntimeError('timed out after %ss waiting for %s' % (timeout, what))


def qemu_conf(hugetlbfs, drop_cpu_controller, qemu_user=False,
              display_ports=None, without_cpuset=False):
    """The private daemon's qemu.conf.

    QEMU runs as root unless ``qemu_user``: then as Debian's
    ``libvirt-qemu:kvm`` (the namespace's /dev/kvm is group kvm, see
    ``_script``).
    """
    user = ('user = "libvirt-qemu"', 'group = "kvm"') if qemu_user else (
        # QEMU opens /dev/kvm and the hugetlbfs mount as root here
        'user = "root"', 'group = "root"')
    lines = ['# written by the rtnova real-host test fixture'] + list(user) + [
        'hugetlbfs_mount = "%s"' % hugetlbfs]
    if display_ports:
        # daemons that share the host's network namespace must not hand
        # two QEMUs the same VNC port: each allocates from its own range
        lines += ['remote_display_port_min = %d' % display_ports[0],
                  'remote_display_port_max = %d' % display_ports[1]]
    controllers = CONTROLLERS_WITHOUT_CPU if drop_cpu_controller else (
        CONTROLLERS if without_cpuset else None)
    if controllers is not None:
        if without_cpuset:
            controllers = tuple(c for c in controllers if c != 'cpuset')
        lines.append('cgroup_controllers = [ %s ]' % ', '.join(
            '"%s"' % c for c in controllers))
    return '\n'.join(lines) + '\n'


def _free_id(taken, start=900):
    found = start
    while found in taken:
        found += 1
    return found


def account_files(passwd_text, group_text):
    """/etc/passwd and /etc/group with libvirt's accounts added if absent."""
    users = {ln.split(':')[0]: ln for ln in passwd_text.splitlines() if ln}
    groups = {ln.split(':')[0]: ln for ln in group_text.splitlines() if ln}
    gids = {int(ln.split(':')[2]) for ln in groups.values()}
    uids = {int(ln.split(':')[2]) for ln in users.values()}
    ids = {}
    for name, key in (('kvm', 'gid_kvm'), ('libvirt-qemu', 'gid_qemu')):
        if name in groups:
            ids[key] = int(groups[name].split(':')[2])
        else:
            ids[key] = _free_id(gids | set(ids.values()))
    ids['uid_qemu'] = _free_id(uids)
    out = {}
    for kind, text, known in (('passwd', passwd_text, users),
                              ('group', group_text, groups)):
        extra = [line.format(**ids) for line in ACCOUNTS[kind]
                 if line.split(':')[0] not in known]
        out[kind] = text.rstrip('\n') + '\n' + ''.join(
            line + '\n' for line in extra)
    return out


def _existing_ancestor(path):
    while not os.path.isdir(path):
        path = os.path.dirname(path)
    return path


def overlay_roots(targets):
    """Existing parents to overlay so that missing ``targets`` can be made.

    Only the outermost of nested parents is kept.
    """
    roots = {_existing_ancestor(t) for t in targets if not os.path.isdir(t)}
    return sorted(r for r in roots
                  if not any(r != o and r.startswith(o.rstrip('/') + '/')
                             for o in roots))


class PrivateLibvirtd(object):
    """One private libvirtd + virtlogd, described by a state dict."""

    def __init__(self, root, pids=None, mnt_ns=None):
        self.root = root
        self.pids = dict(pids or {})
        self.mnt_ns = mnt_ns

    @classmethod
    def from_state(cls, state):
        return cls(state['root'], state['pids'], state.get('mnt_ns'))

    def to_state(self):
        return {'root': self.root, 'pids': self.pids, 'mnt_ns': self.mnt_ns}

    # paths, as seen from outside the namespace

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    @property
    def socket(self):
        return self.path('run', 'libvirt-sock')

    @property
    def uri(self):
        return 'qemu+unix:///system?socket=%s' % self.socket

    @property
    def qemu_pid_dir(self):
        """Where libvirt writes ``<domain>.pid`` (its /run/libvirt/qemu)."""
        return self.path('run', 'qemu')

    @property
    def hugetlbfs(self):
        return self.path('hugepages')

    # start

    @classmethod
    def start(cls, drop_cpu_controller, timeout=60, root=None, prefix=(),
              hostname=None, libvirtd_conf=None, listen=False,
              qemu_user=False, display_ports=None, without_cpuset=False):
        """Start the daemons; the test tier passes only the first argument.

        The deployment tier (tools/deploy) makes a compute "host" of it:
        ``prefix`` runs the namespace's creator inside a network namespace
        (``ip netns exec NAME``), ``hostname`` adds a UTS namespace with
        that name (libvirt's node name), ``libvirtd_conf`` is the text of
        the private libvirtd.conf (socket group for an unprivileged
        nova-compute), ``root`` a directory to use instead of a new
        temporary one and ``listen`` starts libvirtd with ``--listen``
        (the TCP socket of libvirtd.conf, live migration's transport) and
        ``qemu_user`` runs QEMU as ``libvirt-qemu:kvm`` instead of root.
        ``display_ports`` (min, max) bounds the VNC ports libvirt hands out.
        ``without_cpuset`` leaves libvirt's cpuset controller out.
        """
        if root is None:
            root = tempfile.mkdtemp(prefix='rtnova-libvirtd-')
        daemon = cls(root)
        try:
            daemon._write_files(drop_cpu_controller, qemu_user,
                                display_ports, without_cpuset)
            if libvirtd_conf is not None:
                with open(daemon.path('etc', 'libvirtd.conf'), 'w') as fh:
                    fh.write(libvirtd_conf)
            unshare = ['unshare', '--mount', '--propagation', 'private']
            script = daemon._script(listen, qemu_user)
            if hostname:
                unshare.insert(1, '--uts')
                script = 'hostname %s\n%s' % (shlex.quote(hostname), script)
            subprocess.run(list(prefix) + unshare + ['--', 'sh', '-euc',
                                                     script],
                           check=True, capture_output=True, text=True,
                           timeout=timeout)
            for name in DAEMONS:
                daemon.pids[name] = daemon._read_pid(name)
            wait_for(lambda: os.path.exists(daemon.socket), timeout,
                     'libvirtd socket %s' % daemon.socket)
            daemon.mnt_ns = os.readlink('/proc/%d/ns/mnt' %
                                        daemon.pids['libvirtd'])
        except subprocess.CalledProcessError as exc:
            daemon.stop()
            raise RuntimeError('could not start the private libvirtd: %s' %
                               (exc.stderr or exc.stdout).strip())
        except BaseException:
            daemon.stop()
            raise
        return daemon

    def _write_files(self, drop_cpu_controller, qemu_user=False,
                     display_ports=None, without_cpuset=False):
        for _system, sub in SYSTEM_DIRS:
            os.makedirs(self.path(sub))
        for sub in ('hugepages', 'overlay', 'accounts'):
            os.makedirs(self.path(sub))
        with open(self.path('etc', 'qemu.conf'), 'w') as fh:
            fh.write(qemu_conf(self.hugetlbfs, drop_cpu_controller,
                               qemu_user, display_ports, without_cpuset))
        with open('/etc/passwd') as fh, open('/etc/group') as gh:
            files = account_files(fh.read(), gh.read())
        for kind, text in files.items():
            with open(self.path('accounts', kind), 'w') as fh:
                fh.write(text)

    def _script(self, listen=False, qemu_user=False):
        """Shell run inside the new mount namespace."""
        q = shlex.quote
        lines = []
        for i, parent in enumerate(overlay_roots(
                [system for system, _sub in SYSTEM_DIRS])):
            upper, work = (self.path('overlay', '%d-%s' % (i, k))
                           for k in ('upper', 'work'))
            lines += ['mkdir -p %s %s' % (q(upper), q(work)),
                      'mount -t overlay overlay -o lowerdir=%s,upperdir=%s,'
                      'workdir=%s %s' % (q(parent), q(upper), q(work),
                                         q(parent))]
        for system, sub in SYSTEM_DIRS:
            lines += ['mkdir -p %s' % q(system),
                      'mount --bind %s %s' % (q(self.path(sub)), q(system))]
        for kind in ('passwd', 'group'):
            lines.append('mount --bind %s /etc/%s' % (
                q(self.path('accounts', kind)), kind))
        lines.append('mount -t hugetlbfs -o pagesize=2M hugetlbfs %s' %
                     q(self.hugetlbfs))
        if qemu_user:
            lines += self._kvm_node()
        for name in DAEMONS:
            lines.append('%s -d -p %s%s' % (
                q(which(name)), q(self.path('%s.pid' % name)),
                ' --listen' if listen and name == 'libvirtd' else ''))
        return '\n'.join(lines)

    def _kvm_node(self):
        """Shell: this namespace's /dev/kvm, read-write for group kvm.

        What a udev rule does on a host, done to a node of our own bound
        over /dev/kvm in the namespace only: the host's node keeps its
        owner and mode.
        """
        rdev = os.stat('/dev/kvm').st_rdev
        node = shlex.quote(self.path('kvm'))
        mknod = 'mknod -m 0660 %s c %d %d' % (node, os.major(rdev),
                                              os.minor(rdev))
        return [mknod,
                'chown root:kvm %s' % node,
                'mount --bind %s /dev/kvm' % node]

    def _read_pid(self, name):
        path = self.path('%s.pid' % name)
        wait_for(lambda: os.path.exists(path), 30, path)
        with open(path) as fh:
            return int(fh.read().strip())

    # state

    def alive(self):
        """Both daemons run, in the namespace this object started."""
        if set(self.pids) != set(DAEMONS) or not self.mnt_ns:
            return False
        return all(self._in_namespace(pid) for pid in self.pids.values()) \
            and os.path.exists(self.socket)

    def _in_namespace(self, pid):
        """``pid`` runs in this daemon's namespace.

        The kernel reuses a dead namespace's inode number for new ones, so
        the inode alone could name another fixture's fresh namespace: the
        private root mounted there identifies ours.
        """
        try:
            if os.readlink('/proc/%d/ns/mnt' % pid) != self.mnt_ns:
                return False
            with open('/proc/%d/mountinfo' % pid) as fh:
                return (' %s/' % self.root) in fh.read()
        except OSError:
            return False

    def namespace_pids(self):
        """Every process in the private mount namespace (QEMU included)."""
        if not self.mnt_ns:
            return []
        return [int(e) for e in os.listdir('/proc')
                if e.isdigit() and self._in_namespace(int(e))]

    # stop

    def stop(self, timeout=20):
        """Stop the daemons and what is left in the namespace; remove root.

        Callers destroy the domains first (libvirtd leaves QEMU running
        when it stops); whatever still runs in the namespace then is ours
        and is killed, so the namespace and its mounts go away.
        """
        for name in reversed(DAEMONS):
            pid = self.pids.pop(name, None)
            if pid and self._in_namespace(pid):
                _terminate(pid, timeout)
        for pid in self.namespace_pids():
            _terminate(pid, timeout, signal.SIGKILL)
        shutil.rmtree(self.root, ignore_errors=True)
        self.mnt_ns = None


def _terminate(pid, timeout, sig=signal.SIGTERM):
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return
    wait_for(lambda: not pid_alive(pid) or _zombie(pid), timeout,
             'pid %d to exit' % pid)


def _zombie(pid):
    try:
        with open('/proc/%d/stat' % pid) as fh:
            return fh.read().rpartition(')')[2].split()[0] == 'Z'
    except OSError:
        return True
