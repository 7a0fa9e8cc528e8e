"""tornado's own template engine over a template directory, for template.test.ts: the same
directory rendered by @aio/tornado/template must give the same bytes.

    render_templates.py ROOT      reads the namespace as JSON on stdin, renders every file under
                                  ROOT with tornado.template.Loader(ROOT), and prints one JSON
                                  object: {"name": {"ok": "<base64 of the bytes>"}} or
                                  {"name": {"error": "<class>: <message>"}}

JSON objects become ObjectDicts, so that `user.name` and `user['name']` both work, as they do
on a JavaScript object. The loader's namespace holds what the test gives the JavaScript side as
functions: the camelCase names of tornado's escape functions, `upper`, and a UI module `Box`.
"""

import base64
import json
import os
import sys

from tornado import escape
from tornado.template import Loader
from tornado.util import ObjectDict


def objectify(value):
    if isinstance(value, dict):
        return ObjectDict((key, objectify(item)) for key, item in value.items())
    if isinstance(value, list):
        return [objectify(item) for item in value]
    return value


def main():
    root = sys.argv[1]
    namespace = objectify(json.load(sys.stdin))
    loader = Loader(
        root,
        namespace={
            "xhtmlEscape": escape.xhtml_escape,
            "urlEscape": escape.url_escape,
            "jsonEncode": escape.json_encode,
            "upper": lambda text: text.upper(),
            "_tt_modules": ObjectDict(Box=lambda text: '<div class="box">%s</div>' % text),
        },
    )
    rendered = {}
    for directory, _, files in os.walk(root):
        for file in sorted(files):
            name = os.path.relpath(os.path.join(directory, file), root)
            try:
                output = loader.load(name).generate(**namespace)
                rendered[name] = {"ok": base64.b64encode(output).decode("ascii")}
            except Exception as error:
                rendered[name] = {"error": "%s: %s" % (type(error).__name__, error)}
    json.dump(rendered, sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main()
