from django.urls import path

from . import views_data

urlpatterns = [
    path("me/data/", views_data.your_data, name="your_data"),
    path("me/data.json", views_data.my_data, name="my_data"),
    path("me/cpd.csv", views_data.cpd_log, name="cpd_log"),
    path("me/delete/", views_data.delete_account_view, name="delete_account"),
]
