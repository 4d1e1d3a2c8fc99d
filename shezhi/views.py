"""Project-level pages: the home shell."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from shezhi.places.models import Compound, Division, Grid


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "home.html",
        {
            "n_divisions": Division.objects.visible_to(user).count(),
            "n_grids": Grid.objects.visible_to(user).count(),
            "n_compounds": Compound.objects.visible_to(user).count(),
        },
    )
