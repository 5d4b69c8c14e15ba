"""Write pictures as JPEG files, atomically and with as little memory as a picture allows.

Two Pillow habits cost memory per page in flight: `convert("RGB")` copies a picture that is already RGB (3 MB at
1024 px), and `optimize=True` makes libjpeg hold every DCT coefficient of the picture (6 MB at 1024 px) plus a
whole-image output buffer. With HERA_IMAGE_CONCURRENCY pages converted at once, that is most of a worker's peak.
"""

import os
import tempfile
from io import BytesIO
from pathlib import Path

from PIL import Image

JPEG_QUALITY = 88
MAX_SIDE = 1024


def save_jpeg(image: Image.Image, out_path: Path, quality: int = JPEG_QUALITY) -> None:
    """Write `image` to `out_path` as a JPEG through a temporary name, so no reader ever sees half a picture."""
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(prefix=f".{out_path.name}.", suffix=".part", dir=out_path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            image.save(fh, format="JPEG", quality=quality)
        os.replace(partial, out_path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


def save_answer_as_jpeg(data: bytes, out_path: Path, max_side: int = MAX_SIDE) -> tuple[int, int]:
    """Decode an image model's answer (PNG, JPEG, WebP bytes) and write it as an RGB JPEG; return its size."""
    with Image.open(BytesIO(data)) as image:
        image.draft("RGB", (max_side, max_side))  # a JPEG answer decodes at reduced scale
        image.load()
        picture = image if image.mode == "RGB" else image.convert("RGB")
        if max(picture.size) > max_side:
            picture.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        save_jpeg(picture, out_path)
        return picture.size
