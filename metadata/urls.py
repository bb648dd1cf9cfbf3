from django.urls import path

from metadata import views

urlpatterns = [
    path("", views.inspect, name="metadata-inspect"),
    path("<uuid:public_id>/", views.detail, name="metadata-detail"),
]
