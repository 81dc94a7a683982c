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

"""Read back a running guest's real-time threads, and watch them drift.

The compute driver's read-back after spawn, hard reboot, live migration and
resume, and its periodic drift check, both run the code of ``rtnova-verify``
(intent from the live XML, threads from /proc) and keep only the thread
facts: scheduling policy, priority and CPU affinity.
"""

import threading

from rtnova.domain_xml import reader
from rtnova.hardware import threads as threads_mod
from rtnova.hostfs import host_reader
from rtnova.privsep import access as access_mod
from rtnova.verify import compare
from rtnova.verify import domain as domain_mod
from rtnova.verify import kernel_threads


def is_realtime(intent):
    """Whether the XML gives any thread a real-time policy."""
    scheds = list(intent.vcpu_sched.values()) + list(
        intent.iothread_sched.values()) + [intent.emulator_sched]
    return any(s is not None and s.policy in ('fifo', 'rr') for s in scheds)


def kvm_thread_facts(intent, proc, pid):
    """Facts of the KVM kernel threads of a real-time guest."""
    if not is_realtime(intent):
        return []
    return kernel_threads.facts(kernel_threads.placement(intent),
                                kernel_threads.find(proc, pid))


def drifted(intent, threads, kvm_facts=()):
    """The thread facts of ``intent`` the running threads do not match."""
    return [f for f in compare.thread_facts(intent, threads) + list(
        kvm_facts) if not f.ok]


def place_threads(dom, proc=None, access=None):
    """Put a real-time guest's helper threads where its XML wants them.

    Two kinds of thread escape libvirt's own placement:

    * the KVM kernel threads (``kvm-pit``): the kernel's, outside QEMU's
      thread group, so no ``<cputune>`` element reaches them;
    * emulator threads off ``<emulatorpin>``'s CPUs. With hugepages bound
      to a node, libvirt 9 gives QEMU a thread-context object
      (``TC tc-ram-node0``) whose affinity is the whole node, dedicated
      CPUs included, to pre-allocate the guest's RAM there. libvirt pins
      only QEMU's main thread and relies on its cpuset cgroup to pull the
      others in; where QEMU has no cpuset cgroup (a libvirtd without the
      cpuset controller, or in a namespace without ``/sys/fs/cgroup``)
      that thread stays on the real-time pCPUs.

    :param access: makes the calls (``rtnova.privsep.access``; default:
        this process, on this host)
    :returns: failures as text (empty: placed, or nothing to place)
    """
    access = access or access_mod.HostAccess()
    proc = proc or access.reader()
    intent = reader.parse_domain_xml(domain_mod.live_xml(dom))
    if not is_realtime(intent):
        return []
    try:
        pid = domain_mod.qemu_pid(dom, proc)
        threads = proc.process_threads(pid)
    except OSError as exc:
        raise domain_mod.VerifyError(str(exc))
    return kernel_threads.apply(
        kernel_threads.placement(intent), kernel_threads.find(proc, pid),
        access) + place_emulator_threads(intent, threads, access)


def place_emulator_threads(intent, threads, access):
    """Move the emulator threads that are off ``<emulatorpin>`` onto it.

    :returns: failures as text; a thread that exits meanwhile is none
        (QEMU's worker threads come and go)
    """
    wanted = intent.emulator_affinity
    if not wanted:
        return []
    failures = []
    for thread in threads:
        if thread.kind != threads_mod.EMULATOR or thread.affinity == wanted:
            continue
        try:
            access.set_thread_affinity(thread.tid, sorted(wanted))
        except ProcessLookupError:
            continue
        except (OSError, ValueError) as exc:
            failures.append('emulator thread %d (%s): %s' % (
                thread.tid, thread.comm, exc))
    return failures


def read_back(dom, proc=None):
    """(intent, pid, threads, drifted facts) of a running domain.

    :raises domain_mod.VerifyError: the domain cannot be read back
    """
    proc = proc or host_reader.HostReader()
    intent = reader.parse_domain_xml(domain_mod.live_xml(dom))
    try:
        pid = domain_mod.qemu_pid(dom, proc)
        threads = proc.process_threads(pid)
        kvm_facts = kvm_thread_facts(intent, proc, pid)
    except OSError as exc:
        raise domain_mod.VerifyError('cannot read the QEMU threads of %r: '
                                     '%s' % (dom.name(), exc))
    return intent, pid, threads, drifted(intent, threads, kvm_facts)


def describe(facts):
    """One line naming every drifted fact."""
    return '; '.join('%s %s: expected %s, actual %s' % (
        f.subject, f.aspect, f.expected, f.actual) for f in facts)


def repair(dom, intent, threads, access=None):
    """Re-apply what drifted: vCPU pins through libvirt, scheduling by tid.

    :param access: sets the scheduling (``rtnova.privsep.access``)
    :returns: the facts that could not be re-applied, as text
    """
    access = access or access_mod.HostAccess()
    failures = []
    for thread in threads:
        if thread.kind != threads_mod.VCPU:
            continue
        wanted = intent.vcpu_affinity.get(thread.index)
        if wanted and thread.affinity != wanted:
            cpumap = tuple(cpu in wanted for cpu in range(max(wanted) + 1))
            try:
                dom.pinVcpu(thread.index, cpumap)
            except Exception as exc:
                failures.append('vCPU %d affinity: %s' % (thread.index, exc))
        sched = intent.vcpu_sched.get(thread.index)
        if sched and (thread.policy, thread.priority) != (sched.policy,
                                                          sched.priority):
            try:
                access.set_thread_scheduler(thread.tid, sched.policy,
                                            sched.priority)
            except (OSError, ValueError) as exc:
                failures.append('vCPU %d scheduling: %s' % (thread.index,
                                                            exc))
    return failures


class DriftMonitor(object):
    """Re-check running real-time guests every ``interval`` seconds.

    :param list_domains: returns the running libvirt domains to look at
    :param report: called as ``report(dom, facts)`` for each guest whose
        real-time threads drifted
    :param repair_drift: re-apply what drifted after reporting it
    :param access: reads and writes the host (``rtnova.privsep.access``)
    """

    def __init__(self, list_domains, report, interval, repair_drift=False,
                 proc=None, on_error=None, access=None):
        self.list_domains = list_domains
        self.report = report
        self.interval = interval
        self.repair_drift = repair_drift
        self.access = access or access_mod.HostAccess()
        self.proc = proc or self.access.reader()
        self.on_error = on_error
        self._stop = threading.Event()
        self._thread = None

    def check_once(self):
        """One pass; returns {domain name: drifted facts}."""
        found = {}
        for dom in self.list_domains():
            try:
                intent, _pid, threads, facts = read_back(dom, self.proc)
            except domain_mod.VerifyError as exc:
                if self.on_error:
                    self.on_error(dom, exc)
                continue
            if not is_realtime(intent) or not facts:
                continue
            found[dom.name()] = facts
            self.report(dom, facts)
            if self.repair_drift:
                repair(dom, intent, threads, self.access)
                place_threads(dom, self.proc, self.access)
        return found

    def _run(self):
        while not self._stop.wait(self.interval):
            try:
                self.check_once()
            except Exception as exc:
                # one bad pass must not end the periodic check
                if self.on_error:
                    self.on_error(None, exc)

    def start(self):
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name='rtnova-drift-check')
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self.interval + 5)
