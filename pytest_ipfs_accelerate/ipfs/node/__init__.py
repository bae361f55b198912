"""IPFS nodes: the backend interface (:mod:`.backend`), the in-process simulated node
(:mod:`.simulated`) with its blockstore, pins, faults and swarms, and the wrapper that
records every operation (:mod:`.recording`).
"""
