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

"""rtnova-status's platform checks: KVM module parameters, hypervisor."""

import os

from rtnova.status import checks
from rtnova.status import platform_checks

from tests.unit import test_status_checks

S, W = checks.SUCCESS, checks.WARNING
KVM = 'sys/module/kvm/parameters/'


class KVMModuleTest(test_status_checks.ChecksTestBase):

    def test_kvmclock_periodic_sync_warns(self):
        self.tree.write(KVM + 'kvmclock_periodic_sync', 'Y')
        code, details = self.run_check('kvm_module')
        self.assertEqual(W, code)
        self.assertIn('kvmclock_periodic_sync=Y', details)

    def test_ple_gap_warns(self):
        self.tree.write('sys/module/kvm_intel/parameters/ple_gap', '128')
        code, details = self.run_check('kvm_module')
        self.assertEqual(W, code)
        self.assertIn('kvm_intel ple_gap=128', details)

    def test_nx_huge_pages_warns(self):
        self.tree.write(KVM + 'nx_huge_pages', 'force')
        self.assertEqual(W, self.run_check('kvm_module')[0])

    def test_amd_pause_filter(self):
        self.tree.remove('sys/module/kvm_intel/parameters/ple_gap')
        os.rmdir(os.path.join(self.tree.root,
                              'sys/module/kvm_intel/parameters'))
        self.tree.write('sys/module/kvm_amd/parameters/pause_filter_count',
                        '3000')
        code, details = self.run_check('kvm_module')
        self.assertEqual(W, code)
        self.assertIn('kvm_amd pause_filter_count=3000', details)
        self.tree.write('sys/module/kvm_amd/parameters/pause_filter_count',
                        '0')
        self.assertEqual(S, self.run_check('kvm_module')[0])

    def test_halt_poll_ns_is_reported_not_judged(self):
        self.tree.write(KVM + 'halt_poll_ns', '0')
        code, details = self.run_check('kvm_module')
        self.assertEqual(S, code)
        self.assertIn('halt_poll_ns=0', details)

    def test_kvm_not_loaded_warns(self):
        for name in os.listdir(os.path.join(self.tree.root, KVM)):
            self.tree.remove(KVM + name)
        os.rmdir(os.path.join(self.tree.root, KVM))
        self.assertEqual(W, self.run_check('kvm_module')[0])


class HypervisorTest(test_status_checks.ChecksTestBase):
    """Bare metal, nested KVM, or the paravirtual KVM of these machines."""

    def _flags(self, flags):
        self.tree.write('proc/cpuinfo', 'processor\t: 0\nflags\t\t: %s\n'
                        'processor\t: 1\nflags\t\t: %s\n' % (flags, flags))

    def test_bare_metal_passes(self):
        code, details = self.run_check('hypervisor')
        self.assertEqual(S, code)
        self.assertIn('bare metal', details)
        self.assertIsNone(platform_checks.describe_hypervisor(self.tree.probe))

    def test_paravirtual_kvm_is_named_with_its_meaning(self):
        # what /proc/cpuinfo and /sys/module show on the AMD EPYC machines
        # with kvm_pvm: no vmx/svm, the hypervisor flag
        self._flags('fpu tsc msr hypervisor lm')
        self.tree.remove('sys/module/kvm_intel/parameters/ple_gap')
        os.rmdir(os.path.join(self.tree.root,
                              'sys/module/kvm_intel/parameters'))
        os.rmdir(os.path.join(self.tree.root, 'sys/module/kvm_intel'))
        self.tree.write('sys/module/kvm_pvm/parameters/pvm_native', 'N')
        code, details = self.run_check('hypervisor')
        self.assertEqual(W, code)
        self.assertIn('paravirtual KVM (kvm_pvm; no VMX/SVM CPU flag)',
                      details)
        self.assertIn('every rdtsc in a guest traps', details)
        self.assertIn('~20-25 us', details)
        self.assertIn('host noise reaches milliseconds', details)
        self.assertIn('cpu_mode = none', details)

    def test_nested_hardware_virtualisation(self):
        self._flags('fpu tsc msr svm hypervisor lm')
        self.tree.write('sys/module/kvm_intel/parameters/nested', 'Y')
        code, details = self.run_check('hypervisor')
        self.assertEqual(W, code)
        self.assertIn('nested KVM (svm under another hypervisor; '
                      'kvm_intel nested=Y)', details)
        self.assertNotIn('rdtsc', details)

    def test_kvm_without_virtualisation_flag_on_bare_metal(self):
        self._flags('fpu tsc msr lm')
        kind, meaning = platform_checks.describe_hypervisor(self.tree.probe)
        self.assertIn('no VMX/SVM CPU flag', kind)
        self.assertIn('without hardware virtualisation', meaning)
        self.assertNotIn('itself a virtual machine', meaning)
