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

"""The probe's windows as per-vCPU numbers, a verdict, a table and JSON."""

import dataclasses

from rtnova.hardware import cpuset
from rtnova.probe import histogram

_SCHED = {'fifo': 'SCHED_FIFO', 'rr': 'SCHED_RR', 'other': 'SCHED_OTHER',
          'batch': 'SCHED_BATCH', 'idle': 'SCHED_IDLE'}


def sched_name(policy):
    return _SCHED.get(policy, policy)


@dataclasses.dataclass(frozen=True)
class VCPUFacts:
    """What a vCPU was given: planned pinning, live scheduling."""
    vcpu: int
    pcpus: frozenset
    realtime: bool
    policy: str           # 'fifo', 'rr', 'other' (live when it was read)
    priority: int


def _us(cycles, hz):
    return None if cycles is None else round(cycles * 1e6 / hz, 1)


def summarize(facts, windows, hz):
    """One vCPU's row: ``windows`` are its serial.Window reports."""
    hist = histogram.merge(w.hist for w in windows)
    top = max((w.max_cycles for w in windows), default=None)
    return {
        'vcpu': facts.vcpu,
        'pcpu': cpuset.format_cpu_spec(facts.pcpus) if facts.pcpus else '',
        'realtime': facts.realtime,
        'policy': sched_name(facts.policy),
        'priority': facts.priority,
        'windows': len(windows),
        'samples': sum(w.samples for w in windows),
        'measured_s': round(sum(w.cycles for w in windows) / hz, 3),
        'max_us': _us(top, hz),
        'p50_us': _us(histogram.percentile(hist, 0.5, top), hz),
        'p99_us': _us(histogram.percentile(hist, 0.99, top), hz),
        'p99_9_us': _us(histogram.percentile(hist, 0.999, top), hz),
        'p99_99_us': _us(histogram.percentile(hist, 0.9999, top), hz),
        'max_per_window_us': [_us(w.max_cycles, hz) for w in windows],
    }


def verdict(rows, threshold_us):
    """(passed, which vCPUs were judged).

    The real-time vCPUs are judged; a flavor without any (nova's plain
    pinned guest) has all its vCPUs judged.
    """
    judged = [r for r in rows if r['realtime']] or rows
    what = ('real-time vCPUs' if any(r['realtime'] for r in rows)
            else 'all vCPUs (the flavor has no real-time vCPU)')
    passed = all(r['max_us'] is not None and r['max_us'] < threshold_us
                 for r in judged)
    return passed, what


def _cell(value):
    return '-' if value is None else '%.1f' % value


def write_text(data, out):
    out.write('rtnova-probe on %s: %s s, %s s windows, load: %s\n' % (
        data['host'], data['seconds'], data['window_seconds'],
        data['load']))
    out.write('  TSC %.3f MHz from %s; sched_rt_runtime_us=%s\n' % (
        data['tsc_hz'] / 1e6, data['tsc_source'],
        data['sched_rt_runtime_us']))
    for note in data['notes']:
        out.write('  note: %s\n' % note)
    out.write('%-5s %-6s %-3s %-14s %8s %8s %12s %12s %12s %12s\n' % (
        'vCPU', 'pCPU', 'RT', 'scheduling', 'windows', 'samples',
        'max us', 'p99.9 us', 'p99.99 us', 'p99 us'))
    for row in data['vcpus']:
        sched = row['policy'] + (
            ' %d' % row['priority'] if row['priority'] else '')
        out.write('%-5d %-6s %-3s %-14s %8d %8d %12s %12s %12s %12s\n' % (
            row['vcpu'], row['pcpu'], 'yes' if row['realtime'] else 'no',
            sched, row['windows'], row['samples'], _cell(row['max_us']),
            _cell(row['p99_9_us']), _cell(row['p99_99_us']),
            _cell(row['p99_us'])))
    out.write('Percentiles are upper bounds: the top of the histogram '
              'bucket (at most 25 % above the true value).\n')
    out.write('%s: %s %s the %s us threshold\n' % (
        'PASS' if data['passed'] else 'FAIL', data['judged'],
        'stay under' if data['passed'] else 'do not all stay under',
        data['threshold_us']))
