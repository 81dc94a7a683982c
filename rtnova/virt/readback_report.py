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

"""The driver's side of reading back real-time threads: run it, report it.

When a real-time guest's threads do not run as its XML says, the compute
log gets an error, the instance a fault, and its action list an event
``rtnova_realtime_readback`` whose details name each fact (the tenant sees
the event; the operator also the fault).
"""

from oslo_log import log as logging

from nova.compute import utils as compute_utils
from nova import context as nova_context
from nova import exception
from nova.i18n import _
from nova import objects

from rtnova.verify import domain as domain_mod
from rtnova.verify import readback

LOG = logging.getLogger(__name__)
EVENT = 'rtnova_realtime_readback'
# the action a periodic check records its event under
DRIFT_ACTION = 'rtnova-realtime-drift'


class RealtimeDrift(exception.NovaException):
    msg_fmt = _('Real-time properties of the guest did not take: '
                '%(facts)s. Fix: find what changed them (taskset, chrt, a '
                'tuned profile, libvirt without CAP_SYS_NICE) and hard '
                'reboot the server, or set [rtnova] realtime_drift_repair')


def record(context, instance, facts, host, own_action=False):
    """Log, fault and instance action event for drifted ``facts``."""
    error = RealtimeDrift(facts=readback.describe(facts))
    LOG.error('%s', error, instance=instance)
    compute_utils.add_instance_fault_from_exc(context, instance, error)
    if own_action:
        objects.InstanceAction.action_start(
            context, instance.uuid, DRIFT_ACTION, want_result=False)
    try:
        with compute_utils.EventReporter(context, EVENT, host,
                                         instance.uuid, graceful_exit=True):
            raise error
    except RealtimeDrift:
        pass
    finally:
        if own_action:
            objects.InstanceAction.action_finish(
                context, instance.uuid, want_result=False)


def check_instance(context, instance, dom, host, access):
    """Read back one guest right after an operation; report drift.

    ``access`` (``rtnova.privsep.access``) reads /proc and places the KVM
    kernel threads and stray emulator threads. Never raises: the operation
    itself succeeded, and a guest that cannot be read back (no QEMU process
    found, /proc unreadable) is logged only.
    """
    proc = access.reader()
    try:
        failures = readback.place_threads(dom, proc, access)
        if failures:
            LOG.warning('Cannot place the KVM kernel threads or emulator '
                        'threads of the guest (%s); rtnova\'s privsep daemon '
                        'needs CAP_SYS_NICE for that ([rtnova_privileged] '
                        'capabilities), or place them with taskset and chrt',
                        '; '.join(failures), instance=instance)
        intent, _pid, _threads, facts = readback.read_back(dom, proc)
    except (domain_mod.VerifyError, OSError) as exc:
        LOG.warning('Cannot read back the real-time threads: %s', exc,
                    instance=instance)
        return None
    if readback.is_realtime(intent) and facts:
        record(context, instance, facts, host)
        return facts
    return []


def drift_reporter(host):
    """``report(dom, facts)`` for the periodic :class:`DriftMonitor`."""

    def report(dom, facts):
        context = nova_context.get_admin_context()
        try:
            instance = objects.Instance.get_by_uuid(context,
                                                    dom.UUIDString())
        except exception.InstanceNotFound:
            LOG.error('Guest %s (not a nova instance) drifted: %s',
                      dom.name(), readback.describe(facts))
            return
        record(context, instance, facts, host, own_action=True)
    return report


def start_drift_monitor(list_domains, conf, access):
    """The periodic read-back of the running guests, started.

    :returns: the running :class:`readback.DriftMonitor`, or None when
        ``[rtnova] realtime_drift_check_interval`` turns it off.
    """
    interval = conf.rtnova.realtime_drift_check_interval
    if not interval:
        return None
    monitor = readback.DriftMonitor(
        list_domains=list_domains, report=drift_reporter(conf.host),
        interval=interval, repair_drift=conf.rtnova.realtime_drift_repair,
        access=access,
        on_error=lambda dom, exc: LOG.warning('rtnova drift check: %s', exc))
    monitor.start()
    return monitor
