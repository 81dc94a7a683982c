"""nova 34's flavor/image constraints, re-implemented without nova.

Each function mirrors the nova function of the same name in
``nova.virt.hardware`` (same checks, same precedence between flavor and
image) but raises :class:`errors.InvalidRequest` naming the key and the fix.
``tests/unit/test_request_nova_equivalence.py`` runs both over generated
flavors and images and requires identical results.
"""

import re

from rtnova.hardware import errors
from rtnova.hardware import guest
from rtnova.hardware import specs as specs_mod

DEDICATED = 'dedicated'
MIXED = 'mixed'
SHARED = 'shared'
CPU_POLICIES = (DEDICATED, SHARED, MIXED)
THREAD_POLICIES = ('prefer', 'isolate', 'require')
EMULATOR_POLICIES = ('share', 'isolate')

_POLICY_FIX = "use hw:cpu_policy=dedicated (or mixed with a mask)"
_ALL_RT_FIX = (
    "leave at least one non-real-time vCPU for the guest's housekeeping "
    "(e.g. hw:cpu_realtime_mask=^0), or move the emulator threads off the "
    "vCPUs: hw:emulator_threads_policy=share plus "
    "resources:CUSTOM_RT_EMULATOR_POOL=1 on a host with an emulator pool, "
    "or hw:emulator_threads_policy=isolate")


def check_image_types(specs):
    """Refuse what nova's ``ImageMeta.from_dict`` cannot coerce.

    nova builds typed image properties before any constraint runs, so a
    malformed one is refused whether or not the constraint would use it.
    """
    image = specs.image
    for name, allowed in (('cpu_policy', CPU_POLICIES),
                          ('cpu_thread_policy', THREAD_POLICIES)):
        key = specs_mod.image_key(name)
        if key in image:
            specs_mod.parse_enum(key, image[key], allowed)
    if 'hw_numa_nodes' in image:
        specs_mod.parse_int('hw_numa_nodes', image['hw_numa_nodes'],
                            'give the number of guest NUMA nodes, e.g. 2')
    for cell, value in enumerate(specs_mod.indexed(image, 'hw_numa_cpus')
                                 or ()):
        if not isinstance(value, (set, frozenset)):
            specs_mod.parse_cpus('hw_numa_cpus.%d' % cell, value)
    for cell, value in enumerate(specs_mod.indexed(image, 'hw_numa_mem')
                                 or ()):
        specs_mod.parse_int('hw_numa_mem.%d' % cell, value,
                            'give the memory of the guest node in MiB')


def image_numa_nodes(specs):
    value = specs.image_value('numa_nodes')
    return None if value is None else int(value)


def cpu_policy(specs):
    flavor, image = specs.both('cpu_policy')
    if flavor and flavor not in CPU_POLICIES:
        specs_mod.parse_enum('hw:cpu_policy', flavor, CPU_POLICIES)
    if image and image not in CPU_POLICIES:
        specs_mod.parse_enum('hw_cpu_policy', image, CPU_POLICIES)
    forbidden = errors.InvalidRequest(
        'hw_cpu_policy',
        'the image asks for %r but the flavor sets hw:cpu_policy=%s and an '
        'image may not override it' % (image, flavor),
        'remove hw_cpu_policy from the image or use a flavor that allows it')
    if flavor == DEDICATED:
        return flavor
    if flavor == MIXED:
        if image == DEDICATED:
            raise forbidden
        return flavor
    if flavor == SHARED:
        if image in (MIXED, DEDICATED):
            raise forbidden
        return flavor
    if image in CPU_POLICIES:
        return image
    return None


def cpu_thread_policy(specs):
    flavor, image = specs.both('cpu_thread_policy')
    if flavor:
        specs_mod.parse_enum('hw:cpu_thread_policy', flavor, THREAD_POLICIES)
    if image:
        specs_mod.parse_enum('hw_cpu_thread_policy', image, THREAD_POLICIES)
    if flavor in (None, 'prefer'):
        return flavor or image
    if image and image != flavor:
        raise errors.InvalidRequest(
            'hw_cpu_thread_policy',
            'the image asks for %r but the flavor sets '
            'hw:cpu_thread_policy=%s' % (image, flavor),
            'remove hw_cpu_thread_policy from the image')
    return flavor


def realtime_enabled(specs):
    return specs_mod.bool_from_string(specs.flavor('cpu_realtime'))


def emulator_threads_policy(specs):
    policy = specs.flavor('emulator_threads_policy')
    if not policy:
        return None
    return specs_mod.parse_enum('hw:emulator_threads_policy', policy,
                                EMULATOR_POLICIES)


def realtime_cpus(specs, vcpus):
    """The real-time vCPUs, or None when real-time is not requested."""
    if not realtime_enabled(specs):
        return None
    flavor_mask, image_mask = specs.both('cpu_realtime_mask')
    # nova: the image's mask wins, being more specific to the workload
    if image_mask:
        key, mask = 'hw_cpu_realtime_mask', image_mask
    else:
        key, mask = 'hw:cpu_realtime_mask', flavor_mask
    every = frozenset(range(vcpus))
    if mask:
        rt = specs_mod.parse_mask(key, mask, vcpus)
    else:
        rt = every
    if not rt:
        raise errors.InvalidRequest(
            key, 'the mask %r leaves no real-time vCPU' % (mask,),
            "exclude fewer vCPUs, e.g. '^0'")
    if rt == every and not emulator_threads_policy(specs):
        raise errors.InvalidRequest(
            key, 'every vCPU is real-time and hw:emulator_threads_policy '
            'is not set, so the emulator threads would compete with '
            'real-time vCPUs', _ALL_RT_FIX)
    if not rt <= every:
        raise errors.InvalidRequest(
            key, 'the mask %r names vCPUs beyond the flavor\'s %d' % (
                mask, vcpus),
            'use vCPU numbers 0-%d' % (vcpus - 1))
    return rt


def dedicated_cpus(specs, vcpus):
    key = 'hw:cpu_dedicated_mask'
    mask = specs.flavor('cpu_dedicated_mask')
    if not mask:
        return None
    pcpus = specs_mod.parse_mask(key, mask, vcpus)
    every = frozenset(range(vcpus))
    if not pcpus or not every - pcpus:
        raise errors.InvalidRequest(
            key, 'a mixed guest needs at least one pinned and one shared '
            'vCPU', "pin some but not all vCPUs, e.g. '^0'")
    if not pcpus <= every:
        raise errors.InvalidRequest(
            key, 'the mask %r names vCPUs beyond the flavor\'s %d' % (
                mask, vcpus), 'use vCPU numbers 0-%d' % (vcpus - 1))
    return pcpus


def _resource_amounts(extra, resource_class):
    """Sum of ``resources[N]:<class>`` amounts, as nova's regex reads them.

    Returns ``(total, first matching key)``; unparsable amounts are left to
    nova's resources validator, as nova does.
    """
    total, first = 0, None
    pattern = 'resources([1-9][0-9]*)?:%s' % resource_class
    for key, value in extra.items():
        if re.match(pattern, key):
            try:
                total += int(value)
            except ValueError:
                continue
            first = first or key
    return total, first


def _hyperthreading_trait(specs):
    pattern = 'trait([1-9][0-9]*)?:HW_CPU_HYPERTHREADING'
    for key, value in specs.extra.items():
        if re.match(pattern, key):
            return key, value
    for key, value in specs.image.items():
        if (key.startswith('trait:') and key[6:] == 'HW_CPU_HYPERTHREADING'
                and str(value) == 'required'):
            return key, 'required'
    return None, None


def node_count(specs):
    flavor, image = specs.both('numa_nodes')
    if image is not None:
        image = int(image)
    if flavor and image:
        raise errors.InvalidRequest(
            'hw_numa_nodes', 'the flavor already sets hw:numa_nodes=%s' % (
                flavor,), 'remove hw_numa_nodes from the image')
    nodes = flavor or image
    if nodes is not None and (not specs_mod.is_int_like(nodes) or
                              int(nodes) < 1):
        key = 'hw:numa_nodes' if flavor else 'hw_numa_nodes'
        raise errors.InvalidRequest(
            key, '%r is not a positive integer' % (nodes,),
            'give the number of guest NUMA nodes, e.g. 1 or 2')
    return int(nodes) if nodes else nodes


def _page_size(key, request):
    if request == 'any':
        return guest.MEMPAGES_ANY
    if request == 'large':
        return guest.MEMPAGES_LARGE
    if request == 'small':
        return guest.MEMPAGES_SMALL
    if request.isdigit():
        return int(request)
    try:
        return specs_mod.string_to_kib(request)
    except ValueError:
        raise errors.InvalidRequest(
            key, '%r is not a page size' % (request,),
            "use small, large, any, a size in KiB (2048) or with a unit "
            "(2MB, 1GB)")


def page_size(specs):
    """The page size in KiB (possibly fractional, as nova computes it)."""
    flavor, image = specs.both('mem_page_size')
    if not flavor and image:
        raise errors.InvalidRequest(
            'hw_mem_page_size', 'the image asks for page size %r but the '
            'flavor sets no hw:mem_page_size' % (image,),
            'use a flavor with hw:mem_page_size=large or any')
    if not flavor:
        return None
    size = _page_size('hw:mem_page_size', flavor)
    if image and size in (guest.MEMPAGES_ANY, guest.MEMPAGES_LARGE):
        return _page_size('hw_mem_page_size', image)
    if image:
        raise errors.InvalidRequest(
            'hw_mem_page_size', 'the flavor fixes hw:mem_page_size=%s' % (
                flavor,), 'remove hw_mem_page_size from the image, or use '
            'a flavor with hw:mem_page_size=large or any')
    return size


def locked_memory(specs):
    """nova's locked memory request (memory encryption left to nova)."""
    flavor, image = specs.both('locked_memory')
    if image is not None:
        image = specs_mod.bool_from_string(image)
    if flavor is not None:
        flavor = specs_mod.bool_from_string(flavor)
        if image is not None and flavor != image:
            raise errors.InvalidRequest(
                'hw_locked_memory', 'the image sets %s but the flavor sets '
                'hw:locked_memory=%s' % (image, flavor),
                'make them agree or remove one')
        locked = flavor
    else:
        locked = image
    if locked and not any(specs.both('mem_page_size')):
        key = 'hw:locked_memory' if flavor else 'hw_locked_memory'
        raise errors.InvalidRequest(
            key, 'locked memory needs an explicit page size',
            'also set hw:mem_page_size (e.g. small or 1GB)')
    return bool(locked)


def _numa_lists(specs):
    flavor_cpus = specs_mod.indexed(specs.extra, 'hw:numa_cpus')
    flavor_mem = specs_mod.indexed(specs.extra, 'hw:numa_mem')
    image_cpus = specs_mod.indexed(specs.image, 'hw_numa_cpus')
    image_mem = specs_mod.indexed(specs.image, 'hw_numa_mem')
    result = []
    for prefix, flavor, image in (('numa_cpus', flavor_cpus, image_cpus),
                                  ('numa_mem', flavor_mem, image_mem)):
        if flavor is None:
            result.append(('hw_' + prefix, image))
            continue
        if image is not None:
            raise errors.InvalidRequest(
                'hw_%s.0' % prefix, 'the flavor already sets hw:%s.N' % (
                    prefix,), 'remove hw_%s.N from the image' % prefix)
        result.append(('hw:' + prefix, flavor))
    (cpu_key, cpus), (mem_key, mems) = result
    if cpus is not None:
        cpus = [c if isinstance(c, (set, frozenset)) else
                specs_mod.parse_cpus('%s.%d' % (cpu_key, i), c)
                for i, c in enumerate(cpus)]
    if mems is not None:
        mems = [specs_mod.parse_int('%s.%d' % (mem_key, i), m,
                                    'give the memory of the node in MiB')
                for i, m in enumerate(mems)]
    return cpu_key, cpus, mem_key, mems


def _cells_auto(nodes, vcpus, memory_mb, shared, pinned):
    if vcpus % nodes or memory_mb % nodes:
        raise errors.InvalidRequest(
            'hw:numa_nodes', '%d vCPUs and %d MiB cannot be split evenly '
            'over %d nodes' % (vcpus, memory_mb, nodes),
            'pick a node count that divides both, or give '
            'hw:numa_cpus.N and hw:numa_mem.N for every node')
    ncpus, mem = vcpus // nodes, memory_mb // nodes
    cells = []
    for node in range(nodes):
        cpus = frozenset(range(node * ncpus, (node + 1) * ncpus))
        cells.append((node, cpus & shared, cpus & pinned, mem))
    return cells


def _cells_manual(nodes, vcpus, memory_mb, shared, pinned, lists):
    cpu_key, cpu_list, mem_key, mem_list = lists
    cells = []
    available = set(range(vcpus))
    total = 0
    for node in range(nodes):
        key = '%s.%d' % (cpu_key, node)
        for cpu in cpu_list[node]:
            if cpu > vcpus - 1:
                raise errors.InvalidRequest(
                    key, 'vCPU %d is beyond the flavor\'s %d vCPUs' % (
                        cpu, vcpus), 'use vCPU numbers 0-%d' % (vcpus - 1))
            if cpu not in available:
                raise errors.InvalidRequest(
                    key, 'vCPU %d is assigned to two nodes' % cpu,
                    'list each vCPU in exactly one node')
            available.remove(cpu)
        cpus = frozenset(cpu_list[node])
        cells.append((node, cpus & shared, cpus & pinned, mem_list[node]))
        total += mem_list[node]
    if available:
        raise errors.InvalidRequest(
            '%s.N' % cpu_key, 'vCPUs %s are in no node' % sorted(available),
            'list every vCPU in one node')
    if total != memory_mb:
        raise errors.InvalidRequest(
            '%s.N' % mem_key, 'the nodes add up to %d MiB, the flavor has '
            '%d MiB' % (total, memory_mb), 'make the node sizes add up')
    return cells


def numa_layout(nodes, vcpus, memory_mb, pinned, specs):
    """The guest cells as ``(id, cpus, pcpus, memory_mb)`` tuples."""
    shared = frozenset(range(vcpus)) - pinned
    nodes = nodes or 1
    lists = _numa_lists(specs)
    cpu_key, cpu_list, mem_key, mem_list = lists
    if cpu_list is None and mem_list is None:
        return _cells_auto(nodes, vcpus, memory_mb, shared, pinned)
    if cpu_list is not None and mem_list is not None:
        if len(cpu_list) == nodes and len(mem_list) == nodes:
            return _cells_manual(nodes, vcpus, memory_mb, shared, pinned,
                                 lists)
    raise errors.InvalidRequest(
        '%s.N/%s.N' % (cpu_key, mem_key),
        'CPUs and memory must be given for all %d guest NUMA nodes' % nodes,
        'give both hw:numa_cpus.N and hw:numa_mem.N for N = 0..%d' % (
            nodes - 1))


def cpu_resources(specs):
    vcpu, vcpu_key = _resource_amounts(specs.extra, 'VCPU')
    pcpu, pcpu_key = _resource_amounts(specs.extra, 'PCPU')
    return vcpu, vcpu_key, pcpu, pcpu_key


def policies(specs, vcpus):
    """nova's policy resolution: (cpu, thread, emulator, rt, pinned).

    ``pinned`` is the set of dedicated vCPUs (None when no topology would
    pin any); the sanity checks are nova's, in nova's order.
    """
    policy = cpu_policy(specs)
    thread = cpu_thread_policy(specs)
    thread_key = ('hw:cpu_thread_policy' if specs.flavor('cpu_thread_policy')
                  else 'hw_cpu_thread_policy')
    rt = realtime_cpus(specs, vcpus)
    pinned = dedicated_cpus(specs, vcpus)
    emulator = emulator_threads_policy(specs)

    vcpu, vcpu_key, pcpu, pcpu_key = cpu_resources(specs)
    if policy and (vcpu or pcpu):
        raise errors.InvalidRequest(
            vcpu_key or pcpu_key, 'resources:VCPU/PCPU cannot be combined '
            'with hw:cpu_policy or hw_cpu_policy',
            'use one or the other')
    if vcpu and pcpu:
        raise errors.InvalidRequest(
            pcpu_key, 'resources:VCPU and resources:PCPU cannot both be '
            'requested', 'use one or the other')
    if pcpu:
        want = vcpus + 1 if emulator == 'isolate' else vcpus
        if pcpu != want:
            raise errors.InvalidRequest(
                pcpu_key, '%d PCPUs requested for %d vCPUs%s' % (
                    pcpu, vcpus, ' with hw:emulator_threads_policy=isolate'
                    if emulator == 'isolate' else ''),
                'request exactly %d PCPUs' % want)
        policy = DEDICATED
    if vcpu:
        policy = SHARED

    trait_key, trait = _hyperthreading_trait(specs)
    if thread and trait:
        raise errors.InvalidRequest(
            trait_key, 'trait:HW_CPU_HYPERTHREADING cannot be combined with '
            'hw:cpu_thread_policy or hw_cpu_thread_policy',
            'use one or the other')
    if trait == 'forbidden':
        thread, thread_key = 'isolate', trait_key
    elif trait == 'required':
        thread, thread_key = 'require', trait_key

    if policy in (SHARED, None):
        if thread:
            raise errors.InvalidRequest(
                thread_key, 'a CPU thread policy needs pinned vCPUs',
                _POLICY_FIX)
        if emulator == 'isolate':
            raise errors.InvalidRequest(
                'hw:emulator_threads_policy', 'isolate needs pinned vCPUs',
                _POLICY_FIX)
        if pinned:
            raise errors.InvalidRequest(
                'hw:cpu_dedicated_mask', 'a dedicated mask needs '
                'hw:cpu_policy=mixed', 'set hw:cpu_policy=mixed')
        if rt:
            raise errors.InvalidRequest(
                'hw:cpu_realtime', 'real-time vCPUs must be pinned but '
                'hw:cpu_policy is %s' % (policy or 'not set'), _POLICY_FIX)
    elif policy == DEDICATED:
        if pinned:
            raise errors.InvalidRequest(
                'hw:cpu_dedicated_mask', 'a dedicated mask needs '
                'hw:cpu_policy=mixed', 'set hw:cpu_policy=mixed')
    else:
        if not rt == (not pinned):
            pass
        if (rt and pinned) or not (rt or pinned):
            raise errors.InvalidRequest(
                'hw:cpu_dedicated_mask', 'a mixed guest needs exactly one '
                'of hw:cpu_dedicated_mask and hw:cpu_realtime_mask',
                'give one of the two masks')
        pinned = pinned or rt
    return policy, thread, emulator, rt, pinned
