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

"""Start and stop the load ``rtnova-probe --load`` plants.

* ``housekeeping``: one busy SCHED_OTHER process per host CPU that is not
  a dedicated CPU (the emulator pool, the shared set, the OS);
* ``same-cpu``: one busy SCHED_OTHER process on the first real-time vCPU's
  pCPU (the first vCPU's when the flavor has no real-time vCPU);
* ``burst``: a SCHED_FIFO process on that pCPU that runs ``burst_ms`` of
  every ``period_ms`` -- a planted stall of known length;
* ``none``.
"""

import dataclasses
import subprocess
import sys

KINDS = ('none', 'housekeeping', 'same-cpu', 'burst')


@dataclasses.dataclass(frozen=True)
class Burst:
    ms: float = 10.0
    period_ms: float = 200.0
    priority: int = 50


def _start(args, says=False):
    return subprocess.Popen(
        [sys.executable, '-m', 'rtnova.probe.interferer'] + args,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE if says else subprocess.DEVNULL, text=True)


def refusal(line):
    """What a spinner's first line says when the kernel refused its CPU.

    None when it was pinned (or said nothing: it exited, see
    ``check_running``).
    """
    words = line.split()
    if len(words) == 5 and words[0] == 'refused':
        return ('asked for pCPU %s: refused by the kernel (%s: the CPU is '
                'outside its cpuset, e.g. rtnova-shield\'s), so it spins on '
                'CPU %s' % (words[1], words[2], words[4]))
    return None


class Load(object):
    """The planted processes; :meth:`stop` ends them (idempotent)."""

    def __init__(self, kind, cpus, burst=None):
        self.kind = kind
        self.cpus = tuple(sorted(cpus))
        self.burst = burst or Burst()
        self.procs = []
        self.refused = []   # what the kernel said to spinners refused

    def describe(self):
        cpus = ','.join(map(str, self.cpus))
        if self.kind == 'none':
            return 'none'
        if self.kind == 'burst':
            return ('SCHED_FIFO %d for %g ms every %g ms on pCPU %s' % (
                self.burst.priority, self.burst.ms, self.burst.period_ms,
                cpus))
        if self.refused:
            return 'busy SCHED_OTHER loop (%s) %s' % (
                self.kind, '; '.join(self.refused))
        return 'busy SCHED_OTHER loop on pCPU %s (%s)' % (cpus, self.kind)

    def start(self):
        try:
            for cpu in self.cpus:
                if self.kind == 'burst':
                    self.procs.append(_start([
                        'burst', '--cpu', str(cpu),
                        '--ms', str(self.burst.ms),
                        '--period-ms', str(self.burst.period_ms),
                        '--priority', str(self.burst.priority)]))
                elif self.kind != 'none':
                    proc = _start(['spin', '--cpu', str(cpu)], says=True)
                    self.procs.append(proc)
                    said = refusal(proc.stdout.readline())
                    if said:
                        self.refused.append(said)
        except BaseException:
            self.stop()
            raise
        return self

    def check_running(self):
        """Name a planted process that died (e.g. FIFO refused)."""
        for proc in self.procs:
            if proc.poll() is not None:
                return ('the planted load (%s) exited with %s' % (
                    self.describe(), proc.returncode))
        return None

    def stop(self):
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            if proc.stdout:
                proc.stdout.close()
        self.procs = []


def cpus_for(kind, host_cpus, dedicated, target_pcpu):
    """The CPUs the load of ``kind`` goes on."""
    if kind == 'none':
        return ()
    if kind == 'housekeeping':
        return tuple(sorted(set(host_cpus) - set(dedicated)))
    return (target_pcpu,)
