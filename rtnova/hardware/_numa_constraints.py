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

"""nova 34's guest NUMA constraints: nodes, page size, cells, locking.

The memory half of :mod:`rtnova.hardware._cpu_constraints`: each function
mirrors the nova function it is named after (``_get_numa_node_count_
constraint``, ``_get_numa_pagesize_constraint``,
``get_locked_memory_constraint``, ``_get_numa_topology_auto``/``_manual``)
and raises :class:`errors.InvalidRequest` naming the key and the fix.
"""

from rtnova.hardware import _spec_values as specs_mod
from rtnova.hardware import cpuset
from rtnova.hardware import errors
from rtnova.hardware import guest_topology as guest


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
    # ASCII only: str.isdigit() accepts digits such as '²' that int()
    # refuses (nova itself fails with a ValueError there)
    if request.isascii() and request.isdigit():
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
                cpuset.parse_vcpu_list('%s.%d' % (cpu_key, i), c)
                for i, c in enumerate(cpus)]
    if mems is not None:
        mems = [specs_mod.parse_int('%s.%d' % (mem_key, i), m,
                                    'give the memory of the node in MiB')
                for i, m in enumerate(mems)]
    return cpu_key, cpus, mem_key, mems


def _cells_auto(nodes, vcpus, memory_mb, shared, pinned, nodes_key):
    if vcpus % nodes or memory_mb % nodes:
        raise errors.InvalidRequest(
            nodes_key, '%d vCPUs and %d MiB cannot be split evenly '
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
    nodes_key = 'hw:numa_nodes' if specs.flavor('numa_nodes') else \
        'hw_numa_nodes'
    nodes = nodes or 1
    lists = _numa_lists(specs)
    cpu_key, cpu_list, mem_key, mem_list = lists
    if cpu_list is None and mem_list is None:
        return _cells_auto(nodes, vcpus, memory_mb, shared, pinned,
                           nodes_key)
    fix = 'give both %s.N and %s.N for N = 0..%d' % (
        cpu_key.replace('mem', 'cpus'), cpu_key.replace('cpus', 'mem'),
        nodes - 1)
    if cpu_list is None or mem_list is None:
        key = '%s.N' % (mem_key if cpu_list is None else cpu_key)
        raise errors.InvalidRequest(
            key, 'guest NUMA CPUs and memory must be given together', fix)
    for key, values in ((cpu_key, cpu_list), (mem_key, mem_list)):
        if len(values) != nodes:
            raise errors.InvalidRequest(
                '%s.N' % key, 'given for %d nodes, but the guest has %d '
                '(%s)' % (len(values), nodes, nodes_key), fix)
    return _cells_manual(nodes, vcpus, memory_mb, shared, pinned, lists)
