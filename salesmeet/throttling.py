"""Request throttles for the API."""

from rest_framework.throttling import AnonRateThrottle


class LoginRateThrottle(AnonRateThrottle):
    """Caps password guesses through ``POST /api/auth/token/`` per client
    address, at ``DEFAULT_THROTTLE_RATES["login"]``."""

    scope = "login"
