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

"""The policy names rtnova reads and writes, in one place.

nova's CPU, thread and emulator-thread policy values (``nova.objects.fields``)
and the Linux scheduling policies libvirt writes in ``<vcpusched>``.
"""

# hw:cpu_policy
DEDICATED = 'dedicated'
MIXED = 'mixed'
SHARED = 'shared'
CPU_POLICIES = (DEDICATED, SHARED, MIXED)
# policies whose guests have pinned vCPUs, and those with floating vCPUs
PINNED_POLICIES = (DEDICATED, MIXED)
FLOATING_POLICIES = (SHARED, MIXED, None)

# hw:cpu_thread_policy
PREFER = 'prefer'
ISOLATE = 'isolate'
REQUIRE = 'require'
THREAD_POLICIES = (PREFER, ISOLATE, REQUIRE)

# hw:emulator_threads_policy
EMULATOR_SHARE = 'share'
EMULATOR_ISOLATE = 'isolate'
EMULATOR_POLICIES = (EMULATOR_SHARE, EMULATOR_ISOLATE)

# Linux scheduling policies as libvirt names them
FIFO = 'fifo'
RR = 'rr'
REALTIME_SCHED = (FIFO, RR)
# SCHED_OTHER: the kernel's default; libvirt needs no element for it
SCHED_OTHER = 'other'
