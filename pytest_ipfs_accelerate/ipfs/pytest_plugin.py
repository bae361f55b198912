"""pytest side of the IPFS backend: options, markers and fixtures.

Registered by pytest_ipfs_accelerate.plugin. Imports nothing heavy at module level: the
node, RPC server and Kubo client are imported when a test first asks for a node.

Backend choice: ``--ipfs-accel-ipfs`` > ``IPFS_ACCEL_IPFS`` > config ``[ipfs] backend`` >
``auto`` (kubo when ``ipfs`` is on PATH or an API address is set, else simulated).
``@pytest.mark.ipfs_backends("simulated", "kubo")`` runs one test once per backend.
"""

from __future__ import annotations

import os
import shutil
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pytest_ipfs_accelerate.ipfs.node.recording import RecordingNode

BACKEND_ENV = "IPFS_ACCEL_IPFS"
API_ENV = "IPFS_ACCEL_IPFS_API"
BIN_ENV = "IPFS_ACCEL_IPFS_BIN"
#: Every backend a test can be parametrized over.
ALL_BACKENDS = ("simulated", "simulated-rpc", "kubo")
_KUBO: pytest.StashKey[dict[str, Any]] = pytest.StashKey()
#: What this session's sweep of orphaned Kubo daemons did (it runs before the first spawn).
_SWEPT: pytest.StashKey[Any] = pytest.StashKey()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ipfs-accelerate")
    group.addoption(
        "--ipfs-accel-ipfs", "--ipfs-node", dest="ipfs_accel_ipfs", default=None,
        metavar="BACKEND",
        help="IPFS backend of the ipfs_node/ipfs_client fixtures: auto (kubo when `ipfs` is "
             "on PATH or an API address is set, else simulated), simulated, simulated-rpc "
             "(the simulated node through its own Kubo RPC server), kubo, all (every node "
             "test once per backend), or the address of "
             f"a running daemon (/ip4/127.0.0.1/tcp/5001, http://...). An absent Kubo "
             f"skips its tests, or fails them in strict mode (CI=true). Env {BACKEND_ENV}; "
             "config [ipfs] backend. Default: auto.")
    group.addoption(
        "--ipfs-accel-ipfs-api", dest="ipfs_accel_ipfs_api", default=None, metavar="ADDR",
        help=f"RPC address of a running Kubo daemon for the kubo backend. Env {API_ENV}; "
             "config [ipfs] api.")
    group.addoption(
        "--ipfs-accel-ipfs-bin", "--ipfs-bin", dest="ipfs_accel_ipfs_bin", default=None,
        metavar="PATH",
        help=f"Kubo binary the kubo backend spawns (default: ipfs on PATH). Env {BIN_ENV}; "
             "config [ipfs] bin.")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "ipfs_backends(*names): run the test once per IPFS backend "
        "(simulated, simulated-rpc, kubo; none given: all); an absent real backend skips, "
        "or fails in strict mode (CI=true).")
    config.addinivalue_line(
        "markers", "ipfs_faults(**settings): fault injection for the simulated ipfs_node "
        "(seed, latency_s, jitter_s, bandwidth_bps, error_rate, offline, ops).")
    config.stash[_KUBO] = {}
    if config.getoption("ipfs_accel_ipfs", default=None) or os.environ.get(BACKEND_ENV):
        configured_backend(config)  # a bad value is a usage error now, not in every test


def pytest_unconfigure(config: pytest.Config) -> None:
    for daemon in config.stash.get(_KUBO, {}).values():
        if not isinstance(daemon, str):
            daemon.stop()


# -- settings ---------------------------------------------------------------------------

# An empty value (``IPFS_ACCEL_IPFS=``) counts as unset: hence ``or`` rather than ``default=``.

def _api_setting(config: pytest.Config) -> str:
    from pytest_ipfs_accelerate.config import resolve

    return str(resolve(config, option="ipfs_accel_ipfs_api", key="ipfs.api", env=API_ENV)
               or "")


def _raw_backend(config: pytest.Config) -> str:
    from pytest_ipfs_accelerate.config import resolve

    return str(resolve(config, option="ipfs_accel_ipfs", key="ipfs.backend", env=BACKEND_ENV)
               or "auto").strip()


def _kubo_binary(config: pytest.Config) -> str:
    from pytest_ipfs_accelerate.config import resolve

    return str(resolve(config, option="ipfs_accel_ipfs_bin", key="ipfs.bin", env=BIN_ENV)
               or "ipfs")


def configured_backend(config: pytest.Config) -> tuple[str, str]:
    """(backend, why) from option > env > config > auto. An address means kubo; ``all``
    parametrizes every node test over every backend."""
    raw = _raw_backend(config)
    if raw.startswith(("/", "http://", "https://")):
        return "kubo", f"address {raw}"
    if raw not in ("auto", "all", *ALL_BACKENDS):
        raise pytest.UsageError(
            f"--ipfs-accel-ipfs / {BACKEND_ENV} / [ipfs] backend is {raw!r}; use auto, all, "
            f"simulated, simulated-rpc, kubo or a daemon address like /ip4/127.0.0.1/tcp/5001")
    if raw == "all":
        return "all", f"every test once per backend: {', '.join(ALL_BACKENDS)}"
    if raw != "auto":
        return raw, "chosen"
    if _api_setting(config):
        return "kubo", "auto: API address set"
    binary = _kubo_binary(config)
    if shutil.which(binary):
        return "kubo", f"auto: {binary} on PATH"
    return "simulated", "auto: no ipfs binary on PATH"


def pytest_report_header(config: pytest.Config) -> str | None:
    try:
        backend, why = configured_backend(config)
    except pytest.UsageError:
        return None
    return f"ipfs backend: {backend} ({why})"


# -- parametrization ------------------------------------------------------------------

_NODE_FIXTURES = frozenset(("ipfs_node", "ipfs_client", "ipfs_api_addr", "ipfs_backend"))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if _NODE_FIXTURES.isdisjoint(metafunc.fixturenames):
        return
    marker = metafunc.definition.get_closest_marker("ipfs_backends")
    if marker is not None:
        names = tuple(marker.args) or ALL_BACKENDS
    elif _raw_backend(metafunc.config) == "all":
        names = ALL_BACKENDS
    else:
        return
    unknown = [n for n in names if n not in ALL_BACKENDS]
    if unknown:
        raise pytest.UsageError(f"{metafunc.definition.nodeid}: unknown ipfs_backends "
                                f"{unknown}; use {', '.join(ALL_BACKENDS)}")
    if "ipfs_backend" not in metafunc.fixturenames:
        metafunc.fixturenames.append("ipfs_backend")
    metafunc.parametrize("ipfs_backend", names, indirect=True, ids=list(names))


# -- backends ---------------------------------------------------------------------------

def _unavailable(config: pytest.Config, what: str, why: str) -> Any:
    """Skip, or in strict mode (CI) fail: a test that asked for Kubo never passes without it."""
    from pytest_ipfs_accelerate.strict import missing_backend

    missing_backend(config, what, why)


def _spawn_kubo(config: pytest.Config, offline: bool, profiles: Sequence[str] = (),
                repo_config: Mapping[str, Any] | None = None) -> Any:
    """A new daemon from the configured binary; orphans of crashed sessions swept first.

    ``offline``: no swarm, so a missing block fails at once instead of being searched for
    (the session's shared node); the factory's nodes are online, to peer with each other.
    """
    from pytest_ipfs_accelerate.config import settings_for
    from pytest_ipfs_accelerate.ipfs.rpc.kubo_daemon import KuboDaemon
    from pytest_ipfs_accelerate.ipfs.rpc.kubo_rundir import sweep

    if _SWEPT not in config.stash:
        config.stash[_SWEPT] = sweep()
    timeout = float(settings_for(config).get("ipfs.start_timeout_s"))
    return KuboDaemon(_kubo_binary(config), start_timeout=timeout, offline=offline,
                      profiles=profiles, repo_config=repo_config).start()


def _kubo_backend(config: pytest.Config, dedicated: bool = False,
                  profiles: Sequence[str] = (),
                  repo_config: Mapping[str, Any] | None = None) -> Any:
    """A KuboRpcBackend: to the configured address, or to a daemon spawned once per session
    (``dedicated``: a daemon of its own, stopped with the backend, its repo initialised
    with ``profiles`` and ``repo_config`` too)."""
    from pytest_ipfs_accelerate.ipfs.engine.errors import IpfsNodeError
    from pytest_ipfs_accelerate.ipfs.rpc.kubo_client import KuboRpcBackend, wait_for_api

    raw = config.getoption("ipfs_accel_ipfs", default=None) or os.environ.get(BACKEND_ENV, "")
    addr = raw if str(raw).startswith(("/", "http")) else _api_setting(config)
    cache: dict[str, Any] = config.stash[_KUBO]  # daemons, and failures (str), per session
    if addr and not dedicated:
        if isinstance(cache.get(addr), str):
            return _unavailable(config, f"Kubo RPC API at {addr}", cache[addr])
        try:
            return wait_for_api(addr, timeout=5.0)
        except IpfsNodeError as exc:
            cache[addr] = f"start the daemon ({exc})"
            return _unavailable(config, f"Kubo RPC API at {addr}", cache[addr])
    binary = _kubo_binary(config)
    if isinstance(cache.get(binary), str):
        return _unavailable(config, f"Kubo ({binary})", cache[binary])
    if dedicated or binary not in cache:
        try:
            daemon = _spawn_kubo(config, offline=not dedicated, profiles=profiles,
                                 repo_config=repo_config)
        except IpfsNodeError as exc:
            if profiles or repo_config:  # that start, not Kubo itself: the next may start
                return _unavailable(config, f"Kubo ({binary}) with profiles {profiles} and "
                                    f"config {repo_config or {}}", str(exc))
            cache[binary] = str(exc)  # one failed start per session, not one per test
            return _unavailable(config, f"Kubo ({binary})", cache[binary])
        if dedicated:
            return KuboRpcBackend(daemon.api_addr or "", daemon=daemon)
        cache[binary] = daemon
    return KuboRpcBackend(cache[binary].api_addr or "")


class _NodeSet:
    """What one test's node fixtures share: the node, its RPC server, its client."""

    def __init__(self, request: pytest.FixtureRequest, backend: str,
                 dedicated: bool = False) -> None:
        #: A node of its own (the factory's): a real one is a daemon of its own.
        self.dedicated = dedicated
        self.request = request
        self.config = request.config
        self.backend = backend
        self.node: RecordingNode | None = None
        self.server: Any = None
        self._closers: list[Callable[[], None]] = []

    def simulated(self, faults: Any = None, profiles: Sequence[str] = (),
                  repo_config: Mapping[str, Any] | None = None) -> Any:
        from pytest_ipfs_accelerate.ipfs.node.simulated import SimulatedNode

        node = SimulatedNode(faults=faults, profiles=profiles, repo_config=repo_config)
        self._closers.append(node.close)
        return node

    def serve(self, node: Any, record: bool = False) -> Any:
        """Start a Kubo RPC server for ``node``; ``record``: each request becomes an
        ``rpc/<command>`` operation (for clients that bypass the node wrapper)."""
        from pytest_ipfs_accelerate.config import settings_for
        from pytest_ipfs_accelerate.ipfs.rpc.server import KuboRpcServer

        limit = int(settings_for(self.config).get("ipfs.rpc_max_request_mb")) * 1024 * 1024
        observer = self._record_request if record else None
        server = KuboRpcServer(node, max_request_bytes=limit, observer=observer).start()
        self._closers.append(server.stop)
        return server

    def make(self, faults: Any = None, profiles: Sequence[str] = (),
             repo_config: Mapping[str, Any] | None = None) -> RecordingNode:
        from pytest_ipfs_accelerate.ipfs.node.recording import RecordingNode
        from pytest_ipfs_accelerate.ipfs.rpc.kubo_client import KuboRpcBackend

        if self.backend == "simulated":
            return RecordingNode(self.simulated(faults, profiles, repo_config), self.config,
                                 "simulated")
        if self.backend == "simulated-rpc":
            sim = self.simulated(faults, profiles, repo_config)
            self.server = self.serve(sim)
            client = KuboRpcBackend(self.server.multiaddr, backend_name="simulated",
                                    is_simulated=True)
            client.inner = sim  # type: ignore[attr-defined]
            return RecordingNode(client, self.config, "simulated-rpc")
        if faults is not None:
            pytest.skip("ipfs_faults applies to simulated nodes only; this test runs on kubo")
        backend = _kubo_backend(self.config, self.dedicated, profiles, repo_config)
        self._closers.append(backend.close)
        return RecordingNode(backend, self.config, "kubo")

    def api_addr(self) -> str:
        assert self.node is not None
        addr = self.node.backend.api_addr
        if addr:
            return str(addr)
        self.server = self.serve(self.node.backend, record=True)
        return str(self.server.multiaddr)

    def _record_request(self, rec: Any) -> None:
        from pytest_ipfs_accelerate.operations import record_operation

        record_operation(self.config, kind="ipfs", op=f"rpc/{rec.command}",
                         backend="simulated", is_simulated=True, duration_s=rec.duration_s,
                         target=rec.target, nbytes=rec.bytes_in or None,
                         ok=rec.status < 400, error=rec.error,
                         extra={"label": "simulated-rpc-server", "status": rec.status})

    def close(self) -> None:
        while self._closers:
            self._closers.pop()()


def _faults_from_marker(request: pytest.FixtureRequest) -> Any:
    marker = request.node.get_closest_marker("ipfs_faults")
    if marker is None:
        return None
    from pytest_ipfs_accelerate.ipfs.engine.errors import IpfsNodeError
    from pytest_ipfs_accelerate.ipfs.node.faults import FaultConfig

    try:
        return FaultConfig.from_mapping(dict(marker.kwargs))
    except (IpfsNodeError, TypeError) as exc:
        raise pytest.UsageError(f"{request.node.nodeid}: bad ipfs_faults marker: {exc}") from None


@pytest.fixture
def ipfs_backend(request: pytest.FixtureRequest) -> str:
    """Name of the IPFS backend this test runs on: simulated, simulated-rpc or kubo.

    Set by ``@pytest.mark.ipfs_backends(...)`` (one run per backend, shown in the test id),
    else by ``--ipfs-accel-ipfs`` / ``IPFS_ACCEL_IPFS`` / ``[ipfs] backend``.
    """
    param = getattr(request, "param", None)
    if param is not None:
        return str(param)
    return configured_backend(request.config)[0]


@pytest.fixture
def _ipfs_nodeset(request: pytest.FixtureRequest, ipfs_backend: str) -> Iterator[_NodeSet]:
    nodeset = _NodeSet(request, ipfs_backend)
    try:
        yield nodeset
    finally:
        nodeset.close()


@pytest.fixture
def ipfs_node(request: pytest.FixtureRequest, _ipfs_nodeset: _NodeSet) -> RecordingNode:
    """An IPFS node with one Python interface whatever the backend (see ``IpfsBackend``).

    ``add_bytes``, ``add_path``, ``cat``, ``get``, ``ls``, ``stat``, ``pin_*``, ``block_*``,
    ``dag_get``/``dag_put``, ``repo_stat``, ``gc``, ``id``, ``version``; CIDs are strings.
    Simulated: a fresh in-memory node per test (``@pytest.mark.ipfs_faults(...)`` injects
    faults). Kubo: a daemon spawned once per session (disposable repo, test profile,
    loopback only, free ports) or the running daemon you named. Every call is recorded in
    the results DB.
    """
    node = _ipfs_nodeset.make(_faults_from_marker(request))
    _ipfs_nodeset.node = node
    request.node.user_properties.append(("ipfs_backend", node.label))
    return node


@pytest.fixture(scope="session")
def ipfs_session_node(request: pytest.FixtureRequest) -> Iterator[RecordingNode]:
    """One node for the whole session (per xdist worker), on the configured backend.

    For content that many tests share; state persists between tests, so prefer the
    function-scoped ``ipfs_node`` unless start-up or setup cost matters.
    """
    backend = configured_backend(request.config)[0]
    nodeset = _NodeSet(request, "simulated" if backend == "all" else backend)
    try:
        yield nodeset.make()
    finally:
        nodeset.close()


@pytest.fixture
def ipfs_api_addr(ipfs_node: RecordingNode, _ipfs_nodeset: _NodeSet) -> str:
    """Multiaddr of the ``ipfs_node``'s Kubo RPC API (``/ip4/127.0.0.1/tcp/PORT``).

    For the simulated node, a Kubo-compatible RPC server is started on a random port.
    """
    return _ipfs_nodeset.api_addr()


@pytest.fixture
def ipfs_client(ipfs_api_addr: str) -> Iterator[Any]:
    """An ``ipfshttpclient.Client`` bound to the ``ipfs_node``'s RPC API.

    Built with ``Client(addr)`` directly (``connect()`` refuses daemons newer than 0.8).
    Needs ``pip install pytest-ipfs-accelerate[ipfs]``.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=FutureWarning)
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        try:
            import ipfshttpclient
        except ImportError:
            from pytest_ipfs_accelerate.strict import missing_backend

            missing_backend(None, "ipfshttpclient",
                            "pip install 'pytest-ipfs-accelerate[ipfs]' (ipfshttpclient>=0.7)")
        client = ipfshttpclient.Client(ipfs_api_addr)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def ipfs_node_factory(request: pytest.FixtureRequest,
                      ipfs_backend: str) -> Iterator[Callable[..., RecordingNode]]:
    """Factory of extra nodes: ``ipfs_node_factory(faults=FaultConfig(...), backend=None,
    profile=None, config=None)``.

    Nodes use this test's backend unless ``backend`` names another; all are closed at
    teardown. ``profile``: Kubo profiles (a name, or several) the node's repo starts with
    after the test profile, as ``ipfs init --profile test,NAME``: ``"unixfs-v1-2025"`` makes
    every add use IPIP-499's CIDv1 settings, on Kubo and the simulated node alike.
    ``config``: dotted keys set in the repo's config before the node starts, as ``ipfs
    config --json KEY VALUE`` (``{"Import.UnixFSPBNodeFieldOrder": "data-first"}``). Each
    kubo node is a daemon of its own (loopback only). Nodes start
    unconnected: ``a.connect(b)`` connects two of the same backend (kubo: ``swarm
    connect``), after which each fetches the other's blocks (bitswap).
    """
    sets: list[_NodeSet] = []

    def make(faults: Any = None, backend: str | None = None,
             profile: str | Sequence[str] | None = None,
             config: Mapping[str, Any] | None = None) -> RecordingNode:
        nodeset = _NodeSet(request, backend or ipfs_backend, dedicated=True)
        sets.append(nodeset)
        profiles = (profile,) if isinstance(profile, str) else tuple(profile or ())
        _check_profiles(profiles)
        _check_repo_config(config or {})
        return nodeset.make(faults, profiles, dict(config or {}))

    try:
        yield make
    finally:
        for nodeset in sets:
            nodeset.close()


def _check_profiles(profiles: Sequence[str]) -> None:
    """A profile name Kubo does not have is the test's mistake: said at once, by name."""
    from pytest_ipfs_accelerate.ipfs.node.kubo_profiles import PROFILES

    unknown = [name for name in profiles if name not in PROFILES]
    if unknown:
        raise ValueError(f"ipfs_node_factory(profile=...): {unknown[0]!r} is not one of "
                         f"Kubo's profiles: {', '.join(sorted(PROFILES))}")


def _check_repo_config(config: Mapping[str, Any]) -> None:
    """A key ``ipfs config`` would refuse is the test's mistake too (not a Kubo that is
    missing): said at once, with Kubo's words."""
    from pytest_ipfs_accelerate.ipfs.engine.errors import IpfsNodeError
    from pytest_ipfs_accelerate.ipfs.engine.kubo_release import default_config
    from pytest_ipfs_accelerate.ipfs.node.config_keys import guard, set_key

    doc = default_config()
    for key, value in config.items():
        try:
            guard(key)
            set_key(doc, key, value)
        except IpfsNodeError as exc:
            raise ValueError(f"ipfs_node_factory(config=...): {key!r}: {exc}") from None


@pytest.fixture
def ipfs_swarm(request: pytest.FixtureRequest) -> Iterator[Callable[..., list[RecordingNode]]]:
    """Factory of connected simulated nodes: ``ipfs_swarm(3, faults=None, topology="full")``.

    A node fetches blocks it lacks from its peers (bitswap-like, in-process); ``faults`` is
    one ``FaultConfig`` for all nodes or one per node. ``node.backend`` is the SimulatedNode.
    """
    from pytest_ipfs_accelerate.ipfs.node.recording import RecordingNode
    from pytest_ipfs_accelerate.ipfs.node.swarm import make_swarm

    made: list[Any] = []

    def make(count: int, faults: Any = None, topology: str = "full") -> list[RecordingNode]:
        nodes = make_swarm(count, faults=faults, topology=topology)
        made.extend(nodes)
        return [RecordingNode(n, request.config, f"simulated:{n.name}") for n in nodes]

    try:
        yield make
    finally:
        for node in made:
            node.close()
