"""Read a safetensors file written by tarflow4j as the README documents it, and compare every tensor with Java's values.

Usage: python read_safetensors.py FILE EXPECTED.json   (EXPECTED: {name: {dtype, shape, values}} as Java read them)

1. layout: the 8-byte little-endian header length N, the JSON header, the data at each tensor's data_offsets after
   the header, decoded with numpy (bfloat16 by hand: the upper 16 bits of a float32);
2. safetensors.numpy: the safetensors package's numpy loader (numpy has no bfloat16: those tensors are left out);
3. safetensors.torch: safetensors.torch.load_file, where torch is installed.
Prints one line per check and "done"; exits 1 at the first mismatch. Used by SafeTensorsPythonTest.
"""

import json
import struct
import sys

import numpy as np

path, expected_path = sys.argv[1], sys.argv[2]
with open(expected_path) as f:
    expected = json.load(f)

NUMPY = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1", "U8": "u1",
         "BOOL": "?"}


def fail(message):
    print("MISMATCH " + message)
    sys.exit(1)


def same(name, array):
    want = expected[name]
    got = np.asarray(array).astype(np.float64).ravel()
    if list(np.shape(array)) != want["shape"]:
        fail("%s: shape %s, Java %s" % (name, list(np.shape(array)), want["shape"]))
    if not np.array_equal(got, np.array(want["values"], dtype=np.float64)):
        fail("%s: values differ" % name)


with open(path, "rb") as f:
    data = f.read()
(n,) = struct.unpack("<Q", data[:8])
header = json.loads(data[8:8 + n].decode("utf-8"))
metadata = header.pop("__metadata__", {})
start = 8 + n
if set(header) != set(expected):
    fail("tensor names: %s against Java's %s" % (sorted(header), sorted(expected)))
for name, info in header.items():
    begin, end = info["data_offsets"]
    raw = data[start + begin:start + end]
    if info["dtype"] != expected[name]["dtype"]:
        fail("%s: dtype %s, Java %s" % (name, info["dtype"], expected[name]["dtype"]))
    if info["dtype"] == "BF16":
        array = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
    else:
        array = np.frombuffer(raw, dtype=NUMPY[info["dtype"]])
    same(name, array.reshape(info["shape"]))
print("layout: %d of %d tensors equal (metadata format: %s)" % (len(header), len(expected), metadata.get("format")))

from safetensors import safe_open  # noqa: E402

checked, left_out = 0, []
with safe_open(path, framework="numpy") as f:
    for name in f.keys():
        if expected[name]["dtype"] == "BF16":
            left_out.append(name)
            continue
        same(name, f.get_tensor(name))
        checked += 1
print("safetensors.numpy: %d tensors equal%s" % (
    checked, "; left out (numpy has no bfloat16): " + ", ".join(left_out) if left_out else ""))

try:
    import torch
    from safetensors.torch import load_file
except ImportError as e:
    print("safetensors.torch: not run, no torch here (%s)" % e)
else:
    tensors = load_file(path)
    for name, t in tensors.items():
        if str(t.dtype).replace("torch.", "") not in ("float64", "float32", "float16", "bfloat16", "int64", "int32",
                                                      "int16", "int8", "uint8", "bool"):
            fail("%s: torch dtype %s" % (name, t.dtype))
        same(name, t.to(torch.float64).numpy())
    print("safetensors.torch: %d tensors equal (torch %s)" % (len(tensors), torch.__version__))
print("done")
