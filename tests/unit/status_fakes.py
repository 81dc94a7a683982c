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

"""Fake /proc, /sys, /etc and /dev trees for the rtnova-status checks."""

import os

import fixtures

from rtnova.hostfs import host_reader as probe_mod
from rtnova.status import checks

# The seeds' sample host, fully set up as the setup guide says.
READY_HOST = {
    'proc/cmdline': 'BOOT_IMAGE=/vmlinuz-rt root=/dev/sda1 ro '
                    'default_hugepagesz=1G isolcpus=managed_irq,domain,4-11 '
                    'nohz=on nohz_full=4-11 rcu_nocbs=4-11 '
                    'intel_pstate=disable nosoftlockup',
    'proc/sys/kernel/version': '#1 SMP PREEMPT_RT Thu Jan 1 00:00:00 2026',
    'sys/kernel/realtime': '1',
    'proc/sys/kernel/sched_rt_runtime_us': '-1',
    'proc/sys/kernel/sched_rt_period_us': '1000000',
    'sys/devices/system/cpu/online': '0-11',
    'sys/devices/system/node/node0/cpulist': '0,2,4,6,8,10',
    'sys/devices/system/node/node1/cpulist': '1,3,5,7,9,11',
    'sys/module/kvm/parameters/lapic_timer_advance_ns': '1000',
    'etc/default/irqbalance': '# irqbalance\nIRQBALANCE_BANNED_CPULIST=4-11\n',
    'proc/812/comm': 'irqbalance',
    'proc/1/comm': 'init',
    'sys/devices/system/cpu/smt/control': 'off',
    'etc/tuned/active_profile': 'realtime-virtual-host',
    'etc/libvirt/qemu.conf': '',
    'dev/kvm': '',
}
for _node in (0, 1):
    for _size, _total in ((1048576, 4), (2048, 0)):
        _base = ('sys/devices/system/node/node%d/hugepages/hugepages-%dkB/'
                 % (_node, _size))
        READY_HOST[_base + 'nr_hugepages'] = str(_total)
        READY_HOST[_base + 'free_hugepages'] = str(_total)
for _cpu in range(12):
    READY_HOST['sys/devices/system/cpu/cpu%d/cpufreq/scaling_governor'
               % _cpu] = 'performance'
for _irq in (0, 1, 24, 25):
    READY_HOST['proc/irq/%d/smp_affinity_list' % _irq] = '0-3'
READY_HOST.update({
    'proc/sys/kernel/osrelease': '6.12.0-rt7',
    'sys/devices/system/cpu/cpuidle/current_driver': 'intel_idle',
    'sys/module/intel_idle/parameters/max_cstate': '9',
    'sys/module/kvm/parameters/kvmclock_periodic_sync': 'N',
    'sys/module/kvm/parameters/nx_huge_pages': 'N',
    'sys/module/kvm/parameters/halt_poll_ns': '200000',
    'sys/module/kvm_intel/parameters/ple_gap': '0',
    'sys/kernel/mm/ksm/run': '2',
    'sys/kernel/mm/transparent_hugepage/enabled': 'always madvise [never]',
    'proc/sys/kernel/timer_migration': '0',
    'sys/devices/virtual/workqueue/cpumask': '00f',
    'proc/irq/default_smp_affinity': '00f',
    'proc/sys/kernel/watchdog': '1',
    'proc/sys/kernel/nmi_watchdog': '0',
    'proc/sys/kernel/soft_watchdog': '0',
    'proc/sys/kernel/watchdog_cpumask': '0-3',
    'proc/900/comm': 'stalld',
    # bare metal: hardware virtualisation, no 'hypervisor' flag
    'proc/cpuinfo': 'processor\t: 0\nflags\t\t: fpu tsc msr vmx lm\n',
})
for _cpu in range(12):
    _base = 'sys/devices/system/cpu/cpu%d/' % _cpu
    READY_HOST[_base + 'topology/thread_siblings_list'] = str(_cpu)
    # POLL, C1 and a C6 that is disabled
    for _index, (_name, _latency, _off) in enumerate(
            (('POLL', 0, 0), ('C1', 2, 0), ('C6', 133, 1))):
        _state = _base + 'cpuidle/state%d/' % _index
        READY_HOST[_state + 'name'] = _name
        READY_HOST[_state + 'latency'] = str(_latency)
        READY_HOST[_state + 'disable'] = str(_off)
    # the fair server: off on the dedicated CPUs, the default elsewhere
    _server = 'sys/kernel/debug/sched/fair_server/cpu%d/' % _cpu
    READY_HOST[_server + 'runtime'] = '0' if _cpu >= 4 else '50000000'
    READY_HOST[_server + 'period'] = '1000000000'

PF_KTHREAD = 0x00200000


def thread_files(pid, tid, name, cpus, kthread=False, policy=0, priority=0,
                 process=None):
    """{relative path: text} of one thread in /proc (status and stat)."""
    base = 'proc/%d/task/%d/' % (pid, tid)
    # stat fields 3.. (after "tid (comm)"): flags is field 9, rt_priority
    # 40, policy 41
    fields = ['S'] + ['0'] * 38
    fields[6] = str(PF_KTHREAD if kthread else 0x400000)
    fields[37] = str(priority)
    fields[38] = str(policy)
    files = {
        base + 'status': 'Name:\t%s\nTgid:\t%d\nCpus_allowed_list:\t%s'
                         % (name, pid, cpus),
        base + 'stat': '%d (%s) %s' % (tid, name, ' '.join(fields)),
    }
    if process is not None or pid == tid:
        files['proc/%d/comm' % pid] = process or name
    return files


# threads of the ready host: housekeeping on 0-3, a real-time guest whose
# vCPU runs on 4 and whose QEMU threads run on the pool, per-CPU kernel
# threads of CPU 4 above [rtnova] max_realtime_priority
READY_THREADS = (
    (1, 1, 'systemd', '0-3', False, 0, 0),
    (812, 812, 'irqbalance', '0-3', False, 0, 0),
    (900, 900, 'stalld', '0-3', False, 1, 10),
    (3000, 3000, 'qemu-kvm', '2-3', False, 0, 0),
    (3000, 3001, 'CPU 0/KVM', '4', False, 1, 10),
    (3000, 3002, 'IO mon_iothread', '2-3', False, 0, 0),
    (40, 40, 'ksoftirqd/4', '4', True, 1, 51),
    (41, 41, 'ktimers/4', '4', True, 1, 51),
    (42, 42, 'rcuc/4', '4', True, 1, 51),
    (43, 43, 'kworker/4:1', '4', True, 0, 0),
    (44, 44, 'migration/4', '4', True, 1, 99),
    (50, 50, 'kworker/u24:0', '0-3', True, 0, 0),
)
for _thread in READY_THREADS:
    READY_HOST.update(thread_files(*_thread))

READY_SETS = checks.HostSets(dedicated=frozenset(range(4, 12)),
                             pool=frozenset({2, 3}))


class FakeProbe(probe_mod.HostReader):
    """A probe on a fake tree; non-file facts are attributes."""

    libvirt = (9, 0, 0)
    memlock = (65536, 65536)
    memlock_raisable = True

    def libvirt_version(self):
        return self.libvirt

    def memlock_limit(self):
        return self.memlock

    def can_raise_memlock(self):
        return self.memlock_raisable


class FakeHostTree(fixtures.Fixture):
    """A temporary root directory holding ``files`` ({relative: text})."""

    def __init__(self, files=None):
        super().__init__()
        self.files = dict(READY_HOST if files is None else files)

    def _setUp(self):
        # a tree holds a few hundred small files: on tmpfs it is written
        # ten times faster than on the disk /tmp lives on here
        shm = '/dev/shm' if os.access('/dev/shm', os.W_OK) else None
        self.root = self.useFixture(fixtures.TempDir(rootdir=shm)).path
        for relative, text in self.files.items():
            self.write(relative, text)
        self.probe = FakeProbe(self.root)

    def add_thread(self, *args, **kwargs):
        for relative, text in thread_files(*args, **kwargs).items():
            self.write(relative, text)

    def write_bytes(self, relative, data):
        path = os.path.join(self.root, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'wb') as fh:
            fh.write(data)

    def link(self, relative, target):
        path = os.path.join(self.root, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        os.symlink(target, path)

    def write(self, relative, text):
        path = os.path.join(self.root, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as fh:
            fh.write(text + '\n' if text else '')

    def remove(self, relative):
        os.unlink(os.path.join(self.root, relative))
