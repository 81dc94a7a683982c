"""The rtnova compute driver: nova's libvirt driver plus real-time parts.

Thin by design: nova's ``LibvirtDriver`` builds the guest; this subclass
only adjusts the real-time elements and reports rtnova's resources. The
decisions come from ``rtnova.hardware`` (the same code the scheduler filter
and ``rtnova-plan`` use).
"""

from oslo_log import log as logging

from nova.virt.libvirt import driver as libvirt_driver

import rtnova.conf

LOG = logging.getLogger(__name__)
CONF = rtnova.conf.CONF


class RealtimeLibvirtDriver(libvirt_driver.LibvirtDriver):
    """nova's libvirt driver with rtnova's real-time guest handling.

    Enable it with ``[DEFAULT] compute_driver = rtnova.RealtimeLibvirtDriver``.
    """
