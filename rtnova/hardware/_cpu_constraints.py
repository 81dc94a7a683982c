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

"""nova 34's flavor/image constraints, re-implemented without nova.

Each function (the CPU half here, the memory half in
:mod:`rtnova.hardware._numa_constraints`) mirrors the nova function of the same
name in ``nova.virt.hardware`` (same checks, same precedence between flavor and
image) but raises :class:`errors.InvalidRequest` naming the key and the fix.
``tests/unit/test_request_nova_equivalence.py`` runs both over generated
flavors and images and requires identical results.
"""

import re

from rtnova.hardware import _spec_values as specs_mod
from rtnova.hardware import cpuset
from rtnova.hardware import errors
from rtnova.hardware import policies


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
    for name, allowed in (('cpu_policy', policies.CPU_POLICIES),
                          ('cpu_thread_policy', policies.THREAD_POLICIES)):
        key = specs_mod.image_key(name)
        if key in image:
            specs_mod.parse_enum(key, image[key], allowed)
    if 'hw_numa_nodes' in image:
        specs_mod.parse_int('hw_numa_nodes', image['hw_numa_nodes'],
                            'give the number of guest NUMA nodes, e.g. 2')
    for cell, value in enumerate(specs_mod.indexed(image, 'hw_numa_cpus')
                                 or ()):
        if not isinstance(value, (set, frozenset)):
            cpuset.parse_vcpu_list('hw_numa_cpus.%d' % cell, value)
    for cell, value in enumerate(specs_mod.indexed(image, 'hw_numa_mem')
                                 or ()):
        specs_mod.parse_int('hw_numa_mem.%d' % cell, value,
                            'give the memory of the guest node in MiB')


def cpu_policy(specs):
    flavor, image = specs.both('cpu_policy')
    if flavor and flavor not in policies.CPU_POLICIES:
        specs_mod.parse_enum('hw:cpu_policy', flavor, policies.CPU_POLICIES)
    if image and image not in policies.CPU_POLICIES:
        specs_mod.parse_enum('hw_cpu_policy', image, policies.CPU_POLICIES)
    forbidden = errors.InvalidRequest(
        'hw_cpu_policy',
        'the image asks for %r but the flavor sets hw:cpu_policy=%s and an '
        'image may not override it' % (image, flavor),
        'remove hw_cpu_policy from the image or use a flavor that allows it')
    if flavor == policies.DEDICATED:
        return flavor
    if flavor == policies.MIXED:
        if image == policies.DEDICATED:
            raise forbidden
        return flavor
    if flavor == policies.SHARED:
        if image in (policies.MIXED, policies.DEDICATED):
            raise forbidden
        return flavor
    if image in policies.CPU_POLICIES:
        return image
    return None


def cpu_thread_policy(specs):
    flavor, image = specs.both('cpu_thread_policy')
    if flavor:
        specs_mod.parse_enum('hw:cpu_thread_policy', flavor,
                             policies.THREAD_POLICIES)
    if image:
        specs_mod.parse_enum('hw_cpu_thread_policy', image,
                             policies.THREAD_POLICIES)
    if flavor in (None, policies.PREFER):
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
                                policies.EMULATOR_POLICIES)


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
        rt = cpuset.parse_vcpu_mask(key, mask, vcpus)
    else:
        rt = every
    if not rt:
        raise errors.InvalidRequest(
            key, 'the mask %r leaves no real-time vCPU' % (mask,),
            "exclude fewer vCPUs, e.g. '^0'")
    if rt == every and not emulator_threads_policy(specs):
        raise errors.InvalidRequest(
            key if mask else 'hw:cpu_realtime',
            'every vCPU is real-time and hw:emulator_threads_policy is not '
            'set, so the emulator threads would compete with real-time '
            'vCPUs', _ALL_RT_FIX)
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
    pcpus = cpuset.parse_vcpu_mask(key, mask, vcpus)
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


def cpu_resources(specs):
    vcpu, vcpu_key = _resource_amounts(specs.extra, 'VCPU')
    pcpu, pcpu_key = _resource_amounts(specs.extra, 'PCPU')
    return vcpu, vcpu_key, pcpu, pcpu_key


def _resource_policy(specs, policy, emulator, vcpus):
    """The CPU policy implied by resources:VCPU/PCPU (nova's rules)."""
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
        isolate = emulator == policies.EMULATOR_ISOLATE
        want = vcpus + 1 if isolate else vcpus
        if pcpu != want:
            raise errors.InvalidRequest(
                pcpu_key, '%d PCPUs requested for %d vCPUs%s' % (
                    pcpu, vcpus, ' with hw:emulator_threads_policy=isolate'
                    if isolate else ''),
                'request exactly %d PCPUs' % want)
        return policies.DEDICATED
    if vcpu:
        return policies.SHARED
    return policy


def _trait_thread_policy(specs, thread, thread_key):
    """trait:HW_CPU_HYPERTHREADING as nova maps it onto a thread policy."""
    trait_key, trait = _hyperthreading_trait(specs)
    if thread and trait:
        raise errors.InvalidRequest(
            trait_key, 'trait:HW_CPU_HYPERTHREADING cannot be combined with '
            'hw:cpu_thread_policy or hw_cpu_thread_policy',
            'use one or the other')
    if trait == 'forbidden':
        return policies.ISOLATE, trait_key
    if trait == 'required':
        return policies.REQUIRE, trait_key
    return thread, thread_key


def _refuse_unpinned(policy, thread, thread_key, emulator, rt, pinned):
    """What a guest without pinned vCPUs may not ask for."""
    if thread:
        raise errors.InvalidRequest(
            thread_key, 'a CPU thread policy needs pinned vCPUs',
            _POLICY_FIX)
    if emulator == policies.EMULATOR_ISOLATE:
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


def _mixed_pinned(specs, rt, pinned):
    """The pinned vCPUs of a mixed guest: its dedicated or real-time mask."""
    if rt and pinned:
        raise errors.InvalidRequest(
            'hw:cpu_dedicated_mask', 'a mixed guest takes its pinned '
            'vCPUs from hw:cpu_dedicated_mask or from the real-time '
            'mask, not both', 'remove hw:cpu_dedicated_mask')
    if not (rt or pinned):
        raise errors.InvalidRequest(
            'hw:cpu_policy' if specs.flavor('cpu_policy') == policies.MIXED
            else 'hw_cpu_policy', 'mixed needs the vCPUs to pin: '
            'hw:cpu_dedicated_mask, or hw:cpu_realtime=yes with '
            'hw:cpu_realtime_mask', 'give one of the two')
    return pinned or rt


def resolve(specs, vcpus):
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
    policy = _resource_policy(specs, policy, emulator, vcpus)
    thread, thread_key = _trait_thread_policy(specs, thread, thread_key)
    if policy in (policies.SHARED, None):
        _refuse_unpinned(policy, thread, thread_key, emulator, rt, pinned)
    elif policy == policies.DEDICATED:
        if pinned:
            raise errors.InvalidRequest(
                'hw:cpu_dedicated_mask', 'a dedicated mask needs '
                'hw:cpu_policy=mixed', 'set hw:cpu_policy=mixed')
    else:
        pinned = _mixed_pinned(specs, rt, pinned)
    return policy, thread, emulator, rt, pinned
