"""rtnova: real-time instances for OpenStack Nova (libvirt/KVM).

Layout:

* ``rtnova.hardware`` -- the pure core: request model, host model, fitting.
  Plain data in, plain data out; importable without nova's services.
* ``rtnova.virt`` -- the libvirt driver subclass (thin adapter).
* ``rtnova.scheduler`` -- the scheduler filter (thin adapter).
* ``rtnova.api`` -- extra spec validators for nova's API.
* ``rtnova.cmd`` -- operator commands (rtnova-plan, rtnova-status, ...).
* ``rtnova.conf`` -- the ``[rtnova]`` oslo.config options.
"""
