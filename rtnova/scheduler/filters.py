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

"""``RealtimeFilter``: nova's NUMATopologyFilter decision, fast.

Enable it instead of ``NUMATopologyFilter``::

    [filter_scheduler]
    available_filters = nova.scheduler.filters.all_filters
    available_filters = rtnova.scheduler.filters.RealtimeFilter
    enabled_filters = ...,RealtimeFilter   # and drop NUMATopologyFilter

It decides with rtnova's pure fit (:mod:`rtnova.hardware.fit`), which
reproduces nova's ``numa_fit_instance_to_host`` decision without deep-copying
the request spec per host and without nova's permutation blow-up. Requests
whose outcome depends on things the fit does not model -- PCI devices (and
their NUMA affinity policies), physnet/tunnel NUMA affinity -- and hosts
nova itself cannot handle (cells without sibling information) go to nova's
own filter, so the answer stays nova's.

Emulator pool capacity is not checked here: placement counts
``CUSTOM_RT_EMULATOR_POOL`` before the filters run.
"""

import functools
import itertools
import logging as py_logging

from oslo_log import log as logging

import nova.conf
from nova import objects
from nova.scheduler import filters
from nova.scheduler.filters import numa_topology_filter
from nova.scheduler import utils

from rtnova.hardware import cell_bounds
from rtnova.hardware import fit as fit_mod
from rtnova.hardware import policies
from rtnova.scheduler import host_model
from rtnova.scheduler import host_screen

LOG = logging.getLogger(__name__)
CONF = nova.conf.CONF


def _pci_counts(pci_stats):
    """Free PCI devices per host cell, as nova's host cell sort sees them.

    None when the sort would change nothing.
    """
    if pci_stats is None or not pci_stats.pools:
        return None
    counts = {}
    for pool in pci_stats.pools:
        counts[pool['numa_node']] = (counts.get(pool['numa_node'], 0) +
                                     pool['count'])
    return counts


@functools.lru_cache(maxsize=64)
def _limits(cpu_ratio, ram_ratio):
    return fit_mod.Limits(cpu_allocation_ratio=cpu_ratio,
                          ram_allocation_ratio=ram_ratio)


def _needs_numa_affinity(network_metadata):
    return network_metadata is not None and (
        ('physnets' in network_metadata and network_metadata.physnets) or
        ('tunneled' in network_metadata and network_metadata.tunneled))


class RequestView:
    """What the filter needs from a RequestSpec, read once per request.

    The scheduler shows the same spec object for every host.
    """

    def __init__(self, spec_obj):
        self.numa_topology = spec_obj.numa_topology
        self.guest = (host_model.guest_from_nova(self.numa_topology)
                      if self.numa_topology else None)
        pci_requests = spec_obj.pci_requests
        self.network_metadata = (spec_obj.network_metadata
                                 if 'network_metadata' in spec_obj
                                 else None)
        if pci_requests and pci_requests.requests:
            self.delegation = 'PCI device requests'
        elif _needs_numa_affinity(self.network_metadata):
            self.delegation = 'physnet/tunnel NUMA affinity'
        else:
            self.delegation = None
        self.pack = CONF.compute.packing_host_numa_cells_allocation_strategy
        # a small value standing for the guest in per-host memo keys:
        # hashed once per request instead of once per host
        shape = (self.guest, self.pack)
        self.guest_key = _GUEST_KEYS.get(shape)
        if self.guest_key is None:
            if len(_GUEST_KEYS) > _GUEST_KEYS_LIMIT:
                _GUEST_KEYS.clear()
            # never reused after a clear, so no stale memo entry aliases
            self.guest_key = _GUEST_KEYS[shape] = next(_GUEST_KEY_IDS)
        # nova's _satisfies_cpu_policy: 'require' needs SMT on the host
        extra = spec_obj.flavor.extra_specs
        props = spec_obj.image.properties
        self.needs_threads = (
            policies.DEDICATED in (extra.get('hw:cpu_policy'),
                                   props.get('hw_cpu_policy')) and
            policies.REQUIRE in (extra.get('hw:cpu_thread_policy'),
                                 props.get('hw_cpu_thread_policy')))
        # the per-cell bounds hosts are screened with, when exact; not
        # for 'require', which nova checks against the host's SMT first
        # (refusing without touching the allocation candidates)
        self.bounds = (cell_bounds.bounds_of(self.guest)
                       if self.guest and not self.delegation and
                       not self.needs_threads else None)
        # the bounds as a default, not self: no reference cycle
        self.out_of_bounds = fit_mod.NoFit(
            lambda bounds=self.bounds: _out_of_bounds(bounds))
        self.guest_ids = (tuple(c.id for c in self.guest.cells)
                          if self.guest else ())
        # the allocation ratios only enter the fit of floating vCPUs
        self.uses_ratios = bool(self.guest) and (
            self.guest.cpu_policy in policies.FLOATING_POLICIES)
        self._limits = {}
        self._last_limits = (None, None, None)
        # this request's decisions, by the identity of nova's host
        # topology object (see RealtimeFilter.filter_all): id -> verdict.
        # The objects are held, so no other object can take their id
        # while a decision lives; appended before the id is entered (the
        # order keeps that true for a concurrent reader).
        self.decided = {}
        self.held = []

    def limits(self, cpu_ratio, ram_ratio):
        """nova's ``NUMATopologyLimits`` for a passing host, one object per
        request and ratio pair: nothing changes it after the filter.
        """
        # one tuple read: nova's hosts mostly share their ratios
        last = self._last_limits
        if last[0] == cpu_ratio and last[1] == ram_ratio:
            return last[2]
        limits = self._limits.get((cpu_ratio, ram_ratio))
        if limits is None:
            limits = objects.NUMATopologyLimits(
                cpu_allocation_ratio=cpu_ratio,
                ram_allocation_ratio=ram_ratio)
            if self.network_metadata:
                limits.network_metadata = self.network_metadata
            self._limits[(cpu_ratio, ram_ratio)] = limits
        self._last_limits = (cpu_ratio, ram_ratio, limits)
        return limits


_VIEWS = host_model.IdentityCache()


def request_view(spec_obj):
    view = _VIEWS.get(spec_obj, RequestView)
    if view.numa_topology is not spec_obj.numa_topology:
        # nova replaces the topology after each instance of a multi-instance
        # request is placed (consume_from_request)
        view = RequestView(spec_obj)
        _VIEWS.put(spec_obj, view)
    return view


# distinct request shapes remembered per host model
_MEMO_LIMIT = 64
# (guest topology, packing strategy) -> small int; request shapes are few
_GUEST_KEYS = {}
_GUEST_KEYS_LIMIT = 4096
_GUEST_KEY_IDS = itertools.count()


def _decide(view, host, cpu_ratio, ram_ratio, pci_counts):
    """The fit decision, remembered on the host model.

    The host model is reused while the host's NUMA usage is unchanged and
    the guest topology is a value, so a repeated request shape (one
    flavor, many boots; or the next request after a re-read) is answered
    from the memo: same inputs, same answer.
    """
    key = ('fits', view.guest_key, cpu_ratio, ram_ratio,
           None if pci_counts is None else tuple(sorted(pci_counts.items())))
    memo = host.memo
    result = memo.get(key)
    if result is None:
        result = fit_mod.fits(
            view.guest, host, pack=view.pack,
            limits=_limits(cpu_ratio, ram_ratio), pci_counts=pci_counts,
            check_pool=False)
        if len(memo) > _MEMO_LIMIT:
            memo.clear()
        memo[key] = result
    return result


class RealtimeFilter(filters.BaseHostFilter, filters.CandidateFilterMixin):
    """Filter on requested NUMA topology, exactly as nova, but fast."""

    # as NUMATopologyFilter: the API refuses NUMA changes on rebuild
    RUN_ON_REBUILD = False

    def __init__(self):
        super().__init__()
        self._nova = numa_topology_filter.NUMATopologyFilter()

    def host_passes(self, host_state, spec_obj):
        return self._passes(host_state, request_view(spec_obj), spec_obj,
                            LOG.isEnabledFor(py_logging.DEBUG))

    def filter_all(self, filter_obj_list, spec_obj):
        """All hosts of one request together: the request is read once,
        and every host is screened against its per-cell bounds before the
        exact fit runs on the survivors.

        A host whose topology object this request has decided already is
        answered from that decision: nova's scheduler filters the hosts
        again for each further instance of a multi-instance request, and
        gives a host a new ``numa_topology`` object whenever its content
        changes (``HostState.update`` re-reads it, ``consume_from_request``
        replaces it). The decisions live as long as the request spec.
        """
        if not self.RUN_ON_REBUILD and utils.request_is_rebuild(spec_obj):
            # as nova's BaseHostFilter: a rebuild passes every host
            return list(filter_obj_list)
        view = request_view(spec_obj)
        debug = LOG.isEnabledFor(py_logging.DEBUG)
        if view.bounds is None or view.uses_ratios:
            passes = self._passes
            return [state for state in filter_obj_list
                    if passes(state, view, spec_obj, debug)]
        return self._screen_all(filter_obj_list, view, spec_obj, debug)

    def _screen_all(self, states, view, spec_obj, debug):
        """``filter_all`` for a bounded request: ``_passes`` unrolled for
        the hosts the bounds decide (no PCI pools), with ``_accept`` and
        ``_reject`` written out; the per-host calls cost up to a fifth of
        a re-read host.
        """
        bounds, decided, hold = view.bounds, view.decided, view.held.append
        guest_ids, pack = view.guest_ids, view.pack
        screen = host_screen.screener(bounds)
        wanted, refused = bounds.cells, view.out_of_bounds
        passed, limits = [], view.limits
        accepted = passed.append
        # the ratios of the last accepted host (no nova ratio is _NO_RATIO)
        last_cpu = last_ram = _NO_RATIO
        last_limits = None
        # no decision of this request yet: none to look up in this call (a
        # topology object shown twice is screened twice, to one verdict)
        fresh = not decided
        for state in states:
            topology = state.numa_topology
            pci_stats = state.pci_stats
            if topology is None or (pci_stats is not None and
                                    pci_stats.pools):
                if self._passes(state, view, spec_obj, debug):
                    accepted(state)
                continue
            key = id(topology)
            verdict = None if fresh else decided.get(key)
            if verdict is None:
                within, verdict = screen(bounds, topology, guest_ids, pack)
                if within is not None and within < wanted:
                    verdict = refused
                elif verdict is None:
                    if self._passes(state, view, spec_obj, debug):
                        accepted(state)
                    continue
                elif not verdict:
                    verdict = _NO_RECORDABLE_WALK
                hold(topology)
                decided[key] = verdict
            if verdict is True:
                # _accept, and view.limits' check of the last ratios
                if state.allocation_candidates:
                    cpu_ratio = state.cpu_allocation_ratio
                    ram_ratio = state.ram_allocation_ratio
                    if cpu_ratio != last_cpu or ram_ratio != last_ram:
                        last_cpu, last_ram = cpu_ratio, ram_ratio
                        last_limits = limits(cpu_ratio, ram_ratio)
                    state.limits['numa_topology'] = last_limits
                    accepted(state)
                elif debug:
                    LOG.debug('%s: rejected: no allocation candidate left',
                              state)
            elif verdict is not False:
                # _reject of a NoFit; False (refused before any fit, as
                # _passes says) leaves the host state as it is
                state.allocation_candidates = []
                if debug:
                    LOG.debug('%s: rejected: %s', state, verdict.reason)
        return passed

    def _passes(self, host_state, view, spec_obj, debug=True):
        topology = host_state.numa_topology
        pci_stats = host_state.pci_stats
        pci_counts = (_pci_counts(pci_stats)
                      if pci_stats is not None and pci_stats.pools else None)
        if topology is None or pci_counts is not None:
            # PCI pools change in place: such hosts are not remembered
            verdict = self._verdict(host_state, topology, view, spec_obj,
                                    pci_counts)
        else:
            key = ((id(topology), host_state.cpu_allocation_ratio,
                    host_state.ram_allocation_ratio) if view.uses_ratios
                   else id(topology))
            verdict = view.decided.get(key)
            if verdict is None:
                verdict = self._verdict(host_state, topology, view,
                                        spec_obj, None)
                if verdict is not _BY_NOVA:
                    view.held.append(topology)
                    view.decided[key] = verdict
        if verdict is _BY_NOVA:
            return self._nova.host_passes(host_state, spec_obj)
        if verdict is True:
            return self._accept(host_state, view)
        if verdict is False:
            return False
        return self._reject(host_state, verdict, debug)

    def _verdict(self, host_state, host_topology, view, spec_obj,
                 pci_counts):
        """True, a NoFit, False (refused, logged, nothing to undo) or
        _BY_NOVA (nova's filter decides this host).
        """
        if view.bounds is not None and host_topology is not None:
            within, verdict = host_screen.screen(
                view.bounds, host_topology, view.guest_ids, view.pack,
                pci_counts)
            if within is not None and within < view.bounds.cells:
                return view.out_of_bounds
            if verdict is not None:
                return True if verdict else _NO_RECORDABLE_WALK
        host = host_model.cached_host(
            host_topology, (host_state.host, host_state.nodename)) \
            if host_topology else None
        reason = delegation_reason(view, host)
        if reason:
            LOG.debug('%s: %s; deciding with nova\'s NUMATopologyFilter',
                      host_state, reason)
            return _BY_NOVA
        if not host:
            if view.guest:
                LOG.debug('%s: rejected: the request has a NUMA topology, '
                          'the host reports none', host_state)
                return False
            return True
        if view.needs_threads and not host.has_threads:
            LOG.debug('%s: rejected: hw:cpu_thread_policy=require but the '
                      'host has no SMT thread siblings', host_state)
            return False
        if not view.guest:
            return True
        return _decide(view, host, host_state.cpu_allocation_ratio,
                       host_state.ram_allocation_ratio, pci_counts)

    @staticmethod
    def _accept(host_state, view):
        # Without PCI requests every allocation candidate gets nova's same
        # answer (the provider mapping only matters to PCI), so keep all or
        # none, as nova's CandidateFilterMixin would.
        if not host_state.allocation_candidates:
            LOG.debug('%s: rejected: no allocation candidate left',
                      host_state)
            return False
        host_state.limits['numa_topology'] = view.limits(
            host_state.cpu_allocation_ratio, host_state.ram_allocation_ratio)
        return True

    @staticmethod
    def _reject(host_state, no_fit, debug=True):
        # as nova's CandidateFilterMixin: no candidate of this host is left
        host_state.allocation_candidates = []
        if debug and LOG.isEnabledFor(py_logging.DEBUG):
            LOG.debug('%s: rejected: %s', host_state, no_fit.reason)
        return False


def delegation_reason(view, host):
    """Why nova's own filter must decide, or None (the one place)."""
    if view.delegation:
        return view.delegation
    if host is not None and not host.siblings_known:
        return 'host cells without thread sibling information'
    return None


# the verdict that hands a host to nova's own filter
_BY_NOVA = object()
# before the first accepted host of a request (see _screen_all)
_NO_RATIO = object()

_NO_RECORDABLE_WALK = fit_mod.NoFit(
    "nova's walk over the host cells finds no assignment of guest cells "
    'its claim can record (each host cell takes a guest cell or not, by '
    'its free pCPUs and pages)')


def _out_of_bounds(bounds):
    return ('fewer than %d host cell(s) with %d free dedicated pCPUs and '
            '%d MiB free in %s' % (
                bounds.cells, bounds.pcpus, bounds.memory_mb,
                '%d KiB pages' % bounds.page_kb if bounds.page_kb
                else 'small pages (or memory)'))
