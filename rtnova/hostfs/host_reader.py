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

"""The host reader: every subject's reads on one root, in one object.

:class:`HostReader` is what callers hold (rtnova-status' checks, the
shield, rtnova-verify, the driver, the probe, rtnova-plan). The few facts
that are not files (libvirt's version, whether RLIMIT_MEMLOCK can be
raised) are methods here too, so a test overrides them on the same object.
"""

import os
import resource

from rtnova.hostfs import cpu_reads
from rtnova.hostfs import irq_reads
from rtnova.hostfs import kernel_reads
from rtnova.hostfs import process_reads

STALLD_BINARIES = ('usr/bin/stalld', 'usr/sbin/stalld',
                   'usr/local/bin/stalld')


class HostReader(kernel_reads.KernelReads, cpu_reads.CPUReads,
                 irq_reads.IRQReads, process_reads.ProcessReads):
    """Reads the host under ``root``; see :class:`files.HostFiles`."""

    # configuration files and installed programs

    def libvirt_qemu_conf(self):
        return self.read('etc/libvirt/qemu.conf', '')

    def tuned_profile(self):
        return self.read('etc/tuned/active_profile')

    def stalld_installed(self):
        return any(self.exists(p) for p in STALLD_BINARIES)

    # facts that are not files

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


def read_cmdline(root='/'):
    """The running kernel's command line, unstripped (nova-compute's);
    raises OSError.
    """
    return HostReader(root).cmdline_raw()
