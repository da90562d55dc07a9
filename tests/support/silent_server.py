"""An upstream that accepts connections and never answers: a real socket on 127.0.0.1.

It is what a hung weather service looks like to a client — the connection succeeds, the request
is sent, and no byte ever comes back — so timeouts, deadlines and circuit breakers are tested
over the network, not by patching. It counts the connections it accepted, so a test can show
that a caller did *not* connect (a circuit breaker answering by itself).

    with SilentServer() as upstream:
        os.environ["FSP_WEATHER_URL"] = upstream.url
        ...
        assert upstream.connections == 1
"""

from __future__ import annotations

import socket
import threading
from types import TracebackType
from typing import Self


class SilentServer:
    def __init__(self) -> None:
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._held: list[socket.socket] = []
        self._accepted = 0
        self._stopping = threading.Event()

    def start(self) -> Self:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", 0))
        listener.listen(128)
        listener.settimeout(0.05)  # so the accept loop notices stop()
        self._listener = listener
        self._stopping.clear()
        self._thread = threading.Thread(target=self._accept_forever, name="silent-upstream",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and drop every held connection (its client sees the connection end)."""
        if self._listener is None:
            return
        self._stopping.set()
        assert self._thread is not None
        self._thread.join(timeout=5)
        self._listener.close()
        with self._lock:
            held, self._held = self._held, []
        for connection in held:
            connection.close()
        self._listener = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._listener is None:
            raise RuntimeError("the silent server is not running; use it in a with block")
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    @property
    def connections(self) -> int:
        """How many connections were accepted so far."""
        with self._lock:
            return self._accepted

    def _accept_forever(self) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self._accepted += 1
                self._held.append(connection)  # kept open and never read: silence
