from django.urls import path

from augment import views

urlpatterns = [
    path("", views.choose, name="augment-choose"),
    path("<uuid:public_id>/", views.preview, name="augment-preview"),
    path("samples/<int:pk>/<int:index>.png", views.sample, name="augment-sample"),
]
