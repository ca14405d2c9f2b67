"""The fetch policy (briefgen/ingest/fetch.py): what is refused, redirects, DNS pinning, the deadline.

Only loopback is reachable here (tests/conftest.py's guard raises RuntimeError
on any other connection), so:

* a refusal must happen *before* any connection — a test that reached the
  guard would fail with RuntimeError instead of BlockedURLError;
* to test redirect hops, the policy's address classifier is injected so that
  127.0.0.1 counts as "public" for the first hop, while the redirect target
  (169.254.169.254 and friends) is still judged by the real rules;
* names resolve through a stub (no DNS leaves the machine).
"""

from __future__ import annotations

import ipaddress
import json
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from briefgen.cli import main
from briefgen.config import Settings
from briefgen.errors import BlockedURLError, ConfigError, FetchError, NoArticlesError
from briefgen.ingest import LoadOptions, load_article, load_url
from briefgen.ingest.fetch import FetchPolicy, blocked_reason, fetch_page
from briefgen.brief import Brief
from briefgen.pipeline import load_articles
from briefgen.slack.links import is_private_url

from ..cli.fixtures import (
    ARTICLE_PAGE,
    CRAFTED_MODEL,
    crafted_server,
    hermetic_env,  # noqa: F401 - no user config or BRIEFGEN_* leaks in
)

METADATA = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"


def loopback_is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """The real classifier, except that 127.0.0.1 stands in for a public web server."""
    return None if str(address) == "127.0.0.1" else blocked_reason(address)


STAND_IN = FetchPolicy(classify=loopback_is_public)


@contextmanager
def site(routes: dict[str, Callable[[BaseHTTPRequestHandler], None]]) -> Iterator[tuple[str, list[dict[str, str]]]]:
    """A loopback server; yields (base URL, requests seen as {path, host})."""
    seen: list[dict[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            seen.append({"path": self.path, "host": self.headers.get("host", "")})
            route = routes.get(self.path)
            if route is None:
                self.send_response(404)
                self.send_header("content-length", "0")
                self.end_headers()
                return
            try:
                route(self)
            except (BrokenPipeError, ConnectionResetError):
                pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def page(body: str = ARTICLE_PAGE) -> Callable[[BaseHTTPRequestHandler], None]:
    def send(handler: BaseHTTPRequestHandler) -> None:
        data = body.encode()
        handler.send_response(200)
        handler.send_header("content-type", "text/html; charset=utf-8")
        handler.send_header("content-length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    return send


def redirect(location: str, status: int = 302) -> Callable[[BaseHTTPRequestHandler], None]:
    def send(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        handler.send_header("location", location)
        handler.send_header("content-length", "0")
        handler.end_headers()

    return send


# --- redirects: every hop is checked -------------------------------------------------------------


@pytest.mark.parametrize("target", [
    METADATA,
    "http://[::ffff:169.254.169.254]/latest/meta-data",
    "http://2852039166/latest/meta-data",  # 169.254.169.254 as one decimal number
    "http://10.0.0.5/admin",
    "http://localhost:8080/admin",
    "http://metadata.google.internal/computeMetadata/v1/",
    "file:///etc/passwd",
])
def test_redirect_from_a_public_page_to_a_private_address_is_refused_before_connecting(target: str) -> None:
    with site({"/story": redirect(target)}) as (base, seen), pytest.raises(BlockedURLError) as caught:
        load_url(f"{base}/story", policy=STAND_IN)
    message = str(caught.value)
    assert message.startswith(f"{base}/story: refused: redirected to ")
    assert target.split("/")[2] in message or target.startswith("file:")
    assert "\n" not in message
    assert len(seen) == 1  # the public hop only; the guard would have raised on any other connect
    if not target.startswith("file:"):
        assert "allow_private_urls" in message and "--allow-private-urls" in message


def test_redirect_to_another_public_page_is_followed() -> None:
    with site({"/old": redirect("/hop", 301), "/hop": redirect("/article", 307), "/article": page()}) as (base, seen):
        article = load_url(f"{base}/old", policy=STAND_IN)
    assert "harbour bridge reopened" in article.text
    assert [r["path"] for r in seen] == ["/old", "/hop", "/article"]


def test_redirects_are_bounded() -> None:
    with site({"/loop": redirect("/loop")}) as (base, seen), \
            pytest.raises(FetchError, match="more than 5 redirects"):
        fetch_page(f"{base}/loop", policy=STAND_IN)
    assert len(seen) == 6  # the page and five redirects, then it stops


def test_default_policy_refuses_a_redirect_even_when_the_first_hop_was_allowed_by_opt_in() -> None:
    """Opting in lets loopback through, on every hop; without it the first hop is refused."""
    with site({"/story": redirect("/article"), "/article": page()}) as (base, seen):
        with pytest.raises(BlockedURLError):
            load_url(f"{base}/story")
        assert not seen
        article = load_url(f"{base}/story", options=LoadOptions(allow_private_urls=True))
    assert "harbour bridge reopened" in article.text


# --- direct URLs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "reason"), [
    ("http://127.0.0.1:1/", "loopback"),
    ("http://127.1/", "loopback"),  # short form the resolver accepts
    ("http://0x7f.1/", "loopback"),  # hexadecimal
    ("http://017700000001/", "loopback"),  # octal, one number
    ("http://localhost:8080/", "private host"),
    ("http://10.1.2.3/", "private-network"),
    ("http://192.168.1.1/", "private-network"),
    ("http://172.16.0.1/", "private-network"),
    ("http://169.254.169.254/latest/meta-data", "link-local"),
    ("http://2852039166/", "link-local"),  # decimal
    ("http://0/", "unspecified"),
    ("http://0.0.0.0:8000/", "unspecified"),
    ("http://224.0.0.1/", "multicast"),
    ("http://240.0.0.1/", "reserved"),
    ("http://100.64.0.1/", "not a public address"),  # carrier-grade NAT
    ("http://[::1]:8000/", "loopback"),
    ("http://[::]/", "unspecified"),
    ("http://[fe80::1]/", "link-local"),
    ("http://[fc00::1]/", "private-network"),
    ("http://[fec0::1]/", "site-local"),
    ("http://[ff02::1]/", "multicast"),
    ("http://[::ffff:169.254.169.254]/", "IPv6 form of 169.254.169.254"),
    ("http://[::ffff:127.0.0.1]/", "IPv6 form of 127.0.0.1"),
    ("http://[64:ff9b::a9fe:a9fe]/", "IPv6 form of 169.254.169.254"),  # NAT64
    ("http://[2002:a9fe:a9fe::1]/", "IPv6 form of 169.254.169.254"),  # 6to4
])
def test_private_loopback_link_local_and_reserved_urls_are_refused(url: str, reason: str) -> None:
    with pytest.raises(BlockedURLError) as caught:
        load_article(url)
    message = str(caught.value)
    assert reason in message and "BRIEFGEN_ALLOW_PRIVATE_URLS=1" in message
    assert "\n" not in message


def test_dotted_octal_is_refused_as_an_invalid_url() -> None:
    # httpx will not parse 0251.0376.0251.0376, so it is never connected to either
    with pytest.raises(FetchError, match="is not a valid URL"):
        load_article("http://0251.0376.0251.0376/latest/meta-data")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://127.0.0.1:70/_GET", "ftp://example.com/x.txt",
                                 "FILE:///etc/passwd"])
def test_non_http_schemes_are_refused_by_name(url: str) -> None:
    with pytest.raises(BlockedURLError, match="only http:// and https://"):
        load_article(url)  # before: file:// was read as one line of article text


def test_a_name_that_resolves_to_a_private_address_is_refused() -> None:
    policy = FetchPolicy(resolve=lambda host, port: ["93.184.215.14", "10.0.0.8"])  # one public, one private
    with pytest.raises(BlockedURLError, match=r"intranet\.example \(10\.0\.0\.8\), a private-network address"):
        fetch_page("https://intranet.example/wiki", policy=policy)


def test_opt_in_lets_loopback_through_in_library_settings_and_cli(capsys: pytest.CaptureFixture[str],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    with site({"/article": page()}) as (base, _):
        url = f"{base}/article"
        with pytest.raises(NoArticlesError, match="refused: this URL points at 127.0.0.1, a loopback address"):
            load_articles([url], Settings.resolve(env={}))
        articles, _ = load_articles([url], Settings.resolve(env={"BRIEFGEN_ALLOW_PRIVATE_URLS": "1"}))
        assert "harbour bridge reopened" in articles[0].text
        articles, _ = load_articles([url], Settings.resolve(env={}, allow_private_urls=True))
        assert articles
        with crafted_server() as fake:
            model = ["--base-url", fake.base_url, "--model", CRAFTED_MODEL]
            assert main([url, *model, "-f", "json"]) == 2
            err = capsys.readouterr().err
            assert "refused" in err and "--allow-private-urls" in err and not fake.requests
            assert main([url, *model, "-f", "json", "--allow-private-urls"]) == 0
            assert Brief.model_validate_json(capsys.readouterr().out).sources[0].url == url
            monkeypatch.setenv("BRIEFGEN_ALLOW_PRIVATE_URLS", "1")
            assert main([url, *model, "-f", "json"]) == 0


# --- the overall deadline -------------------------------------------------------------------------


def drip(handler: BaseHTTPRequestHandler) -> None:
    """Headers at once, then one byte every 0.25 s: every read succeeds, the page never ends in time."""
    handler.send_response(200)
    handler.send_header("content-type", "text/plain")
    handler.send_header("content-length", "40")
    handler.end_headers()
    for _ in range(40):  # bounded, so code without a deadline finishes (and fails the test) in 10 s
        handler.wfile.write(b"a")
        handler.wfile.flush()
        time.sleep(0.25)


def silent(handler: BaseHTTPRequestHandler) -> None:
    """Headers, then nothing at all for 8 s."""
    handler.send_response(200)
    handler.send_header("content-length", "1000")
    handler.end_headers()
    handler.wfile.flush()
    time.sleep(8)


@pytest.mark.parametrize("route", [drip, silent])
def test_a_slow_page_fails_at_the_overall_deadline(route: Callable[[BaseHTTPRequestHandler], None]) -> None:
    options = LoadOptions(fetch_timeout=1.5, allow_private_urls=True)
    with site({"/slow": route}) as (base, _):
        started = time.monotonic()
        with pytest.raises(FetchError) as caught:
            load_url(f"{base}/slow", options=options)
        elapsed = time.monotonic() - started
    assert "did not finish within 1.5s" in str(caught.value)
    assert 1.4 <= elapsed < 3.0


def test_a_slow_redirect_chain_shares_one_deadline() -> None:
    def slow_redirect(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(0.6)  # each hop alone is well within any per-read timeout
        redirect("/next")(handler)

    with site({"/next": slow_redirect}) as (base, seen):
        started = time.monotonic()
        with pytest.raises(FetchError, match="did not finish within 1.5s"):
            fetch_page(f"{base}/next", policy=FetchPolicy(allow_private=True), timeout=1.5)
        assert time.monotonic() - started < 2.5
    assert len(seen) <= 3


@pytest.mark.parametrize("value", ["inf", "nan", "-inf"])
def test_fetch_timeout_must_be_finite(value: str, capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: inf passed validation and the fetch ended in an internal error."""
    with pytest.raises(ConfigError, match="fetch_timeout"):
        Settings.resolve(env={"BRIEFGEN_FETCH_TIMEOUT": value})
    article = tmp_path / "a.txt"
    article.write_text("The council met on Monday. It approved the budget.", encoding="utf-8")
    monkeypatch.setenv("BRIEFGEN_FETCH_TIMEOUT", value)
    code = main([str(article)])
    err = capsys.readouterr().err
    assert code == 2 and "fetch_timeout" in err and "internal error" not in err
    assert len(err.strip().splitlines()) == 1


# --- DNS pinning ---------------------------------------------------------------------------------


class RebindingDNS:
    """getaddrinfo for ``news.test``: 127.0.0.1 the first time, the metadata address afterwards
    (what an attacker's DNS server does between a check and a naive connect)."""

    def __init__(self, real: Callable[..., Any]) -> None:
        self.real = real
        self.lookups = 0

    def __call__(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != "news.test":
            return self.real(host, port, *args, **kwargs)  # numeric hosts: no DNS involved
        self.lookups += 1
        address = "127.0.0.1" if self.lookups == 1 else "169.254.169.254"
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]


def test_the_connection_goes_to_the_address_that_was_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    dns = RebindingDNS(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", dns)
    with site({"/article": page()}) as (base, seen):
        port = base.rsplit(":", 1)[1]
        # a second lookup would answer 169.254.169.254: connecting there raises in the network guard
        article = load_url(f"http://news.test:{port}/article", policy=STAND_IN)
    assert "harbour bridge reopened" in article.text
    assert dns.lookups == 1
    assert seen == [{"path": "/article", "host": f"news.test:{port}"}]  # the Host header keeps the name


def test_each_redirect_hop_is_resolved_and_checked_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """Same name on the next hop, new (rebound) answer: refused, never connected to."""
    dns = RebindingDNS(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", dns)
    with site({"/a": redirect("/b"), "/b": page()}) as (base, seen):
        port = base.rsplit(":", 1)[1]
        with pytest.raises(BlockedURLError, match=r"news\.test \(169\.254\.169\.254\), a link-local address"):
            fetch_page(f"http://news.test:{port}/a", policy=STAND_IN)
    assert [r["path"] for r in seen] == ["/a"]


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command to make a certificate")
def test_https_to_a_pinned_address_still_checks_the_certificate_for_the_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def certificate(name: str) -> tuple[Path, Path]:
        cert, key = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", f"/CN={name}",
             "-addext", f"subjectAltName=DNS:{name}"],
            check=True, capture_output=True,
        )
        return cert, key

    good, good_key = certificate("news.test")
    monkeypatch.setenv("SSL_CERT_FILE", str(good))  # httpx trusts it as a CA
    sni: list[str | None] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            page()(self)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(good, good_key)
    context.sni_callback = lambda sock, name, ctx: sni.append(name)  # type: ignore[assignment,misc]
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    policy = FetchPolicy(resolve=lambda host, p: ["127.0.0.1"], classify=loopback_is_public)
    try:
        article = load_url(f"https://news.test:{port}/article", policy=policy)
        assert "harbour bridge reopened" in article.text
        assert sni == ["news.test"]  # SNI is the name, though the socket went to 127.0.0.1
        # the same server reached under another name: its certificate does not match, so it fails
        with pytest.raises(FetchError, match="could not fetch .*(certificate|CERTIFICATE)"):
            load_url(f"https://other.test:{port}/article", policy=policy)
    finally:
        server.shutdown()
        server.server_close()


# --- the Slack bot's early check ----------------------------------------------------------------


def test_the_slack_bots_early_check_uses_the_same_policy() -> None:
    for url in ("http://169.254.169.254/latest", "http://2852039166/", "http://[::ffff:127.0.0.1]/",
                "http://0x7f.1:8080/", "http://metadata.google.internal/", "http://10.0.0.1/"):
        assert is_private_url(url), url
    public = FetchPolicy(resolve=lambda host, port: ["93.184.215.14"])
    assert not is_private_url("https://news.example/story", policy=public)
    rebound = FetchPolicy(resolve=lambda host, port: ["93.184.215.14", "127.0.0.1"])
    assert is_private_url("https://news.example/story", policy=rebound)

    def unknown(host: str, port: int) -> list[str]:
        raise socket.gaierror(-2, "Name or service not known")

    assert not is_private_url("https://nowhere.example/", policy=FetchPolicy(resolve=unknown))  # left to the fetch


# --- briefgen verify ------------------------------------------------------------------------------


@pytest.fixture
def url_brief(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Iterator[tuple[Path, str, list[dict[str, str]]]]:
    """A JSON brief of one loopback page and one file: (brief path, page URL, requests to the site)."""
    other = tmp_path / "council.txt"
    other.write_text("The city council approved a new budget of 12 million euros on Monday. "
                     "The mayor said the money would pay for two new schools and a library.\n", encoding="utf-8")
    with site({"/article": page()}) as (base, seen), crafted_server() as fake:
        url = f"{base}/article"
        code = main([url, str(other), "-f", "json", "-o", str(tmp_path / "brief.json"), "--allow-private-urls",
                     "--base-url", fake.base_url, "--model", CRAFTED_MODEL])
        assert code == 0, capsys.readouterr().err
        capsys.readouterr()
        seen.clear()
        yield tmp_path / "brief.json", url, seen


def test_verify_does_not_fetch_without_fetch(url_brief, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    brief_path, _, seen = url_brief
    monkeypatch.chdir(brief_path.parent)
    code = main(["verify", str(brief_path), "--allow-private-urls"])
    out, err = capsys.readouterr()
    assert not seen  # nothing fetched
    assert code == 0, out + err
    assert "NOT CHECKED" in err and "pass --fetch to fetch it" in err
    assert "checked citation(s) match their articles" in out and "not checked: pass --fetch" in out
    code = main(["verify", str(brief_path), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert report["not_checked"] > 0 and report["failed"] == 0 and not seen


def test_verify_fetch_goes_through_the_policy(url_brief, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    brief_path, _, seen = url_brief
    monkeypatch.chdir(brief_path.parent)
    code = main(["verify", str(brief_path), "--fetch"])  # loopback, not opted in: refused, not fetched
    out, err = capsys.readouterr()
    assert code == 1 and not seen
    assert "refused: this URL points at 127.0.0.1" in err
    code = main(["verify", str(brief_path), "--fetch", "--allow-private-urls"])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert [r["path"] for r in seen] == ["/article"]
    assert "PASS" in out and "NOT CHECKED" not in err


def test_verify_with_only_url_sources_says_to_pass_fetch(url_brief, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    brief_path, _, seen = url_brief
    data = json.loads(brief_path.read_text(encoding="utf-8"))
    keep = next(s["id"] for s in data["sources"] if s["url"])
    data["sources"] = [s for s in data["sources"] if s["id"] == keep]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    only_urls = elsewhere / "urls.json"
    only_urls.write_text(json.dumps(data), encoding="utf-8")
    code = main(["verify", str(only_urls)])
    err = capsys.readouterr().err
    assert code == 2 and not seen
    assert err.strip().splitlines() == [(f"briefgen: error: no article files to check {only_urls} against and its "
                                         "sources are URLs: pass --fetch to fetch them, or give the article files")]


def test_verify_source_id_that_is_a_path_is_one_clear_line(url_brief, capsys, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A brief whose source id is /etc/passwd (before: NotImplementedError from glob, 'internal error')
    or ../secret (before: read from outside the brief's folder) is never looked up as a file."""
    brief_path, _, seen = url_brief
    data = json.loads(brief_path.read_text(encoding="utf-8"))
    source = next(s for s in data["sources"] if not s["url"])
    secret = tmp_path.parent / "secret.txt"
    shutil.copy(tmp_path / "council.txt", secret)  # the same text, one folder up
    monkeypatch.chdir(tmp_path)
    try:
        for evil in ("/etc/passwd", "../secret"):
            old, source["id"] = source["id"], evil
            for point in data["points"] + data["background"]:
                for citation in point["citations"]:
                    if citation["article_id"] == old:
                        citation["article_id"] = evil
            path = tmp_path / "evil.json"
            path.write_text(json.dumps(data), encoding="utf-8")
            code = main(["verify", str(path)])  # nothing found, URL not fetched: one line, what to do
            err = capsys.readouterr().err
            assert code == 2 and not seen
            assert err.strip().splitlines() == [(
                f"briefgen: error: no articles to check {path} against (source id {evil} is not a file name, so "
                f"no file is looked up for it): pass them, e.g. briefgen verify {path} seeds/, or --fetch for "
                "its URL sources")]
            code = main(["verify", str(path), "--fetch", "--allow-private-urls"])
            out, err = capsys.readouterr()
            assert code == 1, out + err
            assert "internal error" not in err and "Traceback" not in err
            assert f"{evil}: MISSING (no article given)" in err
            assert (f"no article given for source {evil} (its id is not a file name, so no file is looked up "
                    "for it); pass its article file") in out
            assert str(secret) not in out + err
            seen.clear()
    finally:
        secret.unlink()


@pytest.mark.parametrize("given", ["/etc/passwd", "missing.txt"])
def test_verify_given_a_wrong_file_says_so_in_one_line(url_brief, capsys, given: str) -> None:  # type: ignore[no-untyped-def]
    brief_path, _, _ = url_brief
    code = main(["verify", str(brief_path), given])
    err = capsys.readouterr().err
    assert "internal error" not in err and "Traceback" not in err
    if given == "missing.txt":
        assert code == 2 and err.strip() == "briefgen: error: missing.txt: no such file or folder"
    else:  # read, found to be no article (or none of the brief's), and said so once
        assert code == 1
        warnings = [line for line in err.splitlines() if line.startswith("warning:")]
        assert len(warnings) == 1 and "/etc/passwd: " in warnings[0]


def test_verify_of_a_folder_instead_of_a_brief_is_one_line(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code = main(["verify", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "is a folder" in err


def test_a_gzip_bomb_is_stopped_at_the_size_cap_of_its_decompressed_bytes() -> None:
    """A 20 MB page sent as 20 KB of gzip must stop at max_fetch_bytes, counted after decompression."""
    import gzip

    bomb = gzip.compress(b"a" * 20_000_000)

    def serve_bomb(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/plain")
        handler.send_header("Content-Encoding", "gzip")
        handler.send_header("Content-Length", str(len(bomb)))
        handler.end_headers()
        handler.wfile.write(bomb)

    options = LoadOptions(allow_private_urls=True, max_fetch_bytes=1_000_000)
    with site({"/bomb": serve_bomb}) as (base, _), pytest.raises(FetchError, match="larger than 1,000,000 bytes"):
        load_url(f"{base}/bomb", options=options)
