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

"""The probe's quarter-octave gap histogram, merged, and its percentiles.

Bucket rule (the guest's, see ``probe.asm``): gaps below 8 cycles have a
bucket each; a gap g >= 8 whose highest set bit is m falls in the bucket
of the four between 2**m and 2**(m+1) picked by the next two bits. A
bucket is named by its lowest gap. A bucket's width is a quarter to a
seventh of its lower bound, so a percentile read as the bucket's upper
bound is at most 25 % above the true value, never below it.
"""


def bucket_low(cycles):
    """Lowest gap of the bucket holding a gap of ``cycles``."""
    if cycles < 8:
        return cycles
    m = cycles.bit_length() - 1
    return (cycles >> (m - 2)) << (m - 2)


def bucket_high(low):
    """First gap above the bucket whose lowest gap is ``low``."""
    if low < 8:
        return low + 1
    m = low.bit_length() - 1
    return low + (1 << (m - 2))


def check_low(low):
    if bucket_low(low) != low:
        raise ValueError('%d is not the lower bound of a probe histogram '
                         'bucket' % low)
    return low


def merge(hists):
    total = {}
    for hist in hists:
        for low, count in hist.items():
            check_low(low)
            total[low] = total.get(low, 0) + count
    return total


def percentile(hist, fraction, max_cycles=None):
    """Upper bound (cycles) of the bucket where ``fraction`` of gaps lie.

    Capped at ``max_cycles`` (the exact largest gap) when given. None for
    an empty histogram.
    """
    if not 0 < fraction <= 1:
        raise ValueError('percentile fraction %r is not in (0, 1]' %
                         fraction)
    total = sum(hist.values())
    if not total:
        return None
    # the smallest bucket whose cumulative count reaches fraction * total
    need = fraction * total
    seen = 0
    for low in sorted(hist):
        seen += hist[low]
        if seen >= need:
            high = bucket_high(low)
            # the bucket's largest member is high - 1
            upper = high - 1
            if max_cycles is not None:
                upper = min(upper, max_cycles)
            return upper
    return None
