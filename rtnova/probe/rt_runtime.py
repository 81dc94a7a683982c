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

"""``/proc/sys/kernel/sched_rt_runtime_us``: read it, set it for a run.

With the default 950000 the kernel idles every CPU 50 ms of each second
when real-time tasks would use it all: a spinning SCHED_FIFO vCPU (the
probe, or a busy real-time guest) is stalled that long, on purpose. -1
turns throttling off. rtnova-probe only changes it when asked, and puts
the old value back. The read is the host reader's (``rtnova.hostfs``);
the write is this module's, under the same injectable root.
"""

import contextlib
import os

from rtnova.hostfs import host_reader
from rtnova.hostfs import kernel_reads

PATH = '/' + kernel_reads.RT_RUNTIME


def read(root='/'):
    return host_reader.HostReader(root).rt_runtime_us()


def write(value, root='/'):
    with open(os.path.join(root, kernel_reads.RT_RUNTIME), 'w') as fh:
        fh.write('%d\n' % value)


def describe(value):
    if value < 0:
        return '%d (RT throttling off)' % value
    return ('%d (RT throttling on: a busy SCHED_FIFO vCPU loses %d us of '
            'every second)' % (value, max(0, 1000000 - value)))


@contextlib.contextmanager
def set_for_run(value, root='/'):
    """Set ``value`` (None: leave it), restore the old one afterwards."""
    if value is None:
        yield read(root)
        return
    old = read(root)
    write(value, root)
    try:
        yield value
    finally:
        write(old, root)
