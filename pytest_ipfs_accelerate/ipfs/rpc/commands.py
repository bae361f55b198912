"""Kubo's RPC commands as declared data: arguments, typed options, and the handler.

The server parses a request the way go-ipfs-cmds does, before anything runs: an option
whose value does not convert to its type, a missing argument or a missing file argument is
a *parse error*, answered 400 in plain text (:class:`ParseError`). Unknown options are
ignored, as Kubo ignores them. Aliases are folded into the option's name, so handlers read
``req.options["recursive"]`` whether the client sent ``recursive`` or ``r``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from pytest_ipfs_accelerate.ipfs.engine.errors import IpfsNodeError
from pytest_ipfs_accelerate.ipfs.engine.option_values import go_int
from pytest_ipfs_accelerate.ipfs.rpc.messages import RpcRequest, RpcResponse

Handler = Callable[[RpcRequest], RpcResponse]

#: go-ipfs-cmds' booleans: Go's strconv.ParseBool of the lower-cased value ("" is true).
_BOOLS = {"", "1", "t", "true", "0", "f", "false"}
#: go-ipfs-cmds' integer types: (bits, signed), parsed as strconv.ParseInt/ParseUint(v, 0, bits).
_INTS = {"int": (32, True), "uint": (32, False), "int64": (64, True), "uint64": (64, False)}


class ParseError(IpfsNodeError):
    """A request that go-ipfs-cmds refuses before the command runs: 400, plain text."""

    http_status = 400


class ClientError(IpfsNodeError):
    """A command's error that Kubo marks as the client's (``cmds.ClientError``): 400, Code 1.
    Every other error of a running command is 500, Code 0, as in Kubo."""

    http_status = 400


@dataclass(frozen=True)
class Arg:
    """A positional argument: ``arg=`` in the query, or (``file``) a multipart part."""

    name: str
    required: bool = True
    variadic: bool = False
    file: bool = False


@dataclass(frozen=True)
class Opt:
    """An option with its Go type: bool, int, int64, uint, uint64, float64, string, strings."""

    name: str
    type: str = "bool"
    aliases: tuple[str, ...] = ()


def _convert(opt: Opt, given: str, value: str) -> None:
    """Raise Kubo's parse error when ``value`` is not of ``opt``'s type."""
    ok = True
    if opt.type == "bool":
        ok = value.lower() in _BOOLS
    elif opt.type in _INTS:
        try:
            go_int(value, *_INTS[opt.type])
        except ValueError:
            ok = False
    elif opt.type == "float64":
        try:
            float(value)
        except ValueError:
            ok = False
    if not ok:
        raise ParseError(f'could not convert value "{value}" to type "{opt.type}" '
                         f'(for option "-{given}")')


#: Kubo's global options, accepted by every command.
GLOBAL_OPTIONS = (
    Opt("encoding", "string", ("enc",)), Opt("stream-channels"), Opt("timeout", "string"),
    Opt("offline"), Opt("cid-base", "string"), Opt("upgrade-cidv0-in-output"),
    Opt("help"), Opt("h"), Opt("debug", aliases=("D",)), Opt("local", aliases=("L",)),
)


@dataclass(frozen=True)
class Command:
    """One RPC command: its name (``files/ls``), handler, arguments and options."""

    name: str
    handler: Handler
    args: tuple[Arg, ...] = ()
    options: tuple[Opt, ...] = ()

    @property
    def file_arg(self) -> Arg | None:
        return next((a for a in self.args if a.file), None)

    def parse(self, pairs: Iterable[tuple[str, str]], has_files: bool
              ) -> tuple[list[str], dict[str, str]]:
        """(positional args, options by name), or :class:`ParseError` as Kubo words it."""
        by_name = {}
        for opt in (*self.options, *GLOBAL_OPTIONS):
            for name in (opt.name, *opt.aliases):
                by_name.setdefault(name, opt)
        args: list[str] = []
        options: dict[str, str] = {}
        for key, value in pairs:
            if key == "arg":
                args.append(value)
                continue
            opt = by_name.get(key)
            if opt is None:
                options.setdefault(key, value)  # unknown: ignored, as Kubo does
                continue
            _convert(opt, key, value)
            if opt.name in options and opt.type != "strings":
                raise ParseError(f"duplicate command options were provided: {opt.name}")
            options[opt.name] = value
        string_args = [a for a in self.args if not a.file]
        for i, arg in enumerate(string_args):
            if arg.required and len(args) <= i:
                raise ParseError(f'argument "{arg.name}" is required')
        if not (string_args and string_args[-1].variadic):
            del args[len(string_args):]  # over HTTP, go-ipfs-cmds ignores extra values
        file_arg = self.file_arg
        if file_arg is not None and file_arg.required and not has_files:
            raise ParseError(f"file argument '{file_arg.name}' is required")
        return args, options


#: Every command, by name.
COMMANDS: dict[str, Command] = {}


def command(name: str, args: Iterable[Arg] = (), options: Iterable[Opt] = ()
            ) -> Callable[[Handler], Handler]:
    """Register the decorated handler as the command ``name``."""
    def register(fn: Handler) -> Handler:
        COMMANDS[name] = Command(name, fn, tuple(args), tuple(options))
        return fn
    return register


def removed(name: str, message: str, args: Iterable[Arg] = ()) -> None:
    """A command Kubo still routes but has removed: it answers 500 with ``message``."""
    def handler(req: RpcRequest) -> RpcResponse:
        raise IpfsNodeError(message)
    COMMANDS[name] = Command(name, handler, tuple(args))
