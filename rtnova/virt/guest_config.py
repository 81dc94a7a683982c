"""Render a tuning plan (``rtnova.hardware.tuning``) on nova's config objects.

The compute driver renders onto the guest nova's ``LibvirtDriver`` built;
``rtnova-plan`` renders onto a fresh ``LibvirtConfigGuest`` to preview the
same XML. Only ``nova.virt.libvirt.config`` objects are used (no string
templates), so the XML is formatted by nova's own code.
"""

from nova.virt import hardware
from nova.virt.libvirt import config as vconfig


class RealtimeCPUTune(vconfig.LibvirtConfigGuestCPUTune):
    """nova's ``<cputune>`` plus ``<emulatorsched>``/``<iothreadsched>``.

    nova 34 has no objects for those two elements; libvirt accepts them
    since 5.3.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # rtnova.hardware.tuning.ThreadSched or None
        self.emulatorsched = None
        self.iothreadsched = None
        self.iothread_ids = ()

    @classmethod
    def from_nova(cls, cputune):
        tune = cls()
        if cputune is not None:
            for name in ('shares', 'quota', 'period', 'vcpupin',
                         'emulatorpin', 'iothreadpin', 'vcpusched'):
                setattr(tune, name, getattr(cputune, name))
        return tune

    @staticmethod
    def _sched_node(name, sched, **attrs):
        node = vconfig.etree.Element(name, **attrs)
        node.set('scheduler', sched.policy)
        if sched.priority is not None:
            node.set('priority', str(sched.priority))
        return node

    def format_dom(self):
        root = super().format_dom()
        if self.emulatorsched is not None:
            root.append(self._sched_node('emulatorsched', self.emulatorsched))
        if self.iothreadsched is not None and self.iothread_ids:
            root.append(self._sched_node(
                'iothreadsched', self.iothreadsched,
                iothreads=hardware.format_cpu_spec(self.iothread_ids)))
        return root


def render_cputune(plan, cputune=None):
    """Return a :class:`RealtimeCPUTune` carrying ``plan``.

    ``shares``/``quota``/``period`` of ``cputune`` (nova's ``quota:cpu_*``)
    are kept.
    """
    tune = RealtimeCPUTune.from_nova(cputune)
    tune.vcpupin = []
    for vcpu, cpus in plan.vcpupin:
        pin = vconfig.LibvirtConfigGuestCPUTuneVCPUPin()
        pin.id = vcpu
        pin.cpuset = set(cpus)
        tune.vcpupin.append(pin)
    tune.emulatorpin = vconfig.LibvirtConfigGuestCPUTuneEmulatorPin()
    tune.emulatorpin.cpuset = set(plan.emulatorpin)
    tune.iothreadpin = []
    for iothread, cpus in plan.iothreadpin:
        pin = vconfig.LibvirtConfigGuestCPUTuneIOThreadPin()
        pin.iothread = iothread
        pin.cpuset = set(cpus)
        tune.iothreadpin.append(pin)
    tune.vcpusched = []
    for entry in plan.vcpusched:
        sched = vconfig.LibvirtConfigGuestCPUTuneVCPUSched()
        sched.vcpus = set(entry.vcpus)
        sched.scheduler = entry.policy
        sched.priority = entry.priority
        tune.vcpusched.append(sched)
    tune.emulatorsched = plan.emulatorsched
    tune.iothreadsched = plan.iothreadsched
    tune.iothread_ids = tuple(i for i, _cpus in plan.iothreadpin)
    return tune


def render_numatune(plan):
    """``<numatune>``: strict binding of each guest cell to its host cell."""
    numatune = vconfig.LibvirtConfigGuestNUMATune()
    numatune.memory = vconfig.LibvirtConfigGuestNUMATuneMemory()
    numatune.memory.mode = 'strict'
    numatune.memory.nodeset = sorted(plan.memory_nodeset)
    numatune.memnodes = []
    for guest_cell, host_cell in plan.memnodes:
        node = vconfig.LibvirtConfigGuestNUMATuneMemNode()
        node.cellid = guest_cell
        node.mode = 'strict'
        node.nodeset = [host_cell]
        numatune.memnodes.append(node)
    return numatune


def render_membacking(plan, membacking=None):
    """``<memoryBacking>`` with the plan's pages, ``nosharepages``, ``locked``.

    Settings nova made for other reasons (``hw:locked_memory``, file backed
    memory) are kept: the plan only adds.
    """
    if not (plan.hugepages or plan.locked or plan.nosharepages):
        return membacking
    if membacking is None:
        membacking = vconfig.LibvirtConfigGuestMemoryBacking()
    if plan.hugepages:
        membacking.hugepages = []
        for hugepage in plan.hugepages:
            page = vconfig.LibvirtConfigGuestMemoryBackingPage()
            page.size_kb = hugepage.size_kb
            page.nodeset = sorted(hugepage.guest_cells)
            membacking.hugepages.append(page)
    if plan.locked:
        membacking.locked = True
    if plan.nosharepages:
        membacking.sharedpages = False
    return membacking


def _is_usb_device(dev):
    return (getattr(dev, 'bus', None) == 'usb' or
            getattr(dev, 'target_bus', None) == 'usb' or
            getattr(dev, 'root_name', None) == 'redirdev')


def apply_features(guest, features):
    """The latency features of libvirt's KVM real-time guide.

    * PMU off, unless the flavor/image asked for a PMU explicitly
      (``hw:pmu``: nova already added a ``<pmu>`` feature then);
    * no memory balloon (``<memballoon model='none'/>``);
    * no USB controller (``<controller type='usb' model='none'/>``); USB
      input devices go with it (the pointer falls back to PS/2). When other
      USB devices are attached (redirection, passthrough) the controller is
      kept.
    """
    if features is None:
        return
    if features.pmu_off and not any(
            isinstance(f, vconfig.LibvirtConfigGuestFeaturePMU)
            for f in guest.features):
        guest.add_feature(vconfig.LibvirtConfigGuestFeaturePMU(False))
    if features.no_memballoon:
        for dev in guest.devices:
            if isinstance(dev, vconfig.LibvirtConfigMemoryBalloon):
                dev.model = 'none'
                dev.period = None
    if features.no_usb:
        _disable_usb(guest)


def _disable_usb(guest):
    controllers = [d for d in guest.devices if isinstance(
        d, vconfig.LibvirtConfigGuestUSBHostController)]
    if not controllers:
        return
    others = [d for d in guest.devices
              if _is_usb_device(d) and
              not isinstance(d, vconfig.LibvirtConfigGuestInput)]
    if others:
        return
    guest.devices = [d for d in guest.devices if not (
        isinstance(d, vconfig.LibvirtConfigGuestInput) and d.bus == 'usb')]
    for controller in controllers:
        controller.model = 'none'


def apply_plan(guest, plan):
    """Render ``plan`` onto ``guest`` (a ``LibvirtConfigGuest``) in place."""
    guest.cputune = render_cputune(plan, guest.cputune)
    if plan.memnodes:
        guest.numatune = render_numatune(plan)
    guest.membacking = render_membacking(plan, guest.membacking)
    apply_features(guest, plan.features)
    return guest
