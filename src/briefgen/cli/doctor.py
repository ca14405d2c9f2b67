"""``briefgen models`` and ``briefgen doctor``: which provider would be used, why, and does it work.

Nothing here starts the local model or spends tokens: the provider is
resolved with ``start_local=False`` and reachability is one ``GET /models``
(5 s timeout). ``doctor`` adds the config file, where each setting came
from, the environment (keys masked) and the optional extras.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import platform
from pathlib import Path
from typing import Any

from briefgen._version import __version__
from briefgen.cli.common import (
    CONFIG_HELP,
    EXIT_FAILED,
    EXIT_OK,
    Context,
    add_model_options,
    add_output_options,
    escape,
    make_context,
)
from briefgen.config import Provider, resolve_provider
from briefgen.configfile import setting_sources
from briefgen.errors import BriefgenError

REACH_TIMEOUT = 5.0


def parser(command: str = "doctor") -> argparse.ArgumentParser:
    what = ("Which provider and model a brief would use, and why; the models that provider offers; "
            "and the packaged local models." if command == "models" else
            "Check the setup: config file, where each setting comes from, the provider that would be used "
            "and why, whether it is reachable, the local runtime and its cached models, optional extras. "
            "Exit 0 if a brief could be made now, 1 if not.")
    p = argparse.ArgumentParser(prog=f"briefgen {command}", description=what, epilog=CONFIG_HELP,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--json", action="store_true", help="print the findings as JSON")
    add_model_options(p)
    add_output_options(p)
    return p


def mask(secret: str | None) -> str | None:
    if not secret:
        return None
    return secret[:3] + "…" + secret[-4:] if len(secret) > 10 else "…" * 3


def local_models(ctx: Context) -> list[dict[str, Any]]:
    from briefgen import local
    from briefgen.local.weights import locate_installed_part

    cache = Path(ctx.settings.cache_dir) if ctx.settings.cache_dir else local.default_cache_dir()
    rows = []
    for name, model in local.PACKAGED_MODELS.items():
        path = cache / "models" / model.filename
        marker = path.with_name(path.name + ".sha256")
        cached = path.exists() and marker.exists() and marker.read_text().strip() == model.sha256
        parts = sum(locate_installed_part(p) is not None for p in model.parts)
        rows.append({
            "name": name,
            "default": name == local.DEFAULT_MODEL,
            "cached": cached,
            "path": str(path),
            "size_gb": round(model.size / 1e9, 2),
            "parts_installed": f"{parts}/{len(model.parts)}",
            "extra": model.extra,
            "description": model.description,
        })
    return rows


def reach(provider: Provider) -> dict[str, Any]:
    """One GET /models: reachable or not, and the model ids the server lists."""
    import httpx

    if provider.kind == "local":
        return {"checked": False, "reachable": None, "detail": "started on demand (not started by this check)"}
    base = (provider.base_url or "https://api.openai.com/v1").rstrip("/")
    headers = {"Authorization": f"Bearer {provider.api_key}"} if provider.api_key else {}
    try:
        response = httpx.get(f"{base}/models", headers=headers, timeout=REACH_TIMEOUT)
    except httpx.HTTPError as exc:
        return {"checked": True, "reachable": False, "detail": f"cannot reach {base} ({exc.__class__.__name__}); "
                                                              "is the server running and the URL right?"}
    if response.status_code == 401:
        return {"checked": True, "reachable": False, "detail": f"{base} rejected the API key (HTTP 401)"}
    if response.status_code >= 400:
        return {"checked": True, "reachable": True, "detail": f"{base}/models answered HTTP {response.status_code}",
                "models": []}
    try:
        ids = sorted(str(m.get("id")) for m in response.json().get("data", []))
    except (ValueError, AttributeError):
        ids = []
    known = provider.model in ids if ids else None
    detail = f"{base} answered; it lists {len(ids)} model(s)"
    if known is False:
        detail += f", but not {provider.model!r} (pick one with --model)"
    return {"checked": True, "reachable": True, "detail": detail, "models": ids, "model_listed": known}


def gather(ctx: Context, *, doctor: bool) -> dict[str, Any]:
    from briefgen import local

    report: dict[str, Any] = {"briefgen": __version__, "python": platform.python_version()}
    if doctor:
        report["config_file"] = {"path": str(ctx.config.path) if ctx.config.path else None,
                                 "exists": ctx.config.exists, "keys": sorted(ctx.config.values)}
        import os

        real_env = os.environ
        sources = setting_sources(ctx.config, real_env, set(ctx.settings.explicit))
        report["settings"] = {
            name: {"value": mask(value) if name == "api_key" else value, "from": sources[name]}
            for name, value in ctx.settings.model_dump(mode="json").items() if name in sources
        }
        report["environment"] = {k: (mask(v) if "KEY" in k else v) for k, v in sorted(real_env.items())
                                 if k.startswith("BRIEFGEN_") or k in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    provider: Provider | None = None
    try:
        provider = resolve_provider(ctx.settings, ctx.env, start_local=False)
    except BriefgenError as exc:
        report["provider"] = {"ok": False, "error": str(exc)}
    else:
        report["provider"] = {
            "ok": True, "kind": provider.kind, "reason": provider.reason, "model": provider.model,
            "base_url": provider.base_url, "api_key": mask(provider.api_key) if provider.kind == "openai" else None,
            "mode": provider.mode, "concurrency": provider.concurrency,
            "price_per_million": list(provider.price) if provider.price else None,
        }
        report["reachability"] = reach(provider)
    runtime = local.is_installed()
    models = local_models(ctx)
    cache = Path(ctx.settings.cache_dir) if ctx.settings.cache_dir else local.default_cache_dir()
    servers = [dataclasses.asdict(s) for s in local.shared_servers(cache)]
    report["local"] = {"runtime_installed": runtime, "models": models, "servers": servers}
    if provider is not None and provider.kind == "local":
        wanted = ctx.settings.local_model or local.DEFAULT_MODEL
        row = next((m for m in models if m["name"] == wanted), None)
        ready = bool(runtime and (row is None or row["cached"] or row["parts_installed"].split("/")[0] != "0"))
        report["reachability"] = {"checked": True, "reachable": ready, "detail": (
            f"local model {wanted}: " + ("cached; started on demand by the first brief" if row and row["cached"] else
                                          "will be assembled from its installed parts on first use" if ready else
                                          "parts not installed; pip install 'briefgen[local]'"))}
    if doctor:
        report["extras"] = {
            "slack": importlib.util.find_spec("slack_bolt") is not None,
            "tokens": importlib.util.find_spec("tiktoken") is not None,
            "local": runtime,
        }
    report["ok"] = bool(report["provider"].get("ok") and report.get("reachability", {}).get("reachable"))
    return report


def _mark(ok: bool | None) -> str:
    return "[green]✓[/]" if ok else ("[dim]–[/]" if ok is None else "[red]✗[/]")


def _price(price: list[float] | None) -> str:
    if not price:
        return " · price unknown (cost not reported)"
    if not any(price):
        return " · free (runs on this machine)"
    return f" · ${price[0]:g} / ${price[1]:g} per 1M prompt / completion tokens"


def show(ctx: Context, report: dict[str, Any], *, doctor: bool) -> None:
    p = ctx.out.print
    if doctor:
        p(f"briefgen {report['briefgen']} · Python {report['python']}")
        cfg = report["config_file"]
        where = escape(cfg["path"] or "none (BRIEFGEN_CONFIG is empty)")
        p(f"{_mark(cfg['exists'] or None)} config file: {where}"
          + (f" ({', '.join(cfg['keys']) or 'empty'})" if cfg["exists"] else " (not present: optional)"))
        for name, info in report["settings"].items():
            p(f"    {name} = {escape(repr(info['value']))}  [dim]from {escape(info['from'])}[/]")
        for key, value in report["environment"].items():
            p(f"    env {key}={escape(str(value))}")
    prov = report["provider"]
    if not prov["ok"]:
        p(f"{_mark(False)} provider: none — {escape(prov['error'])}")
    else:
        p(f"{_mark(True)} provider: [bold]{prov['kind']}[/] — {escape(prov['reason'])}")
        p(f"    model {escape(prov['model'])}" + (f" at {escape(prov['base_url'])}" if prov["base_url"] else "")
          + (f" · key {prov['api_key']}" if prov["api_key"] else "")
          + (" (no --model given: the server's default)" if prov["model"] == "default" else "")
          + (_price(prov["price_per_million"])))
        r = report["reachability"]
        p(f"{_mark(r['reachable'])} reachable: {escape(r['detail'])}")
        if not doctor and r.get("models"):
            p("    models offered: " + escape(", ".join(r["models"][:30])) + (" …" if len(r["models"]) > 30 else ""))
    loc = report["local"]
    p(f"{_mark(loc['runtime_installed'])} local runtime (briefgen\\[local]): "
      + ("installed" if loc["runtime_installed"] else "not installed: pip install 'briefgen\\[local]'"))
    for m in loc["models"]:
        state = "cached" if m["cached"] else f"not cached, {m['parts_installed']} parts installed"
        default = " (default)" if m["default"] else ""
        p(f"    {_mark(m['cached'] or None)} {m['name']}{default}: {state}, {m['size_gb']} GB, "
          f"{escape('briefgen[' + m['extra'] + ']')} — {escape(m['description'])}")
    for s in loc.get("servers", []):
        p(f"    {_mark(s['running'] or None)} shared server {escape(s['model_alias'])} (n_ctx {s['n_ctx']}): "
          + (f"pid {s['pid']} at {escape(s['base_url'])}, {len(s['users'])} user(s); stops "
             f"{s['idle_timeout'] or 0:g} s after the last leaves" if s["running"] else "not running (replaced on next use)"))
    if doctor:
        extras = report["extras"]
        p("    extras: " + ", ".join(f"{k} {'yes' if v else 'no'}" for k, v in extras.items()))
        p(f"[bold {'green' if report['ok'] else 'red'}]{'OK: a brief can be made now' if report['ok'] else 'NOT READY: see ✗ above'}[/]")


def models(argv: list[str]) -> int:
    """``briefgen models``: which provider and model, and why; exit 1 when there is none."""
    return _run("models", argv)


def doctor(argv: list[str]) -> int:
    """``briefgen doctor``: the whole setup; exit 1 when no brief could be made now."""
    return _run("doctor", argv)


def _run(command: str, argv: list[str]) -> int:
    args = parser(command).parse_args(argv)
    ctx = make_context(args)
    report = gather(ctx, doctor=command == "doctor")
    if args.json:
        print(json.dumps(report, indent=2, default=str))
    else:
        show(ctx, report, doctor=command == "doctor")
    usable = report["ok"] or (command == "models" and report["provider"]["ok"])
    return EXIT_OK if usable else EXIT_FAILED
