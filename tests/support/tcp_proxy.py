"""A TCP forwarding proxy on 127.0.0.1 that a test can take down and bring back.

Put it between the service and its database to make the database "go away" for real — the
service's driver sees refused or dropped connections exactly as when the server is down or the
network breaks — and then come back, without touching the database server itself.

    with TcpProxy("127.0.0.1", 5432) as proxy:
        url = make_url(database_url).set(host="127.0.0.1", port=proxy.port)
        proxy.refuse()   # new connections refused, open ones cut
        proxy.drop()     # new connections accepted and closed at once, open ones cut
        proxy.restore()  # forwarding again, on the same port
"""

from __future__ import annotations

import socket
import threading
from types import TracebackType
from typing import Literal, Self

Mode = Literal["forward", "refuse", "drop"]


class TcpProxy:
    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._lock = threading.Lock()
        self._mode: Mode = "forward"
        self._port = 0
        self._listener: socket.socket | None = None
        self._accepting: threading.Thread | None = None
        self._live: set[socket.socket] = set()  # both ends of every forwarded connection
        self._closed = threading.Event()

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> Self:
        self._closed.clear()
        self._listen()
        return self

    def stop(self) -> None:
        self._closed.set()
        self._close_listener()
        self._cut_live()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._port

    # -- faults ------------------------------------------------------------------------------

    def refuse(self) -> None:
        """Like a server that is down: connecting is refused, open connections are cut."""
        with self._lock:
            self._mode = "refuse"
        self._close_listener()
        self._cut_live()

    def drop(self) -> None:
        """Like a server that crashes on every connection: accepted, then closed at once."""
        with self._lock:
            self._mode = "drop"
        self._cut_live()

    def restore(self) -> None:
        """Forward again, on the same port."""
        with self._lock:
            previous, self._mode = self._mode, "forward"
        if previous == "refuse":
            self._listen()

    # -- plumbing ----------------------------------------------------------------------------

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self._port))
        listener.listen(64)
        listener.settimeout(0.05)  # so the accept loop notices a close
        self._port = listener.getsockname()[1]
        self._listener = listener
        self._accepting = threading.Thread(target=self._accept_loop, args=(listener,),
                                           name=f"tcp-proxy-{self._port}", daemon=True)
        self._accepting.start()

    def _close_listener(self) -> None:
        listener, thread = self._listener, self._accepting
        self._listener = self._accepting = None
        if listener is not None:
            listener.close()
        if thread is not None:
            thread.join(timeout=5)

    def _accept_loop(self, listener: socket.socket) -> None:
        while not self._closed.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:  # the listener was closed
                return
            with self._lock:
                mode = self._mode
            if mode != "forward":
                _close(client)
                continue
            try:
                upstream = socket.create_connection(self._target, timeout=5)
            except OSError:
                _close(client)
                continue
            upstream.settimeout(None)
            client.settimeout(None)
            with self._lock:
                self._live.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True,
                                 name=f"tcp-proxy-{self._port}-pipe").start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                self._live.discard(source)
                self._live.discard(sink)
            _close(source)
            _close(sink)

    def _cut_live(self) -> None:
        with self._lock:
            live, self._live = self._live, set()
        for connection in live:
            _close(connection)


def _close(connection: socket.socket) -> None:
    try:
        connection.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    connection.close()
