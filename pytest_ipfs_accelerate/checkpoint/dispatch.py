"""``load_checkpoint_and_dispatch``: load safetensors weights and place them on devices.

Chosen libraries: safetensors reads the tensors (zero-copy, no pickle), accelerate
computes the placement (see device_map.py) and, for real multi-device or offloaded
maps, attaches its hooks with ``dispatch_model``. Simulated devices all compute on
the CPU; the logical map stays on the model as ``model.ipfs_accel_device_map``, and
forward pre-hooks append ``(module, logical device)`` to ``model.ipfs_accel_trace``.
"""

from __future__ import annotations

import collections
import contextlib
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from pytest_ipfs_accelerate.checkpoint.device_map import DevicePlan, plan_device_map
from pytest_ipfs_accelerate.checkpoint.errors import CheckpointError, CheckpointMismatchError
from pytest_ipfs_accelerate.checkpoint.runners import build_model, runner_for
from pytest_ipfs_accelerate.checkpoint.sources import CheckpointSource, resolve_checkpoint
from pytest_ipfs_accelerate.hardware.devices import AccelDevice, check_dtype

TRACE_LENGTH = 1000


def resolve_devices(devices: Sequence[AccelDevice | str] | None) -> list[AccelDevice]:
    """Devices from AccelDevice objects, selection names (``cuda:0``) or profile specs."""
    from pytest_ipfs_accelerate.hardware.detect import detect_hardware
    from pytest_ipfs_accelerate.hardware.devices import from_info, select_devices
    from pytest_ipfs_accelerate.hardware.errors import DeviceSelectionError
    from pytest_ipfs_accelerate.hardware.profiles import simulated_devices

    if devices is None:
        return [from_info(d) for d in detect_hardware().devices]
    out: list[AccelDevice] = []
    for item in devices:
        if isinstance(item, AccelDevice):
            found = [item]
        else:
            try:
                found = select_devices(item, detect_hardware())
            except DeviceSelectionError:
                found = simulated_devices([item])  # a profile spec, or ProfileError
        missing = [d.label for d in found if not d.available]
        if missing:
            raise CheckpointError(f"device {item!r} is not available here; use a simulated "
                                  f"profile such as 'cuda:H100-80GB' to plan without it")
        out += [d for d in found if d not in out]
    return out


def _torch_dtype(dtype: Any) -> Any:
    import torch

    if dtype is None or isinstance(dtype, torch.dtype):
        return dtype
    name = str(dtype).removeprefix("torch.")
    value = getattr(torch, name, None)
    if not isinstance(value, torch.dtype):
        raise CheckpointError(f"unknown dtype {dtype!r}: use e.g. 'float32', 'float16', "
                              "'bfloat16'")
    return value


def load_state(model: Any, source: CheckpointSource, dtype: Any = None) -> dict[str, Any]:
    """Read the checkpoint's tensors, checked against the model's names and shapes."""
    from safetensors import safe_open

    expected = model.state_dict()
    tensors: dict[str, Any] = {}
    unexpected: list[str] = []
    by_file: dict[Path, list[str]] = collections.defaultdict(list)
    for name, path in source.weight_map.items():
        by_file[path].append(name)
    for path, names in by_file.items():
        with safe_open(str(path), framework="pt") as handle:
            for name in names:
                if name not in expected:
                    unexpected.append(name)
                    continue
                tensor = handle.get_tensor(name)
                want = tuple(expected[name].shape)
                if tuple(tensor.shape) != want:
                    raise CheckpointMismatchError(
                        f"tensor {name!r} in {path.name} has shape {tuple(tensor.shape)}, but "
                        f"the model's is {want}: the checkpoint is for another model config")
                if dtype is not None and tensor.is_floating_point():
                    tensor = tensor.to(dtype)
                tensors[name] = tensor
    missing = [n for n in expected if n not in tensors]
    if missing or unexpected:
        raise CheckpointMismatchError(
            f"checkpoint {source.origin} does not match the model: missing {missing[:5]}"
            f"{' ...' if len(missing) > 5 else ''}, unexpected {unexpected[:5]}"
            f"{' ...' if len(unexpected) > 5 else ''}")
    return tensors


def _has_own_forward(module: Any) -> bool:
    from torch import nn

    return not isinstance(module, (nn.ModuleList, nn.ModuleDict, nn.ParameterList,
                                   nn.ParameterDict))


def _attach_trace(model: Any, plan: DevicePlan) -> None:
    trace: collections.deque[tuple[str, str]] = collections.deque(maxlen=TRACE_LENGTH)
    modules = dict(model.named_modules())
    for name, label in plan.device_map.items():
        module = modules.get(name)
        if module is None:
            continue
        # containers (ModuleList/Dict) are never called themselves: hook their children
        called = [(f"{name}.{n}", m) for n, m in module.named_children()] \
            if not _has_own_forward(module) else [(name, module)]
        for called_name, called_module in called:
            called_module.register_forward_pre_hook(
                lambda _m, _a, _n=called_name, _l=label: trace.append((_n, _l)))
    model.ipfs_accel_trace = trace


def _dispatch(model: Any, plan: DevicePlan, offload_folder: str | Path | None) -> str:
    """Move or hook the model per the plan; returns the device inputs should go to."""
    execution = plan.execution_map()
    main = plan.devices[plan.main_device].torch_device if plan.main_device in plan.devices \
        else "cpu"
    targets = set(execution.values())
    if targets == {main}:
        model.to(main)
        return main
    from accelerate import dispatch_model

    dispatch_model(model, device_map=execution, main_device=main,
                   offload_dir=str(offload_folder) if offload_folder else None)
    return main


def load_checkpoint_and_dispatch(
    model: Any,
    checkpoint: str | Path,
    device_map: str | Mapping[str, Any] = "auto",
    max_memory: Mapping[Any, int | str] | None = None,
    dtype: Any = None,
    offload_folder: str | Path | None = None,
    *,
    devices: Sequence[AccelDevice | str] | None = None,
    node: Any = None,
    client: Any = None,
    add_options: Mapping[str, Any] | None = None,
    no_split_module_classes: list[str] | None = None,
    workdir: str | Path | None = None,
    config: Any = None,
    cache: Any = None,
) -> Any:
    """Load ``checkpoint`` into ``model`` and place it on ``devices``; returns the model.

    ``checkpoint``: a .safetensors file, a sharded folder with model.safetensors.index.json,
    or an IPFS CID fetched through ``node``/``client`` and verified before loading.
    ``model=None`` builds the architecture the checkpoint metadata names.
    ``devices``: AccelDevice objects, names (``cuda:0``) or profiles (``cuda:H100-80GB x2``);
    default: this machine's. ``device_map``: ``auto``/``balanced``/``sequential`` or a
    dict of module -> device. ``max_memory``: device -> bytes or ``"10GiB"``.
    ``offload_folder``: where weights go when memory is short (else DeviceMapError).
    ``config``: a pytest config, to record the dispatch in the results DB (and to find
    the ``[cache]`` settings). ``cache``: a :class:`CheckpointCache`, ``False`` for none;
    default: the ``[cache]`` config section (CID fetches only).
    """
    start = time.perf_counter()
    try:
        with contextlib.ExitStack() as stack:
            if workdir is None:  # fetched files are read into the model, then removed
                workdir = stack.enter_context(tempfile.TemporaryDirectory(prefix="ipfs-accel-"))
            source = resolve_checkpoint(checkpoint, node=node, client=client, workdir=workdir,
                                        add_options=add_options,
                                        cache=_cache_for(cache, config))
            model, plan, input_device = _load(model, source, device_map, max_memory, dtype,
                                              offload_folder, devices, no_split_module_classes)
    except Exception as exc:
        if config is not None:
            from pytest_ipfs_accelerate.operations import record_operation

            record_operation(config, kind="checkpoint", op="dispatch", backend="unknown",
                             is_simulated=False, duration_s=time.perf_counter() - start,
                             target=str(checkpoint), ok=False,
                             error=f"{type(exc).__name__}: {exc}")
        raise
    _attach_trace(model, plan)
    model.ipfs_accel_plan = plan
    model.ipfs_accel_device_map = dict(plan.device_map)
    model.ipfs_accel_source = source
    model.ipfs_accel_input_device = input_device
    if config is not None:
        from pytest_ipfs_accelerate.operations import record_operation

        record_operation(
            config, kind="checkpoint", op="dispatch",
            backend=",".join(sorted(set(plan.device_map.values()))),
            is_simulated=plan.is_simulated, duration_s=time.perf_counter() - start,
            target=source.cid or source.origin, nbytes=source.nbytes,
            extra={"strategy": plan.strategy, "device_map": plan.device_map,
                   "usage": plan.usage, "architecture": source.metadata.get("architecture")})
    return model


def _load(model: Any, source: CheckpointSource, device_map: str | Mapping[str, Any],
          max_memory: Mapping[Any, int | str] | None, dtype: Any,
          offload_folder: str | Path | None, devices: Sequence[AccelDevice | str] | None,
          no_split_module_classes: list[str] | None) -> tuple[Any, DevicePlan, str]:
    if model is None:
        model = build_model(source.metadata)
    torch_dtype = _torch_dtype(dtype)
    devs = resolve_devices(devices)
    if torch_dtype is not None:
        model = model.to(torch_dtype)
    plan = plan_device_map(model, devs, device_map, max_memory, torch_dtype,
                           no_split_module_classes, allow_disk=offload_folder is not None)
    if torch_dtype is not None:
        for label in set(plan.device_map.values()) - {"disk"}:
            device = plan.devices[label]
            check_dtype(device, torch_dtype)
            if device.is_simulated:  # it computes on the cpu
                check_dtype(AccelDevice(type="cpu", index=None, name="cpu", memory_bytes=None),
                            torch_dtype)
    model.load_state_dict(load_state(model, source, torch_dtype))
    model.eval()
    return model, plan, _dispatch(model, plan, offload_folder)


def infer(model: Any, inputs: Any) -> dict[str, Any]:
    """Run ``inputs`` through a dispatched model with the runner its checkpoint names."""
    source: CheckpointSource | None = getattr(model, "ipfs_accel_source", None)
    if source is None:
        raise CheckpointError("infer() needs a model returned by load_checkpoint_and_dispatch")
    runner = runner_for(source.metadata)
    return runner.run(model, inputs, getattr(model, "ipfs_accel_input_device", "cpu"))


def _cache_for(cache: Any, config: Any) -> Any:
    """The checkpoint cache to use: the one given, none (``False``), or ``[cache]``'s."""
    if cache is False:
        return None
    if cache is not None:
        return cache
    from pytest_ipfs_accelerate.checkpoint.cache import CheckpointCache
    from pytest_ipfs_accelerate.config import Settings, settings_for

    if hasattr(config, "stash") and hasattr(config, "rootpath"):  # a pytest config
        return CheckpointCache.from_settings(settings_for(config), config.rootpath)
    return CheckpointCache.from_settings(Settings.load())
