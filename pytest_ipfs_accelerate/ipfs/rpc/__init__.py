"""Kubo's RPC API: a server over a node (:mod:`.server`, commands in :mod:`.handlers`),
and the client of any Kubo RPC API with a spawner of real daemons (:mod:`.kubo_client`,
:mod:`.kubo_daemon`).
"""
