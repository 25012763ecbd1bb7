"""Webhook URLs: only public https targets, checked on every resolved address and connected to the checked one."""

from __future__ import annotations

import ipaddress

import pytest

from app.integrations.sender import WebhookSender
from app.integrations.ssrf import PinnedResolver, Target, UnsafeUrl, UrlPolicy, check_url, resolve
from tests.integrations.conftest import RECEIVER_HOST, Receiver, local_webhook_settings

PRODUCTION = UrlPolicy()
LOCAL_TEST = UrlPolicy.from_settings(local_webhook_settings())

REFUSED = [
    ("https://127.0.0.1/hooks", "loopback"),
    ("https://127.1.2.3:8443/hooks", "loopback"),
    ("https://[::1]/hooks", "loopback"),
    ("https://[::ffff:127.0.0.1]/hooks", "loopback"),
    ("https://10.0.0.5/hooks", "private"),
    ("https://172.16.3.4/hooks", "private"),
    ("https://192.168.1.1/hooks", "private"),
    ("https://[fd12:3456::1]/hooks", "private"),
    ("https://169.254.169.254/latest/meta-data/", "metadata"),
    ("https://[fd00:ec2::254]/", "metadata"),
    ("https://169.254.10.10/", "link-local"),
    ("https://[fe80::1]/", "link-local"),
    ("https://224.0.0.251/", "multicast"),
    ("https://0.0.0.0/", "unspecified"),
    ("https://240.0.0.1/", "reserved"),
    ("https://100.64.0.1/", "not a public address"),
    ("http://hooks.example.com/x", "https://"),
    ("ftp://hooks.example.com/x", "https://"),
    ("https://user:pw@hooks.example.com/", "user name or password"),
    ("https:///nohost", "no host"),
]


@pytest.mark.parametrize(("url", "reason"), REFUSED)
async def test_refused_targets_name_the_reason(url: str, reason: str) -> None:
    with pytest.raises(UnsafeUrl) as raised:
        await resolve(url, PRODUCTION)
    assert reason in raised.value.reason and not raised.value.retryable


@pytest.mark.parametrize("host", ["localhost", "localhost."])
async def test_a_hostname_resolving_to_loopback_is_refused(host: str) -> None:
    with pytest.raises(UnsafeUrl) as raised:
        await resolve(f"https://{host}/hooks", PRODUCTION)
    assert "resolves to a loopback address" in raised.value.reason


async def test_an_unresolvable_host_is_retryable() -> None:
    with pytest.raises(UnsafeUrl) as raised:
        await resolve("https://no-such-host.invalid/hooks", PRODUCTION)
    assert raised.value.retryable and "could not be resolved" in raised.value.reason


def test_public_https_addresses_pass_and_are_pinned() -> None:
    target = check_url("https://93.184.215.14:8443/in", PRODUCTION)
    address = ipaddress.ip_address("93.184.215.14")
    assert (target.host, target.port, target.addresses) == ("93.184.215.14", 8443, (address,))


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1/hooks", "http://10.0.0.1/", "http://169.254.169.254/", "http://[::1]/"]
)
def test_the_local_exemption_covers_only_its_own_network(url: str) -> None:
    with pytest.raises(UnsafeUrl):
        check_url(url, LOCAL_TEST)
    assert check_url(f"http://{RECEIVER_HOST}:9/hooks", LOCAL_TEST).addresses == (ipaddress.ip_address(RECEIVER_HOST),)


def test_metadata_addresses_are_never_exempt() -> None:
    policy = UrlPolicy(allow_http=True, allowed_networks=(ipaddress.ip_network("169.254.0.0/16"),))
    assert check_url("http://169.254.1.1/", policy).addresses
    with pytest.raises(UnsafeUrl, match="metadata"):
        check_url("http://169.254.169.254/", policy)


async def test_resolver_answers_only_pinned_hosts() -> None:
    resolver = PinnedResolver()
    with pytest.raises(OSError):
        await resolver.resolve("hooks.example.com", 443)
    address = ipaddress.ip_address("93.184.215.14")
    resolver.pin(Target("https://hooks.example.com/", "hooks.example.com", 443, (address,)))
    [answer] = await resolver.resolve("hooks.example.com", 443)
    assert (answer["host"], answer["hostname"], answer["port"]) == ("93.184.215.14", "hooks.example.com", 443)


async def test_connection_goes_to_the_pinned_address_and_keeps_the_host_name(receiver: Receiver) -> None:
    """The name below resolves nowhere: the request can only arrive because the socket uses the pinned address."""
    port = int(receiver.url.split(":")[2].split("/")[0])
    name = "merchant-hooks.invalid"
    target = Target(f"http://{name}:{port}/hooks", name, port, (ipaddress.ip_address(RECEIVER_HOST),))
    async with WebhookSender() as sender:
        outcome = await sender.post(target, b"{}", {"webhook-id": "msg_1"})
    assert outcome.ok and outcome.status_code == 204
    [(headers, body)] = receiver.requests
    assert headers["host"] == f"{name}:{port}" and body == b"{}"
