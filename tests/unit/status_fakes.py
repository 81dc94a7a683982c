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

from rtnova.status import checks
from rtnova.status import probe as probe_mod

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

READY_SETS = checks.HostSets(dedicated=frozenset(range(4, 12)),
                             pool=frozenset({2, 3}))


class FakeProbe(probe_mod.HostProbe):
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
        self.root = self.useFixture(fixtures.TempDir()).path
        for relative, text in self.files.items():
            self.write(relative, text)
        self.probe = FakeProbe(self.root)

    def write(self, relative, text):
        path = os.path.join(self.root, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w') as fh:
            fh.write(text + '\n' if text else '')

    def remove(self, relative):
        os.unlink(os.path.join(self.root, relative))
