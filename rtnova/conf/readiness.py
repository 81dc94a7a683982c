"""Host readiness: which checks gate the real-time-ready trait."""

from oslo_config import cfg

OPTS = [
    cfg.BoolOpt(
        'report_ready_trait',
        default=True,
        help="""
Report the ``CUSTOM_RT_READY`` trait on the compute node's resource provider
when every critical host-readiness check passes (the checks of
``rtnova-status``). Real-time flavors can then require it with
``trait:CUSTOM_RT_READY=required`` instead of relying on hand-kept host
aggregates.
"""),
]
