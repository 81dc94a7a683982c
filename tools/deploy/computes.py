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

"""The two compute "hosts": network + mount + UTS namespaces, each with its
own libvirtd (tests/realhost/private_libvirtd.py, given a network namespace
and a hostname) and a nova-compute running rtnova's driver as the
unprivileged ``nova`` user, privileged work through ``sudo privsep-helper``.
"""

import json
import os
import pwd
import shutil
import subprocess
import uuid

from tests.realhost import private_libvirtd
from tools.deploy import config
from tools.deploy import layout as lay
from tools.deploy import procs


def libvirtd_conf(host):
    """The host's libvirtd.conf.

    nova-compute (group nova) reaches the private libvirtd's socket in the
    host namespace's own /run/libvirt. Live migration comes in over
    libvirt's TCP transport on the host's address (on the tier's bridge
    only; no authentication, as the transport has none of its own), and
    libvirt refuses a migration between daemons that report one host UUID,
    so each host gets its own.
    """
    return '\n'.join([
        'unix_sock_group = "%s"' % lay.NOVA_USER,
        'unix_sock_ro_perms = "0777"',
        'unix_sock_rw_perms = "0770"',
        'auth_unix_ro = "none"',
        'auth_unix_rw = "none"',
        'listen_tls = 0',
        'listen_tcp = 1',
        'listen_addr = "%s"' % host['ip'],
        'auth_tcp = "none"',
        'host_uuid = "%s"' % uuid.uuid5(uuid.NAMESPACE_DNS,
                                        host['name'] + '.rtnova-deploy'),
    ]) + '\n'


def _ip(*args, check=True):
    res = subprocess.run(['ip'] + list(args), capture_output=True, text=True)
    if check and res.returncode != 0:
        raise procs.DeployError('ip %s: %s' % (' '.join(args),
                                               res.stderr.strip()))
    return res


def network(L):
    """A bridge with the controller's address; one veth per namespace."""
    if _ip('link', 'show', lay.BRIDGE, check=False).returncode != 0:
        _ip('link', 'add', lay.BRIDGE, 'type', 'bridge')
        _ip('addr', 'add', '%s/%d' % (lay.CONTROLLER_IP, lay.PREFIXLEN),
            'dev', lay.BRIDGE)
    _ip('link', 'set', lay.BRIDGE, 'up')
    for host in lay.COMPUTES:
        name = host['name']
        if _ip('netns', 'pids', name, check=False).returncode != 0:
            _ip('netns', 'add', name)
        if _ip('link', 'show', host['veth'], check=False).returncode != 0:
            _ip('link', 'add', host['veth'], 'type', 'veth', 'peer', 'name',
                'eth0', 'netns', name)
            _ip('-n', name, 'addr', 'add', '%s/%d' % (host['ip'],
                                                      lay.PREFIXLEN),
                'dev', 'eth0')
        _ip('link', 'set', host['veth'], 'master', lay.BRIDGE, 'up')
        _ip('-n', name, 'link', 'set', 'eth0', 'up')
        _ip('-n', name, 'link', 'set', 'lo', 'up')


def network_down(L):
    for host in lay.COMPUTES:
        _ip('link', 'del', host['veth'], check=False)
        _ip('netns', 'del', host['name'], check=False)
    _ip('link', 'del', lay.BRIDGE, check=False)


def user(L):
    """The ``nova`` system user (created here unless the host has one)."""
    try:
        pwd.getpwnam(lay.NOVA_USER)
    except KeyError:
        # a shell and a password field that is not locked ('*': no
        # password login): nova's resize and cold migration run commands
        # on the other host over ssh as this user (key only)
        procs.run(['useradd', '--system', '--user-group', '--no-create-home',
                   '--home-dir', L.path('hosts'), '--shell', '/bin/sh',
                   '--password', '*', lay.NOVA_USER], 'useradd nova')
        with open(L.path('created-user'), 'w') as fh:
            fh.write(lay.NOVA_USER + '\n')
    text = ('# rtnova deployment tier (%s); removed by down\n'
            'Defaults:%s !requiretty\n'
            '%s ALL=(root) NOPASSWD: %s *\n' % (
                L.state, lay.NOVA_USER, lay.NOVA_USER,
                L.bin('privsep-helper')))
    tmp = L.path('sudoers.tmp')
    config.write(tmp, text, 0o440)
    procs.run(['visudo', '-cf', tmp], 'visudo check of the sudoers drop-in')
    shutil.move(tmp, lay.SUDOERS)


def user_down(L):
    try:
        os.unlink(lay.SUDOERS)
    except FileNotFoundError:
        pass
    if os.path.exists(L.path('created-user')):
        subprocess.run(['userdel', lay.NOVA_USER], capture_output=True)


def _libvirtd_state(L, name):
    return L.host(name, 'libvirtd.json')


def start_libvirtd(L, host):
    name = host['name']
    root = L.host(name, 'libvirt')
    daemon = private_libvirtd.PrivateLibvirtd.start(
        _drop_cpu_controller(), root=root,
        prefix=['ip', 'netns', 'exec', name],
        hostname=name, libvirtd_conf=libvirtd_conf(host), listen=True,
        qemu_user=True)
    with open(_libvirtd_state(L, name), 'w') as fh:
        json.dump(daemon.to_state(), fh)
    procs.record(L, dict(procs.service(
        'libvirtd@' + name, ['(tests/realhost/private_libvirtd.py in netns '
                             + name + ')'], L,
        configs=[os.path.join(root, 'etc', f)
                 for f in ('libvirtd.conf', 'qemu.conf')], host=name),
        log=os.path.join(root, 'log'),
        pidfile=os.path.join(root, 'libvirtd.pid')))
    return daemon


def bind_instances(L, host):
    """The host's own instance directory at the one ``instances_path``.

    Every host has ``instances_path`` = ``instances/`` of the state
    directory, as real hosts share one path, and in its mount namespace
    that path is its own directory: nova's check (a file created on the
    destination over ssh) finds it not shared, so disks move as between
    hosts with local disks (scp for resize, QEMU's block copy for live
    migration). One directory seen by all would look shared to nova but
    not to libvirt 9, which refuses a live migration off a local
    filesystem as unsafe.
    """
    target = L.path('instances')
    procs.run(['nsenter', '--target', str(libvirtd_pid(L, host['name'])),
               '--mount', '--', 'sh', '-c',
               'mountpoint -q "$1" || mount --bind "$0" "$1"',
               L.host(host['name'], 'nova', 'instances'), target],
              'bind the instance directory of %s' % host['name'])


def _drop_cpu_controller():
    # the test tier's rule (rtnova-status rt_cgroup): with RT group
    # scheduling libvirt must leave the cpu controller alone
    return os.path.exists('/sys/fs/cgroup/cpu/cpu.rt_runtime_us')


def libvirtd_pid(L, name):
    with open(_libvirtd_state(L, name)) as fh:
        return private_libvirtd.PrivateLibvirtd.from_state(
            json.load(fh)).pids['libvirtd']


def cpu_mode_flags(L, checkout):
    """[libvirt] options of a guest CPU QEMU accepts (found by trying)."""
    name = lay.COMPUTES[0]['name']
    uri = 'qemu+unix:///system?socket=%s' % L.host(
        name, 'libvirt', 'run', 'libvirt-sock')
    out = procs.run([L.bin('python'), '-m', 'tools.deploy.cpu_probe', uri],
                    'guest CPU mode probe', cwd=checkout)
    result = json.loads(out.strip().splitlines()[-1])
    print(result['describe'])
    return result['flags']


def memory_lock_flags():
    """[rtnova] options for a host that cannot lock guest memory.

    libvirt raises QEMU's RLIMIT_MEMLOCK for ``<locked/>``; where even root
    may not raise it (no CAP_SYS_RESOURCE: a container), every real-time
    guest would fail to start, so the tier tells rtnova not to lock.
    """
    res = subprocess.run(['prlimit', '--memlock=unlimited:unlimited',
                          'true'], capture_output=True, text=True)
    if res.returncode == 0:
        return {}
    print('HOST ADAPTATION memory lock: RLIMIT_MEMLOCK cannot be raised '
          'here (%s); nova-compute runs with [rtnova] realtime_lock_memory '
          '= False (guest RAM is not locked)' % res.stderr.strip())
    return {'realtime_lock_memory': 'false'}


def compute_service(L, host):
    name = host['name']
    conf = L.host(name, 'nova.conf')
    argv = ['nsenter', '--target', str(libvirtd_pid(L, name)), '--mount',
            '--uts', '--net', '--', 'setpriv', '--reuid', lay.NOVA_USER,
            '--regid', lay.NOVA_USER, '--init-groups', '--',
            L.bin('nova-compute'), '--config-file', conf]
    return procs.service('nova-compute@' + name, argv, L, configs=[conf],
                         env={'HOME': L.host(name)}, host=name)


def refresh(L, svc):
    """A host service's namespace target is its libvirtd's current pid."""
    if svc.get('host') and svc['argv'][0] == 'nsenter':
        svc['argv'][2] = str(libvirtd_pid(L, svc['host']))


def ssh_keys(L):
    """The operator's key and the hosts' key, kept in the state directory."""
    ssh = L.path('ssh')
    os.makedirs(ssh, mode=0o700, exist_ok=True)
    for key in ('id_ed25519', 'host_ed25519_key'):
        if not os.path.exists(os.path.join(ssh, key)):
            procs.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C',
                       'rtnova-deploy', '-f', os.path.join(ssh, key)],
                      'ssh-keygen')
    shutil.copy(os.path.join(ssh, 'id_ed25519.pub'),
                os.path.join(ssh, 'authorized_keys'))
    with open(os.path.join(ssh, 'host_ed25519_key.pub')) as fh:
        host_key = fh.read().split()[:2]
    with open(os.path.join(ssh, 'known_hosts'), 'w') as fh:
        for host in lay.COMPUTES:
            fh.write('%s,%s %s\n' % (host['name'], host['ip'],
                                     ' '.join(host_key)))


def nova_ssh(L):
    """The nova user's key, authorized for nova on every host.

    nova's resize and cold migration run ``ssh -o BatchMode=yes <host>``
    as nova-compute's user (``nova.utils.ssh_execute``); OpenSSH takes the
    key, known hosts and login name from that user's home directory.
    """
    home = pwd.getpwnam(lay.NOVA_USER).pw_dir
    if os.path.realpath(home) != os.path.realpath(L.path('hosts')):
        print('HOST ADAPTATION nova ssh: the host\'s own %s user (home %s) '
              'is left alone; resize and cold migration need its ssh key '
              'on every host' % (lay.NOVA_USER, home))
        return
    ssh = os.path.join(home, '.ssh')
    os.makedirs(ssh, mode=0o700, exist_ok=True)
    key = os.path.join(ssh, 'id_ed25519')
    if not os.path.exists(key):
        procs.run(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C',
                   'nova@rtnova-deploy', '-f', key], 'ssh-keygen (nova)')
    shutil.copy(key + '.pub', os.path.join(ssh, 'authorized_keys'))
    shutil.copy(L.path('ssh', 'known_hosts'),
                os.path.join(ssh, 'known_hosts'))
    subprocess.run(['chown', '-R', '%s:%s' % (lay.NOVA_USER, lay.NOVA_USER),
                    ssh], check=True)


def sshd_service(L, host):
    """sshd on the host namespace's address, root by the tier's key only."""
    ssh = L.path('ssh')
    conf = L.host(host['name'], 'sshd_config')
    config.write(conf, '\n'.join([
        '# rtnova deployment tier: %s' % host['name'],
        'ListenAddress %s' % host['ip'],
        'HostKey %s/host_ed25519_key' % ssh,
        'AuthorizedKeysFile %s/authorized_keys' % ssh,
        'PidFile none', 'PermitRootLogin prohibit-password',
        'PasswordAuthentication no', 'KbdInteractiveAuthentication no',
        'UsePAM no', 'StrictModes no',
        # scp (nova's copy of a disk to the destination) speaks SFTP
        'Subsystem sftp internal-sftp',
        # nova's own key, for nova only (the root key is the operator's)
        'Match User %s' % lay.NOVA_USER,
        '    AuthorizedKeysFile %s/.ssh/authorized_keys' % L.path('hosts'),
    ]) + '\n', 0o600)
    # sshd wants its privilege separation directory (the namespace's /run)
    return procs.service('sshd@' + host['name'], [
        'nsenter', '--target', str(libvirtd_pid(L, host['name'])),
        '--mount', '--uts', '--net', '--', 'sh', '-c',
        'mkdir -p /run/sshd && exec /usr/sbin/sshd -D -e -f "$0"', conf],
        L, configs=[conf], host=host['name'], port=22)


# 2 MiB pages the hosts' guests may use (the seeds' hw:mem_page_size): the
# hosts share the machine's pool, as they share its CPUs
HUGEPAGES_2M = '/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages'
HUGEPAGES_WANTED = 256


def hugepages(L):
    """Reserve the guests' 2 MiB pages; ``down`` gives back what was."""
    was = L.path('hugepages-2m-was')
    with open(HUGEPAGES_2M) as fh:
        current = int(fh.read())
    if not os.path.exists(was):
        with open(was, 'w') as fh:
            fh.write(str(current))
    if current >= HUGEPAGES_WANTED:
        return
    with open(HUGEPAGES_2M, 'w') as fh:
        fh.write(str(HUGEPAGES_WANTED))
    with open(HUGEPAGES_2M) as fh:
        got = int(fh.read())
    if got < HUGEPAGES_WANTED:
        raise procs.DeployError(
            'could reserve only %d of %d 2 MiB hugepages (%s): free some '
            'memory' % (got, HUGEPAGES_WANTED, HUGEPAGES_2M))


def hugepages_down(L):
    was = L.path('hugepages-2m-was')
    if os.path.exists(was):
        with open(was) as fh, open(HUGEPAGES_2M, 'w') as out:
            out.write(fh.read().strip())
        os.unlink(was)


def up(L, checkout):
    user(L)
    hugepages(L)
    os.makedirs(L.path('instances'), exist_ok=True)
    for host in lay.COMPUTES:
        for sub in ('lock', 'instances'):
            os.makedirs(L.host(host['name'], 'nova', sub), exist_ok=True)
        if not os.path.exists(_libvirtd_state(L, host['name'])):
            start_libvirtd(L, host)
        bind_instances(L, host)
    flags = cpu_mode_flags(L, checkout)
    if flags.get('cpu_mode') == 'none':
        print('HOST ADAPTATION live migration: with cpu_mode none the '
              'computes run with [workarounds] skip_cpu_compare_on_dest = '
              'True (nova\'s check compares against the host-model CPU '
              'QEMU refuses here)')
    rt_flags = memory_lock_flags()
    for host in lay.COMPUTES:
        config.write(L.host(host['name'], 'nova.conf'),
                     config.nova_compute(L, host, flags, rt_flags))
        owner = '%s:%s' % (lay.NOVA_USER, lay.NOVA_USER)
        subprocess.run(['chown', '-R', owner,
                        L.host(host['name'], 'nova'),
                        L.host(host['name'], 'nova.conf')], check=True)
        # the nova user writes its own log
        log = L.log('nova-compute@' + host['name'])
        open(log, 'a').close()
        shutil.chown(log, lay.NOVA_USER, lay.NOVA_USER)
        procs.start(L, compute_service(L, host))
    ssh_keys(L)
    nova_ssh(L)
    for host in lay.COMPUTES:
        svc = sshd_service(L, host)
        procs.start(L, svc)
        procs.wait_until(svc, procs.port_open(host['ip'], 22), 'ssh port')
    wait_computes(L)


def wait_computes(L):
    admin = {'OS_CLIENT_CONFIG_FILE': L.clouds_yaml,
             'OS_CLOUD': 'rtnova-admin'}
    for host in lay.COMPUTES:
        svc = compute_service(L, host)

        def registered(name=host['name']):
            out = subprocess.run(
                [L.bin('openstack'), 'compute', 'service', 'list',
                 '--service', 'nova-compute', '-f', 'value', '-c', 'Host',
                 '-c', 'State'], capture_output=True, text=True,
                env=dict(os.environ, **admin)).stdout
            return '%s up' % name in out
        procs.wait_until(svc, registered, 'nova-compute service up',
                         timeout=240)


def down(L):
    """Stop nova-compute, destroy guests, stop libvirtd.

    libvirtd leaves QEMU running when it stops; the mount namespace goes
    with the last of its processes.
    """
    for host in lay.COMPUTES:
        path = _libvirtd_state(L, host['name'])
        if not os.path.exists(path):
            continue
        services = procs.load(L)
        for kind in ('nova-compute@', 'sshd@'):
            svc = services.get(kind + host['name'])
            if svc:
                procs.stop(svc)
        with open(path) as fh:
            daemon = private_libvirtd.PrivateLibvirtd.from_state(json.load(fh))
        sock = os.path.join(daemon.root, 'run', 'libvirt-sock')
        virsh = ['virsh', '-c', 'qemu+unix:///system?socket=' + sock]
        names = subprocess.run(virsh + ['list', '--all', '--name'],
                               capture_output=True, text=True).stdout.split()
        for dom in names:
            subprocess.run(virsh + ['destroy', dom], capture_output=True)
            subprocess.run(virsh + ['undefine', '--nvram', dom],
                           capture_output=True)
        daemon.stop()
        os.unlink(path)
    # after the guests: their pages are free again
    hugepages_down(L)
