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

"""rtnova-shield on fake /proc and /sys trees (the ready sample host).

The fake kernel (``shield_fakes.FakeKernelHost``) keeps the rules of
cgroups the shield relies on; refusals are planted per file.
"""

import errno
import io
import os

import fixtures

from rtnova.cmd import shield as shield_cmd
from rtnova.hardware import shield_plan
from rtnova.hardware import threads as threads_mod
from tests.unit import base
from tests.unit import shield_fakes as fakes
from tests.unit import status_fakes

CPUSET, SHIELD, ROOT_TIDS = fakes.CPUSET, fakes.SHIELD, fakes.ROOT_TIDS
FakeKernelHost, snapshot = fakes.FakeKernelHost, fakes.snapshot


class ShieldTestBase(base.TestCase):

    def setUp(self):
        super().setUp()
        files = dict(status_fakes.READY_HOST)
        files.update({
            CPUSET + 'cpuset.cpus': '0-11', CPUSET + 'cpuset.mems': '0-1',
            # vCPU 3001 sits in libvirt's cpuset, the rest at the root
            CPUSET + 'tasks': ' '.join(map(str, sorted(ROOT_TIDS))),
            CPUSET + 'machine/cpuset.cpus': '0-11',
            CPUSET + 'machine/tasks': '3001',
            'sys/devices/virtual/workqueue/cpumask': 'fff',
            'sys/bus/workqueue/devices/writeback/cpumask': 'fff',
            'proc/irq/default_smp_affinity': 'fff',
            'proc/sys/kernel/timer_migration': '1',
            'proc/sys/vm/stat_interval': '1',
            'proc/sys/kernel/watchdog_cpumask': '0-11',
            'proc/irq/30/smp_affinity_list': '0-11',
            'proc/irq/31/smp_affinity_list': '5',
            'proc/irq/32/smp_affinity_list': '4-11',
        })
        for cpu in range(4, 12):
            files['sys/kernel/debug/sched/fair_server/cpu%d/runtime'
                  % cpu] = '50000000'
        self.tree = self.useFixture(status_fakes.FakeHostTree(files))
        self.host = FakeKernelHost(self.tree.root)
        # outside the tree, so that snapshots compare the host alone
        self.state = os.path.join(self.useFixture(
            fixtures.TempDir()).path, 'rtnova', 'shield.json')

    def shield(self, *argv):
        out, err = io.StringIO(), io.StringIO()
        code = shield_cmd.main(list(argv) + ['--state-file', self.state],
                               out=out, err=err, host=self.host)
        return code, out.getvalue(), err.getvalue()

    def read(self, relative):
        return self.host.read(relative)


class BadInputTest(ShieldTestBase):

    def assertRefused(self, argv, words):
        before = snapshot(self.tree.root)
        code, out, err = self.shield(*argv)
        self.assertEqual(shield_cmd.BAD_INPUT, code, out + err)
        for word in words:
            self.assertIn(word, err)
        self.assertNotIn('Traceback', err)
        self.assertEqual(before, snapshot(self.tree.root))

    def test_cpu_outside_the_host(self):
        self.assertRefused(['--dedicated', '4-13'],
                           ['--dedicated', 'CPU 12-13 is not an online'])

    def test_every_cpu_dedicated(self):
        self.assertRefused(['--dedicated', '0-11'],
                           ['leaves no CPU for the host'])

    def test_empty_and_malformed_sets(self):
        self.assertRefused(['--dedicated', ''], ['--dedicated'])
        self.assertRefused(['--dedicated', '4-x'], ['--dedicated'])
        self.assertRefused([], ['--dedicated', 'missing'])

    def test_no_cpuset_controller_says_what_to_do(self):
        os.unlink(self.host.path(CPUSET + 'cpuset.cpus'))
        self.assertRefused(['--dedicated', '4-11'],
                           ['cgroup: no cpuset controller', 'Fix: mount'])

    def test_undo_without_shield(self):
        self.assertRefused(['--undo'], ['not applied'])


class ApplyUndoTest(ShieldTestBase):

    def test_apply_moves_what_can_move_and_undo_restores_every_file(self):
        before = snapshot(self.tree.root)
        code, out, err = self.shield('--dedicated', '4-11')
        self.assertEqual(0, code, err)
        self.assertEqual('0-3', self.read(SHIELD + 'cpuset.cpus'))
        self.assertEqual('0-1', self.read(SHIELD + 'cpuset.mems'))
        moved = set(self.host.task_ids(SHIELD + 'tasks'))
        # user tasks and unbound kernel threads (50) move; QEMU's, per-CPU
        # kernel threads and the vCPU stay
        self.assertEqual({1, 50, 812, 900}, moved)
        self.assertEqual([3001], self.host.task_ids(CPUSET + 'machine/tasks'))
        self.assertEqual('0-3', self.read('proc/irq/30/smp_affinity_list'))
        self.assertEqual('0-3', self.read('proc/irq/31/smp_affinity_list'))
        self.assertEqual('f', self.read(
            'sys/devices/virtual/workqueue/cpumask'))
        self.assertEqual('0', self.read('proc/sys/kernel/timer_migration'))
        # stalld runs on the sample host: the fair server goes to 0
        self.assertEqual('0', self.read(
            'sys/kernel/debug/sched/fair_server/cpu5/runtime'))
        self.assertIn('refused with EINVAL', out)
        self.assertIn('not persisted: systemd is not the init system', out)
        # the sample host boots with nohz_full, rcu_nocbs and isolcpus
        self.assertNotIn('run time cannot', out)
        code, out, err = self.shield('--undo')
        self.assertEqual(0, code, err)
        self.assertEqual(before, snapshot(self.tree.root))

    def test_boot_time_work_is_named_with_its_fix(self):
        self.tree.write('proc/cmdline', 'root=/dev/sda1 nohz_full=4-7')
        os.rename(self.host.path('sys/kernel/debug'),
                  self.host.path('sys/kernel/debug-gone'))
        code, out, _ = self.shield('--dedicated', '4-11')
        self.assertEqual(0, code)
        self.assertIn('run time cannot: nohz_full: the scheduler tick', out)
        self.assertIn('fix: boot with nohz_full=4-11', out)
        self.assertIn('fix: boot with rcu_nocbs=4-11', out)
        self.assertIn('fix: boot with isolcpus=managed_irq,domain,4-11', out)
        self.assertIn('run time cannot: fair server: debugfs is not mounted',
                      out)

    def test_refused_irq_is_reported_and_not_restored(self):
        self.host.refuse['proc/irq/32/smp_affinity_list'] = errno.EIO
        code, out, err = self.shield('--dedicated', '4-11')
        self.assertEqual(0, code, err)
        self.assertIn('IRQ 32', out)
        self.assertIn('Input/output error', out)
        self.assertEqual(0, self.shield('--undo')[0])
        self.assertEqual('4-11', self.read('proc/irq/32/smp_affinity_list'))

    def test_without_stalld_the_fair_server_guards_rt_throttling_off(self):
        # Linux >= 6.12: the fair server still gives kernel threads time
        self.tree.remove('proc/900/comm')
        self.tree.write('proc/sys/kernel/sched_rt_runtime_us', '950000')
        code, out, _ = self.shield('--dedicated', '4-11')
        self.assertEqual(0, code)
        self.assertEqual('-1', self.read(
            'proc/sys/kernel/sched_rt_runtime_us'))
        self.assertIn('deadline fair server gives normal tasks time', out)
        # the guard itself is kept: nothing else would give them time
        self.assertEqual('50000000', self.read(
            'sys/kernel/debug/sched/fair_server/cpu5/runtime'))
        self.assertIn('left alone: fair server runtime 0: stalld does not '
                      'run', out)
        self.assertEqual(0, self.shield('--undo')[0])
        self.assertEqual('950000', self.read(
            'proc/sys/kernel/sched_rt_runtime_us'))

    def test_without_any_guard_rt_throttling_stays(self):
        self.tree.remove('proc/900/comm')
        self.tree.write('proc/sys/kernel/sched_rt_runtime_us', '950000')
        self.tree.write('sys/kernel/debug/sched/fair_server/cpu5/runtime',
                        '0')
        code, out, _ = self.shield('--dedicated', '4-11')
        self.assertEqual(0, code)
        self.assertEqual('950000', self.read(
            'proc/sys/kernel/sched_rt_runtime_us'))
        self.assertIn('left alone: kernel.sched_rt_runtime_us = -1: nothing '
                      'would give starved kernel threads time', out)

    def test_fair_server_behind_refused_debugfs_is_presumed_on(self):
        self.tree.remove('proc/900/comm')
        self.tree.write('proc/sys/kernel/sched_rt_runtime_us', '950000')
        # what the reader makes of a file it cannot read as a number
        self.tree.write('sys/kernel/debug/sched/fair_server/cpu4/runtime',
                        'not readable')
        code, out, _ = self.shield('--dedicated', '4-11')
        self.assertEqual(0, code)
        self.assertEqual('-1', self.read(
            'proc/sys/kernel/sched_rt_runtime_us'))
        self.assertIn('files are refused: the boot default is presumed', out)

    def test_systemd_host_persists_and_undo_restores_operator_file(self):
        self.tree.write('run/systemd/system/.keep', '')
        self.tree.write('etc/sysctl.d/50-rtnova-shield.conf', 'mine = 1')
        before = snapshot(self.tree.root)
        code, out, _ = self.shield('--dedicated', '4-11')
        self.assertEqual(0, code)
        self.assertIn('CPUAffinity=0-3', self.read(
            'etc/systemd/system.conf.d/50-rtnova-shield.conf'))
        self.assertIn('kernel.timer_migration = 0',
                      self.read('etc/sysctl.d/50-rtnova-shield.conf'))
        self.assertIn('w /sys/devices/virtual/workqueue/cpumask - - - - f',
                      self.read('etc/tmpfiles.d/50-rtnova-shield.conf'))
        self.assertEqual(0, self.shield('--undo')[0])
        after = snapshot(self.tree.root)
        # directories the drop-ins needed stay; every file is as it was
        self.assertEqual({k: v for k, v in before.items() if v != '<dir>'},
                         {k: v for k, v in after.items() if v != '<dir>'})

    def test_again_with_another_set_is_refused(self):
        self.assertEqual(0, self.shield('--dedicated', '4-11')[0])
        code, _, err = self.shield('--dedicated', '6-11')
        self.assertEqual(2, code)
        self.assertIn('--undo first', err)
        self.assertEqual(0, self.shield('--dedicated', '4-11')[0])


class CheckTest(ShieldTestBase):

    def test_check_names_what_stays_and_finds_newcomers(self):
        self.assertEqual(0, self.shield('--dedicated', '4-11')[0])
        code, out, _ = self.shield('--check')
        self.assertEqual(0, code, out)
        self.assertIn('per-cpu kthread threads: 40 ksoftirqd/4 (4)', out)
        self.assertIn('the kernel binds it', out)
        self.assertIn('libvirt\'s cgroup /sys/fs/cgroup/cpuset/machine '
                      'holds CPUs 0-11', out)
        # a task started at the root (not by a shielded parent) after it
        self.tree.add_thread(7000, 7000, 'newcomer', '0-11')
        code, out, _ = self.shield('--check')
        self.assertEqual(1, code)
        self.assertIn('1 movable threads: 7000 newcomer (0-11)', out)

    def test_check_before_apply_lists_knobs(self):
        code, out, _ = self.shield('--dedicated', '4-11', '--check')
        self.assertEqual(1, code)
        self.assertIn('shield not applied', out)
        self.assertIn('kernel.timer_migration is 1, the shield sets 0', out)
        self.assertIn('IRQs that may reach dedicated CPUs: 30, 31, 32', out)


class ClassifyTest(base.TestCase):

    def thread(self, name, cpus, flags=0, process=''):
        return threads_mod.Thread(tid=1, comm=name, affinity=frozenset(cpus),
                                  flags=flags, process=process or name)

    def test_kinds(self):
        ded = frozenset({1})
        kt = threads_mod.PF_KTHREAD
        cases = [
            (self.thread('bash', {0}), None),
            (self.thread('bash', {0, 1}), shield_plan.MOVABLE),
            (self.thread('CPU 0/KVM', {1}), shield_plan.VCPU),
            (self.thread('vnc_worker', {0, 1}, process='qemu-system-x86'),
             shield_plan.GUEST),
            (self.thread('kvm-pit/77', {0, 1}, kt), shield_plan.GUEST),
            (self.thread('kthreadd', {0, 1}, kt), shield_plan.KTHREADD),
            (self.thread('ksoftirqd/1', {1}, kt), shield_plan.PER_CPU),
            (self.thread('kworker/u8:0', {0, 1},
                         kt | shield_plan.PF_NO_SETAFFINITY),
             shield_plan.KERNEL_MASK),
            (self.thread('rcu_preempt', {0, 1}, kt), shield_plan.MOVABLE),
        ]
        for thread, kind in cases:
            self.assertEqual(kind, shield_plan.classify(thread, ded),
                             thread.comm)
        self.assertFalse(shield_plan.cgroup_movable(
            self.thread('ksoftirqd/0', {0}, kt)))
        self.assertTrue(shield_plan.cgroup_movable(self.thread('sh', {0})))

    def test_irq_target(self):
        keep = frozenset({0, 1})
        self.assertIsNone(shield_plan.irq_target(frozenset({0}), keep))
        self.assertEqual({0}, shield_plan.irq_target(frozenset({0, 3}),
                                                     keep))
        self.assertEqual(keep, shield_plan.irq_target(frozenset({3}), keep))
