"""Write pictures as JPEG files, atomically and with as little memory as a picture allows.

Two Pillow habits cost memory per page in flight: `convert("RGB")` copies a picture that is already RGB (3 MB at
1024 px), and `optimize=True` makes libjpeg hold every DCT coefficient of the picture (6 MB at 1024 px) plus a
whole-image output buffer. With HERA_IMAGE_CONCURRENCY pages converted at once, that is most of a worker's peak.
"""

import os
import tempfile
import threading
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from PIL import Image

JPEG_QUALITY = 88
MAX_SIDE = 1024
# The hero's reference picture sent with pages 2..n: enough for a face and clothes, about 40 KB.
REFERENCE_SIDE = 512
JPEG_START, JPEG_END = b"\xff\xd8", b"\xff\xd9"
# One picture decoded at a time in the process: a 2K answer is 12 MB decoded (16 MB with alpha), and the pages in
# flight spend seconds waiting on the image model for every fraction of a second spent converting, so the
# illustration threads lose nothing by taking turns here (bench/memory.py, 2K PNG answers: 179 -> 149 MB).
DECODE_TURN = threading.Lock()


def atomic_write(out_path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Write `out_path` through a temporary name, so no reader ever sees half a picture."""
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(prefix=f".{out_path.name}.", suffix=".part", dir=out_path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(partial, out_path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


def save_jpeg(image: Image.Image, out_path: Path, quality: int = JPEG_QUALITY) -> None:
    """Write `image` to `out_path` as a JPEG, atomically."""
    atomic_write(out_path, lambda fh: image.save(fh, format="JPEG", quality=quality))


def printable_jpeg_size(data: bytes, max_side: int) -> tuple[int, int] | None:
    """Return the size of a whole RGB or grey JPEG no larger than `max_side`, reading only its header; else None."""
    if not (data.startswith(JPEG_START) and data.endswith(JPEG_END)):
        return None
    try:
        with Image.open(BytesIO(data)) as image:  # lazy: the header only, nothing decoded
            if image.format == "JPEG" and image.mode in ("RGB", "L") and max(image.size) <= max_side:
                return image.size
    except OSError:
        return None
    return None


def save_answer_as_jpeg(data: bytes, out_path: Path, max_side: int = MAX_SIDE) -> tuple[int, int]:
    """Write an image model's answer (PNG, JPEG, WebP bytes) as an RGB JPEG no larger than `max_side`; return its size.

    A JPEG already small enough is written as it came: decoding and re-encoding it would cost memory and quality.
    """
    size = printable_jpeg_size(data, max_side)
    if size is not None:
        atomic_write(out_path, lambda fh: fh.write(data))
        return size
    with DECODE_TURN, Image.open(BytesIO(data)) as image:
        image.draft("RGB", (max_side, max_side))  # a JPEG answer decodes at reduced scale
        image.load()
        picture = image if image.mode == "RGB" else image.convert("RGB")
        if max(picture.size) > max_side:
            picture.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        save_jpeg(picture, out_path)
        return picture.size


def save_reference(page: Path, out_path: Path, side: int = REFERENCE_SIDE) -> None:
    """Write a small JPEG of a finished page (the hero as first drawn), decoding it at reduced scale."""
    save_small_copy(page, out_path, side)


def save_small_copy(page: Path, out_path: Path, side: int, quality: int = 85) -> None:
    """Write a JPEG of a finished page no larger than `side`, decoding it at reduced scale (a fraction of its memory)."""
    with Image.open(page) as image:
        image.draft("RGB", (side, side))
        image.load()
        picture = image if image.mode == "RGB" else image.convert("RGB")
        picture.thumbnail((side, side), Image.Resampling.LANCZOS)
        save_jpeg(picture, out_path, quality=quality)
