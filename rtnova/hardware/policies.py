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
