from django.contrib import admin
from django.urls import include, path

# Without the left-hand list of every model, the order list (status, place, ETA, progress) fits a 1280 px screen.
admin.site.enable_nav_sidebar = False

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("orders.urls")),
]
