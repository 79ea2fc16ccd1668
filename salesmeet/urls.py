from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.authtoken.views import ObtainAuthToken

from . import health, views
from .throttling import LoginRateThrottle

api_patterns = [
    path(
        "auth/token/",
        ObtainAuthToken.as_view(throttle_classes=[LoginRateThrottle]),
        name="api-token",
    ),
    path("", include("org.api.urls")),
    path("", include("meetings.api.urls")),
    path("", include("agendas.api.urls")),
    path("", include("customers.api.urls")),
    path("", include("actions.api.urls")),
    path("", include("targets.api.urls")),
    path("", include("dashboards.api.urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("org/", include("org.urls")),
    path("meetings/", include("meetings.urls")),
    path("", include("agendas.urls")),
    path("", include("customers.urls")),
    path("", include("actions.urls")),
    path("", include("targets.urls")),
    path("", include("dashboards.urls")),
    path("api/", include(api_patterns)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file of its own
    # (/api/docs/?script=), so the Content-Security-Policy needs no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]

admin.site.site_header = "SalesMeet"
admin.site.site_title = "SalesMeet"
