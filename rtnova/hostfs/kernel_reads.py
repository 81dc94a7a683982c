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

"""Reads of the kernel: version, scheduler, sysctls, KVM, memory, PM QoS."""

import dataclasses
import errno
import re
import struct

from rtnova.hostfs import files

_RELEASE = re.compile(r'(\d+)\.(\d+)')
CMDLINE = 'proc/cmdline'
RT_RUNTIME = 'proc/sys/kernel/sched_rt_runtime_us'
RT_PERIOD = 'proc/sys/kernel/sched_rt_period_us'
FAIR_SERVER = 'sys/kernel/debug/sched/fair_server'
MODULE_PARAMS = 'sys/module/%s/parameters'
TSC_KHZ = 'sys/devices/system/cpu/cpu0/tsc_freq_khz'
# what reading /dev/cpu_dma_latency returns: a native 32-bit integer
_QOS = struct.Struct('=i')


@dataclasses.dataclass(frozen=True)
class FairServer:
    """What the deadline fair server (Linux >= 6.12) looks like here.

    ``state`` is 'read' (``runtime`` holds {cpu: (runtime ns, period ns)}),
    'refused' (the files exist, reading them fails: ``error`` says why),
    'unmounted' (no ``/sys/kernel/debug/sched``: debugfs is not mounted)
    or 'absent' (debugfs is mounted and has no fair_server directory).
    """

    state: str
    runtime: dict = dataclasses.field(default_factory=dict)
    error: str = ''


class KernelReads(files.HostFiles):

    # kernel version and command line

    def cmdline(self):
        return self.read(CMDLINE, '')

    def cmdline_raw(self):
        """The command line unstripped, as nova-compute reads it; raises
        OSError.
        """
        return self.read_raw(CMDLINE)

    def kernel_version(self):
        """What ``uname -v`` prints (e.g. ``#1 SMP PREEMPT_RT ...``)."""
        return self.read('proc/sys/kernel/version', '')

    def kernel_release(self):
        """(major, minor) of ``uname -r`` (/proc/sys/kernel/osrelease)."""
        match = _RELEASE.match(self.read('proc/sys/kernel/osrelease', ''))
        return (int(match.group(1)), int(match.group(2))) if match else None

    def kernel_realtime_flag(self):
        """/sys/kernel/realtime: '1' on PREEMPT_RT kernels, else None."""
        return self.read('sys/kernel/realtime')

    def sysctl(self, name):
        """A /proc/sys value by sysctl name (``kernel.timer_migration``)."""
        return self.read('proc/sys/' + name.replace('.', '/'))

    # real-time scheduling

    def sched_rt(self):
        """(sched_rt_runtime_us, sched_rt_period_us)."""
        return self.read_int(RT_RUNTIME), self.read_int(RT_PERIOD)

    def rt_runtime_us(self):
        """sched_rt_runtime_us; raises OSError or ValueError when it
        cannot be read (the probe names the file then).
        """
        return int(self.read_raw(RT_RUNTIME).strip())

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

    def fair_server(self, cpus):
        """:class:`FairServer` for ``cpus``."""
        if not self.isdir('sys/kernel/debug/sched'):
            return FairServer('unmounted')
        if not self.isdir(FAIR_SERVER):
            return FairServer('absent')
        runtime = {}
        for cpu in sorted(cpus):
            base = '%s/cpu%d/' % (FAIR_SERVER, cpu)
            try:
                runtime[cpu] = (int(self.read_raw(base + 'runtime').strip()),
                                int(self.read_raw(base + 'period').strip()))
            except OSError as exc:
                if exc.errno == errno.ENOENT:
                    continue
                return FairServer('refused', error=exc.strerror or str(exc))
            except ValueError:
                return FairServer('refused', error='unexpected content')
        return FairServer('read', runtime=runtime)

    def cpu_dma_latency(self):
        """The PM QoS CPU latency limit in us now in force, or None.

        Reading ``/dev/cpu_dma_latency`` returns it as a native 32-bit
        integer (2000000000 means no limit); opening the device for reading
        adds no request of its own.
        """
        try:
            data = self.read_bytes('dev/cpu_dma_latency', _QOS.size)
        except OSError:
            return None
        if len(data) != _QOS.size:
            return None
        return _QOS.unpack(data)[0]

    # KVM and the CPU's features

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

    def module_params(self, module):
        """{parameter: value} of a loaded module, None when not loaded."""
        base = MODULE_PARAMS % module
        if not self.isdir(base):
            return None
        params = {}
        for path in self.glob(base + '/*'):
            value = self.read(self.relative(path))
            if value is not None:
                params[path.rsplit('/', 1)[-1]] = value
        return params

    def loaded_kvm_modules(self):
        names = (p.rsplit('/', 1)[-1] for p in self.glob('sys/module/kvm*'))
        return sorted(name for name in names if name != 'kvm')

    def kvm_device(self):
        """(exists, readable and writable) of /dev/kvm."""
        return self.exists('dev/kvm'), self.usable('dev/kvm')

    def cpu_flags(self):
        """The first CPU's ``flags`` in /proc/cpuinfo (empty if unread)."""
        for line in self.read('proc/cpuinfo', '').splitlines():
            key, _, value = line.partition(':')
            if key.strip() == 'flags':
                return frozenset(value.split())
        return frozenset()

    def tsc_hz(self):
        """The TSC frequency some kernels publish in sysfs, or None."""
        khz = self.read_int(TSC_KHZ)
        return khz * 1000 if khz else None

    # memory

    def ksm_run(self):
        return self.read_int('sys/kernel/mm/ksm/run')

    def thp_enabled(self):
        """The selected ``[mode]`` of transparent hugepages, or None."""
        text = self.read('sys/kernel/mm/transparent_hugepage/enabled')
        if text is None:
            return None
        match = re.search(r'\[(\w+)\]', text)
        return match.group(1) if match else text.strip()
