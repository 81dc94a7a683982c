# The alias nova's loader needs: nova imports ``compute_driver`` as
# ``nova.virt.<value>``, so ``compute_driver = rtnova.RealtimeLibvirtDriver``
# resolves to this module. It only re-exports; the code lives in ``rtnova``.
from rtnova.virt.driver import RealtimeLibvirtDriver  # noqa: F401
