"""The differential corpus: requests sent, in this order, to a real Kubo daemon and to ours.

Both start from empty repos, offline. Content is deterministic, so CIDs must agree; what
cannot agree (peer IDs, keys, IPNS names, repo paths, timings) is named ``volatile`` and
compared by type only, or saved per daemon (``save``) and put back into later requests as
``{{name}}``. Error messages in JSON are compared by shape; plain-text parse errors, which
clients show as they are, by their text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from pytest_ipfs_accelerate.ipfs.engine.car import car_chunks
from pytest_ipfs_accelerate.ipfs.engine.cid import RAW, cid_for_block

BOUNDARY = "corpus-boundary"
HELLO = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"  # "hello world\n", Kubo's default
EMPTY_DIR = "QmUNLLsPACCz1vLxQVkXqqLX5R1X345qqfHbsf67hvA3Nn"
MISSING = "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"  # "hello worlds" never added
MISSING_V1 = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
BIG = bytes(range(256)) * 1200  # two 256 KiB chunks
_IMPORTED = b"imported through a CAR\n"
IMPORT_CAR = b"".join(car_chunks([cid_for_block(_IMPORTED, RAW, 1)],
                                 [(cid_for_block(_IMPORTED, RAW, 1), _IMPORTED)]))
PEER = "12D3KooWAnVK7Jf9L5eaiJErsvtrSuxU98wXej3RNDsx5w9htXeP"


SYMLINK = "application/symlink"
Part = tuple[str, bytes | None] | tuple[str, bytes | None, str] | \
    tuple[str, bytes | None, str, str]


def multipart(*parts: Part, boundary: str = BOUNDARY, ctype: str = "application/octet-stream"
              ) -> tuple[bytes, dict[str, str]]:
    """A form-data body of (filename, data[, form name[, content type]]) parts: data None
    is a directory part; the form name (default ``file``) may carry metadata
    (``file?mode=0640&mtime=5``)."""
    out = b""
    for name, data, *rest in parts:
        field = rest[0] if rest else "file"
        kind = rest[1] if len(rest) > 1 else \
            "application/x-directory" if data is None else ctype
        out += (f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
                f'filename="{name}"\r\nContent-Type: {kind}\r\n\r\n').encode()
        out += (data or b"") + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return out, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


@dataclass(frozen=True)
class Case:
    """One request. ``endpoint`` is the command (``files/ls``); ``query`` its query string."""

    endpoint: str
    query: str = ""
    what: str = ""
    body: tuple[bytes, dict[str, str]] = (b"", {})
    method: str = "POST"
    headers: dict[str, str] = field(default_factory=dict)
    volatile: frozenset[str] = frozenset()
    unordered: bool = False
    bytes_shape: bool = False  # binary bodies equal in presence only (tar headers, CARs)
    save: tuple[tuple[str, str], ...] = ()  # (name, JSON path such as "-1.Hash")

    @property
    def id(self) -> str:
        return f"{self.endpoint}: {self.what or self.query or 'no arguments'}"


def _case(endpoint: str, query: str = "", what: str = "", **kw: object) -> Case:
    return Case(endpoint, query, what, **kw)  # type: ignore[arg-type]


C = _case
FILE = multipart(("hello.txt", b"hello world\n"))


def _config_doc(gc_period: str = "1h", priv_key: str = "") -> bytes:
    """Kubo 0.43.1's test-profile config (our copy of it), as ``config replace`` takes it."""
    from pytest_ipfs_accelerate.ipfs.engine.kubo_release import default_config

    doc = default_config()
    doc["Datastore"]["GCPeriod"] = gc_period
    doc["Identity"] = {"PeerID": "12D3KooWAwbrrVHnFCaRTFPEBii56HFAovKGJYRVjzp9LkNGqXF2",
                       **({"PrivKey": priv_key} if priv_key else {})}
    return json.dumps(doc).encode()


#: A file of several 1000-byte chunks and more than one trickle layer's worth.
IMPORTED = multipart(("imported.txt", bytes(range(256)) * 100))
#: 2,600 empty files with 60-byte names in one folder: a basic directory by the ``links``
#: estimate (2,600 x (60 + 36) = 249,600 bytes as CIDv1) and a HAMT by ``block`` (270,404).
_ESTIMATION_EDGE = multipart(("edge", None), *((f"edge/{i:05d}-" + "e" * 54, b"")
                                              for i in range(2600)))
#: What differs between two daemons' config documents: their addresses and identities,
#: and the datastore they describe (ours: the simulated store; see known_differences).
_CONFIG_VOLATILE = frozenset({"API", "PeerID", "Gateway", "Datastore.Spec"})
#: A folder whose parts carry their own mode and mtime, as the JS client and Kubo's CLI send.
META_TREE = multipart(("m", None, "dir?mode=0700&mtime=1600000000"),
                      ("m/a.txt", b"a\n", "file?mode=0640&mtime=1700000000&mtime-nsecs=5"),
                      ("m/l", b"a.txt", "file?mode=0777&mtime=1500000000", SYMLINK),
                      ("m/b.txt", b"b\n"))
#: Files that arrive out of name order, one in a sub-folder between them.
UNSORTED = multipart(("o", None), ("o/z.txt", b"z\n"), ("o/sub", None),
                     ("o/sub/1", b"1\n"), ("o/a.txt", b"a\n"))
IDS = frozenset({"ID", "Id", "PublicKey", "Name", "Value", "Path", "Addresses", "Protocols",
                 "AgentVersion"})

CORPUS: tuple[Case, ...] = (
    # -- the HTTP layer -------------------------------------------------------------------
    C("version", what="GET instead of POST", method="GET"),
    C("version", what="PUT instead of POST", method="PUT"),
    C("no/such/command", what="unknown command"),
    C("version", what="foreign Origin", headers={"Origin": "http://evil.example"}),
    C("version", what="browser POST without Origin", headers={"User-Agent": "Mozilla/5.0"}),
    C("version", what="foreign Referer", headers={"Referer": "http://evil.example/page"}),
    C("version", what="unknown option", query="no-such-option=1",
      volatile=frozenset({"Commit", "System", "Golang"})),
    C("version", volatile=frozenset({"Commit", "System", "Golang"})),
    C("version", "encoding=json&stream-channels=true", "ipfshttpclient's globals",
      volatile=frozenset({"Commit", "System", "Golang"})),
    # -- add ---------------------------------------------------------------------------------
    C("add", what="no body"),
    C("add", what="one file", body=FILE),
    C("refs/local", what="after one add", unordered=True),
    C("add", "cid-version=1&raw-leaves=true", "CIDv1 raw leaves", body=FILE),
    C("add", "cid-version=maybe", "int option not an int", body=FILE),
    C("add", "raw-leaves=maybe", "bool option not a bool", body=FILE),
    C("add", "cid-version=2", "CID version out of range", body=FILE),
    C("add", "chunker=bogus", "bad chunker", body=FILE),
    C("add", "hash=nope", "unknown hash", body=FILE),
    C("add", "pin=false&only-hash=true&quieter=true", "quieter", body=FILE),
    C("add", "wrap-with-directory=true", "wrap", body=FILE),
    C("add", what="big file, two chunks", body=multipart(("big.bin", BIG)),
      save=(("big", "-1.Hash"),)),
    C("add", what="directory tree", body=multipart(
        ("dir", None), ("dir/a.txt", b"a\n"), ("dir/sub", None), ("dir/sub/b.txt", b"b\n")),
      save=(("dir", "-1.Hash"),)),
    C("add", what="absolute names (JS globSource)", body=multipart(
        ("/glob", None), ("/glob/a.txt", b"a\n"), ("/glob/b.txt", b"b\n"))),
    C("add", what="names with .. cleaned like path.Clean", body=multipart(
        ("../up/x.txt", b"x\n"), ("a/../../y.txt", b"y\n"))),
    C("add", what="percent-encoded name", body=multipart(("d%C3%A9j%C3%A0.txt", b"d\n"))),
    C("add", "pin=false", "mode and mtime in part names: echoed", body=META_TREE),
    C("add", "pin=false&preserve-mode=true&preserve-mtime=true", "part metadata preserved",
      body=META_TREE),
    C("add", "pin=false&mode=0755&mtime=1234&mtime-nsecs=7", "mode and mtime options",
      body=META_TREE),
    C("add", "pin=false&mode=04755&wrap-with-directory=true", "setuid in --mode",
      body=FILE),
    C("add", "mode=37777777777", "uint option out of range", body=FILE),
    C("add", "pin=false&cid-version=0x1&only-hash=TRUE", "hex int, upper-case bool",
      body=FILE),
    C("add", "pin=false", "files in upload order", body=UNSORTED, save=(("order", "-1.Hash"),)),
    C("add", what="not multipart", body=(b"hello", {"Content-Type": "text/plain"})),
    # -- cat / get / ls ------------------------------------------------------------------------
    C("cat", what="no argument"),
    C("cat", f"arg={HELLO}"),
    C("cat", f"arg=/ipfs/{HELLO}&offset=6&length=3", "offset and length"),
    C("cat", f"arg={HELLO}&offset=x", "bad offset"),
    C("cat", f"arg={HELLO}&offset=0x6&length=0_3", "offset in hex, length with _"),
    C("cat", f"arg={HELLO}&arg={HELLO}", "two arguments"),
    C("cat", "arg=notacid", "bad CID"),
    C("cat", "arg=/ipfs/bafyinvalid", "bad CIDv1"),
    C("cat", f"arg={MISSING}", "missing block"),
    C("cat", "arg={{dir}}", "a directory"),
    C("cat", "arg={{dir}}/a.txt", "path into a directory"),
    C("cat", "arg={{dir}}/nope", "missing link"),
    C("cat", "arg={{big}}"),
    C("get", f"arg={HELLO}", bytes_shape=True),
    C("get", "arg={{dir}}&archive=true&compress=true", "gzip", bytes_shape=True),
    C("get", f"arg={MISSING}", "missing block"),
    C("ls", "arg={{dir}}"),
    C("ls", "arg={{dir}}&stream=true", "stream"),
    C("ls", f"arg={HELLO}", "a file"),
    C("ls", "arg={{big}}", "a chunked file"),
    C("ls", f"arg={MISSING}", "missing block"),
    C("ls", what="no argument"),
    # -- blocks ------------------------------------------------------------------------------
    C("block/put", what="raw", body=multipart(("b", b"block data"))),
    C("block/put", "cid-codec=dag-pb", "bad dag-pb", body=multipart(("b", b"\xff\xff"))),
    C("block/put", "mhtype=sha3-256", "sha3", body=multipart(("b", b"block data"))),
    C("block/put", "format=v0", "legacy format", body=multipart(("b", b"\x0a\x02\x08\x01"))),
    C("block/put", what="no body"),
    C("block/get", f"arg={HELLO}"),
    C("block/get", f"arg={MISSING_V1}", "missing block"),
    C("block/get", "arg=zzz", "bad CID"),
    C("block/stat", f"arg={HELLO}"),
    C("block/stat", f"arg={MISSING}", "missing block"),
    C("block/rm", f"arg={HELLO}", "pinned block"),
    C("block/rm", f"arg={MISSING}", "missing block"),
    C("block/rm", f"arg={MISSING}&force=true", "missing, forced"),
    # -- dag ---------------------------------------------------------------------------------
    C("dag/put", what="dag-json in, dag-cbor stored", body=multipart(
        ("n", b'{"a":[1,{"/":"' + HELLO.encode() + b'"}],"b":{"c":"d"}}')),
      save=(("node", "0.Cid./"),)),
    C("dag/put", "input-codec=dag-cbor&store-codec=dag-cbor", "dag-cbor in",
      body=multipart(("n", bytes.fromhex("a2616101616282010f")))),
    C("dag/put", "store-codec=dag-json", "dag-json stored", body=multipart(("n", b'{"x":1}'))),
    C("dag/put", what="not JSON", body=multipart(("n", b"{nope"))),
    C("dag/put", "hash=sha2-512", "sha2-512", body=multipart(("n", b'{"x":1}'))),
    C("dag/put", "hash=SHA2-512", "hash name in upper case", body=multipart(("n", b"{}"))),
    C("dag/put", "input-codec=nope", "unknown input codec", body=multipart(("n", b"{}"))),
    C("dag/get", "arg={{node}}"),
    C("dag/get", "arg={{node}}/b/c", "IPLD path"),
    C("dag/get", "arg={{node}}/a/0", "list index"),
    C("dag/get", "arg={{node}}/a/1", "through a link"),
    C("dag/get", "arg={{node}}/nope", "missing path"),
    C("dag/get", "arg={{node}}&output-codec=dag-cbor", "dag-cbor out"),
    C("dag/get", "arg={{node}}&output-codec=bogus", "unknown output codec"),
    C("dag/get", f"arg={HELLO}", "dag-pb node"),
    # dag-pb's optional fields: a link without Name or Tsize, a node without Data
    C("dag/put", "store-codec=dag-pb", "dag-pb link without Name or Tsize", body=multipart(
        ("n", b'{"Links":[{"Hash":{"/":"' + HELLO.encode() + b'"}}]}')),
      save=(("bare", "0.Cid./"),)),
    C("dag/get", "arg={{bare}}", "dag-pb link without Name or Tsize"),
    C("dag/get", "arg={{bare}}/Links/0/Name", "an absent Name by path"),
    C("dag/put", "store-codec=dag-pb", "dag-pb link with Tsize only", body=multipart(
        ("n", b'{"Links":[{"Hash":{"/":"' + HELLO.encode() + b'"},"Tsize":12}]}'))),
    C("dag/put", "store-codec=dag-pb", "dag-pb node without Data", body=multipart(
        ("n", b'{"Links":[]}')), save=(("nodata", "0.Cid./"),)),
    C("dag/get", "arg={{nodata}}", "dag-pb node without Data"),
    *(C("dag/put", "store-codec=dag-pb", f"dag-pb {what}", body=multipart(("n", doc)))
      for what, doc in (
          ("Name null", b'{"Links":[{"Hash":{"/":"' + HELLO.encode() + b'"},"Name":null}]}'),
          ("Name a number", b'{"Links":[{"Hash":{"/":"' + HELLO.encode() + b'"},"Name":5}]}'),
          ("Tsize a string", b'{"Links":[{"Hash":{"/":"' + HELLO.encode() + b'"},"Tsize":"x"}]}'),
          ("Tsize negative", b'{"Links":[{"Hash":{"/":"' + HELLO.encode() + b'"},"Tsize":-1}]}'),
          ("Tsize past int64", b'{"Links":[{"Hash":{"/":"' + HELLO.encode()
           + b'"},"Tsize":9223372036854775808}]}'),
          ("an unknown link field", b'{"Links":[{"Hash":{"/":"' + HELLO.encode()
           + b'"},"Foo":1}]}'),
          ("Links not a list", b'{"Links":5}'),
          ("Data null", b'{"Data":null,"Links":[]}'))),
    C("dag/get", f"arg={MISSING}", "missing block"),
    C("dag/resolve", "arg={{node}}/a/1", "through a link"),
    C("dag/resolve", "arg={{dir}}/sub/b.txt", "UnixFS path"),
    C("dag/resolve", "arg={{node}}/b/c", "inside a node"),
    C("dag/export", f"arg={HELLO}", bytes_shape=True),
    C("dag/export", f"arg={MISSING}", "missing root"),
    C("dag/import", what="a CAR", body=multipart(("car", IMPORT_CAR))),
    C("dag/import", what="no body"),
    # -- pins --------------------------------------------------------------------------------
    C("pin/ls", unordered=True),
    C("pin/ls", "type=recursive&stream=true", "stream", unordered=True),
    C("pin/ls", "type=bogus", "bad type"),
    C("pin/ls", f"arg={MISSING}", "not pinned"),
    C("pin/add", "arg={{node}}"),
    C("pin/add", f"arg={MISSING}", "missing block"),
    C("pin/update", "arg={{node}}&arg={{dir}}", "to already pinned"),
    C("pin/rm", "arg={{node}}"),
    C("pin/rm", "arg={{node}}", "not pinned"),
    C("pin/update", "arg={{dir}}&arg={{node}}&unpin=false", "keep the old pin"),
    C("pin/verify", unordered=True),
    C("pin/verify", "verbose=true", unordered=True),
    C("key/list", volatile=IDS, save=(("self", "0.Keys.0.Id"),)),
    # -- MFS -----------------------------------------------------------------------------------
    C("files/ls"),
    C("files/stat", "arg=/"),
    C("files/mkdir", "arg=/a/b", "missing parent"),
    C("files/mkdir", "arg=/a/b&parents=true"),
    C("files/mkdir", "arg=relative", "relative path"),
    C("files/mkdir", "arg=/extra&arg=/ignored", "an extra argument"),
    C("files/write", "arg=/w.txt&create=true", body=FILE),
    C("files/write", "arg=/w.txt", "no create, exists", body=FILE),
    C("files/write", "arg=/new.txt", "no create", body=FILE),
    C("files/write", "arg=/x/y.txt&create=true", "missing parent", body=FILE),
    C("files/write", "arg=/big.bin&create=true", "two chunks", body=multipart(("b", BIG))),
    C("files/write", "arg=/t.txt&create=true", "to truncate", body=FILE),
    C("files/write", "arg=/t.txt&truncate=true", "truncate", body=multipart(("b", b"hi\n"))),
    C("files/read", "arg=/t.txt", "truncated"),
    C("files/stat", "arg=/t.txt", "truncated"),
    C("files/rm", "arg=/t.txt", "truncated"),
    C("files/read", "arg=/w.txt"),
    C("files/read", "arg=/big.bin&offset=262140&count=8", "offset and count"),
    C("files/read", "arg=/nope", "missing file"),
    C("files/read", "arg=/a", "a directory"),
    C("files/ls", "arg=/&long=true", "long"),
    C("files/ls", "arg=/w.txt", "a file"),
    C("files/ls", "arg=/nope", "missing"),
    C("files/stat", "arg=/w.txt"),
    C("files/stat", "arg=/big.bin&hash=true", "hash only"),
    C("files/stat", "arg=/nope", "missing"),
    C("files/stat", f"arg=/ipfs/{HELLO}", "an /ipfs/ path"),
    C("files/cp", f"arg=/ipfs/{HELLO}&arg=/a/hello.txt"),
    C("files/cp", "arg=/ipfs/{{dir}}&arg=/a/dir", "a directory"),
    C("files/cp", f"arg=/ipfs/{HELLO}&arg=/a/hello.txt", "target exists"),
    C("files/cp", f"arg=/ipfs/{MISSING}&arg=/m", "missing block"),
    C("files/mv", "arg=/a/hello.txt&arg=/moved.txt"),
    C("files/mv", "arg=/nope&arg=/x", "missing source"),
    C("files/rm", "arg=/moved.txt"),
    C("files/rm", "arg=/a", "directory without recursive"),
    C("files/rm", "arg=/nope", "missing"),
    C("files/rm", "arg=/nope&force=true", "missing, forced"),
    C("files/chcid", "arg=/a&cid-version=1", "CIDv1"),
    C("files/chcid", "arg=/w.txt&cid-version=1", "a file"),
    C("files/flush"),
    C("files/stat", "arg=/", "root after changes"),
    # -- object, refs, resolve -------------------------------------------------------------------
    C("object/stat", f"arg={HELLO}", "removed in Kubo 0.43"),
    C("object/get", f"arg={HELLO}", "removed in Kubo 0.43"),
    C("object/data", f"arg={HELLO}", "removed in Kubo 0.43"),
    C("object/links", f"arg={HELLO}", "removed in Kubo 0.43"),
    C("refs", "arg={{dir}}"),
    C("refs", "arg={{dir}}&recursive=true", "recursive"),
    C("refs", "arg={{dir}}&recursive=true&unique=true", "unique"),
    C("refs", "arg={{dir}}&recursive=true&edges=true", "edges"),
    C("refs", "arg={{dir}}&recursive=true&format=<src> <linkname>", "format"),
    C("refs", f"arg={MISSING}", "missing block"),
    C("refs", "arg={{order}}&recursive=true", "depth first"),
    C("refs", "arg={{order}}&recursive=true&unique=true&max-depth=1", "unique, max-depth"),
    C("refs", "arg={{dir}}&edges=true&format=<dst>!", "edges with a format"),
    C("refs", f"arg={{{{order}}}}&arg={MISSING}", "second path missing"),
    C("resolve", "arg=/ipfs/{{dir}}/sub", "UnixFS path"),
    C("resolve", f"arg=/ipfs/{MISSING}", "missing block"),
    C("resolve", "arg=/ipns/{{self}}", "own IPNS name before publishing"),
    # -- keys and IPNS ----------------------------------------------------------------------------
    C("key/list", "l=true", "long", volatile=IDS),
    C("key/gen", "arg=k1&type=ed25519", volatile=IDS, save=(("k1", "0.Id"),)),
    C("key/gen", "arg=k1", "existing name", volatile=IDS),
    C("key/gen", "arg=k2&type=dsa", "unknown type", volatile=IDS),
    C("key/gen", "arg=self", "the reserved name", volatile=IDS),
    C("key/gen", "arg=k4&size=2048", "ed25519 of 2048 bits", volatile=IDS),
    C("key/gen", "arg=k4&size=256", "ed25519 of 256 bits", volatile=IDS),
    C("key/rename", "arg=k1&arg=k2", volatile=IDS),
    C("key/rename", "arg=nope&arg=k3", "missing key", volatile=IDS),
    C("key/list", what="after rename", volatile=IDS),
    C("name/publish", f"arg=/ipfs/{HELLO}", "offline without allow-offline", volatile=IDS),
    C("name/publish", f"arg=/ipfs/{HELLO}&allow-offline=true", volatile=IDS),
    C("name/publish", "arg=/ipfs/{{dir}}&key=k2&allow-offline=true", "with a key",
      volatile=IDS),
    C("name/publish", f"arg=/ipfs/{HELLO}&key=nope&allow-offline=true", "unknown key",
      volatile=IDS),
    C("name/resolve", what="own name"),
    C("name/resolve", "arg=/ipns/{{self}}"),
    C("name/resolve", "arg={{k1}}", "a key's name"),
    C("name/resolve", "arg=/ipns/k51qzi5uqu5dlvj2baxnqndepeb86cbk3ng7n3i46uzyxzyqj2xjonzllnv0v8",
      "unknown name"),
    C("name/resolve", "arg=/ipns/{{self}}&stream=true", "stream"),
    C("name/resolve", "arg=/ipns/k51qzi5uqu5dlvj2baxnqndepeb86cbk3ng7n3i46uzyxzyqj2xjonzllnv0v8"
      "&stream=true", "unknown name, stream"),
    C("resolve", "arg=/ipns/{{self}}", "own IPNS name"),
    C("cat", "arg=/ipns/{{self}}", "through IPNS"),
    C("key/rm", "arg=k2", volatile=IDS),
    C("key/rm", "arg=nope", "missing key", volatile=IDS),
    # -- routing, dht, stats ------------------------------------------------------------------
    C("routing/findprovs", f"arg={HELLO}"),
    C("routing/findpeer", f"arg={PEER}"),
    C("routing/provide", f"arg={HELLO}"),
    C("routing/get", "arg=/ipns/{{self}}"),
    C("routing/put", "arg=/ipns/{{self}}", "no value"),
    C("dht/query", f"arg={PEER}"),
    C("dht/findprovs", f"arg={HELLO}", "removed"),
    C("dht/findpeer", f"arg={PEER}", "removed"),
    C("stats/bw"),
    C("stats/bitswap"),
    C("stats/dht"),
    C("bitswap/stat"),
    C("stats/repo", volatile=frozenset({"RepoSize", "RepoPath", "NumObjects"})),
    C("repo/stat", "size-only=true", volatile=frozenset({"RepoSize"})),
    C("swarm/peers"),
    C("id", volatile=IDS),
    C("id", "arg=" + PEER, "another peer, offline"),
    # -- config, cid ---------------------------------------------------------------------------
    C("config/show", what="redacted", volatile=frozenset({"API", "PeerID"})),
    C("config", "arg=Datastore.GCPeriod"),
    C("config", "arg=Addresses.Swarm"),
    C("config", "arg=Import", "a section"),
    C("config", "arg=Nope.Key", "missing section"),
    C("config", "arg=Datastore.Nope", "missing key"),
    C("config", "arg=datastore.gcperiod", "keys are case-sensitive"),
    C("config", "arg=Addresses.Swarm.0", "into a list"),
    C("config", "arg=Identity", "the identity"),
    C("config", "arg=IDENTITY.privkey", "the private key"),
    C("config", "arg=Pinning", "pinning services"),
    C("config", "arg=Identity.PeerID", "the peer ID", volatile=frozenset({"Value"})),
    C("config", "arg=Datastore.GCPeriod&arg=2h", "set a string"),
    C("config", "arg=Datastore.GCPeriod", "read back"),
    C("config", "arg=Datastore.StorageGCWatermark&arg=80&json=true", "set a number"),
    C("config", "arg=Discovery.MDNS.Enabled&arg=true&bool=true", "set a bool"),
    C("config", "arg=Discovery.MDNS.Enabled&arg=yes&bool=true", "a bool that is not true"),
    C("config", "arg=Mounts.FuseAllowOther&arg=true&json=true", "set a null key"),
    C("config", "arg=API.HTTPHeaders.X-Test&arg=%5B%22a%22%5D&json=true", "a new key in a map"),
    C("config", "arg=API.HTTPHeaders", "the map read back"),
    C("config", "arg=DNS.Resolvers.eth&arg=https%3A%2F%2Fdns.example", "a new key in a map of strings"),
    C("config", "arg=Foo.Bar&arg=x", "set under a missing section"),
    C("config", "arg=Datastore.Nope&arg=x", "set a missing key"),
    C("config", "arg=Identity.PeerID&arg=x", "set the peer ID"),
    C("config", "arg=Pinning&arg=%7B%7D&json=true", "set pinning services"),
    C("config", what="no key"),
    C("config", "arg=Datastore.StorageGCWatermark&arg=80", "a string for a number"),
    C("config", "arg=Ipns.ResolveCacheSize&arg=1.5&json=true", "a fraction for an integer"),
    C("config", "arg=Datastore.StorageMax&arg=%7Bbad&json=true", "bad JSON"),
    C("config", "arg=Datastore.GCPeriod&arg=1h", "set back"),
    C("config", "arg=Datastore.StorageGCWatermark&arg=90&json=true", "set back a number"),
    # Import.* set add's defaults; a flag given still wins. Each is set back to null after.
    C("config", "arg=Import.CidVersion&arg=1&json=true", "Import.CidVersion"),
    C("add", "pin=false", "with Import.CidVersion 1", body=IMPORTED),
    C("add", "pin=false&cid-version=0", "a flag over Import.CidVersion", body=IMPORTED),
    C("config", "arg=Import.UnixFSChunker&arg=size-1000", "Import.UnixFSChunker"),
    C("config", "arg=Import.UnixFSRawLeaves&arg=false&json=true", "Import.UnixFSRawLeaves"),
    C("add", "pin=false", "with Import chunker and raw leaves", body=IMPORTED),
    C("config", "arg=Import.UnixFSDAGLayout&arg=trickle", "Import.UnixFSDAGLayout"),
    C("config", "arg=Import.HashFunction&arg=sha2-512", "Import.HashFunction"),
    C("add", "pin=false", "with Import layout and hash", body=IMPORTED),
    *(C("config", f"arg=Import.{key}&arg=null&json=true", f"Import.{key} back to null")
      for key in ("CidVersion", "UnixFSChunker", "UnixFSRawLeaves", "UnixFSDAGLayout",
                  "HashFunction")),
    C("add", "pin=false", "with Import back to defaults", body=IMPORTED),
    # keys whose default is null still decode by their Go type (refused: nothing changes)
    C("config", "arg=Import.CidVersion&arg=one", "a string for an OptionalInteger"),
    C("config", "arg=Import.BatchMaxSize&arg=1.5&json=true", "a fraction for an OptionalInteger"),
    C("config", "arg=Import.UnixFSRawLeaves&arg=5&json=true", "a number for a Flag"),
    C("config", "arg=Gateway.DeprecatedXIpfsPath&arg=yes", "a string for a Flag"),
    C("config", "arg=Import.UnixFSChunker&arg=5&json=true", "a number for an OptionalString"),
    C("config", "arg=Import.UnixFSHAMTDirectorySizeThreshold&arg=true&json=true",
      "a bool for an OptionalBytes"),
    C("config", "arg=Swarm.AddrFilters&arg=5&json=true", "a number for a list"),
    C("config", "arg=Swarm.AddrFilters&arg=%5B1%5D&json=true", "a number in a list of strings"),
    C("config", "arg=Plugins.Plugins&arg=5&json=true", "a number for a map"),
    C("config", "arg=Import.UnixFSHAMTDirectorySizeThreshold&arg=5&json=true",
      "a number for an OptionalBytes"),
    C("config", "arg=Import.UnixFSHAMTDirectorySizeThreshold&arg=1KiB",
      "then a size string for it"),
    C("config", "arg=Import.UnixFSHAMTDirectorySizeThreshold&arg=null&json=true",
      "Import.UnixFSHAMTDirectorySizeThreshold back to null"),
    C("config", "arg=Import", "the Import section after refusals"),
    # -- config profile apply: every profile, then an add where the profile shapes the DAG -----
    C("config", "arg=Routing.Type", "an optional field, unset"),
    C("config", "arg=Routing.Type&arg=autoclient", "set an optional field"),
    C("config", "arg=Routing.Type", "the optional field read back"),
    C("config/profile/apply", "arg=nope", "not a profile"),
    C("config/profile/apply", what="no profile"),
    C("config/profile/apply", "arg=unixfs-v1-2025&dry-run=true", "dry run", volatile=_CONFIG_VOLATILE),
    C("config", "arg=Import.CidVersion", "the dry run stored nothing"),
    *(C("config/profile/apply", f"arg={name}", name, volatile=_CONFIG_VOLATILE)
      for name in ("server", "local-discovery", "lowpower", "announce-off", "announce-on",
                   "autoconf-on", "autoconf-off", "default-networking")),
    C("config/profile/apply", "arg=randomports", "randomports",
      volatile=_CONFIG_VOLATILE | {"Addresses.Swarm"}),
    C("config/profile/apply", "arg=test", "test", volatile=_CONFIG_VOLATILE | {"Addresses.Swarm"}),
    *(C("config/profile/apply", f"arg={name}", name, volatile=_CONFIG_VOLATILE)
      for name in ("flatfs", "flatfs-measure", "flatfs-levelds", "flatfs-levelds-measure",
                   "default-datastore", "pebbleds", "pebbleds-measure", "badgerds",
                   "badgerds-measure", "flatfs-pebbleds", "flatfs-pebbleds-measure",
                   "unixfs-v0-2015", "legacy-cid-v0")),
    C("add", "pin=false", "under legacy-cid-v0", body=IMPORTED),
    C("config/profile/apply", "arg=unixfs-v1-2025", "unixfs-v1-2025", volatile=_CONFIG_VOLATILE),
    C("add", "pin=false&wrap-with-directory=true", "unixfs-v1-2025: a HAMT by block size only",
      body=_ESTIMATION_EDGE),
    C("config", "arg=Import.UnixFSHAMTDirectorySizeEstimation&arg=links",
      "back to the links estimate"),
    C("add", "pin=false&wrap-with-directory=true", "the same directory basic by links",
      body=_ESTIMATION_EDGE),
    C("config", "arg=Import.UnixFSHAMTDirectorySizeEstimation&arg=disabled", "no estimate"),
    C("add", "pin=false&wrap-with-directory=true", "the same directory basic when disabled",
      body=_ESTIMATION_EDGE),
    C("repo/version"),
    C("repo/version", "quiet=true", "quiet"),
    C("cid/format", f"arg={HELLO}&v=1&b=base32"),
    C("cid/format", f"arg={HELLO}&f=%25P", "prefix"),
    C("cid/format", "arg=notacid", "bad CID"),
    C("cid/base32", f"arg={HELLO}"),
    C("cid/base32", "arg=notacid", "bad CID"),
    C("cid/codecs", unordered=True),
    C("cid/codecs", "supported=true", "supported", unordered=True),
    C("cid/hashes", "supported=true", "supported", unordered=True),
    C("cid/bases", unordered=True),
    # -- config replace: Kubo's test-profile document, then back ----------------------------------
    C("config/replace", what="a whole document", body=multipart(("config", _config_doc(
        gc_period="3h")))),
    C("config", "arg=Datastore.GCPeriod", "after replace"),
    C("config/replace", what="with a private key", body=multipart(("config", _config_doc(
        priv_key="CAESQ")))),
    C("config/replace", what="not JSON", body=multipart(("config", b"{bad"))),
    C("config/replace", what="a wrong type", body=multipart(("config", b'{"Datastore": 5}'))),
    C("config/replace", what="no file"),
    C("config/replace", what="unknown keys only", body=multipart(("config", b'{"Nope": 1}'))),
    C("config/show", what="after an empty replace", volatile=frozenset({"PeerID"})),
    C("config/replace", what="back to the defaults", body=multipart(("config", _config_doc()))),
    # -- garbage collection, last -----------------------------------------------------------------
    C("repo/gc", unordered=True),
    C("cat", f"arg={HELLO}", "after gc, still pinned"),
    C("add", what="multipart without closing boundary", body=(FILE[0][:-30], FILE[1])),
)
