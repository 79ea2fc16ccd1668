from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from org.services import escalation_chain

from .guides import guide_for


@login_required
def home(request):
    """The landing page: tells each role what their work in SalesMeet is and
    where to find it."""
    person = request.user
    return render(
        request,
        "home.html",
        {"guide": guide_for(person), "chain": escalation_chain(person)},
    )
