"""The shared cache on Redis, made to degrade rather than fail: if Redis is
unreachable a read is a miss and a write is dropped, so pages keep serving
through a Redis outage. What the cache holds (Wagtail's site lookup, sign-in
rate-limit counters) is rebuilt once Redis is back; the outage is logged."""

import logging
from functools import wraps

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


def _degrade(fallback):
    def decorate(method):
        @wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except RedisError as error:
                log.warning("Cache unavailable, %s skipped: %s", method.__name__, error)
                return fallback(*args, **kwargs) if callable(fallback) else fallback

        return wrapper

    return decorate


class ResilientRedisCache(RedisCache):
    get = _degrade(lambda key, default=None, version=None: default)(RedisCache.get)
    set = _degrade(None)(RedisCache.set)
    add = _degrade(False)(RedisCache.add)
    touch = _degrade(False)(RedisCache.touch)
    delete = _degrade(False)(RedisCache.delete)
    has_key = _degrade(False)(RedisCache.has_key)
    get_many = _degrade({})(RedisCache.get_many)
    set_many = _degrade([])(RedisCache.set_many)
    delete_many = _degrade(None)(RedisCache.delete_many)
    clear = _degrade(False)(RedisCache.clear)

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except RedisError as error:
            log.warning("Cache unavailable, incr skipped: %s", error)
            raise ValueError(f"Key '{key}' not found (cache unavailable)") from error
