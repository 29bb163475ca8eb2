"""The IDX file format of MNIST and Fashion-MNIST, gzip-compressed or not, read with every size checked."""
import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

from ..language import in_language as _say
from .sources import DataError

IDX_DTYPES = {0x08: "u1", 0x09: "i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
GZIP_MAGIC = b"\x1f\x8b"


def _read_exact(f, size, path, what):
    data = f.read(size)
    if len(data) != size:
        raise DataError(f"{path} is truncated: it ends inside the {what}")
    return data


def _read_rest(f):
    """Everything left in a file, in one growing bytearray (writable, so NumPy can use it without a copy)."""
    buf = bytearray()
    while chunk := f.read(1 << 20):
        buf += chunk
    return buf


def _parse_idx(f, path):
    """Parse an open IDX stream; see read_idx."""
    head = _read_exact(f, 4, path, "4-byte magic number")
    code, ndim = head[2], head[3]
    if head[:2] != b"\0\0" or code not in IDX_DTYPES or ndim == 0:
        raise DataError(f"{path} is not an IDX file: its magic number is 0x{head.hex()}, expected 0x0000, a dtype "
                        f"code (08, 09, 0b, 0c, 0d or 0e) and a number of dimensions >= 1")
    dims = struct.unpack(f">{ndim}I", _read_exact(f, 4 * ndim, path, f"{ndim} dimension sizes"))
    dtype = np.dtype(IDX_DTYPES[code])
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    data = _read_rest(f)
    if len(data) != expected:
        problem = "is truncated" if len(data) < expected else "has extra bytes at the end"
        raise DataError(f"{path} {problem}: its header announces {dims} values of {dtype} ({expected} bytes), "
                        f"the file holds {len(data)}")
    return np.frombuffer(data, dtype=dtype).reshape(dims).astype(dtype.newbyteorder("="), copy=False)


def read_idx(path):
    """Parse an IDX file (the format of MNIST and Fashion-MNIST), gzip-compressed or not.

    An IDX file is two zero bytes, a dtype code (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32,
    0x0E float64), the number of dimensions, each dimension as a big-endian uint32, then the values in big-endian
    C order. A file that starts with the gzip magic bytes is decompressed first.

    Inputs:
    - path: the file

    Returns:
    - array shaped by the header's dimensions, in native byte order

    Raises DataError when the file is missing, cannot be decompressed, has a wrong magic number, or holds fewer or
    more bytes than its header announces.
    """
    path = Path(path)
    try:
        with open(path, "rb") as raw:
            compressed = raw.read(2) == GZIP_MAGIC
        with (gzip.open(path, "rb") if compressed else open(path, "rb")) as f:
            return _parse_idx(f, path)
    except FileNotFoundError:
        raise DataError(_say(f"缺少 {path}", f"{path} is missing")) from None
    except (OSError, EOFError, zlib.error) as err:  # gzip.BadGzipFile is an OSError; a cut gzip stream an EOFError
        raise DataError(_say(f"{path} 无法按 gzip 读取（{type(err).__name__}: {err}）",
                             f"{path} cannot be read as gzip ({type(err).__name__}: {err})")) from None
