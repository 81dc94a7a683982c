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

"""Each rtnova-status check, pass and fail path, on fake host trees."""

import dataclasses

from oslo_config import cfg
from oslo_config import fixture as config_fixture

from rtnova.conf import ready_trait as readiness_conf
from rtnova.hardware import errors
from rtnova.hardware import host_config_rules as rules
from rtnova.status import checks
from rtnova.status import readiness

import rtnova.conf

from tests.unit import base
from tests.unit import status_fakes

S, W, F = checks.SUCCESS, checks.WARNING, checks.FAILURE
NODE0_1G = 'sys/devices/system/node/node0/hugepages/hugepages-1048576kB/'


class ChecksTestBase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.tree = self.useFixture(status_fakes.FakeHostTree())
        self.sets = status_fakes.READY_SETS

    def run_check(self, name, sets=None):
        func = dict((n, f) for n, _, f in checks.CHECKS)[name]
        code, details, fix = func(self.tree.probe, sets or self.sets)
        if code != S:
            # every complaint says how to fix it
            self.assertTrue(fix, name)
        return code, details

    def set_cmdline(self, **params):
        words = ['ro'] + ['%s=%s' % kv for kv in params.items()]
        self.tree.write('proc/cmdline', ' '.join(words))


class ReadyHostTest(ChecksTestBase):

    def test_every_check_passes_on_the_ready_sample_host(self):
        results = checks.run_checks(self.tree.probe, self.sets)
        self.assertEqual(
            [(name, S) for name in checks.CHECK_NAMES],
            [(r.name, r.code) for r in results],
            [r.details for r in results if r.code != S])
        self.assertEqual(S, checks.overall_code(results))

    def test_check_names_match_the_option_choices(self):
        self.assertEqual(readiness_conf.CHECK_NAMES, checks.CHECK_NAMES)


class KernelChecksTest(ChecksTestBase):

    def test_realtime_kernel_from_version_string_only(self):
        self.tree.remove('sys/kernel/realtime')
        self.assertEqual(S, self.run_check('realtime_kernel')[0])

    def test_non_rt_kernel_fails(self):
        self.tree.remove('sys/kernel/realtime')
        self.tree.write('proc/sys/kernel/version', '#1 SMP PREEMPT_DYNAMIC')
        code, details = self.run_check('realtime_kernel')
        self.assertEqual(F, code)
        self.assertIn('PREEMPT_DYNAMIC', details)

    def test_isolcpus_missing_cpus_fail_and_are_named(self):
        self.set_cmdline(isolcpus='4-9', nohz_full='4-11',
                         rcu_nocbs='4-11')
        code, details = self.run_check('isolcpus')
        self.assertEqual(F, code)
        self.assertIn('10-11', details)

    def test_isolcpus_flags_are_not_cpus(self):
        self.set_cmdline(isolcpus='nohz,domain,managed_irq,4-11')
        self.assertEqual(S, self.run_check('isolcpus')[0])

    def test_nohz_full_missing_warns(self):
        self.set_cmdline(isolcpus='4-11', rcu_nocbs='4-11')
        code, details = self.run_check('nohz_full')
        self.assertEqual(W, code)
        self.assertIn('4-11', details)

    def test_rcu_nocbs_implied_by_nohz_full(self):
        self.set_cmdline(isolcpus='4-11', nohz_full='4-11')
        code, details = self.run_check('rcu_nocbs')
        self.assertEqual(S, code)
        self.assertIn('implies', details)

    def test_rcu_nocbs_missing_warns(self):
        self.set_cmdline(isolcpus='4-11')
        self.assertEqual(W, self.run_check('rcu_nocbs')[0])

    def test_coverage_checks_need_a_dedicated_set(self):
        for name in ('isolcpus', 'nohz_full', 'rcu_nocbs'):
            self.assertEqual(
                W, self.run_check(name, checks.HostSets())[0], name)

    def test_rt_throttling_explains_the_stall(self):
        self.tree.write('proc/sys/kernel/sched_rt_runtime_us', '950000')
        code, details = self.run_check('rt_throttling')
        self.assertEqual(W, code)
        self.assertIn('stopped for 50 ms every 1000 ms', details)

    def test_rt_throttling_unreadable(self):
        self.tree.remove('proc/sys/kernel/sched_rt_runtime_us')
        self.assertEqual(W, self.run_check('rt_throttling')[0])

    def test_rt_cgroup_fails_when_libvirt_uses_the_cpu_controller(self):
        self.tree.write('sys/fs/cgroup/cpu/cpu.rt_runtime_us', '950000')
        code, details = self.run_check('rt_cgroup')
        self.assertEqual(F, code)
        self.assertIn('Cannot set scheduler parameters', details)

    def test_rt_cgroup_passes_without_the_cpu_controller(self):
        self.tree.write('sys/fs/cgroup/cpu/cpu.rt_runtime_us', '950000')
        self.tree.write('etc/libvirt/qemu.conf',
                        'user = "root"\ncgroup_controllers = [ "cpuset", '
                        '"memory" ]')
        code, details = self.run_check('rt_cgroup')
        self.assertEqual(S, code)
        self.assertIn('quota:cpu_shares/period/quota cannot boot', details)

    def test_rt_cgroup_fix_names_its_cost(self):
        self.tree.write('sys/fs/cgroup/cpu/cpu.rt_runtime_us', '950000')
        func = dict((n, f) for n, _, f in checks.CHECKS)['rt_cgroup']
        _code, _details, fix = func(self.tree.probe, self.sets)
        self.assertIn('quota:cpu_* extra specs then no longer boot', fix)

    def test_rt_cgroup_keeps_the_cpu_controller_without_rt_group_sched(self):
        # a kernel without CONFIG_RT_GROUP_SCHED: no cpu.rt_runtime_us, and
        # libvirt using every controller (no cgroup_controllers line) is
        # right: nothing is asked of the operator
        self.tree.write('sys/fs/cgroup/cpu/cpu.cfs_quota_us', '-1')
        self.tree.write('etc/libvirt/qemu.conf', 'user = "root"\n')
        code, details = self.run_check('rt_cgroup')
        self.assertEqual(S, code)
        self.assertIn('keeps its cpu controller', details)
        self.assertIsNone(self.tree.probe.rt_group_sched_root())


class CPUSetChecksTest(ChecksTestBase):

    def test_no_dedicated_set_fails(self):
        code, details = self.run_check('dedicated_set', checks.HostSets())
        self.assertEqual(F, code)
        self.assertIn('[compute] cpu_dedicated_set', details)

    def test_legacy_option_is_named(self):
        sets = dataclasses.replace(self.sets, dedicated=frozenset({4, 40}),
                                   dedicated_option='[DEFAULT] vcpu_pin_set')
        code, details = self.run_check('dedicated_set', sets)
        self.assertEqual(F, code)
        self.assertIn('[DEFAULT] vcpu_pin_set lists CPUs 40', details)

    def test_emulator_pool_unset_warns(self):
        sets = dataclasses.replace(self.sets, pool=frozenset())
        self.assertEqual(W, self.run_check('emulator_pool', sets)[0])

    def test_emulator_pool_overlapping_dedicated_fails(self):
        sets = dataclasses.replace(self.sets, pool=frozenset({3, 4}))
        code, details = self.run_check('emulator_pool', sets)
        self.assertEqual(F, code)
        self.assertIn('CPUs 4 are also in [compute] cpu_dedicated_set',
                      details)

    def test_emulator_pool_isolated_fails(self):
        self.set_cmdline(isolcpus='2-11', nohz_full='4-11')
        code, details = self.run_check('emulator_pool')
        self.assertEqual(F, code)
        self.assertIn('CPUs 2-3 are in isolcpus=', details)

    def test_emulator_pool_offline_cpus_fail(self):
        sets = dataclasses.replace(self.sets, pool=frozenset({2, 30}))
        code, details = self.run_check('emulator_pool', sets)
        self.assertEqual(F, code)
        self.assertIn('CPUs 30 are not online', details)

    def test_emulator_pool_in_shared_set_fails(self):
        sets = dataclasses.replace(self.sets, shared=frozenset({0, 1, 2}))
        code, details = self.run_check('emulator_pool', sets)
        self.assertEqual(F, code)
        self.assertIn('CPUs 2 are also in [compute] cpu_shared_set', details)

    def test_emulator_pool_nohz_full_fails(self):
        self.set_cmdline(isolcpus='4-11', nohz_full='3-11')
        code, details = self.run_check('emulator_pool')
        self.assertEqual(F, code)
        self.assertIn('CPUs 3 are in nohz_full=', details)

    def test_emulator_pool_missing_cpu_fails(self):
        self.tree.write('sys/devices/system/cpu/present', '0-11')
        sets = dataclasses.replace(self.sets, pool=frozenset({2, 30}))
        code, details = self.run_check('emulator_pool', sets)
        self.assertEqual(F, code)
        self.assertIn('CPUs 30 do not exist on this host', details)


class PriorityCheckTest(ChecksTestBase):

    def _sets(self, **settings):
        return dataclasses.replace(
            self.sets, priorities=rules.PrioritySettings(**settings))

    def test_defaults_pass(self):
        code, details = self.run_check('priority_config')
        self.assertEqual(S, code)
        self.assertIn('priorities 1-49, default fifo:10', details)

    def test_default_outside_range_fails(self):
        code, details = self.run_check(
            'priority_config', self._sets(min_priority=50,
                                          max_priority=60))
        self.assertEqual(F, code)
        self.assertIn('[rtnova] default_realtime_priority', details)

    def test_empty_range_fails(self):
        code, details = self.run_check(
            'priority_config', self._sets(min_priority=30, max_priority=20,
                                          default_priority=25))
        self.assertEqual(F, code)
        self.assertIn('[rtnova] min_realtime_priority: the range 30-20',
                      details)


class MemoryChecksTest(ChecksTestBase):

    def test_no_hugepages_warns(self):
        for node in (0, 1):
            self.tree.write('sys/devices/system/node/node%d/hugepages/'
                            'hugepages-1048576kB/nr_hugepages' % node, '0')
        code, details = self.run_check('hugepages')
        self.assertEqual(W, code)
        self.assertIn('no hugepages reserved', details)

    def test_exhausted_node_warns(self):
        self.tree.write(NODE0_1G + 'free_hugepages', '0')
        code, details = self.run_check('hugepages')
        self.assertEqual(W, code)
        self.assertIn('node0/1048576 KiB', details)

    def test_hugepages_reported_per_node(self):
        details = self.run_check('hugepages')[1]
        self.assertEqual('node0: 0 x 2048 KiB (0 free), 4 x 1048576 KiB '
                         '(4 free); node1: 0 x 2048 KiB (0 free), '
                         '4 x 1048576 KiB (4 free)', details)

    def test_memory_lock_not_raisable_fails(self):
        self.tree.probe.memlock_raisable = False
        code, details = self.run_check('memory_lock')
        self.assertEqual(F, code)
        self.assertIn('<locked/>', details)

    def test_memory_lock_unlimited_passes(self):
        self.tree.probe.memlock = (-1, -1)
        self.tree.probe.memlock_raisable = False
        self.assertEqual(S, self.run_check('memory_lock')[0])


class KVMChecksTest(ChecksTestBase):

    LAPIC = 'sys/module/kvm/parameters/lapic_timer_advance'

    def test_lapic_zero_warns(self):
        self.tree.write(self.LAPIC + '_ns', '0')
        self.assertEqual(W, self.run_check('lapic_timer_advance')[0])

    def test_lapic_adaptive(self):
        self.tree.write(self.LAPIC + '_ns', '-1')
        code, details = self.run_check('lapic_timer_advance')
        self.assertEqual(S, code)
        self.assertIn('adaptive', details)

    def test_lapic_boolean_parameter_of_newer_kernels(self):
        self.tree.remove(self.LAPIC + '_ns')
        self.tree.write(self.LAPIC, 'Y')
        self.assertEqual(S, self.run_check('lapic_timer_advance')[0])
        self.tree.write(self.LAPIC, 'N')
        self.assertEqual(W, self.run_check('lapic_timer_advance')[0])

    def test_kvm_module_not_loaded_fails(self):
        self.tree.remove(self.LAPIC + '_ns')
        self.assertEqual(F, self.run_check('lapic_timer_advance')[0])

    def test_no_dev_kvm_fails(self):
        self.tree.remove('dev/kvm')
        self.assertEqual(F, self.run_check('kvm_device')[0])

    def test_old_libvirt_fails(self):
        self.tree.probe.libvirt = (7, 0, 0)
        code, details = self.run_check('libvirt_version')
        self.assertEqual(F, code)
        self.assertIn('7.0.0', details)

    def test_no_libvirt_fails(self):
        self.tree.probe.libvirt = None
        self.assertEqual(F, self.run_check('libvirt_version')[0])


class IRQChecksTest(ChecksTestBase):

    def test_irq_on_isolated_cpu_warns_and_is_named(self):
        self.tree.write('proc/irq/30/smp_affinity_list', '0-11')
        code, details = self.run_check('irq_affinity')
        self.assertEqual(W, code)
        self.assertIn('30 (0-11)', details)

    def test_irqbalance_not_banning_isolated_cpus_warns(self):
        self.tree.write('etc/default/irqbalance',
                        'IRQBALANCE_BANNED_CPULIST=4-7')
        code, details = self.run_check('irqbalance')
        self.assertEqual(W, code)
        self.assertIn('8-11', details)

    def test_irqbalance_hex_mask(self):
        self.tree.remove('etc/default/irqbalance')
        self.tree.write('etc/sysconfig/irqbalance',
                        'IRQBALANCE_BANNED_CPUS="00000ff0"')
        code, details = self.run_check('irqbalance')
        self.assertEqual(S, code)
        self.assertIn('/etc/sysconfig/irqbalance', details)

    def test_irqbalance_bad_mask_warns(self):
        self.tree.write('etc/default/irqbalance',
                        'IRQBALANCE_BANNED_CPUS=zz')
        self.assertEqual(W, self.run_check('irqbalance')[0])

    def test_irqbalance_not_running_passes(self):
        self.tree.write('etc/default/irqbalance', '')
        self.tree.write('proc/812/comm', 'sshd')
        self.assertEqual(S, self.run_check('irqbalance')[0])


class PlatformChecksTest(ChecksTestBase):

    def test_smt_on_warns(self):
        self.tree.write('sys/devices/system/cpu/smt/control', 'on')
        self.assertEqual(W, self.run_check('smt')[0])

    def test_smt_unknown_warns(self):
        self.tree.remove('sys/devices/system/cpu/smt/control')
        self.assertEqual(W, self.run_check('smt')[0])

    def test_powersave_governor_on_dedicated_cpu_warns(self):
        self.tree.write('sys/devices/system/cpu/cpu5/cpufreq/'
                        'scaling_governor', 'powersave')
        self.tree.write('sys/devices/system/cpu/intel_pstate/status',
                        'active')
        code, details = self.run_check('cpu_frequency')
        self.assertEqual(W, code)
        self.assertIn('CPUs 5 run governor(s) powersave', details)
        self.assertIn('intel_pstate active', details)

    def test_no_cpufreq_cannot_be_checked(self):
        for cpu in range(12):
            self.tree.remove('sys/devices/system/cpu/cpu%d/cpufreq/'
                             'scaling_governor' % cpu)
        self.assertEqual(W, self.run_check('cpu_frequency')[0])

    def test_other_tuned_profile_warns(self):
        self.tree.write('etc/tuned/active_profile', 'throughput-performance')
        code, details = self.run_check('tuned_profile')
        self.assertEqual(W, code)
        self.assertIn('throughput-performance', details)

    def test_no_tuned_warns(self):
        self.tree.remove('etc/tuned/active_profile')
        self.assertEqual(W, self.run_check('tuned_profile')[0])


class ReadinessTest(base.TestCase):
    """critical_checks_pass, as the driver asks it, from nova.conf."""

    def setUp(self):
        super().setUp()
        self.tree = self.useFixture(status_fakes.FakeHostTree())
        self.conf = cfg.ConfigOpts()
        from nova.conf import compute
        from nova.conf import libvirt
        compute.register_opts(self.conf)
        libvirt.register_opts(self.conf)
        rtnova.conf.register_opts(self.conf)
        self.flags = self.useFixture(config_fixture.Config(self.conf))
        self.conf([])
        self.flags.config(group='compute', cpu_dedicated_set='4-11')
        self.flags.config(group='rtnova', emulator_pin_set='2-3')

    def test_ready_host_passes(self):
        self.assertTrue(readiness.critical_checks_pass(self.conf,
                                                       self.tree.probe))

    def test_a_critical_failure_withholds_readiness(self):
        self.tree.write('proc/sys/kernel/version', '#1 SMP PREEMPT_DYNAMIC')
        self.tree.remove('sys/kernel/realtime')
        failed = readiness.failed_critical_checks(self.conf, self.tree.probe)
        self.assertEqual(['realtime_kernel'], [r.name for r in failed])
        self.assertFalse(readiness.critical_checks_pass(self.conf,
                                                        self.tree.probe))

    def test_which_checks_are_critical_is_configurable(self):
        self.tree.write('sys/devices/system/cpu/smt/control', 'on')
        self.assertTrue(readiness.critical_checks_pass(self.conf,
                                                       self.tree.probe))
        self.tree.write('proc/sys/kernel/version', '#1 SMP PREEMPT_DYNAMIC')
        self.tree.remove('sys/kernel/realtime')
        self.flags.config(group='rtnova', readiness_critical_checks=['smt'])
        # SMT on is a warning, and warnings pass
        self.assertTrue(readiness.critical_checks_pass(self.conf,
                                                       self.tree.probe))

    def test_unknown_check_name_is_refused(self):
        self.assertRaises(ValueError, self.flags.config, group='rtnova',
                          readiness_critical_checks=['realtime_kernal'])

    def test_legacy_vcpu_pin_set(self):
        self.flags.config(group='compute', cpu_dedicated_set=None)
        self.flags.config(vcpu_pin_set='4-11')
        sets = readiness.sets_from_conf(self.conf)
        self.assertEqual('[DEFAULT] vcpu_pin_set', sets.dedicated_option)
        self.assertEqual(frozenset(range(4, 12)), sets.dedicated)

    def test_bad_cpu_list_names_the_option(self):
        self.flags.config(group='rtnova', emulator_pin_set='2-x')
        exc = self.assertRaises(errors.InvalidHostConfig,
                                readiness.sets_from_conf, self.conf)
        self.assertEqual('[rtnova] emulator_pin_set', exc.option)
        self.assertFalse(readiness.critical_checks_pass(self.conf,
                                                        self.tree.probe))
