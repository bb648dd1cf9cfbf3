from django.contrib import admin
from django.urls import path

from digitsite import views

urlpatterns = [
    path("", views.home, name="home"),
    path("uploads/<uuid:public_id>/", views.upload_detail, name="upload-detail"),
    path("uploads/<uuid:public_id>/image", views.upload_image, name="upload-image"),
    path("admin/", admin.site.urls),
]
