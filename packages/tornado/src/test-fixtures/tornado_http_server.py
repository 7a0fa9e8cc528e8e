"""tornado's own HTTP server, for httpclient-interop.test.ts: our AsyncHTTPClient against it.

    tornado_http_server.py CERT KEY     an HTTP and an HTTPS server (CERT/KEY) on 127.0.0.1,
                                        one Application; prints "PORTS <http> <https>"

Handlers:
    /hello              "Hello world"
    /echo               any method: JSON of what arrived (method, uri, body as latin1, headers)
    /redirect?to=U&status=N   a redirect to U (status N, default 302)
    /text?n=N           N bytes of text; the app compresses (compress_response=True)
    /chunked            three writes with a flush() after each: a chunked response
    /connection         the id of the connection's stream: equal ids are one connection

Exits after 120 s, or when stdin closes, so a test gone wrong cannot leave it running.
"""

import json
import ssl
import sys

import tornado.httpserver
import tornado.ioloop
import tornado.netutil
import tornado.web

TEXT = b"tornado compresses this text; " * 1000


class Hello(tornado.web.RequestHandler):
    def get(self):
        self.write("Hello world")


class Echo(tornado.web.RequestHandler):
    SUPPORTED_METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS")

    def answer(self):
        self.set_header("Content-Type", "application/json")
        self.finish(
            json.dumps(
                {
                    "method": self.request.method,
                    "uri": self.request.uri,
                    "body": self.request.body.decode("latin1"),
                    "headers": [[k, v] for k, v in self.request.headers.get_all()],
                }
            )
        )

    get = post = put = delete = patch = options = answer


class Redirect(tornado.web.RequestHandler):
    def answer(self):
        self.redirect(self.get_argument("to"), status=int(self.get_argument("status", "302")))

    get = post = put = answer


class Text(tornado.web.RequestHandler):
    def get(self):
        n = int(self.get_argument("n", "30000"))
        self.set_header("Content-Type", "text/plain")
        self.write((TEXT * (n // len(TEXT) + 1))[:n])


class Chunked(tornado.web.RequestHandler):
    async def get(self):
        for part in (b"one,", b"two,", b"three"):
            self.write(part)
            await self.flush()


class Connection(tornado.web.RequestHandler):
    def get(self):
        self.write(str(id(self.request.connection.stream)))


def main():
    cert, key = sys.argv[1], sys.argv[2]
    app = tornado.web.Application(
        [
            (r"/hello", Hello),
            (r"/echo", Echo),
            (r"/redirect", Redirect),
            (r"/text", Text),
            (r"/chunked", Chunked),
            (r"/connection", Connection),
        ],
        compress_response=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    ports = []
    for ssl_options in (None, context):
        [sock] = tornado.netutil.bind_sockets(0, "127.0.0.1")
        server = tornado.httpserver.HTTPServer(app, ssl_options=ssl_options)
        server.add_sockets([sock])
        ports.append(sock.getsockname()[1])
    loop = tornado.ioloop.IOLoop.current()
    loop.add_handler(sys.stdin.fileno(), lambda fd, events: loop.stop(), loop.READ)
    loop.call_later(120, loop.stop)
    print("PORTS %d %d" % tuple(ports), flush=True)
    loop.start()


if __name__ == "__main__":
    main()
