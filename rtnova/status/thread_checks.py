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

"""Checks of the threads that may run on the dedicated CPUs.

Each takes (probe, sets) and returns (code, details, fix).
``dedicated_cpu_intruders`` ends in Failure when a thread that is neither a
vCPU nor a per-CPU kernel thread may run on a dedicated CPU (each one can
stall a FIFO vCPU for tens of milliseconds) and is critical by default;
QEMU threads of guests alone, and ``kthread_priorities``, end in Warning.
"""

from rtnova.hardware import shield_plan
from rtnova.status import result

SUCCESS, WARNING, FAILURE = result.SUCCESS, result.WARNING, result.FAILURE
_fmt = result.fmt

# per-CPU kernel threads that do work a vCPU on their CPU depends on
# (softirqs, timers, RCU callbacks, threaded interrupt handlers)
SERVICE_KTHREADS = ('ksoftirqd/', 'ktimers/', 'ktimersoftd/', 'rcuc/',
                    'rcub/', 'irq/')
_SHOWN = 10


def _describe(group):
    first = group[0]
    if len(group) == 1:
        ident = ('%d' % first.pid if first.pid == first.tid else
                 '%d/%d' % (first.pid, first.tid))
        return '%s %s (%s)' % (ident, first.comm, _fmt(first.affinity))
    cpus = frozenset().union(*(t.affinity for t in group))
    return '%d %s (%d threads, %s)' % (first.pid, first.process or first.comm,
                                       len(group), _fmt(cpus))


def _listing(threads):
    """At most _SHOWN processes: ``pid name (cpus)`` for one thread, else
    ``pid name (N threads, cpus)``.
    """
    groups = {}
    for thread in threads:
        groups.setdefault(thread.pid, []).append(thread)
    ordered = [groups[pid] for pid in sorted(groups)]
    shown = ', '.join(_describe(g) for g in ordered[:_SHOWN])
    more = len(ordered) - _SHOWN
    return shown + (' and %d more processes' % more if more > 0 else '')


def _intruders(threads, dedicated):
    """(guest threads, other threads) allowed on dedicated CPUs.

    Sorted as rtnova-shield sorts them (one owner: ``shield_plan``).
    """
    return shield_plan.intruders(threads, dedicated)


def _intruder_fix(probe, sets):
    keep = _fmt(result.housekeeping(probe.online_cpus(), sets))
    return ('rtnova-shield --dedicated %s moves them to the housekeeping '
            'CPUs and keeps new tasks there (rtnova-shield --check says '
            'what cannot move and why); by hand: taskset -apc %s <pid> '
            '(CPUAffinity=%s in /etc/systemd/system.conf for services; '
            'isolcpus=domain,... keeps unbound kernel threads off, tuna '
            '--cpus=%s --isolate moves what runs); give real-time guests '
            'the emulator pool (resources:CUSTOM_RT_EMULATOR_POOL=1) so their '
            'QEMU threads leave the vCPUs\' CPUs'
            % (_fmt(sets.dedicated), keep, keep, _fmt(sets.dedicated)))


def _dedicated_threads(probe, sets):
    """(every thread, None), or (None, the result when there is no answer)."""
    if not sets.dedicated:
        return None, result.no_dedicated_set()
    threads = probe.threads()
    if not threads:
        return None, (WARNING, 'cannot read /proc/*/task/*/status',
                      'run as root with /proc mounted')
    return threads, None


def check_dedicated_cpu_intruders(probe, sets):
    threads, unanswered = _dedicated_threads(probe, sets)
    if unanswered:
        return unanswered
    guest, other = _intruders(threads, sets.dedicated)
    if not guest and not other:
        return SUCCESS, ('of %d threads only vCPU threads and per-CPU kernel '
                         'threads may run on %s' % (
                             len(threads), _fmt(sets.dedicated))), ''
    if other:
        return (FAILURE,
                '%d threads besides vCPUs and per-CPU kernel threads may run '
                'on dedicated CPUs %s: %s. A runnable thread there stalls a '
                'SCHED_FIFO vCPU for as long as the kernel lets it run (~54 '
                'ms every second measured on a 6.18 host)%s' % (
                    len(other), _fmt(sets.dedicated), _listing(other),
                    '; and %d QEMU threads of guests' % len(guest)
                    if guest else ''),
                _intruder_fix(probe, sets))
    return (WARNING,
            '%d QEMU emulator/I/O threads of guests may run on dedicated '
            'CPUs %s: %s (nova pins them to the guest\'s own CPUs unless the '
            'flavor asks for the pool or hw:emulator_threads_policy)'
            % (len(guest), _fmt(sets.dedicated), _listing(guest)),
            _intruder_fix(probe, sets))


def _service_kthreads(threads, dedicated):
    return sorted((t for t in threads if t.kthread and
                   t.comm.startswith(SERVICE_KTHREADS) and
                   t.affinity & dedicated), key=lambda t: (t.priority, t.tid))


def _kthread_fix(lowest, sets):
    raise_to = min(sets.max_priority + 1, 99)
    fix = ('raise them above the vCPUs: chrt -f -p %d <pid> for each (in '
           'tuned realtime-virtual-host: [scheduler] group rules such as '
           'group.ksoftirqd=0:f:%d:*:ksoftirqd.*)' % (raise_to, raise_to))
    if lowest > 1:
        fix += ', or set [rtnova] max_realtime_priority below %d' % lowest
    return fix


def check_kthread_priorities(probe, sets):
    threads, unanswered = _dedicated_threads(probe, sets)
    if unanswered:
        return unanswered
    found = _service_kthreads(threads, sets.dedicated)
    starved = [t for t in found if t.realtime and
               t.priority <= sets.max_priority]
    normal = [t for t in found if not t.realtime]
    note = ('; SCHED_OTHER: %s (any real-time vCPU outranks them; only RT '
            'throttling, the fair server or stalld give them time, see '
            'stalld)' % ', '.join(t.comm for t in normal[:4]) if normal
            else '')
    if not starved:
        return SUCCESS, ('%d softirq/timer/RCU/IRQ kernel threads on '
                         'dedicated CPUs, real-time ones above [rtnova] '
                         'max_realtime_priority = %d%s' % (
                             len(found), sets.max_priority, note)), ''
    lowest = starved[0].priority
    shown = ', '.join('%s %s' % (t.comm, t.policy_text())
                      for t in starved[:_SHOWN])
    return (WARNING,
            'a vCPU at priority %d or higher (flavors may ask up to [rtnova] '
            'max_realtime_priority = %d) starves kernel threads of its CPU '
            'that it may need: %s%s. tuned\'s realtime-virtual-host profile '
            'puts ksoftirqd, ktimers and rcuc/rcub at FIFO 2-4, above nova\'s '
            'default vCPU priority of FIFO 1, for this reason%s' % (
                lowest, sets.max_priority, shown,
                ' and %d more' % (len(starved) - _SHOWN)
                if len(starved) > _SHOWN else '', note),
            _kthread_fix(lowest, sets))
