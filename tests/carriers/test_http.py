"""The shared carrier client over real loopback sockets: request shape, whole replies, gzip, no shared cookies,
timeouts and connection failures as httpx errors, the httpx path for auth, and the per-account batch size."""

from __future__ import annotations

import asyncio
import gzip
import json

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from carriers.base import CarrierAccount, send
from carriers.errors import CarrierAuthError, CarrierUnavailable
from carriers.http import USER_AGENT, CarrierClient, make_client
from carriers.sandbox.adapter import Adapter as SandboxAdapter
from tests.servers import free_port, serve


async def echo(request: Request) -> Response:
    body = await request.body()
    headers = {k: v for k, v in request.headers.items()}
    reply = {"method": request.method, "path": request.url.path, "query": request.url.query, "body": body.decode()}
    return JSONResponse({**reply, "headers": headers}, headers={"set-cookie": "session=carrier-a; Path=/"})


async def zipped(request: Request) -> Response:
    return Response(gzip.compress(b'{"ok": true}'), headers={"content-encoding": "gzip"}, media_type="application/json")


async def slow(request: Request) -> Response:
    await asyncio.sleep(2)
    return JSONResponse({"late": True})


async def moved(request: Request) -> Response:
    return Response(status_code=302, headers={"location": "/echo"})


APP = Starlette(
    routes=[
        Route("/echo", echo, methods=["GET", "POST"]),
        Route("/zipped", zipped),
        Route("/slow", slow),
        Route("/moved", moved),
    ]
)


async def test_post_reaches_the_server_as_sent_and_the_reply_is_read_whole() -> None:
    async with serve(APP) as base, make_client() as client:
        assert isinstance(client, CarrierClient)
        response = await client.post(
            f"{base}/echo?lang=fr", content=b'{"n": ["A1"]}', headers={"Authorization": "Bearer k"}
        )
        seen = response.json()
    assert response.status_code == 200 and response.request.url == f"{base}/echo?lang=fr"
    assert seen["method"] == "POST" and seen["path"] == "/echo" and seen["query"] == "lang=fr"
    assert seen["body"] == '{"n": ["A1"]}'
    assert seen["headers"]["authorization"] == "Bearer k"
    assert seen["headers"]["user-agent"] == USER_AGENT and seen["headers"]["content-length"] == "13"


async def test_params_json_and_gzip_replies() -> None:
    async with serve(APP) as base, make_client() as client:
        seen = (await client.post(f"{base}/echo", params={"q": "a b"}, json={"x": 1})).json()
        unzipped = await client.get(f"{base}/zipped")
    assert seen["query"] == "q=a+b" and json.loads(seen["body"]) == {"x": 1}
    assert unzipped.json() == {"ok": True}


async def test_cookies_a_carrier_sets_are_never_sent_back() -> None:
    async with serve(APP) as base, make_client() as client:
        first = await client.get(f"{base}/echo")
        second = (await client.get(f"{base}/echo")).json()
    assert first.headers["set-cookie"].startswith("session=")
    assert "cookie" not in second["headers"] and not client.cookies


async def test_redirects_are_not_followed() -> None:
    async with serve(APP) as base, make_client() as client:
        response = await client.get(f"{base}/moved")
    assert response.status_code == 302 and response.headers["location"] == "/echo"


async def test_basic_auth_takes_the_full_httpx_path() -> None:
    async with serve(APP) as base, make_client() as client:
        seen = (await client.get(f"{base}/echo", auth=("user", "pass"))).json()
    assert seen["headers"]["authorization"] == "Basic dXNlcjpwYXNz"


async def test_a_slow_carrier_times_out_as_unavailable() -> None:
    async with serve(APP) as base, make_client(read_timeout=0.3) as client:
        with pytest.raises(CarrierUnavailable, match="timed out"):
            await send(lambda: client.get(f"{base}/slow"))


async def test_a_closed_port_is_unavailable() -> None:
    async with make_client() as client:
        with pytest.raises(httpx.ConnectError):
            await client.get(f"http://127.0.0.1:{free_port()}/v1/track")
        with pytest.raises(CarrierUnavailable, match="unreachable"):
            await send(lambda: client.get(f"http://127.0.0.1:{free_port()}/v1/track"))


async def test_account_batch_size_option_splits_calls_below_the_carrier_limit() -> None:
    calls: list[list[str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        numbers = json.loads(request.content)["tracking_numbers"]
        calls.append(numbers)
        return httpx.Response(200, json={"results": [{"tracking_number": n, "events": []} for n in numbers]})

    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    account = CarrierAccount("sandbox", {"api_key": "k"}, base_url="http://sandbox.test", options={"batch_size": 2})
    results = await SandboxAdapter(account, client).track(["A1", "A2", "A3", "A4", "A5"])
    assert sorted(len(c) for c in calls) == [1, 2, 2] and len(results) == 5
    wide = CarrierAccount("sandbox", {"api_key": "k"}, options={"batch_size": 500})
    assert SandboxAdapter(wide, client).batch_size == SandboxAdapter.max_batch
    with pytest.raises(CarrierAuthError, match="batch_size"):
        SandboxAdapter(CarrierAccount("sandbox", {"api_key": "k"}, options={"batch_size": 0}), client)
