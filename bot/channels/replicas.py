"""Several Rasa replicas behind one address: the socket.io rooms shared through Redis.

A resident's socket is connected to one Rasa replica, but a message for their room can be emitted
by another: the console's relay call (`relay.py`) may reach any replica. With
`ASSISTANT_SOCKETIO_REDIS_URL` set, every replica's socket.io server publishes its emits on a
Redis channel (python-socketio's `AsyncRedisManager` over `redis.asyncio`) and each replica
delivers them to the sockets it holds. Unset (the embedded default), emits stay in the process.
"""
from __future__ import annotations

import os
from typing import Any, Dict, Mapping, Text

ENV_SOCKETIO_REDIS_URL = "ASSISTANT_SOCKETIO_REDIS_URL"    # e.g. redis://redis:6379/0; unset: one process
ENV_SOCKETIO_CHANNEL = "ASSISTANT_SOCKETIO_CHANNEL"        # Redis pub/sub channel (pub/sub ignores the db number)
DEFAULT_CHANNEL = "sote-opastaja-socketio"


def client_manager_options(env: Mapping[str, str] = os.environ) -> Dict[Text, Any]:
    """Keyword arguments for `socketio.AsyncServer`: a Redis client manager when configured, else none."""
    url = env.get(ENV_SOCKETIO_REDIS_URL, "").strip()
    if not url:
        return {}
    from socketio import AsyncRedisManager

    return {"client_manager": AsyncRedisManager(url, channel=env.get(ENV_SOCKETIO_CHANNEL) or DEFAULT_CHANNEL)}
