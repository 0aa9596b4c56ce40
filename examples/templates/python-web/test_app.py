"""Checks of the scaffolded service: run with `python3 -m unittest`."""

import json
import unittest

import app


class AppTests(unittest.TestCase):
    def test_health_answers_ok(self):
        status, _, body = app.respond("/health")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body), {"status": "ok"})

    def test_every_route_answers_its_text(self):
        for path, text in app.load_routes().items():
            status, _, body = app.respond(path)
            self.assertEqual(status, 200, path)
            self.assertEqual(body, text + "\n")

    def test_unknown_path_is_not_found(self):
        status, _, _ = app.respond("/no-such-path")
        self.assertEqual(status, 404)


if __name__ == "__main__":
    unittest.main()
