"""The composition root: every app's pages and API routers are mounted here."""

from django.contrib import admin
from django.urls import include, path

from augment.api import router as augment_api
from classifiers.api import router as classifiers_api
from digitsite import views
from digitsite.api import api
from metadata.api import router as metadata_api
from recognizer.api import router as recognizer_api

api.add_router("/recognitions", recognizer_api)
api.add_router("/classifiers", classifiers_api)
api.add_router("/augmentations", augment_api)
api.add_router("/metadata", metadata_api)

urlpatterns = [
    path("", include("recognizer.urls")),
    path("uploads/", views.home, name="home"),
    path("uploads/<uuid:public_id>/", views.upload_detail, name="upload-detail"),
    path("uploads/<uuid:public_id>/image", views.upload_image, name="upload-image"),
    path("augment/", include("augment.urls")),
    path("metadata/", include("metadata.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
