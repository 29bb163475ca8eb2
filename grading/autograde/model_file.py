"""Reading a submitted ``best_model.npz``: every header checked before a single array is materialised.

The file is data the grader reads in its own process, so the work it can cause must be bounded by the course's
limits, not by the file: a 200-byte archive can declare a zero-itemsize array of 10**15 elements (numpy's loader
then loops 10**9 times), a 250 KB one can inflate to 245 MiB. :func:`load_model` therefore reads only the zip
directory and the ``.npy`` headers first and refuses the file unless

- every member is ``W<i>.npy``, ``b<i>.npy`` or ``meta.npy`` (at most one each, a bounded number of members),
- every parameter is float32 or float64 (little-endian or native), ``meta`` 1-D uint8 of at most 64 KiB,
- the shapes are those of a FullyConnectedNet for CIFAR-10 (W1 (3072, H1), b1 (H1,), ..., WL (H_{L-1}, 10)),
  with at most ``model_max_hidden_layers`` hidden layers and ``model_max_parameters`` numbers in all;

only then it reads exactly the bytes those headers promise, member by member (a member that holds fewer is
refused). The messages are in the checks' current language: they reach the student's feedback page.
"""
import io
import json
import re
import zipfile
from dataclasses import dataclass

import numpy as np

from utils.checks.cases._judging import say
from utils.checks.cases.best_model import INPUT_DIM, NUM_CLASSES

from ..facts import MODEL_CAP, MODEL_FILE

META = "meta"
META_CAP = 64 * 1024
_PARAM = re.compile(r"([Wb])([1-9][0-9]{0,2})")
_FLOATS = {np.dtype("<f4"), np.dtype("<f8")}
_HEADER_CAP = 10_000


class ModelFileError(ValueError):
    """best_model.npz cannot be used; the message says why (for the student)."""


@dataclass(frozen=True)
class ModelLimits:
    """What a saved model may be: the course's settings (grading/settings.py), checked before scoring."""

    max_hidden_layers: int = 6
    max_parameters: int = 4_000_000
    file_bytes: int = MODEL_CAP

    @classmethod
    def of_course(cls, root=None):
        from ..settings import course_settings

        try:
            s = course_settings(root)
            return cls(int(s.model_max_hidden_layers), int(s.model_max_parameters), MODEL_CAP)
        except Exception:  # a course not built yet: the defaults
            return cls(file_bytes=MODEL_CAP)


def _headers(archive, limits):
    """{name: (shape, fortran_order, dtype, ZipInfo)} of the members, from their headers alone."""
    infos = archive.infolist()
    if len(infos) > 2 * (limits.max_hidden_layers + 2) + 1:  # one layer too many still gets its own message
        raise ModelFileError(say(f"{MODEL_FILE} 里的数组太多（{len(infos)} 个）。",
                                 f"{MODEL_FILE} holds too many arrays ({len(infos)})."))
    out = {}
    for info in infos:
        name = info.filename[:-4] if info.filename.endswith(".npy") else None
        if name is None or not (name == META or _PARAM.fullmatch(name)) or name in out:
            raise ModelFileError(say(f"{MODEL_FILE} 里有意料之外的成员 {info.filename[:80]!r}：只应有 W1..WL、"
                                     "b1..bL 和 meta。",
                                     f"unexpected member {info.filename[:80]!r} in {MODEL_FILE}: only W1..WL, "
                                     "b1..bL and meta belong there."))
        with archive.open(info) as f:
            version = np.lib.format.read_magic(f)
            read = {(1, 0): np.lib.format.read_array_header_1_0,
                    (2, 0): np.lib.format.read_array_header_2_0}.get(version)
            if read is None:
                raise ModelFileError(f"{name}: unsupported .npy version {version}")
            shape, fortran, dtype = read(f, max_header_size=_HEADER_CAP)
            offset = f.tell()
        out[name] = (tuple(shape), bool(fortran), dtype, info, offset)
    return out


def _check_dtypes(headers):
    for name, (shape, _, dtype, _, _) in headers.items():
        if dtype.hasobject:
            raise ModelFileError(say(f"{name} 存的是 Python 对象（pickle），不是数值。",
                                     f"{name} holds Python objects (a pickle), not numbers."))
        if name == META:
            if dtype != np.dtype("u1") or len(shape) != 1 or shape[0] > META_CAP:
                raise ModelFileError(say(f"meta 应是至多 {META_CAP} 字节的一维 uint8 数组。",
                                         f"meta must be a 1-D uint8 array of at most {META_CAP} bytes."))
        elif dtype not in _FLOATS or dtype.itemsize == 0:
            raise ModelFileError(say(f"{name} 的数据类型是 {dtype}，参数只能是 float32 或 float64。",
                                     f"{name} has dtype {dtype}; parameters must be float32 or float64."))


def _check_shapes(headers, limits):
    """The architecture the headers declare, against a FullyConnectedNet for CIFAR-10 and the course's limits."""
    params = {n: h[0] for n, h in headers.items() if n != META}
    L = sum(1 for n in params if n.startswith("W"))
    expected = {f"{k}{i}" for i in range(1, L + 1) for k in "Wb"}
    if L == 0 or set(params) != expected:
        raise ModelFileError(say(f"{MODEL_FILE} 里的数组是 {sorted(params)}，应恰好是 W1..WL 和 b1..bL"
                                 "（用 np.savez(\"best_model.npz\", **model.params) 保存）。",
                                 f"{MODEL_FILE} holds {sorted(params)}; expected exactly W1..WL and b1..bL "
                                 "(save with np.savez(\"best_model.npz\", **model.params))."))
    if L - 1 > limits.max_hidden_layers:
        raise ModelFileError(say(f"模型有 {L - 1} 个隐藏层，本课程最多允许 {limits.max_hidden_layers} 个。",
                                 f"the model has {L - 1} hidden layers; this course allows at most "
                                 f"{limits.max_hidden_layers}."))
    fan_in, total = INPUT_DIM, 0
    for i in range(1, L + 1):
        W, b = params[f"W{i}"], params[f"b{i}"]
        if len(W) != 2 or W[0] != fan_in or b != W[1:]:
            raise ModelFileError(say(f"W{i} 的形状是 {W}、b{i} 的形状是 {b}；第 {i} 层的输入维数应为 {fan_in}"
                                     f"（第一层是 3*32*32 = {INPUT_DIM}），b{i} 的长度应等于 W{i} 的列数。",
                                     f"W{i} has shape {W} and b{i} {b}; layer {i} should take {fan_in} inputs "
                                     f"(the first layer 3*32*32 = {INPUT_DIM}) and b{i} should have one entry per "
                                     f"column of W{i}."))
        fan_in = W[1]
        total += W[0] * W[1] + W[1]
        if total > limits.max_parameters:  # checked as it grows: no product of huge numbers is ever formed
            raise ModelFileError(say(f"模型的参数超过 {limits.max_parameters:,} 个（本课程的上限）。",
                                     f"the model holds more than {limits.max_parameters:,} numbers (this course's "
                                     "limit)."))
    if fan_in != NUM_CLASSES:
        raise ModelFileError(say(f"最后一层输出 {fan_in} 个分数，应为 {NUM_CLASSES} 个类别。",
                                 f"the last layer gives {fan_in} scores, expected {NUM_CLASSES} classes."))


def _read_array(archive, name, header):
    shape, fortran, dtype, info, offset = header
    count = int(np.prod(shape, dtype=np.int64))
    with archive.open(info) as f:
        f.read(offset)
        raw = f.read(count * dtype.itemsize)
    if len(raw) != count * dtype.itemsize:
        raise ModelFileError(say(f"{name} 的数据不完整。", f"{name} holds fewer numbers than its header says."))
    return np.frombuffer(raw, dtype=dtype).reshape(shape, order="F" if fortran else "C").copy()


def parse_meta(raw):
    """The ``meta`` JSON object of a best_model.npz (uint8 bytes), or None when absent or unreadable."""
    if raw is None:
        return None
    try:
        meta = json.loads(bytes(np.asarray(raw, dtype=np.uint8)).decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return meta if isinstance(meta, dict) else None


def load_model(path, limits=None, keep_meta=False):
    """({"W1": array, "b1": ..., }, meta dict or None) of a best_model.npz, refused (ModelFileError) unless it
    is a FullyConnectedNet for CIFAR-10 within ``limits`` (ModelLimits; default: the defaults).

    Inputs:
    - path: the submitted file (at most limits.file_bytes; never followed if it is a link by intake already)

    Returns:
    - params: {name: float32/float64 array}, the shapes checked
    - meta: the JSON object of its ``meta`` array, or None (older files have none)
    - with keep_meta, also the raw ``meta`` array (uint8) or None
    """
    limits = limits or ModelLimits()
    with open(path, "rb") as f:
        data = f.read(limits.file_bytes + 1)
    if len(data) > limits.file_bytes:
        raise ModelFileError(say(f"{MODEL_FILE} 超过了允许的大小。", f"{MODEL_FILE} is larger than allowed."))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            headers = _headers(archive, limits)
            _check_dtypes(headers)
            _check_shapes(headers, limits)
            arrays = {name: _read_array(archive, name, h) for name, h in headers.items()}
    except ModelFileError:
        raise
    except Exception as exc:  # a corrupt or hand-made file may fail anywhere in zipfile or numpy's header parser
        raise ModelFileError(f"not a readable .npz file ({type(exc).__name__}: {exc})"[:300]) from exc
    raw = arrays.pop(META, None)
    return (arrays, parse_meta(raw), raw) if keep_meta else (arrays, parse_meta(raw))
