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

"""``rtnova-shield --check``: what still runs on a dedicated CPU, and why.

Every thread allowed on a dedicated CPU is sorted by
:func:`rtnova.hardware.shield_plan.classify` (the same sorting
``rtnova-status``'s ``dedicated_cpu_intruders`` uses) and listed with the
reason it is there; IRQs, kernel knobs, the confining cgroups and
libvirt's follow, then
what only a boot option can do.
"""

from rtnova.hardware import cpuset
from rtnova.hardware import shield_knobs
from rtnova.hardware import shield_plan
from rtnova.shield import confine
from rtnova.shield import starvation_guard

_fmt = cpuset.format_cpu_spec
_SHOWN = 8
# what the shield could still move (the other kinds stay, for the
# reason WHY names)
OPEN_KINDS = (shield_plan.MOVABLE,)


def _threads_by_kind(host, dedicated):
    kinds = {}
    for thread in host.threads():
        kind = shield_plan.classify(thread, dedicated)
        if kind is not None:
            kinds.setdefault(kind, []).append(thread)
    return kinds


def thread_lines(host, dedicated):
    """(lines, number of threads the shield should have moved)."""
    lines, open_count = [], 0
    for kind, threads in sorted(_threads_by_kind(host, dedicated).items()):
        threads.sort(key=lambda t: t.tid)
        shown = ', '.join('%d %s (%s)' % (t.tid, t.comm, _fmt(t.affinity))
                          for t in threads[:_SHOWN])
        more = len(threads) - _SHOWN
        lines.append('%d %s threads: %s%s -- %s' % (
            len(threads), kind, shown,
            ' and %d more' % more if more > 0 else '',
            shield_plan.WHY[kind]))
        if kind in OPEN_KINDS:
            open_count += len(threads)
    return lines, open_count


def irq_lines(host, keep):
    reach = sorted(irq for irq, cpus in host.irq_affinities().items()
                   if shield_plan.irq_target(cpus, keep) is not None)
    if not reach:
        return ['no IRQ may reach a dedicated CPU'], 0
    return ['IRQs that may reach dedicated CPUs: %s (managed or per-CPU '
            'ones refuse a new affinity: boot with isolcpus=managed_irq,'
            '...)' % ', '.join(str(i) for i in reach)], len(reach)


def knob_lines(host, keep, dedicated):
    knobs, left = starvation_guard.knobs_for(host, keep, dedicated)
    lines = []
    for knob in knobs:
        current = host.read(knob.path)
        if not knob.holds(current):
            lines.append('%s is %s, the shield sets %s: %s' % (
                knob.name, current, knob.value, knob.why))
    return lines + ['left alone: %s: %s' % i for i in left], len(lines)


def check(host, dedicated, saved):
    """(report lines, number of open findings)."""
    dedicated = frozenset(dedicated)
    keep = shield_plan.housekeeping(host.online_cpus(), dedicated)
    lines = ['shield %s' % ('applied %s to CPUs %s' % (
        saved['applied_at'], _fmt(frozenset(saved['dedicated'])))
        if saved else 'not applied')]
    total = 0
    for part in (thread_lines(host, dedicated), irq_lines(host, keep),
                 knob_lines(host, keep, dedicated),
                 confine.check_lines(host, dedicated)):
        lines += part[0]
        total += part[1]
    lines += ['run time cannot: %s: %s; fix: %s' % limit
              for limit in shield_knobs.boot_time_limits(
                  dedicated, host.cmdline(),
                  host.fair_server(dedicated).state)]
    return lines, total
