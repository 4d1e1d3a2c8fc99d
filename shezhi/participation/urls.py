from django.urls import path

from shezhi.participation import views, views_opportunities, views_volunteers

app_name = "participation"

urlpatterns = [
    path("", views.index, name="index"),
    path("topics/new/", views.topic_new, name="topic_new"),
    path("topics/<int:pk>/", views.topic_detail, name="topic"),
    path("topics/<int:pk>/votes/new/", views.vote_new, name="vote_new"),
    path("votes/<int:pk>/", views.vote_detail, name="vote"),
    path("votes/<int:pk>/cast/", views.vote_cast, name="cast"),
    path("votes/<int:pk>/open/", views.vote_open, name="open"),
    path("votes/<int:pk>/close/", views.vote_close, name="close"),
    path("votes/<int:pk>/paper/", views.vote_paper, name="paper"),
    path("votes/<int:pk>/roll/", views.vote_roll, name="roll"),
    path("votes/<int:pk>/results/", views.vote_results, name="results"),
    path("votes/<int:pk>/ballots/", views.vote_ballots, name="ballots"),
    path("votes/<int:pk>/receipt/", views.vote_receipt, name="receipt"),
    path("volunteer/", views_volunteers.index, name="volunteer"),
    path("volunteer/activities/<int:pk>/", views_volunteers.activity_detail, name="activity"),
    path("volunteer/report-1116/", views_volunteers.report_1116, name="report_1116"),
    path("volunteer/<int:pk>/certificate.pdf", views_volunteers.certificate, name="certificate"),
    path("opportunities/", views_opportunities.index, name="opportunities"),
    path("opportunities/<int:pk>/", views_opportunities.detail, name="opportunity"),
    path("registry/", views_opportunities.registry, name="registry"),
    path("surveys/<int:pk>/", views_opportunities.survey_detail, name="survey"),
    path("notifications/", views_opportunities.notifications, name="notifications"),
]
