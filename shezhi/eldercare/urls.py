from django.urls import path

from shezhi.eldercare import views

app_name = "eldercare"
urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("elders/<int:pk>/", views.elder_detail, name="elder"),
    path("appeals/<int:pk>/decide/", views.appeal_decide, name="appeal_decide"),
    path("records/<int:pk>/receipt/", views.record_receipt, name="receipt"),
    path("certifications/<int:pk>/photo/", views.certification_photo, name="photo"),
    path("roll/", views.roll_view, name="roll"),
    path("checkin/", views.checkin, name="checkin"),
    path("checkins/", views.checkin_list, name="checkins"),
    path("me/", views.resident_page, name="resident"),
    path("audit/", views.log_view, name="audit"),
    path("log/<int:year>/checkpoint", views.log_checkpoint, name="log_checkpoint"),
    path("log/<int:year>/tile/<path:rest>", views.log_tile, name="log_tile"),
]
