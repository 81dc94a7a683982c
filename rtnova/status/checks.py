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
the host through :class:`rtnova.hostfs.host_reader.HostReader`, compares
with the CPU sets from nova.conf and says Success, Warning or Failure, why,
and the one-line fix.
"""

from rtnova.status import config_checks as config
from rtnova.status import cpu_checks as cpu
from rtnova.status import irq_checks as irq
from rtnova.status import isolation_checks as isolation
from rtnova.status import memory_checks as memory
from rtnova.status import platform_checks as platform
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
    ('realtime_kernel', 'Real-time kernel', platform.check_realtime_kernel),
    ('dedicated_set', 'Dedicated CPU set', config.check_dedicated_set),
    ('isolcpus', 'isolcpus covers the dedicated set',
     isolation.check_isolcpus),
    ('nohz_full', 'nohz_full covers the dedicated set',
     isolation.check_nohz_full),
    ('rcu_nocbs', 'rcu_nocbs covers the dedicated set',
     isolation.check_rcu_nocbs),
    ('emulator_pool', 'Emulator pool', config.check_emulator_pool),
    ('priority_config', 'Real-time priority options',
     config.check_priority_config),
    ('hugepages', 'Hugepages per NUMA node', memory.check_hugepages),
    ('lapic_timer_advance', 'KVM LAPIC timer advance',
     platform.check_lapic_timer_advance),
    ('kvm_module', 'KVM module parameters', platform.check_kvm_module),
    ('hypervisor', 'Bare metal or nested hypervisor',
     platform.check_hypervisor),
    ('rt_throttling', 'RT throttling', sched.check_rt_throttling),
    ('fair_server', 'Deadline fair server on dedicated CPUs',
     sched.check_fair_server),
    ('stalld', 'Starvation protection (stalld)', sched.check_stalld),
    ('rt_cgroup', 'RT budget of guest cgroups', sched.check_rt_cgroup),
    ('dedicated_cpu_intruders', 'Other threads allowed on dedicated CPUs',
     threads.check_dedicated_cpu_intruders),
    ('kthread_priorities', 'Kernel thread priorities on dedicated CPUs',
     threads.check_kthread_priorities),
    ('irq_affinity', 'IRQ affinity of isolated CPUs', irq.check_irq_affinity),
    ('default_irq_affinity', 'Default affinity of new IRQs',
     irq.check_default_irq_affinity),
    ('irqbalance', 'irqbalance banned CPUs', irq.check_irqbalance),
    ('workqueue_mask', 'Unbound workqueue CPU mask',
     isolation.check_workqueue_mask),
    ('timer_migration', 'Timer migration', isolation.check_timer_migration),
    ('watchdog', 'Lockup detectors on dedicated CPUs',
     isolation.check_watchdog),
    ('smt', 'SMT (hyper-threading)', cpu.check_smt),
    ('smt_siblings', 'SMT siblings of dedicated CPUs',
     cpu.check_smt_siblings),
    ('cpu_frequency', 'CPU frequency governor', cpu.check_cpu_frequency),
    ('cpu_idle', 'Deep C-states on dedicated CPUs', cpu.check_cpu_idle),
    ('ksm', 'Kernel same-page merging (KSM)', memory.check_ksm),
    ('thp', 'Transparent hugepages', memory.check_thp),
    ('tuned_profile', 'tuned profile', platform.check_tuned_profile),
    ('libvirt_version', 'libvirt version', platform.check_libvirt_version),
    ('kvm_device', '/dev/kvm access', platform.check_kvm_device),
    ('memory_lock', 'Memory locking', memory.check_memory_lock),
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
