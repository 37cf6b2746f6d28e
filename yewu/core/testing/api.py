"""Helpers for API tests: token-authenticated clients and the JSON error contract."""

from __future__ import annotations

from typing import Any

from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


def api_client(user: Any = None, *, language: str | None = None) -> APIClient:
    """An API client authenticated the way integrations are (`Authorization: Token <key>`);
    anonymous without a user. `language` sets Accept-Language."""
    client = APIClient()
    headers = {}
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        headers["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    if language:
        headers["HTTP_ACCEPT_LANGUAGE"] = language
    client.credentials(**headers)
    return client


def assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    """The response is a JSON error with this status and code and a non-empty message."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert body.get("code") == code, body
    assert isinstance(body.get("message"), str) and body["message"].strip(), body
    return body


def result_ids(response: Any) -> list[int]:
    """Ids of a paginated list response, in order."""
    assert response.status_code == 200, (response.status_code, response.content[:500])
    return [row["id"] for row in response.json()["results"]]
