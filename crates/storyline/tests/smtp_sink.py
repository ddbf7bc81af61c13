"""A real SMTP server for the digest tests (aiosmtpd on 127.0.0.1).

It refuses the first --refuse messages with a permanent error (554), then accepts the rest.
Each accepted message is parsed with Python's own email package and written to --out as
message-N.json: envelope, subject, the top content type and every leaf part's type and
decoded text. Each refusal leaves refused-N there. Prints "ready" once it listens, then
serves until killed.
"""

import argparse
import email
import email.policy
import json
import os
import signal
import sys
import threading

try:
    from aiosmtpd.controller import Controller
except ImportError:
    sys.exit("smtp_sink.py: Python's aiosmtpd is missing (scripts/test.sh installs it)")


class Sink:
    def __init__(self, out, refuse):
        self.out = out
        self.refuse = refuse
        self.accepted = 0
        self.refused = 0

    def write(self, name, data):
        path = os.path.join(self.out, name)
        with open(path + ".tmp", "w", encoding="utf-8") as file:
            file.write(data)
        os.replace(path + ".tmp", path)

    async def handle_DATA(self, server, session, envelope):
        if self.refused < self.refuse:
            self.refused += 1
            self.write(f"refused-{self.refused}", "")
            return "554 5.7.1 Refused by the test server"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        parts = [
            {"type": part.get_content_type(), "text": part.get_content()}
            for part in message.walk()
            if not part.is_multipart()
        ]
        self.accepted += 1
        summary = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "from": str(message["from"]),
            "to": str(message["to"]),
            "subject": str(message["subject"]),
            "content_type": message.get_content_type(),
            "parts": parts,
        }
        self.write(f"message-{self.accepted}.json", json.dumps(summary))
        return "250 OK"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--refuse", type=int, default=0)
    args = parser.parse_args()
    controller = Controller(Sink(args.out, args.refuse), hostname="127.0.0.1", port=args.port)
    controller.start()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    while not stop.wait(0.5):
        pass
    controller.stop()


if __name__ == "__main__":
    main()
