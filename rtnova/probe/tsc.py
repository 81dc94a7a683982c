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

"""The guest's TSC frequency, to turn the probe's cycles into time.

The guest only counts cycles; the host converts (the guest has no clock
it could trust more than the TSC itself). Sources, best first:

1. libvirt's host capabilities, ``<counter name='tsc' frequency=...>``:
   the frequency KVM reports and gives guests that do not ask for another
   one (the probe domain does not);
2. ``/sys/devices/system/cpu/cpu0/tsc_freq_khz`` (some kernels);
3. a calibration in this process: ``rdtsc`` (a 10-byte function made
   executable with mmap) against CLOCK_MONOTONIC_RAW over 200 ms, which
   is good to well under 0.1 %.

``/proc/cpuinfo``'s "cpu MHz" is not used: it is the core's current clock,
not the TSC's. The conversion needs an invariant TSC (``constant_tsc`` and
``nonstop_tsc``), which every host that can run real-time guests has.
"""

import ctypes
import mmap
import time

from lxml import etree

from rtnova.hostfs import host_reader
from rtnova.hostfs import kernel_reads
from rtnova.probe import probe_errors

# rdtsc; shl rdx, 32; or rax, rdx; ret
_RDTSC_CODE = b'\x0f\x31\x48\xc1\xe2\x20\x48\x09\xd0\xc3'
CALIBRATION_SECONDS = 0.2


def check_invariant(host):
    flags = host.cpu_flags()
    missing = [f for f in ('tsc', 'constant_tsc', 'nonstop_tsc')
               if f not in flags]
    if missing:
        raise probe_errors.TSCError(
            'the TSC of this host is not invariant (no %s in '
            '/proc/cpuinfo flags): probe cycles cannot be '
            'turned into time' % ', '.join(missing))


def from_capabilities(capabilities_xml):
    """Hz from libvirt's capabilities XML, or None."""
    tree = etree.fromstring(capabilities_xml.encode())
    counter = tree.find("host/cpu/counter[@name='tsc']")
    if counter is None or not counter.get('frequency', '').isdigit():
        return None
    return int(counter.get('frequency')) or None


def _rdtsc_function():
    buf = mmap.mmap(-1, mmap.PAGESIZE,
                    prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    buf.write(_RDTSC_CODE)
    address = ctypes.addressof(ctypes.c_char.from_buffer(buf))
    function = ctypes.CFUNCTYPE(ctypes.c_uint64)(address)
    return buf, function


def calibrate(seconds=CALIBRATION_SECONDS):
    """Hz measured with rdtsc against CLOCK_MONOTONIC_RAW."""
    try:
        keep, rdtsc = _rdtsc_function()
    except (OSError, ValueError, TypeError) as exc:
        raise probe_errors.TSCError(
            'cannot run rdtsc in this process (%s) and libvirt '
            'reports no TSC frequency' % exc)
    clock = time.CLOCK_MONOTONIC_RAW
    t0, c0 = time.clock_gettime_ns(clock), rdtsc()
    time.sleep(seconds)
    t1, c1 = time.clock_gettime_ns(clock), rdtsc()
    del keep
    if t1 <= t0 or c1 <= c0:
        raise probe_errors.TSCError(
            'TSC calibration failed (the TSC did not advance)')
    return int((c1 - c0) * 1e9 / (t1 - t0))


def frequency(conn=None, host=None):
    """(Hz, source description) of the TSC the probe guest sees.

    ``host`` is the host reader (``rtnova.hostfs``; default: this host).
    """
    host = host or host_reader.HostReader()
    check_invariant(host)
    if conn is not None:
        hz = from_capabilities(conn.getCapabilities())
        if hz:
            return hz, "libvirt capabilities (<counter name='tsc'>)"
    hz = host.tsc_hz()
    if hz:
        return hz, '/' + kernel_reads.TSC_KHZ
    return calibrate(), ('calibrated: rdtsc against CLOCK_MONOTONIC_RAW '
                         'over %.1f s' % CALIBRATION_SECONDS)
