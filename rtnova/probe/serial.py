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

"""Parse what the probe guest prints on COM1.

Lines (see ``probe.asm``)::

    rtnova-probe v1 cpu=1 up
    rtnova-probe v1 cpus=2 window_cycles=2600000000
    rtnova-probe v1 cpu=1 window=3 cycles=... samples=... max=... hist=L:N,...

Anything else on the console (firmware banners) is ignored; a line that
starts like a report but does not parse is an error, never skipped.
"""

import dataclasses
import re

from rtnova.probe import probe_errors

PREFIX = 'rtnova-probe v1 '
_UP = re.compile(r'^cpu=(\d+) up$')
_CPUS = re.compile(r'^cpus=(\d+) window_cycles=(\d+)$')
_WINDOW = re.compile(r'^cpu=(\d+) window=(\d+) cycles=(\d+) samples=(\d+) '
                     r'max=(\d+) hist=((?:\d+:\d+)(?:,\d+:\d+)*)$')
_ERROR = re.compile(r'^error=(\S+)$')


@dataclasses.dataclass(frozen=True)
class Window:
    cpu: int                 # APIC ID (= vCPU index in the probe domain)
    window: int
    cycles: int              # TSC cycles the window lasted
    samples: int             # gaps measured
    max_cycles: int
    hist: dict               # bucket lower bound (cycles) -> gaps


@dataclasses.dataclass
class SerialLog:
    cpus_up: set = dataclasses.field(default_factory=set)
    cpus_started: int = None        # the boot vCPU's count of vCPUs up
    window_cycles: int = None
    windows: list = dataclasses.field(default_factory=list)
    errors: list = dataclasses.field(default_factory=list)


def _hist(text):
    hist = {}
    for pair in text.split(','):
        low, _sep, count = pair.partition(':')
        hist[int(low)] = hist.get(int(low), 0) + int(count)
    return hist


def parse_line(line, log):
    """Add one console line to ``log`` (a :class:`SerialLog`)."""
    line = line.strip()
    start = line.find(PREFIX)
    if start < 0:
        return
    body = line[start + len(PREFIX):]
    match = _WINDOW.match(body)
    if match:
        cpu, window, cycles, samples, top = map(int, match.groups()[:5])
        hist = _hist(match.group(6))
        if sum(hist.values()) != samples:
            raise probe_errors.ProbeOutputError(
                'histogram of %r does not add up to its '
                '%d samples' % (line, samples))
        log.windows.append(Window(cpu, window, cycles, samples, top, hist))
        return
    match = _UP.match(body)
    if match:
        log.cpus_up.add(int(match.group(1)))
        return
    match = _CPUS.match(body)
    if match:
        log.cpus_started = int(match.group(1))
        log.window_cycles = int(match.group(2))
        return
    match = _ERROR.match(body)
    if match:
        log.errors.append(match.group(1))
        return
    raise probe_errors.ProbeOutputError('unreadable probe line %r' % line)


def parse(text):
    """A :class:`SerialLog` of the complete lines of ``text``.

    A last line without its newline is still being written: left out.
    """
    log = SerialLog()
    lines = text.split('\n')
    for line in lines[:-1]:
        parse_line(line, log)
    return log
