#!/usr/bin/env python3
"""A BrainOps client in Python's standard library, written to the HTTP API contract of the design
notes (snake_case bodies and answers, the routes of /memory/context and /memory/session).

Run against a running stack (`npm start`) with a key of a tenant:

    KEY=$(npx brainops api-key create --tenant tenant_456 --role writer --name python | head -1)
    BRAINOPS_API_KEY=$KEY python3 examples/python/brainops_client.py

It stores, retrieves and searches a memory entry, starts a session, sends messages, hands off,
reads the context and ends the session, printing one JSON line per step. It exits 1 on the first
answer that is not a 2xx, printing the API's error (`error`, `field`, `reason`).
"""
import json
import os
import sys
import urllib.error
import urllib.request
import uuid


class ApiError(Exception):
    """An answer that is not a 2xx: `status` and the API's JSON error body."""

    def __init__(self, status, body):
        super().__init__(f"HTTP {status}: {json.dumps(body)}")
        self.status = status
        self.body = body


class BrainOps:
    """The contract's calls. `base_url` like http://127.0.0.1:8300; `api_key` a key of the tenant."""

    def __init__(self, base_url, api_key, timeout_s=10.0):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout_s = timeout_s

    def _call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.api_key}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            raw = error.read().decode() or "{}"
            raise ApiError(error.code, json.loads(raw)) from None

    # Context management
    def store(self, **entry):
        return self._call("POST", "/memory/context/store", entry)

    def retrieve(self, **identity):
        return self._call("POST", "/memory/context/retrieve", identity)

    def search(self, **query):
        return self._call("POST", "/memory/context/search", query)

    # Session management
    def start_session(self, **session):
        return self._call("POST", "/memory/session/start", session)

    def resume_session(self, session_id):
        return self._call("POST", f"/memory/session/resume/{session_id}")

    def add_message(self, **message):
        return self._call("POST", "/memory/session/message", message)

    def handoff(self, **handoff):
        return self._call("POST", "/memory/session/handoff", handoff)

    def get_context(self, session_id):
        return self._call("GET", f"/memory/session/context/{session_id}")

    def end_session(self, session_id, reason="completed"):
        return self._call("POST", "/memory/session/end", {"session_id": session_id, "reason": reason})


def main():
    api = BrainOps(
        os.environ.get("BRAINOPS_API_URL", "http://127.0.0.1:8300"),
        os.environ["BRAINOPS_API_KEY"],
    )
    tenant = os.environ.get("BRAINOPS_TENANT", "tenant_456")
    session_id = f"session_{uuid.uuid4().hex[:12]}"

    def step(name, answer):
        print(json.dumps({"step": name, "answer": answer}), flush=True)
        return answer

    step("store", api.store(
        key="customer_preference_123",
        value={"theme": "dark", "notifications": True},
        layer="long_term",
        scope="user",
        priority="high",
        category="user_preferences",
        source="ui_settings",
        user_id="user_789",
        tenant_id=tenant,
    ))
    step("retrieve", api.retrieve(key="customer_preference_123", scope="user", user_id="user_789", tenant_id=tenant))
    step("search", api.search(query="dark theme", scope="user", layer="long_term", tenant_id=tenant, limit=20))
    step("start", api.start_session(
        session_id=session_id, tenant_id=tenant, user_id="user_789", initial_context={"source": "web_app"}
    ))
    step("message", api.add_message(
        session_id=session_id, role="user", content="I need help with my project", metadata={"source": "web_ui"}
    ))
    step("message", api.add_message(
        session_id=session_id, role="assistant", content="Happy to help: which part of the project?"
    ))
    step("resume", api.resume_session(session_id))
    step("handoff", api.handoff(
        session_id=session_id,
        to_agent="code_specialist",
        handoff_reason="User needs code review",
        critical_info={"project": "ecommerce_site", "language": "python", "urgency": "high"},
        continuation_instructions="Review the authentication module and suggest improvements",
    ))
    context = step("context", api.get_context(session_id))["context"]
    step("end", api.end_session(session_id, reason="completed"))
    print(f"Messages: {context['conversation']['message_count']}", flush=True)


if __name__ == "__main__":
    try:
        main()
    except ApiError as error:
        print(str(error), file=sys.stderr)
        sys.exit(1)
