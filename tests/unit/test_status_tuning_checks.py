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

"""The tuning checks of rtnova-status (idle, KVM, memory, isolation,
scheduling, threads): pass and fail paths on fake host trees."""

import dataclasses
import os
import shutil
import struct
import threading

import fixtures
from oslo_config import cfg
from oslo_config import fixture as config_fixture

from rtnova.hostfs import host_reader as probe_mod
from rtnova.status import checks
from rtnova.status import readiness

import rtnova.conf

from tests.unit import base
from tests.unit import status_fakes
from tests.unit import test_status_checks

S, W, F = checks.SUCCESS, checks.WARNING, checks.FAILURE
CPU = 'sys/devices/system/cpu/cpu%d/'
KVM = 'sys/module/kvm/parameters/'
SERVER = 'sys/kernel/debug/sched/fair_server/cpu%d/runtime'


class CPUIdleTest(test_status_checks.ChecksTestBase):

    def enable_c6(self, cpus):
        for cpu in cpus:
            self.tree.write(CPU % cpu + 'cpuidle/state2/disable', '0')

    def test_reachable_deep_state_warns_and_names_cpu_and_state(self):
        self.enable_c6([5])
        code, details = self.run_check('cpu_idle')
        self.assertEqual(W, code)
        self.assertIn('CPU 5: C6 (133 us)', details)
        self.assertNotIn('CPU 4:', details)

    def test_deep_state_of_a_housekeeping_cpu_does_not_count(self):
        self.enable_c6([0, 1])
        self.assertEqual(S, self.run_check('cpu_idle')[0])

    def test_cpu_dma_latency_holder_keeps_deep_states_out(self):
        self.enable_c6(range(12))
        self.tree.write_bytes('dev/cpu_dma_latency', struct.pack('=i', 0))
        self.tree.write('proc/700/comm', 'tuned')
        self.tree.link('proc/700/fd/5', '/dev/cpu_dma_latency')
        code, details = self.run_check('cpu_idle')
        self.assertEqual(S, code)
        self.assertIn('/dev/cpu_dma_latency = 0 us held by tuned (pid 700)',
                      details)

    def test_a_latency_limit_above_the_state_does_not_help(self):
        self.enable_c6([6])
        self.tree.write_bytes('dev/cpu_dma_latency', struct.pack('=i', 200))
        self.assertEqual(W, self.run_check('cpu_idle')[0])

    def test_kernel_command_line_limits_are_named(self):
        self.enable_c6([4])
        self.set_cmdline(**{'intel_idle.max_cstate': '1',
                            'isolcpus': '4-11'})
        code, details = self.run_check('cpu_idle')
        self.assertEqual(W, code)
        self.assertIn('intel_idle.max_cstate=1', details)

    def test_idle_poll_passes(self):
        self.enable_c6([4])
        self.set_cmdline(idle='poll')
        self.assertEqual(S, self.run_check('cpu_idle')[0])

    def test_no_cpuidle_driver_passes(self):
        for cpu in range(12):
            for state in range(3):
                for name in ('name', 'latency', 'disable'):
                    self.tree.remove(CPU % cpu +
                                     'cpuidle/state%d/%s' % (state, name))
                os.rmdir(os.path.join(self.tree.root, CPU % cpu +
                                      'cpuidle/state%d' % state))
        code, details = self.run_check('cpu_idle')
        self.assertEqual(S, code)
        self.assertIn('no cpuidle states', details)

    def test_nova_power_management_is_named(self):
        self.enable_c6([4])
        sets = dataclasses.replace(self.sets, power_management=True,
                                   power_strategy='cpu_state')
        details = self.run_check('cpu_idle', sets)[1]
        self.assertIn('cpu_power_management (strategy cpu_state) takes '
                      'unused dedicated CPUs offline', details)
        details = self.run_check('cpu_idle')[1]
        self.assertIn('cpu_power_management is off', details)


class MemoryTuningTest(test_status_checks.ChecksTestBase):

    def test_ksm_running_warns(self):
        self.tree.write('sys/kernel/mm/ksm/run', '1')
        self.assertEqual(W, self.run_check('ksm')[0])

    def test_ksm_stopped_or_absent_passes(self):
        self.tree.write('sys/kernel/mm/ksm/run', '0')
        self.assertEqual(S, self.run_check('ksm')[0])
        self.tree.remove('sys/kernel/mm/ksm/run')
        self.assertEqual(S, self.run_check('ksm')[0])

    def test_thp_always_warns(self):
        self.tree.write('sys/kernel/mm/transparent_hugepage/enabled',
                        '[always] madvise never')
        self.assertEqual(W, self.run_check('thp')[0])

    def test_thp_madvise_passes(self):
        self.tree.write('sys/kernel/mm/transparent_hugepage/enabled',
                        'always [madvise] never')
        code, details = self.run_check('thp')
        self.assertEqual(S, code)
        self.assertIn('madvise', details)


class IsolationTest(test_status_checks.ChecksTestBase):

    def test_timer_migration_on_warns(self):
        self.tree.write('proc/sys/kernel/timer_migration', '1')
        self.assertEqual(W, self.run_check('timer_migration')[0])

    def test_workqueue_mask_with_dedicated_cpus_warns(self):
        self.tree.write('sys/devices/virtual/workqueue/cpumask', 'fff')
        code, details = self.run_check('workqueue_mask')
        self.assertEqual(W, code)
        self.assertIn('dedicated CPUs 4-11', details)

    def test_default_irq_affinity_with_dedicated_cpus_warns(self):
        self.tree.write('proc/irq/default_smp_affinity', '0,00000010')
        code, details = self.run_check('default_irq_affinity')
        self.assertEqual(W, code)
        self.assertIn('dedicated CPUs 4', details)

    def test_masks_need_a_dedicated_set(self):
        for name in ('workqueue_mask', 'default_irq_affinity', 'watchdog',
                     'smt_siblings', 'dedicated_cpu_intruders',
                     'kthread_priorities'):
            self.assertEqual(
                W, self.run_check(name, checks.HostSets())[0], name)

    def test_nmi_watchdog_on_dedicated_cpus_warns(self):
        self.tree.write('proc/sys/kernel/nmi_watchdog', '1')
        self.tree.write('proc/sys/kernel/watchdog_cpumask', '0-11')
        code, details = self.run_check('watchdog')
        self.assertEqual(W, code)
        self.assertIn('NMI (hard lockup)', details)

    def test_watchdog_outside_the_dedicated_set_passes(self):
        self.tree.write('proc/sys/kernel/soft_watchdog', '1')
        self.assertEqual(S, self.run_check('watchdog')[0])
        self.tree.write('proc/sys/kernel/watchdog_cpumask', '0-4')
        self.assertEqual(W, self.run_check('watchdog')[0])

    def test_watchdog_off_passes(self):
        self.tree.write('proc/sys/kernel/nmi_watchdog', '1')
        self.tree.write('proc/sys/kernel/watchdog_cpumask', '0-11')
        self.tree.write('proc/sys/kernel/watchdog', '0')
        self.assertEqual(S, self.run_check('watchdog')[0])

    def test_smt_sibling_in_pool_and_housekeeping_warns(self):
        self.tree.write(CPU % 4 + 'topology/thread_siblings_list', '2,4')
        self.tree.write(CPU % 5 + 'topology/thread_siblings_list', '0,5')
        self.tree.write(CPU % 6 + 'topology/thread_siblings_list', '6-7')
        code, details = self.run_check('smt_siblings')
        self.assertEqual(W, code)
        self.assertIn('CPU 4 shares its core with 2 (emulator pool)', details)
        self.assertIn('CPU 5 shares its core with 0 (housekeeping)', details)
        self.assertNotIn('CPU 6', details)


class FairServerTest(test_status_checks.ChecksTestBase):

    def test_runtime_on_a_dedicated_cpu_warns(self):
        self.tree.write(SERVER % 5, '50000000')
        code, details = self.run_check('fair_server')
        self.assertEqual(W, code)
        self.assertIn('CPU 5: 50 of 1000 ms', details)

    def test_unreadable_runtime_says_so(self):
        # a directory where the file should be: reading it fails
        self.tree.remove(SERVER % 4)
        os.mkdir(os.path.join(self.tree.root, SERVER % 4))
        code, details = self.run_check('fair_server')
        self.assertEqual(W, code)
        self.assertIn('reading it is refused', details)
        self.assertIn('50 ms of every 1000 ms', details)

    def remove_debugfs(self):
        shutil.rmtree(os.path.join(self.tree.root, 'sys/kernel/debug'))

    def test_unmounted_debugfs_on_a_new_kernel_warns(self):
        self.remove_debugfs()
        code, details = self.run_check('fair_server')
        self.assertEqual(W, code)
        self.assertIn('debugfs is not mounted', details)

    def test_old_kernel_has_no_fair_server(self):
        self.remove_debugfs()
        self.tree.write('proc/sys/kernel/osrelease', '6.6.30-rt30')
        self.assertEqual(S, self.run_check('fair_server')[0])

    def test_debugfs_without_fair_server_passes(self):
        shutil.rmtree(os.path.join(self.tree.root,
                                   'sys/kernel/debug/sched/fair_server'))
        self.assertEqual(S, self.run_check('fair_server')[0])

    def test_rt_throttling_off_is_not_enough_with_the_fair_server(self):
        self.tree.write(SERVER % 4, '50000000')
        code, details = self.run_check('rt_throttling')
        self.assertEqual(W, code)
        self.assertIn('-1 alone is not enough', details)

    def test_rt_throttling_off_is_enough_on_old_kernels(self):
        self.remove_debugfs()
        self.tree.write('proc/sys/kernel/osrelease', '5.14.0-rt14')
        self.assertEqual(S, self.run_check('rt_throttling')[0])
        self.tree.write('proc/sys/kernel/osrelease', '6.18.0')
        self.assertEqual(W, self.run_check('rt_throttling')[0])


class StalldTest(test_status_checks.ChecksTestBase):

    def stop_stalld(self):
        self.tree.write('proc/900/comm', 'sshd')

    def test_unprotected_host_fails(self):
        self.stop_stalld()
        code, details = self.run_check('stalld')
        self.assertEqual(F, code)
        self.assertIn('stalld is not installed', details)
        self.tree.write('usr/bin/stalld', '')
        self.assertIn('installed but not running',
                      self.run_check('stalld')[1])

    def test_fair_server_protects(self):
        self.stop_stalld()
        for cpu in range(4, 12):
            self.tree.write(SERVER % cpu, '50000000')
        code, details = self.run_check('stalld')
        self.assertEqual(S, code)
        self.assertIn('not needed while the fair server', details)

    def test_rt_throttling_protects(self):
        self.stop_stalld()
        self.tree.write('proc/sys/kernel/sched_rt_runtime_us', '950000')
        self.assertEqual(S, self.run_check('stalld')[0])

    def test_unreadable_fair_server_warns(self):
        self.stop_stalld()
        shutil.rmtree(os.path.join(self.tree.root, 'sys/kernel/debug'))
        self.assertEqual(W, self.run_check('stalld')[0])


class IntrudersTest(test_status_checks.ChecksTestBase):

    def test_user_thread_allowed_on_dedicated_cpus_fails(self):
        self.tree.add_thread(7000, 7000, 'busyloop', '0-11')
        self.tree.add_thread(7000, 7003, 'worker', '5')
        self.tree.add_thread(7100, 7102, 'pinner', '4')
        code, details = self.run_check('dedicated_cpu_intruders')
        self.assertEqual(F, code)
        self.assertIn('3 threads besides vCPUs', details)
        self.assertIn('7000 busyloop (2 threads, 0-11)', details)
        self.assertIn('7100/7102 pinner (4)', details)

    def test_unbound_kernel_thread_fails(self):
        self.tree.add_thread(60, 60, 'kworker/u24:1', '0-11', kthread=True)
        code, details = self.run_check('dedicated_cpu_intruders')
        self.assertEqual(F, code)
        self.assertIn('kworker/u24:1', details)

    def test_guest_emulator_threads_warn(self):
        self.tree.add_thread(3000, 3005, 'vnc_worker', '4')
        code, details = self.run_check('dedicated_cpu_intruders')
        self.assertEqual(W, code)
        self.assertIn('3000/3005 vnc_worker (4)', details)

    def test_vcpu_and_per_cpu_kernel_threads_pass(self):
        self.tree.add_thread(3000, 3009, 'CPU 1/KVM', '4-11')
        self.tree.add_thread(61, 61, 'cpuhp/5', '5', kthread=True)
        self.assertEqual(S, self.run_check('dedicated_cpu_intruders')[0])

    def test_no_threads_readable_warns(self):
        probe = probe_mod.HostReader(
            self.useFixture(fixtures.TempDir()).path)
        code, _, fix = checks.CHECKS[
            checks.CHECK_NAMES.index('dedicated_cpu_intruders')][2](
                probe, self.sets)
        self.assertEqual(W, code)
        self.assertTrue(fix)


class KthreadPrioritiesTest(test_status_checks.ChecksTestBase):

    def test_kthread_below_max_priority_warns_and_names_priority(self):
        self.tree.add_thread(45, 45, 'ksoftirqd/5', '5', kthread=True,
                             policy=1, priority=2)
        self.tree.add_thread(46, 46, 'rcuc/5', '5', kthread=True,
                             policy=1, priority=4)
        code, details = self.run_check('kthread_priorities')
        self.assertEqual(W, code)
        self.assertIn('a vCPU at priority 2 or higher', details)
        self.assertIn('ksoftirqd/5 FIFO 2, rcuc/5 FIFO 4', details)
        fix = checks.CHECKS[checks.CHECK_NAMES.index('kthread_priorities')][
            2](self.tree.probe, self.sets)[2]
        self.assertIn('max_realtime_priority below 2', fix)

    def test_max_priority_below_the_kthreads_passes(self):
        self.tree.add_thread(45, 45, 'ksoftirqd/5', '5', kthread=True,
                             policy=1, priority=2)
        sets = dataclasses.replace(self.sets, max_priority=1)
        self.assertEqual(S, self.run_check('kthread_priorities', sets)[0])

    def test_kthreads_of_housekeeping_cpus_do_not_count(self):
        self.tree.add_thread(47, 47, 'ksoftirqd/0', '0', kthread=True,
                             policy=1, priority=2)
        self.assertEqual(S, self.run_check('kthread_priorities')[0])

    def test_sched_other_kthreads_are_noted(self):
        self.tree.add_thread(45, 45, 'ksoftirqd/5', '5', kthread=True)
        code, details = self.run_check('kthread_priorities')
        self.assertEqual(S, code)
        self.assertIn('SCHED_OTHER: ksoftirqd/5 (', details)


class CriticalDefaultsTest(base.TestCase):
    """The new critical checks withhold readiness by default."""

    def setUp(self):
        super().setUp()
        self.tree = self.useFixture(status_fakes.FakeHostTree())
        self.conf = cfg.ConfigOpts()
        from nova.conf import compute
        compute.register_opts(self.conf)
        rtnova.conf.register_opts(self.conf)
        self.flags = self.useFixture(config_fixture.Config(self.conf))
        self.conf([])
        self.flags.config(group='compute', cpu_dedicated_set='4-11')
        self.flags.config(group='rtnova', emulator_pin_set='2-3')

    def test_ready_sample_host_is_ready(self):
        self.assertTrue(readiness.critical_checks_pass(self.conf,
                                                       self.tree.probe))

    def test_stalld_missing_withholds_readiness(self):
        self.tree.write('proc/900/comm', 'sshd')
        failed = readiness.failed_critical_checks(self.conf, self.tree.probe)
        self.assertEqual(['stalld'], [r.name for r in failed])

    def test_intruder_withholds_readiness(self):
        self.tree.add_thread(7000, 7000, 'busyloop', '0-11')
        failed = readiness.failed_critical_checks(self.conf, self.tree.probe)
        self.assertEqual(['dedicated_cpu_intruders'], [r.name for r in failed])

    def test_max_priority_and_power_management_come_from_nova_conf(self):
        from nova.conf import libvirt
        libvirt.register_opts(self.conf)
        self.flags.config(group='rtnova', max_realtime_priority=30)
        self.flags.config(group='libvirt', cpu_power_management=True,
                          cpu_power_management_strategy='governor')
        sets = readiness.sets_from_conf(self.conf)
        self.assertEqual((30, True, 'governor'), (
            sets.max_priority, sets.power_management, sets.power_strategy))


class ProbeReadsTest(base.TestCase):

    def test_this_thread_on_the_real_proc(self):
        probe = probe_mod.HostReader('/')
        tid = threading.get_native_id()
        mine = [t for t in probe.threads() if t.tid == tid]
        self.assertEqual(1, len(mine))
        self.assertEqual(frozenset(os.sched_getaffinity(0)), mine[0].affinity)
        self.assertEqual(os.getpid(), mine[0].pid)
        self.assertFalse(mine[0].kthread)

    def test_holders_of_an_open_file_on_the_real_proc(self):
        path = os.path.join(self.useFixture(fixtures.TempDir()).path, 'dev')
        with open(path, 'w') as held:
            holders = probe_mod.HostReader('/').holders_of(path)
            self.assertFalse(held.closed)
        self.assertIn(os.getpid(), holders)
        self.assertNotIn(os.getpid(),
                         probe_mod.HostReader('/').holders_of(path))

    def test_kernel_release_on_the_real_host(self):
        release = os.uname().release.split('.')
        self.assertEqual((int(release[0]), int(release[1].split('-')[0])),
                         probe_mod.HostReader('/').kernel_release())

    def test_thread_name_with_parentheses_and_spaces(self):
        tree = self.useFixture(status_fakes.FakeHostTree(
            files={}))
        tree.add_thread(5, 6, 'a) (b c', '1-2', kthread=True, policy=2,
                        priority=7)
        thread = tree.probe.threads()[0]
        self.assertEqual(('a) (b c', frozenset({1, 2}), True, 'RR 7'),
                         (thread.comm, thread.affinity, thread.kthread,
                          thread.policy_text()))
