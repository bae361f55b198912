#!/usr/bin/env bash
# The GPU check of issue 5, as one script (about 3 minutes on one GPU): hardware and
# checkpoint tests on the real device, then one dispatch + inference benchmark.
# Run from the repository root on a CUDA machine with the venv built:
#   bash harness/inference/gpu_check.sh            (writes $OUT or ./gpu-check/)
set -u
out="${OUT:-gpu-check}"
mkdir -p "$out"
py="${PYTHON:-.venv/bin/python}"
nvidia-smi > "$out/nvidia-smi.txt" 2>&1 || true
$py -m pytest_ipfs_accelerate.cli hardware > "$out/hardware.json" 2> "$out/hardware.err" \
    || $py -c "import json; from pytest_ipfs_accelerate.hardware import detect_hardware; \
print(json.dumps(detect_hardware().to_dict(), indent=2))" > "$out/hardware.json"
IPFS_ACCEL_HARDWARE=cpu,cuda timeout 150 $py -m pytest tests/hardware tests/checkpoint \
    -q -p no:cacheprovider -x --ipfs-accel-db "$out/tests.duckdb" 2>&1 | tail -30 \
    > "$out/tests.txt"
timeout 120 $py -m pytest harness/inference -q -p no:cacheprovider \
    --ipfs-accel-hardware=cpu,cuda --benchmark-json="$out/bench.json" \
    --ipfs-accel-db "$out/bench.duckdb" 2>&1 | tail -25 > "$out/bench.txt"
cat "$out/tests.txt" "$out/bench.txt"
