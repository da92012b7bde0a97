"""A tiny HTTP server on 127.0.0.1 that answers with recorded responses and remembers requests."""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

RECORDED = Path(__file__).parent / "recorded"


def recorded(name: str) -> bytes:
    return (RECORDED / name).read_bytes()


@dataclass
class Seen:
    method: str
    path: str
    query: dict
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    delay: float = 0.0


@dataclass
class RecordedServer:
    """`routes` maps (method, path) to a Reply or to a function(Seen) -> Reply."""

    routes: dict = field(default_factory=dict)
    requests: list[Seen] = field(default_factory=list)
    url: str = ""

    def start(self) -> RecordedServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                seen = Seen(self.command, parts.path, parse_qs(parts.query),
                            {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length))
                server.requests.append(seen)
                route = server.routes.get((self.command, parts.path))
                reply = route(seen) if callable(route) else route
                reply = reply or Reply(404, b'{"status":404,"error":"Not found"}')
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", reply.content_type)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

            do_GET = do_POST = do_HEAD = _handle

            def log_message(self, *args):
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def postcodes_io_bulk_from_recording(seen: Seen) -> Reply:
    """Answer a bulk request item by item from the recorded answers (null for unknown ones)."""
    answers = json.loads(recorded("postcodes_io_bulk.json"))["result"]
    bank = {item["query"]: item["result"] for item in answers}
    asked = seen.json()["postcodes"]
    if len(asked) > 100:
        return Reply(400, b'{"status":400,"error":"Too many postcodes submitted. Up to 100 postcodes '
                          b'can be bulk requested at a time"}')
    body = {"status": 200, "result": [{"query": p, "result": bank.get(p)} for p in asked]}
    return Reply(200, json.dumps(body).encode())
