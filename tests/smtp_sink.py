"""A real SMTP server on loopback (aiosmtpd) that keeps what it accepts: the
stand-in for the outside world's mail servers in worker tests and the bench.
It can stall before accepting the Nth recipient, so a test can kill a worker
in the middle of a chunk with nothing half-accepted."""

import asyncio
import socket
import threading
from collections import Counter

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SinkHandler:
    def __init__(self, stall_at: int | None = None):
        self.accepted: list[str] = []
        self.messages: list[tuple[list[str], bytes]] = []  # (recipients, raw message)
        self.recipients_seen = 0
        self.stall_at = stall_at
        self.stalled = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self.lock:
            self.recipients_seen += 1
            number = self.recipients_seen
        if number == self.stall_at:
            self.stalled.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.accepted.extend(envelope.rcpt_tos)
            self.messages.append((list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted for delivery"

    def messages_to(self, address: str) -> list[str]:
        from email import message_from_bytes, policy

        with self.lock:
            raw = [content for to, content in self.messages if address in to]
        texts = []
        for content in raw:
            message = message_from_bytes(content, policy=policy.default)
            body = message.get_body(preferencelist=("plain",))
            texts.append(f"{message['Subject']}\n{body.get_content() if body else ''}")
        return texts

    def counts(self) -> Counter:
        with self.lock:
            return Counter(self.accepted)


class SmtpSink:
    def __init__(self, stall_at: int | None = None):
        self.handler = SinkHandler(stall_at)
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.handler.release.set()
        self.controller.stop()
