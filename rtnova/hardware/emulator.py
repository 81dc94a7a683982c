"""The emulator pool: its capacity and where a guest's emulator threads go.

The pool is ``[rtnova] emulator_pin_set``: housekeeping CPUs that carry the
emulator and I/O threads of every guest asking for it (the Siemens design
of the seeds: vCPUs on the dedicated set, emulators and I/O of all VMs
sharing the emulator set). Capacity is counted in guests: ``guests_per_cpu``
per pool CPU, 20 by default (the seeds' "0.05 core per VM").
"""

DEFAULT_GUESTS_PER_CPU = 20


def capacity(pool_cpus, guests_per_cpu=DEFAULT_GUESTS_PER_CPU):
    return len(pool_cpus) * guests_per_cpu


def free_units(host):
    return host.pool_capacity - host.pool_used


def emulator_cpus(host, host_cell_ids):
    """Pool CPUs on the guest's NUMA node(s); the whole pool if none.

    Keeping emulator threads NUMA-local avoids cross-node memory traffic
    for virtio queues; falling back to the whole pool keeps a guest
    schedulable on a node without a pool CPU.
    """
    local = frozenset(cpu for cpu in host.emulator_pool
                      if host.cell_of_cpu(cpu) in host_cell_ids)
    return local or frozenset(host.emulator_pool)
