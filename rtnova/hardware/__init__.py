"""rtnova's pure core: plain data in, plain data out.

Nothing here imports nova, oslo.config or libvirt, so the scheduler filter,
the compute driver, the planner and the tests share one implementation of
the rules, and the rules can be tested (and fuzzed) in isolation.
"""
