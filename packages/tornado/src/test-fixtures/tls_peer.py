"""TLS peers in Python for ssl-interop.test.ts: tornado's own, and the ssl module's STARTTLS.

    tls_peer.py tornado-server CERT KEY     TCPServer(ssl_options={certfile, keyfile}): prints
                                            "PORT n", answers one connection's first line, exits
    tornado-client PORT CAFILE              TCPClient.connect('localhost', PORT, ssl_options=...)
                                            sends a line, prints the reply as JSON, exits
    starttls-client PORT CAFILE             plain socket: "STARTTLS\\n", waits for "OK\\n", then
                                            SSLContext.wrap_socket; a line each way; JSON
    starttls-server CERT KEY                the other side of the same exchange: prints "PORT n"

Every wait gives up after 10 s, so a test gone wrong cannot leave a peer waiting.
"""

import asyncio
import json
import socket
import ssl
import sys

TIMEOUT = 10.0


def read_line(sock: socket.socket) -> bytes:
    """A byte at a time: nothing past the newline is taken from the socket (TLS may follow)."""
    line = b""
    while not line.endswith(b"\n"):
        byte = sock.recv(1)
        if not byte:
            break
        line += byte
    return line


def announce(port: int) -> None:
    print(f"PORT {port}", flush=True)


async def tornado_server(certfile: str, keyfile: str) -> None:
    from tornado.iostream import StreamClosedError
    from tornado.netutil import bind_sockets
    from tornado.tcpserver import TCPServer

    done = asyncio.Event()

    class Echo(TCPServer):
        async def handle_stream(self, stream, address):
            try:
                line = await stream.read_until(b"\n")
                tls = stream.socket
                head = f"tornado {tls.version()} {tls.selected_alpn_protocol()}: "
                await stream.write(head.encode() + line)
            except StreamClosedError as error:
                print(f"CLOSED {error.real_error!r}", flush=True)
            finally:
                stream.close()
                done.set()

    sockets = bind_sockets(0, "127.0.0.1")
    server = Echo(ssl_options={"certfile": certfile, "keyfile": keyfile})
    server.add_sockets(sockets)
    announce(sockets[0].getsockname()[1])
    await asyncio.wait_for(done.wait(), TIMEOUT)
    server.stop()


async def tornado_client(port: int, cafile: str) -> None:
    from tornado.tcpclient import TCPClient

    context = ssl.create_default_context(cafile=cafile)
    context.set_alpn_protocols(["h2", "http/1.1"])
    stream = await asyncio.wait_for(
        TCPClient().connect("localhost", port, ssl_options=context), TIMEOUT
    )
    try:
        tls = stream.socket  # None once the stream is closed: ask it now
        agreed = {
            "version": tls.version(),
            "alpn": tls.selected_alpn_protocol(),
            "subject": dict(x[0] for x in tls.getpeercert()["subject"]),
        }
        await stream.write(b"hello from tornado\n")
        reply = await asyncio.wait_for(stream.read_until(b"\n"), TIMEOUT)
        print(json.dumps({"reply": reply.decode(), **agreed}), flush=True)
    finally:
        stream.close()


def starttls_client(port: int, cafile: str) -> None:
    context = ssl.create_default_context(cafile=cafile)
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as plain:
        plain.sendall(b"STARTTLS\n")
        ok = read_line(plain)
        with context.wrap_socket(plain, server_hostname="localhost") as tls:
            tls.sendall(b"secret from python\n")
            reply = read_line(tls)
            print(
                json.dumps({"ok": ok.decode(), "reply": reply.decode(), "version": tls.version()}),
                flush=True,
            )


def starttls_server(certfile: str, keyfile: str) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certfile, keyfile)
    with socket.socket() as listener:
        listener.settimeout(TIMEOUT)
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        announce(listener.getsockname()[1])
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(TIMEOUT)
            command = read_line(conn)
            if command != b"STARTTLS\n":
                conn.sendall(b"ERR\n")
                return
            conn.sendall(b"OK\n")
            with context.wrap_socket(conn, server_side=True) as tls:
                line = read_line(tls)
                tls.sendall(f"python {tls.version()}: ".encode() + line)
                print(json.dumps({"got": line.decode()}), flush=True)


def main() -> None:
    mode, *args = sys.argv[1:]
    if mode == "tornado-server":
        asyncio.run(tornado_server(args[0], args[1]))
    elif mode == "tornado-client":
        asyncio.run(tornado_client(int(args[0]), args[1]))
    elif mode == "starttls-client":
        starttls_client(int(args[0]), args[1])
    elif mode == "starttls-server":
        starttls_server(args[0], args[1])
    else:
        sys.exit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
