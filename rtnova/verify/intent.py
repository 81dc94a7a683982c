"""What a domain's live XML asks for: pinning, scheduling, memory.

Reads libvirt's ``<cputune>``, ``<numatune>``, ``<memoryBacking>``,
``<vcpu>`` and ``<iothreads>`` into plain data that
:mod:`rtnova.verify.compare` holds the real threads against.
"""

import dataclasses

from lxml import etree

from rtnova.hardware import cpuset

# libvirt <numatune> mode -> the policy numa_maps shows for guest RAM
NUMA_MODE_POLICY = {'strict': 'bind', 'preferred': 'prefer',
                    'interleave': 'interleave', 'restrictive': None}


@dataclasses.dataclass(frozen=True)
class Sched:
    policy: str
    priority: int = 0


@dataclasses.dataclass(frozen=True)
class Intent:
    name: str
    vcpus: int
    memory_kb: int
    # vCPU -> allowed CPUs (<vcpupin>, else <vcpu cpuset>)
    vcpu_affinity: dict
    vcpu_sched: dict
    # None: the XML does not constrain the emulator threads
    emulator_affinity: frozenset = None
    emulator_sched: Sched = None
    iothreads: tuple = ()
    iothread_affinity: dict = dataclasses.field(default_factory=dict)
    iothread_sched: dict = dataclasses.field(default_factory=dict)
    # <numatune><memory mode nodeset>; memnodes folded into the nodeset
    numa_mode: str = None
    numa_nodes: frozenset = None
    # KiB sizes of <hugepages><page>; () with hugepages on = default size
    hugepages: bool = False
    hugepage_sizes_kb: tuple = ()
    locked: bool = False


def _spec(value):
    return frozenset(cpuset.parse_cpu_spec(value))


def _size_kb(value, unit):
    factors = {'b': 1.0 / 1024, 'bytes': 1.0 / 1024, 'k': 1, 'kib': 1,
               'kb': 1000.0 / 1024, 'm': 1024, 'mib': 1024,
               'mb': 1000.0 * 1000 / 1024, 'g': 1024 * 1024,
               'gib': 1024 * 1024, 'gb': 1000.0 ** 3 / 1024}
    return int(int(value) * factors[(unit or 'KiB').lower()])


def _sched(element):
    policy = element.get('scheduler')
    priority = int(element.get('priority', 0)) if policy in ('fifo', 'rr') \
        else 0
    return Sched(policy=policy, priority=priority)


def parse_domain_xml(xml):
    """An :class:`Intent` from a domain's (live) XML text."""
    root = etree.fromstring(xml.encode() if isinstance(xml, str) else xml)
    vcpu = root.find('vcpu')
    vcpus = int(vcpu.get('current', vcpu.text)) if vcpu is not None else 1
    default_cpus = _spec(vcpu.get('cpuset')) \
        if vcpu is not None and vcpu.get('cpuset') else None
    memory = root.find('memory')
    memory_kb = _size_kb(memory.text, memory.get('unit')) \
        if memory is not None else 0

    vcpu_affinity = {}
    if default_cpus:
        vcpu_affinity = {v: default_cpus for v in range(vcpus)}
    vcpu_sched = {}
    emulator_affinity = default_cpus
    emulator_sched = None
    iothread_affinity = {}
    iothread_sched = {}
    iothreads = ()
    ids = root.find('iothreadids')
    if ids is not None:
        iothreads = tuple(int(e.get('id')) for e in ids.findall('iothread'))
    elif root.find('iothreads') is not None:
        iothreads = tuple(range(1, int(root.find('iothreads').text) + 1))
    for iothread in iothreads:
        if default_cpus:
            iothread_affinity[iothread] = default_cpus

    cputune = root.find('cputune')
    if cputune is not None:
        for pin in cputune.findall('vcpupin'):
            vcpu_affinity[int(pin.get('vcpu'))] = _spec(pin.get('cpuset'))
        pin = cputune.find('emulatorpin')
        if pin is not None:
            emulator_affinity = _spec(pin.get('cpuset'))
        for pin in cputune.findall('iothreadpin'):
            iothread_affinity[int(pin.get('iothread'))] = _spec(
                pin.get('cpuset'))
        for sched in cputune.findall('vcpusched'):
            for v in _spec(sched.get('vcpus')):
                vcpu_sched[v] = _sched(sched)
        sched = cputune.find('emulatorsched')
        if sched is not None:
            emulator_sched = _sched(sched)
        for sched in cputune.findall('iothreadsched'):
            for i in _spec(sched.get('iothreads')):
                iothread_sched[i] = _sched(sched)

    numa_mode = numa_nodes = None
    numatune = root.find('numatune')
    if numatune is not None:
        memory_el = numatune.find('memory')
        if memory_el is not None and memory_el.get('nodeset'):
            numa_mode = memory_el.get('mode', 'strict')
            numa_nodes = _spec(memory_el.get('nodeset'))
        memnodes = numatune.findall('memnode')
        if memnodes:
            numa_mode = numa_mode or memnodes[0].get('mode', 'strict')
            numa_nodes = (numa_nodes or frozenset()).union(
                *[_spec(m.get('nodeset')) for m in memnodes])

    backing = root.find('memoryBacking')
    hugepages = locked = False
    sizes = ()
    if backing is not None:
        pages = backing.find('hugepages')
        if pages is not None:
            hugepages = True
            sizes = tuple(sorted({_size_kb(p.get('size'), p.get('unit'))
                                  for p in pages.findall('page')}))
        locked = backing.find('locked') is not None

    return Intent(
        name=root.findtext('name'), vcpus=vcpus, memory_kb=memory_kb,
        vcpu_affinity=vcpu_affinity, vcpu_sched=vcpu_sched,
        emulator_affinity=emulator_affinity, emulator_sched=emulator_sched,
        iothreads=iothreads, iothread_affinity=iothread_affinity,
        iothread_sched=iothread_sched, numa_mode=numa_mode,
        numa_nodes=numa_nodes, hugepages=hugepages,
        hugepage_sizes_kb=sizes, locked=locked)
