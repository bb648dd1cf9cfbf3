import socket

import pytest

from digitsite import intake
from digitsite.intake import IntakeError, Limits
from digitsite.tests.localserver import PNG, serving, silent_server

SAFE = Limits(max_bytes=1_000_000, max_pixels=10**7, min_side=8, url_timeout=1.0)
# UNSAFE on purpose: lets the fetch reach this machine's loopback test server.
LOCAL = Limits(max_bytes=1_000_000, max_pixels=10**7, min_side=8, url_timeout=1.0, allow_loopback=True)


@pytest.fixture(scope="module")
def server():
    with serving() as base:
        yield base


def test_it_fetches_an_image_from_an_allowed_server(server):
    image = intake.read_url(f"{server}/digits.png", limits=LOCAL)
    assert image.data == PNG
    assert image.format == "PNG"
    assert image.source == f"{server}/digits.png"


def test_it_follows_up_to_three_redirects_and_records_the_final_url(server):
    image = intake.read_url(f"{server}/hops/2", limits=LOCAL)  # /hops/2 → 1 → 0 → /digits.png
    assert image.source.endswith("/digits.png")


def test_it_refuses_a_fourth_redirect(server):
    with pytest.raises(IntakeError) as err:
        intake.read_url(f"{server}/hops/3", limits=LOCAL)
    assert err.value.code == "url_too_many_redirects"
    assert "3 times" in err.value.message


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/x.png",
        "http://[::1]/x.png",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/x.png",
        "http://192.168.1.10/x.png",
        "http://[::ffff:127.0.0.1]/x.png",
        "http://0.0.0.0/x.png",
        "http://224.0.0.1/x.png",
    ],
)
def test_it_refuses_non_public_addresses(url):
    with pytest.raises(IntakeError) as err:
        intake.read_url(url, limits=SAFE)
    assert err.value.code == "url_forbidden"
    assert "Only public internet addresses" in err.value.message


def test_even_the_unsafe_test_switch_only_opens_loopback():
    with pytest.raises(IntakeError) as err:
        intake.read_url("http://10.0.0.1/x.png", limits=LOCAL)
    assert err.value.code == "url_forbidden"


def test_it_refuses_a_hostname_that_resolves_to_a_private_address(monkeypatch):
    def fake_getaddrinfo(host, port, *args, **kwargs):
        assert host == "innocent.example"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port))]

    monkeypatch.setattr(intake.socket, "getaddrinfo", fake_getaddrinfo)
    with pytest.raises(IntakeError) as err:
        intake.read_url("https://innocent.example/a.png", limits=SAFE)
    assert "10.1.2.3" in err.value.message
    assert "private" in err.value.message


@pytest.mark.parametrize(("path", "where"), [("/to-private", "10.0.0.1"), ("/to-metadata", "169.254.169.254")])
def test_it_refuses_a_redirect_to_a_private_address(server, path, where):
    with pytest.raises(IntakeError) as err:
        intake.read_url(f"{server}{path}", limits=LOCAL)
    assert err.value.code == "url_forbidden"
    assert where in err.value.message


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/a.png", "gopher://x/", "javascript:alert(1)"])
def test_it_refuses_other_schemes(url):
    with pytest.raises(IntakeError) as err:
        intake.read_url(url, limits=SAFE)
    assert err.value.code == "url_scheme"


@pytest.mark.parametrize("path", ["/huge", "/huge-declared"])
def test_it_caps_the_body_size(server, path):
    small = Limits(max_bytes=100_000, max_pixels=10**7, min_side=8, url_timeout=2.0, allow_loopback=True)
    with pytest.raises(IntakeError) as err:
        intake.read_url(f"{server}{path}", limits=small)
    assert err.value.status == 413


def test_it_gives_up_on_a_server_that_never_answers():
    with silent_server() as base, pytest.raises(IntakeError) as err:
        intake.read_url(f"{base}/x.png", limits=LOCAL)
    assert err.value.code == "url_timeout"
    assert "1 seconds" in err.value.message


def test_it_gives_up_on_a_slow_server(server):
    with pytest.raises(IntakeError) as err:
        intake.read_url(f"{server}/slow", limits=LOCAL)
    assert err.value.code == "url_timeout"


def test_a_fetched_non_image_is_rejected_by_content(server):
    with pytest.raises(IntakeError) as err:
        intake.read_url(f"{server}/not-an-image.png", limits=LOCAL)
    assert err.value.status == 415


def test_an_http_error_is_reported(server):
    with pytest.raises(IntakeError, match="HTTP 404"):
        intake.read_url(f"{server}/missing", limits=LOCAL)


def test_loopback_is_refused_by_default(settings, server):
    assert settings.INTAKE_URL_ALLOW_LOOPBACK is False
    with pytest.raises(IntakeError) as err:
        intake.read_url(f"{server}/digits.png")
    assert err.value.code == "url_forbidden"
