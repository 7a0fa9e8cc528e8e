"""The web page's side-by-side app, in tornado: stories.ts (aio) and stories-fastify.ts (fastify)
are the same app, and test/side-by-side.test.ts sends all three the same requests and expects the
same answers.

    /usr/bin/python3 apps/docs/side-by-side/stories.py [--port 8888]
"""
import argparse
import asyncio
import json

from tornado.web import Application, HTTPError, RequestHandler

# region app
stories = {1: "The loop that never blocked"}


class HelloHandler(RequestHandler):
    def get(self):
        self.write(f"Hello, {self.get_argument('name', 'world')}!")


class StoryHandler(RequestHandler):
    def get(self, id):
        title = stories.get(int(id))
        if title is None:
            raise HTTPError(404)
        self.write({"id": int(id), "title": title})  # a dict is written as JSON


class NewStoryHandler(RequestHandler):
    def post(self):
        try:
            title = json.loads(self.request.body).get("title")
        except (ValueError, AttributeError):
            raise HTTPError(400, "the body is not JSON")
        if not isinstance(title, str):
            raise HTTPError(400, 'expected {"title": "…"}')
        id = max(stories) + 1
        stories[id] = title
        self.set_status(201)
        self.write({"id": id, "title": title})


def make_app():
    return Application([
        (r"/", HelloHandler),
        (r"/story/([0-9]+)", StoryHandler),
        (r"/story", NewStoryHandler),
    ])
# endregion app


async def main(port):
    # region listen
    make_app().listen(port, "127.0.0.1")
    print(f"listening on http://127.0.0.1:{port}/", flush=True)
    await asyncio.Event().wait()
    # endregion listen


parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("--port", type=int, default=8888)
asyncio.run(main(parser.parse_args().port))
