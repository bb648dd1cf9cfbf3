from django.urls import path

from recognizer import views

urlpatterns = [
    path("", views.recognize, name="recognize"),
    path("r/<uuid:public_id>/", views.detail, name="recognition-detail"),
    path("uploads/<uuid:public_id>/recognize", views.recognize_upload, name="recognize-upload"),
]
