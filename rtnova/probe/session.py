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

"""One probe run: boot the probe domain, plant load, read, clean up.

Everything the run changes is undone on every path (ExitStack): the
transient domain is destroyed, planted processes are killed,
``sched_rt_runtime_us`` is put back, the scratch directory removed.
SIGINT and SIGTERM raise :class:`Interrupted` so the same path runs.
"""

import contextlib
import dataclasses
import os
import shutil
import signal
import socket
import tempfile
import time
import uuid

import libvirt

from rtnova.probe import guest_xml
from rtnova.probe import image
from rtnova.probe import load as load_mod
from rtnova.probe import post_start
from rtnova.probe import probe_errors
from rtnova.probe import results
from rtnova.probe import rt_runtime
from rtnova.probe import serial
from rtnova.probe import tsc
from rtnova.probe import vcpus as vcpus_mod

DOMAIN_PREFIX = 'rtnova-probe-'
POLL_SECONDS = 0.2


@dataclasses.dataclass
class Settings:
    seconds: float = 10.0
    window_seconds: float = 1.0
    threshold_us: float = 40.0
    load: str = 'none'
    burst: load_mod.Burst = dataclasses.field(default_factory=load_mod.Burst)
    uri: str = 'qemu:///system'
    rt_runtime_us: int = None     # set for the run (None: leave it)
    boot_timeout: float = 60.0
    can_lock: bool = True


@contextlib.contextmanager
def signals_interrupt():
    def handler(signum, _frame):
        # a second signal must not cut the clean-up short
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_IGN)
        raise probe_errors.Interrupted(
            'interrupted by %s; the probe domain and the '
            'planted load were removed' %
            signal.Signals(signum).name)
    old = {sig: signal.signal(sig, handler)
           for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, previous in old.items():
            signal.signal(sig, previous)


def connect(uri):
    # libvirt's default handler prints every error to stderr as well; the
    # errors reach the user through ProbeError, once
    libvirt.registerErrorHandler(lambda _ctx, _err: None, None)
    try:
        return libvirt.open(uri)
    except libvirt.libvirtError as exc:
        raise probe_errors.ProbeError(
            'cannot connect to libvirt at %s: %s (is libvirtd '
            'running? --connect URI)' % (uri, exc))


def _scratch(stack):
    directory = tempfile.mkdtemp(prefix='rtnova-probe-')
    # QEMU may run as another user: it must reach the disk and the log
    os.chmod(directory, 0o755)
    stack.callback(shutil.rmtree, directory, True)
    return directory


def _destroy(dom):
    try:
        dom.destroy()
    except libvirt.libvirtError:
        pass  # already gone


class Run(object):
    """A probe run of one fitting ``preview`` on libvirt ``conn``."""

    def __init__(self, settings, conn, preview, memory_mb, host_cpus,
                 dedicated):
        self.settings = settings
        self.dedicated = frozenset(dedicated)
        self.conn = conn
        self.preview = preview
        self.memory_mb = memory_mb
        self.host_cpus = host_cpus
        self.notes = []

    def execute(self):
        """The result dict (see ``results``); raises ProbeError."""
        settings = self.settings
        hz, source = self._tsc()
        built = self._image()
        with contextlib.ExitStack() as stack:
            stack.enter_context(signals_interrupt())
            runtime = self._rt_runtime(stack)
            directory = _scratch(stack)
            disk = image.write_disk(
                built, os.path.join(directory, 'probe.img'),
                int(hz * settings.window_seconds),
                self.preview.request.vcpus)
            log_path = os.path.join(directory, 'serial.log')
            planted = self._plant(stack)
            dom = self._start(stack, disk, log_path)
            facts = vcpus_mod.facts(self.preview, dom, self.notes)
            windows = self._collect(dom, log_path, planted)
        rows = [results.summarize(facts[v], windows[v], hz)
                for v in sorted(facts)]
        passed, judged = results.verdict(rows, settings.threshold_us)
        return {
            'host': socket.gethostname(), 'uri': settings.uri,
            'tsc_hz': hz, 'tsc_source': source,
            'seconds': settings.seconds,
            'window_seconds': settings.window_seconds,
            'threshold_us': settings.threshold_us,
            'load': planted.describe(),
            'sched_rt_runtime_us': runtime,
            'notes': self.notes, 'vcpus': rows,
            'passed': passed, 'judged': judged,
        }

    def _tsc(self):
        return tsc.frequency(self.conn)

    def _image(self):
        return image.build()

    def _rt_runtime(self, stack):
        wanted = self.settings.rt_runtime_us
        try:
            value = stack.enter_context(rt_runtime.set_for_run(wanted))
        except OSError as exc:
            raise probe_errors.ProbeError('cannot %s %s: %s' % (
                'read' if wanted is None else 'set', rt_runtime.PATH, exc))
        self.notes.append('sched_rt_runtime_us = %s%s' % (
            rt_runtime.describe(value),
            '' if wanted is None else ', set for this run and restored'))
        return value

    def _plant(self, stack):
        kind = self.settings.load
        target = vcpus_mod.target_pcpu(self.preview)
        cpus = load_mod.cpus_for(kind, self.host_cpus, self.dedicated,
                                 target)
        if kind != 'none' and not cpus:
            raise probe_errors.ProbeError(
                '--load %s: no CPU to put it on (every host '
                'CPU is dedicated)' % kind)
        planted = load_mod.Load(kind, cpus, self.settings.burst)
        stack.callback(planted.stop)
        planted.start()
        return planted

    def _start(self, stack, disk, log_path):
        name = DOMAIN_PREFIX + uuid.uuid4().hex[:8]
        xml, notes = guest_xml.build(
            name, self.memory_mb, self.preview, disk, log_path,
            can_lock=self.settings.can_lock)
        self.notes.extend(notes)
        try:
            dom = self.conn.createXML(xml, 0)
        except libvirt.libvirtError as exc:
            raise probe_errors.ProbeError(
                'libvirt refused the probe domain: %s' % exc)
        stack.callback(_destroy, dom)
        self.notes.extend(post_start.apply(dom))
        return dom

    def _collect(self, dom, log_path, planted):
        """Per vCPU, the first N windows (N = seconds / window)."""
        settings = self.settings
        vcpus = self.preview.request.vcpus
        wanted = max(1, int(round(settings.seconds /
                                  settings.window_seconds)))
        waiter = _Waiter(dom, log_path, planted)
        log = waiter.until(lambda lg: lg.cpus_started is not None,
                           settings.boot_timeout, 'the probe to boot')
        if log.cpus_started != vcpus:
            raise probe_errors.ProbeError(
                'the probe guest brought up %d of its %d vCPUs '
                '(vCPUs that said "up": %s)' % (
                    log.cpus_started, vcpus, sorted(log.cpus_up)))

        def enough(lg):
            counts = [sum(1 for w in lg.windows if w.cpu == v)
                      for v in range(vcpus)]
            return min(counts) >= wanted
        timeout = settings.seconds + 3 * settings.window_seconds + 30
        log = waiter.until(enough, timeout, '%d windows from every vCPU' %
                           wanted)
        return {v: sorted((w for w in log.windows if w.cpu == v),
                          key=lambda w: w.window)[:wanted]
                for v in range(vcpus)}


class _Waiter(object):
    """Poll the serial log until a condition holds or something breaks."""

    def __init__(self, dom, path, planted):
        self.dom = dom
        self.path = path
        self.planted = planted

    def read(self):
        try:
            with open(self.path, 'rb') as fh:
                return fh.read().decode('ascii', errors='replace')
        except FileNotFoundError:
            return ''

    def until(self, predicate, timeout, what):
        deadline = time.monotonic() + timeout
        while True:
            text = self.read()
            log = serial.parse(text)
            if log.errors:
                raise probe_errors.ProbeError(
                    'the probe guest reported: %s' % ', '.join(log.errors))
            if predicate(log):
                return log
            broken = self.planted.check_running()
            if broken:
                raise probe_errors.ProbeError(broken)
            if not self.dom.isActive():
                raise probe_errors.ProbeError('the probe domain stopped')
            if time.monotonic() > deadline:
                raise probe_errors.ProbeError(
                    'timed out after %.0f s waiting for %s; the serial log '
                    'ends with: %r' % (timeout, what, text[-300:]))
            time.sleep(POLL_SECONDS)
