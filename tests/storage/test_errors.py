"""What a person sees when a store cannot be used: an error that names the URL or path and says what to do,
quickly, instead of a hang or a traceback."""

from __future__ import annotations

import base64
import json
import socket
import sqlite3
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core.errors import ConfigurationError, InvalidInput, StorageUnavailable, VersionMismatch
from infra.storage import open_post_store
from infra.storage.elasticsearch import ElasticsearchPostStore
from infra.storage.sqlite import SqlitePostStore


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_elasticsearch_names_the_url_within_seconds():
    url = f"http://127.0.0.1:{free_port()}"
    started = time.monotonic()
    with pytest.raises(StorageUnavailable) as caught:
        ElasticsearchPostStore(url, timeout=2)
    assert time.monotonic() - started < 5
    assert url in str(caught.value) and "es_url" in str(caught.value)


def test_a_server_that_never_answers_times_out_instead_of_hanging():
    with socket.socket() as silent:             # accepts connections, never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        with pytest.raises(StorageUnavailable) as caught:
            ElasticsearchPostStore(url, timeout=1)
        assert time.monotonic() - started < 4
        assert url in str(caught.value)


class FakeServer:
    """A tiny HTTP server answering ``GET /`` with a fixed status and body."""

    def __init__(self, status: int, body: str):
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                outer.paths.append(self.path)
                payload = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.paths: list[str] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_server():
    servers = []

    def start(status: int, body: str) -> FakeServer:
        servers.append(FakeServer(status, body))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def test_a_server_of_another_major_version_says_which_version_is_needed(fake_server):
    server = fake_server(200, json.dumps({"name": "old-node", "version": {"number": "8.17.2"},
                                          "tagline": "You Know, for Search"}))
    with pytest.raises(VersionMismatch) as caught:
        ElasticsearchPostStore(server.url, timeout=2)
    message = str(caught.value)
    assert "8.17.2" in message and "Elasticsearch 9.x" in message and server.url in message


def test_something_that_is_not_elasticsearch_is_reported(fake_server):
    server = fake_server(200, "<html>router login</html>")
    with pytest.raises(StorageUnavailable) as caught:
        ElasticsearchPostStore(server.url, timeout=2)
    assert server.url in str(caught.value)


def test_sqlite_path_that_cannot_be_a_database_names_the_path(tmp_path):
    folder = tmp_path / "posts.db"
    folder.mkdir()
    with pytest.raises(StorageUnavailable) as caught:
        SqlitePostStore(folder)
    assert str(folder) in str(caught.value)


def test_sqlite_file_of_another_schema_version_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "future.db"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE keep (x)")
        con.execute("PRAGMA user_version = 99")
    with pytest.raises(VersionMismatch) as caught:
        SqlitePostStore(path)
    assert "99" in str(caught.value) and str(path) in str(caught.value)
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT name FROM sqlite_master").fetchall() == [("keep",)]


def test_an_unknown_backend_name_says_which_ones_exist(tmp_path):
    with pytest.raises(ConfigurationError) as caught:
        open_post_store("mongodb", sqlite_file=tmp_path / "posts.db", es_url="http://127.0.0.1:9", es_index_prefix="x",
                        es_timeout=1.0)
    assert "sqlite" in str(caught.value) and "elasticsearch" in str(caught.value)


@pytest.mark.elasticsearch
def test_a_page_too_deep_for_elasticsearch_is_refused_plainly(es_url):
    store = ElasticsearchPostStore(es_url, index_prefix="deep-page-test")
    try:
        with pytest.raises(InvalidInput) as caught:
            store.search(offset=9_999, limit=20)
        assert caught.value.field == "offset"
    finally:
        store.client.indices.delete(index="deep-page-test-posts-*", ignore_unavailable=True)
        store.client.indices.delete_index_template(name="deep-page-test-posts")
        store.close()


def test_credentials_in_the_url_are_sent_but_never_shown(fake_server):
    server = fake_server(200, json.dumps({"version": {"number": "8.19.0"}}))
    seen = []
    handler = server.server.RequestHandlerClass
    original = handler.do_GET

    def remember(self):
        seen.append(self.headers.get("Authorization"))
        original(self)

    handler.do_GET = remember
    secret_url = server.url.replace("http://", "http://monitor:s3cret@")
    with pytest.raises(VersionMismatch) as caught:
        ElasticsearchPostStore(secret_url, timeout=2)
    assert "s3cret" not in str(caught.value) and server.url in str(caught.value)
    assert seen == ["Basic " + base64.b64encode(b"monitor:s3cret").decode()]


def test_an_elasticsearch_8_refusing_the_version_9_api_is_a_version_mismatch(fake_server):
    # What a real 8.x node answers the version-9 media type this client asks in.
    server = fake_server(400, json.dumps({"error": {"type": "media_type_header_exception",
                                                    "reason": "Accept version must be either version 8 or 7, but "
                                                              "found 9."}, "status": 400}))
    with pytest.raises(VersionMismatch) as caught:
        ElasticsearchPostStore(server.url, timeout=2)
    message = str(caught.value)
    assert server.url in message and "Elasticsearch 9.x" in message and "version 8 or 7" in message


def test_refused_credentials_are_named_without_showing_them(fake_server):
    server = fake_server(401, json.dumps({"error": {"type": "security_exception", "reason": "unable to authenticate"},
                                          "status": 401}))
    with pytest.raises(StorageUnavailable) as caught:
        ElasticsearchPostStore(server.url.replace("http://", "http://monitor:wrong@"), timeout=2)
    message = str(caught.value)
    assert server.url in message and "credentials" in message and "wrong" not in message
