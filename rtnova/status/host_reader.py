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

"""Every read ``rtnova-status`` makes of the host, in one place.

File reads go under an injectable ``root`` so the checks run unchanged on
fake ``/proc``, ``/sys`` and ``/etc`` trees in tests. The few facts that are
not files (libvirt's version, whether RLIMIT_MEMLOCK can be raised) are
methods a test can override. Reads of kernel tunables and of threads live
in the two mixins (``kernel_reader``, ``thread_reader``).
"""

import glob
import os
import re
import resource

from rtnova.hardware import cpuset
from rtnova.status import kernel_reader
from rtnova.status import thread_reader

IRQBALANCE_FILES = ('etc/sysconfig/irqbalance', 'etc/default/irqbalance')
_NODE_DIR = re.compile(r'node(\d+)$')
_CPU_DIR = re.compile(r'cpu(\d+)$')
_PAGES_DIR = re.compile(r'hugepages-(\d+)kB$')
CMDLINE_PATH = '/proc/cmdline'


def read_cmdline(path=CMDLINE_PATH):
    """The running kernel's command line, unstripped (nova-compute's)."""
    with open(path) as fh:
        return fh.read()


class HostProbe(kernel_reader.KernelReads, thread_reader.ThreadReads):

    def __init__(self, root='/'):
        self.root = root

    # plumbing

    def path(self, relative):
        return os.path.join(self.root, relative.lstrip('/'))

    def read(self, relative, default=None):
        """Stripped content of a file, or ``default`` when unreadable."""
        try:
            with open(self.path(relative)) as fh:
                return fh.read().strip()
        except OSError:
            return default

    def read_int(self, relative, default=None):
        value = self.read(relative)
        try:
            return int(value)
        except (TypeError, ValueError):
            return default

    def _glob(self, pattern):
        return sorted(glob.glob(self.path(pattern)))

    # kernel

    def cmdline(self):
        return self.read('proc/cmdline', '')

    def kernel_version(self):
        """What ``uname -v`` prints (e.g. ``#1 SMP PREEMPT_RT ...``)."""
        return self.read('proc/sys/kernel/version', '')

    def kernel_realtime_flag(self):
        """/sys/kernel/realtime: '1' on PREEMPT_RT kernels, else None."""
        return self.read('sys/kernel/realtime')

    def sched_rt(self):
        """(sched_rt_runtime_us, sched_rt_period_us)."""
        return (self.read_int('proc/sys/kernel/sched_rt_runtime_us'),
                self.read_int('proc/sys/kernel/sched_rt_period_us'))

    def rt_group_sched_root(self):
        """Root ``cpu.rt_runtime_us`` of cgroup v1's cpu controller.

        It exists only when the kernel has CONFIG_RT_GROUP_SCHED, where a new
        cgroup gets a real-time budget of 0 us.
        """
        for relative in ('sys/fs/cgroup/cpu/cpu.rt_runtime_us',
                         'sys/fs/cgroup/cpu,cpuacct/cpu.rt_runtime_us',
                         'sys/fs/cgroup/cpu.rt_runtime_us'):
            value = self.read_int(relative)
            if value is not None:
                return value
        return None

    def libvirt_qemu_conf(self):
        return self.read('etc/libvirt/qemu.conf', '')

    # topology

    def online_cpus(self):
        spec = self.read('sys/devices/system/cpu/online')
        return cpuset.parse_cpu_spec_or_none(spec)

    def present_cpus(self):
        """CPUs the kernel knows, online or not (None: unreadable)."""
        return cpuset.parse_cpu_spec_or_none(
            self.read('sys/devices/system/cpu/present'))

    def numa_nodes(self):
        """{node id: CPUs} from /sys/devices/system/node/node*/cpulist."""
        nodes = {}
        for path in self._glob('sys/devices/system/node/node*'):
            match = _NODE_DIR.search(path)
            if match:
                rel = os.path.relpath(path, self.root)
                nodes[int(match.group(1))] = cpuset.parse_cpu_spec_or_none(
                    self.read(os.path.join(rel, 'cpulist')))
        return nodes

    def hugepages(self):
        """{node: {page size KiB: (reserved, free)}}."""
        result = {}
        for node in self.numa_nodes():
            sizes = {}
            for path in self._glob('sys/devices/system/node/node%d/'
                                   'hugepages/hugepages-*kB' % node):
                match = _PAGES_DIR.search(path)
                rel = os.path.relpath(path, self.root)
                sizes[int(match.group(1))] = (
                    self.read_int(os.path.join(rel, 'nr_hugepages'), 0),
                    self.read_int(os.path.join(rel, 'free_hugepages'), 0))
            result[node] = sizes
        return result

    def smt_control(self):
        return self.read('sys/devices/system/cpu/smt/control')

    def governors(self):
        """{cpu: scaling_governor} for CPUs that have a cpufreq policy."""
        governors = {}
        for path in self._glob('sys/devices/system/cpu/cpu*'):
            match = _CPU_DIR.search(path)
            if not match:
                continue
            rel = os.path.relpath(path, self.root)
            governor = self.read(os.path.join(rel, 'cpufreq',
                                              'scaling_governor'))
            if governor is not None:
                governors[int(match.group(1))] = governor
        return governors

    def intel_pstate_status(self):
        return self.read('sys/devices/system/cpu/intel_pstate/status')

    # KVM

    def lapic_timer_advance(self):
        """('ns', value) from older kvm, ('bool', 'Y'/'N') from newer.

        Linux up to 6.x has ``kvm.lapic_timer_advance_ns`` (-1 adaptive,
        0 off); newer kernels replaced it with the boolean
        ``kvm.lapic_timer_advance`` (adaptive tuning on/off). None when the
        kvm module is not loaded.
        """
        value = self.read_int('sys/module/kvm/parameters/'
                              'lapic_timer_advance_ns')
        if value is not None:
            return 'ns', value
        value = self.read('sys/module/kvm/parameters/lapic_timer_advance')
        if value is not None:
            return 'bool', value
        return None

    def kvm_device(self):
        """(exists, readable and writable) of /dev/kvm."""
        path = self.path('dev/kvm')
        return (os.path.exists(path),
                os.access(path, os.R_OK | os.W_OK))

    # interrupts

    def irq_affinities(self):
        """{irq number: CPUs} from /proc/irq/*/smp_affinity_list."""
        affinities = {}
        for path in self._glob('proc/irq/*/smp_affinity_list'):
            irq = os.path.basename(os.path.dirname(path))
            if not irq.isdigit():
                continue
            spec = self.read(os.path.relpath(path, self.root))
            cpus = cpuset.parse_cpu_spec_or_none(spec)
            if cpus is not None:
                affinities[int(irq)] = cpus
        return affinities

    def irqbalance_config(self):
        """(file, {variable: value}) of the first irqbalance config found."""
        for relative in IRQBALANCE_FILES:
            text = self.read(relative)
            if text is None:
                continue
            values = {}
            for line in text.splitlines():
                line = line.strip()
                if not line or line.startswith('#') or '=' not in line:
                    continue
                key, _, value = line.partition('=')
                values[key.strip()] = value.strip().strip('"\'')
            return '/' + relative, values
        return None, {}

    def running_processes(self):
        """Names (comm) of the processes in /proc."""
        names = set()
        for path in self._glob('proc/[0-9]*/comm'):
            try:
                with open(path) as fh:
                    names.add(fh.read().strip())
            except OSError:
                continue
        return names

    # services and limits

    def tuned_profile(self):
        return self.read('etc/tuned/active_profile')

    def libvirt_version(self):
        """libvirt's version as (major, minor, micro), or None."""
        try:
            import libvirt
        except ImportError:
            return None
        number = libvirt.getVersion()
        return number // 1000000, (number // 1000) % 1000, number % 1000

    def memlock_limit(self):
        """(soft, hard) RLIMIT_MEMLOCK of this process; -1 is unlimited."""
        return resource.getrlimit(resource.RLIMIT_MEMLOCK)

    def can_raise_memlock(self):
        """Whether RLIMIT_MEMLOCK can be raised to unlimited.

        libvirt does exactly that for a guest with ``<locked/>``; without
        CAP_SYS_RESOURCE (containers, sandboxes) the guest fails to start.
        Tried in a child process so this one keeps its limits.
        """
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            try:
                resource.setrlimit(resource.RLIMIT_MEMLOCK,
                                   (resource.RLIM_INFINITY,
                                    resource.RLIM_INFINITY))
            except (ValueError, OSError):
                os._exit(1)
            os._exit(0)
        _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status) == 0
