from django.urls import path

from . import views

urlpatterns = [
    path("me/data/", views.your_data, name="your_data"),
    path("me/data.json", views.my_data, name="my_data"),
    path("me/cpd.csv", views.cpd_log, name="cpd_log"),
    path("me/delete/", views.delete_account_view, name="delete_account"),
]
