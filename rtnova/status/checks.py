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

"""Host readiness checks for real-time guests.

Each check encodes one step of the seeds' host set-up ("Deploying Real Time
OpenStack" Verify section, the KVM Forum and FOSDEM talks) as code: it reads
the host through :class:`rtnova.status.host_reader.HostProbe`, compares
with the CPU sets from nova.conf and says Success, Warning or Failure, why,
and the one-line fix.
"""

from rtnova.status import cpu_checks as cpu
from rtnova.status import host_checks as host
from rtnova.status import isolation_checks as isolation
from rtnova.status import kernel_checks as kernel
from rtnova.status import result
from rtnova.status import sched_checks as sched
from rtnova.status import thread_checks as threads

# what callers use, in one place
Code = result.Code
SUCCESS, WARNING, FAILURE = result.SUCCESS, result.WARNING, result.FAILURE
HostSets = result.HostSets
Result = result.Result
kernel_cpu_list = result.kernel_cpu_list

# (name, title, function), in the order the seeds' set-up goes
CHECKS = (
    ('realtime_kernel', 'Real-time kernel', host.check_realtime_kernel),
    ('dedicated_set', 'Dedicated CPU set', cpu.check_dedicated_set),
    ('isolcpus', 'isolcpus covers the dedicated set', cpu.check_isolcpus),
    ('nohz_full', 'nohz_full covers the dedicated set', cpu.check_nohz_full),
    ('rcu_nocbs', 'rcu_nocbs covers the dedicated set', cpu.check_rcu_nocbs),
    ('emulator_pool', 'Emulator pool', cpu.check_emulator_pool),
    ('priority_config', 'Real-time priority options',
     cpu.check_priority_config),
    ('hugepages', 'Hugepages per NUMA node', host.check_hugepages),
    ('lapic_timer_advance', 'KVM LAPIC timer advance',
     host.check_lapic_timer_advance),
    ('kvm_module', 'KVM module parameters', kernel.check_kvm_module),
    ('hypervisor', 'Bare metal or nested hypervisor',
     kernel.check_hypervisor),
    ('rt_throttling', 'RT throttling', host.check_rt_throttling),
    ('fair_server', 'Deadline fair server on dedicated CPUs',
     sched.check_fair_server),
    ('stalld', 'Starvation protection (stalld)', sched.check_stalld),
    ('rt_cgroup', 'RT budget of guest cgroups', host.check_rt_cgroup),
    ('dedicated_cpu_intruders', 'Other threads allowed on dedicated CPUs',
     threads.check_dedicated_cpu_intruders),
    ('kthread_priorities', 'Kernel thread priorities on dedicated CPUs',
     threads.check_kthread_priorities),
    ('irq_affinity', 'IRQ affinity of isolated CPUs', cpu.check_irq_affinity),
    ('default_irq_affinity', 'Default affinity of new IRQs',
     isolation.check_default_irq_affinity),
    ('irqbalance', 'irqbalance banned CPUs', cpu.check_irqbalance),
    ('workqueue_mask', 'Unbound workqueue CPU mask',
     isolation.check_workqueue_mask),
    ('timer_migration', 'Timer migration', isolation.check_timer_migration),
    ('watchdog', 'Lockup detectors on dedicated CPUs',
     isolation.check_watchdog),
    ('smt', 'SMT (hyper-threading)', cpu.check_smt),
    ('smt_siblings', 'SMT siblings of dedicated CPUs',
     isolation.check_smt_siblings),
    ('cpu_frequency', 'CPU frequency governor', cpu.check_cpu_frequency),
    ('cpu_idle', 'Deep C-states on dedicated CPUs', kernel.check_cpu_idle),
    ('ksm', 'Kernel same-page merging (KSM)', kernel.check_ksm),
    ('thp', 'Transparent hugepages', kernel.check_thp),
    ('tuned_profile', 'tuned profile', host.check_tuned_profile),
    ('libvirt_version', 'libvirt version', host.check_libvirt_version),
    ('kvm_device', '/dev/kvm access', host.check_kvm_device),
    ('memory_lock', 'Memory locking', host.check_memory_lock),
)
CHECK_NAMES = tuple(name for name, _, _ in CHECKS)


def run_checks(probe, sets, critical=()):
    """Run every check; ``critical`` names the ones that gate readiness."""
    results = []
    for name, title, func in CHECKS:
        code, details, fix = func(probe, sets)
        results.append(Result(name=name, title=title,
                              critical=name in critical, code=code,
                              details=details, fix=fix))
    return results


def overall_code(results):
    return max((r.code for r in results), default=SUCCESS)
